"""The Flask side: one blueprint per concern, registered by the composition root."""

from __future__ import annotations

from flask import Flask

from hellotrace.docker_host import DaemonAddress
from hellotrace.web import render
from hellotrace.web.i18n import LANGUAGES, current_language, error_key, translate
from hellotrace.web.visitors import Visitors


def init_web(app: Flask, engine: object | None, daemon: DaemonAddress | None) -> None:
    """Blueprints, template helpers and the per-visitor replays."""
    from hellotrace.web import replay_views, site

    app.extensions["hellotrace.visitors"] = Visitors(engine, daemon)  # type: ignore[arg-type]
    replay_views.htmx.init_app(app)
    site.install_language_hooks(app)
    app.register_blueprint(site.bp)
    app.register_blueprint(replay_views.bp)
    app.jinja_env.globals.update(_=translate, languages=LANGUAGES, error_key=error_key,
                                 current_language=current_language)
    app.jinja_env.filters.update(
        as_text=render.as_text, pretty_json=render.pretty_json, curl_text=render.curl_text,
        duration_ms=render.duration_ms,
    )
    app.jinja_env.globals["dom_id"] = render.dom_id
