"""The site under the servers a Flask developer reaches for: `python app.py`, `waitress-serve --call`,
`flask run` and gunicorn, each with its settings from the environment, each serving the replay."""

from __future__ import annotations

import os
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from hellotrace.storage.database import dispose
from tests.services import close_in_its_loop, free_port

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def start(command: list[str], tmp_path: Path, port: int, preexec_fn=None) -> subprocess.Popen:
    env = {key: value for key, value in os.environ.items() if key != "DOCKER_HOST"}
    env.update(HELLOTRACE_ENGINE_TCP="127.0.0.1:0", HELLOTRACE_ENGINE_UNIX=str(tmp_path / "docker.sock"),
               HELLOTRACE_PULL_PACE="0", HELLOTRACE_LISTEN=f"127.0.0.1:{port}")
    log = open(tmp_path / "server.log", "wb")  # noqa: SIM115 (the child keeps writing to it)
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True, preexec_fn=preexec_fn)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)  # the server and, under a reloader, its child
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def engine_gone(folder: Path, within: float = 5.0) -> bool:
    """Whether the site's engine removed its socket within `within` seconds of the site's end. The engine has a
    process group of its own: a signal to the site's group does not reach it; the site stops it, or Linux does
    when the site dies (PDEATHSIG), a moment after the site has gone."""
    deadline = time.monotonic() + within
    while (folder / "docker.sock").exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def wait_for(url: str, process: subprocess.Popen, log: Path) -> requests.Response:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text(errors="replace")
        try:
            return requests.get(url, timeout=5)
        except requests.ConnectionError:
            time.sleep(0.1)
    raise AssertionError(f"nothing answered at {url}:\n{log.read_text(errors='replace')}")


SERVERS = {
    "python app.py": [sys.executable, "app.py"],
    "waitress-serve --call": [str(BIN / "waitress-serve"), "--listen", "127.0.0.1:{port}", "--threads", "16",
                              "--call", "app:create_app"],
    "flask run": [str(BIN / "flask"), "--app", "app", "run", "--port", "{port}", "--no-reload"],
    "flask run --debug": [str(BIN / "flask"), "--app", "app", "run", "--port", "{port}", "--debug"],
    "gunicorn": [str(BIN / "gunicorn"), "--bind", "127.0.0.1:{port}", "--workers", "1", "--threads", "16",
                 "app:create_app()"],
}


def wait_traced(session: requests.Session, url: str, text: str, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if text in session.get(url, timeout=10).text:
            return True
        time.sleep(0.2)
    return False


@pytest.mark.parametrize("server", sorted(SERVERS))
def test_the_replay_under(server: str, tmp_path: Path) -> None:
    port = free_port()
    process = start([part.format(port=port) for part in SERVERS[server]], tmp_path, port)
    try:
        base = f"http://127.0.0.1:{port}"
        health = wait_for(f"{base}/healthz", process, tmp_path / "server.log")
        checks = health.json()["checks"]  # and Redis when the site runs several workers (python app.py here)
        assert health.status_code == 200 and {"engine", "database"} <= set(checks) and set(checks.values()) == {"ok"}
        session = requests.Session()
        page = session.get(f"{base}/en/replay", timeout=10)
        assert page.status_code == 200 and "/sandboxes/" in page.text
        token = page.text.split('"X-CSRFToken": "')[1].split('"')[0]
        run = session.post(f"{base}/en/replay/run", data={"step": "all"},
                           headers={"HX-Request": "true", "X-CSRFToken": token}, timeout=10)
        run_id = run.text.split('data-run="')[1].split('"')[0]
        events = session.get(f"{base}/en/replay/runs/{run_id}/events", timeout=30).text
        assert events.count('class="ok"') >= 4 and "event: done" in events
        # The visitor's own terminal, traced under every server (the trace tap starts with the engine).
        docker_host = page.text.split("export DOCKER_HOST=tcp://")[1].split("<")[0].split()[0]
        requests.get(f"http://{docker_host}/v1.55/containers/json?all=1", timeout=10)
        assert wait_traced(session, f"{base}/en/trace", "GET /containers/json")
    finally:
        stop(process)
    assert engine_gone(tmp_path), "the engine outlived its site"


def test_a_taken_site_port_is_one_line_before_any_banner(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "app.py", "--listen", f"127.0.0.1:{port}", "--tcp", "127.0.0.1:0",
                                 "--unix", str(tmp_path / "d.sock")], cwd=ROOT, capture_output=True, text=True,
                                timeout=30, check=False)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and f"127.0.0.1:{port} is already in use" in result.stderr
    assert "--listen" in result.stderr


def test_a_taken_engine_port_is_one_line_before_any_banner(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "app.py", "--listen", "127.0.0.1:0", "--tcp", f"127.0.0.1:{port}",
                                 "--unix", str(tmp_path / "d.sock")], cwd=ROOT, capture_output=True, text=True,
                                timeout=30, check=False)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and f"127.0.0.1:{port} is already in use" in result.stderr


def test_flask_routes_and_shell_start_no_engine(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key != "DOCKER_HOST"}
    env.update(HELLOTRACE_ENGINE_TCP="127.0.0.1:0", HELLOTRACE_ENGINE_UNIX=str(tmp_path / "docker.sock"))
    flask = str(BIN / "flask")
    routes = subprocess.run([flask, "--app", "app", "routes"], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60, check=True)
    assert "/healthz" in routes.stdout and "/<lang>/replay" in routes.stdout
    shell = subprocess.run([flask, "--app", "app", "shell"], cwd=ROOT, env=env, capture_output=True, text=True,
                           input="print('engine running:', app.extensions['hellotrace.engine'].running)\n",
                           timeout=60, check=True)
    assert "engine running: False" in shell.stdout
    assert not (tmp_path / "docker.sock").exists()



def test_a_thousand_open_connections_do_not_stop_the_sites_server(mock_engine, tmp_path: Path) -> None:
    """Past socket number 1023, waitress's default select() raises and its loop stops: a big class, or anyone
    opening a thousand connections, would take the site down. The site's server polls instead, and keeps
    serving. (Client and server share this process, so 600 connections put server sockets past 1023.)"""
    from app import create_app, site_server

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < 2000:
        resource.setrlimit(resource.RLIMIT_NOFILE, (2000 if hard == resource.RLIM_INFINITY else min(2000, hard), hard))
    app = create_app({"TESTING": True, "INSTANCE": str(tmp_path)}, engine=mock_engine)
    server = site_server(app, "127.0.0.1", 0)
    runner = threading.Thread(target=server.run, daemon=True)
    runner.start()
    held: list[socket.socket] = []
    try:
        for _ in range(600):
            connection = socket.create_connection(("127.0.0.1", server.effective_port), timeout=10)
            connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            held.append(connection)
        assert all(connection.recv(12) == b"HTTP/1.1 200" for connection in held)
        assert max(server._map) > 1023  # the server's own sockets (waitress keeps them in this map)
        assert requests.get(f"http://127.0.0.1:{server.effective_port}/healthz", timeout=10).status_code == 200
        assert runner.is_alive()
    finally:
        for connection in held:
            connection.close()
        close_in_its_loop(server)
        runner.join(10)
        server.task_dispatcher.shutdown(timeout=10)  # its hundreds of threads end before the next test starts
        dispose(app)


@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_the_site_stops_at_once_with_a_live_stream_open(signal_number: int, tmp_path: Path) -> None:
    """ctrl-C in its terminal, or a process manager's SIGTERM, reaches the site's whole process group: the site
    stops within a couple of seconds although a page holds a live stream (it would wait for its threads), and
    its engine, which the signal does not reach, is stopped by the site rather than seen to crash."""
    port = free_port()
    process = start([sys.executable, "app.py", "--workers", "1"], tmp_path, port)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/healthz", process, tmp_path / "server.log")
        session = requests.Session()
        session.get(f"{base}/en/trace", timeout=10)
        with session.get(f"{base}/en/trace/events?after=0&seq=0", stream=True, timeout=10) as stream:
            assert stream.status_code == 200
            os.killpg(process.pid, signal_number)
            asked = time.monotonic()
            process.wait(timeout=15)
            took = time.monotonic() - asked
    finally:
        stop(process)
    log = (tmp_path / "server.log").read_text(errors="replace")
    assert took < 3.0, f"the site took {took:.1f} s to stop:\n{log}"
    assert "stopped unexpectedly" not in log and "restarted" not in log, log
    assert engine_gone(tmp_path), "the engine outlived its site"


def test_ctrl_c_stops_a_site_started_with_it_ignored(tmp_path: Path) -> None:
    """A script's background job starts with SIGINT ignored, and Python then keeps ignoring it: the site handles
    SIGINT itself, as it does SIGTERM."""
    port = free_port()
    process = start([sys.executable, "app.py", "--workers", "1"], tmp_path, port,
                    preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", process, tmp_path / "server.log")
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
    finally:
        stop(process)
    assert engine_gone(tmp_path), "the engine outlived its site"
