"""Live streams (Server-Sent Events): the one way the site answers with a stream, and bounds on the long ones.

Waitress serves each request on one of a fixed number of threads, and a live stream keeps its thread for as
long as it is open: a class follower's or the trace page's for as long as the page is open. Were every thread
such a stream, every other request (a page, a step, a POST) would wait for one to end, for everybody. So
`python app.py` bounds them below its thread count (`site_server` in app.py): past the bound, a new long stream
is answered at once with a `retry:` field and closed, and the browser's EventSource connects again that many
milliseconds later (its standard behaviour), when a page may have been closed.

Within the bound, nobody may hold it all: a visitor (their browser session) holds at most VISITOR_STREAMS long
streams at once, and a client address at most a share of the slots (`StreamSlots.per_address`); past those, the
newest is turned away with the same `retry:`. nginx pins a visitor to one node, so counting per process is enough.

A step's stream ends with its run, within seconds at the timed paces: it takes no slot, so that a class running its
steps at once is never turned away. A run that waits for a click (step by step, or paused) may wait HOLD_LIMIT
per exchange: its stream takes a slot from then on (`stream_slot`). And however often a page asks for a run's
stream, a visitor has at most RUN_STREAMS of them open (`RunStreams`): a newer one ends the oldest.
"""

from __future__ import annotations

import ipaddress
import random
import threading
from collections.abc import Callable, Iterable, Iterator

from flask import Flask, Response, current_app, request, session, stream_with_context

HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
# How long a browser turned away waits before connecting again: spread, so that a room does not come back at once.
RETRY_MILLISECONDS = (3000, 8000)
# Long streams one visitor holds at once: a teacher's presenter tab and the projector's beside it each follow the
# teacher's events and the run going on (4), their own replay page the run too, the trace page, and room for a
# reloaded page whose new stream comes before the old one is gone; a student has the class, a run waiting for
# Next and the trace open.
VISITOR_STREAMS = 8
# Streams of one visitor's run at once: the teacher's presenter tabs (a laptop, the projector) and their own replay
# page all show it, and a reloaded one may come before its old stream is gone. Fewer, and the tabs took turns
# ending each other's stream, each then waiting seconds to come back.
RUN_STREAMS = 4
_SLOTS = "hellotrace.stream_slots"
_RUNS = "hellotrace.run_streams"


class StreamSlots:
    """How many long streams are open in this process, against a limit, and how many each visitor and each client
    address holds, against theirs; thread-safe. A client address may hold `per_address` (by default half the
    slots): a class behind one NAT address, 30 students with a class stream and a run waiting for Next each, fits,
    and one address cannot turn everybody else away."""

    def __init__(self, limit: int, *, per_visitor: int = VISITOR_STREAMS, per_address: int | None = None) -> None:
        self.limit = limit
        self.per_visitor = per_visitor
        self.per_address = per_address if per_address is not None else max(per_visitor, limit // 2)
        self.open = 0
        self._held: dict[str, int] = {}  # by visitor ("visitor:…") and by address ("address:…"); none at 0
        self._lock = threading.Lock()

    def take(self, visitor: str | None = None, address: str | None = None) -> bool:
        with self._lock:
            if self.open >= self.limit:
                return False
            keys = [(f"visitor:{visitor}", self.per_visitor)] if visitor is not None else []
            if address is not None:
                keys.append((f"address:{address}", self.per_address))
            if any(self._held.get(key, 0) >= most for key, most in keys):
                return False
            self.open += 1
            for key, _ in keys:
                self._held[key] = self._held.get(key, 0) + 1
            return True

    def give_back(self, visitor: str | None = None, address: str | None = None) -> None:
        with self._lock:
            self.open -= 1
            for key in (f"visitor:{visitor}" if visitor is not None else None,
                        f"address:{address}" if address is not None else None):
                if key is not None:
                    left = self._held.pop(key, 0) - 1
                    if left > 0:
                        self._held[key] = left

    def held_by(self, visitor: str | None = None, address: str | None = None) -> int:
        """The long streams a visitor (or else a client address) holds now."""
        key = f"visitor:{visitor}" if visitor is not None else f"address:{address}"
        with self._lock:
            return self._held.get(key, 0)


class Slot:
    """One stream's place among the process's slots: taken when a long stream opens, or once a step's stream
    turns long (its run waits for a click); given back once, when the stream ends. Without slots (a WSGI server
    other than the site's own), every take succeeds."""

    def __init__(self, slots: StreamSlots | None, visitor: str | None, address: str | None) -> None:
        self._slots = slots
        self._visitor = visitor
        self._address = address
        self.held = False

    def take(self) -> bool:
        if self.held or self._slots is None:
            return True
        self.held = self._slots.take(self._visitor, self._address)
        return self.held

    def give_back(self) -> None:
        if self.held and self._slots is not None:
            self.held = False
            self._slots.give_back(self._visitor, self._address)


def stream_slot() -> Slot:
    """A slot for this request's stream, not taken yet. Its visitor is the browser session's; a request without
    one counts under its client address as a visitor would (a page that opens a stream gave its session first).
    The address is the client's (its /64 for IPv6), except on loopback, where every visitor of a site that only
    listens there has the same."""
    address = _client_address()
    token = session.get("visitor")
    visitor = token if isinstance(token, str) and token else f"client {address or request.remote_addr}"
    return Slot(current_app.extensions.get(_SLOTS), visitor, address)


def _client_address() -> str | None:
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return None
    if address.is_loopback:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def retry_message() -> str:
    """What a stream turned away (or ended to make room) says: come back in a few seconds, spread."""
    retry = random.randint(*RETRY_MILLISECONDS)
    return f"retry: {retry}\n: this server holds as many live streams as it can; try again in {retry} ms\n\n"


class Follower:
    """One stream following a run; `replaced` once a newer stream of the same visitor's run took its place."""

    __slots__ = ("_runs", "key", "replaced")

    def __init__(self, runs: RunStreams, key: str) -> None:
        self._runs: RunStreams | None = runs
        self.key = key
        self.replaced = False

    def close(self) -> None:
        runs, self._runs = self._runs, None
        if runs is not None:
            runs.drop(self)


class RunStreams:
    """The streams open on each visitor's run, at most `per_run` at once: a newer one (a page reloaded, or a
    script asking for the same stream again and again) ends the oldest, which is woken to say so at once rather
    than hold its thread until its next event. Nothing is kept for a run nobody follows."""

    def __init__(self, per_run: int = RUN_STREAMS) -> None:
        self.per_run = per_run
        self._lock = threading.Lock()
        self._followers: dict[str, list[Follower]] = {}

    def follow(self, key: str, wake: Callable[[], None]) -> Follower:
        """A new follower of `key` (a visitor's run); `wake` wakes the streams waiting for that run's events."""
        follower = Follower(self, key)
        with self._lock:
            followers = self._followers.setdefault(key, [])
            followers.append(follower)
            ended = followers[:-self.per_run]
            del followers[:-self.per_run]
        for old in ended:
            old.replaced = True
            old._runs = None
        if ended:
            wake()
        return follower

    def drop(self, follower: Follower) -> None:
        with self._lock:
            followers = self._followers.get(follower.key, [])
            if follower in followers:
                followers.remove(follower)
            if not followers:
                self._followers.pop(follower.key, None)

    def following(self, key: str) -> int:
        with self._lock:
            return len(self._followers.get(key, ()))


def run_streams() -> RunStreams:
    found = current_app.extensions.get(_RUNS)
    return found if found is not None else current_app.extensions.setdefault(_RUNS, RunStreams())


class _Held:
    """A stream that runs its closing steps (its slot given back, its follower dropped) once, when it ends or is
    closed, started or not (a generator's `finally` does not run when it is closed before its first item)."""

    def __init__(self, stream: Iterator[str], closing: Iterable[Callable[[], None]]) -> None:
        self._stream = stream
        self._closing: tuple[Callable[[], None], ...] | None = tuple(closing)

    def __iter__(self) -> _Held:
        return self

    def __next__(self) -> str:
        try:
            return next(self._stream)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        closing, self._closing = self._closing, None
        if closing is not None:
            try:
                getattr(self._stream, "close", lambda: None)()
            finally:
                for step in closing:
                    step()


def install_stream_slots(app: Flask, limit: int, **bounds: int) -> None:
    """At most `limit` long streams at once in this process (its server has that many threads to spare); `bounds`:
    StreamSlots's per_visitor and per_address."""
    app.extensions[_SLOTS] = StreamSlots(limit, **bounds)


def event_stream(stream: Iterator[str], *, long: bool = False,
                 closing: Iterable[Callable[[], None]] = ()) -> Response:
    """`stream`'s messages as `text/event-stream`, within the request's context. A `long` stream (open for as long
    as its page is) takes one of the process's slots, or is turned away with a `retry:` if none is free to it.
    `closing`: what to do once the stream ends or is closed."""
    closing = list(closing)
    if long:
        slot = stream_slot()
        if not slot.take():
            return Response(retry_message(), mimetype="text/event-stream", headers=HEADERS)
        closing.append(slot.give_back)
    if closing:
        stream = _Held(stream, closing)
    return Response(stream_with_context(stream), mimetype="text/event-stream", headers=HEADERS)
