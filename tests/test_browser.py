"""The replay page in a real Chromium, served the way `python app.py` serves it (waitress, live SSE streams).

Each test gets a fresh browser context, hence a fresh session cookie: a new visitor with its own sandbox,
where hello-world has not been pulled yet. Screenshots land in test-artifacts/screenshots/ for a person
to look at (light and dark, desktop and phone, French and English).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser_support import (
    PHONE,
    assert_no_horizontal_overflow,
    browser_fixture,  # noqa: F401 (a fixture)
    new_page_fixture,  # noqa: F401 (a fixture)
    save_screenshot,
    serve,
)

pytestmark = pytest.mark.browser

# Long enough for a whole run with a paced pull; the usual wait is well under a second.
TIMEOUT_MS = 20_000


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    """A pull paced just enough to be seen live, and a whole run in well under a second."""
    with serve(pull_pace=0.05) as url:
        yield url


@pytest.fixture
def slow_site() -> Iterator[str]:
    """A pull of about half a second, so that its progress lines arrive well apart."""
    with serve(pull_pace=0.5) as url:
        yield url


def shot(page: Page, name: str) -> None:
    save_screenshot(page, name)


def wait_step_done(page: Page, step: int) -> None:
    page.locator(f"#step-{step}-status .ok").wait_for()


def wait_run_over(page: Page) -> None:
    """The live region says the run is over (the stream's last event has been applied)."""
    page.locator("#live .run-finished").wait_for()


def badges(page: Page, step: int | None = None) -> list[str]:
    scope = f"#step-{step} " if step else ""
    return page.locator(f"{scope}.exchange .badge").all_inner_texts()


def open_cards(page: Page, scope: str = "") -> None:
    """Exchanges show as one-line summaries: open them as a reader does, by their summary (no script needed)."""
    for card in page.locator(f"{scope} details.exchange").all():
        if card.get_attribute("open") is None:
            card.locator("summary").click()


def assert_hello_in_step_4(page: Page) -> None:
    open_cards(page, "#step-4")
    terminal = page.locator("#step-4 pre.terminal")
    expect(terminal).to_contain_text("Hello from")
    text = terminal.inner_text()
    for number in (1, 2, 3, 4):
        assert f" {number}. " in text, f"step {number} of the hello message is missing from: {text!r}"



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
    wait_run_over(page)
    expect(page.locator("#live")).to_have_text("Rejeu terminé.")
    assert_no_horizontal_overflow(page)
    shot(page, "fr-recipe-after")


def test_run_all_in_english_with_the_cli_sequence(site: str, new_page) -> None:
    page = new_page(locale="en-GB")
    page.goto(f"{site}/en/replay")
    shot(page, "en-recipe-before")
    page.get_by_role("radio", name="What the docker CLI really sends").check()
    # htmx reloads the page body and pushes the address a student can share.
    page.wait_for_url(lambda url: url.endswith("/en/replay?sequence=cli"))
    expect(page.locator("#steps input[name=sequence]").first).to_have_value("cli")
    expect(page.locator("input[type=radio][value=cli]")).to_be_checked()
    page.get_by_role("button", name="Run all").click()
    wait_step_done(page, 4)
    assert_hello_in_step_4(page)
    shown = badges(page)
    for status in ("101", "404", "200", "201", "204"):
        assert status in shown, f"status {status} not shown among {shown}"
    assert "101" in badges(page, 3)  # attach is opened before start, in step 3
    expect(page.locator("#step-1")).to_contain_text("/_ping")
    wait_run_over(page)
    assert_no_horizontal_overflow(page)
    shot(page, "en-cli-after")


def test_choosing_the_sequence_with_the_keyboard_keeps_the_focus(site: str, new_page) -> None:
    page = new_page()
    page.goto(f"{site}/en/replay")
    page.locator("#sequence-recipe").focus()
    page.keyboard.press("ArrowDown")  # moves to and selects the next radio, which reloads the body
    page.wait_for_url(lambda url: url.endswith("/en/replay?sequence=cli"))
    expect(page.locator("#steps input[name=sequence]").first).to_have_value("cli")
    expect(page.locator("#sequence-cli")).to_be_focused()
    expect(page.get_by_text("Keyboard:")).to_be_visible()  # the swapped-in body gets the scripted hints too


def test_keyboard_moves_between_steps_and_runs_the_focused_one(site: str, new_page) -> None:
    page = new_page()
    page.goto(f"{site}/en/replay")
    focused = "document.activeElement && document.activeElement.id"
    expect(page.get_by_text("Keyboard:")).to_be_visible()
    page.locator("#step-1").focus()
    ring = page.evaluate("(s => [s.outlineStyle, parseFloat(s.outlineWidth)])"
                         "(getComputedStyle(document.activeElement))")
    assert ring[0] == "solid" and ring[1] >= 2, f"the focused step has no visible ring: {ring}"
    for key, expected in (("ArrowRight", "step-2"), ("ArrowLeft", "step-1"), ("j", "step-2"), ("k", "step-1")):
        page.keyboard.press(key)
        assert page.evaluate(focused) == expected, f"{key} should focus {expected}"
    page.keyboard.press("Enter")
    wait_step_done(page, 1)
    wait_run_over(page)
    expect(page.locator("#step-2-status")).to_have_text("Not run yet")
    assert page.evaluate(focused) == "step-1", "running a step must not steal the focus"
    shot(page, "en-keyboard-step-1")

    page.goto(f"{site}/en/replay#step-2")
    expect(page.locator("#step-2")).to_be_focused()
    top = page.locator("#step-2").bounding_box()["y"]
    assert 0 <= top < page.viewport_size["height"] / 2, f"step 2 is not scrolled into view (top at {top}px)"
    page.locator("#step-3 a.permalink").click()
    expect(page.locator("#step-3")).to_be_focused()
    page.keyboard.press("ArrowRight")
    assert page.evaluate(focused) == "step-4"

    # A page just loaded, nothing focused: Enter runs the step the page marks as current (step 2, step 1 being done).
    page.goto(f"{site}/en/replay")
    assert page.evaluate("document.activeElement === document.body")
    page.keyboard.press("Enter")
    wait_step_done(page, 2)


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


def test_the_steps_a_run_will_reach_say_they_wait_their_turn(site: str, new_page) -> None:
    """At the slow pace, step 4 asked on a fresh page runs steps 1 to 3 first: until its turn it waits, it is not
    "Not run yet" (nor an earlier run's "Done")."""
    page = new_page()
    page.goto(f"{site}/en/replay")
    page.get_by_role("radio", name="Slow").check()
    expect(page.locator("#pace")).to_have_attribute("data-pace", "slow")
    page.get_by_role("button", name="Run step 4").click()
    expect(page.locator("#step-1-status")).to_have_text("Running…", use_inner_text=True)
    for step in (2, 3, 4):
        expect(page.locator(f"#step-{step}-status")).to_have_text("Waiting…")


def a_page_after_run_all(site: str, new_page) -> Page:
    page = new_page()
    page.goto(f"{site}/en/replay")
    page.get_by_role("button", name="Run all").click()
    wait_step_done(page, 4)
    wait_run_over(page)
    return page


def test_a_run_again_fades_the_results_it_is_about_to_replace(site: str, new_page) -> None:
    page = a_page_after_run_all(site, new_page)
    page.get_by_role("radio", name="Slow").check()
    expect(page.locator("#pace")).to_have_attribute("data-pace", "slow")
    page.get_by_role("button", name="Run all").click()
    expect(page.locator("#step-4-status")).to_have_text("Waiting…")
    assert float(page.locator("#step-4-exchanges").evaluate("e => getComputedStyle(e).opacity")) < 1


def test_reset_makes_the_pull_happen_again(site: str, new_page) -> None:
    page = a_page_after_run_all(site, new_page)
    page.get_by_role("button", name="Reset").click()
    expect(page.locator("#live")).to_contain_text("Reset done: 3 calls sent.")
    expect(page.locator("#live .calls li")).to_have_count(3)  # ping, remove the container, remove the image
    expect(page.locator("#live")).to_contain_text("DELETE")
    for step in (1, 2, 3, 4):
        expect(page.locator(f"#step-{step}-status")).to_have_text("Not run yet")
    shot(page, "en-after-reset")
    page.get_by_role("button", name="Run step 2").click()
    wait_step_done(page, 2)
    assert badges(page, 2)[:2] == ["404", "200"]
    open_cards(page, "#step-2")
    expect(page.locator("#step-2 .json-lines li").first).to_be_visible()
    expect(page.locator("#step-2")).to_contain_text("Pull complete")


def test_without_javascript_the_form_runs_every_step(site: str, new_page) -> None:
    page = new_page(java_script_enabled=False)
    page.goto(f"{site}/fr/replay")
    expect(page.get_by_text("Clavier :")).to_be_hidden()  # the shortcuts need the script
    page.get_by_role("button", name="Tout lancer").click()
    page.wait_for_url("**/fr/replay#step-1")
    for step in (1, 2, 3, 4):
        expect(page.locator(f"#step-{step}-status")).to_have_text("Terminée")
    assert_hello_in_step_4(page)
    for status in ("404", "200", "201", "204"):
        assert status in badges(page)
    shot(page, "fr-no-javascript-after")


def test_without_javascript_the_sequence_is_chosen_with_a_button(site: str, new_page) -> None:
    page = new_page(java_script_enabled=False)
    page.goto(f"{site}/en/replay")
    page.get_by_role("radio", name="What the docker CLI really sends").check()
    page.get_by_role("button", name="Use this sequence").click()
    page.wait_for_url(lambda url: url.endswith("/en/replay?sequence=cli"))
    expect(page.locator("#steps input[name=sequence]").first).to_have_value("cli")
    page.get_by_role("button", name="Run step 3").click()
    page.wait_for_url("**/en/replay#step-3")
    assert "101" in badges(page, 3)
    expect(page.locator("#step-4-status")).to_have_text("Not run yet")


def test_copy_puts_the_exact_curl_command_on_the_clipboard(site: str, new_page) -> None:
    page = new_page(permissions=["clipboard-read", "clipboard-write"])
    page.goto(f"{site}/en/replay")
    page.get_by_role("button", name="Run step 1").click()
    wait_run_over(page)
    open_cards(page, "#step-1")
    card = page.locator("#step-1 .exchange").first
    button = card.locator("button.copy")
    button.click()
    expect(button).to_have_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("curl ") and "/_ping" in copied
    assert copied == card.locator(".curl pre").inner_text()
    expect(button).to_have_text("Copy", timeout=3000)


@pytest.mark.parametrize(("lang", "scheme"), [("en", "dark"), ("fr", "light")])
def test_phone_and_dark_mode_do_not_overflow(site: str, new_page, lang: str, scheme: str) -> None:
    page = new_page(viewport=PHONE, color_scheme=scheme, is_mobile=True, has_touch=True)
    page.goto(f"{site}/{lang}/replay")
    assert_no_horizontal_overflow(page)
    shot(page, f"{lang}-phone-{scheme}-before")
    page.locator("button.run-all").click()
    wait_step_done(page, 4)
    assert_hello_in_step_4(page)
    wait_run_over(page)
    assert_no_horizontal_overflow(page)
    assert_cards_read_well_on_a_phone(page)
    shot(page, f"{lang}-phone-{scheme}-after")


def assert_cards_read_well_on_a_phone(page: Page) -> None:
    """The path has the card's whole width, the duration its own line below; a long curl command wraps
    inside its box rather than hiding its end off to the side."""
    open_cards(page, "#step-3")
    card = page.locator("#step-3 .exchange").first
    title, duration = card.locator(".exchange-title").bounding_box(), card.locator(".duration").bounding_box()
    assert duration["y"] >= title["y"] + title["height"] - 1, "the duration still sits beside the path"
    assert title["width"] > card.bounding_box()["width"] * 0.85, f"the path is squeezed into {title['width']}px"
    summary = card.locator("summary").bounding_box()
    padding = card.locator("summary").evaluate("e => parseFloat(getComputedStyle(e).paddingTop)")
    assert title["y"] - summary["y"] - padding < 4, "the ▸ of the card took a line of its own above the path"
    curl = card.locator(".curl pre")
    lines = len(curl.inner_text().split("\n"))
    assert drawn_lines(curl) > lines, "the long curl line should wrap in its box"
    assert curl.evaluate("e => e.scrollWidth <= e.clientWidth"), "part of the curl command is out of sight"


def drawn_lines(element) -> int:
    """How many lines of text an element's content box holds."""
    return round(element.evaluate("e => { const s = getComputedStyle(e);"
                                  " return (e.clientHeight - parseFloat(s.paddingTop) - parseFloat(s.paddingBottom))"
                                  " / parseFloat(s.lineHeight); }"))


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_home_page_on_a_phone(site: str, new_page, lang: str) -> None:
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto(f"{site}/{lang}/")
    assert_no_horizontal_overflow(page)
    assert drawn_lines(page.locator(".hero h2")) <= 2, "the terminal heading reads like a paragraph"
    commands = page.locator(".hero pre.commands")
    assert drawn_lines(commands) == 3, "a command (or a path, at a hyphen) was broken over two lines"


def test_dark_mode_on_a_desktop(site: str, new_page) -> None:
    page = new_page(color_scheme="dark")
    page.goto(f"{site}/en/replay?sequence=cli")
    page.get_by_role("button", name="Run all").click()
    wait_step_done(page, 4)
    wait_run_over(page)
    assert_no_horizontal_overflow(page)
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background != "rgb(251, 251, 248)", "the dark colour scheme is not applied"
    shot(page, "en-cli-dark-after")


def test_the_stream_updates_the_page_live(slow_site: str, new_page) -> None:
    page = new_page()
    page.goto(f"{slow_site}/en/replay")
    # Observed from inside the page: when progress lines show, in how many deliveries, and whether a line
    # or a terminal chunk is ever drawn twice (a card rendered late must not repeat what the events add).
    page.evaluate("""() => {
        window.seen = {lines: 0, maxLines: 0, deliveries: 0, maxTerminal: 0};
        const check = () => {
            const now = performance.now();
            const lines = document.querySelectorAll('#step-2 .json-lines li').length;
            seen.maxLines = Math.max(seen.maxLines, lines);
            if (lines > seen.lines) {
                seen.deliveries += 1;
                if (!seen.progress) {
                    seen.progress = now;
                    seen.step2RunningThen = !document.querySelector('#step-2-status .ok');
                }
            }
            seen.lines = lines;
            const terminal = document.querySelector('#step-4 pre.terminal');
            if (terminal) seen.maxTerminal = Math.max(seen.maxTerminal, terminal.textContent.length);
            if (!seen.done && document.querySelector('#step-4-status .ok')) seen.done = now;
        };
        new MutationObserver(check).observe(document.body, {subtree: true, childList: true, characterData: true});
    }""")
    page.get_by_role("button", name="Run all").click()
    reset = page.get_by_role("button", name="Reset")
    expect(reset).to_be_disabled()  # the site would refuse it during a run
    expect(page.locator(".reset-waits")).to_be_visible()  # and says why, a paused run's reader too
    # The sequence waits for the run as well: a choice made now would come back unchanged.
    expect(page.locator("#sequence-cli")).to_be_disabled()
    expect(page.locator(".sequence-waits")).to_be_visible()
    wait_step_done(page, 4)
    wait_run_over(page)
    expect(reset).to_be_enabled()
    expect(page.locator(".reset-waits")).to_be_hidden()
    expect(page.locator("#sequence-cli")).to_be_enabled()
    expect(page.locator(".sequence-waits")).to_be_hidden()
    seen = page.evaluate("window.seen")
    final_lines = page.locator("#step-2 .json-lines li").count()
    final_terminal = len(page.locator("#step-4 pre.terminal").text_content())
    assert seen.get("progress") and seen.get("done"), seen
    assert seen["progress"] < seen["done"], f"progress lines did not arrive before the end of the run: {seen}"
    assert seen["step2RunningThen"], f"the first progress line only showed once the pull was over: {seen}"
    assert seen["deliveries"] >= 3, f"the pull progress did not arrive line by line: {seen}"
    assert seen["maxLines"] == final_lines, f"progress lines were drawn twice: {seen}, {final_lines} in the end"
    assert seen["maxTerminal"] == final_terminal, f"terminal output was drawn twice: {seen}, {final_terminal}"
    assert page.url.endswith("/en/replay"), "the page was reloaded instead of updated in place"


def test_copy_works_without_the_clipboard_api(site: str, new_page) -> None:
    """Over plain http on a LAN address there is no Clipboard API: the selection-based copy takes over."""
    page = new_page(permissions=["clipboard-read", "clipboard-write"])
    # What an insecure context looks like to the page; the test keeps its own handle to read the clipboard.
    page.add_init_script("""
        window.testClipboard = navigator.clipboard;
        Object.defineProperty(window, 'isSecureContext', {value: false});
        Object.defineProperty(Navigator.prototype, 'clipboard', {get: () => undefined, configurable: true});
    """)
    page.goto(f"{site}/en/replay")
    button = page.locator(".daemon-line button.copy")
    button.click()
    expect(button).to_have_text("Copied")
    copied = page.evaluate("window.testClipboard.readText()")
    assert copied == page.locator("#docker-host").inner_text()
    assert copied.startswith("export DOCKER_HOST=tcp://127.0.0.1:")


def test_a_second_reader_of_a_run_sees_each_line_once(site: str, new_page) -> None:
    """Another tab following the same run, or the SSE extension reconnecting, replays the run's events from
    the start; cards rendered then already hold their lines and must not get them a second time."""
    page = new_page()
    page.goto(f"{site}/en/replay")
    page.get_by_role("button", name="Run all").click()
    wait_run_over(page)
    lines = page.locator("#step-2 .json-lines li").count()
    frames = page.locator("#step-4 .frames li").count()
    run_id = page.locator("#step-2 .exchange").first.get_attribute("id").removeprefix("ex-").rsplit("-", 2)[0]
    page.evaluate("""(url) => {
        window.most = {lines: 0, frames: 0};
        document.body.addEventListener('htmx:oobAfterSwap', () => {
            most.lines = Math.max(most.lines, document.querySelectorAll('#step-2 .json-lines li').length);
            most.frames = Math.max(most.frames, document.querySelectorAll('#step-4 .frames li').length);
        });
        const reader = document.createElement('div');
        reader.setAttribute('hx-ext', 'sse');
        reader.setAttribute('sse-connect', url);
        reader.setAttribute('sse-swap', 'message');
        reader.setAttribute('hx-swap', 'none');
        reader.setAttribute('sse-close', 'done');
        document.getElementById('live').replaceChildren(reader);
        htmx.process(reader);
    }""", f"/en/replay/runs/{run_id}/events")
    wait_run_over(page)
    most = page.evaluate("window.most")
    assert most == {"lines": lines, "frames": frames}, f"drawn at most {most}; {lines} lines, {frames} frames finally"
