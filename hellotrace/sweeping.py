"""A background sweep for what keeps things in memory for a while (visitors, traces): it frees them on time even
when nobody new arrives, so that the memory of a class that left comes back."""

from __future__ import annotations

import threading
import time
import weakref
from typing import Protocol


class Sweepable(Protocol):
    def sweep(self) -> None: ...


def sweep_interval(idle_seconds: float) -> float:
    """How often to look: a quarter of the idle time, between 1 s and a minute."""
    return min(60.0, max(1.0, idle_seconds / 4))


def start_sweeper(owner: Sweepable, interval: float, name: str) -> None:
    """Call `owner.sweep()` every `interval` seconds for as long as `owner` exists (a test's site may be dropped:
    the thread holds it only weakly, and ends with it)."""
    reference = weakref.ref(owner)

    def sweep_forever() -> None:
        while True:
            time.sleep(interval)
            current = reference()
            if current is None:
                return
            current.sweep()
            del current

    threading.Thread(target=sweep_forever, name=name, daemon=True).start()
