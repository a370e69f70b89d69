"""The trace page in a real browser, against the site as `python app.py` runs it (engine in its child
process, publishing to the site): a real docker CLI's `docker ps -a` and `docker run --rm hello-world` appear
live, grouped, explained, each in its visitor's page only."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser_support import browser_fixture, new_page_fixture, save_screenshot  # noqa: F401 (fixtures)
from tests.test_browser_stage import axe_violations
from tests.test_docker_cli import DOCKER, docker

pytestmark = [
    pytest.mark.browser,
    pytest.mark.docker_cli,
    pytest.mark.skipif(DOCKER is None and os.environ.get("CI") != "true", reason="the docker CLI is not installed"),
]

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_MS = 15_000


def _wait_for(stream, pattern: str, deadline: float) -> re.Match[str]:
    for line in stream:
        found = re.search(pattern, line)
        if found:
            return found
        if time.monotonic() > deadline:
            break
    raise AssertionError(f"the site did not print {pattern!r} in time")


@pytest.fixture(scope="module")
def traced_site() -> Iterator[str]:
    """`python app.py` on free loopback ports; stopped by its PID (SIGTERM stops its engine too)."""
    folder = tempfile.mkdtemp(prefix="ht-", dir="/tmp")
    command = [sys.executable, str(ROOT / "app.py"), "--listen", "127.0.0.1:0", "--tcp", "127.0.0.1:0",
               "--unix", os.path.join(folder, "docker.sock"), "--pull-pace", "0.05"]
    env = {**os.environ, "DOCKER_HOST": ""}
    site = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env, cwd=ROOT)
    try:
        deadline = time.monotonic() + 30
        port = _wait_for(site.stdout, r"hellotrace is on http://127\.0\.0\.1:(\d+)/", deadline).group(1)
        _wait_for(site.stdout, r"Press Ctrl\+C", deadline)
        yield f"http://127.0.0.1:{port}"
    finally:
        site.send_signal(signal.SIGTERM)
        try:
            site.wait(timeout=15)
        except subprocess.TimeoutExpired:
            site.kill()
            site.wait()
        shutil.rmtree(folder, ignore_errors=True)


def test_a_real_cli_shows_up_live_grouped_and_explained(traced_site: str, new_page) -> None:
    page = new_page(bypass_csp=True)  # axe-core is injected at the end
    page.goto(f"{traced_site}/en/trace")
    expect(page.locator("#trace-empty")).to_be_visible()
    host = re.search(r"export DOCKER_HOST=(\S+)", page.locator("#trace-host").inner_text()).group(1)
    page.wait_for_timeout(300)  # the event stream is connected

    started = time.monotonic()
    assert docker(host, "ps", "-a").returncode == 0
    expect(page.locator(".invocation-head h2").first).to_have_text("docker ps -a")
    shown_after = time.monotonic() - started
    run = docker(host, "run", "--rm", "hello-world")
    assert run.returncode == 0, run.stderr

    heads = page.locator(".invocation-head h2")
    expect(heads).to_have_text(["docker run --rm hello-world", "docker ps -a"])
    expect(page.locator("#trace-empty")).to_be_hidden()
    latest = page.locator(".invocation").first
    expect(latest.locator(".why .call")).to_have_count(7)
    expect(latest.locator(".why .call").first).to_have_text("HEAD /_ping")
    expect(latest.locator(".traced", has_text="POST /images/create").locator(".json-line").last).to_contain_text(
        "Status: Downloaded newer image for hello-world:latest")
    attach = latest.locator(".traced", has_text="/attach")
    expect(attach.locator(".meaning")).to_contain_text("101: the daemon took over the connection")
    expect(attach.locator(".terminal").first).to_contain_text("Hello from hellotrace")
    expect(attach.locator(".frame-header").first).to_have_text(re.compile(r"^01 00 00 00 "))
    expect(page.locator(".invocation").last.locator(".why .command")).to_have_text(["docker …", "docker ps -a"])
    for group in (page.locator(".invocation").first, page.locator(".invocation").last):
        # One arrow per exchange in each run's diagram, each leading to its exchange.
        arrows = group.locator(".trace-diagram a[data-exchange]")
        expect(arrows).to_have_count(group.locator(".traced").count())
        assert arrows.evaluate_all("as => as.map(a => a.getAttribute('href'))") == [
            f"#tx-{n}-card" for n in group.locator(".traced").evaluate_all(
                "ts => ts.map(t => t.getAttribute('data-exchange'))")]
    assert shown_after < 5
    save_screenshot(page, "trace-live-cli")
    page.evaluate("document.querySelectorAll('details.exchange').forEach(d => d.open = true)")
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        assert axe_violations(page) == [], scheme

    stranger = new_page()
    stranger.goto(f"{traced_site}/en/trace")
    expect(stranger.locator("#trace-empty")).to_be_visible()
    expect(stranger.locator(".traced")).to_have_count(0)


def test_a_daemon_message_is_quoted_the_french_way_on_a_french_page(traced_site: str, new_page) -> None:
    page = new_page()
    page.goto(f"{traced_site}/fr/trace")
    host = re.search(r"export DOCKER_HOST=(\S+)", page.locator("#trace-host").inner_text()).group(1)
    page.wait_for_timeout(300)  # the event stream is connected
    assert docker(host, "inspect", "nothing-here").returncode != 0
    quoted = page.locator(".meaning q").first
    expect(quoted).to_contain_text("No such container: nothing-here")
    expect(quoted.locator("span")).to_have_attribute("lang", "en")  # read aloud as English
    assert quoted.evaluate("q => getComputedStyle(q).quotes").startswith('"«\u00a0" "\u00a0»"')
