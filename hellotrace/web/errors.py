"""Error pages that explain instead of showing a traceback, in the visitor's language."""

from __future__ import annotations

import re
from collections.abc import Sequence

from flask import current_app, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import BadRequest, HTTPException, RequestEntityTooLarge


class NoSession(BadRequest):
    """A state-changing request without the site's session cookie: it belongs to no visitor."""


# Errors with their own explanation; the others are told by their status code.
ERROR_KINDS: dict[type[HTTPException], str] = {CSRFError: "csrf", NoSession: "session",
                                               RequestEntityTooLarge: "too_large"}


_ELEMENT_ID = re.compile(r"^[A-Za-z][\w-]{0,63}$")


def error_page(code: int, kind: str | None = None):
    """The error explained in the visitor's language. An htmx request gets the explanation in place of the
    page's content (site.js swaps such an answer although its status is an error)."""
    kind = kind or ("404" if code == 404 else "403" if code == 403 else "4xx" if code < 500 else "5xx")
    context = {"error_kind": kind, "error_code": code, "limit": (current_app.config["MAX_CONTENT_LENGTH"] or 0) // 1024}
    if request.headers.get("HX-Request") == "true":
        # In place of what the request was to update when the page's inputs still hold what was typed (too much
        # text pasted in the lab), in place of the page's content otherwise.
        target = request.headers.get("HX-Target", "")
        keep = kind == "too_large" and _ELEMENT_ID.match(target)
        headers = {"HX-Retarget": f"#{target}" if keep else "#content", "HX-Reswap": "innerHTML"}
        return render_template("_error.html", **context), code, headers
    return render_template("error.html", **context), code


def untrusted_host_page(trusted: Sequence[str]):
    """400 for a Host the site does not serve. No URL can be built for such a request (Flask has no URL
    adapter for it), so the page stands alone: no links, no style sheet."""
    given = request.headers.get("Host", "")[:200]
    return render_template("untrusted_host.html", given=given, trusted=", ".join(trusted)), 400
