"""Requests the engine refuses before reading them: those a web browser sends, and those naming a host it is not.

A browser sends the site's cookies to the engine's port too (cookies are scoped by host, not by port), so a
page on another site that sends its visitor to `http://<site>:2375/sandboxes/<its own sandbox>/…` would have
those cookies recorded in a sandbox it can read. A browser marks what it sends: `Origin` on cross-site and most
scripted requests, `Sec-Fetch-*` on every request of a current browser, `Cookie` whenever it holds some. The
docker CLI, the SDKs and curl send none of them, so the engine answers such a request with 403 and keeps no
trace of it (see `hellotrace.engine.tap`).

A page can also point its own name at this machine (DNS rebinding) and then reach the engine as if it were
its own origin; its requests still name it in `Host`. Over TCP the engine answers only to loopback, the names
Docker clients send over a unix socket, its own addresses and the names the site trusts
(`hellotrace.trusted_hosts`). Its unix socket is out of a page's reach: there any `Host` is served, as dockerd does.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from hellotrace.engine.http import reason_phrase
from hellotrace.trusted_hosts import host_is_trusted

# Lower case, as h11 gives header names.
BROWSER_HEADERS = ("origin", "sec-fetch-site", "sec-fetch-mode", "sec-fetch-dest", "sec-fetch-user", "cookie")
_SPELLING = {"origin": "Origin", "sec-fetch-site": "Sec-Fetch-Site", "sec-fetch-mode": "Sec-Fetch-Mode",
             "sec-fetch-dest": "Sec-Fetch-Dest", "sec-fetch-user": "Sec-Fetch-User", "cookie": "Cookie"}


def browser_header(headers: Iterable[tuple[bytes | str, bytes | str]]) -> str | None:
    """The first header that only a web browser sends (its usual spelling), or None."""
    for name, _ in headers:
        lowered = (name.decode("latin-1") if isinstance(name, bytes) else name).lower()
        if lowered in BROWSER_HEADERS:
            return _SPELLING[lowered]
    return None


def forbidden_answer(message: str) -> bytes:
    """403 with Docker's error body, and the connection closed."""
    body = json.dumps({"message": message}).encode() + b"\n"
    return (f"HTTP/1.1 403 {reason_phrase(403)}\r\nContent-Type: application/json\r\nConnection: close\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode("ascii") + body


class RequestGuard:
    """Judges a request head: `refusal` is the answer for one the engine will not serve, None otherwise."""

    def __init__(self, hosts: Sequence[str]) -> None:
        self.hosts = tuple(hosts)

    def refusal(self, headers: Iterable[tuple[bytes, bytes]], tcp: bool = True) -> bytes | None:
        """`tcp`: the request came over TCP, where a rebound name can reach the engine (its Host is checked)."""
        headers = list(headers)
        sent_by_browser = browser_header(headers)
        if sent_by_browser is not None:
            return forbidden_answer(
                f"the mock Docker engine does not answer web pages: this request carries the {sent_by_browser} "
                "header, which only web browsers send; use the docker CLI, curl or an SDK")
        host = next((value for name, value in headers if name.lower() == b"host"), None) if tcp else None
        if host is not None and not host_is_trusted(host.decode("latin-1"), self.hosts):
            named = json.dumps(host.decode("latin-1")[:100])
            return forbidden_answer(
                f"the mock Docker engine does not answer to Host {named}: only to localhost, its own addresses "
                "and the names hellotrace was given with --trusted-host (a web page may have pointed its own name "
                "at this machine)")
        return None
