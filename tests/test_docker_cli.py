"""The real docker CLI against the mock engine, over unix, TCP and a sandbox path prefix."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile

import pytest

from hellotrace.docker_host import parse_docker_host
from hellotrace.replay import Replay
from tests.wire import recorded

DOCKER = shutil.which("docker")

pytestmark = [
    pytest.mark.docker_cli,
    pytest.mark.skipif(DOCKER is None and os.environ.get("CI") != "true", reason="the docker CLI is not installed"),
]


def docker(host: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    config_dir = tempfile.mkdtemp(prefix="ht-docker-config-")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": config_dir,
        "DOCKER_HOST": host,
        "DOCKER_CONFIG": config_dir,
        "DOCKER_CLI_HINTS": "false",
    }
    try:
        return subprocess.run([DOCKER or "docker", *args], capture_output=True, text=True, env=env,
                              timeout=timeout, check=False)
    finally:
        shutil.rmtree(config_dir, ignore_errors=True)


def hosts(engine) -> dict[str, str]:
    return {
        "unix": engine.docker_host_unix,
        "tcp": engine.docker_host_tcp,
        "sandbox": engine.sandbox_host("cli-test"),
    }


@pytest.mark.parametrize("transport", ["unix", "tcp", "sandbox"])
def test_docker_run_hello_world_pulls_then_runs(mock_engine, transport):
    host = hosts(mock_engine)[transport]
    first = docker(host, "run", "hello-world")
    assert first.returncode == 0, first.stderr
    for step in (" 1. ", " 2. ", " 3. ", " 4. "):
        assert step in first.stdout
    assert "(amd64)" in first.stdout
    assert "Unable to find image 'hello-world:latest' locally" in first.stderr
    assert "latest: Pulling from library/hello-world" in first.stderr
    assert "Pull complete" in first.stderr
    assert "Status: Downloaded newer image for hello-world:latest" in first.stderr

    second = docker(host, "run", "hello-world")
    assert second.returncode == 0, second.stderr
    assert second.stdout == first.stdout
    assert "Unable to find image" not in second.stderr and "Pulling" not in second.stderr


def test_sandbox_prefix_keeps_state_apart(mock_engine):
    alice = mock_engine.sandbox_host("alice")
    assert docker(alice, "pull", "alpine").returncode == 0
    assert "alpine" in docker(alice, "images").stdout
    assert "alpine" not in docker(mock_engine.sandbox_host("bob"), "images").stdout
    assert "alpine" not in docker(mock_engine.docker_host_unix, "images").stdout


def test_run_rm_alpine_echo(mock_engine):
    host = mock_engine.docker_host_unix
    result = docker(host, "run", "--rm", "alpine", "echo", "hello", "world")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "hello world\n"
    assert docker(host, "ps", "-a", "-q").stdout == ""  # --rm removed it


def test_exit_codes_and_stderr_reach_the_cli(mock_engine):
    host = mock_engine.docker_host_unix
    docker(host, "pull", "busybox")
    result = docker(host, "run", "--rm", "busybox", "sh", "-c", "echo out; echo err >&2; exit 3")
    assert (result.returncode, result.stdout) == (3, "out\n")
    assert result.stderr.endswith("err\n")


def test_unknown_executable_exits_127(mock_engine):
    host = mock_engine.docker_host_unix
    docker(host, "pull", "alpine")
    result = docker(host, "run", "alpine", "nosuchprogram")
    assert result.returncode == 127
    assert "executable file not found" in result.stderr


def test_pull_images_ps_logs_stop_rm_rmi(mock_engine):
    host = mock_engine.docker_host_unix
    pulled = docker(host, "pull", "alpine")
    assert pulled.returncode == 0, pulled.stderr
    assert "Status: Downloaded newer image for alpine:latest" in pulled.stdout
    assert pulled.stdout.rstrip().endswith("docker.io/library/alpine:latest")

    images = docker(host, "images")
    assert images.returncode == 0, images.stderr
    header, *rows = images.stdout.splitlines()
    assert header.split()[:3] == ["REPOSITORY", "TAG", "IMAGE"] or header.split()[:2] == ["IMAGE", "ID"]
    assert any("alpine" in row for row in rows)

    run = docker(host, "run", "-d", "--name", "sleeper", "alpine", "sleep", "60")
    assert run.returncode == 0, run.stderr
    container_id = run.stdout.strip()
    assert len(container_id) == 64

    ps = docker(host, "ps")
    assert "sleeper" in ps.stdout and container_id[:12] in ps.stdout and "Up " in ps.stdout

    stopped = docker(host, "stop", "-t", "0", "sleeper")
    assert (stopped.returncode, stopped.stdout.strip()) == (0, "sleeper")
    ps_all = docker(host, "ps", "-a")
    assert "Exited (137)" in ps_all.stdout

    docker(host, "run", "--name", "talker", "alpine", "echo", "from the logs")
    logs = docker(host, "logs", "talker")
    assert (logs.returncode, logs.stdout) == (0, "from the logs\n")

    assert docker(host, "rm", "sleeper", "talker").returncode == 0
    assert docker(host, "ps", "-a", "-q").stdout == ""

    rmi = docker(host, "rmi", "alpine")
    assert rmi.returncode == 0, rmi.stderr
    assert "Untagged: alpine:latest" in rmi.stdout and "Deleted: sha256:" in rmi.stdout
    missing = docker(host, "rmi", "alpine")
    assert missing.returncode == 1
    assert "No such image: alpine:latest" in missing.stderr


def test_version_and_info(mock_engine):
    host = mock_engine.docker_host_tcp
    version = docker(host, "version")
    assert version.returncode == 0, version.stderr
    assert "Server: hellotrace mock Docker Engine" in version.stdout
    assert "API version:      1.55" in version.stdout
    info = docker(host, "info")
    assert info.returncode == 0, info.stderr
    assert "Server Version: 29.7.2" in info.stdout


def test_cli_errors_read_as_docker_s(mock_engine):
    host = mock_engine.docker_host_unix
    missing = docker(host, "run", "--pull=never", "hello-world")
    assert missing.returncode == 125
    assert "Error response from daemon: No such image: hello-world:latest" in missing.stderr
    unknown = docker(host, "pull", "nosuchimage")
    assert unknown.returncode == 1
    assert "pull access denied for nosuchimage, repository does not exist" in unknown.stderr
    old = docker(host, "version")
    assert old.returncode == 0


def test_too_old_api_version_is_refused_by_name(mock_engine):
    result = subprocess.run(
        [DOCKER or "docker", "ps"], capture_output=True, text=True, timeout=30, check=False,
        env={"PATH": os.environ.get("PATH", ""), "DOCKER_HOST": mock_engine.docker_host_unix,
             "DOCKER_API_VERSION": "1.24", "HOME": tempfile.gettempdir()},
    )
    assert result.returncode != 0
    assert "client version 1.24 is too old. Minimum supported API version is 1.40" in result.stderr


def test_run_rm_with_an_unknown_executable_does_not_hang(mock_engine):
    host = mock_engine.docker_host_unix
    docker(host, "pull", "alpine")
    result = docker(host, "run", "--rm", "alpine", "nosuchprogram", timeout=20)
    assert result.returncode == 127
    assert docker(host, "ps", "-a", "-q").stdout == ""


def test_the_replays_cli_sequence_sends_what_docker_cli_28_sends(mock_engine):
    """The replay's sequence "what the docker CLI really sends" presents itself as docker CLI 28.2.2: against the
    same engine it sends the request lines that CLI sends, in the same order, at the version that CLI settles on
    (the lower of its own 1.50 and the engine's 1.55), with the same Host header."""
    def lines(requests) -> list[tuple[str, str, str | None]]:
        return [(request.method, re.sub("[0-9a-f]{64}", "<id>", re.sub(r"^/sandboxes/[^/]+", "", request.target)),
                 request.header("Host")) for request in requests]

    seen = recorded(mock_engine)
    result = docker(mock_engine.sandbox_host("wire-cli"), "run", "hello-world")
    assert result.returncode == 0, result.stderr
    by_cli = lines(seen)
    assert docker(mock_engine.docker_host_tcp, "version", "--format", "{{.Client.APIVersion}}").stdout == "1.50\n"
    seen.clear()
    replay = Replay(parse_docker_host(mock_engine.sandbox_host("wire-replay")), "cli")
    log = replay.start("all", background=False)
    assert [event.ok for event in log.events if event.kind == "step-end"] == [True] * 4
    assert lines(seen) == by_cli
    assert by_cli[1][:2] == ("POST", "/v1.50/containers/create")
