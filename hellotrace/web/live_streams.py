"""Live streams (Server-Sent Events): the one way the site answers with a stream, and a bound on the long ones.

Waitress serves each request on one of a fixed number of threads, and a live stream keeps its thread for as
long as it is open: a class follower's or the trace page's for as long as the page is open. Were every thread
such a stream, every other request (a page, a step, a POST) would wait for one to end, for everybody. So
`python app.py` bounds them below its thread count (`site_server` in app.py): past the bound, a new long stream
is answered at once with a `retry:` field and closed, and the browser's EventSource connects again that many
milliseconds later (its standard behaviour), when a page may have been closed. A step's stream is not bounded:
it ends with its run, which goes on without a request thread.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator

from flask import Flask, Response, current_app, stream_with_context

HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
# How long a browser turned away waits before connecting again: spread, so that a room does not come back at once.
RETRY_MILLISECONDS = (3000, 8000)


class StreamSlots:
    """How many long streams are open in this process, against a limit; thread-safe."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.open = 0
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self.open >= self.limit:
                return False
            self.open += 1
            return True

    def give_back(self) -> None:
        with self._lock:
            self.open -= 1


class _Held:
    """A stream that gives its slot back once, when it ends or is closed, started or not (a generator's
    `finally` does not run when it is closed before its first item)."""

    def __init__(self, stream: Iterator[str], slots: StreamSlots) -> None:
        self._stream = stream
        self._slots: StreamSlots | None = slots

    def __iter__(self) -> _Held:
        return self

    def __next__(self) -> str:
        try:
            return next(self._stream)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        slots, self._slots = self._slots, None
        if slots is not None:
            getattr(self._stream, "close", lambda: None)()
            slots.give_back()


def install_stream_slots(app: Flask, limit: int) -> None:
    """At most `limit` long streams at once in this process (its server has that many threads to spare)."""
    app.extensions["hellotrace.stream_slots"] = StreamSlots(limit)


def event_stream(stream: Iterator[str], *, long: bool = False) -> Response:
    """`stream`'s messages as `text/event-stream`, within the request's context. A `long` stream (open for as long
    as its page is) takes one of the process's slots, or is turned away with a `retry:` if none is free."""
    slots: StreamSlots | None = current_app.extensions.get("hellotrace.stream_slots") if long else None
    if slots is not None:
        if not slots.take():
            retry = random.randint(*RETRY_MILLISECONDS)
            busy = f"retry: {retry}\n: this server holds as many live streams as it can; try again in {retry} ms\n\n"
            return Response(busy, mimetype="text/event-stream", headers=HEADERS)
        stream = _Held(stream, slots)
    return Response(stream_with_context(stream), mimetype="text/event-stream", headers=HEADERS)
