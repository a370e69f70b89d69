"""The mock engine as one object to start and stop: sandboxes + routes + socket server, and where to reach it."""

from __future__ import annotations

import atexit
import logging
import os
import re
import secrets
import signal
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, replace
from typing import IO, Protocol

from hellotrace.engine import apitypes
from hellotrace.engine.api import EngineApp, EngineSettings
from hellotrace.engine.sandbox import SandboxLimits, SandboxRegistry
from hellotrace.engine.server import AddressInUse, EngineServer, ServerLimits, require_socket_folder
from hellotrace.engine.tap import TapSink

logger = logging.getLogger(__name__)


def default_unix_path() -> str:
    """A socket in the per-user runtime directory ($XDG_RUNTIME_DIR), else in a private folder under /tmp.

    The folder is made (owner only) when the engine starts, not here: naming the path changes nothing.
    """
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and os.path.isdir(runtime):
        folder = os.path.join(runtime, "hellotrace")
    else:
        folder = os.path.join(tempfile.gettempdir(), f"hellotrace-{os.getuid()}")
    return os.path.join(folder, "docker.sock")


def make_default_folder(unix_path: str) -> None:
    """Create the default socket's folder, readable by its owner only (other users get no access)."""
    if unix_path == default_unix_path():
        os.makedirs(os.path.dirname(unix_path), mode=0o700, exist_ok=True)


def ping(unix_path: str, timeout: float) -> bool:
    """Whether the engine answers `GET /_ping` on its unix socket within `timeout` seconds (for health checks)."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            probe.settimeout(timeout)
            probe.connect(unix_path)
            probe.sendall(b"GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n")
            return probe.recv(64).startswith(b"HTTP/1.1 200 ")
    except OSError:
        return False


@dataclass
class EngineOptions:
    unix_path: str | None = None
    tcp_address: tuple[str, int] | None = None
    settings: EngineSettings | None = None
    sandbox_limits: SandboxLimits | None = None
    server_limits: ServerLimits | None = None
    log_requests: bool = False
    tap: TapSink | None = None  # receives every byte of every connection, for the trace
    # Host names the engine answers to besides loopback, Docker's unix-socket names and its own TCP address.
    host_names: tuple[str, ...] = ()


class MockEngine:
    """Start with `start()`; `docker_host_unix` / `docker_host_tcp` are ready for DOCKER_HOST.
    In-process, it never restarts: its `generation` stays 0."""

    generation = 0

    def __init__(self, options: EngineOptions) -> None:
        settings = options.settings or EngineSettings()
        self._boot = settings.node_boot or secrets.token_hex(4)
        self.registry = SandboxRegistry(options.sandbox_limits)
        self.app = EngineApp(self.registry, replace(settings, node_boot=self._boot))
        self.server = EngineServer(
            self.app,
            unix_path=options.unix_path,
            tcp_address=options.tcp_address,
            limits=options.server_limits,
            log_requests=options.log_requests,
            body_budget=self.registry.budget,
            tap=options.tap,
            host_names=options.host_names,
        )
        self._running = False

    def start(self) -> MockEngine:
        """Start serving; calling it again on a running engine changes nothing."""
        if not self._running:
            self.server.start()
            self._running = True
            # The request types the first create needs, built while the engine waits for it rather than then.
            threading.Thread(target=apitypes.load, name="engine-api-types", daemon=True).start()
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

    @property
    def boot(self) -> str:
        """Names the site process's start (an engine that restarts under it keeps it): 8 hex digits."""
        return self._boot

    @property
    def instance(self) -> str:
        """Names this engine's life: another engine, or this one restarted, holds none of its sandboxes."""
        return f"{self._boot}.{self.generation}"

    def sandbox_host(self, token: str) -> str | None:
        """DOCKER_HOST for one sandbox on this machine: the TCP address with the sandbox's path prefix
        (an engine listening on every interface is reached here through loopback)."""
        if not self.tcp_address:
            return None
        host, port = self.tcp_address
        local = {"0.0.0.0": "127.0.0.1", "::": "[::1]"}.get(host, f"[{host}]" if ":" in host else host)
        return f"tcp://{local}:{port}/sandboxes/{token}"


class Companion(Protocol):
    """What runs beside the engine child, started before it and stopped after it (the site's end of the
    engine's trace tap)."""

    def start(self) -> object: ...

    def stop(self) -> None: ...


# The engine's banner line that names its TCP address (app.py print_engine_addresses): a port 0 asked for is
# read back from it, here and by the parent of `--workers N` (deploy/workers.py).
ANNOUNCED_ENGINE_TCP = re.compile(r"and TCP tcp://([^\s:]+):(\d+)")


class EngineProcess:
    """The engine in a supervised child process, as the site runs it: the engine gets the second core, a crash
    on either side leaves the other standing, and a dead engine comes back within a second or so.

    `command` runs the engine in the foreground (the composition root passes `python app.py mock-daemon …`);
    the socket options are added here, so that a restart reuses the very addresses of the first start (a
    TCP port 0 becomes the port the engine got), and `--node-boot` with `boot`, the site's start, which names its
    visitors' sandboxes whichever engine serves them. The child's stdout announces its addresses.
    Nothing starts before `start()`, which the site calls on first use: `flask routes` starts no engine.
    `generation` counts the restarts: the sandboxes of an earlier generation are gone.
    """

    def __init__(self, command: list[str], unix_path: str, tcp_address: tuple[str, int],
                 startup_timeout: float = 20.0, companion: Companion | None = None, boot: str | None = None) -> None:
        self.command = command
        self.companion = companion
        self._companion_started = False
        self.unix_path: str | None = unix_path
        self.tcp_address: tuple[str, int] | None = None
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen[str] | None = None
        self.generation = 0
        self._boot = boot or secrets.token_hex(4)
        self._wanted_tcp = tcp_address
        self._lock = threading.Lock()
        self._started = threading.Event()
        self._stopping = threading.Event()
        self._failure: str | None = None
        self._supervisor: threading.Thread | None = None

    def start(self) -> EngineProcess:
        """Start the engine once (later calls wait for that start); AddressInUse if it cannot start."""
        with self._lock:
            failed = self._failure is not None and self._supervisor is not None and not self._supervisor.is_alive()
            if self._supervisor is None or failed:
                # A start that failed (its port still held by an engine on its way out, say) is tried again
                # by the next caller. The supervisor thread starts every child: Linux ties a child's PDEATHSIG
                # to the thread that forked it, and this thread lives as long as the engine (a request's may not).
                if self._supervisor is None:
                    atexit.register(self.stop)
                if self.companion is not None and not self._companion_started:
                    # Before the child: it connects to its companion as it starts (an AddressInUse stops here).
                    make_default_folder(self.unix_path or "")
                    require_socket_folder(self.unix_path or "")  # named for --unix, not for the companion
                    self.companion.start()
                    self._companion_started = True
                self._failure = None
                self._started.clear()
                self._supervisor = threading.Thread(target=self._supervise, name="engine-supervisor", daemon=True)
                self._supervisor.start()
        self._started.wait(self.startup_timeout + 5)
        if self._failure is not None:
            raise AddressInUse(self._failure)
        return self

    def _supervise(self) -> None:
        first = True
        retry_delay = 0.25
        while not self._stopping.is_set():
            try:
                self._spawn()
            except AddressInUse as exc:
                if first:
                    self._failure = str(exc)
                    self._started.set()
                    return
                # The old engine's port can stay busy for a moment: try again shortly, then less often.
                logger.warning("the mock engine could not restart yet: %s", exc)
                self._stopping.wait(retry_delay)
                retry_delay = min(5.0, retry_delay * 2)
                continue
            retry_delay = 0.25
            if self._stopping.is_set():  # stop() came while this one was starting
                assert self.process is not None
                _end(self.process)
                return
            if not first:
                logger.warning("the mock engine restarted on %s and %s; every sandbox is new",
                               self.unix_path, self.docker_host_tcp)
            first = False
            self._started.set()
            assert self.process is not None
            code = self.process.wait()
            if not self._stopping.is_set():
                # Counted at once: a visitor who arrives during the restart gets a sandbox in the new engine.
                self.generation += 1
                logger.warning("the mock engine stopped unexpectedly (exit status %s); restarting it", code)

    def _spawn(self) -> None:
        assert self.unix_path is not None
        make_default_folder(self.unix_path)
        host, port = self.tcp_address or self._wanted_tcp
        command = [*self.command, "--node-boot", self._boot, "--unix", self.unix_path, "--tcp", f"{host}:{port}"]
        # A process group of its own: a signal to the site's whole group (ctrl-C in its terminal, `kill -TERM
        # -- -PGID` from a process manager) is the site's to handle; an engine that stopped on it first would be
        # taken for a crash and started again while its site stops. The site stops it (_end), or Linux does.
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   preexec_fn=die_with_parent, process_group=0)
        deadline = time.monotonic() + self.startup_timeout
        assert process.stdout is not None
        address = None
        for line in process.stdout:
            found = ANNOUNCED_ENGINE_TCP.search(line)
            if found:
                address = (found.group(1), int(found.group(2)))
            if "Press Ctrl+C" in line or time.monotonic() > deadline:
                break
        if process.poll() is not None or address is None:
            error = process.stderr.read() if process.stderr else ""
            _end(process)
            message = error.strip().splitlines()[-1] if error.strip() else "the mock engine did not start"
            raise AddressInUse(message.removeprefix("hellotrace: "))
        self.tcp_address = address
        self.process = process
        # Keep reading its output, or the child would block once a pipe fills; what it says goes to the log.
        for stream, level in ((process.stdout, logging.INFO), (process.stderr, logging.WARNING)):
            threading.Thread(target=_forward, args=(stream, level), name="engine-output", daemon=True).start()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        self._stopping.set()
        if self.process is not None:
            _end(self.process)
        if self._supervisor is not None and self._supervisor is not threading.current_thread():
            self._supervisor.join(timeout=5)
        if self.companion is not None and self._companion_started:
            self.companion.stop()
            self._companion_started = False

    def sandbox_host(self, token: str) -> str | None:
        """DOCKER_HOST for one sandbox, starting the engine if nobody needed it before."""
        self.start()
        return MockEngine.sandbox_host(self, token)  # type: ignore[arg-type]

    docker_host_unix = MockEngine.docker_host_unix
    docker_host_tcp = MockEngine.docker_host_tcp
    boot = MockEngine.boot
    instance = MockEngine.instance


def _forward(stream: IO[str], level: int) -> None:
    """The engine's own lines (`--quiet` leaves only its notices and errors) into the site's log."""
    for line in stream:
        if line.strip():
            logger.log(level, "mock engine: %s", line.rstrip())


def _end(process: subprocess.Popen[str]) -> None:
    """SIGTERM, then SIGKILL if the engine does not stop within 10 s."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def die_with_parent() -> None:
    """In the child: ask Linux to send SIGTERM if the site dies without stopping us (prctl PDEATHSIG), and ignore
    SIGINT, which is the site's (the site stops its engine with SIGTERM)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # kept across exec, and left so by the child (wait_for_signal)
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the site still stops the engine on a normal exit
