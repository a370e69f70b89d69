"""Turns at the interpreter (hellotrace/turns.py): in order of arrival, work already begun first, a wait aside
hands the turn on, a lease never lets an unmarked wait stop the others; and the waitress connection that does not
spin the loop while a request's thread writes."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from waitress.adjustments import Adjustments

from hellotrace.turns import URGENT_IN_A_ROW, TakeTurns, Turns
from hellotrace.waitress_threads import PatientChannel


def _start(target, *args) -> threading.Thread:
    thread = threading.Thread(target=target, args=args, daemon=True)
    thread.start()
    return thread


def _wait_queued(turns: Turns, count: int) -> None:
    deadline = time.monotonic() + 5
    while len(turns._urgent) + len(turns._waiting) + len(turns._patient) < count:  # noqa: SLF001 - the queues are tested
        assert time.monotonic() < deadline, "threads did not queue"
        time.sleep(0.001)


def test_turns_are_handed_over_in_order_of_arrival_and_work_begun_comes_first() -> None:
    turns = Turns(lease=5)
    served: list[str] = []

    def request(name: str, urgent: bool) -> None:
        turns.enter(urgent=urgent)
        served.append(name)
        turns.leave()

    turns.enter()  # the turn is taken: everyone after this queues
    threads = []
    for number, (name, urgent) in enumerate([("page 1", False), ("page 2", False), ("run of step 1", True),
                                              ("page 3", False), ("stream of step 1", True)]):
        threads.append(_start(request, name, urgent))
        _wait_queued(turns, number + 1)
    turns.leave()
    for thread in threads:
        thread.join(5)
    assert served == ["run of step 1", "stream of step 1", "page 1", "page 2", "page 3"]


def test_a_page_being_opened_lets_the_actions_in_line_go_first_until_it_waited_its_patience_for_each() -> None:
    turns = Turns(lease=5, patience=0.1)
    served: list[str] = []

    def request(name: str, patient: bool) -> None:
        turns.enter(patient=patient)
        served.append(name)
        turns.leave()

    def crowd(page: str, actions: list[str], waited: float) -> list[str]:
        served.clear()
        turns.enter()  # the turn is taken: everyone queues
        threads = [_start(request, page, True)]
        _wait_queued(turns, 1)
        time.sleep(waited)
        for number, action in enumerate(actions):
            threads.append(_start(request, action, False))
            _wait_queued(turns, number + 2)
        turns.leave()
        for thread in threads:
            thread.join(5)
        return list(served)

    assert crowd("page 1", ["step 1"], 0) == ["step 1", "page 1"]
    assert crowd("page 2", ["step 2"], 0.15) == ["page 2", "step 2"]  # it waited 0.1 s for the one action in line
    # Two actions in line: 0.15 s is not 0.1 s for each, but once the first went, it is for the one left.
    assert crowd("page 3", ["step 3", "step 4"], 0.15) == ["step 3", "page 3", "step 4"]


def test_a_wait_aside_lets_the_next_in_line_work_and_comes_back_before_new_requests() -> None:
    turns = Turns(lease=5)
    events: list[str] = []
    answer = threading.Event()

    def run() -> None:
        turns.enter()
        events.append("run sends")
        with turns.aside():
            answer.wait(5)
        events.append("run reads the answer")
        turns.leave()

    def page(name: str) -> None:
        turns.enter()
        events.append(name)
        if name == "page 1":
            answer.set()  # the engine answers while page 1 works
            _wait_queued(turns, 2)  # the run comes back while page 2 waits
        turns.leave()

    runner = _start(run)
    deadline = time.monotonic() + 5
    while "run sends" not in events:
        assert time.monotonic() < deadline
        time.sleep(0.001)
    first = _start(page, "page 1")
    deadline = time.monotonic() + 5
    while "page 1" not in events:
        assert time.monotonic() < deadline
        time.sleep(0.001)
    second = _start(page, "page 2")
    for thread in (runner, first, second):
        thread.join(5)
    assert events == ["run sends", "page 1", "run reads the answer", "page 2"]


def test_a_turn_held_past_its_lease_does_not_stop_the_others() -> None:
    """A wait nobody marked (here: a lock held by a thread that waits for a turn) must cost the line at most the
    lease, and both threads end."""
    turns = Turns(lease=0.05)
    shared = threading.Lock()
    done: list[str] = []

    def holder() -> None:
        turns.enter()
        time.sleep(0.02)
        with shared:  # taken by `other`, which waits for a turn: without the lease, neither would go on
            done.append("holder")
        turns.leave()

    def other() -> None:
        with shared:
            turns.enter(urgent=True)
            done.append("other")
            turns.leave()

    with shared:
        first = _start(holder)
        time.sleep(0.005)
    second = _start(other)
    began = time.monotonic()
    first.join(5)
    second.join(5)
    assert sorted(done) == ["holder", "other"]
    assert time.monotonic() - began < 2
    assert turns.leases_run_out == 1  # counted (and logged) for whoever looks for waits nobody marked
    # Everything given back: the next request gets a turn at once.
    turns.enter()
    turns.leave()


def test_turn_and_aside_do_nothing_for_threads_that_never_entered() -> None:
    turns = Turns()
    with turns.aside(), turns.turn():
        assert turns.holding()
    assert not turns.holding()


def test_a_request_keeps_its_turn_until_its_answer_is_closed_and_a_live_stream_gives_it_back_at_once() -> None:
    turns = Turns(lease=5)
    seen: dict[str, bool] = {}

    def app(environ, start_response):
        kind = environ["PATH_INFO"]
        start_response("200 OK", [("Content-Type", "text/event-stream" if kind == "/stream" else "text/html")])
        seen[kind] = turns.holding()
        return [b"data: x\n\n"]

    wrapped = TakeTurns(app, turns)
    body = wrapped({"PATH_INFO": "/page", "HTTP_ACCEPT": "text/html"}, lambda *a: None)
    assert turns.holding() and list(body) == [b"data: x\n\n"]
    body.close()
    assert not turns.holding()
    body = wrapped({"PATH_INFO": "/stream", "HTTP_ACCEPT": "text/event-stream"}, lambda *a: None)
    assert seen["/stream"] and not turns.holding()


def test_only_a_browsers_navigation_is_a_patient_request() -> None:
    asked: list[tuple[bool, bool]] = []

    class Recorded(Turns):
        def enter(self, urgent: bool = False, patient: bool = False) -> None:
            asked.append((urgent, patient))
            super().enter(urgent, patient)

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/html")])
        return [b"ok"]

    wrapped = TakeTurns(app, Recorded(lease=5))
    page = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"  # what browsers accept for a page
    requests = {
        "page": {"REQUEST_METHOD": "GET", "HTTP_ACCEPT": page, "HTTP_SEC_FETCH_MODE": "navigate"},
        "page over plain HTTP": {"REQUEST_METHOD": "GET", "HTTP_ACCEPT": page},
        "form without JavaScript": {"REQUEST_METHOD": "POST", "HTTP_ACCEPT": page, "HTTP_SEC_FETCH_MODE": "navigate"},
        "htmx GET": {"REQUEST_METHOD": "GET", "HTTP_ACCEPT": "text/html", "HTTP_HX_REQUEST": "true"},
        "htmx POST": {"REQUEST_METHOD": "POST", "HTTP_ACCEPT": "*/*", "HTTP_HX_REQUEST": "true"},
        "stream": {"REQUEST_METHOD": "GET", "HTTP_ACCEPT": "text/event-stream"},
        "stylesheet": {"REQUEST_METHOD": "GET", "HTTP_ACCEPT": "text/css,*/*;q=0.1"},
        "curl": {"REQUEST_METHOD": "GET", "HTTP_ACCEPT": "*/*"},
    }
    for environ in requests.values():
        wrapped({"PATH_INFO": "/", **environ}, lambda *a: None).close()
    assert dict(zip(requests, asked, strict=True)) == {
        "page": (False, True), "page over plain HTTP": (False, True), "form without JavaScript": (False, False),
        "htmx GET": (False, False), "htmx POST": (False, False), "stream": (True, False),
        "stylesheet": (False, False), "curl": (False, False)}


def test_a_failing_application_gives_its_turn_back() -> None:
    turns = Turns(lease=5)

    def app(environ, start_response):
        raise RuntimeError("bug")

    with pytest.raises(RuntimeError):
        TakeTurns(app, turns)({"PATH_INFO": "/"}, lambda *a: None)
    assert not turns.holding()
    turns.enter()
    turns.leave()


@contextmanager
def _held_by_another_thread(lock: threading.Condition) -> Iterator[None]:
    taken, done = threading.Event(), threading.Event()

    def hold() -> None:
        with lock:
            taken.set()
            done.wait(5)

    thread = _start(hold)
    taken.wait(5)
    try:
        yield
    finally:
        done.set()
        thread.join(5)


class _Server:
    def __init__(self) -> None:
        self.triggered = 0
        self.active_channels: dict[int, object] = {}

    def pull_trigger(self) -> None:
        self.triggered += 1


def test_the_loop_does_not_ask_to_write_while_a_requests_thread_holds_the_buffer() -> None:
    import socket

    ours, theirs = socket.socketpair()
    try:
        channel = PatientChannel(_Server(), ours, ("127.0.0.1", 1), Adjustments(), map={})
        channel.requests = [object()]  # a request being served
        channel.total_outbufs_len = 441
        with _held_by_another_thread(channel.outbuf_lock):  # the request's thread is writing
            assert not channel.writable()
        assert channel.writable()  # it left something unsent: the loop flushes it
        channel.requests = []
        channel.total_outbufs_len = 0
        assert not channel.writable()
        channel.will_close = True
        with _held_by_another_thread(channel.outbuf_lock):
            assert channel.writable()  # closing is never held back
    finally:
        ours.close()
        theirs.close()


def test_a_lease_watcher_that_cannot_start_leaves_no_turn_to_nobody(monkeypatch: pytest.MonkeyPatch) -> None:
    turns = Turns(lease=0.05)
    turns.enter()
    real_start = threading.Thread.start

    def failing_start(self: threading.Thread) -> None:
        if self.name == "turns-lease":
            raise RuntimeError("can't start new thread")
        real_start(self)

    monkeypatch.setattr(threading.Thread, "start", failing_start)
    failed: list[BaseException] = []

    def refused() -> None:
        try:
            turns.enter()
        except RuntimeError as exc:
            failed.append(exc)

    _start(refused).join(5)
    monkeypatch.setattr(threading.Thread, "start", real_start)
    assert failed and not turns._waiting and not turns._watching  # noqa: SLF001
    turns.leave()
    served = threading.Event()
    _start(lambda: (turns.enter(), served.set(), turns.leave()))
    assert served.wait(2)


def test_an_answer_closed_on_another_thread_gives_its_turn_back_once() -> None:
    turns = Turns(lease=5)

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/html")])
        return [b"x"]

    body = TakeTurns(app, turns)({}, lambda *a: None)
    closer = _start(body.close)
    closer.join(5)
    body.close()
    served = threading.Event()
    _start(lambda: (turns.enter(), served.set(), turns.leave()))
    assert served.wait(1)


def test_a_writer_that_leaves_bytes_unsent_wakes_the_loop_once_the_buffer_is_free() -> None:
    import socket

    ours, theirs = socket.socketpair()
    try:
        server = _Server()
        channel = PatientChannel(server, ours, ("127.0.0.1", 1), Adjustments(), map={})
        channel.requests = [object()]
        woken_with_lock_free: list[bool] = []

        def probe() -> None:  # what the loop, woken now on its own thread, would find: is the buffer free?
            result: list[bool] = []
            thread = threading.Thread(target=lambda: result.append(pull_check()))
            thread.start()
            thread.join(5)
            woken_with_lock_free.append(result[0])

        def pull_check() -> bool:
            if channel.outbuf_lock.acquire(False):
                channel.outbuf_lock.release()
                return True
            return False

        server.pull_trigger = probe  # type: ignore[method-assign]
        channel.write_soon(b"x" * (8 << 20))  # more than the socket takes
        assert channel.total_outbufs_len
        assert woken_with_lock_free[-1], "the last wake-up came while the writer still held the buffer"
    finally:
        ours.close()
        theirs.close()


def test_work_begun_goes_first_but_does_not_keep_a_new_request_waiting_for_ever() -> None:
    turns = Turns(lease=5)
    served: list[str] = []
    turns.enter()
    threads = []
    for number in range(URGENT_IN_A_ROW + 3):  # more work begun than may go in a row
        threads.append(_start(lambda n=number: (turns.enter(urgent=True), served.append(f"run {n}"), turns.leave())))
        _wait_queued(turns, number + 1)
    threads.append(_start(lambda: (turns.enter(), served.append("page"), turns.leave())))
    _wait_queued(turns, URGENT_IN_A_ROW + 4)
    turns.leave()
    for thread in threads:
        thread.join(5)
    assert served.index("page") == URGENT_IN_A_ROW


def test_a_file_answer_gives_its_turn_back_for_the_server_to_send() -> None:
    turns = Turns(lease=5)

    class FileWrapper:
        def __init__(self, file) -> None:
            self.file = file

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/css")])
        return environ["wsgi.file_wrapper"](object())

    body = TakeTurns(app, turns)({"wsgi.file_wrapper": FileWrapper}, lambda *a: None)
    assert isinstance(body, FileWrapper) and not turns.holding()


def test_work_begun_while_nobody_else_waited_does_not_count_against_the_next_work_begun() -> None:
    """The cap counts urgent turns given while a new request waits: work that came back with nobody else waiting
    earlier does not make a new request jump ahead of the work begun that is waiting now."""
    turns = Turns(lease=5)
    served: list[str] = []
    turns.enter()
    for _ in range(URGENT_IN_A_ROW + 2):  # each comes back and goes at once, with nobody else waiting
        runner = _start(lambda: (turns.enter(urgent=True), turns.leave()))
        _wait_queued(turns, 1)
        turns.leave()
        runner.join(5)
        turns.enter()
    page = _start(lambda: (turns.enter(), served.append("page"), turns.leave()))
    _wait_queued(turns, 1)
    run = _start(lambda: (turns.enter(urgent=True), served.append("run"), turns.leave()))
    _wait_queued(turns, 2)
    turns.leave()
    for thread in (page, run):
        thread.join(5)
    assert served == ["run", "page"]
