"""The course in a real browser: a quiz answered wrong then right (hint, second try, explanation, all in
place), the cheat sheet printed on one A4 page in each language, lessons printed without controls and
without clipped lines, and the figures, glossary and challenges pages on a phone."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.browser_support import (
    PHONE,
    assert_no_horizontal_overflow,
    browser_fixture,  # noqa: F401 (a fixture)
    new_page_fixture,  # noqa: F401 (a fixture)
    save_screenshot,
    serve,
)

TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    with serve() as url:
        yield url


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_wrong_answer_gives_a_hint_then_a_second_try(site: str, new_page, lang: str) -> None:
    page = new_page()
    page.goto(f"{site}/{lang}/lessons/engine-api#quiz")
    question = page.locator("#quiz-q1")
    question.locator('input[value="0"]').check()
    question.get_by_role("button").click()
    result = page.locator("#quiz-q1-result")
    expect(result.locator(".quiz-hint")).to_be_visible()
    expect(result.locator(".quiz-verdict.retry")).to_be_visible()
    question.locator('input[value="1"]').check()
    question.get_by_role("button").click()
    expect(result.locator(".quiz-verdict.right")).to_be_visible()
    assert page.url.endswith("#quiz")  # answered in place, no page load


def test_a_questions_number_is_on_its_own_line_not_beside_its_first_choice(site: str, new_page) -> None:
    page = new_page()
    page.goto(f"{site}/en/lessons/engine-api#quiz")
    numbers = page.evaluate("""[...document.querySelectorAll('.question legend')].map(legend => {
        const choice = legend.parentElement.querySelector('.choice, .short-answer');
        return [getComputedStyle(legend, '::before').content,
                legend.getBoundingClientRect().top < choice.getBoundingClientRect().top,
                getComputedStyle(legend.closest('li')).listStyleType];
    })""")
    assert numbers and all(content.startswith("counter(question)") and above and marker == "none"
                           for content, above, marker in numbers)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_cheat_sheet_prints_on_one_a4_page(site: str, new_page, lang: str) -> None:
    page = new_page()
    page.goto(f"{site}/{lang}/cheatsheet")
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1


@pytest.mark.parametrize("path", ["/fr/lessons/cli-on-the-wire", "/en/replay", "/en/glossary"])
def test_printed_pages_have_no_controls_and_no_clipped_lines(site: str, new_page, path: str) -> None:
    page = new_page(viewport={"width": 718, "height": 1000})
    page.goto(site + path)
    page.emulate_media(media="print")
    for selector in ("button", ".site-header", "form button"):
        visible = [e for e in page.locator(selector).all() if e.is_visible()]
        assert visible == [], f"{selector} printed on {path}"
    clipped = page.evaluate("""[...document.querySelectorAll('pre, code, table')]
        .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1).length""")
    assert clipped == 0
    save_screenshot(page, f"print{path.replace('/', '-')}")


@pytest.mark.parametrize("path", ["/fr/lessons/three-actors", "/en/lessons/daemon-sockets", "/en/challenges",
                                  "/fr/glossary", "/en/teacher"])
def test_course_pages_fit_a_phone(site: str, new_page, path: str) -> None:
    page = new_page(viewport=PHONE)
    page.goto(site + path)
    assert_no_horizontal_overflow(page)
    save_screenshot(page, f"phone{path.replace('/', '-')}")
