"""waitress's thread pool, made to give back the memory a class leaves in it.

- Each idle thread keeps the last connection it served (waitress's loop holds its last task in a local
  variable): `ReleasingDispatcher` lets go of it as soon as it is served.
- glibc keeps, in every thread, a small cache of the blocks that thread freed (its tcache: up to seven blocks of
  each size up to about 1 KB), for that thread alone, and a thread's stack keeps the pages its deepest call
  touched; only the thread's exit returns them. The site serves with 256 threads (one per live stream of a
  class) and a crowd wakes them in turn: after a class, tens of MiB that malloc_trim cannot return.
  `renew_idle_threads` replaces the idle threads by new ones; the site does it once its last class left
  (app.py). Busy threads (a live stream) are left as they are.
"""

from __future__ import annotations

import threading
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


class _ServedOnce:
    """A channel queued for a thread, let go of once served. The dispatcher reuses these: made during a class
    and kept by an idle thread, each would hold memory of that class as surely as the channel did."""

    __slots__ = ("channel", "spare")

    def __init__(self, spare: list[_ServedOnce]) -> None:
        self.channel = None
        self.spare = spare

    def service(self) -> None:
        channel, self.channel = self.channel, None
        try:
            channel.service()
        finally:
            self.spare.append(self)

    def cancel(self) -> None:
        if self.channel is not None:
            self.channel.cancel()

    def __repr__(self) -> str:
        return repr(self.channel)


class _LatestWaiterFirst(threading.Condition):
    """Wakes the thread that began waiting last; Python's Condition wakes the one that has waited longest."""

    def notify(self, n: int = 1) -> None:
        if not self._is_owned():  # type: ignore[attr-defined]  # threading.Condition's own check
            raise RuntimeError("cannot notify on un-acquired lock")
        waiters = self._waiters  # type: ignore[attr-defined]  # the locks of the waiting threads, in order
        while waiters and n > 0:
            waiters.pop().release()
            n -= 1


class ReleasingDispatcher(ThreadedTaskDispatcher):
    """Waitress's thread pool, except that an idle thread does not hold the last connection it served, and that
    the thread idle for the shortest time serves next.

    Each of waitress's threads keeps its last task (the connection, with its request, its WSGI environ and its
    buffers) in a local variable while it waits for the next one, maybe for hours. After a class, each of the
    256 threads holds a request of that class, and with it memory allocated among the class's own objects,
    which neither Python nor glibc can give back (docs/benchmarks.md, "Memory after expiry")."""

    def __init__(self) -> None:
        super().__init__()
        # The thread that finished last serves next: a class wakes only as many threads as it keeps busy at once,
        # and later classes the same ones. Waking the one idle longest, as waitress does, goes round all 256,
        # and each thread keeps what it touched (its stack, glibc's cache) until it is renewed.
        self.queue_cv = _LatestWaiterFirst(self.lock)
        self._spare: list[_ServedOnce] = []
        self._served_since_renewal = False
        self._thread_count = 0

    def set_thread_count(self, count: int) -> None:
        # Wrappers for every thread and as many queued connections, made now rather than during a class.
        self._spare.extend(_ServedOnce(self._spare) for _ in range(2 * count - len(self._spare)))
        self._thread_count = count
        super().set_thread_count(count)

    def add_task(self, task) -> None:
        try:
            wrapper = self._spare.pop()  # the server's loop and request threads both queue connections
        except IndexError:
            wrapper = _ServedOnce(self._spare)
        wrapper.channel = task
        self._served_since_renewal = True
        super().add_task(wrapper)

    def renew_idle_threads_if_served(self) -> bool:
        """Renew the idle threads (renew_idle_threads) if any connection was served since they last were."""
        if not self._served_since_renewal:
            return False
        self._served_since_renewal = False
        renew_idle_threads(self, self._thread_count)
        return True
