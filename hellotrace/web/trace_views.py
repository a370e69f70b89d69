"""The trace page: exchanges shown on the stage (sequence diagram and cards) from a HAR file the visitor
uploads. The file is read, drawn and forgotten: nothing is stored, so a bad file changes nothing."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from werkzeug.exceptions import RequestEntityTooLarge

from hellotrace.har import MAX_IMPORT_BYTES, HarError, parse_har
from hellotrace.web.diagrams import exchanges_diagram
from hellotrace.web.i18n import translate

bp = Blueprint("trace", __name__, url_prefix="/<lang>/trace")



@bp.get("")
def page(lang: str) -> str:
    return render_template("trace/page.html", imported=None, error=None, max_kib=_kib(MAX_IMPORT_BYTES))


@bp.post("/import")
def import_har(lang: str) -> tuple[str, int]:
    """Show an uploaded HAR file on the stage, or say why it cannot be shown."""
    upload = request.files.get("har")
    name = (upload.filename or "") if upload else ""
    data = upload.read(MAX_IMPORT_BYTES + 1) if upload else b""
    if upload is None or not name:
        return _refused(HarError("no-file"), "")
    try:
        imported = parse_har(data)
    except HarError as error:
        return _refused(error, name)
    hrefs = {exchange.number: f"#har-{exchange.number}" for exchange in imported.exchanges}
    diagram = exchanges_diagram(imported.exchanges, hrefs, translate("diagram.lane.client"))
    return render_template("trace/page.html", imported=imported, diagram=diagram, name=name[:120],
                           error=None, max_kib=_kib(MAX_IMPORT_BYTES)), 200


@bp.errorhandler(RequestEntityTooLarge)
def too_big(error: RequestEntityTooLarge) -> tuple[str, int]:
    """A file past the site's request limit is refused before the view runs: the page still says why."""
    text, _ = _refused(HarError("too-big", size=request.content_length or 0, limit=MAX_IMPORT_BYTES), "")
    return text, 413


def _refused(error: HarError, name: str) -> tuple[str, int]:
    params = dict(error.params)
    for key in ("size", "limit"):
        if key in params:
            params[key] = _kib(int(params[key]))  # type: ignore[call-overload]
    return render_template("trace/page.html", imported=None, error=(error.code, params), name=name[:120],
                           max_kib=_kib(MAX_IMPORT_BYTES)), 400


def _kib(size: int) -> str:
    return f"{(size + 1023) // 1024} KiB"

