"""The headers every answer carries, so that a browser holds the site to what it is.

- Content-Security-Policy: scripts and styles only from the site's own files (no inline script, no inline
  handler, no inline style: htmx's own indicator style is switched off in base.html, its rules are in
  site.css); the live stream and htmx requests go to the site only; nothing may frame a page.
- X-Frame-Options: DENY, for browsers that predate `frame-ancestors`.
- X-Content-Type-Options: nosniff, so that a daemon's answer shown as text is never run as something else.
- Referrer-Policy: same-origin: a sandbox address or a presenter token in a URL does not leave the site.
"""

from __future__ import annotations

from flask import Flask, Response

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def install_security_headers(app: Flask) -> None:
    @app.after_request
    def add_security_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response
