"""waitress's thread pool: threads start as connections need them and those started for a class end after it,
busy ones once done; an idle thread holds no connection it served; the thread that finished last serves next."""

from __future__ import annotations

import threading
import time

from waitress.task import ThreadedTaskDispatcher

from hellotrace.waitress_threads import ElasticDispatcher


class _Task:
    def __init__(self, action) -> None:  # noqa: ANN001 - any callable
        self.action = action

    def service(self) -> None:
        self.action()

    def cancel(self) -> None:
        pass


def _pool_threads() -> set[threading.Thread]:
    return {thread for thread in threading.enumerate() if thread.name.startswith("waitress-")}


def test_threads_start_as_connections_find_none_idle_and_those_of_a_class_end_after_it():
    pool = ElasticDispatcher(resident=2)
    pool.set_thread_count(6)
    try:
        _until_all_wait(pool)
        first = _pool_threads()
        assert len(first) == 2  # the resident ones, started at once
        release, started = threading.Event(), threading.Semaphore(0)
        for _ in range(5):  # five long connections (live streams) at once: three more threads, no more
            pool.add_task(_Task(lambda: (started.release(), release.wait(5))))
        for _ in range(5):
            assert started.acquire(timeout=2)
        assert len(_pool_threads()) == 5 and len(pool.threads) == 5
        for _ in range(3):  # past the most: queued for the next free thread
            pool.add_task(_Task(lambda: (started.release(), release.wait(5))))
        assert len(pool.threads) == 6
        release.set()
        for _ in range(3):
            assert started.acquire(timeout=2)
        _until_all_wait(pool)
        assert pool.end_threads_of_the_last_class()
        assert _pool_threads() == first and pool.threads == {0, 1}  # those started for the class ended
        done = threading.Event()
        pool.add_task(_Task(done.set))
        assert done.wait(2)
    finally:
        pool.shutdown(timeout=2)
    assert not _pool_threads()


def test_a_busy_thread_asked_to_end_finishes_its_connection_and_nothing_queued_is_left():
    pool = ElasticDispatcher(resident=1)
    pool.set_thread_count(4)
    try:
        _until_all_wait(pool)
        release, busy = threading.Event(), threading.Event()
        served = []
        pool.add_task(_Task(lambda: (busy.set(), release.wait(5))))  # the resident thread
        assert busy.wait(2)
        pool.add_task(_Task(lambda: served.append("long") or release.wait(5)))  # a thread started for it
        time.sleep(0.1)
        assert pool.end_threads_of_the_last_class(timeout=0.1)  # it is busy: it ends once done
        assert len(pool.threads) == 2
        done = threading.Event()
        pool.add_task(_Task(done.set))  # every thread busy or ending: one more is started for it
        assert done.wait(2)
        release.set()
        deadline = time.monotonic() + 2
        while len(pool.threads) > 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert served == ["long"] and 1 not in pool.threads
    finally:
        pool.shutdown(timeout=2)


def test_an_idle_thread_does_not_keep_the_connection_it_served():
    """waitress's own pool keeps each thread's last task (a connection, its request, its buffers) for as long
    as the thread waits for the next: after a class, every thread would hold one of the class's requests."""
    import gc
    import weakref

    for pool, kept in ((ThreadedTaskDispatcher(), True), (ElasticDispatcher(), False)):
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
    thread keeps what it touched (its stack) until it ends, so fewer threads, less memory."""
    for pool, most in ((ThreadedTaskDispatcher(), 8), (ElasticDispatcher(resident=8), 1)):
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


def test_the_threads_of_a_class_are_ended_only_if_a_class_came_since():
    pool = ElasticDispatcher(resident=1)
    pool.set_thread_count(4)
    try:
        _until_all_wait(pool)  # the resident thread is idle: the first connection is its
        assert not pool.end_threads_of_the_last_class()  # nothing served yet
        release = threading.Event()
        for _ in range(2):
            pool.add_task(_Task(lambda: release.wait(5)))
        time.sleep(0.1)
        release.set()
        _until_all_wait(pool)
        assert len(pool.threads) == 2
        assert pool.end_threads_of_the_last_class()
        assert pool.threads == {0}
        assert not pool.end_threads_of_the_last_class()  # nothing served since
    finally:
        pool.shutdown(timeout=2)


def test_an_idle_thread_waits_on_the_lock_it_made_when_it_started():
    """An idle thread may wait for hours: what it made to wait, as it went idle at the end of a class, would lie
    among the class's objects and keep their memory. Condition.wait makes a new lock for each wait."""
    pool = ElasticDispatcher(resident=2)
    pool.set_thread_count(2)
    try:
        _until_all_wait(pool)
        waiting = list(pool.queue_cv._waiters)
        assert len(waiting) == 2
        for _ in range(10):
            done = threading.Event()
            pool.add_task(_Task(done.set))
            assert done.wait(2)
            _until_all_wait(pool)
        assert sorted(map(id, pool.queue_cv._waiters)) == sorted(map(id, waiting))
    finally:
        pool.shutdown(timeout=2)
