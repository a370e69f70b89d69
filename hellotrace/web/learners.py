"""Who the reader is, for their progress: an anonymous learner whose token lives in a long-lived cookie.

The learner is created the first time something is worth keeping (a lesson read, a step run, an answer), but not
by a browser's first request: a client without cookies (a script) would make one row per request, for ever. A
first page only puts in the session the token the learner will have (their quiz choices are shuffled by it) and
the lessons read; the learner is made with that token once the browser comes back with its session (any page or
form), and those reads are then written. A resume code (on the progress page) puts the same token in another
browser."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from flask import Flask, Response, current_app, g, request, session
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from hellotrace.classroom import live, progress
from hellotrace.classroom.step_runs import StepRunWriter
from hellotrace.storage.database import db
from hellotrace.storage.models import Classroom, Learner, Student

COOKIE = "hellotrace_learner"
COOKIE_SECONDS = 2 * 365 * 24 * 3600
_STEP_RUNS = "hellotrace.step_runs"
_LEARNER_IDS = "hellotrace.learner_ids"
_LEARNER_IDS_KEPT = 50_000  # tokens remembered before starting over (a few MB)
# In the session until the learner is made: the token they will have, and the lessons they read ("lang/slug").
_TOKEN_TO_BE = "learner_to_be"
# In the session once the learner is made, beside their cookie: a client that keeps its session but drops that
# cookie (a script) is still the same learner, rather than a new row with each form it sends.
_TOKEN = "learner"
_READS_TO_BE = "lessons_read"
_READS_TO_BE_KEPT = 20


def current_learner(create: bool = True) -> Learner | None:
    """The reader's learner: created when `create` and they have none yet, except by a page asked for without the
    session an earlier answer gave (None then; see the module's docstring). A form (POST) always has one."""
    if "learner" not in g or (g.learner is None and create):
        learner = progress.learner_by_token(db.session, _learner_token())
        if learner is None and create and _may_create():
            learner = _new_learner()
        g.learner = learner
    return g.learner


def _learner_token() -> str | None:
    """The learner this browser says it is: its cookie, or else its session's."""
    token = request.cookies.get(COOKIE) or session.get(_TOKEN)
    return token if isinstance(token, str) else None


def _may_create() -> bool:
    """A form, which the site only takes with a session; or a page asked for with the token an earlier answer put
    in the (signed) session: the same session asked again gives the same learner, not a new row each time."""
    if request.method not in ("GET", "HEAD"):
        return True
    return isinstance(session.get(_TOKEN_TO_BE), str) and not g.get("learner_token_made")


def _new_learner() -> Learner:
    token = session.pop(_TOKEN_TO_BE, None)
    token = token if isinstance(token, str) and token.isalnum() and len(token) <= 64 else None
    learner = progress.learner_by_token(db.session, token) if token else None  # a session sent again
    if learner is None:
        learner = progress.new_learner(db.session, token)
    _remember(learner)
    _record_reads_to_be(learner)
    return learner


def _record_reads_to_be(learner: Learner) -> bool:
    """The lessons the session read before it had a learner, now `learner`'s; True if there were any."""
    reads = session.pop(_READS_TO_BE, None)
    reads = reads if isinstance(reads, list) else []
    for read in reads:
        lang, _, slug = str(read).partition("/")
        progress.record_lesson_read(db.session, learner, lang, slug)
    return bool(reads)


def _token_to_be() -> str:
    token = session.get(_TOKEN_TO_BE)
    if not isinstance(token, str):
        token = session[_TOKEN_TO_BE] = secrets.token_hex(16)
        g.learner_token_made = True  # made now: not yet a browser that came back with it
    return token


def reader_token() -> str:
    """What the reader's own order of quiz choices comes from: their learner's token, or the one their learner
    will have (the same order before and after)."""
    learner = current_learner()
    return learner.token if learner is not None else _token_to_be()


def record_lesson_read(lang: str, slug: str) -> None:
    """The reader opened a lesson: kept with their learner, or in their session until their learner is made."""
    learner = current_learner()
    if learner is not None:
        progress.record_lesson_read(db.session, learner, lang, slug)
        return
    _token_to_be()
    reads = session.get(_READS_TO_BE)
    reads = reads if isinstance(reads, list) else []
    read = f"{lang}/{slug}"
    if read not in reads and len(reads) < _READS_TO_BE_KEPT:
        session[_READS_TO_BE] = [*reads, read]


def become(learner: Learner) -> bool:
    """From now on this browser is `learner` (a resume code was given), with what it had done so far added to
    their progress rather than left behind; True if there was any."""
    device = current_learner(create=False)
    carried = device is not None and progress.carry_progress(db.session, device, learner)
    carried = _record_reads_to_be(learner) or carried
    g.learner = learner
    _remember(learner)
    session.pop(_TOKEN_TO_BE, None)
    if carried:
        progress_changed(learner.id)  # the rosters of their classes count what was added
    return carried


def _remember(learner: Learner) -> None:
    """This browser is `learner`: its cookie says so from this answer on, and its session too."""
    g.learner_cookie = learner.token
    session[_TOKEN] = learner.token


def progress_changed(learner_id: int) -> None:
    """Tell the teacher's view of every class the learner is in that their line changed."""
    class_ids = db.session.scalars(
        select(Student.class_id).join(Classroom).where(Student.learner_id == learner_id,
                                                       Classroom.ended_at.is_(None))
    )
    fanout = current_app.extensions["hellotrace.fanout"]
    for class_id in class_ids:
        live.roster_changed(fanout, class_id)


def forget_learner_ids(app: Flask) -> None:
    """Forget the learner ids this process remembered (record_steps_run): once its visitors left, each would
    keep memory of the class it was learnt in."""
    app.extensions.pop(_LEARNER_IDS, None)


def record_steps_run(steps: Iterable[int]) -> None:
    """The reader's learner (made on their first step) ran these steps: in the database when this returns, their
    classes' rosters told (see StepRunWriter: the runs of a class clicking at once share one transaction).

    A learner's token never changes and the site deletes no learner, so this process remembers the id behind
    each token it has looked up: a student's later steps need no query to know who ran them. Should a learner
    have been deleted from the database all the same, the write is refused, forgotten, and done again for the
    new learner the browser then gets."""
    known = current_app.extensions.setdefault(_LEARNER_IDS, {})
    token = _learner_token()
    learner_id = known.get(token) if token and "learner" not in g else None
    if learner_id is None:
        learner = current_learner()
        learner_id, token = learner.id, learner.token
        if len(known) >= _LEARNER_IDS_KEPT:
            known.clear()
        known[token] = learner_id
    try:
        _write_step_runs(learner_id, steps)
    except IntegrityError:
        known.pop(token, None)
        g.pop("learner", None)
        learner = current_learner()  # the token is unknown now: a new learner, whose cookie the answer sets
        known[learner.token] = learner.id
        _write_step_runs(learner.id, steps)


def _write_step_runs(learner_id: int, steps: Iterable[int]) -> None:
    # The request's own transaction ends first and its connection goes back to the pool: the writer takes one
    # from the same pool while this request waits, and a class of waiting requests would otherwise hold them all.
    db.session.commit()
    _step_run_writer().record(learner_id, steps)


def _step_run_writer() -> StepRunWriter:
    writer = current_app.extensions.get(_STEP_RUNS)
    if writer is None:
        fanout = current_app.extensions["hellotrace.fanout"]

        def tell(class_ids: Iterable[int]) -> None:
            for class_id in class_ids:
                live.roster_changed(fanout, class_id)

        writer = current_app.extensions.setdefault(_STEP_RUNS, StepRunWriter(db.engine, tell))
    return writer


def install_learner_cookie(app: Flask) -> None:
    @app.after_request
    def set_learner_cookie(response: Response) -> Response:
        token = g.get("learner_cookie")
        if token:
            response.set_cookie(COOKIE, token, max_age=COOKIE_SECONDS, httponly=True, samesite="Lax",
                                secure=request.is_secure)
        return response
