"""The replay page in a real Chromium, served the way `python app.py` serves it (waitress, live SSE streams).

Each test gets a fresh browser context, hence a fresh session cookie: a new visitor with its own sandbox,
where hello-world has not been pulled yet. Screenshots land in test-artifacts/screenshots/ for a person
to look at (light and dark, desktop and phone, French and English).
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import waitress

from app import create_app
from tests.conftest import start_mock_engine

try:
    from playwright.sync_api import Browser, Page, expect, sync_playwright
except ImportError:  # the reason is reported by the `browser` fixture
    sync_playwright = None

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"
# Long enough for a whole run with a paced pull; the usual wait is well under a second.
RUN_TIMEOUT_MS = 20_000
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _unavailable(reason: str) -> None:
    """Skip on a developer's machine, but fail in CI, where a missing browser must not pass silently."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (required when CI=true)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    """The site on a free loopback port, with a mock engine whose pull is paced just enough to be seen live."""
    engine, folder = start_mock_engine(pull_pace=0.05)
    app = create_app({"HELLOTRACE_ENGINE": engine})
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=16, ident="hellotrace")
    thread = threading.Thread(target=server.run, name="hellotrace-site", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        # Streams still open (a test that failed mid-run) would keep the loop alive: close them too.
        for channel in list(server._map.values()):
            channel.close()
        server.task_dispatcher.shutdown(timeout=2)
        thread.join(5)
        engine.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if sync_playwright is None:
        _unavailable("Playwright for Python is not installed")
    if CHROMIUM is None:
        _unavailable("chromium is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def new_page(browser: Browser) -> Iterator:
    """Pages in fresh contexts (one visitor each); options as for `Browser.new_context`."""
    contexts = []

    def make(**options) -> Page:
        options.setdefault("viewport", DESKTOP)
        context = browser.new_context(**options)
        context.set_default_timeout(RUN_TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def wait_step_done(page: Page, step: int) -> None:
    page.locator(f"#step-{step}-status .ok").wait_for()


def badges(page: Page, step: int | None = None) -> list[str]:
    scope = f"#step-{step} " if step else ""
    return page.locator(f"{scope}.exchange .badge").all_inner_texts()


def assert_hello_in_step_4(page: Page) -> None:
    terminal = page.locator("#step-4 pre.terminal")
    expect(terminal).to_contain_text("Hello from")
    text = terminal.inner_text()
    for number in (1, 2, 3, 4):
        assert f" {number}. " in text, f"step {number} of the hello message is missing from: {text!r}"


def assert_no_horizontal_overflow(page: Page) -> None:
    width = page.viewport_size["width"]
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"the page is {scroll_width}px wide in a {width}px viewport"


def test_run_all_in_french_with_the_curl_recipe(site: str, new_page) -> None:
    page = new_page(locale="fr-FR")
    page.goto(f"{site}/fr/replay")
    expect(page.locator("input[type=radio][value=recipe]")).to_be_checked()
    shot(page, "fr-recipe-before")
    page.get_by_role("button", name="Tout lancer").click()
    wait_step_done(page, 4)
    assert_hello_in_step_4(page)
    shown = badges(page)
    for status in ("404", "200", "201", "204"):
        assert status in shown, f"status {status} not shown among {shown}"
    assert "101" not in shown  # the recipe does not attach
    expect(page.locator("#step-2")).to_contain_text("No such image")
    shot(page, "fr-recipe-after")


def test_run_all_in_english_with_the_cli_sequence(site: str, new_page) -> None:
    page = new_page(locale="en-GB")
    page.goto(f"{site}/en/replay")
    page.locator("input[type=radio][value=cli]").check()
    page.wait_for_url("**/en/replay?sequence=cli")
    expect(page.locator("input[type=radio][value=cli]")).to_be_checked()
    expect(page.locator("#steps input[name=sequence]").first).to_have_value("cli")
    page.get_by_role("button", name="Run all").click()
    wait_step_done(page, 4)
    assert_hello_in_step_4(page)
    shown = badges(page)
    for status in ("101", "404", "200", "201", "204"):
        assert status in shown, f"status {status} not shown among {shown}"
    assert "101" in badges(page, 3)  # attach is opened before start, in step 3
    expect(page.locator("#step-1")).to_contain_text("/_ping")
    shot(page, "en-cli-after")


def test_keyboard_moves_between_steps_and_runs_the_focused_one(site: str, new_page) -> None:
    page = new_page()
    page.goto(f"{site}/en/replay")
    focused = "document.activeElement && document.activeElement.id"
    page.locator("#step-1").focus()
    for key, expected in (("ArrowRight", "step-2"), ("ArrowLeft", "step-1"), ("j", "step-2"), ("k", "step-1")):
        page.keyboard.press(key)
        assert page.evaluate(focused) == expected, f"{key} should focus {expected}"
    page.keyboard.press("Enter")
    wait_step_done(page, 1)
    expect(page.locator("#step-2-status")).not_to_contain_text("Done")
    shot(page, "en-keyboard-step-1")

    page.goto(f"{site}/en/replay#step-2")
    page.wait_for_function(f"{focused} === 'step-2'")
    top = page.locator("#step-2").bounding_box()["y"]
    assert 0 <= top < page.viewport_size["height"] / 2, f"step 2 is not scrolled into view (top at {top}px)"


def test_running_one_step_runs_the_missing_ones_first(site: str, new_page) -> None:
    page = new_page()
    page.goto(f"{site}/en/replay")
    page.get_by_role("button", name="Run step 2").click()
    wait_step_done(page, 2)
    wait_step_done(page, 1)
    assert "/_ping" in page.locator("#step-1").inner_text()
    step_2 = badges(page, 2)
    assert step_2[:2] == ["404", "200"], step_2
    expect(page.locator("#step-3-status")).to_have_text("Not run yet")
    expect(page.locator("#step-4-status")).to_have_text("Not run yet")


def test_reset_makes_the_pull_happen_again(site: str, new_page) -> None:
    page = new_page()
    page.goto(f"{site}/en/replay")
    page.get_by_role("button", name="Run all").click()
    wait_step_done(page, 4)
    page.get_by_role("button", name="Reset").click()
    expect(page.locator("#live")).to_contain_text("Reset done")
    for step in (1, 2, 3, 4):
        expect(page.locator(f"#step-{step}-status")).to_have_text("Not run yet")
    shot(page, "en-after-reset")
    page.get_by_role("button", name="Run step 2").click()
    wait_step_done(page, 2)
    assert badges(page, 2)[:2] == ["404", "200"]
    expect(page.locator("#step-2 .json-lines li").first).to_be_visible()
    expect(page.locator("#step-2")).to_contain_text("Pull complete")


def test_without_javascript_the_form_runs_every_step(site: str, new_page) -> None:
    page = new_page(java_script_enabled=False)
    page.goto(f"{site}/fr/replay")
    page.get_by_role("button", name="Tout lancer").click()
    page.wait_for_url("**/fr/replay#step-1")
    for step in (1, 2, 3, 4):
        expect(page.locator(f"#step-{step}-status")).to_have_text("Terminée")
    assert_hello_in_step_4(page)
    for status in ("404", "200", "201", "204"):
        assert status in badges(page)
    shot(page, "fr-no-javascript-after")


@pytest.mark.parametrize(("lang", "scheme"), [("en", "dark"), ("fr", "light")])
def test_phone_and_dark_mode_do_not_overflow(site: str, new_page, lang: str, scheme: str) -> None:
    page = new_page(viewport=PHONE, color_scheme=scheme, is_mobile=True, has_touch=True)
    page.goto(f"{site}/{lang}/replay")
    assert_no_horizontal_overflow(page)
    shot(page, f"{lang}-phone-{scheme}-before")
    page.locator("button.run-all").click()
    wait_step_done(page, 4)
    assert_hello_in_step_4(page)
    assert_no_horizontal_overflow(page)
    shot(page, f"{lang}-phone-{scheme}-after")


def test_dark_mode_on_a_desktop(site: str, new_page) -> None:
    page = new_page(color_scheme="dark")
    page.goto(f"{site}/en/replay?sequence=cli")
    page.get_by_role("button", name="Run all").click()
    wait_step_done(page, 4)
    assert_no_horizontal_overflow(page)
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background != "rgb(251, 251, 248)", "the dark colour scheme is not applied"
    shot(page, "en-cli-dark-after")


def test_the_stream_updates_the_page_live(site: str, new_page) -> None:
    page = new_page()
    page.goto(f"{site}/en/replay")
    # Timestamps from inside the page: when the first pull progress line shows, and when step 4 is done.
    page.evaluate("""() => {
        window.seen = {};
        const check = () => {
            const now = performance.now();
            if (!seen.progress && document.querySelector('#step-2 .json-lines li')) seen.progress = now;
            if (!seen.done && document.querySelector('#step-4-status .ok')) seen.done = now;
        };
        new MutationObserver(check).observe(document.body, {subtree: true, childList: true});
    }""")
    page.get_by_role("button", name="Run all").click()
    wait_step_done(page, 4)
    seen = page.evaluate("window.seen")
    assert "progress" in seen and "done" in seen, seen
    assert seen["progress"] < seen["done"], f"progress lines did not arrive before the end of the run: {seen}"
    assert page.url.endswith("/en/replay"), "the page was reloaded instead of updated in place"
