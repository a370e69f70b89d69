"""Classes, students, the teacher's view and learners' progress, on SQLite and PostgreSQL; the live fan-out
in-process and through a real redis-server."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest
from sqlalchemy import event, select

from hellotrace.classroom import classes, live, progress
from hellotrace.classroom.classes import ClassError
from hellotrace.classroom.codes import ALPHABET, grouped, normalize_code
from hellotrace.classroom.fanout import make_fanout
from hellotrace.classroom.step_runs import StepRunWriter
from hellotrace.storage.database import db
from hellotrace.storage.models import Learner


def record_steps(learner_id: int, steps: list[int]) -> None:
    StepRunWriter(db.engine, lambda class_ids: None).record(learner_id, steps)


def test_join_codes_avoid_ambiguous_characters(session):
    codes = {classes.create_class(session, None, capacity=30)[0].code for _ in range(30)}
    assert len(codes) == 30
    for code in codes:
        assert len(code) == 6 and set(code) <= set(ALPHABET)
        assert not set(code) & set("0O1I")
    code = next(iter(codes))
    assert classes.find_class(session, f" {code.lower()[:3]} {code.lower()[3:]} ").code == code
    assert classes.find_class(session, "AAAAA0") is None
    assert normalize_code("abcde-fghjk", 10) == "ABCDEFGHJK"
    assert grouped("ABCDEFGHJK") == "ABCDE-FGHJK"


def test_teacher_secret_is_kept_as_a_hash(session):
    classroom, secret = classes.create_class(session, "Lab", capacity=30)
    assert secret not in classroom.secret_hash
    assert classes.is_teacher(classroom, secret)
    assert not classes.is_teacher(classroom, secret + "x")
    assert not classes.is_teacher(classroom, None)


@pytest.mark.parametrize(("name", "reason"), [("", "name_empty"), ("   ", "name_empty"), ("x" * 41, "name_too_long"),
                                              ("bell\x07", "name_invalid"), ("A\u200dda", "name_invalid"),
                                              ("Ada\u202e", "name_invalid"), ("Léa \u200d", "name_invalid")])
def test_bad_names_are_refused_and_nothing_is_created(session, name, reason):
    classroom, _ = classes.create_class(session, None, capacity=30)
    learner = progress.new_learner(session)
    with pytest.raises(ClassError) as error:
        classes.join(session, classroom, learner, name, "v")
    assert error.value.reason == reason
    assert classes.class_view(session, classroom) == ([], [])


@pytest.mark.parametrize("name", ["Léa 👩\u200d💻", "Zoë 👍🏽", "Sam ❤\ufe0f\u200d🔥", "Bob 🧑🏾\u200d🚀"])
def test_a_name_with_an_emoji_sequence_is_taken_as_typed(session, name):
    """The zero-width joiner inside an emoji was refused as an "invisible control character"."""
    classroom, _ = classes.create_class(session, None, capacity=30)
    classes.join(session, classroom, progress.new_learner(session), name, "v")
    assert [row.name for row in classes.class_view(session, classroom)[0]] == [name]


def test_a_full_or_ended_class_refuses_newcomers(session):
    classroom, _ = classes.create_class(session, None, capacity=2)
    for name in ("Ada", "Bob"):
        classes.join(session, classroom, progress.new_learner(session), name, "v")
    with pytest.raises(ClassError, match="full"):
        classes.join(session, classroom, progress.new_learner(session), "Cy", "v")
    classes.end(session, classroom)
    with pytest.raises(ClassError, match="ended"):
        classes.join(session, classroom, progress.new_learner(session), "Dee", "v")


def test_a_new_learner_is_known_without_reading_it_back(session):
    statements: list[str] = []

    def count(_connection, _cursor, statement, *_rest) -> None:
        statements.append(statement)

    learner = progress.new_learner(session)
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        token, code, number = learner.token, learner.resume_code, learner.id  # what the first step needs
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert statements == []
    again = session.scalars(select(Learner).where(Learner.id == number).execution_options(populate_existing=True))
    assert again.one() is learner and (learner.token, learner.resume_code) == (token, code)


def test_class_view_counts_what_each_student_did_since_joining(session):
    classroom, _ = classes.create_class(session, None, capacity=30)
    ada, bob = progress.new_learner(session), progress.new_learner(session)
    record_steps(ada.id, [1])  # before joining: not the class's
    classes.join(session, classroom, ada, "Ada", "v1")
    classes.join(session, classroom, bob, "Bob <b>", "v2")
    record_steps(ada.id, [1, 2, 3, 4])
    record_steps(bob.id, [2])
    progress.record_quiz_answer(session, ada, "en", "engine-api", "q1", "1", False)
    progress.record_quiz_answer(session, ada, "en", "engine-api", "q1", "2", True)
    progress.record_quiz_answer(session, bob, "en", "engine-api", "q1", "0", False)
    progress.record_quiz_answer(session, bob, "en", "engine-api", "q2", "1", True)
    progress.record_quiz_answer(session, ada, "fr", "engine-api", "q2", "1", True)  # the same question, in French
    students, questions = classes.class_view(session, classroom)
    # Each student's first answer counts: Ada's right answer came after a wrong one had shown her why.
    assert [(s.name, s.runs, sorted(s.steps), s.answered, s.right) for s in students] == [
        ("Ada", 4, [1, 2, 3, 4], 2, 1), ("Bob <b>", 1, [2], 2, 1)]
    assert [(q.slug, q.question_id, q.answered, q.right, q.share) for q in questions] == [
        ("engine-api", "q1", 2, 0, 0.0), ("engine-api", "q2", 2, 2, 1.0)]


def test_the_question_pushed_to_everyone_is_listed_before_its_first_answer(session):
    """A teacher who just pushed a question sees it in the roster at once, at no answer, and watches it fill."""
    classroom, _ = classes.create_class(session, None, capacity=30)
    ada = progress.new_learner(session)
    classes.join(session, classroom, ada, "Ada", "v1")
    assert classes.class_view(session, classroom)[1] == []
    classes.push(session, classroom, "en", "engine-api", None)  # a lesson page: no question to list
    assert classes.class_view(session, classroom)[1] == []
    classes.push(session, classroom, "en", "engine-api", "q2")
    assert [(q.slug, q.question_id, q.answered) for q in classes.class_view(session, classroom)[1]] == [
        ("engine-api", "q2", 0)]
    progress.record_quiz_answer(session, ada, "en", "engine-api", "q2", "1", True)
    assert [(q.question_id, q.answered, q.right) for q in classes.class_view(session, classroom)[1]] == [("q2", 1, 1)]


def test_progress_per_lesson_and_resume_code(session):
    learner = progress.new_learner(session)
    progress.record_lesson_read(session, learner, "en", "engine-api")
    progress.record_lesson_read(session, learner, "en", "engine-api")
    progress.record_quiz_answer(session, learner, "en", "engine-api", "q1", "2", True)
    progress.record_quiz_answer(session, learner, "en", "engine-api", "q2", "x", False)
    progress.record_quiz_answer(session, learner, "en", "three-actors", "q1", "1", True)
    progress.record_quiz_answer(session, learner, "en", "three-actors", "q1", "<script>", False)  # a later slip
    assert progress.lesson_progress(session, learner, "en") == {
        "engine-api": progress.LessonProgress(True, 2, 1), "three-actors": progress.LessonProgress(False, 1, 1)}
    assert progress.lesson_progress(session, learner, "fr") == {}
    again = progress.learner_by_resume_code(session, grouped(learner.resume_code).lower())
    assert again is not None and again.id == learner.id
    assert progress.learner_by_resume_code(session, "nope") is None


def test_fanout_delivers_in_order_to_every_subscriber(redis_url):
    fanout = make_fanout(redis_url)
    first, second = fanout.subscribe("c1"), fanout.subscribe("c1")
    other = fanout.subscribe("c2")
    try:
        for n in range(5):
            fanout.publish("c1", f"m{n}")
        for subscription in (first, second):
            assert [subscription.get(2.0) for _ in range(5)] == [f"m{n}" for n in range(5)]
        assert other.get(0.2) is None
    finally:
        for subscription in (first, second, other):
            subscription.close()
        fanout.close()


def test_fanout_wakes_a_waiting_subscriber_quickly(redis_url):
    fanout = make_fanout(redis_url)
    subscription = fanout.subscribe("wake")
    received: list[float] = []
    reader = threading.Thread(target=lambda: subscription.get(5.0) and received.append(time.monotonic()))
    reader.start()
    time.sleep(0.2)
    sent = time.monotonic()
    fanout.publish("wake", "now")
    reader.join(5)
    subscription.close()
    fanout.close()
    assert received and received[0] - sent < 0.2


def test_redis_fanout_reaches_subscribers_of_another_process(redis_server):
    """Two fan-outs stand for two site processes: what one publishes, the other's subscribers receive, and a
    channel left by its last subscriber can be subscribed to again."""
    from hellotrace.classroom.fanout import RedisFanOut

    first, second = RedisFanOut(redis_server.url), RedisFanOut(redis_server.url)
    try:
        listener = second.subscribe("class")
        first.publish("class", "hello")
        assert listener.get(2.0) == "hello"
        listener.close()
        again = second.subscribe("class")
        first.publish("class", "again")
        assert again.get(2.0) == "again"
        again.close()
    finally:
        first.close()
        second.close()


def test_the_teachers_tabs_hear_of_moves_and_of_the_end_with_the_tab_that_made_them():
    fanout = make_fanout(None)
    classroom = SimpleNamespace(id=7, sequence="cli", step=3, exchange=None, follow=True, pushed_at=None)
    students, teacher = fanout.subscribe(live.class_channel(7)), fanout.subscribe(live.teacher_channel(7))
    try:
        live.announce(fanout, classroom, "position", by="laptop1")
        live.announce(fanout, classroom, "pushed")
        live.announce(fanout, classroom, "ended")
        assert [live.decode(students.get(1.0))["kind"] for _ in range(3)] == ["position", "pushed", "ended"]
        assert live.decode(teacher.get(1.0)) == {"kind": "position", "sequence": "cli", "step": 3, "exchange": None,
                                                 "follow": True, "by": "laptop1"}
        assert live.decode(teacher.get(1.0)) == {"kind": "ended", "by": ""}
        assert teacher.get(0.2) is None, "a pushed question is the students' news, not the presenter's"
    finally:
        students.close()
        teacher.close()
        fanout.close()
