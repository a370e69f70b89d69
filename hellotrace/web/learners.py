"""Who the reader is, for their progress: an anonymous learner whose token lives in a long-lived cookie.

The learner is created the first time something is worth keeping (a lesson read, a step run, an answer);
a resume code (on the progress page) puts the same token in another browser."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask, Response, current_app, g, request
from sqlalchemy import select

from hellotrace.classroom import live, progress
from hellotrace.classroom.step_runs import StepRunWriter
from hellotrace.storage.database import db
from hellotrace.storage.models import Classroom, Learner, Student

COOKIE = "hellotrace_learner"
COOKIE_SECONDS = 2 * 365 * 24 * 3600
_STEP_RUNS = "hellotrace.step_runs"


def current_learner(create: bool = True) -> Learner | None:
    """The reader's learner (created when `create` and they have none yet)."""
    if "learner" not in g or (g.learner is None and create):
        learner = progress.learner_by_token(db.session, request.cookies.get(COOKIE))
        if learner is None and create:
            learner = progress.new_learner(db.session)
            g.learner_cookie = learner.token
        g.learner = learner
    return g.learner


def become(learner: Learner) -> None:
    """From now on this browser is `learner` (a resume code was given)."""
    g.learner = learner
    g.learner_cookie = learner.token


def progress_changed(learner_id: int) -> None:
    """Tell the teacher's view of every class the learner is in that their line changed."""
    class_ids = db.session.scalars(
        select(Student.class_id).join(Classroom).where(Student.learner_id == learner_id,
                                                       Classroom.ended_at.is_(None))
    )
    fanout = current_app.extensions["hellotrace.fanout"]
    for class_id in class_ids:
        live.roster_changed(fanout, class_id)


def record_steps_run(learner_id: int, steps: Iterable[int]) -> None:
    """The learner ran these steps: in the database when this returns, their classes' rosters told (see
    StepRunWriter: the runs of a class clicking at once share one transaction)."""
    writer = current_app.extensions.get(_STEP_RUNS)
    if writer is None:
        fanout = current_app.extensions["hellotrace.fanout"]

        def tell(class_ids: Iterable[int]) -> None:
            for class_id in class_ids:
                live.roster_changed(fanout, class_id)

        writer = current_app.extensions.setdefault(_STEP_RUNS, StepRunWriter(db.engine, tell))
    # The request's own transaction ends first and its connection goes back to the pool: the writer takes one
    # from the same pool while this request waits, and a class of waiting requests would otherwise hold them all.
    db.session.commit()
    writer.record(learner_id, steps)


def install_learner_cookie(app: Flask) -> None:
    @app.after_request
    def set_learner_cookie(response: Response) -> Response:
        token = g.get("learner_cookie")
        if token:
            response.set_cookie(COOKIE, token, max_age=COOKIE_SECONDS, httponly=True, samesite="Lax",
                                secure=request.is_secure)
        return response
