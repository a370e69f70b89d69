"""The visitor cookie nginx routes by, and what a site process behind nginx trusts of its requests.

nginx picks a visitor's node by a consistent hash of the `hellotrace_visitor` cookie, so that their page, its
live stream and their sandbox stay on one node. The signed session stays the authority on who the visitor is:
the cookie only routes (a client may change it; it then merely lands on another node, as itself).
A first request has no cookie: nginx hashes it by a fresh request id and passes that as `X-Hellotrace-Visitor`,
which the node takes as the new visitor's token (see `Visitors.new`), and the cookie then carries it, so the next
request comes back to the same node. A browser that already has a cookie keeps it, whatever its session: a
cookie planted by someone else (another site on the same host, a sibling domain) routes that browser, but nginx
never offers it as a token, so it never names the sandbox its visitor gets (`hellotrace/deploy/nginx.py`).
"""

from __future__ import annotations

from flask import Flask, Response, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

COOKIE = "hellotrace_visitor"
VISITOR_HEADER = "X-Hellotrace-Visitor"
COOKIE_SECONDS = 365 * 24 * 3600


def install_visitor_cookie(app: Flask) -> None:
    """A browser without the cookie gets its visitor's token as one, after any request that found the visitor
    (`current_visitor` sets g.visitor_token); one that has a cookie keeps it, and stays on the node it routes to."""

    @app.after_request
    def set_visitor_cookie(response: Response) -> Response:
        token = g.get("visitor_token")
        if token and COOKIE not in request.cookies:
            response.set_cookie(COOKIE, token, max_age=COOKIE_SECONDS, httponly=True, samesite="Lax",
                                secure=request.is_secure)
        return response


def trust_one_proxy(app: Flask) -> None:
    """Behind hellotrace's nginx: the client's address, scheme and Host are the ones nginx was given (one hop),
    so that links made for visitors (a class's join link and QR code) and the trusted-host check use the
    public name and scheme, and the request log shows the visitor's address."""
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
