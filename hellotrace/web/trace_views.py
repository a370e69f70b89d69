"""The trace page: every exchange that reaches the visitor's own sandbox, from any client, live; its HAR
export; and a HAR file's exchanges drawn on the same stage.

The page shows what the store holds, grouped by command run; the event stream then sends each new or
changed exchange as an out-of-band swap (htmx SSE extension, as on the replay page). A visitor only ever
reads their own sandbox's trace (with a real daemon: the recording proxy's, see wiretap/proxy.py).
An uploaded HAR file is read, drawn and forgotten: nothing is stored, so a bad file changes nothing.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import format_time
from markupsafe import Markup
from werkzeug.exceptions import RequestEntityTooLarge

from hellotrace.classroom.terminal import from_terminal
from hellotrace.har import MAX_IMPORT_BYTES, HarError, build_har, har_bytes, parse_har
from hellotrace.web import labels
from hellotrace.web.diagrams import diagram_svg, exchanges_diagram
from hellotrace.web.i18n import _
from hellotrace.web.live_streams import event_stream
from hellotrace.web.render import sse_message
from hellotrace.web.replay_views import current_visitor, visitors
from hellotrace.web.visitors import Visitor
from hellotrace.whole_numbers import whole_number
from hellotrace.wiretap import TracedExchange, TraceStore
from hellotrace.wiretap.command_lines import invocation_commands
from hellotrace.wiretap.explain import Explanation, explain
from hellotrace.wiretap.proxy import PROXY_CHANNEL

bp = Blueprint("trace", __name__, url_prefix="/<lang>/trace")

_KEEPALIVE_SECONDS = 10.0
# Changes arriving this close together go out as one message (a CLI run is a burst of exchanges).
_GATHER_SECONDS = 0.05


def trace_store() -> TraceStore:
    return current_app.extensions["hellotrace.trace"]


def channel_for(visitor: Visitor) -> str | None:
    """Whose trace this visitor reads: their own sandbox of the mock, or, with a real daemon, the recording
    proxy's traffic, for the site's owner only; None when there is nothing this visitor may read.

    The proxy carries the owner's own docker commands (its socket is theirs, mode 0600): logins, registry
    credentials, `inspect` output with environment variables. Every visitor of a real daemon shares the
    site's rights otherwise, and on one machine several users may reach loopback, so a client's address
    proves nothing: the owner is whoever opened the link with the secret printed in the start-up banner
    (`TRACE_OWNER_TOKEN`), which their session then remembers until the site restarts."""
    if visitors().uses_mock:
        return visitor.sandbox
    return PROXY_CHANNEL if current_app.config["TRACE_SOCKET"] and is_trace_owner() else None


def _owner_mark(token: str) -> str:
    """What the session keeps: a digest, so that the signed (not encrypted) cookie does not carry the secret."""
    return hashlib.sha256(f"hellotrace trace owner {token}".encode()).hexdigest()


def is_trace_owner() -> bool:
    token = current_app.config.get("TRACE_OWNER_TOKEN")
    return bool(token) and secrets.compare_digest(session.get("trace_owner", ""), _owner_mark(token))


@bp.app_template_global("explain")
def explain_record(record: TracedExchange) -> Explanation:
    return explain(record)


@bp.app_template_global("trace_diagram")
def trace_diagram(group: Invocation) -> Markup:
    """One command run as a sequence diagram; each arrow leads to its exchange's card."""
    agent = (group.client or "").lower()
    lane = "cli" if agent.startswith("docker-client/") else "curl" if agent.startswith("curl/") else "client"
    exchanges = [record.exchange for record in group.records]
    hrefs = {record.number: f"#tx-{record.seq}-card" for record in group.records}
    diagram = exchanges_diagram(exchanges, hrefs,
                                _(labels.DIAGRAM_LANE[lane]), prefix=exchanges[0].address.path_prefix,
                                simulated_registry=visitors().uses_mock, title=group.title)
    return diagram_svg(diagram, f"diagram-inv-{group.number}")


@bp.app_template_filter("clock")
def clock(epoch: float) -> str:
    """A time of day, the site's local time, to the second, written the reader's way (Babel's locale data)."""
    return format_time(datetime.fromtimestamp(epoch), "medium", rebase=False)


@dataclass
class Invocation:
    """The exchanges of one command run, for the page."""

    number: int
    records: list[TracedExchange]

    @cached_property
    def commands(self) -> tuple[str, ...]:
        """The docker command lines it may have been, likeliest first (none for curl's). Worked out once: the
        heading, the title and the HAR use it."""
        return invocation_commands(self.records)

    @property
    def client(self) -> str | None:
        return self.records[0].request_header("User-Agent")

    @property
    def by_site(self) -> bool:
        """Sent by hellotrace's own pages (the replay's version check, Try it, the lab), not the reader's side."""
        return not from_terminal(self.records[0])

    @property
    def title(self) -> str:
        """The command line, else who sent the requests (the User-Agent's product: `curl/8.1.2`), with the request
        itself when it is alone (each curl is a run of its own: twenty alike headings said nothing)."""
        if self.commands:
            return f" {_('or')} ".join(self.commands)
        if not self.client:
            return _("Requests with no User-Agent")
        client = self.client.split(" ")[0]
        if len(self.records) == 1:
            return _("%(request)s, sent by %(client)s", request=self.records[0].request_line, client=client)
        return _("Requests from %(client)s", client=client)

    @property
    def received_at(self) -> float:
        return self.records[0].received_at


def invocations(records: list[TracedExchange]) -> list[Invocation]:
    """Newest run first; exchanges in the order they arrived."""
    groups: dict[int, Invocation] = {}
    for record in records:
        groups.setdefault(record.invocation, Invocation(record.invocation, [])).records.append(record)
    return sorted(groups.values(), key=lambda group: group.number, reverse=True)


def _page(status: int = 200, **imported: object) -> tuple[str, int]:
    """The live trace, and the HAR import form (with what a file showed, or why it could not)."""
    visitor = current_visitor()
    channel = channel_for(visitor)
    records = trace_store().exchanges(channel) if channel else []
    context = {"imported": None, "error": None, "name": "", **imported}
    return render_template(
        "trace/page.html", visitor=visitor, channel=channel, groups=invocations(records),
        version=max((r.version for r in records), default=0), last_seq=max((r.seq for r in records), default=0),
        proxy_socket=current_app.config["TRACE_SOCKET"] if channel else None,
        owner_only=bool(current_app.config["TRACE_SOCKET"]) and channel is None, mock=visitors().uses_mock,
        max_kib=_kib(MAX_IMPORT_BYTES), **context,
    ), status


@bp.get("")
def page(lang: str):
    """The trace; opened with the owner's secret (`?owner=`, from the banner), it remembers the owner and
    comes back without the secret in its address."""
    given = request.args.get("owner")
    if given is not None:
        token = current_app.config.get("TRACE_OWNER_TOKEN")
        if token and secrets.compare_digest(given, token):
            session["trace_owner"] = _owner_mark(token)
        return redirect(url_for("trace.page", lang=lang), code=303)
    return _page()


@bp.get("/export.har")
def export_har(lang: str) -> Response:
    """The visitor's trace as a HAR 1.2 file, one page per command run, oldest first."""
    channel = channel_for(current_visitor())
    records = trace_store().exchanges(channel) if channel else []
    sections = [(group.title, [r.exchange for r in group.records])
                for group in reversed(invocations(records))]
    data = har_bytes(build_har(sections, _("What reached one hellotrace sandbox, byte for byte, one page per "
                                           "command run.")))
    headers = {"Content-Disposition": 'attachment; filename="hellotrace-trace.har"', "Cache-Control": "no-store"}
    return Response(data, mimetype="application/json", headers=headers)


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
    diagram = exchanges_diagram(imported.exchanges, hrefs, _("client"))
    return _page(imported=imported, diagram=diagram, name=name[:120])


# What multipart/form-data adds around the uploaded file (boundaries, part headers, the CSRF token).
FORM_AROUND_FILE = 64 * 1024


def allow_har_uploads() -> None:
    """The HAR import takes a trace page's own export, larger than the site's other forms may be: its limit
    is raised before anything reads the form (the CSRF check does, before the view)."""
    if request.endpoint == "trace.import_har":
        request.max_content_length = MAX_IMPORT_BYTES + FORM_AROUND_FILE


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
    return _page(400, error=(error.code, params), name=name[:120])


def _kib(size: int) -> str:
    return _("%(n)s KiB", n=(size + 1023) // 1024)  # French writes Kio


@bp.get("/events")
def events(lang: str) -> Response:
    """Exchanges added or changed after `after` (a store version); `seq` is the last one the page drew. Only for
    a session the trace page made: a request without one would be a new visitor with nothing to trace yet, each
    holding a stream."""
    if "visitor" not in session:
        abort(404)
    channel = channel_for(current_visitor())
    if channel is None:
        abort(404)
    after, last_seq = whole_number(request.args.get("after", "0")), whole_number(request.args.get("seq", "0"))
    if after is None or last_seq is None:
        abort(400)
    store = trace_store()
    template = current_app.jinja_env.get_template("trace/_events.html")

    def stream() -> Iterator[str]:
        version, drawn = after, last_seq
        shown_groups = {r.invocation for r in store.exchanges(channel) if r.seq <= drawn}
        yield ": connected\n\n"  # the server sends the headers with the first bytes: open the stream now
        while True:
            version, changed = store.changes(channel, version, _KEEPALIVE_SECONDS)
            if not changed:
                yield ": keep-alive\n\n"
                continue
            time.sleep(_GATHER_SECONDS)
            version, more = store.changes(channel, version, 0)
            changed = list({r.seq: r for r in changed + more}.values())
            touched = {r.invocation for r in changed}
            groups = [g for g in invocations(store.exchanges(channel)) if g.number in touched]
            new_groups = [g for g in groups if g.number not in shown_groups]
            new_group_numbers = {g.number for g in new_groups}
            updates = [r for r in changed if r.invocation not in new_group_numbers]
            heads = [g for g in groups if g.number not in new_group_numbers]
            # The page has its "nothing yet" notice only while it shows no run: hide it with the first one.
            yield sse_message(template.render(new_groups=reversed(new_groups), updates=updates, heads=heads,
                                              drawn=drawn, was_empty=not shown_groups))
            shown_groups |= new_group_numbers
            drawn = max([drawn] + [r.seq for r in changed])

    return event_stream(stream(), long=True)
