"""The recording proxy (`--trace-socket`): byte-for-byte forwarding to a daemon, both directions, and the
exchanges it records. Against the mock engine, and against the suite's private real dockerd."""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hellotrace.docker_host import parse_docker_host
from hellotrace.engine.hello import HELLO_MESSAGE
from hellotrace.wiretap import MemoryTraceStore
from hellotrace.wiretap.proxy import PROXY_CHANNEL, RecordingProxy
from tests.test_docker_cli import DOCKER, docker

pytestmark = [
    pytest.mark.docker_cli,
    pytest.mark.skipif(DOCKER is None and os.environ.get("CI") != "true", reason="the docker CLI is not installed"),
]


def start_proxy(daemon_host: str) -> tuple[RecordingProxy, MemoryTraceStore, str]:
    folder = tempfile.mkdtemp(prefix="ht-", dir="/tmp")
    store = MemoryTraceStore()
    proxy = RecordingProxy(os.path.join(folder, "trace.sock"), parse_docker_host(daemon_host), store).start()
    return proxy, store, folder


@pytest.fixture
def proxied_mock(mock_engine) -> Iterator[tuple[RecordingProxy, MemoryTraceStore]]:
    proxy, store, folder = start_proxy(mock_engine.docker_host_unix)
    try:
        yield proxy, store
    finally:
        proxy.stop()
        shutil.rmtree(folder, ignore_errors=True)


def settled(store: MemoryTraceStore, timeout: float = 5.0) -> list:
    """The proxy's exchanges once all are over and no new one came for a moment (the CLI may exit before
    the proxy has recorded the last bytes it forwarded)."""
    deadline = time.monotonic() + timeout
    seen = -1
    while time.monotonic() < deadline:
        records = store.exchanges(PROXY_CHANNEL)
        if len(records) == seen and all(r.finished for r in records):
            return records
        seen = len(records)
        time.sleep(0.3)
    return store.exchanges(PROXY_CHANNEL)


def test_the_socket_is_private_and_records_what_it_forwards(proxied_mock) -> None:
    proxy, store = proxied_mock
    assert stat.S_IMODE(os.stat(proxy.path).st_mode) == 0o600
    result = docker(proxy.docker_host, "run", "--rm", "hello-world")
    assert result.returncode == 0 and "Hello from hellotrace" in result.stdout
    records = settled(store)
    assert [(r.method, r.path.rsplit("/", 1)[-1], r.status) for r in records] == [
        ("HEAD", "_ping", 200), ("POST", "create", 404), ("POST", "create", 200), ("POST", "create", 201),
        ("POST", "attach", 101), ("POST", "wait", 200), ("POST", "start", 204)]
    assert {r.invocation for r in records} == {1}
    assert records[0].exchange.address.normalized == proxy.docker_host


def test_a_daemon_that_cannot_be_reached_is_explained_to_the_cli() -> None:
    proxy, _, folder = start_proxy(f"unix://{tempfile.gettempdir()}/no-such-daemon.sock")
    try:
        result = docker(proxy.docker_host, "ps")
        assert result.returncode != 0
        assert "hellotrace's trace socket cannot reach the daemon" in result.stderr
    finally:
        proxy.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _cli(real_daemon, host: str, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(real_daemon.folder / "client"),
           "DOCKER_CONFIG": str(real_daemon.folder / "client"), "DOCKER_HOST": host, "DOCKER_CLI_HINTS": "false"}
    return subprocess.run([DOCKER or "docker", *args], input=stdin, capture_output=True, env=env, timeout=60,
                          check=False)


def test_docker_run_through_the_trace_socket_prints_what_it_prints_directly(real_daemon) -> None:
    real_daemon.forget()
    proxy, store, folder = start_proxy(real_daemon.docker_host)
    try:
        pulled = _cli(real_daemon, proxy.docker_host, "run", "--rm", "hello-world")
        assert pulled.returncode == 0 and pulled.stdout == HELLO_MESSAGE, pulled.stderr
        assert b"Status: Downloaded newer image for hello-world:latest" in pulled.stderr
        direct = _cli(real_daemon, real_daemon.docker_host, "run", "--rm", "hello-world")
        through = _cli(real_daemon, proxy.docker_host, "run", "--rm", "hello-world")
        assert (through.returncode, through.stdout, through.stderr) == (direct.returncode, direct.stdout,
                                                                        direct.stderr)
        assert direct.stdout == HELLO_MESSAGE

        records = settled(store)
        runs = {r.invocation for r in records}
        assert runs == {1, 2}
        pull = next(r for r in records if r.path == "/images/create")
        assert pull.exchange.stream == "json-lines" and pull.exchange.json_lines[-1].value == {
            "status": "Status: Downloaded newer image for hello-world:latest"}
        attach = [r for r in records if r.path.endswith("/attach")][-1]
        # API 1.41 calls the stream raw, though it carries stdcopy frames: the trace tells them apart.
        assert attach.status == 101 and attach.exchange.stream == "stdcopy"
        assert b"".join(f.frame.payload for f in attach.exchange.frames) == HELLO_MESSAGE

        echoed = _cli(real_daemon, proxy.docker_host, "run", "-i", "--rm", "alpine", "cat", stdin=b"both ways\n")
        assert echoed.returncode == 0 and echoed.stdout == b"both ways\n", echoed.stderr
        attach = [r for r in settled(store) if r.path.endswith("/attach")][-1]
        assert attach.client_stream.data == b"both ways\n"
        assert b"".join(f.frame.payload for f in attach.exchange.frames) == b"both ways\n"
    finally:
        proxy.stop()
        shutil.rmtree(folder, ignore_errors=True)
        real_daemon.forget()


ROOT = Path(__file__).resolve().parent.parent


def test_the_site_banner_gives_the_trace_socket_line(mock_engine) -> None:
    """`python app.py --daemon … --trace-socket PATH` prints the export line; the socket works and is 0600."""
    folder = tempfile.mkdtemp(prefix="ht-", dir="/tmp")
    path = os.path.join(folder, "trace.sock")
    env = {k: v for k, v in os.environ.items() if k != "DOCKER_HOST"}
    site = subprocess.Popen(
        [sys.executable, "app.py", "--daemon", mock_engine.docker_host_unix, "--trace-socket", path,
         "--listen", "127.0.0.1:0", "--tcp", "127.0.0.1:0", "--unix", os.path.join(folder, "engine.sock")],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    try:
        banner = []
        for line in site.stdout:
            banner.append(line)
            if "Press Ctrl+C" in line:
                break
        assert f"    export DOCKER_HOST=unix://{path}\n" in banner, "".join(banner)
        assert any("/en/trace?owner=" in line for line in banner), "".join(banner)  # the owner's own link
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert docker(f"unix://{path}", "ps", "-a").returncode == 0
    finally:
        site.send_signal(signal.SIGTERM)
        site.wait(timeout=15)
        shutil.rmtree(folder, ignore_errors=True)
    assert not os.path.exists(path)


def test_a_trace_socket_without_a_real_daemon_is_explained() -> None:
    env = {k: v for k, v in os.environ.items() if k != "DOCKER_HOST"}
    result = subprocess.run([sys.executable, "app.py", "--trace-socket", "/tmp/unused.sock"], cwd=ROOT,
                            capture_output=True, text=True, env=env, timeout=30, check=False)
    assert result.returncode == 2
    assert "--trace-socket records a real daemon's traffic: give --daemon" in result.stderr
