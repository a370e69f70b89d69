"""CSRF protection whose token never appears twice alike in a page (BREACH).

Pages go out compressed (see compressed_pages.py). Behind TLS, a page that both reflects something an attacker
chooses and carries a secret that is the same in every response lets the attacker guess the secret a character at a
time from the compressed length. Flask-WTF's token is the same signed string for the whole session, so each page
gets it masked instead: a fresh random mask, then the token XOR the mask, both in URL-safe base64. Requests send
the masked form back; it is unmasked before Flask-WTF checks it as usual.

A token this process signed is kept, with the session token it carries and when it was signed: the POSTs that
come back with it (a student's pace and four steps, a minute apart) are checked against those rather than by
verifying its signature again, which took 80-120 µs of each POST amid a student's other requests
(docs/benchmarks.md). A token signed by another process, or forgotten, is verified as Flask-WTF does; so is
every request over HTTPS, whose referrer Flask-WTF checks too.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
import threading
import time
from collections import OrderedDict

from flask import Flask, current_app, g, request, session
from flask_wtf.csrf import CSRFProtect, generate_csrf

# Signed tokens kept (each a page's, used by the requests that page sends): a class's pages fit, and no more.
_SIGNED_KEPT = 1024


def under_new_mask(token: str) -> str:
    """`token` under a new mask: what every form field and the htmx header carry."""
    raw = token.encode("ascii")
    mask = secrets.token_bytes(len(raw))
    return base64.urlsafe_b64encode(mask + _xor(raw, mask)).decode("ascii")


def unmask(masked: str) -> str | None:
    """The token a masked value carries; None when the value is not one (Flask-WTF then says it is missing)."""
    try:
        raw = base64.urlsafe_b64decode(masked.encode("ascii"))
    except (ValueError, binascii.Error):
        return None
    half = len(raw) // 2
    if not raw or len(raw) % 2:
        return None
    try:
        return _xor(raw[half:], raw[:half]).decode("ascii")
    except UnicodeDecodeError:
        return None


def _xor(data: bytes, mask: bytes) -> bytes:
    # As whole numbers: a page masks its token once per form, and byte by byte in Python took ten times as long.
    if len(data) != len(mask):
        raise ValueError("a mask as long as the data is needed")
    return (int.from_bytes(data, "big") ^ int.from_bytes(mask, "big")).to_bytes(len(data), "big")


class MaskedCSRFProtect(CSRFProtect):
    """Flask-WTF's protection, reading masked tokens, giving templates masked ones, and knowing its own."""

    def __init__(self, app: Flask | None = None) -> None:
        self._signed: OrderedDict[str, tuple[str, int]] = OrderedDict()  # token: session token, signed at
        self._lock = threading.Lock()
        super().__init__(app)

    def init_app(self, app: Flask) -> None:
        super().init_app(app)
        app.jinja_env.globals["csrf_token"] = self.masked_token
        # Flask-WTF also offers csrf_token through a context processor, which templates see first: replaced too.
        app.context_processor(lambda: {"csrf_token": self.masked_token})

    def masked_token(self) -> str:
        """This request's CSRF token under a new mask, kept as signed the first time it is asked for."""
        if current_app.config["WTF_CSRF_FIELD_NAME"] in g:  # signed already by this request, and kept
            return under_new_mask(generate_csrf())
        # Before signing, in whole seconds as the token says it: never later than the token's own moment, so that a
        # kept token never outlives what its signature allows.
        signed_at = int(time.time())
        token = generate_csrf()
        with self._lock:
            self._signed[token] = (session[current_app.config["WTF_CSRF_FIELD_NAME"]], signed_at)
            if len(self._signed) > _SIGNED_KEPT:
                self._signed.popitem(last=False)
        return under_new_mask(token)

    def forget_signed(self) -> None:
        """Forget the tokens kept: once a class left, each would keep memory of it (app.py)."""
        with self._lock:
            self._signed = OrderedDict()

    def protect(self, apply_exemptions: bool = False) -> None:
        # Before the exemptions too: a view exempt from the check loses nothing when the token is known good.
        if not request.is_secure and request.method in current_app.config["WTF_CSRF_METHODS"] \
                and self._signed_here():
            g.csrf_valid = True  # as Flask-WTF marks a request it checked
            return
        super().protect(apply_exemptions)

    def _signed_here(self) -> bool:
        """The token sent is one this process signed for this session's token, and is not older than
        WTF_CSRF_TIME_LIMIT: what Flask-WTF's check would find, without its signature verified again."""
        sent = self._get_csrf_token()
        if not sent:
            return False
        with self._lock:
            kept = self._signed.get(sent)
        if kept is None:
            return False
        session_token, signed_at = kept
        limit = current_app.config["WTF_CSRF_TIME_LIMIT"]
        if limit is not None and time.time() - signed_at > limit:
            return False
        current = session.get(current_app.config["WTF_CSRF_FIELD_NAME"])
        return isinstance(current, str) and hmac.compare_digest(current, session_token)

    def _get_csrf_token(self) -> str | None:
        sent = super()._get_csrf_token()
        return unmask(sent) if sent else None
