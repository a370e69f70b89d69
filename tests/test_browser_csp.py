"""Every page in a real Chromium under the site's Content-Security-Policy (issue 9, item 7): nothing is blocked.

Chromium reports each blocked inline script, handler or style on the console, and fires
`securitypolicyviolation`; both are collected for every page of both languages, and while the pages' htmx parts
work (the replay's live stream, the lab, a quiz answer, Try it), each of those requests carrying its CSRF token.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from hellotrace.web.security_headers import HEADERS
from tests.browser_support import browser_fixture, page_factory, serve  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser

TIMEOUT_MS = 20_000
# Chromium's console line for a blocked resource, and what the init script below logs for each violation.
_VIOLATION_MARKS = ("Content Security Policy", "securitypolicyviolation")
_REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error("securitypolicyviolation: " + event.violatedDirective + " " + event.blockedURI + " "
                + event.sourceFile + ":" + event.lineNumber);
});
"""


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    with serve(pull_pace=0.02) as url:
        yield url


class Watched:
    """A page whose console is kept, violations and script errors apart."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.violations: list[str] = []
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _console(self, message) -> None:
        if any(mark in message.text for mark in _VIOLATION_MARKS):
            self.violations.append(f"{self.page.url}: {message.text}")

    def open(self, url: str) -> None:
        response = self.page.goto(url)
        assert response is not None
        for name, value in HEADERS.items():
            assert response.headers.get(name.lower()) == value, (url, name)


@pytest.fixture
def watched(browser: Browser) -> Iterator[Watched]:
    with page_factory(browser, TIMEOUT_MS) as make:
        page = make()
        page.context.add_init_script(_REPORT_VIOLATIONS)
        watched = Watched(page)
        yield watched
        assert watched.violations == []
        assert watched.errors == []


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_page_loads_under_the_policy(site: str, watched: Watched, lang: str) -> None:
    page = watched.page
    watched.open(f"{site}/{lang}/lessons/")
    lessons = sorted({href for href in page.eval_on_selector_all(
        f"main a[href^='/{lang}/lessons/']", "links => links.map(a => a.getAttribute('href'))")
        if href.rstrip("/") != f"/{lang}/lessons"})
    assert len(lessons) >= 10
    pages = [f"/{lang}/", f"/{lang}/replay", f"/{lang}/replay?sequence=cli", f"/{lang}/lab/config",
             f"/{lang}/lab/host?address=tcp%3A%2F%2F%3A7777", f"/{lang}/no-such-page", *lessons]
    for path in pages:
        watched.open(site + path)
        page.wait_for_load_state("load")
    assert watched.violations == []


def test_the_live_replay_and_every_form_work_under_the_policy(site: str, watched: Watched) -> None:
    page = watched.page
    watched.open(f"{site}/en/replay")
    page.locator("button.run-all").click()
    for step in (1, 2, 3, 4):
        page.locator(f"#step-{step}-status .ok").wait_for()
    expect(page.locator("#step-4 pre.terminal")).to_contain_text("Hello from")

    watched.open(f"{site}/en/lab/config")
    page.locator("#config-editor").fill('{"psFormat": "{{.Names}}"}')
    expect(page.locator("#setting-format")).to_contain_text("{{.Names}}")
    page.locator("button.send-ps").click()
    page.locator("#lab-send .exchange").first.wait_for()

    watched.open(f"{site}/en/lessons/engine-api")
    question = page.locator(".quiz .question").first
    question.locator("input[name=answer]").first.check()
    question.get_by_role("button").click()
    expect(question.locator(".quiz-result")).not_to_be_empty()
    trial = page.locator(".try").first
    trial.locator("button[type=submit]").click()
    trial.locator(".try-result .exchange").first.wait_for()


def test_an_expired_form_is_explained_in_place(site: str, watched: Watched) -> None:
    page = watched.page
    watched.open(f"{site}/fr/replay")
    # The token of this page no longer matches the session (a page left open across a restart, say).
    page.evaluate("""() => {
        document.body.setAttribute("hx-headers", JSON.stringify({"X-CSRFToken": "stale"}));
        document.querySelectorAll("input[name=csrf_token]").forEach((input) => { input.value = "stale"; });
    }""")
    page.locator("button.run-all").click()
    expect(page.locator("#content")).to_contain_text("Ce formulaire a expiré")
