"""CSRF protection whose token never appears twice alike in a page (BREACH).

Pages go out compressed (see compressed_pages.py). Behind TLS, a page that both reflects something an attacker
chooses and carries a secret that is the same in every response lets the attacker guess the secret a character at a
time from the compressed length. Flask-WTF's token is the same signed string for the whole session, so each page
gets it masked instead: a fresh random mask, then the token XOR the mask, both in URL-safe base64. Requests send
the masked form back; it is unmasked before Flask-WTF checks it as usual.
"""

from __future__ import annotations

import base64
import binascii
import secrets

from flask import Flask
from flask_wtf.csrf import CSRFProtect, generate_csrf


def masked_csrf_token() -> str:
    """The session's CSRF token under a new mask: what every form field and the htmx header carry."""
    token = generate_csrf().encode("ascii")
    mask = secrets.token_bytes(len(token))
    return base64.urlsafe_b64encode(mask + _xor(token, mask)).decode("ascii")


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
    """Flask-WTF's protection, reading masked tokens and giving templates masked ones."""

    def init_app(self, app: Flask) -> None:
        super().init_app(app)
        app.jinja_env.globals["csrf_token"] = masked_csrf_token
        # Flask-WTF also offers csrf_token through a context processor, which templates see first: replaced too.
        app.context_processor(lambda: {"csrf_token": masked_csrf_token})

    def _get_csrf_token(self) -> str | None:
        sent = super()._get_csrf_token()
        return unmask(sent) if sent else None
