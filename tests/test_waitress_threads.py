"""waitress's thread pool: threads start as connections need them and those started for a class end after it,
busy ones once done; an idle thread holds no connection it served; the thread that finished last serves next.
A connection stays open after a chunked answer (a live stream), unless asked to close or cut short."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import waitress
from waitress.task import ThreadedTaskDispatcher

from hellotrace.waitress_threads import ElasticDispatcher, PatientChannel
from tests.services import close_in_its_loop


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


def _streaming_app(environ, start_response):  # noqa: ANN001 - WSGI
    """Answers without a length (waitress then sends chunks); /broken fails after its first chunk; /sized
    answers with a length."""
    if environ["PATH_INFO"] == "/sized":
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "9")])
        yield b"data: one"
        return
    start_response("200 OK", [("Content-Type", "text/event-stream")])
    yield b"data: one\n\n"
    if environ["PATH_INFO"] == "/broken":
        raise RuntimeError("the stream fails midway")
    yield b"data: two\n\n"


@contextmanager
def _waitress_serving(app) -> Iterator[tuple[str, int]]:  # noqa: ANN001 - WSGI
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=2)
    server.channel_class = PatientChannel
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield server.socket.getsockname()[:2]
    finally:
        close_in_its_loop(server)
        thread.join(5)


def _exchange(sock: socket.socket, request: bytes) -> bytes:
    """Send `request`; what comes back until the answer's last chunk, or until the server closes."""
    sock.sendall(request)
    received = b""
    while not received.endswith(b"0\r\n\r\n"):
        data = sock.recv(65536)
        if not data:
            break
        received += data
    return received


def _closed_by_server(sock: socket.socket) -> bool:
    sock.settimeout(2)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


def test_a_chunked_answer_leaves_the_connection_open_for_the_next_request():
    with _waitress_serving(_streaming_app) as address, socket.create_connection(address, timeout=5) as sock:
        for _ in range(2):  # two live streams, one after the other, on one connection
            answer = _exchange(sock, b"GET /stream HTTP/1.1\r\nHost: site\r\n\r\n")
            head = answer.split(b"\r\n\r\n", 1)[0].lower()
            assert head.startswith(b"http/1.1 200") and b"transfer-encoding: chunked" in head
            assert b"connection: close" not in head
            assert answer.endswith(b"data: two\n\n\r\n0\r\n\r\n")


def test_a_chunked_answer_still_closes_when_asked_to_cut_short_or_in_http_1_0():
    asked = b"GET /stream HTTP/1.1\r\nHost: site\r\nConnection: close\r\n\r\n"
    in_a_list = b"GET /stream HTTP/1.1\r\nHost: site\r\nConnection: keep-alive, Close\r\n\r\n"
    for request in (asked, in_a_list, b"GET /broken HTTP/1.1\r\nHost: site\r\n\r\n",
                    b"GET /stream HTTP/1.0\r\n\r\n"):
        with _waitress_serving(_streaming_app) as address, socket.create_connection(address, timeout=5) as sock:
            answer = _exchange(sock, request)
            assert b"data: one" in answer
            assert _closed_by_server(sock), request


def test_a_connection_field_naming_close_among_others_closes_after_an_answer_with_a_length_too():
    with _waitress_serving(_streaming_app) as address, socket.create_connection(address, timeout=5) as sock:
        sock.sendall(b"GET /sized HTTP/1.1\r\nHost: site\r\nConnection: keep-alive, Close\r\n\r\n")
        received = b""
        while not received.endswith(b"data: one"):
            received += sock.recv(65536)
        assert b"connection: close" in received.lower()
        assert _closed_by_server(sock)


def test_an_answer_to_head_closes_rather_than_leave_its_last_chunk_before_the_next_answer():
    """Waitress writes the last chunk even after a HEAD's head: on a connection kept open, the next answer would
    be read from those five bytes."""
    with _waitress_serving(_streaming_app) as address, socket.create_connection(address, timeout=2) as sock:
        sock.sendall(b"HEAD /stream HTTP/1.1\r\nHost: site\r\n\r\n")
        received = b""
        while data := sock.recv(65536):  # until the server closes (left open, the read times out)
            received += data
        head = received.split(b"\r\n\r\n", 1)[0].lower()
        assert head.startswith(b"http/1.1 200") and b"connection: close" in head
