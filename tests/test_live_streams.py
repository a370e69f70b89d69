"""Live streams: however many a visitor, a client address or a script asks for, they cannot take every thread of
the site nor every slot of its long streams; a run that waits for a click counts among the long ones."""

from __future__ import annotations

import contextvars
import re
import threading
import time

import pytest

from hellotrace.web.live_streams import StreamSlots, install_stream_slots
from tests.conftest import site_app

BUSY = re.compile(r"retry: \d{4}\n: this server holds as many live streams as it can")


@pytest.fixture
def app(mock_engine):
    app = site_app(mock_engine)
    yield app
    for visitor in list(app.extensions["hellotrace.visitors"]._visitors.values()):
        visitor.replay.pacer.set_pace("instant")  # a run left waiting for Next goes on and ends


def slots(app) -> StreamSlots:
    return app.extensions["hellotrace.stream_slots"]


def paced_run(client, pace: str = "step") -> str:
    """Start a run at `pace` as the page does; the address of its live stream."""
    client.get("/en/replay")
    assert client.post("/en/replay/pace", data={"pace": pace}).status_code in (200, 303)
    answer = client.post("/en/replay/run", data={"step": "all"}, headers={"HX-Request": "true"})
    return re.search(r'sse-connect="([^"]+)"', answer.get_data(as_text=True)).group(1)


class Stream:
    """One live stream as a page reads it, in a context of its own: Flask keeps a started stream's request context
    pushed until the stream ends, and a server serves each stream on a thread of its own. Opening it reads its
    first message (the test client does)."""

    def __init__(self, client, url: str) -> None:
        self._context = contextvars.copy_context()
        self._response = self._context.run(client.get, url, buffered=False)
        self._chunks = iter(self._response.response)
        self.first = self.next()

    def next(self) -> str | None:
        try:
            return self._context.run(next, self._chunks).decode()
        except StopIteration:
            return None

    @property
    def turned_away(self) -> bool:
        """Answered with a `retry:` and ended, rather than followed."""
        return BUSY.match(self.first or "") is not None and self.next() is None

    def ends_with_a_retry(self) -> bool:
        """Its next message says to come back, and it ends."""
        return BUSY.match(self.next() or "") is not None and self.next() is None

    def close(self) -> None:
        self._context.run(self._response.close)


def test_a_visitor_holds_a_few_long_streams_and_no_more_nor_an_address_more_than_its_share():
    bound = StreamSlots(10, per_visitor=2, per_address=3)
    assert bound.take("a", "192.0.2.1") and bound.take("a", "192.0.2.1")
    assert not bound.take("a", "192.0.2.1")  # the visitor's own bound
    assert bound.take("b", "192.0.2.1")
    assert not bound.take("c", "192.0.2.1")  # the address's share
    assert bound.take("c", "192.0.2.2") and bound.take("d")
    assert bound.open == 5 and bound.held_by("a") == 2 and bound.held_by(address="192.0.2.1") == 3
    for visitor, address in (("a", "192.0.2.1"), ("a", "192.0.2.1"), ("b", "192.0.2.1"), ("c", "192.0.2.2"),
                             ("d", None)):
        bound.give_back(visitor, address)
    assert bound.open == 0 and bound._held == {}  # nothing kept for visitors that hold nothing
    assert StreamSlots(200).per_address == 100


def test_the_same_runs_stream_asked_again_and_again_ends_the_oldest_at_once(app):
    from hellotrace.web.live_streams import RUN_STREAMS, run_streams

    client = app.test_client()
    url = paced_run(client)
    oldest = Stream(client, url)
    assert "step-1" in oldest.first  # the run shows its first exchange, then waits for Next
    read: list[str | None] = []
    reader = threading.Thread(target=lambda: read.extend((oldest.next(), oldest.next())))
    reader.start()
    time.sleep(0.2)  # waiting for the run's next event
    newer = [Stream(client, url) for _ in range(RUN_STREAMS + 3)]
    reader.join(2)  # woken to make room, not at its next keep-alive
    assert not reader.is_alive() and BUSY.match(read[0]) and read[1] is None
    assert all(stream.ends_with_a_retry() for stream in newer[:-RUN_STREAMS])
    assert all("step-1" in stream.first for stream in newer[-RUN_STREAMS:])
    (visitor,) = app.extensions["hellotrace.visitors"]._visitors.values()
    with app.app_context():
        assert run_streams().following(f"{visitor.token} {url.split('/')[-2]}") == RUN_STREAMS
    for stream in newer:
        stream.close()
    with app.app_context():
        assert run_streams()._followers == {}


def test_a_teachers_two_presenter_tabs_and_their_replay_page_all_follow_one_run(app):
    """With 2 streams per run, the third tab ended the oldest, which came back seconds later and ended another:
    the teacher's tabs took turns freezing. Three tabs, and a reload racing its old stream, all follow it."""
    client = app.test_client()
    url = paced_run(client)
    tabs = [Stream(client, url) for _ in range(4)]
    assert all("step-1" in tab.first for tab in tabs)
    read: list[str | None] = []
    reader = threading.Thread(target=lambda: read.append(tabs[0].next()), daemon=True)
    reader.start()
    reader.join(1)  # the oldest tab is not told to come back: it waits for the run's next event
    assert reader.is_alive() and read == []
    app.extensions["hellotrace.visitors"]._visitors.popitem()[1].replay.pacer.set_pace("instant")  # the run ends
    reader.join(5)
    assert read and not BUSY.match(read[0] or "")
    for tab in tabs:
        tab.close()


def test_a_run_waiting_for_next_takes_a_slot_and_a_timed_or_instant_run_does_not(app):
    install_stream_slots(app, 1)
    alice, bob = app.test_client(), app.test_client()
    waiting = Stream(alice, paced_run(alice))
    assert "step-1" in waiting.first and slots(app).open == 1
    # No slot is left for Bob's run waiting for Next: its stream says to come back.
    assert Stream(bob, paced_run(bob)).turned_away
    bob.post("/en/replay/pace", data={"pace": "instant"})
    for pace in ("instant", "normal"):  # nothing waits for a click: the stream runs to its end all the same
        body = bob.get(paced_run(bob, pace)).get_data(as_text=True)
        assert body.rstrip().endswith("event: done\ndata:")
    waiting.close()
    assert slots(app).open == 0


def test_a_paused_run_takes_a_slot(app):
    install_stream_slots(app, 1, per_visitor=1)
    client = app.test_client()
    client.get("/en/replay")
    client.post("/en/replay/pause", data={"paused": "1"})
    held = Stream(client, paced_run(client, "normal"))
    assert slots(app).open == 1
    held.close()
    client.post("/en/replay/pause", data={"paused": "0"})
    assert slots(app).open == 0


TRACE = "/en/trace/events?after=0&seq=0"


def test_a_visitors_long_streams_are_bounded_and_the_newest_is_told_to_retry(app):
    install_stream_slots(app, 10, per_visitor=3)
    alice, bob = app.test_client(), app.test_client()
    alice.get("/en/trace")
    bob.get("/en/trace")
    waiting = Stream(alice, paced_run(alice))  # a run waiting for Next
    held = [Stream(alice, TRACE) for _ in range(2)]
    assert all(stream.first == ": connected\n\n" for stream in held) and slots(app).open == 3
    assert Stream(alice, TRACE).turned_away  # a fourth
    others = Stream(bob, TRACE)
    assert others.first == ": connected\n\n"  # another visitor is not turned away
    for stream in (others, *held, waiting):
        stream.close()
    assert slots(app).open == 0


def test_a_client_address_holds_its_share_of_the_slots_and_loopback_is_not_counted(app):
    install_stream_slots(app, 20, per_visitor=3, per_address=2)
    opened = []

    def refused(address: str) -> bool:
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        client.get("/en/trace")
        opened.append(Stream(client, TRACE))
        return opened[-1].turned_away

    assert not refused("192.0.2.7") and not refused("192.0.2.7")
    assert refused("192.0.2.7")  # a third visitor behind the same address
    assert not refused("2001:db8::1") and not refused("2001:db8::2")
    assert refused("2001:db8::3")  # the same /64
    assert not refused("2001:db8:0:1::1") and not refused("192.0.2.8")
    assert not any(refused("127.0.0.1") for _ in range(3))
    for stream in opened:
        stream.close()
    assert slots(app).open == 0


def test_a_trace_stream_without_a_session_is_refused_and_makes_no_visitor(app):
    client = app.test_client()
    assert client.get("/en/trace/events?after=0&seq=0").status_code == 404
    assert app.extensions["hellotrace.visitors"].count() == 0


@pytest.mark.parametrize("query", ["after=%C2%B2&seq=0", "after=0&seq=" + "7" * 5000, "after=-1&seq=0"])
def test_a_trace_stream_asked_from_no_place_is_a_bad_request(app, query):
    client = app.test_client()
    client.get("/en/trace")
    assert client.get(f"/en/trace/events?{query}").status_code == 400
