"""The command line: --help, the mock engine in the foreground, and clear messages for taken addresses."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.wire import UnixHTTPConnection

ROOT = Path(__file__).resolve().parents[1]


def run_app(*args: str, timeout: float = 20) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "app.py", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, check=False)


def test_help_lists_the_commands():
    result = run_app("--help")
    assert result.returncode == 0
    assert "mock-daemon" in result.stdout and "--daemon" in result.stdout and "--listen" in result.stdout


def test_mock_daemon_runs_in_the_foreground_and_logs_each_request(short_folder):
    path = os.path.join(short_folder, "docker.sock")
    process = subprocess.Popen([sys.executable, "app.py", "mock-daemon", "--unix", path, "--tcp", "127.0.0.1:0"],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = [process.stdout.readline() for _ in range(4)]
        assert f"export DOCKER_HOST=unix://{path}" in "".join(lines)
        deadline = time.monotonic() + 30
        while not os.path.exists(path) and time.monotonic() < deadline:
            time.sleep(0.05)
        deadline = time.monotonic() + 30
        conn = UnixHTTPConnection(path)
        conn.request("GET", "/v1.55/version")
        response = conn.getresponse()
        assert response.status == 200 and response.read()
        conn.close()
        logged = ""
        while "GET /v1.55/version -> 200" not in logged and time.monotonic() < deadline:
            logged += process.stdout.readline()
        assert "GET /v1.55/version -> 200" in logged
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    assert not os.path.exists(path)  # the socket file is cleaned up


def test_an_address_in_use_is_one_clear_line(short_folder):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = run_app("mock-daemon", "--unix", os.path.join(short_folder, "d.sock"), "--tcp", f"127.0.0.1:{port}")
    assert result.returncode == 2
    assert f"127.0.0.1:{port} is already in use" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_socket_folder_that_does_not_exist_is_named_for_the_option_that_sets_it(short_folder):
    missing = os.path.join(short_folder, "no-such-folder", "d.sock")
    result = run_app("--listen", "127.0.0.1:0", "--tcp", "127.0.0.1:0", "--unix", missing)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip() == (f"hellotrace: cannot create the unix socket {missing}: the directory "
                                     f"{os.path.dirname(missing)} does not exist; create it or choose another "
                                     "path with --unix")


def test_a_bad_address_is_refused_by_the_parser():
    result = run_app("mock-daemon", "--tcp", "nonsense")
    assert result.returncode == 2 and "expected HOST:PORT" in result.stderr


def test_an_invalid_daemon_address_is_explained(short_folder):
    result = run_app("--daemon", "tcp://a:b:c", "--listen", "127.0.0.1:0", "--tcp", "127.0.0.1:0",
                     "--unix", os.path.join(short_folder, "d.sock"))
    assert result.returncode == 2
    assert "cannot use that daemon address" in result.stderr and "Traceback" not in result.stderr
