"""Language routing, the home page, and the gates every request passes first (a trusted Host, the presenter
link); errors are explained by `hellotrace.web.errors`."""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

from flask import Blueprint, Flask, abort, g, redirect, render_template, request, session, url_for
from werkzeug.exceptions import HTTPException, SecurityError
from werkzeug.sansio.utils import host_is_trusted

from hellotrace.curl_request import LESSON_SOCKET
from hellotrace.lesson_target import LESSON_URL, curl_target
from hellotrace.web.errors import ERROR_KINDS, error_page, untrusted_host_page
from hellotrace.web.i18n import current_language, languages
from hellotrace.web.replay_views import current_visitor

bp = Blueprint("site", __name__)




@bp.get("/")
def root():
    """`/` picks French or English from Accept-Language."""
    lang = current_language()
    return redirect(url_for("site.home", lang=lang), code=302)


@bp.get("/<any(replay, lessons, lab, trace):section>")
@bp.get("/<any(replay, lessons, lab, trace):section>/")
def section_without_language(section: str):
    """`/replay` and friends lead to the page in the reader's language."""
    lang = current_language()
    targets = {"replay": "replay.page", "lessons": "lessons.index", "lab": "lab.config_page", "trace": "trace.page"}
    return redirect(url_for(targets[section], lang=lang), code=302)


@bp.get("/join")
@bp.get("/join/<code>")
def join_without_language(code: str | None = None):
    """The join address a class projects, `/join/CODE`: short to type, and each student lands on the join page
    in their own browser's language rather than the teacher's."""
    lang = current_language()
    target = url_for("classes.join_code", lang=lang, code=code) if code else url_for("classes.join_form", lang=lang)
    response = redirect(target, code=302)
    response.vary.add("Accept-Language")
    return response


@bp.get("/<lang>/")
def home(lang: str) -> str:
    """The home page gives the same daemon as the replay page: the visitor's own sandbox (or the real daemon)."""
    visitor = current_visitor()
    target = curl_target(visitor.terminal_address)
    lesson_curl = f"curl -s --unix-socket {LESSON_SOCKET} {LESSON_URL}/v1.55/version"
    version_curl = target.rewrite(lesson_curl) if target else None
    return render_template("home.html", docker_host=visitor.docker_host, version_curl=version_curl)


def original_host_trusted(app: Flask) -> bool:
    """The Host of the request as it reached this process (before trusting the proxy's headers) is trusted."""
    original = request.environ.get("werkzeug.proxy_fix.orig", {}).get("HTTP_HOST")
    return original is None or host_is_trusted(original, app.config.get("TRUSTED_HOSTS") or ())


def install_language_hooks(app: Flask) -> None:
    """Every `/<lang>/…` URL sets g.lang; an unknown language is a 404."""

    @app.url_value_preprocessor
    def pull_language(endpoint: str | None, values: dict | None) -> None:
        if values and "lang" in values:
            if values["lang"] not in languages():
                abort(404)
            g.lang = values["lang"]

    @app.url_defaults
    def add_language(endpoint: str, values: dict) -> None:
        if "lang" not in values and app.url_map.is_endpoint_expecting(endpoint, "lang"):
            values["lang"] = current_language()

    @app.before_request
    def trusted_host_gate():
        """A Host the site was not told to trust (DNS rebinding): Flask could not even route the request.
        Behind the proxy, the Host nginx forwarded must be trusted too: a page that rebinds its name to a node's
        own address could otherwise claim a trusted X-Forwarded-Host."""
        if isinstance(request.routing_exception, SecurityError) or not original_host_trusted(app):
            first = request.path.split("/")[1] if request.path.count("/") >= 1 else ""
            g.lang = first if first in languages() else current_language()
            return untrusted_host_page(app.config.get("TRUSTED_HOSTS") or ())
        return None

    @app.before_request
    def presenter_gate():
        """A real daemon shared beyond loopback: only visitors who opened the presenter's link get in."""
        token = app.config.get("PRESENTER_TOKEN")
        if not token or request.endpoint == "static" or session.get("presenter"):
            return None
        if secrets.compare_digest(request.args.get("token", ""), token):
            session["presenter"] = True
            if request.method in ("GET", "HEAD"):
                # Remembered in the session: the token leaves the address bar, the history and the projector.
                kept = [(name, value) for name, value in request.args.items(multi=True) if name != "token"]
                return redirect(request.path + ("?" + urlencode(kept) if kept else ""), 303)
            return None
        abort(403)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        # An unknown URL matched no route, so nothing set the language: take it from the path if it has one.
        first = request.path.split("/")[1] if request.path.count("/") >= 1 else ""
        if not getattr(g, "lang", None) and first in languages():
            g.lang = first
        return error_page(error.code or 500, ERROR_KINDS.get(type(error)))

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        app.logger.exception("unexpected error")
        return error_page(500)
