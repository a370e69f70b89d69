"""The mock engine as one object to start and stop: sandboxes + routes + socket server, and where to reach it."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass

from hellotrace.engine.api import EngineApp, EngineSettings
from hellotrace.engine.sandbox import SandboxLimits, SandboxRegistry
from hellotrace.engine.server import AddressInUse, EngineServer, ServerLimits
from hellotrace.engine.tap import TapSink

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
    tap: TapSink | None = None  # receives every byte of every connection, for the trace


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
            tap=options.tap,
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


class EngineProcess:
    """The same engine in a child process, as the site runs it: the engine gets the second core, and a
    crash on either side leaves the other standing. `command` runs the engine in the foreground
    (the composition root passes `python app.py mock-daemon …`); its stdout announces the addresses."""

    def __init__(self, command: list[str], unix_path: str, startup_timeout: float = 20.0) -> None:
        self.command = command
        self.unix_path: str | None = unix_path
        self.tcp_address: tuple[str, int] | None = None
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> EngineProcess:
        self.process = subprocess.Popen(self.command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                        preexec_fn=_die_with_parent)
        deadline = time.monotonic() + self.startup_timeout
        assert self.process.stdout is not None
        for line in self.process.stdout:
            found = re.search(r"and TCP tcp://([^\s:]+):(\d+)", line)
            if found:
                self.tcp_address = (found.group(1), int(found.group(2)))
            if "Press Ctrl+C" in line or time.monotonic() > deadline:
                break
        if self.process.poll() is not None or self.tcp_address is None:
            error = self.process.stderr.read() if self.process.stderr else ""
            self.stop()
            message = error.strip().splitlines()[-1] if error.strip() else "the mock engine did not start"
            raise AddressInUse(message.removeprefix("hellotrace: "))
        # Keep reading its output, or the child would block once the pipe fills.
        threading.Thread(target=self._drain, name="engine-output", daemon=True).start()
        return self

    def _drain(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for _ in self.process.stdout:
            pass

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    docker_host_unix = MockEngine.docker_host_unix
    docker_host_tcp = MockEngine.docker_host_tcp
    sandbox_host = MockEngine.sandbox_host


def _die_with_parent() -> None:
    """In the child: ask Linux to send SIGTERM if the site dies without stopping us (prctl PDEATHSIG)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the site still stops the engine on a normal exit
