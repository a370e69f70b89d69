"""How fast a replay tells its story, so that a teacher can narrate it.

A run asks its `Pacer` before each exchange is sent (the exchange is already announced, so the page shows
the request and its curl while it waits) and after each pull progress line. Step by step, each exchange
waits for one `advance()` (the "Next" button); slow and normal wait a fixed time; instant never waits.
Pause holds a run at its next exchange or progress line until `resume()`.

Nothing waits forever: a run left on hold for `HOLD_LIMIT` seconds goes on at once, so a visitor who walks
away does not keep a connection and a thread forever.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass

from hellotrace.turns import aside

PACES = ("step", "slow", "normal", "instant")
DEFAULT_PACE = "normal"
HOLD_LIMIT = 15 * 60.0


@dataclass(frozen=True)
class Delays:
    """Seconds to wait before sending an exchange, and after each progress line of a pull."""

    exchange: float
    item: float


DELAYS = {
    "step": Delays(0.0, 0.15),
    "slow": Delays(1.5, 0.15),
    "normal": Delays(0.4, 0.03),
    "instant": Delays(0.0, 0.0),
}


class Pacer:
    """The pace of one visitor's replay; methods are safe to call from any thread."""

    def __init__(self, pace: str = DEFAULT_PACE, *, hold_limit: float = HOLD_LIMIT) -> None:
        self._cond = threading.Condition()
        self.pace = pace if pace in PACES else DEFAULT_PACE
        self.paused = False
        self.hold_limit = hold_limit
        self._credits = 0  # "Next" presses not yet used by an exchange
        self.waiting = 0  # exchanges held at the gate right now (the page offers "Next" while > 0)

    def set_pace(self, pace: str) -> bool:
        """Change the pace, effective at once for a run in progress; False for an unknown pace."""
        if pace not in PACES:
            return False
        with self._cond:
            self.pace = pace
            self._credits = 0
            self._cond.notify_all()
        return True

    def pause(self) -> None:
        with self._cond:
            self.paused = True
            self._cond.notify_all()

    def resume(self) -> None:
        with self._cond:
            self.paused = False
            self._cond.notify_all()

    def advance(self) -> bool:
        """One "Next": lets exactly one held exchange go. False when no exchange is waiting (nothing is
        stored for later, so a press never sends an exchange the page has not shown yet)."""
        with self._cond:
            if self.pace != "step" or self.waiting <= self._credits:
                return False
            self._credits += 1
            self._cond.notify_all()
            return True

    @contextmanager
    def _gate(self) -> Iterator[None]:
        """The pacer's lock, for a run that may wait in it. Other requests go on while the run waits for a click or
        a delay (the instant pace never waits): it steps aside first, outside the lock, which the next in line may
        want (to press Next). A pace that stops being instant between that choice and the lock is seen under the
        lock, and the run goes back to step aside rather than wait holding its turn."""
        while True:
            waits = self._waits()
            with aside() if waits else nullcontext(), self._cond:
                if waits or not self._waits():
                    yield
                    return

    def _waits(self) -> bool:
        return self.paused or self.pace != "instant"

    def before_exchange(self) -> None:
        """Called by the run before each exchange leaves; returns when it may."""
        with self._gate():
            self.waiting += 1
            try:
                self._hold(lambda: self.pace == "step" and self._credits == 0, "exchange")
                if self.pace == "step" and self._credits > 0:
                    self._credits -= 1
            finally:
                self.waiting -= 1

    def after_item(self) -> None:
        """Called after each progress line of a pull."""
        with self._gate():
            self._hold(lambda: False, "item")

    def _hold(self, held_by_step: Callable[[], bool], kind: str) -> None:
        """Wait while paused or held by step mode, then for the pace's delay (the lock is held on entry)."""
        deadline = time.monotonic() + self.hold_limit
        waited_since = time.monotonic()
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.pace, self.paused = "instant", False
                return
            if self.paused or held_by_step():
                self._cond.wait(remaining)
                waited_since = time.monotonic()
                continue
            delay = getattr(DELAYS[self.pace], kind)
            left = delay - (time.monotonic() - waited_since)
            if left <= 0:
                return
            self._cond.wait(min(left, remaining))
