"""Requests without cookies (a script's, or a browser's first) keep nothing that grows: no learner, no lesson read,
no visitor that could push out the visitors of a class. What a reader does on their first page is kept all the
same once their browser comes back with its session."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from hellotrace.storage.database import db
from hellotrace.storage.models import Learner, LessonRead, StepRun
from tests.conftest import site_app

LESSON = "/en/lessons/three-actors"


@pytest.fixture
def app(mock_engine, tmp_path):
    return site_app(mock_engine, INSTANCE=str(tmp_path))


def rows(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def choices(html: str) -> list[str]:
    return re.findall(r'name="answer" value="(\d+)"', html)


def test_pages_asked_for_without_cookies_keep_no_learner_and_no_read(app):
    for _ in range(30):
        answer = app.test_client().get(LESSON)
        assert answer.status_code == 200 and "hellotrace_learner=" not in str(answer.headers)
    assert app.test_client().get("/en/progress").status_code == 200
    assert rows(app, Learner) == rows(app, LessonRead) == 0


def test_a_session_sent_again_without_its_learner_cookie_makes_one_learner(app):
    first = app.test_client()
    first.get(LESSON)
    session = first.get_cookie("session").value
    for _ in range(5):
        again = app.test_client()
        again.set_cookie("session", session)  # the same first answer's cookie, the learner's never kept
        assert again.get("/en/lessons/engine-api").status_code == 200
    assert rows(app, Learner) == 1
    assert rows(app, LessonRead) == 2  # the first page's read, written with the learner, and the next lesson


def test_forms_sent_with_the_session_but_without_the_learner_cookie_make_one_learner(app):
    """A client that keeps its session (the forms' CSRF token lives there) but drops the learner's cookie, as a
    script may: each form it sends is the same learner's, not a new row."""
    script = app.test_client()
    script.get("/en/replay")
    for step in ("1", "2", "3"):
        script.delete_cookie("hellotrace_learner")
        assert script.post("/en/replay/run", data={"step": step}).status_code == 303
        assert script.post(f"{LESSON}/quiz/q1", data={"answer": "0"}, headers={"HX-Request": "true"}).status_code == 200
    assert rows(app, Learner) == 1
    assert rows(app, StepRun) == 3


def test_a_first_lesson_read_then_its_quiz_answered_shows_as_read_in_the_same_order(app):
    reader = app.test_client()
    order = choices(reader.get(LESSON).get_data(as_text=True))
    assert rows(app, Learner) == 0
    reader.post(f"{LESSON}/quiz/q1", data={"answer": "0"}, headers={"HX-Request": "true"})
    assert rows(app, Learner) == 1 and reader.get_cookie("hellotrace_learner") is not None
    index = reader.get("/en/lessons/").get_data(as_text=True)
    assert "opened · 0 of" in index  # the lesson of the first page is read
    assert choices(reader.get(LESSON).get_data(as_text=True)) == order  # the learner's order is the one shown


def test_a_reader_back_with_their_session_gets_their_learner_and_their_reads(app):
    reader = app.test_client()
    reader.get(LESSON)
    page = reader.get("/en/progress").get_data(as_text=True)  # back: the learner is made, the read written
    assert re.search(r"data-resume-code>[A-Z0-9-]{10,}<", page) and 'class="lesson-progress read"' in page
    assert rows(app, Learner) == 1 and rows(app, LessonRead) == 1
    newcomer = app.test_client()
    assert "data-resume-code>—<" in newcomer.get("/en/progress").get_data(as_text=True)  # a first page: no code
    assert re.search(r"data-resume-code>[A-Z0-9-]{10,}<", newcomer.get("/en/progress").get_data(as_text=True))
    assert rows(app, Learner) == 2


def test_requests_without_cookies_do_not_push_out_the_visitors_of_a_class(app):
    pool = app.extensions["hellotrace.visitors"]
    pool.max_visitors, pool.max_new_visitors = 3, 5
    alice, bob = app.test_client(), app.test_client()
    alice.get("/en/replay")
    alice.post("/en/replay/run", data={"step": "1"})  # a visitor who ran a step
    bob.get("/en/replay")
    bob.get("/en/replay")  # a visitor back, who ran nothing yet
    for _ in range(30):
        assert app.test_client().get(LESSON).status_code == 200
    assert len(pool._new) == 5 and pool.count() == 7
    kept = {visitor.token: visitor for visitor in pool._visitors.values()}
    assert len(kept) == 2 and kept[visitor_of(alice)].replay.last_run is not None
    # The table full, a new visitor back makes room: one who never ran a step goes first, however recent.
    kept[visitor_of(alice)].last_seen -= 100
    for _ in ("carol", "dave"):
        client = app.test_client()
        client.get("/en/replay")
        client.get("/en/replay")
    assert visitor_of(alice) in pool._visitors and visitor_of(bob) not in pool._visitors
    assert len(pool._visitors) == 3


def visitor_of(client) -> str:
    with client.session_transaction() as session:
        return session["visitor"]
