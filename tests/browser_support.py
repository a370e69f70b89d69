"""What the real-browser suites share: the site served as `python app.py` serves it, Debian's chromium,
fresh visitors, screenshots, and the overflow check.

A missing browser is a skip on a developer's machine and a failure in CI, where it must not pass silently.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import waitress
from playwright.sync_api import Browser, Page, sync_playwright

from app import create_app
from tests.conftest import start_mock_engine
from tests.services import close_in_its_loop, unavailable

CHROMIUM = shutil.which("chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@contextmanager
def serve(pull_pace: float = 0.0, threads: int = 16, pace: str = "instant",
          config: dict | None = None) -> Iterator[str]:
    """The site as `python app.py` serves it (waitress, threads for the streams) on a free loopback port.
    `pace` is the replay's pace until a visitor chooses one (instant keeps runs short); `config` adds to the
    app's settings (a database, Redis)."""
    engine, folder = start_mock_engine(pull_pace=pull_pace)
    app = create_app({"PACE": pace, **(config or {})}, engine=engine)
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=threads, ident="hellotrace")
    thread = threading.Thread(target=server.run, name="hellotrace-site", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        # Streams still open (a test that failed mid-run) would keep the loop alive: closed too.
        close_in_its_loop(server)
        # The browser's contexts are closed by now: what a thread still serves is a live stream waiting for its
        # next event, which it would wait for whatever the timeout (the threads are daemons).
        server.task_dispatcher.shutdown(timeout=0.2)
        thread.join(5)
        engine.stop()
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def launch_browser() -> Iterator[Browser]:
    if CHROMIUM is None:
        unavailable("chromium is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@contextmanager
def page_factory(browser: Browser, timeout_ms: int) -> Iterator[Callable[..., Page]]:
    """Pages in fresh contexts (one visitor each); options as for `Browser.new_context`."""
    contexts = []

    def make(**options) -> Page:
        options.setdefault("viewport", DESKTOP)
        context = browser.new_context(**options)
        context.set_default_timeout(timeout_ms)
        contexts.append(context)
        return context.new_page()

    try:
        yield make
    finally:
        for context in contexts:
            context.close()


# Test modules import these two under their *_fixture names; pytest knows them as `browser` and `new_page`.
@pytest.fixture(scope="module", name="browser")
def browser_fixture() -> Iterator[Browser]:
    """One Chromium for a test module (each test still gets its own contexts)."""
    with launch_browser() as chromium:
        yield chromium


@pytest.fixture(name="new_page")
def new_page_fixture(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Callable[..., Page]]:
    """`page_factory` with the waiting time the test module sets in its `TIMEOUT_MS`."""
    with page_factory(browser, request.module.TIMEOUT_MS) as make:
        yield make


def save_screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def assert_no_horizontal_overflow(page: Page) -> None:
    width = page.viewport_size["width"]
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"the page is {scroll_width}px wide in a {width}px viewport"
