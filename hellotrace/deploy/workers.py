"""`python app.py --workers N`: the topology of deploy/ on one machine, started and supervised by one parent.

The parent starts, in a private runtime folder (0700): a redis-server on a unix socket when no REDIS_URL is
given, N node processes (`python app.py --workers 1 --node wK --behind-proxy …`, each with its own mock engine,
on loopback ports it binds as port 0 and announces: a port chosen here could be taken before the node binds
it), then nginx on the public addresses. A node that dies is started again on the same addresses (its
visitors get a new sandbox, and their page says so). SIGINT or SIGTERM stops all it started, by PID; each
child also gets SIGTERM from Linux if the parent dies without stopping it.

Each node is kept on one core (PIN_WORKERS, on by default), its engine with it: a node runs one Python thread at a
time anyway (the GIL), and its threads hand the interpreter to one another dozens of times per student (turns.py).
Waking a thread that sleeps on the other core costs nearly three times what it costs on the same one: pinned, a
stampede of 200 students cost the site 27-35 ms of CPU per student instead of 35-42, and was answered within
0.71-1.04 s instead of 1.00-1.25 s (p95, alternated; docs/benchmarks.md, "One core per node").
"""

from __future__ import annotations

import contextlib
import logging
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from hellotrace.deploy.nginx import ROUTE_SCRIPT, Node, PrivatePaths, listen_address, nginx_config
from hellotrace.engine.service import ANNOUNCED_ENGINE_TCP, MockEngine, die_with_parent
from hellotrace.engine.tap import trace_tap_path

logger = logging.getLogger(__name__)

STREAM_MODULES = ("ngx_stream_module.so", "ngx_stream_js_module.so")
NGINX_PACKAGES = "nginx libnginx-mod-stream libnginx-mod-stream-js"
BANNER_END = "Press Ctrl+C to stop."
# The banner line of a node's site (app.py print_banner; a node listens on loopback).
ANNOUNCED_SITE = re.compile(r"^hellotrace is on http://([^\s/:]+):(\d+)/")
START_TIMEOUT = 60.0
# A node that keeps dying is started again after this long at first, then less often.
RESTART_DELAYS = (0.5, 1.0, 2.0, 5.0)
# The longest path a unix socket's address holds on Linux (sun_path, 108 bytes with its final NUL).
SOCKET_PATH_MAX = 107
# The group's runtime folder (redis-server's socket, the nodes' and their engines' taps, nginx's files).
_FOLDER_PREFIX = "hellotrace-w"


class WorkersUnavailable(Exception):
    """`--workers N` (N > 1) was asked for and cannot be: the message says what to install."""


class GroupFailed(Exception):
    """A process of the group did not start: the message says which and why."""


@dataclass(frozen=True)
class Tools:
    """What several workers need from the machine (None: missing)."""

    nginx: str | None
    modules: str | None  # nginx's folder of dynamic modules, when it holds the stream modules
    redis_server: str | None

    @classmethod
    def find(cls) -> Tools:
        # Debian puts nginx in /usr/sbin, which is not on a plain user's PATH.
        nginx = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
        return cls(nginx, _stream_modules(nginx) if nginx else None, shutil.which("redis-server"))


def _stream_modules(nginx: str) -> str | None:
    try:
        described = subprocess.run([nginx, "-V"], capture_output=True, text=True, timeout=10).stderr
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = re.search(r"--modules-path=(\S+)", described)
    folder = found.group(1) if found else "/usr/lib/nginx/modules"
    return folder if all(os.path.isfile(os.path.join(folder, name)) for name in STREAM_MODULES) else None


@dataclass(frozen=True)
class WorkerPlan:
    count: int
    note: str  # the banner's line about it
    tools: Tools | None = None  # what runs them, when several do


def plan_workers(requested: int | None, *, real_daemon: bool, redis_url: str | None, cores: int,
                 node: bool = False, find_tools: Callable[[], Tools] | None = None) -> WorkerPlan:
    """How many workers run, and the banner's line saying so (or why only one).

    `requested` is WORKERS as given (None: one per core). Asked for explicitly, several workers that cannot
    run are an error (WorkersUnavailable); by default the site then runs one and says why. A `node` of a group
    (NODE or BEHIND_PROXY set) is one worker: its group's parent or process manager started it. The machine is
    looked at only when several are wanted."""
    if node:
        if requested is not None and requested > 1:
            raise WorkersUnavailable(f"--workers {requested} starts a group of its own nodes: it cannot be a node "
                                     "itself (--node, --behind-proxy); give one or the other")
        return WorkerPlan(1, "One worker: a node of a group behind nginx.")
    wanted = requested if requested is not None else cores
    if wanted <= 1:
        return WorkerPlan(1, "One worker (--workers 1)." if requested else "One worker: this machine has one core.")
    if real_daemon:
        return WorkerPlan(1, "One worker: with a real Docker daemon, the record of the containers hellotrace "
                             "made there lives in one process.")
    tools = (find_tools or Tools.find)()
    missing = None
    if tools.nginx is None:
        missing = f"nginx (apt-get install {NGINX_PACKAGES})"
    elif tools.modules is None:
        missing = f"nginx's stream modules (apt-get install {NGINX_PACKAGES.removeprefix('nginx ')})"
    elif redis_url is None and tools.redis_server is None:
        missing = "Redis: set REDIS_URL, or install redis-server (apt-get install redis-server)"
    if missing is not None:
        if requested is not None:
            raise WorkersUnavailable(f"--workers {requested} needs {missing}; or run one worker with --workers 1")
        return WorkerPlan(1, f"One worker: several need {missing}.")
    per_core = ", one per core" if requested is None else ""
    return WorkerPlan(wanted, f"{wanted} workers{per_core}, each a site process with its own mock engine, "
                              "behind nginx.", tools)


@dataclass
class PublicEngine:
    """The engine's addresses as visitors see them (nginx's), for the banner."""

    unix_path: str
    tcp_address: tuple[str, int]

    docker_host_unix = MockEngine.docker_host_unix
    docker_host_tcp = MockEngine.docker_host_tcp


@dataclass
class Child:
    """One process of the group, started again with the same command when it dies."""

    name: str
    command: list[str]
    ready: Callable[[Child], None]  # returns once the process serves; raises GroupFailed otherwise
    env: dict[str, str] | None = None
    # A node's banner is read (it says the node serves); what others print goes with the site's log lines.
    reads_banner: bool = False
    # nginx's workers outlive a master that was killed outright and keep its ports: started as a process group of
    # its own, the whole group is stopped before the master is started again, and the unix sockets it listened on
    # (which a killed nginx leaves behind) are removed.
    own_group: bool = False
    sockets: tuple[str, ...] = ()
    core: int | None = None  # the one core it runs on (with what it starts), when pinned
    process: subprocess.Popen | None = None
    restarts: int = 0
    next_try: float = 0.0

    def start(self) -> None:
        self.stop_leftovers()
        self.process = subprocess.Popen(self.command, env=self.env, text=True, preexec_fn=self._in_child,
                                        stdout=subprocess.PIPE if self.reads_banner else sys.stderr,
                                        process_group=0 if self.own_group else None)

    def _in_child(self) -> None:
        die_with_parent()
        if self.core is not None:
            # Kept across exec, and by the processes it starts. A core taken away since it was chosen (a cpuset
            # changed) leaves the node to the kernel rather than unstarted.
            with contextlib.suppress(OSError):
                os.sched_setaffinity(0, {self.core})

    def stop(self) -> None:
        process = self.process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.stop_leftovers()

    def stop_leftovers(self) -> None:
        """What is left of the process group of a child that died (its group's id is its PID, and stays taken
        while a member lives, so it names nothing else)."""
        if not self.own_group or self.process is None:
            return
        group = self.process.pid
        deadline = time.monotonic() + 5
        try:
            os.killpg(group, signal.SIGTERM)
            while time.monotonic() < deadline:
                os.killpg(group, 0)
                time.sleep(0.05)
            os.killpg(group, signal.SIGKILL)
        except ProcessLookupError:
            pass  # none left
        for path in self.sockets:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


def node_cores(count: int) -> list[int | None]:
    """The core each of `count` nodes is kept on: the cores this process may use, in turn (more nodes than cores
    share them evenly). None for each where there is nothing to choose (one core) or the system does not say which
    (not Linux)."""
    usable = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if len(usable) < 2:
        return [None] * count
    return [usable[index % len(usable)] for index in range(count)]


def node_unix_path(folder: str | Path, index: int) -> str:
    """The unix socket of node `index` (from 1) in the group's folder; its engine's tap is beside it."""
    return os.path.join(folder, f"w{index}.sock")


def placement(cores: Iterable[int | None]) -> str:
    """What the banner says of where the nodes run, after its line on how many, from the cores its children were
    given (None: left to the kernel, as Redis and nginx are): nothing when no node was pinned."""
    pinned = [core for core in cores if core is not None]
    if not pinned:
        return ""
    if len(set(pinned)) < len(pinned):
        return " Each keeps to one core with its engine, the cores shared in turn."
    return " Each keeps to a core of its own with its engine."


def _drain(stream) -> None:
    """Keep reading what a child prints once it has started, so that it never blocks on a full pipe."""
    for _line in stream:
        pass


def node_started(child: Child) -> None:
    """A node has started once it printed its banner (its addresses were free and its engine answered).
    The ports its banner announces replace the 0s of its command: started again, it binds the same ones."""
    process = child.process
    assert process is not None and process.stdout is not None
    watchdog = threading.Timer(START_TIMEOUT, process.kill)
    watchdog.start()
    announced = {}
    try:
        for line in process.stdout:
            for option, pattern in (("--listen", ANNOUNCED_SITE), ("--tcp", ANNOUNCED_ENGINE_TCP)):
                if found := pattern.search(line):
                    announced[option] = listen_address(found.group(1), int(found.group(2)))
            if line.rstrip("\n") == BANNER_END:
                threading.Thread(target=_drain, args=(process.stdout,), daemon=True).start()
                break
        else:
            raise GroupFailed(f"worker {child.name} stopped while starting (exit status {process.wait()}); "
                              "its messages are above")
    finally:
        watchdog.cancel()
    if len(announced) != 2:
        process.kill()
        raise GroupFailed(f"worker {child.name} did not say where its site and its engine listen")
    for option, address in announced.items():
        child.command[child.command.index(option) + 1] = address


class WorkerGroup:
    """The redis-server (when needed), the nodes and nginx of `--workers N`."""

    def __init__(self, count: int, tools: Tools, *, site: tuple[str, int], engine: tuple[str, int],
                 unix_path: str, node_options: list[str], redis_url: str | None, app_py: str,
                 pinned: bool = True) -> None:
        self.count = count
        self.pinned = pinned
        self.tools = tools
        self.site = site
        self.engine = engine
        self.unix_path = unix_path
        self.node_options = node_options
        self.redis_url = redis_url
        self.app_py = app_py
        self.folder: Path | None = None
        self.children: list[Child] = []
        self.nodes: list[Node] = []

    def make_folder(self) -> Path:
        base = os.environ.get("XDG_RUNTIME_DIR")
        # Its unix sockets' paths must fit a socket address: under a runtime folder too deep for the longest (the
        # last node's engine tap), redis-server and the nodes could not listen, and the temporary folder is used.
        like_ours = os.path.join(base or "", _FOLDER_PREFIX + "x" * 8)  # mkdtemp adds eight characters
        deepest = trace_tap_path(node_unix_path(like_ours, self.count))
        if not base or not os.path.isdir(base) or len(os.fsencode(deepest)) > SOCKET_PATH_MAX:
            base = tempfile.gettempdir()
        self.folder = Path(tempfile.mkdtemp(prefix=_FOLDER_PREFIX, dir=base))  # 0700
        return self.folder

    def start_redis(self) -> str:
        """A private redis-server on a unix socket of the runtime folder, unless REDIS_URL names one."""
        if self.redis_url is not None:
            return self.redis_url
        assert self.folder is not None and self.tools.redis_server is not None
        path = self.folder / "redis.sock"
        self.redis_url = f"unix://{path}"
        command = [self.tools.redis_server, "--port", "0", "--unixsocket", str(path), "--unixsocketperm", "700",
                   "--save", "", "--appendonly", "no", "--dir", str(self.folder), "--maxclients", "10000",
                   "--loglevel", "warning", "--logfile", str(self.folder / "redis.log")]
        self._start(Child("redis", command, self._redis_ready))
        return self.redis_url

    def _redis_ready(self, child: Child) -> None:
        import redis  # here: app.py imports this module, and its engine child starts faster without redis

        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                redis.Redis.from_url(self.redis_url).ping()
                return
            except redis.ConnectionError:
                if not child.alive() or time.monotonic() > deadline:
                    raise GroupFailed(f"redis-server did not start: {self._last_line('redis.log')}") from None
                time.sleep(0.05)

    def start_nodes(self, env: dict[str, str]) -> None:
        """The N nodes, all starting at once; returns when each serves."""
        assert self.folder is not None
        host, port = self.engine
        shown = {"0.0.0.0": "0.0.0.0", "::": "[::]"}.get(host, f"[{host}]" if ":" in host else host)
        children = []
        cores = node_cores(self.count) if self.pinned else [None] * self.count
        for index, core in enumerate(cores, start=1):
            name = f"w{index}"
            command = [sys.executable, self.app_py, "--workers", "1", "--node", name, "--behind-proxy",
                       "--listen", "127.0.0.1:0", "--tcp", "127.0.0.1:0",
                       "--unix", node_unix_path(self.folder, index), "--sandbox-url", f"tcp://{shown}:{port}",
                       *self.node_options]
            child = Child(name, command, node_started, env={**env, "HELLOTRACE_REDIS_URL": self.redis_url or ""},
                          reads_banner=True, core=core)
            child.start()
            children.append(child)
            self.children.append(child)
        for child in children:
            child.ready(child)
            command = child.command
            self.nodes.append(Node(child.name, command[command.index("--listen") + 1],
                                   command[command.index("--tcp") + 1], command[command.index("--unix") + 1]))

    def start_nginx(self) -> None:
        assert self.folder is not None and self.tools.nginx is not None and self.tools.modules is not None
        user = pwd.getpwuid(os.geteuid()).pw_name if os.geteuid() == 0 else None
        text = nginx_config(self.nodes, [listen_address(*self.site)],
                            [listen_address(*self.engine), f"unix:{self.unix_path}"],
                            private=PrivatePaths(str(self.folder), self.tools.modules, user),
                            route_script=str(ROUTE_SCRIPT))
        config = self.folder / "nginx.conf"
        config.write_text(text, encoding="utf-8")
        command = [self.tools.nginx, "-p", str(self.folder), "-c", str(config), "-e",
                   str(self.folder / "nginx-error.log"), "-g", "daemon off;"]
        self._start(Child("nginx", command, self._nginx_ready, own_group=True, sockets=(self.unix_path,)))

    def _nginx_ready(self, child: Child) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                socket.create_connection(self.site, timeout=1).close()
                return
            except OSError:
                if not child.alive() or time.monotonic() > deadline:
                    raise GroupFailed(f"nginx did not start: {self._last_line('nginx-error.log')}") from None
                time.sleep(0.05)

    def _last_line(self, name: str) -> str:
        """The last line a child wrote to its log in the runtime folder (Redis and nginx log there, so that
        their start-up chatter stays out of the terminal)."""
        assert self.folder is not None
        log = self.folder / name
        lines = log.read_text(errors="replace").splitlines() if log.exists() else []
        return lines[-1] if lines else "no message"

    def _start(self, child: Child) -> None:
        self.children.append(child)
        child.start()
        child.ready(child)

    def supervise(self) -> None:
        """Until SIGINT or SIGTERM: start again, on the same addresses, any process of the group that died."""
        stopping = _Signals()
        while not stopping.arrived:
            for child in self.children:
                if not stopping.arrived and child.process is not None and not child.alive():
                    self._restart(child)
            time.sleep(0.2)

    def _restart(self, child: Child) -> None:
        now = time.monotonic()
        if now < child.next_try:
            return
        if child.next_try == 0.0:
            logger.warning("worker process %s stopped (exit status %s); starting it again on the same addresses",
                           child.name, child.process.returncode if child.process else None)
        try:
            child.start()
            child.ready(child)
        except GroupFailed as exc:
            # Its old port may still be held for a moment (its engine on the way out): try again shortly.
            delay = RESTART_DELAYS[min(child.restarts, len(RESTART_DELAYS) - 1)]
            child.restarts += 1
            child.next_try = time.monotonic() + delay
            logger.warning("%s; trying again in %g s", exc, delay)
            return
        child.restarts, child.next_try = 0, 0.0
        logger.warning("worker process %s runs again", child.name)

    def stop(self) -> None:
        """nginx first (no new request reaches a stopping node), then the nodes, then Redis; by PID."""
        for child in reversed(self.children):
            child.stop()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


class _Signals:
    """SIGINT and SIGTERM end the supervision; the first is enough, later ones do not interrupt the stop."""

    def __init__(self) -> None:
        self.arrived = False
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._handle)

    def _handle(self, _signum: int, _frame: object) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_IGN)
        self.arrived = True
