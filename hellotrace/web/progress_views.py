"""The reader's progress page: their resume code, and the form that continues someone's progress here."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from hellotrace.classroom import progress
from hellotrace.classroom.codes import grouped
from hellotrace.messages import N_
from hellotrace.storage.database import db
from hellotrace.web.learners import become, current_learner, reader_token
from hellotrace.web.lessons_views import library
from hellotrace.web.render import echoed

bp = Blueprint("progress", __name__, url_prefix="/<lang>/progress")


def _page(error: str | None = None, typed: str = "", status: int = 200):
    reader_token()  # on a browser's first page, the token its learner will have once it comes back
    learner = current_learner()  # none yet then: no code to show
    lang = request.view_args["lang"]
    done = progress.lesson_progress(db.session, learner, lang) if learner is not None else {}
    return render_template("progress/page.html", error=error, typed=typed, lessons=library().lessons(lang),
                           resume_code=grouped(learner.resume_code) if learner is not None else None, progress=done,
                           steps=sorted(progress.steps_run(db.session, learner)) if learner is not None else []), status


@bp.get("")
def page(lang: str):
    return _page()


@bp.post("")
def resume(lang: str):
    typed = request.form.get("code", "")
    if not typed.strip():
        return _page(N_("Type the resume code shown on your other device (10 characters)."), "", 400)
    learner = progress.learner_by_resume_code(db.session, typed)
    if learner is None:
        return _page(N_("No progress has this resume code. Check it (10 characters, no 0, O, 1 or I) and type it "
                        "again."), echoed(typed, 40), 404)
    carried = become(learner)
    return redirect(url_for("progress.page", lang=lang, resumed="added" if carried else "1"), code=303)
