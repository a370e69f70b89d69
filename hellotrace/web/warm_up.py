"""What the first visitors of a fresh site process would otherwise pay, paid before they arrive.

Built on first use, the lessons (Markdown and Pygments, both languages), the templates and the database's
mappers cost a first visitor about a quarter of a second, eight times a warm visit. In a class that opens the
page together on a process just started (the site, or a node the group started again), every request waits
behind that work, and Jinja compiles a template in each thread that asks for it before the first is done
(bench/scale_bench.py --workers 2, 200 students: page p95 4.1–4.7 s with one node cold, 1.2 s with both warm).
"""

from __future__ import annotations

import logging

from flask import Flask
from sqlalchemy.orm import configure_mappers

from hellotrace.course import COURSE_PAGES, CoursePageError
from hellotrace.lessons import LessonError, LessonLibrary

logger = logging.getLogger(__name__)


def warm_up(app: Flask) -> None:
    """Load every lesson and course page, compile every template, configure the mappers. A broken lesson or
    course file is logged and left for its page to report, as it would be without the warm-up."""
    library: LessonLibrary = app.extensions["hellotrace.lessons"]
    for lang in library.languages:
        try:
            library.lessons(lang)
            for name in COURSE_PAGES:
                library.course_page(lang, name)
        except (LessonError, CoursePageError):
            logger.exception("a lesson or course file is invalid")
    for name in app.jinja_env.list_templates():
        app.jinja_env.get_template(name)
    configure_mappers()
