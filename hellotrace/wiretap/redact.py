"""Secrets a trace never shows: credentials in request headers and the password of a `docker login`.

A trace is read on a web page and exported as a HAR file, which are easily shared (a projector, a file sent to a
classmate). What a Docker client sends to prove who it is has no lesson in it, so its value is replaced by
`(hidden by hellotrace)` where it is recorded: the headers `Cookie`, `Authorization`, `Proxy-Authorization`,
`X-Registry-Auth` and `X-Registry-Config` (base64 JSON holding registry passwords; `e30=`, an empty `{}`, the
docker CLI's value without a login, is kept: it holds nothing and the lessons explain it), and in the body of
`POST /auth` (`docker login`) the fields `password`, `auth`, `identitytoken` and `registrytoken`, in the request
and in the daemon's answer (an `IdentityToken`, when the registry issues one).

A request head has no length of its own on the wire (a blank line ends it), so hiding a header value changes
no framing. A body's does: its `Content-Length` (or chunk sizes) stays the one that was sent, and the sizes a
HAR file gives are those of the bytes that crossed, which a comment says.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Sequence

HIDDEN = "(hidden by hellotrace)"
SECRET_HEADERS = frozenset({"cookie", "authorization", "proxy-authorization", "x-registry-auth",
                            "x-registry-config"})
# A JSON string member whose name is a secret's (Go's decoder matches names case-insensitively).
_SECRET_MEMBER = re.compile(rb'("(?:password|auth|identitytoken|registrytoken)"\s*:\s*)"(?:[^"\\]|\\.)*"',
                            re.IGNORECASE)
_AUTH_PATH = re.compile(r"^(?:/sandboxes/[^/?]+)?(?:/v[0-9.]+)?/auth/?(?:\?|$)")
HIDDEN_NOTE = ("hellotrace hid the secrets of this request (credentials in its headers, a login's password); "
               "its sizes are those that were sent")
HIDDEN_ANSWER_NOTE = "hellotrace hid the identity token of this login's answer; its sizes are those received"


def is_login(target: str) -> bool:
    """`POST /auth` (a `docker login`), with or without a sandbox or version prefix."""
    return bool(_AUTH_PATH.match(target))


def is_secret(name: str, value: str) -> bool:
    """Whether a request header's value is hidden."""
    lowered = name.strip().lower()
    if lowered not in SECRET_HEADERS:
        return False
    if lowered in ("x-registry-auth", "x-registry-config"):
        text = value.strip()
        try:
            return json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))) != {}
        except (ValueError, binascii.Error):
            return True
    return True


def redact_head(head: bytes) -> bytes:
    """A request head with the values of secret headers hidden (the same bytes when there is none)."""
    lines = head.split(b"\r\n")
    changed = False
    for index in range(1, len(lines)):
        name, colon, value = lines[index].partition(b":")
        if colon and is_secret(name.decode("latin-1"), value.decode("latin-1")):
            hidden = name + b": " + HIDDEN.encode()
            changed = changed or hidden != lines[index]
            lines[index] = hidden
    return b"\r\n".join(lines) if changed else head


def redact_headers(headers: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(name, HIDDEN if is_secret(name, value) else value) for name, value in headers]


def redact_body(target: str, body: bytes) -> bytes:
    """A login's body with its password and tokens hidden; any other body as it is."""
    if not body or not is_login(target):
        return body
    return hide_secret_members(body)


def hide_secret_members(data: bytes) -> bytes:
    """`data` (a login's body, or bytes that hold it) with the values of its secret JSON members hidden."""
    return _SECRET_MEMBER.sub(rb'\1"' + HIDDEN.encode() + rb'"', data)
