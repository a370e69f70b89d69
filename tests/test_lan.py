"""A class on a LAN: the site in a private network namespace with two addresses, a student in another.

The banner lists the addresses students can open (never 0.0.0.0), and a student who reached the site at the
second address is shown a DOCKER_HOST with that address, which works from their own machine.
Needs root and iproute2 (`ip netns`, veth); skipped otherwise, except under CI=true.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _unavailable() -> str | None:
    if os.geteuid() != 0:
        return "network namespaces need root"
    if shutil.which("ip") is None or shutil.which("curl") is None:
        return "iproute2's `ip` and curl are needed"
    probe = f"ht-probe-{secrets.token_hex(3)}"
    if subprocess.run(["ip", "netns", "add", probe], capture_output=True, check=False).returncode != 0:
        return "cannot create a network namespace here"
    subprocess.run(["ip", "netns", "del", probe], check=False)
    return None


def ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


@pytest.fixture
def lan():
    """Namespaces `server` (10.77.0.1 and 10.77.0.11 on one veth) and `student` (10.77.0.2), loopback up."""
    reason = _unavailable()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true requires the LAN test to run: {reason}", pytrace=False)
        pytest.skip(reason)
    tag = secrets.token_hex(3)
    server, student = f"ht-srv-{tag}", f"ht-stu-{tag}"
    ip("netns", "add", server)
    ip("netns", "add", student)
    try:
        ip("link", "add", f"hts{tag}", "netns", server, "type", "veth", "peer", "name", f"htc{tag}",
           "netns", student)
        for namespace, link, addresses in ((server, f"hts{tag}", ["10.77.0.1/24", "10.77.0.11/24"]),
                                           (student, f"htc{tag}", ["10.77.0.2/24"])):
            ip("-n", namespace, "link", "set", "lo", "up")
            for address in addresses:
                ip("-n", namespace, "addr", "add", address, "dev", link)
            ip("-n", namespace, "link", "set", link, "up")
        yield server, student
    finally:
        ip("netns", "del", server)
        ip("netns", "del", student)


def in_namespace(namespace: str, *command: str, timeout: float = 20) -> str:
    result = subprocess.run(["ip", "netns", "exec", namespace, *command], capture_output=True, text=True,
                            timeout=timeout, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_a_student_on_the_lan_gets_a_working_docker_host(lan, tmp_path):
    server, student = lan
    env = {key: value for key, value in os.environ.items() if key != "DOCKER_HOST"}
    site = subprocess.Popen(
        ["ip", "netns", "exec", server, sys.executable, "app.py", "--listen", "0.0.0.0:5000", "--allow-remote",
         "--tcp", "0.0.0.0:2375", "--unix", str(tmp_path / "docker.sock"), "--pull-pace", "0"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        banner = []
        while not banner or "Press Ctrl+C" not in banner[-1]:
            line = site.stdout.readline()
            assert line, "".join(banner)
            banner.append(line)
        shown = "".join(banner)
        assert "http://10.77.0.1:5000/" in shown and "http://10.77.0.11:5000/" in shown
        assert "0.0.0.0:5000/" not in shown and "127.0.0.1:5000/" not in shown

        jar = str(tmp_path / "cookies")
        page = in_namespace(student, "curl", "-sf", "-c", jar, "-b", jar, "http://10.77.0.11:5000/en/replay")
        docker_host = re.search(r"export DOCKER_HOST=(tcp://[^\s<]+)", page)
        assert docker_host is not None, page
        assert re.fullmatch(r"tcp://10\.77\.0\.11:2375/sandboxes/(w[0-9]+-)?[0-9a-f]+", docker_host.group(1))
        # The student's own terminal, with that DOCKER_HOST: the engine answers, in the student's sandbox.
        base = docker_host.group(1).replace("tcp://", "http://")
        deadline = time.monotonic() + 10
        while True:
            version = subprocess.run(["ip", "netns", "exec", student, "curl", "-sf", f"{base}/v1.55/version"],
                                     capture_output=True, text=True, check=False)
            if version.returncode == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert '"ApiVersion":"1.55"' in version.stdout
        if shutil.which("docker"):
            config = tmp_path / "docker-config"
            config.mkdir()
            listed = subprocess.run(["ip", "netns", "exec", student, "env", f"DOCKER_HOST={docker_host.group(1)}",
                                     f"DOCKER_CONFIG={config}", "docker", "ps", "-a"], capture_output=True, text=True,
                                    timeout=30, check=False)
            assert listed.returncode == 0 and listed.stdout.startswith("CONTAINER ID"), listed.stderr
    finally:
        site.send_signal(signal.SIGTERM)
        site.wait(timeout=15)
