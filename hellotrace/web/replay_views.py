"""The replay page: four steps, each run for real, results streamed live with htmx and Server-Sent Events.

Without JavaScript every button is a plain form: the run happens during the POST and the page comes back
with the results (post/redirect/get). With htmx the POST only starts the run and returns the element that
connects to its event stream; each event then arrives as a fragment swapped out of band into its step.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_htmx import HTMX

from hellotrace.curl_script import replay_script
from hellotrace.har import build_har, har_bytes
from hellotrace.messages import N_
from hellotrace.pacing import PACES
from hellotrace.replay import SEQUENCES, STEPS, EventLog, Replay, RunEvent
from hellotrace.tracing import TraceLimits
from hellotrace.turns import turn
from hellotrace.web import labels
from hellotrace.web.diagrams import replay_diagram
from hellotrace.web.errors import NoSession
from hellotrace.web.i18n import _
from hellotrace.web.learners import record_steps_run
from hellotrace.web.live_streams import event_stream, retry_message, run_streams, stream_slot
from hellotrace.web.projector import cut_short, projected_sandbox
from hellotrace.web.render import echoed, sse_message
from hellotrace.web.visitor_cookie import node_routing
from hellotrace.web.visitors import Visitor, Visitors
from hellotrace.whole_numbers import whole_number

bp = Blueprint("replay", __name__, url_prefix="/<lang>/replay")
htmx = HTMX()

_SUMMARY_LIMITS = TraceLimits(connect_timeout=1.0, read_timeout=2.0, exchange_timeout=3.0)
# Idle SSE streams send a comment this often, which also notices a browser that went away.
_KEEPALIVE_SECONDS = 10.0


def visitors() -> Visitors:
    return current_app.extensions["hellotrace.visitors"]


def current_visitor() -> Visitor:
    """The visitor of this browser session, made on its first page. A request that changes state and comes
    without a session belongs to nobody: it is refused (NoSession) rather than given a new visitor, whose
    sandbox and containers a script could otherwise multiply one POST at a time."""
    pool = visitors()
    token = session.get("visitor")
    if isinstance(token, str) and token.isalnum() and len(token) <= 32:
        visitor = pool.get(token, request.host)
    else:
        if request.method not in ("GET", "HEAD"):
            raise NoSession()
        visitor = pool.new(request.host, routes_here=node_routing())
        session["visitor"] = visitor.token
        session.permanent = True
    g.visitor_token = visitor.token  # the cookie nginx routes by follows it (visitor_cookie.py)
    # Said on the next whole page the visitor opens (not in a fragment or the live stream of a run).
    if request.method == "GET" and not htmx and request.endpoint != "replay.events":
        home, g.sandbox_notice = pool.arrive(visitor, session.get("home"))  # base.html says it once
        if home is not None and home != session.get("home"):
            session["home"] = home
    # The pace is remembered with the visitor's session, so it outlives the replay kept in memory.
    pace = session.get("pace")
    if isinstance(pace, str) and pace != visitor.replay.pacer.pace:
        visitor.replay.pacer.set_pace(pace)
    return visitor


# Fields of the run form that mean nothing in a page's address (the no-JavaScript sequence button sends them by GET).
_RUN_FORM_ONLY = ("csrf_token", "drawn_sequence")


def _sequence_to_run(visitor: Visitor) -> tuple[str, bool]:
    """The sequence a run's form asks for, and whether its page is out of date. Each run form carries the
    sequence its page was drawn with (`drawn_sequence`) beside the one chosen (`sequence`: a radio, or that same
    sequence again). Chosen on the page, it differs from the drawn one and is run. The same as the drawn one but not
    the replay's, the page was drawn before the sequence changed elsewhere (another tab of the visitor, or the class
    whose presenter shows this replay): the replay keeps its sequence rather than a stale page taking it back."""
    chosen = _sequence_arg(request.form.get("sequence"), visitor)
    drawn = request.form.get("drawn_sequence")
    current = visitor.replay.sequence
    if drawn in SEQUENCES and chosen == drawn != current:
        return current, True
    return chosen, False


def current_step(replay: Replay) -> int:
    """The step a run is on, or the one the next click would run."""
    log = replay.running
    if log is not None:
        started = [event.step for event in log.events if event.kind == "step-start"]
        if started:
            return started[-1]
    return replay.next_step


def _sequence_arg(value: str | None, visitor: Visitor) -> str:
    if value is None or value == "":
        return visitor.replay.sequence
    if value not in SEQUENCES:
        g.messages = [(N_("Unknown sequence “%(sequence)s”: the curl recipe is used."),
                       {"sequence": echoed(value, 40)})]
        return "recipe"
    return value


def _daemon_summary(visitor: Visitor) -> dict[str, object]:
    """What the page says about the daemon it talks to. Every sandbox of the mock answers /version alike,
    so the answer is cached per daemon for a few seconds: a class opening the page costs one call."""
    pool = visitors()
    key = "mock" if pool.uses_mock else visitor.replay.address.normalized
    cache = current_app.extensions.setdefault("hellotrace.daemon_summary", {})
    cached = cache.get(key)
    if not cached or time.monotonic() - cached["at"] >= 5:
        with visitor.replay.client(limits=_SUMMARY_LIMITS) as client:
            exchange = client.version()
        body = exchange.response.json() if exchange.response is not None and exchange.status == 200 else None
        facts: dict[str, object] = {}
        if isinstance(body, dict):
            facts.update(version=body.get("Version", "?"), api=body.get("ApiVersion", "?"), os=body.get("Os", "?"),
                         platform=(body.get("Platform") or {}).get("Name", ""))
        else:
            facts["error"] = exchange.error
        cached = cache[key] = {"at": time.monotonic(), "facts": facts}
    return {"mock": pool.uses_mock, "address": visitor.replay.address.normalized, **cached["facts"]}


def page_context(visitor: Visitor) -> dict[str, object]:
    """What the replay's template needs; the class pages (presenter, follower) show the same replay."""
    replay = visitor.replay
    return {
        "visitor": visitor,
        "replay": replay,
        "steps": STEPS,
        "daemon": _daemon_summary(visitor),
        "running": replay.running,
        "drawn": visitor.drawing(g.lang),
        "current_step": current_step(replay),
        "paces": PACES,
        "quota": visitors().quota,
        "messages": getattr(g, "messages", []),
        # Where the sequence radios reload: the page that shows this replay (the presenter, a student's page).
        "sequence_url": request.path if request.method == "GET" else url_for("replay.page", lang=g.lang),
    }


def _page(visitor: Visitor, status: int = 200) -> tuple[str, int]:
    return render_template("replay/page.html", **page_context(visitor)), status


def sequence_from_query() -> Response | None:
    """`?sequence=` chooses the replay's sequence, on any page that shows the replay (its own, the presenter, a
    student's): the radios reload the page they are on. The no-JavaScript button submits the run form by GET,
    token included: a token must not stay in the address bar, the history or a Referer, so the page is reached
    again without it, nor the run form's other hidden field (the redirect returned)."""
    if "csrf_token" in request.args:
        # Only the query's own parameters go on: not one named like the path's (`lang`), nor url_for's
        # (`_external`, `_scheme`…), which a crafted address could otherwise set.
        path_args = request.view_args or {}
        kept = {name: value for name, value in request.args.items()
                if name not in _RUN_FORM_ONLY and name not in path_args and not name.startswith("_")}
        return redirect(url_for(request.endpoint, **path_args, **kept), 303)
    sequence = request.args.get("sequence")
    if sequence is not None:
        visitor = current_visitor()
        visitor.replay.choose_sequence(_sequence_arg(sequence, visitor))
    return None


@bp.get("")
def page(lang: str):
    return sequence_from_query() or _page(current_visitor())


@bp.post("/run")
def run(lang: str):
    visitor = current_visitor()
    target = request.form.get("step")
    if target is None:
        # Every button names its step ("Run all" too). A form without one was cut short on its way (Werkzeug reads a
        # multipart body cut short as an empty form) or written by hand: nothing runs.
        g.messages = [(N_("The form did not say which step to run: choose 1, 2, 3, 4 or all."), {})]
        return _page(visitor, 400)
    step: int | str | None = target if target == "all" else whole_number(target)
    if step not in (*STEPS, "all"):
        g.messages = [(N_("There is no step “%(step)s”: choose 1, 2, 3, 4 or all."), {"step": echoed(target, 20)})]
        return _page(visitor, 400)
    chosen = request.form.get("sequence")
    if chosen not in (None, "", *SEQUENCES):
        # A form or a script asked for a sequence there is not: nothing runs, rather than the recipe in its place.
        g.messages = [(N_("There is no sequence “%(sequence)s”: choose recipe (the curl recipe) or cli (what the "
                          "docker CLI sends)."), {"sequence": echoed(chosen, 40)})]
        return _page(visitor, 400)
    sequence, stale = _sequence_to_run(visitor)
    going = visitor.replay.running
    # With htmx the run goes on in the background; without, it is over when start returns.
    log = visitor.replay.start(step, sequence, background=bool(htmx))
    # Another tab of this visitor started a run that is still going: this click joined it, and ran nothing.
    joined = log is going
    if not joined:
        # The steps it runs (step 4 first runs 1 to 3 as well); with htmx, recorded while the run goes on: in a
        # crowd, the commit waits for others' rows to share its transaction.
        record_steps_run(log.plan)
    if htmx:
        # The page follows the run it started, or the one going on, and says so.
        answer = make_response(render_template("replay/_live.html", run_id=log.run_id, log=log, joined=joined,
                                               queued=() if joined else log.plan))
        if stale:
            # Its steps' texts are another sequence's: the page is drawn again, and shows this run there.
            answer.headers["HX-Refresh"] = "true"
        return answer
    anchor = "step-1" if step == "all" else f"step-{step}"
    return redirect(url_for("replay.page", lang=lang, _anchor=anchor), code=303)


@bp.get("/runs/<run_id>/events")
def events(lang: str, run_id: str) -> Response:
    visitor = current_visitor()
    log = _find_run(visitor, run_id)
    if log is None:
        abort(404)
    replay = visitor.replay
    template = current_app.jinja_env.get_template("replay/_events.html")
    context = {"lang": lang, "run_id": run_id, "replay": replay, "log": log, "all_steps": STEPS}
    projected = projected_sandbox()  # the presenter's stream: its sandbox's name cut short
    # A newer stream of this run ends the oldest past RUN_STREAMS; a run that waits for a click may wait for
    # HOLD_LIMIT at each exchange, and its stream then counts among the long ones (live_streams.py).
    follower = run_streams().follow(f"{visitor.token} {run_id}", log.wake)
    slot = stream_slot()

    def stream() -> Iterator[str]:
        index, drawn, arrows = 0, None, visitor.drawing(lang)
        while True:
            if follower.replaced:
                yield retry_message()
                return
            if not slot.held and (replay.pacer.pace == "step" or replay.pacer.paused) and not log.closed:
                if not slot.take():
                    yield retry_message()
                    return
            events, finished = log.read_from(index, _KEEPALIVE_SECONDS)
            if not events and not finished:
                if not follower.replaced:
                    yield ": keep-alive\n\n"
                continue
            if events:
                # Those that follow within _GATHER_SECONDS, and whether the run ended with them.
                more, finished = log.read_at_end(index + len(events), _GATHER_SECONDS)
                events = events + more
                index += len(events)
            shown = _collapse([event for event in events if _is_shown(event)])
            message = ""
            if shown:
                # The diagram is sent again only when what it shows changed: many events of a paced run (a slow
                # pull's progress lines, a step-by-step pause) leave it as the page already has it.
                with turn():  # drawn as the rest of the step its student began (turns.py)
                    diagram = None
                    if any(event.kind in _REDRAWN for event in shown):
                        diagram = replay_diagram(replay)
                        diagram, drawn = (None, drawn) if diagram == drawn else (diagram, diagram)
                    batch = template.render(events=shown, diagram=diagram, arrows=arrows, **context)
                message = sse_message(cut_short(batch, projected) if projected else batch)
            if finished:
                # The run's end, in the same write as its last batch (most instant runs end within one).
                visitor.last_seen = time.monotonic()  # watching a long run is not being idle
                yield message + sse_message("", event="done")
                return
            if message:
                yield message

    return event_stream(stream(), closing=(follower.close, slot.give_back))


# Trace events the page draws; the others (raw body bytes, the exchange's own start) add nothing to see.
_SHOWN_TRACES = {"request-sent", "response-head", "json-line", "frame", "ended"}


# Events that change the sequence diagram, which is then drawn again once for the whole batch.
_REDRAWN = {"exchange-start", "exchange-whole", "trace"}


def _is_shown(event: RunEvent) -> bool:
    return event.kind != "trace" or (event.trace is not None and event.trace.kind in _SHOWN_TRACES)


# Events that arrive within this window go out as one message: invisible to a reader, and most exchanges
# (a millisecond each) then arrive whole, which is far cheaper to draw than event by event.
_GATHER_SECONDS = 0.05


def _collapse(events: list[RunEvent]) -> list[RunEvent]:
    """An exchange whose whole story is in this batch (most calls take a millisecond) is drawn once, whole,
    rather than as a skeleton plus one swap per event: same page, a fraction of the rendering."""
    started = {(id(e.exchange), e.step) for e in events if e.kind == "exchange-start"}
    ended = {(id(e.exchange), e.step) for e in events
             if e.kind == "trace" and e.trace is not None and e.trace.kind == "ended"}
    whole = started & ended
    collapsed = []
    for event in events:
        key = (id(event.exchange), event.step)
        if key in whole:
            if event.kind == "exchange-start":
                collapsed.append(replace(event, kind="exchange-whole"))
            continue
        collapsed.append(event)
    return collapsed


def _find_run(visitor: Visitor, run_id: str) -> EventLog | None:
    replay = visitor.replay
    for log in (replay.running, replay.last_run):
        if log is not None and log.run_id == run_id:
            return log
    return None


@bp.post("/reset")
def reset(lang: str):
    visitor = current_visitor()
    exchanges = visitor.replay.reset()
    if exchanges is None:
        # A run is in progress. htmx swaps only 2xx answers, so it gets the message as a 200 fragment.
        g.messages = [(N_("A run is already in progress for you; its results appear below."), {})]
        if htmx:
            return render_template("replay/_busy.html")
        return _page(visitor, 409)
    if htmx:
        return render_template("replay/_reset.html", exchanges=exchanges, steps=STEPS, replay=visitor.replay)
    return redirect(url_for("replay.page", lang=lang), code=303)


@bp.post("/pace")
def pace(lang: str):
    """Choose how fast runs go; remembered in the visitor's session."""
    visitor = current_visitor()
    chosen = request.form.get("pace", "")
    if not visitor.replay.pacer.set_pace(chosen):
        g.messages = [(N_("“%(pace)s” is not a pace. Choose step by step, slow, normal or instant."),
                       {"pace": chosen[:20]})]
        return _page(visitor, 400)
    session["pace"] = chosen
    return _pace_answer(visitor, lang)


@bp.post("/next")
def next_exchange(lang: str):
    """Step by step: send the exchange the page shows as next (nothing when none is waiting)."""
    visitor = current_visitor()
    visitor.replay.pacer.advance()
    return _pace_answer(visitor, lang)


@bp.post("/pause")
def pause(lang: str):
    visitor = current_visitor()
    if request.form.get("paused") == "1":
        visitor.replay.pacer.pause()
    else:
        visitor.replay.pacer.resume()
    return _pace_answer(visitor, lang)


def _pace_answer(visitor: Visitor, lang: str):
    if htmx:
        return render_template("replay/_pace.html", replay=visitor.replay, paces=PACES)
    return redirect(url_for("replay.page", lang=lang), code=303)


def _step_title(step: int) -> str:
    return f"{step}. " + _(labels.STEP_TITLE[step])


@bp.get("/export.har")
def export_har(lang: str) -> Response:
    """The visitor's replay so far as a HAR 1.2 file, one page per step."""
    replay = current_visitor().replay
    sections = [(_step_title(step), list(replay.steps[step].exchanges)) for step in STEPS]
    comment = _("docker run hello-world replayed by hellotrace: %(sequence)s.",
                sequence=_(labels.REPLAY_SEQUENCE[replay.sequence]))
    return _download(har_bytes(build_har(sections, comment)), "application/json",
                     f"hellotrace-{replay.sequence}.har")


@bp.get("/export.sh")
def export_sh(lang: str) -> Response:
    """The visitor's replay so far as a bash script of curl commands, for any daemon DOCKER_HOST names."""
    replay = current_visitor().replay
    steps = []
    for step in STEPS:
        record = replay.steps[step]
        steps.append((_step_title(step), [(exchange, record.part(exchange)) for exchange in list(record.exchanges)]))
    comments = _("docker run hello-world as replayed by hellotrace (%(sequence)s), as curl commands.\nThe daemon "
                 "comes from DOCKER_HOST, as for the docker CLI: unix:///path/to/docker.sock, or\ntcp://host:port "
                 "with an optional base path (a hellotrace sandbox: tcp://127.0.0.1:2375/sandboxes/…).\nWithout "
                 "DOCKER_HOST: unix:///var/run/docker.sock. Run it with: bash this-file.sh",
                 sequence=_(labels.REPLAY_SEQUENCE[replay.sequence])).split("\n")
    script = replay_script(steps, comments=comments, translate=_)
    return _download(script.encode("utf-8"), "text/x-shellscript", f"hellotrace-{replay.sequence}.sh")


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"}
    return Response(data, mimetype=mimetype, headers=headers)
