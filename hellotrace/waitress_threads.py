"""waitress's thread pool, made to give back the memory a class leaves in it; its connections, made not to spin its
loop (`PatientChannel`) and kept open as HTTP/1.1 says, after a chunked answer too (`KeepAliveTask`).

An object made as a class ends and kept long after lands among the class's own objects, and keeps the 1 MiB
arena of CPython's allocator it lies in from going back to the system (docs/benchmarks.md, "Memory after
expiry"). Threads are the main such keepers: the site serves with up to 256 (one per live stream of a class),
and an idle thread may wait for hours. So `ElasticDispatcher`:
- lets go of each connection once served (waitress's loop holds its last task in a local variable);
- starts a few threads at once and more as connections find none idle, and ends those once the class left
  (app.py), rather than keeping 256, each with the stack pages it touched;
- has its threads wait on a lock each made when it started, where a `with` block and Condition.wait make
  objects as the thread goes idle.
"""

from __future__ import annotations

import threading
import time

from waitress.channel import HTTPChannel
from waitress.task import ThreadedTaskDispatcher, WSGITask

# Threads started with the pool and kept when idle, the others ending once their class left: enough for a visitor
# alone (a page and its assets, a step and its live stream).
RESIDENT_THREADS = 8
# How long stopping the site waits for the requests being served.
STOP_WAIT = 1.0


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
    """Wakes the thread that began waiting last; Python's Condition wakes the one that has waited longest.
    `wait_on` waits on the caller's own lock, where Condition.wait makes a new one for each wait."""

    def wait_on(self, waiter: threading.Lock) -> None:
        """Condition.wait() without a timeout, on `waiter`, a lock the calling thread made once and holds (as
        Condition.wait leaves the lock it made once woken)."""
        self._waiters.append(waiter)  # type: ignore[attr-defined]  # notify() releases it
        self._release_save()  # type: ignore[attr-defined]  # threading.Condition's own
        try:
            waiter.acquire()
        finally:
            self._acquire_restore(None)  # type: ignore[attr-defined]

    def notify(self, n: int = 1) -> None:
        if not self._is_owned():  # type: ignore[attr-defined]  # threading.Condition's own check
            raise RuntimeError("cannot notify on un-acquired lock")
        waiters = self._waiters  # type: ignore[attr-defined]  # the locks of the waiting threads, in order
        while waiters and n > 0:
            waiters.pop().release()
            n -= 1


class ElasticDispatcher(ThreadedTaskDispatcher):
    """Waitress's thread pool, except that:
    - it starts `resident` threads, then one more each time a connection is queued and no thread is idle, up to
      the count waitress sets (its `threads`); `end_threads_of_the_last_class` ends the others;
    - an idle thread does not hold the last connection it served (each of waitress's threads keeps its last
      task, the connection with its request, WSGI environ and buffers, while it waits for the next, maybe for
      hours: docs/benchmarks.md, "Memory after expiry");
    - the thread idle for the shortest time serves next, so a class wakes only as many threads as it keeps busy.
    It leans on waitress's pool (its lock, conditions and counts), as waitress 3.0 has them."""

    def __init__(self, resident: int = RESIDENT_THREADS) -> None:
        super().__init__()
        self.queue_cv = _LatestWaiterFirst(self.lock)
        self._resident = resident
        self._most = 0
        self._ending: set[int] = set()  # numbers of the threads asked to end
        self._spare: list[_ServedOnce] = []
        self._served_since_trimmed = False

    def shutdown(self, cancel_pending: bool = True, timeout: float = STOP_WAIT) -> bool:
        """As waitress's, waiting STOP_WAIT rather than 5 s: a request ends within it, and a live stream, which
        waits for its next event, would hold the site's stop that long. Threads are daemons: the streams' end
        with the process."""
        return super().shutdown(cancel_pending, timeout)

    def set_thread_count(self, count: int) -> None:
        """At most `count` threads; `resident` of them (or `count` if fewer) start now. waitress calls this once
        with its `threads` setting, and with 0 to stop."""
        # Wrappers for every thread and as many queued connections, made now rather than during a class.
        self._spare.extend(_ServedOnce(self._spare) for _ in range(2 * count - len(self._spare)))
        with self.lock:
            self._most = count
        super().set_thread_count(min(count, self._resident))

    def add_task(self, task) -> None:
        try:
            wrapper = self._spare.pop()  # the server's loop and request threads both queue connections
        except IndexError:
            wrapper = _ServedOnce(self._spare)
        wrapper.channel = task
        with self.lock:
            self._served_since_trimmed = True
            self.queue.append(wrapper)
            self._wake_or_start()

    def _wake_or_start(self) -> None:
        """For the queue's first connection (with the lock held): wake an idle thread, and start one more if
        the idle ones are fewer than the connections waiting (a thread asked to end counts as busy)."""
        self.queue_cv.notify()
        idle = len(self.threads) - self.stop_count - self.active_count - len(self._ending)
        if len(self.queue) <= idle:
            return
        if len(self.threads) - self.stop_count < self._most:
            self._start_thread()
        else:
            self.queue_logger.warning("Task queue depth is %d", len(self.queue) - idle)

    def _start_thread(self) -> None:
        """One more thread, numbered with the lowest free number (with the lock held, as waitress does)."""
        number = 0
        while number in self.threads:
            number += 1
        self.threads.add(number)
        self.active_count += 1  # it counts itself idle once it waits, as waitress's threads do
        self.start_new_thread(self.handler_thread, number)

    def handler_thread(self, thread_no: int) -> None:
        """waitress's loop, with one more way to end (being asked to by number), and nothing made to wait. An
        idle thread waits for hours, and what it holds then stays: made as it went idle, at the end of a class,
        an object lands among the class's and keeps that memory. So no `with` block (it holds its lock's bound
        `__exit__`, made on entry) and no Condition.wait (a new lock per wait): a lock made once, here."""
        waiter = threading.Lock()
        waiter.acquire()
        lock = self.lock
        while True:
            lock.acquire()
            try:
                while not self.queue and self.stop_count == 0 and thread_no not in self._ending:
                    self.active_count -= 1
                    self.queue_cv.wait_on(waiter)
                    self.active_count += 1
                if thread_no in self._ending or self.stop_count > 0:
                    if thread_no in self._ending:
                        self._ending.discard(thread_no)
                    else:
                        self.stop_count -= 1
                    self.active_count -= 1
                    self.threads.discard(thread_no)
                    self.thread_exit_cv.notify_all()
                    if self.queue:
                        self._wake_or_start()  # the wake-up this thread may have taken is passed on
                    return
                task = self.queue.popleft()
            finally:
                lock.release()
            try:
                task.service()
            except BaseException:
                self.logger.exception("Exception when servicing %r", task)

    def end_threads_of_the_last_class(self, timeout: float = 1.0) -> bool:
        """If any connection was served since this last ran (a class came): ask the threads beyond the first
        `resident` to end, and say so. The idle ones end now (waited for up to `timeout`), a busy one once its
        connection is served."""
        with self.lock:
            if not self._served_since_trimmed:
                return False
            self._served_since_trimmed = False
            self._ending |= {number for number in self.threads if number >= self._resident}
            self.queue_cv.notify_all()
            deadline = time.monotonic() + timeout
            while self._ending & self.threads and (left := deadline - time.monotonic()) > 0:
                self.thread_exit_cv.wait(left)
        return True


class KeepAliveTask(WSGITask):
    """Waitress's request task, keeping connections open as HTTP/1.1 says:
    - an answer sent chunked (a live stream) leaves the connection open, as one with a Content-Length does.
      Waitress closes after any answer without a length, though the last chunk marks the end of a chunked one.
      Each step's live stream then cost a connection: behind nginx, a new one from nginx for each stream,
      accepted, set up and closed by this process (three in five of a crowd's connections, docs/benchmarks.md);
    - a request whose Connection field names `close` among other options is closed after its answer, whatever
      its framing, as one that says `close` alone (waitress reads only the latter).
    Still closed after a chunked answer: an answer to HEAD (waitress writes the last chunk even then, which the
    client would read as the start of the next answer), HTTP/1.0 (never chunked), and an answer cut short by an
    error or a client gone mid-stream (waitress marks those itself)."""

    def build_response_header(self) -> bytes:
        options = {option.strip() for option in self.request.headers.get("CONNECTION", "").lower().split(",")}
        if "close" in options:
            self.set_close_on_finish()
        return super().build_response_header()

    def set_close_on_finish(self) -> None:
        # Waitress calls this while it builds the head of an answer without a length, once it has chosen chunks;
        # a request that asked to close was marked before (build_response_header), and is not asked again.
        if self.chunked_response and not self.wrote_header and self.request.command != "HEAD":
            return
        super().set_close_on_finish()


class PatientChannel(HTTPChannel):
    """Waitress's connection, except that its loop does not wait to write while a request's thread is writing.

    While a request is served, its thread sends what it writes itself, under the connection's buffer lock, and
    wakes the loop if the socket could not take it all. Waitress's loop asks to write as long as anything is
    buffered and, finding the lock held, tries again at once: a thread preempted while holding that lock (a
    crowd's hundred threads share the interpreter) made the loop spin, up to 25 times as many turns as it had
    work for (docs/benchmarks.md, "Turns"). A writer that leaves something unsent wakes the loop once it has let
    go of the lock (`write_soon`), so the loop need not ask meanwhile."""

    task_class = KeepAliveTask

    def writable(self) -> bool:
        if self.requests and self.total_outbufs_len and not (self.will_close or self.close_when_flushed) \
                and self.total_outbufs_len <= self.adj.outbuf_high_watermark:
            # Above the high watermark the writer is about to wait for the loop (it pulled the trigger before
            # its wait released the lock): the loop must keep asking.
            if not self.outbuf_lock.acquire(False):
                return False
            self.outbuf_lock.release()
        return super().writable()

    def write_soon(self, data: bytes) -> int:
        written = super().write_soon(data)
        # Waitress pulls the trigger for what it could not send while it still holds the lock: a loop woken by it
        # may find the lock held (writable() False) and go back to sleep with this channel left out, until
        # something else wakes it (asyncore_loop_timeout, 1 s). The lock is free now: wake it again.
        if self.total_outbufs_len and self.connected:
            self.server.pull_trigger()
        return written
