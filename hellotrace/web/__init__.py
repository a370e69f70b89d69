"""The Flask side: one blueprint per concern, registered by the composition root."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from hellotrace.web import home

    app.register_blueprint(home.bp)
