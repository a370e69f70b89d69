"""What the presenter projects leaves out the teacher's sandbox key.

A sandbox's name is its only lock: whoever sends requests under `/sandboxes/<name>/` drives it (removes the
teacher's image mid-demo, fills it with containers). The teacher's replay shows that name in every path it
sends, its curl commands and the diagram's caption, and the room reads the projector. So whatever the presenter
shows has the name cut short (`w1-5c18…`): the presenter page itself, what it asks through htmx (htmx names the
page in HX-Current-URL) and the live streams it opens (`?projected=1` on their address, set by `_live.html`).
The teacher's own terminal takes the whole address from their replay page, which the presenter's closed box at
the bottom links to.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import HTTPException

PRESENTER = "classes.present"
# The characters of a name that stay: the node's prefix, if any, and this many of the token.
KEPT = 4


def projected() -> bool:
    """Whether this request's answer shows on the presenter."""
    if request.endpoint == PRESENTER or request.args.get("projected") == "1":
        return True
    page = request.headers.get("HX-Current-URL")
    if not page:
        return False
    try:
        endpoint, _ = current_app.url_map.bind("localhost").match(urlsplit(page).path)
    except HTTPException:
        return False
    return endpoint == PRESENTER


def cut_short(text: str, sandbox: str) -> str:
    """`text` with every whole sandbox name `sandbox` shortened."""
    token = sandbox.rpartition("-")[2]
    return text.replace(sandbox, sandbox[:len(sandbox) - len(token) + KEPT] + "…") if sandbox else text


def projected_sandbox() -> str:
    """The sandbox name to cut short in this request's answer: the visitor's, if it is projected."""
    token = g.get("visitor_token")
    if not token or not projected():
        return ""
    return current_app.extensions["hellotrace.visitors"].sandbox_for(token)


def _cut_short_on_the_projector(response: Response) -> Response:
    if response.mimetype != "text/html" or response.is_streamed or response.direct_passthrough:
        return response
    sandbox = projected_sandbox()
    if sandbox:
        body = response.get_data(as_text=True)
        if sandbox in body:
            response.set_data(cut_short(body, sandbox))
    return response


def init_projector(app: Flask) -> None:
    """Installed after the pages' compression: Flask runs the hook installed last first, and this one must read
    the page before it is compressed."""
    app.after_request(_cut_short_on_the_projector)
    app.jinja_env.globals["projected"] = projected
