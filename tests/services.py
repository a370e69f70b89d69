"""Real PostgreSQL, Redis and nginx servers for the suite, started in temporary folders, listening on unix sockets
or loopback only, and stopped by PID. PostgreSQL refuses to run as root: as root, the cluster runs as `nobody`.

A missing server is a visible skip on a developer's machine and a failure under CI=true."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass

import psycopg
import pytest
import redis

# Ports handed out by free_port, held for the whole session.
_HELD_PORTS: list[socket.socket] = []


def free_port() -> int:
    """A loopback port for a server a test starts, held until the session ends by a bound socket that never
    listens: a port found free and let go of could be taken by another process's outgoing connection before the
    server binds it, and Linux gives no outgoing connection, nor another bind to port 0, a bound port. Asking
    for address reuse once bound, it lets the server (waitress, werkzeug, gunicorn and nginx ask for it too)
    bind and listen there all the same."""
    held = socket.socket()
    held.bind(("127.0.0.1", 0))
    held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    _HELD_PORTS.append(held)
    return held.getsockname()[1]


def unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (required when CI=true)", pytrace=False)
    pytest.skip(reason)


def _postgres_binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def postgres_missing() -> str | None:
    if _postgres_binary("initdb") is None or _postgres_binary("postgres") is None:
        return "PostgreSQL is not installed (apt-get install postgresql)"
    return None


def redis_missing() -> str | None:
    if shutil.which("redis-server") is None:
        return "redis-server is not installed (apt-get install redis-server)"
    return None


def stop_server(process: subprocess.Popen, folder: str, stop_signal: int, grace: float = 10) -> None:
    """Stop a server this module started, by its PID: `stop_signal`, then SIGKILL after `grace` seconds; then
    remove its temporary folder."""
    process.send_signal(stop_signal)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)
    shutil.rmtree(folder, ignore_errors=True)


def close_in_its_loop(server) -> None:  # noqa: ANN001 - a waitress server
    """Close a waitress server that a test runs in a thread of its own (`server.run`), with the connections it
    holds, from that loop's thread: closed from the test's thread, the loop may be polling those very sockets, and
    dies on a bad file descriptor."""

    def close_all() -> None:
        server.close()
        for channel in list(server._map.values()):
            channel.close()

    server.trigger.pull_trigger(close_all)


@dataclass
class Postgres:
    folder: str
    process: subprocess.Popen
    user: str = "hellotrace"

    @property
    def socket_folder(self) -> str:
        return os.path.join(self.folder, "run")

    def url(self, database: str) -> str:
        """An SQLAlchemy URL over the unix socket."""
        return f"postgresql+psycopg://{self.user}@/{database}?host={self.socket_folder}"

    def create_database(self, name: str) -> str:
        with psycopg.connect(dbname="postgres", user=self.user, host=self.socket_folder, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        # SIGINT is PostgreSQL's "fast" shutdown: clients are disconnected, the cluster stops cleanly.
        stop_server(self.process, self.folder, signal.SIGINT, grace=20)


def _run_as() -> tuple[str | None, int | None, int | None]:
    if os.geteuid() != 0:
        return None, None, None
    nobody = pwd.getpwnam("nobody")
    return "nobody", nobody.pw_uid, nobody.pw_gid


def start_postgres() -> Postgres:
    folder = tempfile.mkdtemp(prefix="ht-pg-", dir="/tmp")
    data, run = os.path.join(folder, "data"), os.path.join(folder, "run")
    os.mkdir(run)
    user, uid, gid = _run_as()
    if uid is not None:
        for path in (folder, run):
            os.chown(path, uid, gid)
    subprocess.run([_postgres_binary("initdb"), "-D", data, "-U", "hellotrace", "--auth=trust", "-E", "UTF8",
                    "--no-sync", "--locale=C"], check=True, capture_output=True, user=user, cwd=folder)
    process = subprocess.Popen(
        [_postgres_binary("postgres"), "-D", data, "-k", run, "-c", "listen_addresses=", "-c", "fsync=off",
         "-c", "full_page_writes=off", "-c", "max_connections=300"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, user=user, cwd=folder,
    )
    server = Postgres(folder, process)
    deadline = time.monotonic() + 30
    while True:
        try:
            psycopg.connect(dbname="postgres", user=server.user, host=run, connect_timeout=2).close()
            return server
        except psycopg.OperationalError:
            if process.poll() is not None or time.monotonic() > deadline:
                server.stop()
                raise RuntimeError("the test PostgreSQL cluster did not start") from None
            time.sleep(0.1)


@dataclass
class RedisServer:
    folder: str
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return f"unix://{os.path.join(self.folder, 'redis.sock')}"

    def stop(self) -> None:
        stop_server(self.process, self.folder, signal.SIGTERM)


def start_redis() -> RedisServer:
    folder = tempfile.mkdtemp(prefix="ht-redis-", dir="/tmp")
    process = subprocess.Popen(
        ["redis-server", "--port", "0", "--unixsocket", os.path.join(folder, "redis.sock"), "--unixsocketperm",
         "700", "--save", "", "--appendonly", "no", "--dir", folder, "--maxclients", "1000"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    server = RedisServer(folder, process)
    deadline = time.monotonic() + 15
    while True:
        try:
            redis.Redis.from_url(server.url).ping()
            return server
        except redis.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                server.stop()
                raise RuntimeError("the test redis-server did not start") from None
            time.sleep(0.05)


def nginx_missing() -> str | None:
    from hellotrace.deploy.workers import NGINX_PACKAGES, Tools

    tools = Tools.find()
    if tools.nginx is None or tools.modules is None:
        return f"nginx with its stream modules is not installed (apt-get install {NGINX_PACKAGES})"
    return None


@dataclass
class NginxServer:
    folder: str
    process: subprocess.Popen

    def stop(self) -> None:
        stop_server(self.process, self.folder, signal.SIGTERM)  # nginx's fast shutdown


def start_nginx(nodes: list, site: tuple[str, int], engine: tuple[str, int]) -> NginxServer:
    """nginx in front of `nodes` (hellotrace.deploy.nginx.Node), as `--workers` runs it: a private prefix
    folder, listening on `site` and `engine` (loopback), until `stop()`."""
    from hellotrace.deploy.nginx import ROUTE_SCRIPT, PrivatePaths, listen_address, nginx_config
    from hellotrace.deploy.workers import Tools

    tools = Tools.find()
    folder = tempfile.mkdtemp(prefix="ht-nginx-", dir="/tmp")
    user = pwd.getpwuid(os.geteuid()).pw_name if os.geteuid() == 0 else None
    config = os.path.join(folder, "nginx.conf")
    with open(config, "w", encoding="utf-8") as file:
        file.write(nginx_config(nodes, [listen_address(*site)], [listen_address(*engine)],
                                private=PrivatePaths(folder, tools.modules, user), route_script=str(ROUTE_SCRIPT)))
    error_log = os.path.join(folder, "nginx-error.log")
    process = subprocess.Popen([tools.nginx, "-p", folder, "-c", config, "-e", error_log, "-g", "daemon off;"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = NginxServer(folder, process)
    deadline = time.monotonic() + 15
    while True:
        try:
            socket.create_connection(site, timeout=1).close()
            return server
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                log = open(error_log, encoding="utf-8", errors="replace").read() if os.path.exists(error_log) else ""
                server.stop()
                raise RuntimeError(f"the test nginx did not start: {log}") from None
            time.sleep(0.05)
