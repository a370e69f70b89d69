"""A class in a real Chromium: one teacher and three students, each in their own browser context (their own
cookies, their own sandbox), on the site served as `python app.py` serves it.

Joining by code, following the teacher within a second, exploring and coming back, the teacher's view
updating, a pushed question answered by all three, the class ended."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser_support import (
    PHONE,
    assert_no_horizontal_overflow,
    launch_browser,
    page_factory,
    save_screenshot,
    serve,
)
from tests.test_browser_csp import _REPORT_VIOLATIONS, Watched

pytestmark = pytest.mark.browser

FOLLOW_MS = 1000


@pytest.fixture
def pages() -> Iterator:
    """Pages in their own contexts, each watched for Content-Security-Policy violations and script errors."""
    with serve(threads=32) as url, launch_browser() as browser, page_factory(browser, 10_000) as make_page:
        watched: list[Watched] = []

        def make(**options) -> Page:
            page = make_page(**options)
            page.context.add_init_script(_REPORT_VIOLATIONS)
            watched.append(Watched(page))
            return page

        yield url, make
        assert [v for w in watched for v in w.violations] == []
        assert [e for w in watched for e in w.errors] == []


def follows_within_a_second(students: list[Page], step: int, started: float) -> None:
    for student in students:
        left = FOLLOW_MS - (time.monotonic() - started) * 1000
        student.locator(f'.step[data-step="{step}"][aria-current="step"]').wait_for(timeout=max(left, 1))
    assert (time.monotonic() - started) * 1000 <= FOLLOW_MS


def roster_row(teacher: Page, number: int):
    return teacher.locator(f'#class-roster tr[data-student="{number}"]')


def start_class(teacher: Page, url: str, title: str) -> str:
    """The teacher creates a class; its join code."""
    teacher.goto(f"{url}/en/class/new")
    teacher.fill("#class-title", title)
    teacher.get_by_role("button", name="Create the class").click()
    code = teacher.locator("[data-join-code]").get_attribute("data-join-code")
    assert code and len(code) == 6
    expect(teacher.locator("h1")).to_have_text(title)
    return code


def a_class_with_ada(make, url: str, title: str, **student_options) -> tuple[Page, Page, str]:
    """A teacher's new class and one student in it, Ada; the teacher's page, hers, and the class's code."""
    teacher = make()
    code = start_class(teacher, url, title)
    student = make(**student_options)
    join(student, url, code, "Ada")
    return teacher, student, code


def position_posts(teacher: Page) -> list[str]:
    """The bodies of the teacher's position posts, as they leave, from now on."""
    sent: list[str] = []
    teacher.on("request", lambda r: sent.append(r.post_data or "") if r.url.endswith("/position") else None)
    return sent


def join(student: Page, url: str, code: str, name: str) -> None:
    student.goto(f"{url}/en/join")
    student.fill("#join-code", code.lower())
    student.get_by_role("button", name="Continue").click()
    student.fill("#student-name", name)
    student.get_by_role("button", name="Join").click()
    expect(student.locator(".follow-status")).to_contain_text("You follow the teacher")


def test_a_teacher_and_three_students(pages) -> None:
    url, make = pages
    teacher = make()
    code = start_class(teacher, url, "Docker <101>")
    secret = next(c["value"] for c in teacher.context.cookies() if c["name"] == f"hellotrace_class_{code}")

    students = []
    for name in ("Ada", "<b>Bob</b>", "Chloé"):
        student = make(viewport=PHONE) if name == "Chloé" else make()
        join(student, url, code, name)
        assert secret not in student.content()
        students.append(student)
    expect(teacher.locator("#class-roster h2")).to_have_text("The class (3)")
    expect(roster_row(teacher, 3)).to_contain_text("Student 3")
    hosts = {s.locator("#docker-host").inner_text() for s in students}
    assert len(hosts) == 3, "each student has their own sandbox"

    # The teacher moves with the keyboard; every follower shows the same step within a second. Nothing of the
    # replay has the focus (a click beside it, as after a reload): → goes on from where the class is, step 1.
    teacher.locator("body").click(position={"x": 5, "y": 5})
    started = time.monotonic()
    teacher.keyboard.press("ArrowRight")
    follows_within_a_second(students, 2, started)
    save_screenshot(teacher, "class-presenter")
    save_screenshot(students[0], "class-follower")
    save_screenshot(students[2], "class-follower-phone")
    assert_no_horizontal_overflow(students[2])

    # One student explores and runs a step on their own sandbox; the others keep following.
    ada = students[0]
    ada.get_by_role("button", name="Explore on my own").click()
    expect(ada.locator(".follow-status")).to_contain_text("explore on your own")
    expect(roster_row(teacher, 1)).to_contain_text("exploring")
    ada.locator("#step-1 button.run-step").click()
    ada.locator("#step-1-status .ok").wait_for()
    expect(roster_row(teacher, 1)).to_contain_text("step 1 · run once")
    started = time.monotonic()
    teacher.keyboard.press("Space")
    follows_within_a_second(students[1:], 3, started)
    assert ada.locator('.step[data-step="3"][aria-current="step"]').count() == 0
    ada.get_by_role("button", name="Back to the teacher").click()
    ada.locator('.step[data-step="3"][aria-current="step"]').wait_for(timeout=FOLLOW_MS)
    expect(roster_row(teacher, 1)).to_contain_text("following")

    # The teacher pushes a question; all three answer; the teacher sees the answers arrive.
    teacher.select_option("#push-target", "engine-api/q1")
    teacher.get_by_role("button", name="Send now").click()
    # The phone loads its page again before answering: the question is what it shows, not the teacher's step.
    phone = students[2]
    expect(phone.locator("#pushed .question")).to_be_visible()
    phone.reload()
    phone.wait_for_timeout(700)  # its live events connected and said where the class is
    expect(phone.locator("#pushed .question")).to_be_in_viewport()
    for student, choice in zip(students, ("1", "1", "0"), strict=True):
        question = student.locator("#pushed .question")
        question.locator(f'input[value="{choice}"]').check()
        question.get_by_role("button").click()
        expect(question.locator(".quiz-verdict")).to_be_visible()
    expect(teacher.locator('[data-question="engine-api/q1"]')).to_contain_text("67% right the first time (2 of 3)")
    teacher.locator("#class-roster summary").click()  # each student's row: not projected until opened
    teacher.get_by_role("button", name="Show names").click()
    expect(roster_row(teacher, 2).locator("th")).to_have_text("<b>Bob</b>")
    save_screenshot(teacher, "class-teacher-view")

    # F twice, quickly: following goes off and on again, on the teacher's button as for the class.
    teacher.locator("body").click(position={"x": 5, "y": 5})
    teacher.keyboard.press("f")
    teacher.keyboard.press("f")
    expect(teacher.locator("button.follow-toggle")).to_have_attribute("aria-pressed", "true")
    started = time.monotonic()
    teacher.keyboard.press("ArrowRight")
    follows_within_a_second(students, 4, started)
    teacher.reload()
    expect(teacher.locator("button.follow-toggle")).to_have_attribute("aria-pressed", "true")

    # The class ends: every student is told, their follow buttons go, and nobody can join any more.
    teacher.once("dialog", lambda dialog: dialog.accept())
    teacher.get_by_role("button", name="End the class").click()
    expect(teacher.locator(".class-panel .flash")).to_contain_text("This class has ended")
    # No dead end: the way on is a new class.
    expect(teacher.locator(".class-panel .flash a")).to_have_attribute("href", "/en/class/new")
    for student in students:
        expect(student.locator(".follow-status")).to_contain_text("The class has ended")
        expect(student.locator(".follow-buttons")).to_be_hidden()
        expect(student.locator("#pushed .question")).to_have_count(0)  # it asked for now
    # On the phone, the notice's box sits below the line above it (inline, its padding was painted over that line).
    above = students[2].locator(".class-panel.student p").first.bounding_box()
    notice = students[2].locator(".follow-status").bounding_box()
    assert notice["y"] >= above["y"] + above["height"] - 1, (above, notice)
    students[0].reload()
    expect(students[0].locator("#pushed .pushed")).to_have_count(0)
    expect(roster_row(teacher, 1).locator("td").first).to_have_text("—")
    late = make()
    late.goto(f"{url}/en/join/{code}")
    expect(late.locator("[role=alert]")).to_contain_text("This class has ended")


def test_quick_moves_leave_the_class_on_the_teachers_last_place(pages) -> None:
    """Two position posts in flight could be served in either order, and the class would stay a step behind
    the teacher's screen: the presenter sends one at a time, and of the places chosen meanwhile only the last."""
    url, make = pages
    teacher, student, _ = a_class_with_ada(make, url, "Quick hands")
    sent = position_posts(teacher)
    held = []  # the first position post, held unanswered; the later ones go through
    teacher.route("**/position", lambda route: route.continue_() if held else held.append(route))
    teacher.locator("body").click(position={"x": 5, "y": 5})
    teacher.keyboard.press("ArrowRight")  # step 2: its post is held, as a slow server would
    expect(teacher.locator('.step[data-step="2"][aria-current="step"]')).to_be_visible()
    teacher.keyboard.press("ArrowRight")
    teacher.keyboard.press("ArrowRight")  # step 4, while step 2's post has no answer yet
    expect(teacher.locator('.step[data-step="4"][aria-current="step"]')).to_be_visible()
    teacher.wait_for_timeout(300)
    assert len(held) == 1 and len(sent) == 1, "nothing more is sent while a position post is in flight"

    held[0].continue_()
    student.locator('.step[data-step="4"][aria-current="step"]').wait_for(timeout=5000)
    assert len(sent) == 2 and 'name="step"\r\n\r\n4' in sent[1], "then only the latest place, step 4"


def test_reset_and_pause_keep_each_page_on_its_own_place(pages) -> None:
    """The teacher's reset (R) leaves the class where it is, and their screen shows that place; a student whom
    the teacher stops leading goes back to the step of their own latest run, not the one their page opened on."""
    url, make = pages
    teacher, student, _ = a_class_with_ada(make, url, "Places")

    teacher.locator("body").click(position={"x": 5, "y": 5})
    teacher.keyboard.press("ArrowRight")
    student.locator('.step[data-step="2"][aria-current="step"]').wait_for()
    teacher.keyboard.press("r")
    teacher.wait_for_timeout(500)
    expect(teacher.locator('.step[data-step="2"][aria-current="step"]')).to_be_visible()
    expect(student.locator('.step[data-step="2"][aria-current="step"]')).to_be_visible()

    student.get_by_role("button", name="Explore on my own").click()
    student.locator("#step-3 button.run-step").click()
    student.locator("#step-3-status .ok").wait_for()
    student.get_by_role("button", name="Back to the teacher").click()
    student.locator('.step[data-step="2"][aria-current="step"]').wait_for()
    teacher.keyboard.press("f")
    expect(student.locator(".follow-status")).to_contain_text("paused following")
    expect(student.locator('.step[data-step="3"][aria-current="step"]')).to_be_visible()
    # Nothing to leave while following is paused; offered again once the teacher resumes it.
    expect(student.get_by_role("button", name="Explore on my own")).to_be_hidden()
    teacher.keyboard.press("f")
    expect(student.get_by_role("button", name="Explore on my own")).to_be_visible()


def test_space_sends_the_next_exchange_of_a_step_by_step_run_on_the_presenter(pages) -> None:
    """On the presenter as on the replay page, Space presses Next while a run goes step by step, wherever the
    focus is outside buttons and fields; so does → ("next exchange"): it moved the class ahead of the run, and the
    students read of steps nothing had sent yet. Once the run is over, → moves the class again."""
    url, make = pages
    teacher = make()
    start_class(teacher, url, "One at a time")
    teacher.locator("#pace input[value=step]").check()
    expect(teacher.locator("#pace")).to_have_attribute("data-pace", "step")
    teacher.locator("button.run-all").click()
    pending = teacher.locator("#diagram a.state-pending")
    pending.wait_for()
    first = pending.get_attribute("data-exchange")
    teacher.locator("body").click(position={"x": 5, "y": 5})
    teacher.keyboard.press("Space")
    expect(teacher.locator(f"#diagram a[data-exchange='{first}']")).not_to_have_class(re.compile("state-pending"))
    expect(pending).to_have_count(1)
    second = pending.get_attribute("data-exchange")
    assert second != first
    teacher.keyboard.press("ArrowRight")
    expect(teacher.locator(f"#diagram a[data-exchange='{second}']")).not_to_have_class(re.compile("state-pending"))
    teacher.locator("#pace input[value=instant]").check()  # the rest at once
    teacher.locator("#live .run-finished").wait_for()
    teacher.locator("body").click(position={"x": 5, "y": 5})
    here = "(() => { const mark = document.querySelector('.exchange.class-here'); return mark && mark.id; })()"
    before = teacher.evaluate(here)
    teacher.keyboard.press("ArrowRight")  # no run waits: the class moves on, to the next exchange
    expect(teacher.locator(".exchange.class-here")).to_have_count(1)
    teacher.wait_for_function(f"{here} !== {json.dumps(before)}")


def test_the_teacher_opens_and_closes_a_card_by_its_heading(pages) -> None:
    """A click on a card's heading moves the class there and opens the card; a second closes it. The presenter
    opened the card it was moved to, and the click's own toggle closed it again at once: it never opened."""
    url, make = pages
    teacher = make()
    start_class(teacher, url, "Cards")
    teacher.locator("button.run-all").click()
    teacher.locator("#step-4-status .ok").wait_for()
    card = teacher.locator("#step-2 .exchange").nth(1)
    card.locator("summary").first.click()
    expect(card).to_have_attribute("open", "")
    expect(card).to_have_class(re.compile("class-here"))
    card.locator("summary").first.click()
    expect(card).not_to_have_attribute("open", "")


def test_a_student_on_a_phone_keeps_the_class_panel_above_the_teachers_step(pages) -> None:
    """Brought to the teacher's step a screen further down, a phone still shows whether it follows and the button
    to stop: the panel stays at the top and the step lands just below it, not under it; so does a pushed
    question, which is not inside the panel."""
    url, make = pages
    teacher, student, _ = a_class_with_ada(make, url, "Phones", viewport=PHONE)

    teacher.locator("body").click(position={"x": 5, "y": 5})
    teacher.keyboard.press("ArrowRight")
    student.locator('.step[data-step="2"][aria-current="step"]').wait_for()
    student.wait_for_timeout(300)
    assert student.evaluate("window.scrollY") > 0, "the student's page was brought down to step 2"

    panel = student.locator(".class-panel.student").bounding_box()
    step = student.locator('.step[data-step="2"]').bounding_box()
    assert panel and step
    assert panel["y"] >= 0 and panel["y"] + panel["height"] <= PHONE["height"] / 3, panel
    assert panel["y"] + panel["height"] <= step["y"] <= panel["y"] + panel["height"] + 40, (panel, step)
    expect(student.get_by_role("button", name="Explore on my own")).to_be_in_viewport()
    expect(student.locator(".follow-status")).to_contain_text("The teacher is on step 2: run it here")
    assert_no_horizontal_overflow(student)
    save_screenshot(student, "class-student-phone-following")


def test_the_teachers_second_tab_follows_the_first(pages) -> None:
    """A teacher drives from a laptop while the projector shows a second presenter tab: the projector moves with
    the laptop, follow turned off and the end of the class show there too, and the laptop does not jump back on
    its own news."""
    url, make = pages
    laptop = make()
    code = start_class(laptop, url, "Two screens")
    projector = laptop.context.new_page()
    projector.goto(f"{url}/en/class/{code}/present")
    expect(projector.locator('.step[data-step="1"][aria-current="step"]')).to_be_visible()
    projector.wait_for_timeout(300)  # its live events connected

    laptop.locator("body").click(position={"x": 5, "y": 5})
    laptop.keyboard.press("ArrowRight")
    laptop.keyboard.press("ArrowRight")
    projector.locator('.step[data-step="3"][aria-current="step"]').wait_for(timeout=FOLLOW_MS)
    laptop.wait_for_timeout(300)
    expect(laptop.locator('.step[data-step="3"][aria-current="step"]')).to_be_visible()

    laptop.keyboard.press("f")
    expect(projector.locator("button.follow-toggle")).to_have_attribute("aria-pressed", "false")
    expect(laptop.locator("button.follow-toggle")).to_have_attribute("aria-pressed", "false")

    laptop.once("dialog", lambda dialog: dialog.accept())
    laptop.get_by_role("button", name="End the class").click()
    expect(projector.locator(".class-panel .flash")).to_contain_text("This class has ended")
    # Reloaded at its top, where the room sees the notice, not at step 3 where it was scrolled.
    expect(projector.locator(".class-panel .flash")).to_be_in_viewport()


def test_the_teachers_run_leads_the_class_from_step_to_step(pages) -> None:
    """Run all on the presenter takes the class through the steps as they start, not only where the teacher's
    keys point; each student is told the step is theirs to run, and its button stands out."""
    url, make = pages
    teacher, student, _ = a_class_with_ada(make, url, "Run all")
    steps_started = position_posts(teacher)
    teacher.get_by_role("button", name="Run all").click()
    student.locator('.step[data-step="4"][aria-current="step"]').wait_for(timeout=20_000)
    expect(student.locator(".follow-status")).to_contain_text("The teacher is on step 4: run it here")
    background = "button => getComputedStyle(button).backgroundColor"
    accent = student.locator('.step[data-step="4"] button.run-step').evaluate(background)
    assert accent != student.locator('.step[data-step="3"] button.run-step').evaluate(background)
    assert 'name="step"\r\n\r\n4' in steps_started[-1]


def test_once_a_student_ran_the_teachers_step_the_cue_says_so(pages) -> None:
    """The cue kept saying "The teacher is on step 2: run it here" after the student had run it."""
    url, make = pages
    teacher, student, _ = a_class_with_ada(make, url, "Cue", viewport=PHONE)
    teacher.locator("body").click(position={"x": 5, "y": 5})
    started = time.monotonic()
    teacher.keyboard.press("ArrowRight")
    teacher.keyboard.press("ArrowRight")
    follows_within_a_second([student], 3, started)
    expect(student.locator(".follow-status")).to_contain_text("The teacher is on step 3: run it here")
    student.locator('.step[data-step="3"] button.run-step').click()  # steps 1 and 2 run first
    expect(student.locator("#step-3-status")).to_have_text("Done", timeout=20_000)
    expect(student.locator(".follow-status")).to_contain_text("The teacher is on step 3, which you have run")


def test_a_run_from_the_teachers_own_replay_page_does_not_lead_the_class(pages) -> None:
    """The teacher left a step-by-step run of step 1 waiting in their own replay tab, then loaded the presenter
    again: it showed that run (the same replay) and took the whole class from step 3 back to step 1. Only runs a
    presenter starts lead the class now; one started there after the reload still does."""
    url, make = pages
    teacher, student, _ = a_class_with_ada(make, url, "Own replay")
    teacher.locator("body").click(position={"x": 5, "y": 5})
    started = time.monotonic()
    teacher.keyboard.press("ArrowRight")
    teacher.keyboard.press("ArrowRight")
    follows_within_a_second([student], 3, started)

    own = teacher.context.new_page()
    own.goto(f"{url}/en/replay")
    own.locator("#pace input[value=step]").check()
    expect(own.locator("#pace")).to_have_attribute("data-pace", "step")
    own.locator('button.run-step[value="1"]').click()
    expect(own.locator("#pace button.next")).to_be_enabled()  # the run waits for Next
    teacher.reload()
    expect(teacher.locator("#live .live-run")).to_be_visible()  # the presenter shows that run
    teacher.wait_for_timeout(1000)
    expect(student.locator('.step[data-step="3"][aria-current="step"]')).to_be_visible()
    own.locator("#pace input[value=instant]").check()  # the waiting run goes on at once, and ends
    expect(own.locator("#step-1-status")).to_have_text("Done", timeout=10_000)
    own.close()

    teacher.get_by_role("button", name="Run all").click()
    student.locator('.step[data-step="4"][aria-current="step"]').wait_for(timeout=20_000)


@pytest.mark.parametrize("pace", ["instant", "normal"])
def test_the_projector_tab_shows_the_laptops_runs(pages, pace) -> None:
    """Two presenter tabs of one browser share the teacher's replay: a run started in one appears in the other,
    which ends where the run took the class (reloaded once the run is over, or while it goes on)."""
    url, make = pages
    laptop = make()
    code = start_class(laptop, url, "Two screens, one run")
    projector = laptop.context.new_page()
    projector.goto(f"{url}/en/class/{code}/present")
    projector.wait_for_timeout(300)
    projector.locator("#step-1").scroll_into_view_if_needed()
    laptop.locator(f"#pace input[value={pace}]").check()
    laptop.get_by_role("button", name="Run all").click()
    for step in (1, 2, 3, 4):
        expect(projector.locator(f"#step-{step}-status .ok")).to_be_visible(timeout=15_000)
    # Reloaded to join the run, it shows where the run took the class, not where it was scrolled before.
    expect(projector.locator('.step[data-step="4"][aria-current="step"]')).to_be_in_viewport(timeout=FOLLOW_MS)
    # Read from the back of the room: the exchanges' code near the size of the text, the diagram the full width.
    sizes = projector.evaluate("""() => ({
        text: parseFloat(getComputedStyle(document.querySelector('.replay')).fontSize),
        code: parseFloat(getComputedStyle(document.querySelector('#step-3 .exchange pre')).fontSize),
        diagram: document.getElementById('diagram').clientWidth,
        stage: document.querySelector('.stage').clientWidth})""")
    assert sizes["code"] >= 0.85 * sizes["text"] and sizes["diagram"] >= 0.95 * sizes["stage"], sizes


def test_after_a_mouse_click_the_keys_lead_the_class_and_press_nothing_again(pages) -> None:
    """A teacher who clicked Run step 1 and then presses Space goes on to the next place; the step is not run
    a second time; R and F work as well."""
    url, make = pages
    teacher, _, _ = a_class_with_ada(make, url, "Mouse and keys")
    teacher.locator("#pace input[value=instant]").check()
    runs: list[str] = []
    teacher.on("request", lambda r: runs.append(r.post_data or "") if r.url.endswith("/replay/run") else None)
    moves = position_posts(teacher)
    teacher.locator("#step-1 button.run-step").click()
    teacher.locator("#step-1-status .ok").wait_for()
    expect(teacher.locator("#step-2-status .ok")).to_have_count(0)  # the step clicked, no other
    teacher.keyboard.press("Space")
    expect(teacher.locator('.step[data-step="1"] .exchange.class-here')).to_be_visible()  # its first exchange
    teacher.wait_for_timeout(300)
    assert moves and 'name="exchange"\r\n\r\n0' in moves[-1], moves
    teacher.keyboard.press("f")
    expect(teacher.locator("button.follow-toggle")).to_have_attribute("aria-pressed", "false")
    teacher.wait_for_timeout(300)
    assert len(runs) == 1, runs


def test_a_pushed_question_is_confirmed_in_place(pages) -> None:
    url, make = pages
    teacher, student, _ = a_class_with_ada(make, url, "Push")
    teacher.evaluate("window.scrollTo(0, 400)")
    teacher.select_option("#push-target", "engine-api/q1")
    teacher.get_by_role("button", name="Send now").click()
    expect(teacher.locator(".push-sent")).to_contain_text("Sent to everyone:")
    assert teacher.locator("#push-target").input_value() == "engine-api/q1"  # not a reloaded page
    expect(student.locator("#pushed .question")).to_be_visible()

    # A choice not sent yet outlives the reload the teacher's new sequence brings to the student's page.
    student.locator("#pushed .question input[type=radio]").nth(1).check()
    chosen = student.locator("#pushed .question input[type=radio]:checked").get_attribute("value")
    teacher.locator("#sequence-cli").check()
    expect(student.locator("#sequence-cli")).to_be_checked(timeout=3000)
    expect(student.locator("#pushed .question input[type=radio]:checked")).to_have_attribute("value", chosen)


def test_the_class_follows_the_teachers_sequence(pages) -> None:
    """The teacher chose the docker CLI's sequence on the presenter: following students and the projector tab
    switch to it within a second or two and still follow the steps; a student exploring on their own does not; one
    who joins later starts on it, and the teacher's view still counts them."""
    url, make = pages
    teacher, ada, code = a_class_with_ada(make, url, "Two sequences")
    bob = make()
    join(bob, url, code, "Bob")
    bob.get_by_role("button", name="Explore on my own").click()
    expect(roster_row(teacher, 2)).to_contain_text("exploring")
    projector = teacher.context.new_page()
    projector.goto(f"{url}/en/class/{code}/present")
    projector.wait_for_timeout(300)  # its live events connected
    replay_tab = teacher.context.new_page()  # the teacher's own replay, opened before the switch
    replay_tab.goto(f"{url}/en/replay")

    teacher.locator("details.roster-details > summary").click()  # the teacher looks at the students' table
    teacher.locator("#sequence-cli").check()
    expect(teacher.locator("#sequence-cli")).to_be_checked()
    # Reloaded for the switch, the teacher's tab keeps that table open; the projector's comes closed, as on any load.
    expect(teacher.locator("details.roster-details")).to_have_attribute("open", "")
    for page in (ada, projector):
        expect(page.locator("#sequence-cli")).to_be_checked(timeout=3000)
        expect(page.locator(".step-text").first).to_have_text(teacher.locator(".step-text").first.inner_text())
    bob.wait_for_timeout(500)
    expect(bob.locator("#sequence-recipe")).to_be_checked()

    teacher.locator("body").click(position={"x": 5, "y": 5})
    started = time.monotonic()
    teacher.keyboard.press("ArrowRight")
    follows_within_a_second([ada], 2, started)
    late = make()
    join(late, url, code, "Chloé")
    expect(late.locator("#sequence-cli")).to_be_checked()
    expect(roster_row(teacher, 3)).to_contain_text("Student 3")

    # A step run from the replay tab drawn before the switch keeps the class's sequence, and the tab shows it.
    expect(replay_tab.locator("#sequence-recipe")).to_be_checked()
    replay_tab.locator('button.run-step[value="3"]').click()
    expect(replay_tab.locator("#sequence-cli")).to_be_checked()
    expect(replay_tab.locator("#step-3-status")).to_have_text("Done")
    teacher.reload()
    expect(teacher.locator("#sequence-cli")).to_be_checked()


def test_the_projector_shows_the_replay_first_and_no_students_score(pages) -> None:
    """At 1920×1080 the presenter showed the join box, the controls and the roster first, the diagram 1,500 px
    down, and each named student's score. The join box is large while the class joins and folds into its line
    once the teacher starts; the replay then fills the first screen (at 1366×768 too); the students' table opens
    on demand and stays open through the live refreshes, not after a reload."""
    url, make = pages
    screen = {"width": 1920, "height": 1080}
    teacher = make(viewport=screen)
    code = start_class(teacher, url, "Projected")
    join_box = teacher.locator("details.join-box")
    expect(teacher.locator(".join-large .qr")).to_be_in_viewport()
    ada = make()
    join(ada, url, code, "Ada")
    expect(teacher.locator("#class-roster h2")).to_have_text("The class (1)")
    # Someone reached the class: the warning that the room may not (the site is on loopback here) folds, live.
    expect(teacher.locator("details.room-reach")).not_to_have_attribute("open", "")

    teacher.locator("body").click(position={"x": 5, "y": 5})
    teacher.keyboard.press("ArrowRight")
    expect(join_box).not_to_have_attribute("open", "")
    expect(teacher.locator(".join-line")).to_contain_text(code)
    top = "selector => document.querySelector(selector).getBoundingClientRect().top + window.scrollY"
    for viewport in (screen, {"width": 1366, "height": 768}):
        teacher.set_viewport_size(viewport)
        teacher.reload()
        expect(join_box).not_to_have_attribute("open", "")  # students joined: folded from the start
        assert teacher.evaluate(top, ".stage") < viewport["height"] * 0.6, viewport
        # The controls a teacher drives the class with, whole on the first screen (the menu to send a question
        # on one line, the sequences without their summaries).
        teacher.evaluate("window.scrollTo(0, 0)")  # the reload brought the class's place into view
        for control in ("button.run-all", "#pace", "#step-index", ".push-form"):
            expect(teacher.locator(control)).to_be_in_viewport(ratio=1)
    assert teacher.evaluate(top, "#diagram") < screen["height"] - 200, "the diagram starts on the first screen"

    expect(teacher.locator(".roster-table")).to_be_hidden()
    teacher.locator("#class-roster summary").click()
    expect(roster_row(teacher, 1)).to_be_visible()
    ada.get_by_role("button", name="Explore on my own").click()
    expect(roster_row(teacher, 1)).to_contain_text("exploring")
    expect(roster_row(teacher, 1)).to_be_visible()
    teacher.locator("details.join-box > summary").click()
    expect(teacher.locator(".join-large .qr")).to_be_visible()


def test_the_roster_s_refresh_leaves_the_teacher_s_focus_where_it_is(pages) -> None:
    """The quiet roster is fetched every 2 s: its form's CSRF token, signed anew each time, made every fetch a
    change, so the table was drawn again under the teacher's keyboard (the focus fell to the page, a click missed).
    Now an unchanged roster is left alone, and a changed one keeps the focus on the same control."""
    url, make = pages
    teacher, ada, _ = a_class_with_ada(make, url, "Focus")
    expect(teacher.locator("details.roster-details > summary")).to_contain_text("The class (1)")
    teacher.locator("details.roster-details > summary").click()
    toggle = teacher.locator("button.names-toggle")
    toggle.focus()
    toggle.evaluate("button => { button.dataset.kept = 'yes'; }")
    teacher.wait_for_timeout(4500)  # two idle refreshes
    assert teacher.evaluate("document.activeElement.dataset.kept") == "yes", "the same button, still focused"

    ada.locator("#step-1 button.run-step").click()
    expect(roster_row(teacher, 1)).to_contain_text("step 1")
    assert teacher.evaluate("document.activeElement.className") == "names-toggle"
    expect(teacher.locator("details.roster-details")).to_have_attribute("open", "")


def test_a_student_s_tabs_agree_on_following_or_exploring(pages) -> None:
    """A student with two tabs chose to explore in one; the other still said they followed, and moved with the
    teacher. Each tab now shows the choice made in any of them."""
    url, make = pages
    _, ada, code = a_class_with_ada(make, url, "Two tabs")
    other = ada.context.new_page()
    other.goto(f"{url}/en/class/{code}")
    expect(other.locator(".follow-status")).to_contain_text("You follow the teacher")
    other.wait_for_timeout(300)  # its live events connected
    ada.get_by_role("button", name="Explore on my own").click()
    expect(other.locator(".follow-status")).to_contain_text("You explore on your own")
    expect(other.get_by_role("button", name="Back to the teacher")).to_be_visible()
    other.get_by_role("button", name="Back to the teacher").click()
    expect(ada.locator(".follow-status")).to_contain_text("You follow the teacher")
    expect(ada.get_by_role("button", name="Explore on my own")).to_be_visible()
