"""waitress's thread pool: idle threads are replaced by new ones (what glibc cached in them goes back), busy ones go
on; an idle thread holds no connection it served."""

from __future__ import annotations

import threading
import time

from waitress.task import ThreadedTaskDispatcher

from hellotrace.waitress_threads import renew_idle_threads


class _Task:
    def __init__(self, action) -> None:  # noqa: ANN001 - any callable
        self.action = action

    def service(self) -> None:
        self.action()

    def cancel(self) -> None:
        pass


def _pool_threads() -> set[threading.Thread]:
    return {thread for thread in threading.enumerate() if thread.name.startswith("waitress-")}


def test_idle_threads_are_renewed_and_a_busy_one_finishes_its_task():
    dispatcher = ThreadedTaskDispatcher()
    dispatcher.set_thread_count(4)
    try:
        release, served = threading.Event(), []
        dispatcher.add_task(_Task(lambda: (release.wait(5), served.append(threading.current_thread()))))
        time.sleep(0.2)
        before = _pool_threads()
        assert renew_idle_threads(dispatcher, 4) == 3
        after = _pool_threads()
        assert len(after) == 4 and len(after & before) == 1  # the busy one, still serving; three new ones
        release.set()
        time.sleep(0.2)
        assert served == list(after & before)
        done = threading.Event()
        dispatcher.add_task(_Task(done.set))
        assert done.wait(2)  # the new threads serve
        assert len(dispatcher.threads) == 4 and dispatcher.stop_count == 0
    finally:
        dispatcher.shutdown(timeout=2)


def test_an_idle_thread_does_not_keep_the_connection_it_served():
    """waitress's own pool keeps each thread's last task (a connection, its request, its buffers) for as long
    as the thread waits for the next: after a class, every thread would hold one of the class's requests."""
    import gc
    import weakref

    from hellotrace.waitress_threads import ReleasingDispatcher

    for pool, kept in ((ThreadedTaskDispatcher(), True), (ReleasingDispatcher(), False)):
        pool.set_thread_count(2)
        try:
            served = threading.Event()
            task = _Task(served.set)
            served_task = weakref.ref(task)
            pool.add_task(task)
            assert served.wait(2)
            del task
            time.sleep(0.1)  # the thread is back waiting
            gc.collect()
            assert (served_task() is not None) is kept, type(pool).__name__
        finally:
            pool.shutdown(timeout=2)


def test_the_thread_that_finished_last_serves_next():
    """One request after another wakes one thread, not each of the pool's in turn (waitress's own order): a
    thread keeps what it touched (its stack, glibc's cache) until renewed, so fewer threads, less memory."""
    from hellotrace.waitress_threads import ReleasingDispatcher

    for pool, most in ((ThreadedTaskDispatcher(), 8), (ReleasingDispatcher(), 1)):
        pool.set_thread_count(8)
        try:
            _until_all_wait(pool)
            serving = set()
            for _ in range(40):
                done = threading.Event()
                pool.add_task(_Task(lambda done=done, seen=serving: (seen.add(threading.current_thread()), done.set())))
                assert done.wait(2)
                _until_all_wait(pool)
            assert len(serving) == most, type(pool).__name__
        finally:
            pool.shutdown(timeout=2)


def _until_all_wait(pool: ThreadedTaskDispatcher) -> None:
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        with pool.lock:  # a thread counts itself idle and starts waiting under this lock
            if pool.active_count == 0:
                return
        time.sleep(0.001)
    raise AssertionError("the pool's threads did not all go back to waiting")


def test_threads_are_renewed_only_if_they_served_since():
    from hellotrace.waitress_threads import ReleasingDispatcher

    pool = ReleasingDispatcher()
    pool.set_thread_count(2)
    try:
        assert not pool.renew_idle_threads_if_served()  # nothing served yet
        done = threading.Event()
        pool.add_task(_Task(done.set))
        assert done.wait(2)
        _until_all_wait(pool)
        before = _pool_threads()
        assert pool.renew_idle_threads_if_served()
        assert len(_pool_threads() - before) == 2 and len(pool.threads) == 2
        assert not pool.renew_idle_threads_if_served()  # nothing served since
    finally:
        pool.shutdown(timeout=2)
