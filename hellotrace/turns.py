"""The site's requests take turns at the interpreter, in the order they came, and work already begun goes first.

One Python process runs one thread at a time (the GIL). Left to themselves, a crowd's hundred request threads share
it by the GIL's own switching: every one of them advances a little at a time, so each request takes as long as the
whole crowd's work, and which one finishes first is luck (a stampede of 200 students had step times from 0.3 to
3 s for the same work: docs/benchmarks.md, "Turns"). `Turns` gives the interpreter to one request at a time:
- a request waits for its turn where the site is entered (`TakeTurns`, the outermost WSGI layer), in order of
  arrival, and keeps it until its answer is written;
- a page being opened (a browser's navigation) lets the actions of learners already at work go first, as long as
  serving the line of them takes (PATIENCE_PER_ACTION each): in a rush, the wait falls on the first load, which has
  the most room, rather than on the steps a student is running (a crowd's total wait is set by its CPU; only who
  waits is chosen);
- a thread that waits for something else (the engine's answer, a database commit, a click at the step-by-step
  pace) steps `aside()` and gives its turn to the next; when its wait ends it comes back before new requests, as
  does the work a request started (its replay's run, its live stream): finishing what was begun is what a
  student waits for;
- a turn is a lease: a thread that keeps it longer than LEASE is waiting somewhere nobody marked, and the next in
  line goes on beside it, so that an unmarked wait costs the others at most LEASE, never a deadlock.

Threads that are not requests (waitress's loop, the tap, the step-run writer, the sweeps) never wait for a turn.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

# How many threads work at once: one, since one process runs one thread at a time anyway.
AT_ONCE = 1
# The longest a turn is held before the next in line goes on beside its holder; a page takes a few milliseconds.
LEASE = 0.25
# A page being opened lets the actions waiting (a step's POST, then its run and its live stream) go first for this
# long per action in line, about what one keeps a node busy in a rush (5-6 ms of CPU, while the engines and nginx
# take their share of the cores). Served in order of arrival, a stampede's pages (all asked before any action) came
# within 0.4-0.6 s for 200 students and the steps within 1.0-1.4 s (p95): a crowd's total wait is set by its CPU, and
# the pages' room under their target went unused. Since nearly every student of a stampede is in line, a page then
# waits about this much per student of its node however fast the machine is: 9 ms made the pages the latest of all
# (0.95-0.99 s for 200 students, 2.45-2.52 s for 500), 7 ms keeps them a fifth under the targets while the steps
# gain the rest (docs/benchmarks.md, "Patient pages").
PATIENCE_PER_ACTION = 0.007
# Turns in a row given to work already begun while new requests wait: a run steps aside at each read of the
# engine's answer and comes back first, so several runs at once could otherwise keep a page waiting.
URGENT_IN_A_ROW = 8
# A turn held past its lease is logged at most this often (with the count so far).
LEASE_LOG_SECONDS = 60.0

log = logging.getLogger("hellotrace")


class _Holder:
    """One thread's turn; `detached` once the next in line went on beside it (its lease ran out)."""

    __slots__ = ("since", "detached")

    def __init__(self) -> None:
        self.since = time.monotonic()
        self.detached = False


class Turns:
    """Turns at the interpreter for `at_once` threads, handed over in order: those coming back first
    (`urgent`), then the others as they came, pages being opened (`patient`) after the actions waiting, until they
    waited `patience` per action in line."""

    def __init__(self, at_once: int = AT_ONCE, lease: float = LEASE, patience: float = PATIENCE_PER_ACTION) -> None:
        self.lease = lease
        self.patience = patience
        self._lock = threading.Lock()
        self._free = at_once
        self._holders: list[_Holder] = []
        self._urgent: collections.deque[threading.Lock] = collections.deque()
        self._waiting: collections.deque[threading.Lock] = collections.deque()
        self._patient: collections.deque[tuple[threading.Lock, float]] = collections.deque()  # with when queued
        self._handed: dict[threading.Lock, _Holder] = {}
        self._mine = threading.local()
        self._watching = False
        self._urgent_in_a_row = 0
        self.leases_run_out = 0
        self._lease_logged_at = float("-inf")

    def holding(self) -> bool:
        return self.held() is not None

    def enter(self, urgent: bool = False, patient: bool = False) -> None:
        """Wait for a turn (the calling thread holds none)."""
        with self._lock:
            if self._free and not self._queued():
                self._free -= 1
                self._mine.holder = self._hold()
                return
            waiter = threading.Lock()
            waiter.acquire()
            queue: collections.deque[Any]
            entry: Any
            if urgent:
                queue, entry = self._urgent, waiter
            elif patient:
                queue, entry = self._patient, (waiter, time.monotonic())
            else:
                queue, entry = self._waiting, waiter
            queue.append(entry)
            if not self._watching:
                try:
                    threading.Thread(target=self._watch, name="turns-lease", daemon=True).start()
                except BaseException:
                    # No watcher (can't start new thread): this thread does not wait, and leaves nothing queued
                    # that a hand-over could give a turn to; the next to queue tries again.
                    queue.remove(entry)
                    raise
                self._watching = True  # the watcher needs this lock: it reads the flag only once it is set
        waiter.acquire()  # released by the thread that hands this one its turn
        with self._lock:
            self._mine.holder = self._handed.pop(waiter)

    def leave(self) -> None:
        """Give the calling thread's turn to the next in line."""
        holder, self._mine.holder = getattr(self._mine, "holder", None), None
        if holder is None:
            raise RuntimeError("this thread holds no turn")
        self.give_back(holder)

    def held(self) -> _Holder | None:
        """The calling thread's turn, to give back from wherever its end is known (`give_back`)."""
        return getattr(self._mine, "holder", None)

    def give_back(self, holder: _Holder) -> None:
        """Give `holder`'s turn to the next in line, from any thread; once only (again: nothing happens)."""
        mine = getattr(self._mine, "holder", None)
        if mine is holder:
            self._mine.holder = None
        with self._lock:
            if holder not in self._holders:
                return
            self._holders.remove(holder)
            if not holder.detached:
                self._hand_over()

    def _queued(self) -> bool:
        return bool(self._urgent or self._waiting or self._patient)

    def _hold(self) -> _Holder:
        holder = _Holder()
        self._holders.append(holder)
        return holder

    def _hand_over(self) -> None:
        """A turn is free (the lock is held): to the next in line, or kept for the next to come. Work begun goes
        first, but not forever: after URGENT_IN_A_ROW of it while others wait, the oldest of the others goes.
        Among new requests, a page being opened goes once it waited `patience` for each action waiting (at once
        when none does)."""
        others = self._waiting or self._patient
        if self._urgent and (not others or self._urgent_in_a_row < URGENT_IN_A_ROW):
            self._urgent_in_a_row += 1
            waiter = self._urgent.popleft()
        else:
            self._urgent_in_a_row = 0
            if self._patient and time.monotonic() - self._patient[0][1] >= self.patience * len(self._waiting):
                waiter = self._patient.popleft()[0]
            elif self._waiting:
                waiter = self._waiting.popleft()
            else:
                self._free += 1
                return
        self._handed[waiter] = self._hold()
        waiter.release()

    def _watch(self) -> None:
        """While threads wait: a turn held past its lease is handed on (its holder goes on, detached)."""
        while True:
            with self._lock:
                if not self._queued():
                    self._watching = False
                    return
                now = time.monotonic()
                for holder in list(self._holders):
                    if not holder.detached and now - holder.since > self.lease:
                        holder.detached = True
                        self._hand_over()
                        self._note_lease_ran_out(now)
                oldest = min((h.since for h in self._holders if not h.detached), default=now)
            time.sleep(max(oldest + self.lease - now, self.lease / 10))

    def _note_lease_ran_out(self, now: float) -> None:
        """Count it, and say so in the log at most once per LEASE_LOG_SECONDS: each is a wait nobody marked with
        `aside`, which held everyone else back for a lease."""
        self.leases_run_out += 1
        if now - self._lease_logged_at >= LEASE_LOG_SECONDS:
            self._lease_logged_at = now
            log.warning("turns: a request kept its turn past the %.2f s lease (%d times since this process started): "
                        "a wait that does not step aside (hellotrace/turns.py)", self.lease, self.leases_run_out)

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Hold a turn for the block, coming back first (the work of a request already served); a thread that
        holds one keeps it."""
        if self.holding():
            yield
            return
        self.enter(urgent=True)
        try:
            yield
        finally:
            self.leave()

    @contextmanager
    def aside(self) -> Iterator[None]:
        """Give the turn to the next in line while the block waits, and come back first. No lock may be held
        around it that the next in line could want (it would wait for the lease)."""
        if not self.holding():
            yield
            return
        self.leave()
        try:
            yield
        finally:
            self.enter(urgent=True)


# The site's turns: one process, one interpreter. A thread that holds none (a test calling the application
# directly, the engine in the site's process) passes `aside` as if it were not there; `turn` makes it take one,
# so that under another server, or in tests, the replay's runs only take turns among themselves.
SITE_TURNS = Turns()
aside = SITE_TURNS.aside
turn = SITE_TURNS.turn


class TakeTurns:
    """WSGI: each request waits for its turn before the application sees it, and keeps it until its answer is
    written. A live stream gives its turn back once started: it spends its life waiting for events, and takes a
    turn for each message it draws (the replay's). Browsers' EventSource asks for `text/event-stream`: such a
    request comes back first, as the rest of a step already begun. A page being opened is patient: a GET whose
    Accept starts with `text/html`, as every browser's navigation does (over plain HTTP on a classroom's network
    too, where browsers send no `Sec-Fetch-Mode`), and not htmx's (it says `HX-Request`; assets and EventSource ask
    for other types)."""

    def __init__(self, app: Callable[..., Iterable[bytes]], turns: Turns = SITE_TURNS) -> None:
        self.app = app
        self.turns = turns

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        streamed = False

        def starting(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            nonlocal streamed
            streamed = any(name.lower() == "content-type" and value.startswith("text/event-stream")
                           for name, value in headers)
            return start_response(status, headers, *rest)

        accept = environ.get("HTTP_ACCEPT", "")
        opened = (environ.get("REQUEST_METHOD") == "GET" and accept.startswith("text/html")
                  and "HTTP_HX_REQUEST" not in environ)
        self.turns.enter(urgent="text/event-stream" in accept, patient=opened)
        try:
            body = self.app(environ, starting)
        except BaseException:
            self._give_back()
            raise
        file_wrapper = environ.get("wsgi.file_wrapper")
        if streamed or (isinstance(file_wrapper, type) and isinstance(body, file_wrapper)):
            # A stream draws its messages in turns of their own; a file (a static asset) is sent by the server's
            # loop, not by this thread.
            self._give_back()
            return body
        holder = self.turns.held()  # not necessarily the one entered above: an aside comes back with another
        if holder is None:
            return body
        return _TurnKept(body, self.turns, holder)

    def _give_back(self) -> None:
        holder = self.turns.held()
        if holder is not None:
            self.turns.give_back(holder)


class _TurnKept:
    """An answer's body, whose turn is given back once the server closed it (written or abandoned)."""

    def __init__(self, body: Iterable[bytes], turns: Turns, holder: _Holder) -> None:
        self._body = body
        self._turns: Turns | None = turns
        self._holder = holder

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._body)

    def close(self) -> None:
        # The turn taken for this answer, whichever thread closes it (PEP 3333 does not say which).
        turns, self._turns = self._turns, None
        try:
            getattr(self._body, "close", lambda: None)()
        finally:
            if turns is not None:
                turns.give_back(self._holder)
