"""A background sweep for what keeps things in memory for a while (visitors, traces): it frees them on time even
when nobody new arrives, so that the memory of a class that left comes back."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import os
import threading
import time
import tracemalloc
import urllib.parse
import weakref
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger("hellotrace")


class Sweepable(Protocol):
    def sweep(self) -> bool:
        """Free what expired; True when something was freed."""


def _libc() -> ctypes.CDLL | None:
    library = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(library) if library else None
    except OSError:
        return None


_LIBC = _libc()
_TRIM = getattr(_LIBC, "malloc_trim", None)
_M_ARENA_MAX = -8  # glibc's malloc.h


def limit_malloc_arenas(count: int = 2) -> None:
    """Before the process starts its threads: glibc gives each thread that allocates under contention an arena
    of its own, up to eight per core, and each keeps the high-water of the bursts it served (a class's
    requests on waitress's threads), which malloc_trim returns only in part. With two, a crowd of 100 learners
    who went away left about 10 KiB less resident memory per learner (docs/benchmarks.md). Elsewhere than
    glibc, nothing."""
    mallopt = getattr(_LIBC, "mallopt", None)
    if mallopt is not None:
        mallopt(_M_ARENA_MAX, count)


# Run by give_back_memory() before glibc is asked to return its free pages (see on_give_back).
_BEFORE_TRIM: list[Callable[[], object]] = []


def on_give_back(action: Callable[[], object]) -> None:
    """Run `action` each time memory is given back, before glibc returns its free pages: once its last class
    left, the site renews its idle threads and closes its database connections there (app.py)."""
    _BEFORE_TRIM.append(action)


def give_back_memory() -> None:
    """After freeing many objects: collect cycles, then ask glibc to return its free pages to the system.
    Python's allocator gives back an arena only once all of it is free, and glibc keeps freed heap pages for
    reuse; without this, a process's resident size stays at its peak long after a class left (see
    docs/scaling.md). Elsewhere than glibc, only the collection runs."""
    urllib.parse.clear_cache()  # the last 128 addresses split, a class's, among its objects
    gc.collect()
    for action in _BEFORE_TRIM:
        action()
    if _TRIM is not None:
        _TRIM(0)
    if tracemalloc.is_tracing():  # PYTHONTRACEMALLOC=1: what Python objects still hold, arenas aside
        log.info("process %d: Python objects hold %d bytes after a sweep", os.getpid(),
                 tracemalloc.get_traced_memory()[0])


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
            try:
                if current.sweep():
                    give_back_memory()
            except Exception:  # noqa: BLE001 - one bad sweep must not end the sweeping for good
                log.exception("%s: the sweep failed; the next one runs in %g s", name, interval)
            del current

    threading.Thread(target=sweep_forever, name=name, daemon=True).start()
