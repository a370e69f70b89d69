"""Interactive use as a terminal sees it: stdin to programs, `docker run -it` and `docker exec -it` through a real
pseudo-terminal, the detach keys and `docker attach` back, and exec over the wire."""

from __future__ import annotations

import os
import pty
import select
import shutil
import subprocess
import tempfile
import time

import docker as docker_sdk
import pytest

from tests.test_docker_cli import DOCKER, docker
from tests.test_spec_conformance import validate
from tests.wire import call, create, pull

needs_cli = pytest.mark.skipif(DOCKER is None and os.environ.get("CI") != "true",
                               reason="the docker CLI is not installed")


@pytest.fixture
def host(mock_engine) -> str:
    for image in ("alpine", "busybox"):
        assert docker(mock_engine.docker_host_unix, "pull", "-q", image).returncode == 0
    return mock_engine.docker_host_unix


class Terminal:
    """The docker CLI on the child side of a pseudo-terminal, as a student's terminal runs it."""

    def __init__(self, host: str, *args: str) -> None:
        self.config = tempfile.mkdtemp(prefix="ht-docker-config-")
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.config, "DOCKER_HOST": host,
               "DOCKER_CONFIG": self.config, "TERM": "xterm"}
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: become the CLI
            os.execve(DOCKER or "/usr/local/bin/docker", ["docker", *args], env)
        self.seen = b""

    def read_until(self, wanted: bytes, timeout: float = 10) -> bytes:
        deadline = time.monotonic() + timeout
        while wanted not in self.seen and time.monotonic() < deadline:
            ready, _, _ = select.select([self.fd], [], [], 0.1)
            if ready:
                try:
                    self.seen += os.read(self.fd, 4096)
                except OSError:
                    break
        assert wanted in self.seen, self.seen
        return self.seen

    def type(self, keys: bytes) -> None:
        os.write(self.fd, keys)

    def exit_code(self, timeout: float = 10) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                os.close(self.fd)
                shutil.rmtree(self.config, ignore_errors=True)
                return os.waitstatus_to_exitcode(status)
            try:
                select.select([self.fd], [], [], 0.1)
                self.seen += os.read(self.fd, 4096)
            except OSError:
                time.sleep(0.05)
        os.kill(self.pid, 9)
        raise AssertionError(f"the CLI did not exit: {self.seen!r}")


def piped(host: str, stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
    config = tempfile.mkdtemp(prefix="ht-docker-config-")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": config, "DOCKER_HOST": host,
           "DOCKER_CONFIG": config}
    try:
        return subprocess.run([DOCKER or "docker", *args], input=stdin, capture_output=True, text=True, env=env,
                              timeout=30, check=False)
    finally:
        shutil.rmtree(config, ignore_errors=True)


@needs_cli
def test_standard_input_reaches_the_program(host):
    result = piped(host, "hello\n", "run", "-i", "--rm", "busybox", "cat")
    assert (result.returncode, result.stdout) == (0, "hello\n")
    shell = piped(host, "echo one\ncd /tmp\npwd\nexit 4\n", "run", "-i", "--rm", "alpine", "sh")
    assert (shell.returncode, shell.stdout) == (4, "one\n/tmp\n")
    nothing = piped(host, "ignored\n", "run", "--rm", "busybox", "cat")  # no -i: stdin is not attached
    assert (nothing.returncode, nothing.stdout) == (0, "")


@needs_cli
@pytest.mark.timeout(60)
def test_run_it_is_a_shell_on_a_terminal(host):
    term = Terminal(host, "run", "-it", "--name", "tty-shell", "alpine", "sh")
    term.read_until(b"/ # ")
    term.type(b"echo hi there\r")
    term.read_until(b"hi there\r\n/ # ")
    term.type(b"ls /nope\r")
    term.read_until(b"ls: /nope: No such file or directory\r\n/ # ")
    term.type(b"exit 3\r")
    assert term.exit_code() == 3
    logs = subprocess.run([DOCKER or "docker", "logs", "tty-shell"], capture_output=True, timeout=30, check=False,
                          env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DOCKER_HOST": host}).stdout
    assert b"hi there\r\n" in logs  # a TTY's output is kept as the terminal wrote it


@needs_cli
@pytest.mark.timeout(60)
def test_detach_keys_leave_it_running_and_attach_comes_back(host):
    term = Terminal(host, "run", "-it", "--name", "detached", "alpine", "sh")
    term.read_until(b"/ # ")
    term.type(b"\x10\x11")  # ctrl-p ctrl-q
    assert term.exit_code() == 0
    assert docker(host, "inspect", "-f", "{{.State.Status}}", "detached").stdout == "running\n"
    back = Terminal(host, "attach", "detached")
    time.sleep(0.3)
    back.type(b"echo back\r")
    back.read_until(b"back\r\n/ # ")
    back.type(b"exit 2\r")
    assert back.exit_code() == 2
    custom = Terminal(host, "run", "-it", "--detach-keys", "ctrl-x", "--name", "custom-keys", "alpine", "sh")
    custom.read_until(b"/ # ")
    custom.type(b"\x18")
    assert custom.exit_code() == 0
    assert docker(host, "inspect", "-f", "{{.State.Status}}", "custom-keys").stdout == "running\n"


@needs_cli
@pytest.mark.timeout(60)
def test_docker_exec(host):
    assert docker(host, "run", "-d", "--name", "target", "alpine", "sleep", "300").returncode == 0
    hi = docker(host, "exec", "target", "echo", "hi")
    assert (hi.returncode, hi.stdout) == (0, "hi\n")
    assert docker(host, "exec", "target", "sh", "-c", "exit 5").returncode == 5
    missing = docker(host, "exec", "target", "nosuch")
    assert missing.returncode == 127
    assert 'exec: "nosuch": executable file not found in $PATH' in missing.stdout + missing.stderr
    env = docker(host, "exec", "-e", "X=7", "-w", "/tmp", "target", "sh", "-c", "echo $X; pwd")
    assert env.stdout == "7\n/tmp\n"
    assert piped(host, "echo piped\n", "exec", "-i", "target", "sh").stdout == "piped\n"
    term = Terminal(host, "exec", "-it", "target", "sh")
    term.read_until(b"/ # ")
    term.type(b"cd /tmp; pwd\r")
    term.read_until(b"/tmp\r\n/tmp # ")
    term.type(b"exit 9\r")
    assert term.exit_code() == 9
    assert docker(host, "stop", "-t", "0", "target").returncode == 0
    stopped = docker(host, "exec", "target", "true")
    assert stopped.returncode == 1 and "is not running" in stopped.stderr


def test_exec_over_the_wire_and_the_sdk(mock_engine):
    pull(mock_engine, "alpine")
    cid = create(mock_engine, {"Image": "alpine", "Cmd": ["sleep", "300"]}).json()["Id"]
    call(mock_engine, "POST", f"/v1.55/containers/{cid}/start")
    created = call(mock_engine, "POST", f"/v1.55/containers/{cid}/exec",
                   body={"Cmd": ["sh", "-c", "echo out; echo err >&2; exit 3"], "AttachStdout": True,
                         "AttachStderr": True})
    validate("POST", "/containers/{id}/exec", created.status, created.body)
    exec_id = created.json()["Id"]
    started = call(mock_engine, "POST", f"/v1.55/exec/{exec_id}/start", body={"Detach": False, "Tty": False})
    assert started.status == 200 and started.body == b"\x01\x00\x00\x00\x00\x00\x00\x04out\n" \
                                                     b"\x02\x00\x00\x00\x00\x00\x00\x04err\n"
    inspected = call(mock_engine, "GET", f"/v1.55/exec/{exec_id}/json")
    validate("GET", "/exec/{id}/json", inspected.status, inspected.body)
    assert inspected.json()["ExitCode"] == 3 and inspected.json()["Running"] is False
    again = call(mock_engine, "POST", f"/v1.55/exec/{exec_id}/start", body={})
    assert again.status == 409
    missing = call(mock_engine, "GET", "/v1.55/exec/nosuch/json")
    assert (missing.status, missing.json()["message"]) == (404, "No such exec instance: nosuch")
    empty = call(mock_engine, "POST", f"/v1.55/containers/{cid}/exec", body={})
    assert (empty.status, empty.json()["message"]) == (400, "No exec command specified")

    client = docker_sdk.DockerClient(base_url=f"unix://{mock_engine.unix_path}")
    container = client.containers.get(cid)
    code, output = container.exec_run(["echo", "from", "sdk"])
    assert (code, output) == (0, b"from sdk\n")
    tty = client.containers.run("alpine", ["echo", "a"], tty=True, detach=True)
    tty.wait()
    assert tty.logs() == b"a\r\n"


def test_input_sent_before_start_fills_a_pipe_then_waits(mock_engine):
    """A client attached to a container that never starts cannot make the engine hold more than a pipe's worth."""
    import socket

    from hellotrace.engine.containers import STDIN_PIPE_BYTES

    pull(mock_engine, "alpine")
    cid = create(mock_engine, {"Image": "alpine", "Cmd": ["cat"], "OpenStdin": True, "AttachStdin": True}).json()["Id"]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(mock_engine.unix_path)
    sock.sendall(f"POST /v1.55/containers/{cid}/attach?stream=1&stdin=1&stdout=1 HTTP/1.1\r\nHost: x\r\n"
                 "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n".encode())
    assert sock.recv(4096).startswith(b"HTTP/1.1 101 UPGRADED")
    sock.setblocking(False)
    sent = 0
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline and sent < 64 * STDIN_PIPE_BYTES:
        try:
            sent += sock.send(b"x" * 65536)
        except BlockingIOError:
            time.sleep(0.05)
    container = mock_engine.registry.get("default").find_container(cid)
    assert len(container.stdin_early) <= STDIN_PIPE_BYTES + 65536
    assert sent < 64 * STDIN_PIPE_BYTES  # the sender was made to wait
    sock.close()
