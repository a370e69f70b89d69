"""The course around the lessons: the teacher's guide, the glossary and the cheat sheet, in each language."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from hellotrace.web.lessons_views import library

bp = Blueprint("course", __name__, url_prefix="/<lang>")


def _page(lang: str, name: str) -> str:
    page = library().course_page(lang, name)
    if page is None:
        abort(404)
    return render_template("course/page.html", page=page)


@bp.get("/teacher")
def teacher(lang: str) -> str:
    return _page(lang, "teacher")


@bp.get("/cheatsheet")
def cheatsheet(lang: str) -> str:
    return _page(lang, "cheatsheet")


@bp.get("/glossary")
def glossary(lang: str) -> str:
    """Every term, and the lessons that use it (each link lands on the lesson that uses it first)."""
    terms = library().glossary(lang)
    if terms is None:
        abort(404)
    used: dict[str, list] = {}
    for lesson in library().lessons(lang):
        for term_id in lesson.terms:
            used.setdefault(term_id, []).append(lesson)
    return render_template("course/glossary.html", glossary=terms, used=used)
