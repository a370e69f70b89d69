"""The mock engine as one object to start and stop: sandboxes + routes + socket server, and where to reach it."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass

from hellotrace.engine.api import EngineApp, EngineSettings
from hellotrace.engine.sandbox import SandboxLimits, SandboxRegistry
from hellotrace.engine.server import EngineServer, ServerLimits

DEFAULT_TCP = ("127.0.0.1", 2375)  # Docker's plain-text (no TLS) port


def default_unix_path() -> str:
    """A socket in the per-user runtime directory ($XDG_RUNTIME_DIR), else a private folder under /tmp."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and os.path.isdir(runtime):
        folder = os.path.join(runtime, "hellotrace")
    else:
        folder = os.path.join(tempfile.gettempdir(), f"hellotrace-{os.getuid()}")
    os.makedirs(folder, mode=0o700, exist_ok=True)
    return os.path.join(folder, "docker.sock")


@dataclass
class EngineOptions:
    unix_path: str | None = None
    tcp_address: tuple[str, int] | None = None
    settings: EngineSettings | None = None
    sandbox_limits: SandboxLimits | None = None
    server_limits: ServerLimits | None = None
    log_requests: bool = False


class MockEngine:
    """Start with `start()`; `docker_host_unix` / `docker_host_tcp` are ready for DOCKER_HOST."""

    def __init__(self, options: EngineOptions) -> None:
        self.registry = SandboxRegistry(options.sandbox_limits)
        self.app = EngineApp(self.registry, options.settings)
        self.server = EngineServer(
            self.app,
            unix_path=options.unix_path,
            tcp_address=options.tcp_address,
            limits=options.server_limits,
            log_requests=options.log_requests,
        )

    def start(self) -> MockEngine:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()
        self.registry.close()

    @property
    def unix_path(self) -> str | None:
        return self.server.unix_path

    @property
    def tcp_address(self) -> tuple[str, int] | None:
        return self.server.tcp_address

    @property
    def docker_host_unix(self) -> str | None:
        return f"unix://{self.unix_path}" if self.unix_path else None

    @property
    def docker_host_tcp(self) -> str | None:
        if not self.tcp_address:
            return None
        host, port = self.tcp_address
        return f"tcp://{host}:{port}"

    def sandbox_host(self, token: str) -> str | None:
        """DOCKER_HOST for one sandbox: the TCP address with the sandbox's path prefix."""
        base = self.docker_host_tcp
        return f"{base}/sandboxes/{token}" if base else None
