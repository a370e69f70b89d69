"""The mock engine refuses what a web browser sends and hosts it is not (DNS rebinding), and keeps no trace of it:
a browser sends the site's cookies to the engine's port too, and a sandbox's trace is readable by its owner."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile

import pytest

from app import engine_host_names, engine_process, load_settings
from hellotrace.engine.api import EngineSettings
from hellotrace.engine.guard import RequestGuard
from hellotrace.engine.service import EngineOptions, MockEngine
from hellotrace.trusted_hosts import engine_hosts, host_is_trusted
from hellotrace.wiretap import MemoryTraceStore
from hellotrace.wiretap.receiver import TapReceiver
from tests.test_trace_store import wait_finished
from tests.wire import call, raw

COOKIE = "session=eyJ2aXNpdG9yIjoiMDEyMyJ9; hellotrace_visitor=0123456789abcdef0123456789abcdef"


@pytest.fixture
def traced():
    """An engine whose tap feeds a trace store, as the site's does; optionally with extra host names."""
    started = []

    def start(host_names: tuple[str, ...] = ()) -> tuple[MockEngine, MemoryTraceStore]:
        store = MemoryTraceStore()
        folder = tempfile.mkdtemp(prefix="ht-", dir="/tmp")
        options = EngineOptions(unix_path=os.path.join(folder, "docker.sock"), tcp_address=("127.0.0.1", 0),
                                settings=EngineSettings(pull_pace=0), tap=TapReceiver(store), host_names=host_names)
        engine = MockEngine(options).start()
        started.append((engine, folder))
        return engine, store

    yield start
    for engine, folder in started:
        engine.stop()
        shutil.rmtree(folder, ignore_errors=True)


def every_recorded_byte(store: MemoryTraceStore, sandboxes: list[str]) -> bytes:
    seen = b""
    for sandbox in sandboxes:
        for record in store.exchanges(sandbox):
            request = record.exchange.request
            seen += (request.head + request.body) if request else b""
    return seen


@pytest.mark.parametrize("header", [
    ("Cookie", COOKIE),
    ("Origin", "http://evil.example"),
    ("Sec-Fetch-Site", "cross-site"),
    ("Sec-Fetch-Mode", "navigate"),
])
def test_a_browsers_request_is_refused_and_never_traced(traced, header) -> None:
    engine, store = traced()
    name, value = header
    answer = call(engine, "GET", "/sandboxes/attacker/v1.55/version", headers={name: value}, tcp=True)
    assert answer.status == 403
    assert answer.header("Content-Type") == "application/json"
    message = answer.json()["message"]
    assert "does not answer web pages" in message and f"carries the {name} header" in message
    # What the same sandbox receives from a terminal is traced: the refused request is not there, before or after.
    assert call(engine, "GET", "/sandboxes/attacker/v1.55/version", tcp=True).status == 200
    records = wait_finished(store, "attacker", 1)
    assert [(r.method, r.status) for r in records] == [("GET", 200)]
    assert value.encode() not in every_recorded_byte(store, ["attacker", "default"])


def test_a_cross_site_post_changes_nothing(traced) -> None:
    engine, store = traced()
    assert call(engine, "POST", "/v1.55/images/create?fromImage=hello-world&tag=latest").status == 200
    assert call(engine, "POST", "/v1.55/containers/create", body={"Image": "hello-world"}).status == 201
    answer = call(engine, "POST", "/v1.55/containers/prune", headers={"Origin": "http://evil.example"}, tcp=True)
    assert answer.status == 403
    assert len(call(engine, "GET", "/v1.55/containers/json?all=1").json()) == 1


def test_a_refused_head_on_a_kept_alive_connection_is_not_traced(traced) -> None:
    """A terminal's request, then a browser's on the same connection: the first is traced, the second is not."""
    engine, store = traced()
    first = b"GET /sandboxes/kept/_ping HTTP/1.1\r\nHost: localhost\r\n\r\n"
    second = b"GET /sandboxes/kept/_ping HTTP/1.1\r\nHost: localhost\r\nCookie: secret=hunter2\r\n\r\n"
    with socket.create_connection(engine.tcp_address, timeout=5) as sock:
        sock.sendall(first)
        assert sock.recv(65536).startswith(b"HTTP/1.1 200 ")
        sock.sendall(second)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 403 Forbidden\r\n")
    assert [r.status for r in wait_finished(store, "kept", 1)] == [200]
    assert b"hunter2" not in every_recorded_byte(store, ["kept"])


@pytest.mark.parametrize("host", ["evil.example", "evil.example:2375", "attacker.localhost.evil.example",
                                  "10.9.8.7:2375"])
def test_a_host_the_engine_is_not_is_refused(traced, host) -> None:
    engine, _ = traced()
    answer = call(engine, "GET", "/v1.55/version", headers={"Host": host}, tcp=True)
    assert answer.status == 403
    assert "does not answer to Host" in answer.json()["message"]


@pytest.mark.parametrize("host", ["localhost", "localhost:2375", "127.0.0.1", "127.0.0.1:2375", "127.0.0.2:80",
                                  "[::1]:2375", "api.moby.localhost", "docker", "LOCALHOST"])
def test_loopback_and_docker_names_are_served(traced, host) -> None:
    engine, _ = traced()
    assert call(engine, "GET", "/v1.55/version", headers={"Host": host}, tcp=True).status == 200


def test_any_host_is_served_on_the_unix_socket_which_no_page_can_reach(traced) -> None:
    engine, _ = traced()
    for host in ("api.moby.localhost", "x", "evil.example"):
        assert call(engine, "GET", "/v1.55/version", headers={"Host": host}).status == 200
    assert call(engine, "GET", "/v1.55/version", headers={"Cookie": COOKIE}).status == 403


def test_the_engines_own_address_and_the_names_it_was_given_are_served(traced) -> None:
    engine, _ = traced(host_names=("room-b.school.example", ".lab.example"))
    host, port = engine.tcp_address
    for name in (f"{host}:{port}", "room-b.school.example:2375", "pc1.lab.example"):
        assert call(engine, "GET", "/v1.55/version", headers={"Host": name}, tcp=True).status == 200, name
    assert call(engine, "GET", "/v1.55/version", headers={"Host": "lab.example.evil"}, tcp=True).status == 403


def test_http_1_0_without_host_is_served(traced) -> None:
    engine, _ = traced()
    assert raw(engine, b"GET /_ping HTTP/1.0\r\n\r\n").startswith(b"HTTP/1.1 200 ")


def test_the_guard_alone() -> None:
    guard = RequestGuard(engine_hosts(["0.0.0.0"], ["site.example"],
                                      reachable=lambda _host: []))
    assert guard.refusal([(b"host", b"site.example:2375")]) is None
    assert guard.refusal([(b"host", b"localhost"), (b"sec-fetch-dest", b"document")]) is not None
    assert host_is_trusted("[::1]", []) and not host_is_trusted("[2001:db8::1]:2375", [])
    assert not host_is_trusted("", ["localhost"])


def test_the_site_gives_its_engine_the_names_visitors_use(tmp_path) -> None:
    config = load_settings({"LISTEN": "0.0.0.0:5000", "ALLOW_REMOTE": True,
                            "TRUSTED_HOST_NAMES": ["room-b.school.example"],
                            "SANDBOX_URL": "tcp://engine.school.example:2375"}, tmp_path)
    config["TRUSTED_HOSTS"] = ["localhost", "127.0.0.1", "room-b.school.example", "192.0.2.7"]
    assert engine_host_names(config) == ["room-b.school.example", "192.0.2.7", "engine.school.example"]
    command = engine_process(config).command
    given = [command[i + 1] for i, word in enumerate(command) if word == "--trusted-host"]
    assert given == ["room-b.school.example", "192.0.2.7", "engine.school.example"]
