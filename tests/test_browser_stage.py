"""The replay as a stage, in a real Chromium: what a projector shows on load, the diagram after Run all,
step by step with Space, the diagram from the keyboard alone, and axe-core on every page in both themes.

axe-core is vendored under tests/vendor/ (see its README) and injected into each page; the contexts that
run it bypass the Content-Security-Policy, which forbids injected scripts, and only for this check.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser_support import (
    SCREENSHOTS,
    browser_fixture,  # noqa: F401 (a fixture)
    new_page_fixture,  # noqa: F401 (a fixture)
    save_screenshot,
    serve,
)

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
TIMEOUT_MS = 20_000
# A laptop, and a 1080p projector at 150 % (the CSS viewport is then 1280×720).
SCREENS = {"1366x768": ({"width": 1366, "height": 768}, 1), "1920x1080@150": ({"width": 1280, "height": 720}, 1.5)}
EXCHANGES = {"recipe": 8, "cli": 7}


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    with serve(pull_pace=0.05) as url:
        yield url


def in_view(page: Page, selector: str) -> bool:
    """The element is displayed and wholly inside the viewport, with the page scrolled to the top."""
    box = page.locator(selector).first.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def run_all(page: Page) -> None:
    page.locator("button.run-all").click()
    page.locator("#live .run-finished").wait_for()


def choose_pace(page: Page, pace: str) -> None:
    page.locator(f"#pace input[value={pace}]").check()
    expect(page.locator("#pace")).to_have_attribute("data-pace", pace)


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_run_all_the_sequences_and_the_four_steps_are_on_screen_on_load(new_page, site, screen, lang, scheme):
    viewport, scale = SCREENS[screen]
    page = new_page(viewport=viewport, device_scale_factor=scale, color_scheme=scheme)
    page.goto(f"{site}/{lang}/replay")
    for selector in ["button.run-all", "label[for=sequence-recipe]", "label[for=sequence-cli]"]:
        assert in_view(page, selector), selector
    # The diagram starts beside them, its first step on screen (it scrolls in its own box).
    assert in_view(page, "#diagram svg .section")
    for step in (1, 2, 3, 4):
        assert in_view(page, f"#step-index li[data-step='{step}']"), f"step {step}"
    save_screenshot(page, f"stage-{lang}-{screen}-{scheme}-load")
    if lang == "en":
        choose_pace(page, "instant")
        run_all(page)
        page.screenshot(path=str(SCREENSHOTS / f"stage-en-{screen}-{scheme}-run.png"))  # what the room sees


@pytest.mark.parametrize("sequence", ["recipe", "cli"])
def test_one_arrow_per_exchange_after_run_all(new_page, site, sequence):
    page = new_page()
    page.goto(f"{site}/en/replay?sequence={sequence}")
    run_all(page)
    arrows = page.locator("#diagram a[data-exchange]")
    numbers = {int(n) for n in page.locator("details.exchange").evaluate_all(
        "cards => cards.map(card => card.getAttribute('data-exchange'))")}
    assert arrows.count() == len(numbers) == EXCHANGES[sequence]
    assert sorted(int(a.get_attribute("data-exchange")) for a in arrows.all()) == sorted(numbers)
    # The sandbox's base path is said once, above the diagram, never on an arrow.
    prefix = re.search(r"/sandboxes/[0-9a-f]+", page.locator("#docker-host").inner_text()).group(0)
    assert prefix not in page.locator("#diagram svg").evaluate(
        "svg => Array.from(svg.querySelectorAll('text')).map(t => t.textContent).join(' ')")
    # Each arrow leads to its exchange, whose card opens.
    arrows.nth(2).click()
    target = arrows.nth(2).get_attribute("href").lstrip("#")
    expect(page.locator(f"details#{target}")).to_have_attribute("open", "")


def test_every_arrow_opens_its_card_when_the_steps_run_one_at_a_time(new_page, site):
    """Each step's live stream draws the whole diagram again: the arrows of the steps run before it still lead to
    their cards, drawn by those steps' own streams."""
    page = new_page()
    page.goto(f"{site}/en/replay")
    choose_pace(page, "instant")
    for step in (1, 2, 3, 4):
        page.locator(f"#step-{step} button.run-step").click()
        expect(page.locator(f"#step-{step}-status .ok")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator("#diagram a[data-exchange]")).to_have_count(EXCHANGES["recipe"])
    assert page.locator("#diagram a[href]").evaluate_all(
        "arrows => arrows.filter(a => !document.getElementById(a.getAttribute('href').slice(1))).length") == 0
    first = page.locator("#diagram a[data-exchange]").first
    first.click()
    expect(page.locator(f"details#{first.get_attribute('href').lstrip('#')}")).to_have_attribute("open", "")


@pytest.mark.parametrize("sequence", ["recipe", "cli"])
def test_step_by_step_sends_one_exchange_per_space_and_shows_it_first(new_page, site, sequence):
    page = new_page(viewport=SCREENS["1366x768"][0])
    page.goto(f"{site}/en/replay?sequence={sequence}")
    choose_pace(page, "step")
    # No run holds an exchange back yet: Next has nothing to send, and says so by being off.
    expect(page.locator("#pace button.next")).to_be_disabled()
    page.locator("button.run-all").click()
    pending = page.locator("#diagram a.state-pending")
    for press in range(EXCHANGES[sequence]):
        pending.wait_for()
        number = pending.get_attribute("data-exchange")
        # Shown before it is sent: its arrow is pending, its card open with the request marked not sent.
        card = page.locator(f"details.exchange[data-exchange='{number}']").last
        expect(card).to_have_attribute("open", "")
        expect(card.locator(".not-sent")).to_be_visible()
        assert page.locator("#diagram a[data-exchange]:not(.state-pending)").count() == press
        # The diagram's box has scrolled to it, and the box is on screen.
        page.wait_for_function("""() => {
            const box = document.getElementById("diagram"), mark = box.querySelector("a.state-pending");
            const b = box.getBoundingClientRect(), m = mark.getBoundingClientRect();
            return m.top >= b.top && m.bottom <= b.bottom + 1 && b.bottom <= window.innerHeight;
        }""")
        # Run all handed the focus to Next: Space presses it.
        assert page.evaluate("document.activeElement.classList.contains('next')")
        page.keyboard.press("Space")
        expect(page.locator(f"#diagram a[data-exchange='{number}']")).not_to_have_class(re.compile("state-pending"))
        # Exactly one went: the next one (if any) waits, drawn as pending.
        page.wait_for_timeout(150)
        assert page.locator("#diagram a[data-exchange]:not(.state-pending)").count() == press + 1
    page.locator("#live .run-finished").wait_for()
    assert page.locator("#diagram a[data-exchange]").count() == EXCHANGES[sequence]
    expect(page.locator("#pace button.next")).to_be_disabled()
    save_screenshot(page, f"stage-step-by-step-{sequence}")


def test_the_diagram_from_the_keyboard_alone(new_page, site):
    page = new_page()
    page.goto(f"{site}/en/replay")
    choose_pace(page, "instant")
    run_all(page)
    page.locator("body").focus()
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id === 'diagram'"):
            break
    # Tab lands on the diagram's box (it scrolls); ↓ from there, as the hint says, goes to the first arrow.
    page.keyboard.press("ArrowDown")
    focused = lambda: page.evaluate("document.activeElement.getAttribute('data-exchange')")  # noqa: E731
    assert focused() == "1"
    name = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert name.startswith("1. HEAD /_ping 200 OK") and "Exchange 1: HEAD /_ping, answered 200 OK." in name
    page.keyboard.press("ArrowDown")
    assert focused() == "2"
    page.keyboard.press("End")
    assert focused() == str(EXCHANGES["recipe"])
    page.keyboard.press("ArrowUp")
    assert focused() == str(EXCHANGES["recipe"] - 1)
    page.keyboard.press("Home")
    assert focused() == "1"
    page.keyboard.press("ArrowDown")
    href = page.evaluate("document.activeElement.getAttribute('href')")
    page.keyboard.press("Enter")
    expect(page.locator(f"details{href}")).to_have_attribute("open", "")
    assert page.evaluate("location.hash") == href
    # Tab leaves the diagram after its last arrow instead of trapping focus.
    page.keyboard.press("Shift+Tab")
    page.locator(f"#diagram a[data-exchange='{EXCHANGES['recipe']}']").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('svg.sequence-diagram') === null")


def axe_violations(page: Page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ["violations"]});
        return r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(" "))}));
    }""")
    return [v for v in result if v["impact"] in ("serious", "critical")]


PAGES = ["/", "/replay", "/replay?sequence=cli", "/trace", "/lab/config", "/lab/host", "/lessons/", "/no-such-page"]
LESSONS = ["three-actors", "client-config", "format-templates", "daemon-sockets", "engine-api", "curl-options",
           "pull-endpoint", "container-endpoints", "cli-on-the-wire", "misconceptions"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_axe_finds_nothing_serious_on_any_page(new_page, site, scheme, lang):
    page = new_page(color_scheme=scheme, bypass_csp=True)
    found = {}
    for path in PAGES + [f"/lessons/{slug}" for slug in LESSONS]:
        page.goto(f"{site}/{lang}{path}")
        if violations := axe_violations(page):
            found[path] = violations
    # The stage with a run on it, and the trace page with an imported file and with a refused one.
    page.goto(f"{site}/{lang}/replay")
    choose_pace(page, "instant")
    run_all(page)
    page.locator("button[data-fold=open]").click()
    found["/replay after a run"] = axe_violations(page)
    har = page.request.get(f"{site}/{lang}/replay/export.har").body()
    page.goto(f"{site}/{lang}/trace")
    page.locator("#har-file").set_input_files(files=[{"name": "run.har", "mimeType": "application/json",
                                                      "buffer": har}])
    page.locator("form.har-import button[type=submit]").click()
    page.locator("#har-diagram-svg").wait_for()
    found["/trace with a file"] = axe_violations(page)
    page.locator("#har-file").set_input_files(files=[{"name": "bad.har", "mimeType": "text/plain", "buffer": b"x"}])
    page.locator("form.har-import button[type=submit]").click()
    page.locator("#har-error").wait_for()
    found["/trace with an error"] = axe_violations(page)
    found = {path: v for path, v in found.items() if v}
    assert not found, json.dumps(found, indent=1)


def test_a_trace_read_from_a_file_opens_at_its_first_arrow(new_page, site):
    """A live run's diagram follows its newest arrow; a file's is whole from the start, and is read from the top."""
    page = new_page()
    page.goto(f"{site}/en/replay")
    choose_pace(page, "instant")
    run_all(page)
    har = json.loads(page.request.get(f"{site}/en/replay/export.har").body())
    har["log"]["entries"] *= 8  # more arrows than the diagram's box shows at once
    page.goto(f"{site}/en/trace")
    page.locator("#har-file").set_input_files(files=[{"name": "long.har", "mimeType": "application/json",
                                                      "buffer": json.dumps(har).encode()}])
    page.locator("form.har-import button[type=submit]").click()
    page.locator("#har-diagram-svg").wait_for()
    page.wait_for_timeout(300)  # past the moment a followed diagram would have scrolled
    box = page.evaluate("(() => { const b = document.getElementById('diagram');"
                        " return [b.scrollTop, b.scrollHeight, b.clientHeight]; })()")
    assert box[1] > box[2] and box[0] == 0


def test_a_paused_run_says_paused_rather_than_running(new_page, site):
    """Paused, the run's line under the steps said "Running…" with its spinner turning, under the note that it
    waits: it says "Paused" until resumed."""
    page = new_page(viewport=SCREENS["1366x768"][0])
    page.goto(f"{site}/en/replay")
    choose_pace(page, "step")  # the run waits for Next: it cannot end before the pause
    page.locator("button.run-all").click()
    expect(page.locator("#live .run-going")).to_be_visible()
    expect(page.locator("#live .run-paused")).to_be_hidden()
    page.locator("#pace button.pause").click()
    expect(page.locator("#pace .paused-note")).to_be_visible()
    expect(page.locator("#live .run-paused")).to_have_text("Paused")
    expect(page.locator("#live .run-going")).to_be_hidden()
    expect(page.locator("#live .spinner")).to_be_hidden()
    expect(page.locator("#step-1-status")).to_have_text("Paused", use_inner_text=True)  # the step it holds too
    page.locator("#pace button.pause").click()  # Resume
    expect(page.locator("#live .run-going")).to_be_visible()
    expect(page.locator("#live .run-paused")).to_be_hidden()
