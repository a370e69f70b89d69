"""The Flask side: one blueprint per concern, registered by the composition root."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from hellotrace.container_quota import ContainerQuota
from hellotrace.docker_host import DaemonAddress
from hellotrace.lessons import LessonLibrary
from hellotrace.messages import N_
from hellotrace.web import diagrams, figures, labels, render
from hellotrace.web.i18n import current_language, gettext_in, install_babel
from hellotrace.web.security_headers import install_security_headers
from hellotrace.web.session_cookie import install_session_cookie
from hellotrace.web.visitor_cookie import install_visitor_cookie, trust_one_proxy
from hellotrace.web.visitors import MAX_VISITORS, Visitors


def init_web(app: Flask, engine: object | None, daemon: DaemonAddress | None) -> None:
    """Blueprints, template helpers and the per-visitor replays."""
    from hellotrace.web import (
        challenges_views,
        class_views,
        course_views,
        lab_views,
        learners,
        lessons_views,
        progress_views,
        replay_views,
        site,
        trace_views,
    )

    per_visitor = app.config["CONTAINERS_PER_VISITOR"]
    # The site-wide total guards a real daemon; with the mock, each sandbox is bounded by the engine, and a class
    # larger than the total would otherwise lose containers between two steps of its replays.
    total = app.config["CONTAINERS_TOTAL"] if daemon is not None else per_visitor * MAX_VISITORS
    quota = ContainerQuota(per_visitor, total)
    app.extensions["hellotrace.visitors"] = Visitors(  # type: ignore[arg-type]
        engine, daemon, quota=quota, pace=app.config["PACE"], node=app.config["NODE"],
        sandbox_url=app.config["SANDBOX_URL"], idle_seconds=app.config["VISITOR_IDLE"],
        quiet_seconds=app.config["VISITOR_QUIET"],
    )
    replay_views.htmx.init_app(app)
    site.install_language_hooks(app)
    install_security_headers(app)
    app.register_blueprint(site.bp)
    app.register_blueprint(replay_views.bp)
    app.register_blueprint(lessons_views.bp)
    app.register_blueprint(lab_views.bp)
    app.register_blueprint(class_views.bp)
    app.register_blueprint(progress_views.bp)
    learners.install_learner_cookie(app)
    install_visitor_cookie(app)
    install_session_cookie(app)
    if app.config["BEHIND_PROXY"]:
        trust_one_proxy(app)
    app.register_blueprint(course_views.bp)
    app.register_blueprint(challenges_views.bp)
    app.register_blueprint(trace_views.bp)
    app.before_request(trace_views.allow_har_uploads)  # ahead of the CSRF check, installed after this
    lessons_root = app.config.get("LESSONS_FOLDER") or Path(app.root_path) / "lessons"
    install_babel(app, lessons_root)
    languages = app.config["LANGUAGES"]
    with app.app_context():
        permalinks = {lang: gettext_in(lang, "Link to this section") for lang in languages}
    app.extensions["hellotrace.lessons"] = LessonLibrary(lessons_root, languages, permalinks)
    # The site's templates are a fixed few dozen: a plain dict holds them all. Jinja's default, a 400-entry LRU,
    # takes a lock and reorders a deque on each of the several lookups a page or a live batch makes (includes,
    # imports), which was a twentieth of the site's work in a crowd of students.
    app.jinja_env.cache = {}
    app.jinja_env.globals["lessons_for_step"] = lessons_views.lessons_for_step
    app.jinja_env.globals["lesson_figure"] = figures.lesson_figure
    app.jinja_env.globals.update(languages=languages, current_language=current_language, labels=labels, N_=N_)
    app.jinja_env.filters.update(
        as_text=render.as_text, visible=render.visible, pretty_json=render.pretty_json, curl_text=render.curl_text,
        duration_ms=render.duration_ms, without_prefix=render.without_prefix,
        options_unbroken=render.options_unbroken,
    )
    app.jinja_env.globals.update(dom_id=render.dom_id, diagram_svg=diagrams.diagram_svg,
                                 replay_diagram=diagrams.replay_diagram, sequence_figure=diagrams.sequence_figure)
