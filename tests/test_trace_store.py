"""The trace store: what each sandbox of the mock engine received, byte-exact, from the real docker CLI and
from raw sockets (chunked bodies, keep-alive, hijack both ways, malformed bytes)."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
import time
import tracemalloc

import pytest

from hellotrace.engine.api import EngineSettings
from hellotrace.engine.service import EngineOptions, MockEngine
from hellotrace.engine.tap import TappedSocket
from hellotrace.protocol.tap import CLIENT, CLOSED, DAEMON, LOST, OPENED
from hellotrace.wiretap import MemoryTraceStore
from hellotrace.wiretap.receiver import TapReceiver
from tests.test_docker_cli import DOCKER, docker


@pytest.fixture
def traced_engine():
    store = MemoryTraceStore()
    folder = tempfile.mkdtemp(prefix="ht-", dir="/tmp")
    options = EngineOptions(unix_path=os.path.join(folder, "docker.sock"), tcp_address=("127.0.0.1", 0),
                            settings=EngineSettings(pull_pace=0), tap=TapReceiver(store))
    engine = MockEngine(options).start()
    try:
        yield engine, store
    finally:
        engine.stop()
        shutil.rmtree(folder, ignore_errors=True)


def wait_finished(store, sandbox, count, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        records = store.exchanges(sandbox)
        if len(records) >= count and all(r.finished for r in records):
            return records
        time.sleep(0.02)
    return store.exchanges(sandbox)


@pytest.mark.skipif(DOCKER is None and os.environ.get("CI") != "true", reason="the docker CLI is not installed")
def test_docker_run_is_recorded_for_its_sandbox_only(traced_engine):
    engine, store = traced_engine
    started = time.time()
    result = docker(engine.sandbox_host("alice"), "run", "--rm", "hello-world")
    assert result.returncode == 0, result.stderr
    docker(engine.sandbox_host("bob"), "ps", "-a")
    records = wait_finished(store, "alice", 6)
    calls = [(r.method, r.path, r.status) for r in records]
    assert calls[0] == ("HEAD", "/_ping", 200)
    assert ("POST", "/images/create", 200) in calls
    assert ("POST", "/containers/create", 404) in calls and ("POST", "/containers/create", 201) in calls
    attach = next(r for r in records if r.path.endswith("/attach"))
    assert attach.status == 101 and attach.hijacked
    assert b"Hello from hellotrace" in attach.response_body
    assert attach.exchange.stream == "stdcopy" and attach.exchange.frames
    pull = next(r for r in records if r.path == "/images/create")
    assert pull.exchange.stream == "json-lines" and pull.exchange.json_lines
    assert {r.invocation for r in records} == {1}
    assert all(r.received_at >= started for r in records)
    assert store.exchanges("alice", since=time.time() + 1) == []
    bob = wait_finished(store, "bob", 2)
    assert [(r.method, r.path) for r in bob] == [("HEAD", "/_ping"), ("GET", "/containers/json")]
    assert bob[1].query == {"all": ["1"]}
    assert not any(r.sandbox != "bob" for r in bob)


def test_bytes_are_recorded_exactly_with_keep_alive_and_chunked(traced_engine):
    engine, store = traced_engine
    request1 = b"GET /sandboxes/raw/v1.55/_ping HTTP/1.1\r\nHost: localhost\r\nX-Custom: from-config\r\n\r\n"
    body = b'{"Image":"nope"}'
    request2 = (b"POST /sandboxes/raw/v1.55/containers/create HTTP/1.1\r\nHost: localhost\r\n"
                b"Transfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n"
                + b"%x\r\n" % 5 + body[:5] + b"\r\n" + b"%x\r\n" % (len(body) - 5) + body[5:] + b"\r\n0\r\n\r\n")
    with socket.create_connection(engine.tcp_address) as sock:
        sock.sendall(request1)
        first = _read_response(sock)
        sock.sendall(request2)
        second = _read_response(sock)
    records = wait_finished(store, "raw", 2)
    ping, create = records
    assert ping.exchange.request.head == request1
    assert ping.request_header("x-custom") == "from-config"
    assert ping.exchange.response.wire == first
    assert create.exchange.request.head + create.exchange.request.body == request2
    assert create.request_body == body
    assert create.status == 404 and create.exchange.response.wire == second
    assert create.exchange.connection.reused and not ping.exchange.connection.reused


def _read_response(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length")))
    while len(body) < length:
        body += sock.recv(65536)
    return head + b"\r\n\r\n" + body


def test_an_answer_is_reported_before_the_client_can_read_it():
    """The client may act on an answer at once, on another connection (`docker start -a` attaches by the ID its
    inspect answered): the tap reports the answer before it leaves, so that the trace never sees the act first."""
    daemon_end, client_end = socket.socketpair()
    seen = []

    def sink(connection, kind, at, data):  # noqa: ANN001 - the TapSink protocol
        try:
            already = client_end.recv(64, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        except BlockingIOError:
            already = b""
        seen.append((kind, data, already))

    tapped = TappedSocket.wrap(daemon_end, sink)
    try:
        tapped.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
        assert client_end.recv(64) == b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"
    finally:
        tapped.close()
        client_end.close()
    assert [(kind, already) for kind, _, already in seen] == [(OPENED, b""), (DAEMON, b""), (CLOSED, b"")]


def test_hijack_both_ways_and_garbage_from_a_fed_receiver():
    store = MemoryTraceStore()
    receiver = TapReceiver(store)
    receiver(1, OPENED, 1.0, b'{"transport":"tcp","daemon":"127.0.0.1:2375","client":"127.0.0.1:5000"}')
    receiver(1, CLIENT, 1.0, b"POST /v1.51/containers/abc/attach?stdin=1&stream=1 HTTP/1.1\r\nHost: x\r\n"
                             b"Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n")
    receiver(1, DAEMON, 1.01, b"HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\n"
                              b"Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n")
    receiver(1, CLIENT, 1.2, b"ls\n")
    receiver(1, DAEMON, 1.3, b"bin  etc\r\n")
    receiver(1, CLOSED, 1.5, b"")
    [attach] = store.exchanges("default")
    assert attach.status == 101 and attach.finished
    assert attach.client_stream.data == b"ls\n"
    assert attach.response_body == b"bin  etc\r\n" and attach.exchange.stream == "raw"
    assert attach.exchange.timings.ended_ms == pytest.approx(500, abs=1)
    receiver(2, OPENED, 2.0, b'{"transport":"unix","daemon":"/tmp/d.sock","client":""}')
    receiver(2, CLIENT, 2.0, b"GET /sandboxes/s2/_ping HTTP/1.1\r\nHost: x\r\n\r\n")
    receiver(2, DAEMON, 2.0, b"HTTP/1.1 200 OK\r\nContent-Length: zz\r\n\r\nOK")
    [broken] = store.exchanges("s2")
    assert broken.finished and broken.exchange.error is not None
    receiver(2, CLIENT, 2.1, b"GET /sandboxes/s2/_ping HTTP/1.1\r\n\r\n")
    assert len(store.exchanges("s2")) == 1


def test_the_store_is_bounded_in_exchanges_sandboxes_and_bytes():
    store = MemoryTraceStore(per_sandbox=3, sandboxes=2, max_bytes=20_000)  # about 6 kB each
    receiver = TapReceiver(store)
    body = b"x" * 3000

    def exchange(connection: int, sandbox: str) -> None:
        receiver(connection, OPENED, 1.0, b'{"transport":"unix","daemon":"/d.sock","client":""}')
        receiver(connection, CLIENT, 1.0, f"GET /sandboxes/{sandbox}/_ping HTTP/1.1\r\n\r\n".encode())
        receiver(connection, DAEMON, 1.0, b"HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\n" + body)
        receiver(connection, CLOSED, 1.0, b"")

    for number in range(5):
        exchange(number, "a")
    assert [r.seq for r in store.exchanges("a")] == [3, 4, 5]  # three per sandbox
    exchange(10, "b")
    assert [r.seq for r in store.exchanges("a")] == [4, 5] and len(store.exchanges("b")) == 1  # 20 kB in all
    exchange(11, "c")
    assert store.exchanges("a") == [] and len(store.exchanges("c")) == 1  # the least recently active goes


def test_sandboxes_idle_past_their_time_are_forgotten_unless_someone_watches():
    store = MemoryTraceStore(idle_seconds=0.2)
    receiver = TapReceiver(store)
    for connection, sandbox in enumerate(("left", "watched")):
        receiver(connection, OPENED, 1.0, b'{"transport":"unix","daemon":"/d.sock","client":""}')
        receiver(connection, CLIENT, 1.0, f"GET /sandboxes/{sandbox}/_ping HTTP/1.1\r\n\r\n".encode())
        receiver(connection, DAEMON, 1.0, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK")
        receiver(connection, CLOSED, 1.0, b"")
    watcher = threading.Thread(target=store.changes, args=("watched", 10**9, 1.5))
    watcher.start()
    time.sleep(0.3)
    store.sweep()  # (or the store's own, on a machine slow enough for its first second to have passed)
    assert store.exchanges("left") == [] and len(store.exchanges("watched")) == 1
    assert store.count() == 1
    watcher.join()
    store.sweep()  # (the store's own sweep, every second here, may have been first)
    assert store.exchanges("watched") == [] and store.count() == 0
    assert not store.sweep()  # nothing left to free


def test_the_engine_publishes_to_the_site_socket_and_says_when_it_drops(tmp_path):
    """The child-process path: TapPublisher in the engine, TapListener in the site; a publisher over its
    bound drops the connection's further bytes and the exchange says why."""
    from hellotrace.engine.tap import TapPublisher
    from hellotrace.wiretap.receiver import TapListener

    folder = tempfile.mkdtemp(prefix="ht-", dir="/tmp")
    store = MemoryTraceStore()
    listener = TapListener(os.path.join(folder, "tap.sock"), TapReceiver(store)).start()
    try:
        assert oct(os.stat(listener.path).st_mode & 0o777) == "0o600"
        publisher = TapPublisher(listener.path).start()
        publisher(1, OPENED, 1.0, b'{"transport":"unix","daemon":"/d.sock","client":""}')
        publisher(1, CLIENT, 1.0, b"GET /sandboxes/p/_ping HTTP/1.1\r\n\r\n")
        publisher(1, DAEMON, 1.1, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK")
        publisher(2, OPENED, 2.0, b'{"transport":"unix","daemon":"/d.sock","client":""}')
        publisher(2, CLIENT, 2.0, b"GET /sandboxes/p/_ping HTTP/1.1\r\n\r\n")
        publisher.max_pending = -1  # from here on, over the bound
        publisher(2, DAEMON, 2.1, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK")
        publisher(2, CLOSED, 2.2, b"")
        records = wait_finished(store, "p", 2)
        assert [(r.status, r.exchange.error is None) for r in records] == [(200, True), (None, False)]
        assert "reading too slowly" in records[1].exchange.error.raw
    finally:
        listener.stop()
        shutil.rmtree(folder, ignore_errors=True)


def test_the_listener_keeps_no_record_while_it_waits_for_more(tmp_path):
    """Between two reads, which may be hours apart, the site's end of the tap holds none of the records it
    passed on: a class's last read is a thousand small records that would each keep memory of the class."""
    import gc

    from hellotrace.protocol.tap import TapRecord, encode_record
    from hellotrace.wiretap.receiver import TapListener

    folder = tempfile.mkdtemp(prefix="ht-", dir="/tmp")
    store = MemoryTraceStore()
    listener = TapListener(os.path.join(folder, "tap.sock"), TapReceiver(store)).start()
    try:
        with socket.socket(socket.AF_UNIX) as engine:
            engine.connect(listener.path)
            engine.sendall(encode_record(1, OPENED, 1.0, b'{"transport":"unix","daemon":"/d.sock","client":""}')
                           + encode_record(1, CLIENT, 1.0, b"GET /sandboxes/p/_ping HTTP/1.1\r\n\r\n")
                           + encode_record(1, DAEMON, 1.1, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK"))
            wait_finished(store, "p", 1)
            time.sleep(0.1)  # the reader is back in recv()
            gc.collect()
            assert not [kept for kept in gc.get_objects() if isinstance(kept, TapRecord)]
    finally:
        listener.stop()
        shutil.rmtree(folder, ignore_errors=True)


def test_a_large_upload_is_counted_not_kept():
    store = MemoryTraceStore()
    receiver = TapReceiver(store)
    size = 3 * 1024 * 1024
    receiver(1, OPENED, 1.0, b'{"transport":"unix","daemon":"/d.sock","client":""}')
    head = f"POST /sandboxes/up/v1.51/images/load HTTP/1.1\r\nContent-Length: {size}\r\n\r\n"
    receiver(1, CLIENT, 1.0, head.encode())
    for _ in range(size // 65536):
        receiver(1, CLIENT, 1.0, b"\0" * 65536)
    receiver(1, DAEMON, 1.1, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
    [load] = store.exchanges("up")
    assert load.status == 200 and load.exchange.request.body_size == size
    assert len(load.exchange.request.body) < 300 * 1024 and len(load.request_body) < 300 * 1024


def _feed_sandbox(receiver, sandbox: str, base: int = 0, dropped: bool = True) -> None:
    """A keep-alive connection (ping, a chunked pull of JSON lines, logs in stdcopy frames, each answer in
    pieces), an attach hijacked both ways, an answer that is not HTTP and a connection the engine dropped
    (or closed, without `dropped`)."""
    prefix = f"/sandboxes/{sandbox}/v1.51".encode()
    unix = b'{"transport":"unix","daemon":"/d.sock","client":""}'
    lines = b'{"status":"Pulling from library/hello-world"}\n{"status":"Digest: sha256:1"}\n{"error":"bad"}\n'
    frames = b"\x01\0\0\0\0\0\0\x06Hello\n\x02\0\0\0\0\0\0\x04oops"
    receiver(base + 1, OPENED, 1.0, unix)
    receiver(base + 1, CLIENT, 1.0, b"HEAD " + prefix + b"/_ping HTTP/1.1\r\nUser-Agent: Docker-Client/29\r\n\r\n")
    receiver(base + 1, DAEMON, 1.01, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n")
    receiver(base + 1, CLIENT, 1.1, b"POST " + prefix + b"/images/create?fromImage=hello-world HTTP/1.1\r\n"
                                    b"User-Agent: Docker-Client/29\r\nContent-Length: 0\r\n\r\n")
    receiver(base + 1, DAEMON, 1.2, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                    b"Transfer-Encoding: chunked\r\n\r\n" + f"{len(lines):x}\r\n".encode() + lines[:30])
    receiver(base + 1, DAEMON, 1.3, lines[30:] + b"\r\n0\r\n\r\n")
    receiver(base + 1, CLIENT, 1.4, b"GET " + prefix + b"/containers/c1/logs?stdout=1 HTTP/1.1\r\n"
                                    b"User-Agent: Docker-Client/29\r\n\r\n")
    receiver(base + 1, DAEMON, 1.5, b"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.multiplexed-stream"
                                    + f"\r\nContent-Length: {len(frames)}\r\n\r\n".encode() + frames[:9])
    receiver(base + 1, DAEMON, 1.6, frames[9:])
    receiver(base + 1, CLOSED, 1.7, b"")
    receiver(base + 2, OPENED, 2.0, unix)
    receiver(base + 2, CLIENT, 2.0, b"POST " + prefix + b"/containers/c1/attach?stdin=1&stream=1 HTTP/1.1\r\n"
                                    b"Connection: Upgrade\r\nUpgrade: tcp\r\n\r\nearly")
    receiver(base + 2, DAEMON, 2.1, b"HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\n"
                                    b"Connection: Upgrade\r\nUpgrade: tcp\r\n\r\nbin")
    receiver(base + 2, CLIENT, 2.2, b"ls\n")
    receiver(base + 2, DAEMON, 2.3, b"  etc\r\n")
    receiver(base + 2, CLOSED, 2.5, b"")
    receiver(base + 3, OPENED, 3.0, unix)
    receiver(base + 3, CLIENT, 3.0, b"GET " + prefix + b"/_ping HTTP/1.1\r\n\r\n")
    receiver(base + 3, DAEMON, 3.1, b"HTTP/1.1 200 OK\r\nContent-Length: zz\r\n\r\nOK")
    receiver(base + 4, OPENED, 4.0, unix)
    receiver(base + 4, CLIENT, 4.0, b"GET " + prefix + b"/events HTTP/1.1\r\n\r\n")
    receiver(base + 4, DAEMON, 4.1, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                    b"Transfer-Encoding: chunked\r\n\r\n5\r\n{}\n\r\n")
    if dropped:
        receiver(base + 4, LOST, 4.2, b"")
    receiver(base + 4, CLOSED, 4.3, b"")


def test_a_record_parsed_when_read_equals_one_followed_from_its_first_byte():
    """A page watching from the start parses each exchange as its bytes arrive; an unread trace keeps its
    bytes packed and parses them when asked, again after the sweep forgot the parse: the same exchanges."""
    followed, unread = MemoryTraceStore(), MemoryTraceStore()
    follow = TapReceiver(followed, observer=lambda record: record.exchange)
    later = TapReceiver(unread)
    _feed_sandbox(lambda *args: (follow(*args), later(*args)), "s")
    live, packed = followed.exchanges("s"), unread.exchanges("s")
    assert [(r.method, r.path, r.status, r.finished) for r in packed] == [
        ("HEAD", "/_ping", 200, True), ("POST", "/images/create", 200, True),
        ("GET", "/containers/c1/logs", 200, True), ("POST", "/containers/c1/attach", 101, True),
        ("GET", "/_ping", 200, True), ("GET", "/events", 200, True)]
    assert all(r.source.packed is not None for r in packed)  # nothing parsed until asked
    assert packed[0].request_header("user-agent") == "Docker-Client/29" and packed[1].request_body == b""
    for _ in range(2):
        for a, b in zip(live, packed, strict=True):
            assert a.exchange == b.exchange and a.exchange.as_dict() == b.exchange.as_dict()
            assert a.client_stream.data == b.client_stream.data and a.response_body == b.response_body
        unread.sweep()  # nobody watches: the parse is forgotten, the bytes packed again
        assert all(r.source.packed is not None and r.source._parsed is None for r in packed)
    pull, logs, attach, broken, lost = packed[1:]
    assert [line.value for line in pull.exchange.json_lines][-1] == {"error": "bad"}
    assert [frame.frame.payload for frame in logs.exchange.frames] == [b"Hello\n", b"oops"]
    assert attach.client_stream.data == b"earlyls\n" and attach.response_body == b"bin  etc\r\n"
    assert attach.exchange.timings.ended_ms == pytest.approx(500, abs=1)
    assert broken.exchange.error is not None and "reading too slowly" in lost.exchange.error.raw


def test_a_watched_record_still_running_updates_live():
    store = MemoryTraceStore()
    receiver = TapReceiver(store)
    receiver(1, OPENED, 1.0, b'{"transport":"unix","daemon":"/d.sock","client":""}')
    receiver(1, CLIENT, 1.0, b"GET /sandboxes/w/v1.51/events HTTP/1.1\r\n\r\n")
    receiver(1, DAEMON, 1.1, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Transfer-Encoding: chunked\r\n\r\n")
    [events] = store.exchanges("w")
    exchange = events.exchange  # a page reads it while it runs
    assert exchange.response.status == 200 and exchange.json_lines == [] and not exchange.finished
    version, _ = store.changes("w", 0, 0)
    receiver(1, DAEMON, 1.2, b'd\r\n{"Type":"a"}\n\r\n')
    version, changed = store.changes("w", version, 1.0)
    assert changed == [events] and events.exchange is exchange  # the same view, filled in
    assert [line.value for line in exchange.json_lines] == [{"Type": "a"}]
    receiver(1, DAEMON, 1.3, b"0\r\n\r\n")
    _, changed = store.changes("w", version, 1.0)
    assert changed == [events] and events.finished and exchange.finished
    assert exchange.timings.ended_ms == pytest.approx(300, abs=1)


def test_an_unread_exchange_costs_its_packed_bytes_and_a_few_fields():
    store = MemoryTraceStore(sandboxes=1000)
    receiver = TapReceiver(store)
    _feed_sandbox(receiver, "warm-up", 1000)  # the interpreter's own first-time allocations
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for number in range(50):
            _feed_sandbox(receiver, f"v{number}", number * 10, dropped=False)
        per_exchange = (tracemalloc.get_traced_memory()[0] - before) / (50 * 6)
    finally:
        tracemalloc.stop()
    assert per_exchange < 2500  # parsed on receipt, an exchange of a `docker run` kept about 7 kB


def test_a_quiet_sandbox_is_packed_into_one_string_and_read_back_the_same():
    """A sandbox with no exchange for `quiet_seconds` and no live reader keeps its records as one compressed
    string; reading or adding unpacks them as they were, and the sandbox goes on from there."""
    kept, quiet = MemoryTraceStore(), MemoryTraceStore(quiet_seconds=0.01)
    _feed_sandbox(TapReceiver(kept), "s", dropped=False)
    _feed_sandbox(TapReceiver(quiet), "s", dropped=False)
    time.sleep(0.05)
    assert quiet.sweep() and not quiet.sweep()  # packed once
    bucket = quiet._buckets["s"]
    assert bucket.packed is not None and bucket.records == () and quiet._sizes == {}
    read = quiet.exchanges("s")
    assert bucket.packed is None and sorted(quiet._sizes) == [r.seq for r in read]
    assert quiet._bytes == kept._bytes
    for a, b in zip(kept.exchanges("s"), read, strict=True):
        assert (a.seq, a.invocation, a.target, a.status, a.finished) == (b.seq, b.invocation, b.target, b.status,
                                                                         b.finished)
        assert a.exchange.as_dict() == b.exchange.as_dict() and a.client_stream.data == b.client_stream.data
        assert a.request_header("user-agent") == b.request_header("user-agent")
    quiet.quiet_seconds = 0.5
    time.sleep(0.6)  # no exchange for longer than the quiet time, but
    quiet.exchanges("s")
    assert not quiet.sweep()  # read within it (a roster polling its students): kept unpacked
    time.sleep(0.6)
    assert quiet.sweep()  # then quiet again: packed again
    receiver = TapReceiver(quiet)
    receiver(99, OPENED, 9.0, b'{"transport":"unix","daemon":"/d.sock","client":""}')
    receiver(99, CLIENT, 9.0, b"HEAD /sandboxes/s/v1.51/_ping HTTP/1.1\r\n\r\n")
    receiver(99, DAEMON, 9.1, b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    *earlier, ping = quiet.exchanges("s")
    assert len(earlier) == len(read) and ping.seq == read[-1].seq + 1 and ping.invocation == read[-1].invocation + 1


def test_a_packed_sandbox_costs_a_few_hundred_bytes():
    store = MemoryTraceStore(sandboxes=1000, quiet_seconds=0.01)
    receiver = TapReceiver(store)
    _feed_sandbox(receiver, "warm-up", 1000, dropped=False)  # the first packed is the others' dictionary
    time.sleep(0.05)
    store.sweep()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for number in range(50):
            _feed_sandbox(receiver, f"v{number}", number * 10, dropped=False)
            receiver(number * 10 + 3, CLOSED, 3.2, b"")  # the connection the feed leaves open
        time.sleep(0.05)
        store.sweep()
        per_sandbox = (tracemalloc.get_traced_memory()[0] - before) / 50
    finally:
        tracemalloc.stop()
    assert all(bucket.packed is not None for bucket in store._buckets.values())
    assert per_sandbox < 2000  # unpacked, the same six exchanges keep about 8 kB


class _Tap:
    """Requests and their answers as the engine's tap reports them, each on a numbered connection."""

    def __init__(self) -> None:
        self.store = MemoryTraceStore()
        self.receiver = TapReceiver(self.store)
        self.opened: set[int] = set()

    def request(self, connection: int, at: float, line: str, agent: str = "Docker-Client/28.2.2 (linux)",
                answer: bytes = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n") -> None:
        if connection not in self.opened:
            self.opened.add(connection)
            self.receiver(connection, OPENED, at, b'{"transport":"unix","daemon":"/d.sock","client":""}')
        method, path = line.split(" ")
        self.receiver(connection, CLIENT, at, f"{method} /sandboxes/s/v1.51{path} HTTP/1.1\r\nUser-Agent: {agent}"
                                              "\r\nContent-Length: 0\r\n\r\n".encode())
        self.receiver(connection, DAEMON, at + 0.001, answer)

    def create(self, connection: int, at: float, container: str, agent: str = "Docker-Client/28.2.2 (linux)") -> None:
        body = b'{"Id":"' + container.encode() + b'","Warnings":[]}'
        head = b"HTTP/1.1 201 Created\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n"
        self.request(connection, at, "POST /containers/create", agent, answer=head + body)

    def runs(self) -> list[list[str]]:
        runs: dict[int, list[str]] = {}
        for record in self.store.exchanges("s"):
            runs.setdefault(record.invocation, []).append(f"{record.method} {record.path}")
        return [runs[number] for number in sorted(runs)]


def test_commands_typed_in_quick_succession_are_runs_of_their_own():
    """`docker ps; docker images; docker rm x`: each process pings on its own new connection, a few
    milliseconds after the last; even when a command stops after its ping (a bad flag), the next is not its retry."""
    tap = _Tap()
    tap.request(1, 10.00, "HEAD /_ping")
    tap.request(2, 10.05, "HEAD /_ping")
    tap.request(3, 10.10, "HEAD /_ping")
    tap.request(3, 10.11, "DELETE /containers/x")
    assert tap.runs() == [["HEAD /_ping"], ["HEAD /_ping"], ["HEAD /_ping", "DELETE /containers/x"]]


def test_commands_run_at_the_same_time_are_told_apart_by_their_connections():
    """`docker ps & docker images & wait`: the requests of the two interleave, each on its own connection."""
    tap = _Tap()
    tap.request(1, 10.00, "HEAD /_ping")
    tap.request(2, 10.01, "HEAD /_ping")
    tap.request(2, 10.02, "GET /images/json")
    tap.request(1, 10.03, "GET /containers/json")
    assert tap.runs() == [["HEAD /_ping", "GET /containers/json"], ["HEAD /_ping", "GET /images/json"]]


def test_a_run_keeps_its_second_ping_and_the_connections_it_opens_beside_its_own():
    """docker run: a second ping on its kept-alive connection (CLI 29.1.3+), then attach and wait on new ones;
    curl, which never pings, one run per command (its connection), several requests of one command together."""
    tap = _Tap()
    tap.request(1, 10.00, "HEAD /_ping")
    tap.request(1, 10.01, "HEAD /_ping")
    tap.request(1, 10.02, "POST /containers/create")
    tap.request(2, 10.03, "POST /containers/c1/attach")
    tap.request(3, 10.04, "POST /containers/c1/wait")
    tap.request(1, 10.05, "POST /containers/c1/start")
    tap.request(4, 11.00, "GET /containers/json", agent="curl/8.1.2")
    tap.request(4, 11.01, "GET /info", agent="curl/8.1.2")  # curl URL1 URL2: one connection
    tap.request(5, 12.00, "GET /images/json", agent="curl/8.1.2")
    assert tap.runs() == [
        ["HEAD /_ping", "HEAD /_ping", "POST /containers/create", "POST /containers/c1/attach",
         "POST /containers/c1/wait", "POST /containers/c1/start"],
        ["GET /containers/json", "GET /info"],
        ["GET /images/json"],
    ]


def test_two_runs_at_once_keep_each_its_own_streams():
    """`docker run hello-world & docker run hello-world`: each attach and wait joins the run that created the
    container it names, whichever run spoke last."""
    tap = _Tap()
    a, b = "a" * 64, "b" * 64
    tap.request(1, 10.00, "HEAD /_ping")
    tap.request(2, 10.01, "HEAD /_ping")
    tap.create(1, 10.02, a)
    tap.create(2, 10.03, b)
    tap.request(3, 10.04, f"POST /containers/{a}/attach")
    tap.request(4, 10.05, f"POST /containers/{b[:12]}/attach")
    tap.request(5, 10.06, f"POST /containers/{a}/wait")
    tap.request(2, 10.07, f"POST /containers/{b}/start")
    assert tap.runs() == [
        ["HEAD /_ping", "POST /containers/create", f"POST /containers/{a}/attach", f"POST /containers/{a}/wait"],
        ["HEAD /_ping", "POST /containers/create", f"POST /containers/{b[:12]}/attach",
         f"POST /containers/{b}/start"],
    ]


def test_each_sandbox_numbers_its_exchanges_from_one():
    """Another sandbox's exchanges in between leave no gap in what a reader of this one sees."""
    tap = _Tap()
    tap.request(1, 10.0, "HEAD /_ping")
    tap.receiver(2, OPENED, 10.1, b'{"transport":"unix","daemon":"/d.sock","client":""}')
    tap.receiver(2, CLIENT, 10.1, b"GET /sandboxes/other/v1.51/_ping HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
    tap.request(1, 10.2, "GET /containers/json")
    records = tap.store.exchanges("s")
    assert [r.number for r in records] == [1, 2] and [r.exchange.number for r in records] == [1, 2]
    assert records[1].seq == 3 and tap.store.exchanges("other")[0].number == 1


def test_the_replays_own_attach_stays_in_its_run():
    """hellotrace's replay pings like the CLI and attaches on a connection of its own: one run, not two."""
    tap, agent = _Tap(), "hellotrace/0.1.0 (linux)"
    tap.request(1, 10.00, "HEAD /_ping", agent=agent)
    tap.create(1, 10.01, "c" * 64, agent)
    tap.request(2, 10.02, f"POST /containers/{'c' * 64}/attach", agent=agent)
    assert len(tap.runs()) == 1


@pytest.mark.parametrize(("request_length", "answer_length"), [
    ("²", "2"),  # str.isdigit(), and no number int() reads
    ("9" * 5000, "2"),  # past the 4,300 digits int() reads from text
    ("0", "9" * 5000),
])
def test_a_content_length_that_is_no_number_breaks_the_exchange_not_the_trace(caplog, request_length, answer_length):
    store = MemoryTraceStore()
    receiver = TapReceiver(store)
    receiver(1, OPENED, 1.0, b'{"transport":"unix","daemon":"/tmp/d.sock","client":""}')
    receiver(1, CLIENT, 1.0, b"POST /v1.55/build HTTP/1.1\r\nHost: docker\r\nContent-Length: "
             + request_length.encode() + b"\r\n\r\n")
    receiver(1, DAEMON, 1.1, b"HTTP/1.1 200 OK\r\nContent-Length: " + answer_length.encode() + b"\r\n\r\n{}")
    receiver(1, CLOSED, 1.2, b"")
    # As for any other bad Content-Length: a request that cannot be framed is not kept, an answer that cannot be
    # framed ends its exchange with the reason; nothing is left to the receiver's catch-all.
    if request_length == "0":
        [record] = store.exchanges("default")
        assert record.exchange.error is not None and "bad Content-Length" in record.exchange.error.raw
    else:
        assert store.exchanges("default") == []
    assert "cannot follow engine connection" not in caplog.text
