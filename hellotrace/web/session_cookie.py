"""The signed session cookie, sent again when it changed or is over an hour old, rather than with every answer.

Flask re-signs a permanent session and sets its cookie on every response (SESSION_REFRESH_EACH_REQUEST), so that
its expiry keeps moving while the visitor comes back. A class running the replay makes a dozen requests per
student in a minute (the page, each step's POST and live stream): signing the same cookie a dozen times was a
thirtieth of the site's work. Refreshing it once an hour keeps the same promise (a session lasts
PERMANENT_SESSION_LIFETIME after the visitor's last visit, to within the hour) for one signature an hour.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from itsdangerous import BadSignature

REFRESH_AFTER = timedelta(hours=1)


class DatedSession(SecureCookieSession):
    """A session that knows when the cookie it came from was signed (None: a new session)."""

    signed_at: datetime | None = None


class HourlyRefreshedSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, refreshed when modified or when the cookie is over REFRESH_AFTER old."""

    session_class = DatedSession

    def open_session(self, app: Flask, request: Request) -> DatedSession | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        session = self.session_class(data)
        session.signed_at = signed_at
        return session

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        signed_at = getattr(session, "signed_at", None)
        return signed_at is None or datetime.now(UTC) - signed_at >= REFRESH_AFTER


def install_session_cookie(app: Flask) -> None:
    app.session_interface = HourlyRefreshedSessions()
