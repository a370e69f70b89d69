"""The visitor cookie nginx routes by, and what a site process behind nginx trusts of its requests.

nginx picks a visitor's node by a consistent hash of the `hellotrace_visitor` cookie, so that their page, its
live stream and their sandbox stay on one node. The signed session stays the authority on who the visitor is:
the cookie only routes (a client may change it; it then merely lands on another node, as itself).
nginx sends its hash ring with every request, in `X-Hellotrace-Ring`. A first request has no cookie: nginx sends
it to the nodes in turn, and the node chooses a new visitor's token that the ring gives to itself (see
`Visitors.new`); the cookie then carries it, so the next request comes back to the same node. A browser that
already has a cookie keeps it, whatever its session: a cookie planted by someone else (another site on the same
host, a sibling domain) routes that browser, but never names the sandbox its visitor gets, which the node chooses
(`hellotrace/deploy/nginx.py`). Except when nginx sent the request here although the ring gives its cookie to
another node (that node did not answer): the visitor now has a sandbox here, and the cookie becomes a key the ring
gives to this node, so that they stay here rather than go back, once that node answers again, to a sandbox that
no longer holds what they did since.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import Flask, Response, current_app, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

from hellotrace.deploy.nginx import RING_HEADER
from hellotrace.deploy.ring import draw_key, routes_to

COOKIE = "hellotrace_visitor"
COOKIE_SECONDS = 365 * 24 * 3600


def node_routing() -> Callable[[str], bool] | None:
    """Behind hellotrace's nginx: whether nginx's hash ring sends a token to this node (None: any token will do,
    as with one process, or a ring that does not name this node)."""
    config = current_app.config
    ring = request.headers.get(RING_HEADER) if config["BEHIND_PROXY"] else None
    if not ring:
        return None
    routing = routes_to(ring, config["NODE"]) if config["NODE"] else None
    if routing is None:
        _ring_without_this_node(ring[:200], config["NODE"])
    return routing


@functools.lru_cache(maxsize=4)  # said once per ring: every request brings the same one
def _ring_without_this_node(ring: str, node: str) -> None:
    """nginx's configuration names other nodes than this one (made for another group, or this node's NODE
    changed): its new visitors' next pages may land on another node, which gives them a new sandbox."""
    current_app.logger.warning(
        "nginx's hash ring (%s: %s) does not name this node (NODE=%s): regenerate nginx's configuration with "
        "`python app.py nginx-config`, naming each node as its NODE setting does", RING_HEADER, ring, node or "unset")


def install_visitor_cookie(app: Flask) -> None:
    """A browser without the cookie gets its visitor's token as one, after any request that found the visitor
    (`current_visitor` sets g.visitor_token); one that has a cookie keeps it, and stays on the node it routes to.
    Behind hellotrace's nginx, a cookie (or a token) that the ring gives to another node is replaced by a key that
    the ring gives to this one: the visitor's sandbox is here now."""

    @app.after_request
    def set_visitor_cookie(response: Response) -> Response:
        token = g.get("visitor_token")
        if not token:
            return response
        cookie, routing = request.cookies.get(COOKIE), node_routing()
        if cookie is not None and (routing is None or routing(cookie)):
            return response
        if cookie is None and (routing is None or routing(token)):
            key = token
        else:  # nginx failed over to this node (or the cookie went): a key that keeps the visitor here
            key = draw_key(routing)
        response.set_cookie(COOKIE, key, max_age=COOKIE_SECONDS, httponly=True, samesite="Lax",
                            secure=request.is_secure)
        return response


def trust_one_proxy(app: Flask) -> None:
    """Behind hellotrace's nginx: the client's address, scheme and Host are the ones nginx was given (one hop),
    so that links made for visitors (a class's join link and QR code) and the trusted-host check use the
    public name and scheme, and the request log shows the visitor's address."""
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
