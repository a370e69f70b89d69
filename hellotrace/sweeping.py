"""A background sweep for what keeps things in memory for a while (visitors, traces): it frees them on time even
when nobody new arrives, so that the memory of a class that left comes back."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import os
import sys
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

# glibc's malloc for a long-lived server with hundreds of threads. glibc reads it once, when a program starts
# (GLIBC_TUNABLES), hence restart_with_lean_malloc():
# - tcache_count=0: no per-thread cache of freed blocks. glibc keeps up to seven freed blocks of each size up to
#   about 1 KB in every thread, for that thread alone, until the thread ends; the site serves with up to 256
#   threads, and a class left tens of MiB there that malloc_trim cannot return (docs/benchmarks.md).
# - arena_max=2: two heaps rather than up to eight per core, each keeping the high-water of the bursts it served.
LEAN_MALLOC = "glibc.malloc.tcache_count=0:glibc.malloc.arena_max=2"


def restart_with_lean_malloc() -> None:
    """Run this program again in place with LEAN_MALLOC in GLIBC_TUNABLES, unless it is there already or this is
    not glibc: the same process (PID, arguments, open files), and its children inherit the setting. Settings of
    the caller's own in GLIBC_TUNABLES come after, so they win."""
    try:
        glibc = os.confstr("CS_GNU_LIBC_VERSION")
    except (ValueError, OSError):
        glibc = None
    given = os.environ.get("GLIBC_TUNABLES", "")
    if not glibc or LEAN_MALLOC in given:
        return
    os.environ["GLIBC_TUNABLES"] = f"{LEAN_MALLOC}:{given}" if given else LEAN_MALLOC
    try:
        os.execv(sys.executable, sys.orig_argv)
    except OSError as exc:  # it runs on as it is, with glibc's defaults
        log.warning("could not restart with GLIBC_TUNABLES=%s: %s", os.environ["GLIBC_TUNABLES"], exc)


# Run by give_back_memory() before glibc is asked to return its free pages (see on_give_back).
_BEFORE_TRIM: list[Callable[[], object]] = []


def on_give_back(action: Callable[[], object]) -> None:
    """Run `action` each time memory is given back, before glibc returns its free pages: once its last class
    left, the site ends the threads started for it and closes its database connections there (app.py)."""
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
