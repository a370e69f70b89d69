"""Renewing waitress's idle threads, so that the memory glibc caches in each of them goes back to the system.

glibc keeps, in every thread, a small cache of the blocks that thread freed (its tcache: up to seven blocks of
each size up to about 1 KB), for that thread alone; only the thread's exit returns them. The site serves with
256 threads (one per live stream of a class) and a crowd wakes them in turn, so after a class every one of
them holds a full cache: tens of MiB that malloc_trim cannot return, and more with each class as more threads
have served (docs/benchmarks.md, "Memory per idle visitor"). Replacing the idle threads by new ones once a
class's memory was freed gives it back. Busy threads (a live stream) are left as they are.
"""

from __future__ import annotations

import time

from waitress.task import ThreadedTaskDispatcher


def renew_idle_threads(dispatcher: ThreadedTaskDispatcher, threads: int, timeout: float = 1.0) -> int:
    """Let the idle threads of waitress's pool end and start as many new ones, `threads` in all; how many were
    renewed. Requests that arrive meanwhile wait in waitress's queue for the new threads (milliseconds)."""
    with dispatcher.lock:
        idle = len(dispatcher.threads) - dispatcher.active_count - dispatcher.stop_count
        if idle <= 0 or dispatcher.stop_count:
            return 0
        dispatcher.stop_count = idle  # waitress's own way to end threads: the next ones to wake end
        dispatcher.queue_cv.notify_all()
        deadline = time.monotonic() + timeout
        while dispatcher.stop_count > 0 and (left := deadline - time.monotonic()) > 0:
            dispatcher.thread_exit_cv.wait(left)
        renewed = idle - dispatcher.stop_count
        dispatcher.stop_count = 0  # those still running go on
    dispatcher.set_thread_count(threads)
    return renewed
