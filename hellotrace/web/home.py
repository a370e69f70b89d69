"""The home page: what hellotrace is, and where the mock engine listens."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> str:
    engine = current_app.config.get("HELLOTRACE_ENGINE")
    return render_template("home.html", engine=engine)
