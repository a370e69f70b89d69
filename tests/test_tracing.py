"""The traced client.

First against a scripted loopback server, for the exact bytes the client sends and for what the mock engine
never does on purpose (silence, garbage, a cut stream, an old API version, a bad frame). Then against the
mock engine over its real sockets: the curl recipe, the CLI's call order with attach before start, and the
rendered curl commands run with the real curl, whose answers must match the traced ones.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable

import pytest

from hellotrace.curl import curl_for_exchange
from hellotrace.docker_host import parse_docker_host
from hellotrace.protocol.stdcopy import STDERR, STDOUT, SYSTEMERR, encode_frame
from hellotrace.tracing import (
    USER_AGENT,
    BodyData,
    ErrorKind,
    Exchange,
    ExchangeEnded,
    JsonLine,
    RequestSent,
    ResponseHead,
    StreamFrame,
    StreamTruncated,
    TracedClient,
    TraceEvent,
    TraceLimits,
    encode_query,
)

# --- a scripted loopback daemon -------------------------------------------------------------------------------


class Conn:
    """The server side of one connection: read requests, write whatever bytes the test wants."""

    def __init__(self, sock: socket.socket, requests: list[bytes]) -> None:
        self.sock = sock
        self._requests = requests
        self._buffer = b""

    def read_request(self) -> bytes:
        while b"\r\n\r\n" not in self._buffer:
            data = self.sock.recv(65536)
            if not data:
                return b""
            self._buffer += data
        end = self._buffer.index(b"\r\n\r\n") + 4
        match = re.search(rb"\r\ncontent-length: *(\d+)", self._buffer[:end], re.IGNORECASE)
        length = int(match.group(1)) if match else 0
        while len(self._buffer) < end + length:
            self._buffer += self.sock.recv(65536)
        request, self._buffer = self._buffer[: end + length], self._buffer[end + length:]
        self._requests.append(request)
        return request

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def client_finished_writing(self, timeout: float = 5.0) -> bool:
        self.sock.settimeout(timeout)
        try:
            return self.sock.recv(1) == b""
        except TimeoutError:
            return False


class ScriptedDaemon:
    """Listens on a unix socket (or 127.0.0.1 with tcp=True); each connection runs `script(conn)`."""

    def __init__(self, script: Callable[[Conn], None], *, tcp: bool = False) -> None:
        self.script = script
        self.requests: list[bytes] = []
        self.folder = tempfile.mkdtemp(prefix="ht-sd-", dir="/tmp")
        if tcp:
            self.listener = socket.create_server(("127.0.0.1", 0))
            self.docker_host = f"tcp://127.0.0.1:{self.listener.getsockname()[1]}"
        else:
            path = os.path.join(self.folder, "d.sock")
            self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.listener.bind(path)
            self.listener.listen(8)
            self.docker_host = f"unix://{path}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(sock,), daemon=True).start()

    def _serve(self, sock: socket.socket) -> None:
        try:
            self.script(Conn(sock, self.requests))
        except OSError:
            pass  # the client went away: that is what some tests are about
        finally:
            sock.close()

    def close(self) -> None:
        self.listener.close()
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def scripted():
    daemons: list[ScriptedDaemon] = []

    def start(script: Callable[[Conn], None], *, tcp: bool = False) -> ScriptedDaemon:
        daemon = ScriptedDaemon(script, tcp=tcp)
        daemons.append(daemon)
        return daemon

    yield start
    for daemon in daemons:
        daemon.close()


def answer(status: str, headers: list[tuple[str, str]], body: bytes = b"") -> bytes:
    head = f"HTTP/1.1 {status}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers)
    return head.encode() + b"\r\n" + body


def chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


PING_141 = answer("200 OK", [("Api-Version", "1.41"), ("Content-Length", "0")])
JSON_404 = b'{"message":"No such image: hello-world:latest"}\n'


def serve_forever(*answers: bytes) -> Callable[[Conn], None]:
    """Answer the n-th request on a connection with the n-th canned answer (the last one repeats)."""

    def script(conn: Conn) -> None:
        index = 0
        while conn.read_request():
            conn.send(answers[min(index, len(answers) - 1)])
            index += 1

    return script


def client_for(daemon: ScriptedDaemon, **kwargs) -> TracedClient:
    return TracedClient(parse_docker_host(daemon.docker_host), **kwargs)


class Events:
    """A listener that keeps (exchange number, event) pairs."""

    def __init__(self) -> None:
        self.items: list[tuple[int, TraceEvent]] = []

    def __call__(self, exchange: Exchange, event: TraceEvent) -> None:
        self.items.append((exchange.number, event))

    def kinds(self, number: int) -> list[str]:
        return [event.kind for n, event in self.items if n == number]


# --- the request exactly as sent ------------------------------------------------------------------------------


def test_ping_bytes_over_a_unix_socket(scripted) -> None:
    daemon = scripted(serve_forever(PING_141))
    with client_for(daemon) as client:
        exchange = client.ping()
    assert daemon.requests == [
        f"HEAD /_ping HTTP/1.1\r\nHost: api.moby.localhost\r\nUser-Agent: {USER_AGENT}\r\n\r\n".encode()
    ]
    assert exchange.request is not None and exchange.request.head == daemon.requests[0]
    assert exchange.request.headers == (("Host", "api.moby.localhost"), ("User-Agent", USER_AGENT))
    assert USER_AGENT.startswith("hellotrace/")


def test_json_post_headers_in_go_order_over_tcp(scripted) -> None:
    daemon = scripted(serve_forever(PING_141, answer("404 Not Found", [
        ("Content-Type", "application/json"), ("Content-Length", str(len(JSON_404)))], JSON_404)), tcp=True)
    host = daemon.docker_host.removeprefix("tcp://")
    with client_for(daemon) as client:
        exchange = client.create_container({"Image": "hello-world", "Labels": {"é": "$x"}})
    body = '{"Image":"hello-world","Labels":{"é":"$x"}}'.encode()
    assert daemon.requests[-1] == (
        f"POST /v1.41/containers/create HTTP/1.1\r\nHost: {host}\r\nUser-Agent: {USER_AGENT}\r\n"
        f"Content-Length: {len(body)}\r\nContent-Type: application/json\r\n\r\n"
    ).encode() + body
    assert exchange.request is not None
    assert (exchange.request.body, exchange.request.body_size) == (body, len(body))
    assert exchange.status == 404
    assert exchange.daemon_message == "No such image: hello-world:latest"


def test_behind_a_proxy_the_requests_carry_the_public_host_and_record_it_as_sent(scripted) -> None:
    """Dialling the daemon behind a proxy that passes connections on as they are (nginx's engine port), the client
    writes the Host a client of the public address writes; what is recorded is what went out."""
    daemon = scripted(serve_forever(PING_141, answer("204 No Content", [])), tcp=True)
    with client_for(daemon, host_header="lab.example:2375") as client:
        started = client.start_container("abc")
    assert all(b"\r\nHost: lab.example:2375\r\n" in request for request in daemon.requests)
    assert started.request is not None and started.request.head == daemon.requests[-1]
    assert started.request_headers[0] == ("Host", "lab.example:2375")


def test_bodiless_post_sends_content_length_zero_and_no_extras(scripted) -> None:
    daemon = scripted(serve_forever(PING_141, answer("204 No Content", [])))
    with client_for(daemon) as client:
        client.start_container("abc")
    sent = daemon.requests[-1]
    assert sent.startswith(b"POST /v1.41/containers/abc/start HTTP/1.1\r\n")
    assert b"\r\nContent-Length: 0\r\n" in sent
    for absent in (b"Accept-Encoding", b"Accept:", b"Connection", b"Content-Type"):
        assert absent not in sent


def test_query_is_encoded_like_go() -> None:
    assert encode_query({"tag": "latest", "fromImage": "docker.io/library/hello-world"}) == (
        "fromImage=docker.io%2Flibrary%2Fhello-world&tag=latest"
    )
    assert encode_query({"filters": '{"label": ["a=b c"]}'}) == "filters=%7B%22label%22%3A+%5B%22a%3Db+c%22%5D%7D"
    assert encode_query({"b": ["2", "1"], "a": "x"}) == "a=x&b=2&b=1"
    assert encode_query(None) == ""


def test_base_path_is_honoured(scripted) -> None:
    daemon = scripted(serve_forever(PING_141, answer("200 OK", [("Content-Length", "2")], b"{}")), tcp=True)
    client = TracedClient(parse_docker_host(daemon.docker_host + "/sandboxes/t1"))
    exchange = client.version()
    client.close()
    assert [r.split(b" HTTP/1.1")[0] for r in daemon.requests] == [
        b"HEAD /sandboxes/t1/_ping", b"GET /sandboxes/t1/v1.41/version",
    ]
    assert exchange.target == "/sandboxes/t1/v1.41/version"


# --- the response exactly as received -------------------------------------------------------------------------


def test_chunked_response_is_kept_raw_and_decoded(scripted) -> None:
    head = answer("200 OK", [("Api-Version", "1.55"), ("content-type", "application/json"),
                             ("Transfer-Encoding", "chunked")])
    pieces = [b'{"status":"one"}\r\n{"sta', b'tus":"two"}\r\n', b'{"status":"thr']

    def script(conn: Conn) -> None:
        conn.read_request()
        conn.send(PING_141)
        conn.read_request()
        conn.send(head)
        for piece in pieces:
            conn.send(chunk(piece))
            time.sleep(0.02)
        conn.send(b"0\r\n\r\n")

    daemon = scripted(script)
    events = Events()
    with client_for(daemon, listener=events) as client:
        exchange = client.pull_image("hello-world", "latest")
    response = exchange.response
    assert response is not None
    assert response.headers == (("Api-Version", "1.55"), ("content-type", "application/json"),
                                ("Transfer-Encoding", "chunked"))
    assert response.framing == "chunked"
    assert response.wire == head + b"".join(chunk(p) for p in pieces) + b"0\r\n\r\n"
    assert response.body == b"".join(pieces)
    assert [(line.value, line.terminated) for line in exchange.json_lines] == [
        ({"status": "one"}, True), ({"status": "two"}, True), (None, False),
    ]
    assert exchange.json_lines[0].raw == b'{"status":"one"}\r\n'
    kinds = events.kinds(exchange.number)
    assert kinds[:3] == ["started", "request-sent", "response-head"] and kinds[-1] == "ended"
    assert kinds.count("json-line") == 3
    wires = b"".join(e.wire for n, e in events.items if n == exchange.number and isinstance(e, BodyData))
    assert head + wires == response.wire


def test_events_are_published_as_the_bytes_arrive(scripted) -> None:
    """The daemon sends its second line only after the listener has seen the first one."""
    first_seen = threading.Event()

    def script(conn: Conn) -> None:
        conn.read_request()
        conn.send(PING_141)
        conn.read_request()
        conn.send(answer("200 OK", [("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")]))
        conn.send(chunk(b'{"status":"first"}\r\n'))
        if first_seen.wait(5):
            conn.send(chunk(b'{"status":"second"}\r\n'))
        conn.send(b"0\r\n\r\n")

    def listener(exchange: Exchange, event: TraceEvent) -> None:
        if isinstance(event, JsonLine) and event.line.value == {"status": "first"}:
            first_seen.set()

    daemon = scripted(script)
    with client_for(daemon, listener=listener) as client:
        exchange = client.pull_image("hello-world", "latest")
    assert [line.value["status"] for line in exchange.json_lines] == ["first", "second"]


def test_timings_and_connection_reuse(scripted) -> None:
    # Two pings (the call's own, then the negotiation's before `version`), each a HEAD: answered without a body.
    daemon = scripted(serve_forever(PING_141, PING_141, answer("200 OK", [("Content-Length", "2")], b"{}")))
    with client_for(daemon) as client:
        ping = client.ping()
        version = client.version()
        again = client.version()
    assert ping.connection is not None and version.connection is not None and again.connection is not None
    assert (ping.connection.number, ping.connection.reused) == (1, False)
    assert ping.connection.connect_ms is not None
    assert (version.connection.number, version.connection.reused, version.connection.connect_ms) == (1, True, None)
    assert again.connection.number == 1
    timings = version.timings
    assert timings.started_at > 0
    assert 0 <= timings.request_sent_ms <= timings.headers_ms <= timings.ended_ms == timings.duration_ms
    assert timings.first_byte_ms is not None


def test_head_response_has_no_body(scripted) -> None:
    daemon = scripted(serve_forever(answer("200 OK", [("Api-Version", "1.55"), ("Content-Length", "0")])))
    with client_for(daemon) as client:
        exchange = client.ping()
    assert exchange.response is not None
    assert (exchange.response.framing, exchange.response.body) == ("none", b"")


# --- version negotiation --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("advertised", "expected"),
    [("1.41", "1.41"), ("1.55", "1.55"), ("1.99", "1.55"), (None, "1.55"), ("1.40", "1.40")],
)
def test_negotiation_takes_the_lower_version(scripted, advertised: str | None, expected: str) -> None:
    headers = [("Api-Version", advertised)] if advertised else []
    daemon = scripted(serve_forever(answer("200 OK", [*headers, ("Content-Length", "0")])))
    with client_for(daemon) as client:
        result = client.negotiate()
        assert (result.ok, result.api_version, result.server_api_version) == (True, expected, advertised)
        assert client.api_version == expected
        client.version()
    assert daemon.requests[-1].startswith(f"GET /v{expected}/version ".encode())


@pytest.mark.parametrize(("advertised", "expected"), [("1.55", "1.50"), ("1.41", "1.41"), (None, "1.50")])
def test_a_client_of_docker_cli_28_negotiates_from_its_own_maximum(scripted, advertised, expected) -> None:
    """docker CLI 28.2.2 speaks up to API 1.50: against Docker 29.7 (1.55) it keeps 1.50, as the real CLI does."""
    headers = [("Api-Version", advertised)] if advertised else []
    daemon = scripted(serve_forever(answer("200 OK", [*headers, ("Content-Length", "0")])))
    with client_for(daemon, max_api_version="1.50") as client:
        result = client.negotiate()
        assert (result.client_max, result.api_version) == ("1.50", expected)
        client.version()
    assert daemon.requests[-1].startswith(f"GET /v{expected}/version ".encode())


def test_negotiation_refuses_an_old_daemon(scripted) -> None:
    daemon = scripted(serve_forever(answer("200 OK", [("Api-Version", "1.24"), ("Content-Length", "0")])))
    with client_for(daemon) as client:
        result = client.negotiate()
        assert result.error is not None and result.error.kind == ErrorKind.API_VERSION_UNSUPPORTED
        assert result.error.docker_text == (
            "API version 1.24 is not supported by this client: the minimum supported API version is 1.40"
        )
        assert result.api_version is None and client.api_version is None
        # Like the Docker client: the call still goes out at the client's own version, after another ping.
        exchange = client.version()
    assert exchange.target == "/v1.55/version"
    assert [r.split(b" ")[0] for r in daemon.requests] == [b"HEAD", b"HEAD", b"GET"]


def test_negotiation_rejects_a_malformed_version(scripted) -> None:
    daemon = scripted(serve_forever(answer("200 OK", [("Api-Version", "one.two"), ("Content-Length", "0")])))
    with client_for(daemon) as client:
        result = client.negotiate()
    assert result.error is not None and result.error.kind == ErrorKind.API_VERSION_INVALID
    assert result.error.docker_text == "invalid major version: must be formatted <major>.<minor>"


def test_negotiation_falls_back_to_get(scripted) -> None:
    daemon = scripted(serve_forever(
        answer("405 Method Not Allowed", [("Content-Length", "0")]),
        answer("200 OK", [("Api-Version", "1.45"), ("Content-Length", "2")], b"OK"),
    ))
    with client_for(daemon) as client:
        result = client.negotiate()
    assert [e.method for e in result.exchanges] == ["HEAD", "GET"]
    assert result.api_version == "1.45"


def test_negotiation_reports_a_failing_ping(scripted) -> None:
    error = b'{"message":"daemon is shutting down"}\n'
    daemon = scripted(serve_forever(answer("500 Internal Server Error", [
        ("Content-Type", "application/json"), ("Content-Length", str(len(error)))], error)))
    with client_for(daemon) as client:
        result = client.negotiate()
    assert result.error is not None and result.error.kind == ErrorKind.PING_FAILED
    assert result.error.docker_text == "Error response from daemon: daemon is shutting down"


def test_a_fixed_version_skips_negotiation(scripted) -> None:
    daemon = scripted(serve_forever(answer("200 OK", [("Content-Length", "2")], b"{}")))
    client = TracedClient(parse_docker_host(daemon.docker_host), api_version="1.44")
    client.version()
    client.close()
    assert [r.split(b" HTTP")[0] for r in daemon.requests] == [b"GET /v1.44/version"]


# --- failures as data -------------------------------------------------------------------------------------------


def test_missing_socket() -> None:
    address = parse_docker_host("unix:///tmp/hellotrace-no-such-dir/docker.sock")
    events = Events()
    with TracedClient(address, listener=events) as client:
        result = client.negotiate()
    assert [e.error.kind for e in result.exchanges if e.error] == [ErrorKind.SOCKET_MISSING] * 2
    error = result.error
    assert error is not None and error.kind == ErrorKind.SOCKET_MISSING and error.errno == 2
    assert error.docker_text == (
        "failed to connect to the docker API at unix:///tmp/hellotrace-no-such-dir/docker.sock; check if the path "
        "is correct and if the daemon is running: dial unix /tmp/hellotrace-no-such-dir/docker.sock: connect: "
        "no such file or directory"
    )
    assert "No such file or directory" in error.raw
    first = result.exchanges[0]
    assert first.finished and first.request is None and first.response is None
    assert events.kinds(first.number) == ["started", "ended"]


def test_connection_refused_over_tcp() -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    with TracedClient(parse_docker_host(f"tcp://127.0.0.1:{port}")) as client:
        exchange = client.ping()
    assert exchange.error is not None and exchange.error.kind == ErrorKind.CONNECTION_REFUSED
    assert exchange.error.docker_text == (
        f"Cannot connect to the Docker daemon at tcp://127.0.0.1:{port}. Is the docker daemon running?"
    )


def test_stale_socket_file_refuses() -> None:
    folder = tempfile.mkdtemp(prefix="ht-", dir="/tmp")
    path = os.path.join(folder, "stale.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.close()  # the file stays, nobody listens
    try:
        with TracedClient(parse_docker_host(f"unix://{path}")) as client:
            exchange = client.attach_container("abc")
    finally:
        shutil.rmtree(folder)
    assert exchange.error is not None and exchange.error.kind == ErrorKind.CONNECTION_REFUSED


def _ping_as_unprivileged_user(path: str) -> tuple[str, str | None]:
    """Root opens any socket, so the ping runs in a child process that has dropped to user nobody."""
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        try:
            if os.geteuid() == 0:
                os.setgid(65534)
                os.setuid(65534)
            with TracedClient(parse_docker_host(f"unix://{path}")) as client:
                exchange = client.ping()
            error = exchange.error
            os.write(writer, json.dumps([error.kind.value, error.docker_text] if error else ["", None]).encode())
        finally:
            os._exit(0)
    os.close(writer)
    with os.fdopen(reader) as result:
        data = result.read()
    os.waitpid(child, 0)
    kind, docker_text = json.loads(data)
    return kind, docker_text


def test_permission_denied() -> None:
    folder = tempfile.mkdtemp(prefix="ht-", dir="/tmp")
    os.chmod(folder, 0o755)
    path = os.path.join(folder, "root.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)
    os.chmod(path, 0)
    try:
        kind, docker_text = _ping_as_unprivileged_user(path)
    finally:
        listener.close()
        shutil.rmtree(folder)
    assert kind == ErrorKind.PERMISSION_DENIED.value
    assert docker_text == f"permission denied while trying to connect to the docker API at unix://{path}"


def test_silence_is_a_read_timeout(scripted) -> None:
    daemon = scripted(lambda conn: (conn.read_request(), time.sleep(2)))
    limits = TraceLimits(read_timeout=0.3)
    with client_for(daemon, limits=limits) as client:
        exchange = client.ping()
    assert exchange.error is not None and exchange.error.kind == ErrorKind.READ_TIMEOUT
    assert exchange.request is not None and exchange.response is None


def test_garbage_is_not_http(scripted) -> None:
    daemon = scripted(lambda conn: (conn.read_request(), conn.send(b"SSH-2.0-OpenSSH_9.2\r\n\r\n")))
    with client_for(daemon) as client:
        exchange = client.ping()
    assert exchange.error is not None and exchange.error.kind == ErrorKind.NOT_HTTP


def test_hang_up_before_answering(scripted) -> None:
    daemon = scripted(lambda conn: conn.read_request())
    with client_for(daemon) as client:
        exchange = client.ping()
    assert exchange.error is not None and exchange.error.kind == ErrorKind.CONNECTION_CLOSED


def test_a_connection_the_daemon_closed_while_idle_is_not_reused(scripted) -> None:
    """A daemon closes an idle kept-alive connection after a while: the next call dials a new one and is answered,
    rather than failing on the dead one."""
    def script(conn: Conn) -> None:
        conn.read_request()
        conn.send(PING_141)  # then the connection closes, as the script ends

    daemon = scripted(script)
    with client_for(daemon, api_version="1.41") as client:
        first = client.ping()
        time.sleep(0.1)  # the daemon's close has arrived
        second = client.ping()
    assert first.error is None and second.error is None and second.status == 200
    assert first.connection is not None and second.connection is not None
    assert (first.connection.number, second.connection.number, second.connection.reused) == (1, 2, False)


def test_bytes_past_an_answer_keep_its_connection_from_the_next_call(scripted) -> None:
    """A body sent to a HEAD (no HTTP server does that) would be read as the start of the next answer: the
    connection is closed after its exchange, and the next call has a connection of its own."""
    daemon = scripted(serve_forever(answer("200 OK", [("Api-Version", "1.41"), ("Content-Length", "2")], b"{}")))
    with client_for(daemon, api_version="1.41") as client:
        head = client.ping()
        get = client.ping("GET")
    assert head.error is None and get.error is None and get.response is not None and get.response.body == b"{}"
    assert head.connection is not None and get.connection is not None
    assert (head.connection.number, get.connection.number) == (1, 2)


def test_cut_in_the_middle_of_a_body(scripted) -> None:
    def script(conn: Conn) -> None:
        conn.read_request()
        conn.send(answer("200 OK", [("Api-Version", "1.55"), ("Content-Length", "100")], b'{"partial"'))

    daemon = scripted(script)
    with client_for(daemon) as client:
        exchange = client.ping("GET")
    assert exchange.error is not None and exchange.error.kind == ErrorKind.STREAM_CUT
    assert exchange.error.raw == exchange.error.docker_text == "unexpected EOF"  # Go's words, not Python's
    assert exchange.response is not None and exchange.response.body == b'{"partial"'


@pytest.mark.parametrize("given", ["fd://", "ssh://me@remote", "npipe://"])
def test_undialable_addresses_fail_without_io(given: str) -> None:
    with TracedClient(parse_docker_host(given)) as client:
        exchange = client.version()
        hijacked = client.attach_container("abc")
    for failed in (exchange, hijacked):
        assert failed.error is not None and failed.error.kind == ErrorKind.NOT_DIALABLE
        assert failed.connection is None


def test_a_failing_listener_does_not_break_the_call(scripted) -> None:
    def listener(exchange: Exchange, event: TraceEvent) -> None:
        raise RuntimeError("the browser went away")

    daemon = scripted(serve_forever(PING_141))
    with client_for(daemon, listener=listener) as client:
        exchange = client.ping()
    assert exchange.error is None and exchange.status == 200


# --- limits ---------------------------------------------------------------------------------------------------


def test_recorded_bodies_are_capped_but_counted(scripted) -> None:
    big = b"x" * 5000
    daemon = scripted(serve_forever(PING_141, answer("200 OK", [("Content-Length", "5000")], big)))
    with client_for(daemon, limits=TraceLimits(max_recorded_bytes=1000)) as client:
        exchange = client.version()
    response = exchange.response
    assert response is not None and exchange.error is None
    assert (len(response.body), response.body_size) == (1000, 5000)
    assert len(response.wire) == 1000 and response.wire_size > 5000
    data = response.as_dict()
    assert data["body"]["truncated"] is True and data["body"]["size"] == 5000


def test_endless_stream_is_cut(scripted) -> None:
    def script(conn: Conn) -> None:
        conn.read_request()
        conn.send(PING_141)
        conn.read_request()
        conn.send(answer("200 OK", [("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")]))
        while True:
            conn.send(chunk(b'{"status":"again"}\r\n' * 50))

    daemon = scripted(script)
    with client_for(daemon, limits=TraceLimits(max_stream_bytes=20_000, max_items=10)) as client:
        exchange = client.pull_image("endless", "latest")
    assert exchange.error is not None and exchange.error.kind == ErrorKind.STREAM_TOO_LONG
    assert len(exchange.json_lines) == 10 and exchange.items_dropped > 0


def test_slow_stream_hits_the_exchange_deadline(scripted) -> None:
    def script(conn: Conn) -> None:
        conn.read_request()
        conn.send(PING_141)
        conn.read_request()
        conn.send(answer("200 OK", [("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")]))
        for _ in range(50):
            conn.send(chunk(b'{"status":"slow"}\r\n'))
            time.sleep(0.05)

    daemon = scripted(script)
    with client_for(daemon, limits=TraceLimits(exchange_timeout=0.3)) as client:
        exchange = client.pull_image("slow", "latest")
    assert exchange.error is not None and exchange.error.kind == ErrorKind.EXCHANGE_TIMEOUT


# --- streams ----------------------------------------------------------------------------------------------------


def logs_answer(*pieces: bytes) -> Callable[[Conn], None]:
    def script(conn: Conn) -> None:
        conn.read_request()
        conn.send(PING_141)
        conn.read_request()
        conn.send(answer("200 OK", [("Content-Type", "application/vnd.docker.multiplexed-stream"),
                                    ("Transfer-Encoding", "chunked")]))
        for piece in pieces:
            conn.send(chunk(piece))
            time.sleep(0.01)
        conn.send(b"0\r\n\r\n")

    return script


def test_frames_split_across_chunks(scripted) -> None:
    data = encode_frame(STDOUT, b"hello\n") + encode_frame(STDERR, b"oops\n")
    daemon = scripted(logs_answer(data[:3], data[3:17], data[17:]))
    events = Events()
    with client_for(daemon, listener=events) as client:
        exchange = client.container_logs("abc")
    assert [(r.frame.stream_name, r.frame.payload) for r in exchange.frames] == [
        ("stdout", b"hello\n"), ("stderr", b"oops\n"),
    ]
    frames = [e for n, e in events.items if isinstance(e, StreamFrame)]
    assert [e.record.frame.length for e in frames] == [6, 5]
    assert frames[0].as_dict()["header_hex"] == "01 00 00 00 00 00 00 06"
    assert daemon.requests[-1].startswith(b"GET /v1.41/containers/abc/logs?stderr=1&stdout=1&tail=all HTTP/1.1")


def test_truncated_frame_is_reported(scripted) -> None:
    daemon = scripted(logs_answer(encode_frame(STDOUT, b"whole\n") + encode_frame(STDOUT, b"cut here")[:11]))
    events = Events()
    with client_for(daemon, listener=events) as client:
        exchange = client.container_logs("abc")
    assert exchange.error is None
    assert exchange.truncated_frame is not None and exchange.truncated_frame.missing == 5
    assert any(isinstance(e, StreamTruncated) for _, e in events.items)


def test_systemerr_frame_is_a_daemon_error(scripted) -> None:
    daemon = scripted(logs_answer(encode_frame(SYSTEMERR, b"Error grabbing logs: boom\n")))
    with client_for(daemon) as client:
        exchange = client.container_logs("abc")
    assert exchange.error is not None and exchange.error.kind == ErrorKind.DAEMON_STREAM_ERROR
    assert exchange.error.docker_text == "error from daemon in stream: Error grabbing logs: boom\n"


def test_tty_text_in_a_framed_stream_is_an_invalid_stream(scripted) -> None:
    daemon = scripted(logs_answer(b"Hello from Docker!\n"))
    with client_for(daemon) as client:
        exchange = client.container_logs("abc")
    assert exchange.error is not None and exchange.error.kind == ErrorKind.INVALID_STREAM
    assert exchange.error.docker_text == "Unrecognized input header: 72"
    assert exchange.response is not None and exchange.response.body == b"Hello from Docker!\n"


def test_an_error_answer_to_logs_is_its_message_not_frames(scripted) -> None:
    body = b'{"message":"No such container: abc"}'
    daemon = scripted(serve_forever(PING_141, answer("404 Not Found", [("Content-Type", "application/json"),
                                                                      ("Content-Length", str(len(body)))], body)))
    with client_for(daemon) as client:
        exchange = client.container_logs("abc")
    assert exchange.error is None and exchange.status == 404 and exchange.frames == []
    assert exchange.daemon_message == "No such container: abc"


def test_error_line_in_a_pull_stream(scripted) -> None:
    line = b'{"error":"unexpected EOF","errorDetail":{"message":"unexpected EOF"}}\r\n'

    def script(conn: Conn) -> None:
        conn.read_request()
        conn.send(PING_141)
        conn.read_request()
        conn.send(answer("200 OK", [("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")]))
        conn.send(chunk(b'{"status":"Pulling from library/hello-world","id":"latest"}\r\n') + chunk(line))
        conn.send(b"0\r\n\r\n")

    daemon = scripted(script)
    with client_for(daemon) as client:
        exchange = client.pull_image("hello-world", "latest")
    assert exchange.status == 200
    assert exchange.json_lines[-1].error_message == "unexpected EOF"
    assert exchange.error is not None and exchange.error.kind == ErrorKind.DAEMON_STREAM_ERROR
    assert exchange.error.docker_text == "unexpected EOF"


# --- hijacked attach --------------------------------------------------------------------------------------------

UPGRADED = answer("101 UPGRADED", [("Content-Type", "application/vnd.docker.multiplexed-stream"),
                                   ("Connection", "Upgrade"), ("Upgrade", "tcp")])


def test_attach_upgrades_then_reads_to_eof(scripted) -> None:
    half_closed: list[bool] = []

    def script(conn: Conn) -> None:
        request = conn.read_request()
        if request.startswith(b"HEAD"):
            conn.send(PING_141)
            return
        conn.send(UPGRADED + encode_frame(STDOUT, b"Hello")[:5])
        half_closed.append(conn.client_finished_writing())
        conn.send(encode_frame(STDOUT, b"Hello")[5:] + encode_frame(STDERR, b"bye\n"))

    daemon = scripted(script)
    events = Events()
    with client_for(daemon, listener=events) as client:
        client.negotiate()
        exchange = client.attach_container("abc")
    assert half_closed == [True]  # like the CLI without -i: the client closes its side after the 101
    assert daemon.requests[-1] == (
        f"POST /v1.41/containers/abc/attach?stderr=1&stdout=1&stream=1 HTTP/1.1\r\nHost: api.moby.localhost\r\n"
        f"User-Agent: {USER_AGENT}\r\nContent-Length: 0\r\nConnection: Upgrade\r\nContent-Type: text/plain\r\n"
        "Upgrade: tcp\r\n\r\n"
    ).encode()
    response = exchange.response
    assert response is not None and (response.status, response.reason, response.framing) == (101, "UPGRADED", "upgrade")
    assert response.wire == UPGRADED + encode_frame(STDOUT, b"Hello") + encode_frame(STDERR, b"bye\n")
    assert [(r.frame.stream, r.frame.payload) for r in exchange.frames] == [(STDOUT, b"Hello"), (STDERR, b"bye\n")]
    assert exchange.error is None
    assert exchange.connection is not None and exchange.connection.number == 2
    kinds = events.kinds(exchange.number)
    assert kinds[:3] == ["started", "request-sent", "response-head"] and kinds[-1] == "ended"


def test_attach_refused_without_101(scripted) -> None:
    def script(conn: Conn) -> None:
        request = conn.read_request()
        if request.startswith(b"HEAD"):
            conn.send(PING_141)
            return
        conn.send(b"HTTP/1.1 404 Not Found\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\n"
                  b"No such container: abc\r\n")

    daemon = scripted(script)
    with client_for(daemon) as client:
        exchange = client.attach_container("abc")
    assert exchange.error is not None and exchange.error.kind == ErrorKind.UPGRADE_REFUSED
    assert exchange.error.docker_text == "unable to upgrade to tcp, received 404"
    assert exchange.response is not None and exchange.response.body == b"No such container: abc\r\n"
    assert exchange.response.framing == "until-close"


def test_as_dict_is_json(scripted) -> None:
    daemon = scripted(logs_answer(encode_frame(STDOUT, b"\xff\xfe binary")))
    events = Events()
    with client_for(daemon, listener=events) as client:
        exchange = client.container_logs("abc")
    text = json.dumps(exchange.as_dict())
    assert "\\\\xff\\\\xfe binary" in text
    for _, event in events.items:
        json.dumps(event.as_dict())


# --- against the mock engine ----------------------------------------------------------------------------------

HELLO_CONFIG = {"Image": "hello-world", "AttachStdout": True, "AttachStderr": True}


def test_the_curl_recipe_flow(mock_engine) -> None:
    """create → 404 → pull → create → start → wait → logs, over the unix socket."""
    finished = []

    def keep(exchange, event):
        if event.kind == "ended":
            finished.append(exchange)

    with TracedClient(parse_docker_host(mock_engine.docker_host_unix), listener=keep) as client:
        negotiation = client.negotiate()
        assert (negotiation.api_version, negotiation.server_api_version) == ("1.55", "1.55")
        assert negotiation.daemon_headers["Ostype"] == "linux"

        missing = client.create_container(HELLO_CONFIG)
        assert (missing.status, missing.daemon_message) == (404, "No such image: hello-world:latest")

        pull = client.pull_image("docker.io/library/hello-world", "latest")
        assert pull.status == 200 and pull.error is None
        assert pull.response is not None and pull.response.framing == "chunked"
        assert pull.json_lines[-1].value == {"status": "Status: Downloaded newer image for hello-world:latest"}
        assert all(line.raw.endswith(b"\r\n") for line in pull.json_lines)

        created = client.create_container(HELLO_CONFIG)
        assert created.status == 201
        container = created.response.json()["Id"]

        started = client.start_container(container)
        assert started.status == 204

        waited = client.wait_container(container, "not-running")
        assert (waited.status, waited.response.json()) == (200, {"StatusCode": 0})

        logs = client.container_logs(container)
        assert logs.status == 200 and logs.error is None
        assert logs.response.content_type == "application/vnd.docker.multiplexed-stream"
        # The json-file log driver stores lines: logs replays one frame per line of the program's single write.
        assert {record.frame.stream_name for record in logs.frames} == {"stdout"}
        assert len(logs.frames) > 1
        assert b"".join(record.frame.payload for record in logs.frames).startswith(b"\nHello from")

    connections = {e.connection.number for e in finished if e.connection}
    assert connections == {1}  # one kept-alive connection, as the CLI does for sequential calls


def test_the_cli_flow_with_attach_before_start(mock_engine) -> None:
    """docker run hello-world over TCP with a sandbox base path: attach (101) and wait held open across start."""
    address = parse_docker_host(mock_engine.docker_host_tcp + "/sandboxes/cli-flow")
    events = Events()
    with TracedClient(address, listener=events) as client:
        client.negotiate()
        assert client.create_container(HELLO_CONFIG).status == 404
        assert client.pull_image("docker.io/library/hello-world", "latest").status == 200
        container = client.create_container(HELLO_CONFIG).response.json()["Id"]

        attach = client.in_background(client.attach_container, container)
        assert attach.wait_for_head(5)
        assert attach.exchange.status == 101 and not attach.done
        wait = client.in_background(client.wait_container, container)
        assert wait.wait_for_head(5)
        assert wait.exchange.status == 200 and not wait.done

        start = client.start_container(container)
        assert start.status == 204

        attached = attach.join(10)
        waited = wait.join(10)

    assert attached is not None and waited is not None
    assert attached.error is None
    assert attached.target.startswith(f"/sandboxes/cli-flow/v1.55/containers/{container}/attach?")
    (frame,) = [record.frame for record in attached.frames]
    assert frame.stream == STDOUT and frame.payload.startswith(b"\nHello from")
    assert frame.header == encode_frame(STDOUT, frame.payload)[:8]
    assert waited.response.json() == {"StatusCode": 0}
    # As in the real trace (dockerd-traces/run-present.txt): the attach dials connection 2, wait reuses the
    # idle connection 1, and start, with 1 busy, opens connection 3.
    numbers = (attached.connection.number, waited.connection.number, start.connection.number)
    assert numbers == (2, 1, 3)
    assert waited.connection.reused and not attached.connection.reused and not start.connection.reused
    # Whether the attach stream closes before or after start's 204 reaches the client is a race, on a real
    # daemon too (dockerd-traces/run-present.txt: the frame arrives before the 204), so no order is asserted.
    assert {number for number, event in events.items if isinstance(event, ExchangeEnded)} >= {
        start.number, attached.number, waited.number}
    assert any(isinstance(e, RequestSent) for n, e in events.items if n == attached.number)
    assert any(isinstance(e, ResponseHead) for n, e in events.items if n == waited.number)


# --- the rendered curl commands, run with the real curl -----------------------------------------------------

CURL = shutil.which("curl")
BASH = shutil.which("bash")
needs_curl = pytest.mark.skipif(CURL is None or BASH is None, reason="curl and bash are needed")


def run_curl(command_line: str, *, wait: bool = True) -> subprocess.Popen[bytes] | tuple[int, bytes]:
    process = subprocess.Popen([BASH, "-c", command_line], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if not wait:
        return process
    out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    return parse_curl_output(out)


def parse_curl_output(out: bytes) -> tuple[int, bytes]:
    """`curl -i` output: status line, headers, blank line, body."""
    head, _, body = out.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, body


@needs_curl
def test_rendered_curl_gets_the_same_answers_on_the_unix_socket(mock_engine) -> None:
    with TracedClient(parse_docker_host(mock_engine.docker_host_unix)) as client:
        exchanges = [
            client.ping(),
            client.ping("GET"),
            client.create_container({"Image": "never-pulled", "Env": ["QUOTE='$HOME'", "UTF8=Grüße"]}),
            client.inspect_container("nosuch"),
            client.list_containers(show_all=True),
        ]
    for exchange in exchanges:
        command = curl_for_exchange(exchange)
        if exchange.method == "HEAD":
            out = subprocess.run([BASH, "-c", command.one_line], capture_output=True, timeout=20, check=True).stdout
            assert int(out.split(b" ", 2)[1]) == exchange.status
            continue
        for form in (command.one_line, command.multi_line):
            assert run_curl(form) == (exchange.status, exchange.response.body), form


@needs_curl
def test_rendered_curl_replays_the_whole_run_in_another_sandbox(mock_engine) -> None:
    """The traced run happens in one sandbox; its curl commands, pointed at a fresh sandbox, get the same
    statuses and bodies (container IDs aside)."""
    traced = parse_docker_host(mock_engine.docker_host_tcp + "/sandboxes/traced")
    with TracedClient(traced) as client:
        missing = client.create_container(HELLO_CONFIG)
        pull = client.pull_image("docker.io/library/hello-world", "latest")
        created = client.create_container(HELLO_CONFIG)
        container = created.response.json()["Id"]
        attach = client.in_background(client.attach_container, container)
        attach.wait_for_head(5)
        wait = client.in_background(client.wait_container, container)
        wait.wait_for_head(5)
        start = client.start_container(container)
        attached, waited = attach.join(10), wait.join(10)
        logs = client.container_logs(container)

    def for_replay(exchange: Exchange, replay_id: str | None = None) -> str:
        line = curl_for_exchange(exchange).one_line.replace("/sandboxes/traced/", "/sandboxes/replay/")
        return line.replace(container, replay_id) if replay_id else line

    assert run_curl(for_replay(missing)) == (404, missing.response.body)
    assert run_curl(for_replay(pull)) == (200, pull.response.body)
    status, body = run_curl(for_replay(created))
    assert status == 201 and set(json.loads(body)) == {"Id", "Warnings"}
    replay_id = json.loads(body)["Id"]

    attach_curl = run_curl(for_replay(attached, replay_id), wait=False)
    wait_curl = run_curl(for_replay(waited, replay_id), wait=False)
    time.sleep(0.5)  # let both connect, as the CLI does before it starts the container
    assert run_curl(for_replay(start, replay_id)) == (204, b"")
    attach_out, _ = attach_curl.communicate(timeout=20)
    wait_out, _ = wait_curl.communicate(timeout=20)
    assert parse_curl_output(attach_out) == (101, attached.response.body)
    assert parse_curl_output(wait_out) == (200, waited.response.body)
    assert run_curl(for_replay(logs, replay_id)) == (200, logs.response.body)


@pytest.mark.parametrize(("advertised", "kind", "used"), [
    ("-1.5", ErrorKind.API_VERSION_UNSUPPORTED, None),
    ("+1.041", None, "1.41"),
    ("v1.41", ErrorKind.API_VERSION_INVALID, None),
])
def test_negotiation_reads_the_header_as_moby_does(scripted, advertised, kind, used) -> None:
    daemon = scripted(serve_forever(answer("200 OK", [("Api-Version", advertised), ("Content-Length", "0")])))
    with client_for(daemon) as client:
        result = client.negotiate()
    assert (result.error.kind if result.error else None) == kind and result.api_version == used
