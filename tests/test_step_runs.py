"""Steps run are written by group commit: together, all of them, and a bad one fails only its own request."""

from __future__ import annotations

import re
import threading
import time

from sqlalchemy import event, select

from hellotrace.classroom import classes, progress
from hellotrace.classroom.step_runs import StepRunWriter
from hellotrace.storage.database import db
from hellotrace.storage.models import StepRun


class HeldRoster:
    """roster_changed that records what it is told and can hold the writer, so that runs queue up meanwhile."""

    def __init__(self) -> None:
        self.told: list[list[int]] = []
        self.release = threading.Event()
        self.release.set()
        self.holding = threading.Event()

    def __call__(self, class_ids) -> None:
        self.told.append(list(class_ids))
        self.holding.set()
        self.release.wait(10)


def record_in_threads(writer: StepRunWriter, runs: list[tuple[int, list[int]]]) -> list[BaseException | None]:
    outcomes: list[BaseException | None] = [None] * len(runs)

    def run(index: int) -> None:
        try:
            writer.record(*runs[index])
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test looks at
            outcomes[index] = exc

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(runs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def steps_of(session, learner_id: int) -> list[int]:
    return sorted(session.scalars(select(StepRun.step).where(StepRun.learner_id == learner_id)))


def test_runs_that_arrive_together_share_a_commit_and_each_roster_is_told_once(session):
    classroom, _ = classes.create_class(session, None, capacity=30)
    ended, _ = classes.create_class(session, None, capacity=30)
    learners = [progress.new_learner(session) for _ in range(12)]
    classes.join(session, classroom, learners[0], "Ada", "v1")
    classes.join(session, classroom, learners[1], "Bob", "v2")
    classes.join(session, ended, learners[2], "Cy", "v3")
    classes.end(session, ended)
    ids = [learner.id for learner in learners]
    session.commit()
    roster = HeldRoster()
    writer = StepRunWriter(db.engine, roster)
    roster.release.clear()
    first = threading.Thread(target=writer.record, args=(ids[0], [1]))
    first.start()
    assert roster.holding.wait(10)  # the writer is busy telling the first run's class
    commits: list[int] = []

    def count(_connection) -> None:
        commits.append(1)

    event.listen(db.engine, "commit", count)
    try:
        waiting = threading.Thread(target=record_in_threads,
                                   args=(writer, [(learner_id, [1, 2, 3, 4]) for learner_id in ids]))
        waiting.start()
        waiting.join(0.5)
        roster.release.set()  # twelve requests are queued meanwhile: they go in one transaction
        waiting.join(20)
        first.join(20)
    finally:
        event.remove(db.engine, "commit", count)
    assert len(commits) <= 2
    assert steps_of(session, ids[0]) == [1, 1, 2, 3, 4]
    assert all(steps_of(session, learner_id) == [1, 2, 3, 4] for learner_id in ids[1:])
    assert roster.told[0] == [classroom.id]
    assert all(told == [classroom.id] for told in roster.told)  # once per batch, not the ended class


def test_a_bad_run_fails_its_own_request_only(session):
    good = [progress.new_learner(session).id for _ in range(5)]
    session.commit()
    roster = HeldRoster()
    writer = StepRunWriter(db.engine, roster)
    roster.release.clear()
    outcomes: list[BaseException | None] = []
    classroom, _ = classes.create_class(session, None, capacity=30)
    learner = progress.new_learner(session)
    classes.join(session, classroom, learner, "Ada", "v1")
    first = threading.Thread(target=writer.record, args=(learner.id, [1]))
    first.start()
    assert roster.holding.wait(10)
    runs = [(learner_id, [2]) for learner_id in good] + [(10**9, [2])]  # no such learner: the foreign key refuses
    waiting = threading.Thread(target=lambda: outcomes.extend(record_in_threads(writer, runs)))
    waiting.start()
    waiting.join(0.5)
    roster.release.set()
    waiting.join(20)
    first.join(20)
    assert outcomes[:5] == [None] * 5 and outcomes[5] is not None
    assert all(steps_of(session, learner_id) == [2] for learner_id in good)
    assert steps_of(session, 10**9) == []


def test_the_writer_stops_when_idle_and_starts_again(session, monkeypatch):
    monkeypatch.setattr("hellotrace.classroom.step_runs.IDLE_SECONDS", 0.05)
    learner_id = progress.new_learner(session).id
    writer = StepRunWriter(db.engine, lambda class_ids: None)
    writer.record(learner_id, [1])
    for _ in range(100):
        if not writer._running:
            break
        threading.Event().wait(0.02)
    assert not writer._running  # its thread ended
    writer.record(learner_id, [2])
    assert steps_of(session, learner_id) == [1, 2]


def test_a_lone_click_is_written_at_once_and_so_are_one_students_fast_clicks(session, monkeypatch):
    monkeypatch.setattr("hellotrace.classroom.step_runs.GATHER_SECONDS", 5.0)
    monkeypatch.setattr("hellotrace.classroom.step_runs.QUIET_SECONDS", 5.0)
    monkeypatch.setattr("hellotrace.classroom.step_runs.LATE_SECONDS", 5.0)  # however slow the machine
    learner_id = progress.new_learner(session).id
    session.commit()
    writer = StepRunWriter(db.engine, lambda class_ids: None)
    began = time.monotonic()
    for step in (1, 2, 3, 4):
        writer.record(learner_id, [step])  # nobody else's rows: no wait for company
    assert time.monotonic() - began < 2.5
    assert steps_of(session, learner_id) == [1, 2, 3, 4]


def test_in_a_crowd_the_clicks_that_follow_share_a_transaction(session, monkeypatch):
    monkeypatch.setattr("hellotrace.classroom.step_runs.GATHER_SECONDS", 0.3)
    monkeypatch.setattr("hellotrace.classroom.step_runs.QUIET_SECONDS", 0.3)
    # Every core busy: each row has waited for the writer long enough to count as a crowd's (however fast the
    # machine).
    monkeypatch.setattr("hellotrace.classroom.step_runs.LATE_SECONDS", 0.0)
    learner_ids = [progress.new_learner(session).id for _ in range(3)]
    session.commit()
    writer = StepRunWriter(db.engine, lambda class_ids: None)
    commits: list[int] = []

    def count(_connection) -> None:
        commits.append(1)

    event.listen(db.engine, "commit", count)
    try:
        threads = []
        for learner_id in learner_ids:  # clicks a few milliseconds apart
            threads.append(threading.Thread(target=writer.record, args=(learner_id, [1])))
            threads[-1].start()
            time.sleep(0.01)
        for thread in threads:
            thread.join(10)
    finally:
        event.remove(db.engine, "commit", count)
    assert len(commits) == 1
    assert all(steps_of(session, learner_id) == [1] for learner_id in learner_ids)


def test_a_gathering_writer_stops_once_the_clicks_stop(session, monkeypatch):
    """In a crowd, a click whose company does not come waits QUIET_SECONDS at most, not GATHER_SECONDS."""
    monkeypatch.setattr("hellotrace.classroom.step_runs.GATHER_SECONDS", 30.0)
    monkeypatch.setattr("hellotrace.classroom.step_runs.QUIET_SECONDS", 0.1)
    monkeypatch.setattr("hellotrace.classroom.step_runs.LATE_SECONDS", 0.0)
    learner_id = progress.new_learner(session).id
    session.commit()
    writer = StepRunWriter(db.engine, lambda class_ids: None)
    began = time.monotonic()
    writer.record(learner_id, [1])  # counted as a crowd's: it gathers, and nothing comes
    assert time.monotonic() - began < 5.0
    assert steps_of(session, learner_id) == [1]


def run_step(client, step: int) -> None:
    answer = client.post("/en/replay/run", data={"step": str(step)}, headers={"HX-Request": "true"})
    assert answer.status_code == 200
    run_id = re.search(r'data-run="([^"]+)"', answer.get_data(as_text=True)).group(1)
    client.get(f"/en/replay/runs/{run_id}/events").get_data()  # to its end


def test_a_students_steps_are_recorded_without_looking_them_up_each_time(client):
    client.get("/en/replay")
    run_step(client, 1)
    token = client.get_cookie("hellotrace_learner").value
    statements: list[str] = []

    def count(_connection, _cursor, statement, *_rest) -> None:
        statements.append(statement)

    with client.application.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            run_step(client, 2)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert not [statement for statement in statements if "FROM learners" in statement]
        learner = progress.learner_by_token(db.session, token)
        assert progress.steps_run(db.session, learner) == {1, 2}


def test_a_learner_deleted_meanwhile_gets_a_new_one_and_loses_no_step(client):
    client.get("/en/replay")
    run_step(client, 1)
    token = client.get_cookie("hellotrace_learner").value
    with client.application.app_context():
        db.session.delete(progress.learner_by_token(db.session, token))  # an operator's clean-up
        db.session.commit()
    run_step(client, 2)
    renewed = client.get_cookie("hellotrace_learner").value
    assert renewed != token
    with client.application.app_context():
        assert progress.steps_run(db.session, progress.learner_by_token(db.session, renewed)) == {2}
        assert progress.learner_by_token(db.session, token) is None
