"""The mock engine against a hostile local client: sandboxes always granted, byte budgets, connection
exhaustion, and malformed input answered as Docker (and Go's net/http) answer it."""

from __future__ import annotations

import io
import json
import logging
import os
import resource
import shutil
import socket
import tarfile
import tempfile
import threading
import time
from collections.abc import Iterator
from urllib.parse import quote

import pytest
import yaml
from click.testing import CliRunner

from app import load_settings, mock_daemon_command, sandbox_limits
from hellotrace.engine.api import EngineSettings
from hellotrace.engine.budget import ByteBudget, json_weight
from hellotrace.engine.sandbox import SandboxLimits
from hellotrace.engine.server import ServerLimits
from hellotrace.engine.service import EngineOptions, MockEngine
from hellotrace.protocol.stdcopy import FrameDecoder
from hellotrace.settings import SettingError
from tests.wire import HELLO_CREATE, call, create, pull, raw


@pytest.fixture
def engine_with() -> Iterator:
    """Start a mock engine with the given limits; every one started is stopped at the end."""
    started: list[tuple[MockEngine, str]] = []

    def start(sandbox: SandboxLimits | None = None, server: ServerLimits | None = None) -> MockEngine:
        folder = tempfile.mkdtemp(prefix="ht-", dir="/tmp")
        engine = MockEngine(EngineOptions(unix_path=os.path.join(folder, "docker.sock"), tcp_address=("127.0.0.1", 0),
                                          settings=EngineSettings(pull_pace=0), sandbox_limits=sandbox,
                                          server_limits=server)).start()
        started.append((engine, folder))
        return engine

    yield start
    for engine, folder in started:
        engine.stop()
        shutil.rmtree(folder, ignore_errors=True)


def tcp_socket(engine: MockEngine) -> socket.socket:
    sock = socket.create_connection(engine.tcp_address, timeout=5)
    return sock


def closed_by_peer(sock: socket.socket, within: float) -> bool:
    """True when the engine closes the connection (EOF or reset) within `within` seconds; what it still
    sends before closing (the rest of an answer) is read and ignored."""
    deadline = time.monotonic() + within
    while (remaining := deadline - time.monotonic()) > 0:
        sock.settimeout(remaining)
        try:
            if sock.recv(65536) == b"":
                return True
        except ConnectionResetError:
            return True
        except TimeoutError:
            return False
    return False


# -- 8. sandboxes are always granted ---------------------------------------------------------------------


def test_made_up_sandboxes_never_lock_a_new_student_out(engine_with):
    engine = engine_with(SandboxLimits(max_sandboxes=20))
    for number in range(100):
        assert call(engine, "GET", f"/sandboxes/made-up-{number}/_ping").status == 200
    pull(engine, "hello-world", prefix="/sandboxes/student/v1.55")
    assert call(engine, "GET", "/sandboxes/student/images/json").json() != []
    # Empty sandboxes made room: their number stays near the limit.
    assert engine.registry.count() <= 22


def test_the_least_recently_used_idle_sandbox_is_evicted_and_logged(engine_with, caplog):
    # The periodic sweep would remove them all first: here only the room a newcomer needs is made.
    engine = engine_with(SandboxLimits(max_sandboxes=3, idle_seconds=0.3, sweep_seconds=3600))
    for name in ("old", "middle", "recent"):
        pull(engine, "hello-world", prefix=f"/sandboxes/{name}/v1.55")
        time.sleep(0.05)
    time.sleep(0.35)
    call(engine, "GET", "/sandboxes/recent/_ping")  # no longer idle
    with caplog.at_level(logging.INFO, logger="hellotrace.engine"):
        assert call(engine, "GET", "/sandboxes/newcomer/_ping").status == 200
    assert any("evicted sandbox old" in record.getMessage() for record in caplog.records)
    assert call(engine, "GET", "/sandboxes/middle/images/json").json() != []  # kept: only one had to go
    assert call(engine, "GET", "/sandboxes/recent/images/json").json() != []
    assert call(engine, "GET", "/sandboxes/old/images/json").json() == []  # a new, empty sandbox


def test_idle_sandboxes_are_swept_away(engine_with, caplog):
    engine = engine_with(SandboxLimits(idle_seconds=0.5, sweep_seconds=0.1))
    with caplog.at_level(logging.INFO, logger="hellotrace.engine"):
        pull(engine, "hello-world", prefix="/sandboxes/gone/v1.55")
        call(engine, "GET", "/sandboxes/empty/_ping")
        assert engine.registry.count() == 3  # with the default sandbox
        deadline = time.monotonic() + 5
        while engine.registry.count() > 1 and time.monotonic() < deadline:
            time.sleep(0.1)
    assert engine.registry.count() == 1
    assert any("evicted sandbox gone" in record.getMessage() and "after its idle time" in record.getMessage()
               for record in caplog.records)


def test_busy_sandboxes_are_kept_and_the_newcomer_still_gets_one(engine_with):
    engine = engine_with(SandboxLimits(max_sandboxes=2, idle_seconds=3600))
    for name in ("a", "b", "c"):
        pull(engine, "hello-world", prefix=f"/sandboxes/{name}/v1.55")
    assert call(engine, "GET", "/sandboxes/d/_ping").status == 200
    for name in ("a", "b", "c"):
        assert call(engine, "GET", f"/sandboxes/{name}/images/json").json() != []


def test_settings_reach_the_sandbox_limits(monkeypatch):
    limits = sandbox_limits(load_settings({"SANDBOX_IDLE": "45m", "MEMORY_BUDGET": "64MiB"}))
    assert (limits.idle_seconds, limits.engine_bytes, limits.sandbox_bytes) == (2700, 64 << 20, 4 << 20)
    defaults = sandbox_limits(load_settings())
    assert (defaults.idle_seconds, defaults.engine_bytes) == (1800, 256 << 20)
    monkeypatch.setenv("HELLOTRACE_MEMORY_BUDGET", "12")
    with pytest.raises(SettingError, match="MEMORY_BUDGET .--memory-budget.: expected at least 1MiB"):
        load_settings()


def test_the_mock_daemon_takes_the_options():
    result = CliRunner().invoke(mock_daemon_command, ["--sandbox-idle", "soon"])
    assert result.exit_code == 2 and "expected a duration such as 30m" in result.output


# -- 9. byte budgets -------------------------------------------------------------------------------------


def test_budget_charges_its_parent_and_reclaims_before_refusing():
    freed: list[int] = []

    def reclaim(needed: int) -> int:
        freed.append(needed)
        child_a.close()
        return 60

    engine = ByteBudget(100, "all", "", reclaim=reclaim)
    child_a = ByteBudget(80, "a", "", parent=engine)
    child_b = ByteBudget(80, "b", "", parent=engine)
    child_a.charge(60, "x")
    assert child_b.try_charge(50)  # 110 > 100: the engine reclaimed a's 60 first
    assert freed == [50] and engine.used == 50 and not child_a.try_charge(1)
    with pytest.raises(Exception, match="no space left on device"):
        child_b.charge(40, "create container")
    child_b.release(50)
    assert engine.used == 0


def test_json_weight_counts_many_small_values_for_what_they_weigh():
    assert json_weight(["ab"] * 1000) > 1000 * 64
    assert json_weight({"Cmd": "x" * 100_000}) < 101_000


def test_huge_configurations_are_refused_once_the_sandbox_budget_is_spent(engine_with):
    engine = engine_with(SandboxLimits(engine_bytes=16 << 20, sandbox_bytes=2 << 20))
    pull(engine, "alpine")
    config = {"Image": "alpine", "Cmd": ["echo", "x" * 600_000]}
    statuses = [create(engine, config).status for _ in range(5)]
    assert statuses[:3] == [201, 201, 201] and statuses[3:] == [503, 503]
    refused = create(engine, config).json()["message"]
    assert "no space left on device" in refused and "docker rm" in refused
    # Removing a container gives its bytes back.
    first = call(engine, "GET", "/containers/json?all=1").json()[0]["Id"]
    assert call(engine, "DELETE", f"/containers/{first}").status == 204
    assert create(engine, config).status == 201


def test_the_engine_budget_bounds_all_sandboxes_together(engine_with):
    engine = engine_with(SandboxLimits(engine_bytes=4 << 20, sandbox_bytes=2 << 20, idle_seconds=3600))
    config = {"Image": "alpine", "Cmd": ["echo", "x" * 900_000]}
    created = 0
    for sandbox in range(6):
        prefix = f"/sandboxes/s{sandbox}/v1.55"
        pull(engine, "alpine", prefix=prefix)
        created += sum(_create_status(engine, config, prefix) == 201 for _ in range(2))
    # Each create also holds its body while it is read: three or four fit, never more.
    assert 3 <= created <= 4 and engine.registry.budget.used <= 4 << 20


def _create_status(engine: MockEngine, config: dict, prefix: str) -> int:
    """A refused body may be answered (413) and closed while the client is still sending it."""
    try:
        return create(engine, config, prefix=prefix).status
    except (BrokenPipeError, ConnectionResetError):
        return 413


def test_a_body_too_big_for_the_budget_gets_413_before_it_is_sent(engine_with):
    engine = engine_with(SandboxLimits(engine_bytes=1 << 20))
    head = (b"POST /containers/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 3000000\r\n\r\n")
    answer = raw(engine, head)
    assert answer.startswith(b"HTTP/1.1 413 ") and b"memory budget" in answer
    assert engine.registry.budget.used == 0


def test_a_chunked_body_past_the_limit_gets_413_before_its_end(engine_with):
    engine = engine_with(server=ServerLimits(max_body_bytes=64 * 1024))
    chunk = b"x" * 100_000
    answer = raw(engine, b"POST /containers/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Transfer-Encoding: chunked\r\n\r\n" + f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
    assert answer.startswith(b"HTTP/1.1 413 ")


def test_files_copied_into_containers_count_against_the_sandbox_budget(engine_with):
    engine = engine_with(SandboxLimits(engine_bytes=16 << 20, sandbox_bytes=2 << 20))
    pull(engine, "alpine")
    cid = create(engine, {"Image": "alpine", "Cmd": ["true"]}).json()["Id"]
    statuses = []
    for number in range(4):
        upload = io.BytesIO()
        with tarfile.open(fileobj=upload, mode="w") as archive:
            info = tarfile.TarInfo(f"big{number}.bin")
            info.size = 600_000
            archive.addfile(info, io.BytesIO(b"z" * info.size))
        statuses.append(call(engine, "PUT", f"/v1.55/containers/{cid}/archive?path=/tmp", raw_body=upload.getvalue(),
                             headers={"Content-Type": "application/x-tar"}).status)
    assert statuses == [200, 200, 200, 503]
    assert call(engine, "HEAD", f"/v1.55/containers/{cid}/archive?path=/tmp/big3.bin").status == 404
    before = engine.registry.budget.used
    assert call(engine, "DELETE", f"/v1.55/containers/{cid}").status == 204
    assert engine.registry.budget.used < before - 1_800_000


def test_kept_output_is_truncated_like_a_log_driver_with_a_note(engine_with):
    engine = engine_with(SandboxLimits(max_output_bytes=8 * 1024))
    pull(engine, "alpine")
    script = "; ".join(f"echo line{number:03d}-" + "y" * 200 for number in range(60))
    cid = create(engine, {"Image": "alpine", "Cmd": ["sh", "-c", script]}).json()["Id"]
    call(engine, "POST", f"/containers/{cid}/start")
    call(engine, "POST", f"/containers/{cid}/wait")
    frames = FrameDecoder().feed(call(engine, "GET", f"/containers/{cid}/logs?stdout=1").body)
    lines = [frame.payload for frame in frames]
    assert lines[0].startswith(b"[mock engine: ")
    assert b"bytes of this container's earlier output were dropped" in lines[0]
    assert lines[-1].startswith(b"line059-") and len(lines) < 40
    assert not any(line.startswith(b"line000-") for line in lines)


def test_a_listing_of_large_containers_is_streamed_and_complete(engine_with):
    engine = engine_with()
    pull(engine, "alpine")
    for number in range(5):
        assert create(engine, {"Image": "alpine", "Cmd": ["echo", f"{number}" * 300_000]}).status == 201
    answer = call(engine, "GET", "/containers/json?all=1")
    assert answer.header("Transfer-Encoding") == "chunked"
    listed = answer.json()
    assert len(listed) == 5 and all(len(item["Command"]) == 300_005 for item in listed)
    small = call(engine, "GET", "/containers/json?all=1&limit=1&filters=" + quote(json.dumps({"id": ["nothing"]})))
    assert small.header("Content-Length") == "3" and small.body == b"[]\n"


# -- 10. connection exhaustion ---------------------------------------------------------------------------


def _file_limit_allows(count: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 2 * count + 200  # both ends of every connection live in this process
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))


def test_a_fresh_ping_is_answered_at_once_while_1000_slow_connections_are_open(engine_with):
    _file_limit_allows(1000)
    engine = engine_with()
    slow = []
    try:
        for number in range(1000):
            sock = tcp_socket(engine)
            sock.sendall(b"GET /_ping HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + str(number).encode())
            slow.append(sock)
        time.sleep(0.2)
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            assert call(engine, "GET", "/_ping", tcp=True).status == 200
            timings.append(time.perf_counter() - started)
        assert sorted(timings)[2] < 0.1, timings
    finally:
        for sock in slow:
            sock.close()


def test_a_trickle_does_not_extend_the_header_deadline(engine_with):
    engine = engine_with(server=ServerLimits(read_header_timeout=1.0))
    sock = tcp_socket(engine)
    started = time.monotonic()
    try:
        for byte in b"GET /_ping HTTP/1.1\r\nHost: localhost\r\nX-Trickle: aaaaaaaaaaaaaaaaaaaa":
            sock.sendall(bytes([byte]))
            time.sleep(0.1)
            if time.monotonic() - started > 1.6:
                break
    except (BrokenPipeError, ConnectionResetError):
        pass
    assert closed_by_peer(sock, 1.0)
    assert time.monotonic() - started < 2.8
    sock.close()


def test_an_idle_kept_alive_connection_is_closed_and_a_trickle_does_not_keep_it(engine_with):
    engine = engine_with(server=ServerLimits(idle_timeout=0.6, read_header_timeout=1.0))
    sock = tcp_socket(engine)
    sock.sendall(b"GET /_ping HTTP/1.1\r\nHost: localhost\r\n\r\n")
    assert b"200 OK" in sock.recv(65536)
    assert closed_by_peer(sock, 2.0)
    sock.close()
    trickler = tcp_socket(engine)
    trickler.sendall(b"GET /_ping HTTP/1.1\r\nHost: localhost\r\n\r\n")
    trickler.recv(65536)
    started = time.monotonic()
    for byte in b"GET /_ping HTTP/1.1\r\n":
        try:
            trickler.sendall(bytes([byte]))
        except OSError:
            break
        time.sleep(0.1)
    assert closed_by_peer(trickler, 2.0) and time.monotonic() - started < 3.0
    trickler.close()


def test_a_connection_sending_request_after_request_keeps_one_thread_and_gives_it_back_when_silent(engine_with):
    engine = engine_with()
    sock = tcp_socket(engine)
    seen = set()
    for _ in range(20):
        sock.sendall(b"GET /_ping HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert b"200 OK" in sock.recv(65536)
        seen |= {thread.ident for thread in threading.enumerate() if thread.name == "engine-conn"}
    assert len(seen) == 1  # one thread served the twenty requests
    deadline = time.monotonic() + 3
    while any(thread.name == "engine-conn" for thread in threading.enumerate()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(thread.name == "engine-conn" for thread in threading.enumerate())  # silent: back to the reactor
    sock.sendall(b"GET /_ping HTTP/1.1\r\nHost: localhost\r\n\r\n")
    assert b"200 OK" in sock.recv(65536)
    sock.close()


def test_a_kept_alive_connection_waiting_in_its_thread_is_shed_like_an_idle_one(engine_with):
    engine = engine_with(server=ServerLimits(max_connections=3))
    kept = [tcp_socket(engine) for _ in range(3)]
    for sock in kept:
        sock.sendall(b"GET /_ping HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert b"200 OK" in sock.recv(65536)
    assert call(engine, "GET", "/_ping", tcp=True).status == 200
    assert sum(closed_by_peer(sock, 0.3) for sock in kept) >= 1
    for sock in kept:
        sock.close()


def test_the_slowest_heads_are_shed_when_connections_run_out(engine_with):
    engine = engine_with(server=ServerLimits(max_connections=20))
    slow = [tcp_socket(engine) for _ in range(20)]
    for sock in slow:
        sock.sendall(b"GET /_ping HTTP/1.1\r\n")
    time.sleep(1.2)  # older than the grace given to brand-new connections
    for _ in range(3):
        assert call(engine, "GET", "/_ping", tcp=True).status == 200
    assert sum(closed_by_peer(sock, 0.05) for sock in slow) >= 1
    assert engine.server.open_connections() <= 20
    for sock in slow:
        sock.close()


def test_large_unfinished_heads_are_shed_past_their_byte_limit(engine_with):
    engine = engine_with(server=ServerLimits(max_pending_head_bytes=200_000))
    heavy = [tcp_socket(engine) for _ in range(5)]
    for sock in heavy:
        sock.sendall(b"GET /_ping HTTP/1.1\r\nHost: localhost\r\nX-Big: " + b"a" * 60_000)
        time.sleep(0.05)
    assert sum(closed_by_peer(sock, 0.3) for sock in heavy) >= 1
    assert engine.server.pending_head_bytes <= 200_000
    assert call(engine, "GET", "/_ping", tcp=True).status == 200
    for sock in heavy:
        sock.close()


# -- 11. malformed input, answered as Docker and Go's net/http answer it ----------------------------------


def test_an_http_0_9_request_line_gets_go_s_400_at_once_and_a_close(mock_engine):
    answer = raw(mock_engine, b"GET /_ping\r\n")  # no blank line: the answer must not wait for headers
    assert answer == (b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
                      b"Connection: close\r\n\r\n400 Bad Request")


def test_an_unsupported_http_version_gets_go_s_505(mock_engine):
    answer = raw(mock_engine, b"GET /_ping HTTP/0.9\r\nHost: x\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 505 HTTP Version Not Supported: unsupported protocol version\r\n")
    assert answer.endswith(b"\r\n\r\n505 HTTP Version Not Supported: unsupported protocol version")


def test_a_request_framed_twice_is_served_by_its_chunks_and_the_connection_closed(mock_engine):
    pull(mock_engine, "hello-world")
    body = json.dumps(HELLO_CREATE).encode()
    chunked = f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n"
    answer = raw(mock_engine, b"POST /containers/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                              b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked
                              + b"GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 201 Created\r\n") and b"\r\nConnection: close\r\n" in answer
    assert answer.count(b"HTTP/1.1 ") == 1  # the request behind it was never read


def test_go_s_texts_for_a_missing_host_and_an_unknown_transfer_encoding(mock_engine):
    assert raw(mock_engine, b"GET /_ping HTTP/1.1\r\n\r\n").endswith(b"400 Bad Request: missing required Host header")
    unknown = raw(mock_engine, b"POST /containers/create HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n")
    assert unknown.startswith(b"HTTP/1.1 501 Not Implemented\r\n")
    assert unknown.endswith(b"Unsupported transfer encoding")


@pytest.mark.parametrize("opener", ["[", '{"a":'])
def test_json_nested_100000_deep_gets_docker_s_400(mock_engine, opener):
    body = (opener * 100_000).encode()
    answer = call(mock_engine, "POST", "/containers/create", raw_body=body,
                  headers={"Content-Type": "application/json"})
    assert (answer.status, answer.json()) == (
        400, {"message": f"invalid JSON: invalid character '{opener[0]}' exceeded max depth"})
    assert call(mock_engine, "GET", "/_ping").status == 200


@pytest.mark.parametrize("filters", ["{bad", "[]", '{"label":{"a":"yes"}}', '{"label":[1]}', "[" * 10_001])
def test_invalid_filters_get_the_daemon_s_message(mock_engine, filters):
    for path in ("/containers/json", "/images/json"):
        answer = call(mock_engine, "GET", f"{path}?filters={quote(filters)}")
        assert (answer.status, answer.json()) == (400, {"message": "invalid filter"})


def test_both_filter_forms_are_read(mock_engine):
    pull(mock_engine, "hello-world")
    assert create(mock_engine, {**HELLO_CREATE, "Labels": {"a": "1"}}).status == 201
    for filters in ('{"label":{"a=1":true}}', '{"label":["a=1"]}'):
        assert len(call(mock_engine, "GET", f"/containers/json?all=1&filters={quote(filters)}").json()) == 1



def test_a_crowds_first_creates_build_the_request_types_once(monkeypatch):
    """A fresh engine's first creates arrive together (a class clicks step 2): the spec is parsed once for all,
    not once per request (which cost a second of CPU and a hundred megabytes under a crowd)."""
    from hellotrace.engine import apitypes

    cached = (apitypes.spec, apitypes.definition, apitypes.create_request, apitypes.update_request)
    for function in cached:
        function.cache_clear()
    parses = []
    parse = yaml.load

    def slow_parse(*args, **kwargs):
        parses.append(1)
        time.sleep(0.2)  # every thread arrives meanwhile
        return parse(*args, **kwargs)

    monkeypatch.setattr(yaml, "load", slow_parse)
    results = []
    threads = [threading.Thread(target=lambda: results.append(apitypes.create_request())) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(parses) == 1 and len(results) == 20 and all(result is results[0] for result in results)
