"""`GET /events`: the sandbox's events, replayed from `since`, then streamed live until `until` or the client goes.

Each event is one JSON line, written the moment it happens (daemon/server/router/system getEvents); filters
select by type, action, object and label as daemon/events/filter.go does.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from hellotrace.engine.api import Call, daemon_headers
from hellotrace.engine.events import Event
from hellotrace.engine.filter_args import unix_time
from hellotrace.engine.http import Response
from hellotrace.engine.routes_images import parse_filters
from hellotrace.protocol.errors import invalid_parameter
from hellotrace.protocol.jsonwire import encode_json

_FILTERS = ("config", "container", "daemon", "event", "image", "label", "network", "node", "plugin", "scope",
            "secret", "service", "type", "volume")
_POLL_SECONDS = 0.5


def events(call: Call) -> Response:
    filters = parse_filters(call.request.arg("filters"))
    for key in filters:
        if key not in _FILTERS:
            raise invalid_parameter(f"invalid filter '{key}'")
    since = unix_time(call.request.arg("since"))
    until = unix_time(call.request.arg("until"))
    if since is not None and until is not None and since > until:
        raise invalid_parameter("`since` time cannot be after `until` time")
    log = call.sandbox.events

    def wanted(event: Event) -> bool:
        return (since is None or event.time.timestamp() >= since) and (until is None or event.time.timestamp()
                                                                        <= until) and _matches(event, filters)

    # Subscribed now, before the head goes out: a client that acts as soon as it has the head sees its event.
    start = log.last_seq
    backlog = [event for event in log.after(0) if event.seq <= start] if since is not None else []

    def body() -> Iterator[bytes]:
        cursor = start
        yield b""
        for event in backlog:
            if wanted(event):
                yield encode_json(event.message())
        while until is None or time.time() < until:
            with log.cond:
                fresh = log.after(cursor)
                if not fresh:
                    timeout = _POLL_SECONDS if until is None else max(0.0, min(_POLL_SECONDS, until - time.time()))
                    log.cond.wait(timeout)
                    fresh = log.after(cursor)
            if fresh:
                cursor = fresh[-1].seq
            for event in fresh:
                if wanted(event):
                    yield encode_json(event.message())
            yield b""

    return Response(200, daemon_headers([("Content-Type", "application/json")]), body())


def _matches(event: Event, filters: dict[str, list[str]]) -> bool:
    attributes = event.attributes

    def one_of(key: str, candidates: set[str]) -> bool:
        values = filters.get(key)
        return not values or any(value in candidates for value in values)

    name = attributes.get("name", "")
    actor = {event.actor_id, name} if event.type in ("container", "network", "volume") else set()
    if event.type == "container":
        actor |= {event.actor_id[:len(v)] for v in filters.get("container", []) if len(v) >= 1}
    images = {attributes.get("image", ""), event.actor_id if event.type == "image" else "", name}
    labels_ok = all(
        key in attributes and (not sep or attributes[key] == value)
        for key, sep, value in (wanted.partition("=") for wanted in filters.get("label", []))
    )
    return (one_of("type", {event.type}) and one_of("event", {event.action, event.action.partition(":")[0]})
            and one_of("scope", {"local"})
            and (not filters.get("container") or (event.type == "container" and one_of("container", actor)))
            and (not filters.get("image") or one_of("image", images - {""}))
            and (not filters.get("network") or (event.type == "network" and one_of("network", actor)))
            and (not filters.get("volume") or (event.type == "volume" and one_of("volume", actor)))
            and labels_ok)


ROUTES = [
    ("GET", r"/events", events),
]
