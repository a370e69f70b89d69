"""The challenges page: open exercises solved in the learner's own terminal, checked against what their
sandbox received (the trace store). Solved challenges are kept with the learner's progress, in the database.

Like the lesson quizzes, each check works twice: with htmx the verdict is swapped into place (and the
solved count with it); without JavaScript the same POST re-renders the page at the challenge.
"""

from __future__ import annotations

import markdown
from flask import Blueprint, abort, redirect, render_template, request, url_for
from markupsafe import Markup

from hellotrace.challenges import CHALLENGES, ChallengeText, Outcome, challenge, load_challenge_texts, record_solved
from hellotrace.classroom.progress import LearnerChallenges
from hellotrace.storage.database import db
from hellotrace.web.learners import current_learner
from hellotrace.web.lessons_views import library
from hellotrace.web.render import echoed
from hellotrace.web.replay_views import current_visitor, htmx
from hellotrace.web.trace_views import channel_for, trace_store

bp = Blueprint("challenges", __name__, url_prefix="/<lang>/challenges")


def _texts(lang: str) -> tuple[ChallengeText, ...]:
    return load_challenge_texts(library().course_file(lang, "challenges.yaml"))


def _page(lang: str, outcome: Outcome | None = None, given: str = "", status: int = 200):
    visitor = current_visitor()
    lessons = {lesson.slug: lesson for lesson in library().lessons(lang)}
    texts = _texts(lang)
    learner = current_learner(create=False)
    solved = LearnerChallenges(db.session).solved(learner.token) if learner is not None else set()
    return render_template(
        "challenges/page.html", texts=texts, needs_answer={c.id: c.needs_answer for c in CHALLENGES},
        tasks={t.id: Markup(markdown.markdown(t.task)) for t in texts}, lessons=lessons,
        solved=solved, solved_count=len(solved), total=len(CHALLENGES), outcome=outcome, given=given,
        traced=channel_for(visitor) is not None, docker_host=visitor.docker_host,
    ), status


@bp.get("")
def page(lang: str):
    return _page(lang)


@bp.get("/<challenge_id>/check")
def back_to_page(lang: str, challenge_id: str):
    """The check's address opened directly: the page, at that challenge."""
    return redirect(url_for("challenges.page", lang=lang, _anchor=f"challenge-{challenge_id[:40]}"), code=303)


@bp.post("/<challenge_id>/check")
def check_one(lang: str, challenge_id: str):
    item = challenge(challenge_id)
    if item is None:
        abort(404)
    visitor = current_visitor()
    given = request.form.get("answer", "")
    learner, store = current_learner(), LearnerChallenges(db.session)
    channel = channel_for(visitor)
    if channel is None:
        outcome = Outcome(item.id, False, reason="untraced")
    else:
        outcome = record_solved(store, learner.token, item, trace_store().exchanges(channel), given)
    if htmx:
        return render_template("challenges/_result.html", outcome=outcome,
                               solved_count=len(store.solved(learner.token)), total=len(CHALLENGES))
    return _page(lang, outcome, echoed(given, 40))
