"""The README's commands work exactly as written, and print what it shows.

Each ```sh block of README.md runs, line by line, against a fresh mock engine; an ```output block after it is
what the block's server (or else its last command) prints. Machine-specific values are swapped for free
ports and private folders, in the commands and in the expected output alike. A server stays up for the
commands after it until the next server or the end of its `##` section.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from hellotrace.deploy.workers import node_cores, placement, plan_workers
from tests.conftest import start_mock_engine
from tests.services import free_port

ROOT = Path(__file__).resolve().parents[1]
# Commands the suite does not run, and why.
NOT_RUN = {
    "make test": "it is this very suite",
}
# The suite's servers listen on loopback only; tests/test_lan.py runs the site on 0.0.0.0 inside private
# network namespaces instead.
EVERY_INTERFACE = "0.0.0.0"
SERVER = re.compile(r"^(make (run|mock)\b|\.venv/bin/python app\.py(?!.*--help)|\.venv/bin/flask --app app run\b"
                    r"|\.venv/bin/waitress-serve\b|\.venv/bin/gunicorn\b)")
BANNER_END = "Press Ctrl+C to stop."
README_WORKERS = ("2 workers, one per core, each a site process with its own mock engine, behind nginx. Each keeps "
                  "to a core of its own with its engine.")


def banner_workers_line() -> str:
    """What this machine's banner says of its workers, where the README shows a 2-core machine with nginx and
    Redis: how many, and (several, kept on cores as by default) where they run."""
    plan = plan_workers(None, real_daemon=False, redis_url=os.environ.get("REDIS_URL"), cores=os.cpu_count() or 1)
    return plan.note + (placement(node_cores(plan.count)) if plan.count > 1 else "")


@dataclass
class Block:
    section: int
    lang: str
    text: str


def readme_blocks() -> list[Block]:
    blocks, section = [], 0
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("## "):
            section += 1
        elif line.startswith("```"):
            end = lines.index("```", index + 1)
            blocks.append(Block(section, line[3:].strip(), "\n".join(lines[index + 1:end])))
            index = end
        index += 1
    return blocks


def commands(text: str) -> list[str]:
    """A shell block's commands: comments dropped, lines ending in a backslash joined to the next."""
    found, pending = [], ""
    for raw in text.splitlines():
        line = raw.split("  #")[0].strip()
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1]
            continue
        line, pending = (pending + line).strip(), ""
        if line:
            found.append(line)
    return found


class Runner:
    def __init__(self, tmp: Path, stand_in_socket: str) -> None:
        self.tmp = tmp
        site, engine, other = free_port(), free_port(), free_port()
        (tmp / "run").mkdir()
        (tmp / "docker-config").mkdir()
        self.swaps = {
            "/run/user/1000": str(tmp / "run"),
            "127.0.0.1:5000": f"127.0.0.1:{site}",
            "127.0.0.1:2375": f"127.0.0.1:{engine}",
            "127.0.0.1:2376": f"127.0.0.1:{other}",
            "/tmp/hellotrace-mock.sock": str(tmp / "mock.sock"),
            "/var/run/docker.sock": stand_in_socket,  # a fresh mock engine stands in for a real daemon
            # The README shows a 2-core machine with nginx and Redis; this machine says what it runs.
            README_WORKERS: banner_workers_line(),
        }
        self.site_port = site
        # A reader's terminal: no DOCKER_HOST, no make of ours around (a nested make announces itself), workers kept on
        # cores as by default.
        outside = ("DOCKER_HOST", "CI", "MAKELEVEL", "MAKEFLAGS", "MFLAGS", "HELLOTRACE_PIN_WORKERS")
        self.env = {key: value for key, value in os.environ.items() if key not in outside}
        self.env.update(XDG_RUNTIME_DIR=str(tmp / "run"), HELLOTRACE_LISTEN=f"127.0.0.1:{site}",
                        HELLOTRACE_ENGINE_TCP=f"127.0.0.1:{engine}", FLASK_RUN_PORT=str(site),
                        DOCKER_CONFIG=str(tmp / "docker-config"), DOCKER_CLI_HINTS="false")
        self.server: subprocess.Popen | None = None

    def swap(self, text: str) -> str:
        for shown, used in self.swaps.items():
            text = text.replace(shown, used)
        return text

    def stop_server(self) -> None:
        if self.server is not None:
            group = self.server.pid
            if self.server.poll() is None:
                os.killpg(group, signal.SIGTERM)
            # The whole group must be gone (the engine child too), or the next server finds its ports taken.
            deadline = time.monotonic() + 15
            try:
                while True:
                    self.server.poll()
                    os.killpg(group, signal.SIGKILL if time.monotonic() > deadline else 0)
                    time.sleep(0.05)
            except ProcessLookupError:
                pass
            self.server.wait()
        self.server = None

    def start_server(self, command: str) -> str:
        """Start it; what it printed up to its banner's end, or "" once it answers /healthz."""
        self.stop_server()
        log = open(self.tmp / "server.err", "wb")  # noqa: SIM115 (the child writes to it)
        self.server = subprocess.Popen(["bash", "-c", f"exec {command}"], cwd=ROOT, env=self.env, text=True,
                                       stdout=subprocess.PIPE, stderr=log, start_new_session=True)
        if "app.py" in command or command.startswith("make"):
            printed = []
            while not printed or printed[-1] != BANNER_END:
                line = self.server.stdout.readline()
                assert line, f"{command!r} ended: {''.join(printed)}{(self.tmp / 'server.err').read_text()}"
                printed.append(line.rstrip("\n"))
            return "\n".join(printed)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.server.poll() is None, (self.tmp / "server.err").read_text()
            try:
                answer = requests.get(f"http://127.0.0.1:{self.site_port}/healthz", timeout=15)
                if answer.status_code == 200:
                    return ""
                time.sleep(0.1)
            except requests.ConnectionError:
                time.sleep(0.1)
        raise AssertionError(f"{command!r} never answered /healthz:\n{(self.tmp / 'server.err').read_text()}")

    def run(self, command: str) -> str:
        result = subprocess.run(["bash", "-c", command], cwd=ROOT, env=self.env, capture_output=False, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=90, check=False)
        assert result.returncode == 0, f"{command!r} failed:\n{result.stdout}"
        return result.stdout.rstrip("\n")


def test_the_readme_commands_work_as_written(tmp_path):
    if shutil.which("docker") is None or shutil.which("curl") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true requires the docker CLI and curl for the README's commands", pytrace=False)
        pytest.skip("the README's commands use the docker CLI and curl")
    stand_in, folder = start_mock_engine()
    runner = Runner(tmp_path, stand_in.unix_path)
    blocks = readme_blocks()
    ran = []
    try:
        section = 0
        for index, block in enumerate(blocks):
            if block.section != section:
                runner.stop_server()
                section = block.section
            if block.lang != "sh":
                continue
            server_output, last_output = None, None
            for line in commands(block.text):
                if line in NOT_RUN or EVERY_INTERFACE in line:
                    continue
                command = runner.swap(line)
                ran.append(line)
                if command.startswith("export "):
                    name, _, value = command.removeprefix("export ").partition("=")
                    runner.env[name] = value
                elif SERVER.match(line):
                    server_output = runner.start_server(command)
                else:
                    last_output = runner.run(command)
            printed = server_output if server_output is not None else last_output
            following = blocks[index + 1] if index + 1 < len(blocks) else None
            if following is not None and following.lang == "output":
                assert printed == runner.swap(following.text), f"after {block.text!r}"
    finally:
        runner.stop_server()
        stand_in.stop()
        shutil.rmtree(folder, ignore_errors=True)
    assert "make run" in ran and any("mock-daemon" in line for line in ran)
