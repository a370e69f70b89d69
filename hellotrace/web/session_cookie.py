"""The signed session cookie, sent again when it changed or is over an hour old, rather than with every answer.

Flask re-signs a permanent session and sets its cookie on every response (SESSION_REFRESH_EACH_REQUEST), so that
its expiry keeps moving while the visitor comes back. A class running the replay makes a dozen requests per
student in a minute (the page, each step's POST and live stream): signing the same cookie a dozen times was a
thirtieth of the site's work. Refreshing it once an hour keeps the same promise (a session lasts
PERMANENT_SESSION_LIFETIME after the visitor's last visit, to within the hour) for one signature an hour.

A cookie is verified once and kept with what it says (a student's browser sends the same one with each request),
and one the site signs is kept as it goes out: the request after a change (the pace chosen, the first step run)
brings it back, and finds it verified.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from itsdangerous import BadSignature, URLSafeTimedSerializer

REFRESH_AFTER = timedelta(hours=1)
# Cookies whose signature was checked lately, with what they hold. A student's browser sends the same cookie with
# each of a dozen requests a minute; a class of them fits (bounded: not one entry per visitor the process saw).
_VERIFIED_KEPT = 512


class DatedSession(SecureCookieSession):
    """A session that knows when the cookie it came from was signed (None: a new session)."""

    signed_at: datetime | None = None


class HourlyRefreshedSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, refreshed when modified or when the cookie is over REFRESH_AFTER old."""

    session_class = DatedSession

    def __init__(self) -> None:
        self._verified: OrderedDict[str, tuple[dict, datetime]] = OrderedDict()
        self._lock = threading.Lock()
        self._signers: dict[tuple, _KeepingSigner] = {}

    def get_signing_serializer(self, app: Flask) -> _KeepingSigner | None:
        """Flask's serializer, made once per set of keys rather than for every request."""
        if not app.secret_key:
            return None
        keys = (*(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key)
        signer = self._signers.get(keys)
        if signer is None:
            signer = self._signers[keys] = _KeepingSigner(super().get_signing_serializer(app), self._keep)
        return signer

    def _keep(self, value: str, data: dict, signed_at: datetime) -> None:
        with self._lock:
            self._verified[value] = (data, signed_at)
            if len(self._verified) > _VERIFIED_KEPT:
                self._verified.popitem(last=False)

    def forget_verified(self) -> None:
        """Forget the cookies checked so far (once a class left): a cookie coming back is checked again."""
        with self._lock:
            self._verified = OrderedDict()

    def open_session(self, app: Flask, request: Request) -> DatedSession | None:
        if not app.secret_key:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        lifetime = app.permanent_session_lifetime
        with self._lock:
            found = self._verified.get(value)
        if found is not None and datetime.now(UTC) - found[1] <= lifetime:
            data, signed_at = found
        else:
            try:
                data, signed_at = self.get_signing_serializer(app).loads(
                    value, max_age=int(lifetime.total_seconds()), return_timestamp=True)
            except BadSignature:
                return self.session_class()
            self._keep(value, data, signed_at)
        session = self.session_class(data)  # a copy: the kept one stays as the cookie says
        session.signed_at = signed_at
        return session

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        signed_at = getattr(session, "signed_at", None)
        return signed_at is None or datetime.now(UTC) - signed_at >= REFRESH_AFTER


class _KeepingSigner:
    """Flask's session serializer, telling `keep` of each cookie it signs."""

    def __init__(self, serializer: URLSafeTimedSerializer, keep: Callable[[str, dict, datetime], None]) -> None:
        self._serializer = serializer
        self._keep = keep

    def loads(self, value: str, **options):
        return self._serializer.loads(value, **options)

    def dumps(self, data: dict) -> str:
        # Flask hands over a copy of the session (`dict(session)`) that nothing else keeps: kept as it is.
        value = self._serializer.dumps(data)
        self._keep(value, data, datetime.now(UTC))
        return value


def install_session_cookie(app: Flask) -> None:
    app.session_interface = HourlyRefreshedSessions()
