"""What a trace never shows: a web browser's request (it may carry the site's cookies), credentials in request
headers and a `docker login`'s password; on the page and in the HAR export alike."""

from __future__ import annotations

import base64
import json
import os
import shutil
import tempfile
import time

import pytest

from hellotrace.docker_host import parse_docker_host
from hellotrace.engine.api import EngineSettings
from hellotrace.engine.service import EngineOptions, MockEngine
from hellotrace.har import build_har
from hellotrace.protocol.tap import CLIENT, CLOSED, DAEMON, OPENED
from hellotrace.wiretap import MemoryTraceStore
from hellotrace.wiretap.proxy import PROXY_CHANNEL, RecordingProxy
from hellotrace.wiretap.receiver import TapReceiver
from hellotrace.wiretap.redact import HIDDEN, redact_body, redact_head
from tests.wire import UnixHTTPConnection, call

PASSWORD = "correct-horse-battery"
REGISTRY_AUTH = base64.urlsafe_b64encode(json.dumps({"username": "teacher", "password": PASSWORD}).encode()).decode()
LOGIN = json.dumps({"username": "teacher", "password": PASSWORD, "serveraddress": "https://index.docker.io/v1/",
                    "Auth": "dGVhY2hlcjpodW50ZXIy", "IdentityToken": "tok-123"}).encode()
OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


def fed(*requests: bytes, answer: bytes = OK) -> MemoryTraceStore:
    """A receiver as the recording proxy or the engine's tap feeds it: each request on its own connection,
    given this answer (200, `{}`)."""
    store = MemoryTraceStore()
    receiver = TapReceiver(store)
    for number, request in enumerate(requests, start=1):
        receiver(number, OPENED, 1.0, b'{"transport":"unix","daemon":"/tmp/d.sock","client":""}')
        receiver(number, CLIENT, 1.0, request)
        receiver(number, DAEMON, 1.1, answer)
        receiver(number, CLOSED, 1.2, b"")
    return store


def test_a_logins_password_is_hidden_in_the_trace_and_its_har() -> None:
    request = (b"POST /v1.55/auth HTTP/1.1\r\nHost: api.moby.localhost\r\nUser-Agent: Docker-Client/28.2.2 (linux)\r\n"
               b"Content-Length: %d\r\nContent-Type: application/json\r\n\r\n" % len(LOGIN)) + LOGIN
    [login] = fed(request).exchanges("default")
    shown = login.exchange.request.head + login.exchange.request.body
    for secret in (PASSWORD.encode(), b"dGVhY2hlcjpodW50ZXIy", b"tok-123"):
        assert secret not in shown and secret not in login.request_body
    assert shown.count(HIDDEN.encode()) == 3 and b'"username": "teacher"' in shown
    assert login.request_header("Content-Length") == str(len(LOGIN))  # what was sent, framing untouched
    [entry] = build_har([("", [login.exchange])])["log"]["entries"]
    har = json.dumps(entry)
    assert PASSWORD not in har and "tok-123" not in har
    assert entry["request"]["bodySize"] == len(LOGIN)
    assert "hid the secrets" in entry["request"]["comment"]


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_the_identity_token_a_login_answers_with_is_hidden_in_the_trace_and_its_har(framing: str) -> None:
    """A registry that issues refresh tokens has the daemon answer a login with one: a credential, like the
    password the login sent."""
    body = b'{"IdentityToken":"refresh-tok-456","Status":"Login Succeeded"}'
    if framing == "chunked":
        answer = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                  + b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n")
    else:
        answer = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    request = (b"POST /v1.55/auth HTTP/1.1\r\nHost: docker\r\nContent-Length: %d\r\n"
               b"Content-Type: application/json\r\n\r\n" % len(LOGIN)) + LOGIN
    [login] = fed(request, answer=answer).exchanges("default")
    response = login.exchange.response
    assert b"refresh-tok-456" not in response.body and b"refresh-tok-456" not in response.wire
    assert b'"IdentityToken":"(hidden by hellotrace)"' in response.body and b"Login Succeeded" in response.body
    assert response.body_size == len(body) and response.wire_size == len(answer)  # the sizes as received
    [entry] = build_har([("", [login.exchange])])["log"]["entries"]
    assert "refresh-tok-456" not in json.dumps(entry)
    assert "hid the identity token" in entry["response"]["comment"]
    # Any other answer is kept as it came, whatever it holds.
    other = (b"GET /v1.55/info HTTP/1.1\r\nHost: docker\r\n\r\n")
    [info] = fed(other, answer=answer).exchanges("default")
    assert b"refresh-tok-456" in info.exchange.response.body


@pytest.mark.parametrize("name", ["Authorization", "X-Registry-Auth", "Cookie", "X-Registry-Config"])
def test_credential_headers_are_hidden(name: str) -> None:
    value = f"Basic {REGISTRY_AUTH}"
    request = f"POST /v1.55/images/create?fromImage=alpine HTTP/1.1\r\nHost: docker\r\n{name}: {value}\r\n\r\n"
    store = fed(request.encode())
    records = store.exchanges("default")
    if name == "Cookie":  # a web browser's: not recorded at all
        assert records == []
        return
    [pull] = records
    assert pull.request_header(name) == HIDDEN
    assert REGISTRY_AUTH.encode() not in pull.exchange.request.head
    assert REGISTRY_AUTH not in json.dumps(build_har([("", [pull.exchange])]))
    assert dict(pull.exchange.request_headers)[name] == HIDDEN  # the card's curl command is made from these


def test_a_browsers_request_is_not_recorded_even_when_a_daemon_answers_it() -> None:
    """The recording proxy forwards to a real daemon, which does not refuse it: the trace still keeps nothing."""
    store = MemoryTraceStore()
    receiver = TapReceiver(store)
    receiver(1, OPENED, 1.0, b'{"transport":"unix","daemon":"/tmp/d.sock","client":""}')
    receiver(1, CLIENT, 1.0, b"GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n")
    receiver(1, DAEMON, 1.1, OK)
    receiver(1, CLIENT, 1.2, b"GET /v1.55/version HTTP/1.1\r\nHost: docker\r\nOrigin: http://evil.example\r\n"
                             b"Cookie: hellotrace_visitor=0123456789abcdef\r\n\r\n")
    receiver(1, DAEMON, 1.3, OK)
    receiver(1, CLIENT, 1.4, b"GET /v1.55/info HTTP/1.1\r\nHost: docker\r\n\r\n")
    receiver(1, CLOSED, 1.5, b"")
    assert [(r.path, r.status) for r in store.exchanges("default")] == [("/_ping", 200)]


def test_redaction_leaves_other_requests_alone() -> None:
    head = b"GET /v1.55/version HTTP/1.1\r\nHost: docker\r\nUser-Agent: curl/8\r\n\r\n"
    assert redact_head(head) is head
    empty = b"POST /v1.55/images/create?fromImage=alpine HTTP/1.1\r\nHost: docker\r\nX-Registry-Auth: e30=\r\n\r\n"
    assert redact_head(empty) is empty  # the CLI's empty credentials, which the lessons explain
    body = b'{"Image":"alpine","Env":["password=kept"]}'
    assert redact_body("/v1.55/containers/create", body) is body
    assert redact_body("/sandboxes/s/v1.55/auth", b'{"password":"x"}') == b'{"password":"' + HIDDEN.encode() + b'"}'


def wait_for(store: MemoryTraceStore, channel: str) -> list:
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        records = store.exchanges(channel)
        if records and all(r.finished for r in records):
            return records
        time.sleep(0.02)
    return store.exchanges(channel)


def test_the_engines_tap_and_the_recording_proxy_hide_them() -> None:
    """From the engine's tap (every sandbox's trace) and through the trace socket (the proxy channel)."""
    store, proxied = MemoryTraceStore(), MemoryTraceStore()
    folder = tempfile.mkdtemp(prefix="ht-", dir="/tmp")
    engine = MockEngine(EngineOptions(unix_path=os.path.join(folder, "docker.sock"), tcp_address=("127.0.0.1", 0),
                                      settings=EngineSettings(pull_pace=0), tap=TapReceiver(store))).start()
    proxy = RecordingProxy(os.path.join(folder, "trace.sock"), parse_docker_host(engine.docker_host_unix),
                           proxied).start()
    try:
        answer = call(engine, "POST", "/sandboxes/reg/v1.55/images/create?fromImage=hello-world&tag=latest",
                      headers={"X-Registry-Auth": REGISTRY_AUTH})
        assert answer.status == 200
        [pull] = wait_for(store, "reg")
        assert pull.request_header("X-Registry-Auth") == HIDDEN
        assert REGISTRY_AUTH.encode() not in pull.exchange.request.head

        through = UnixHTTPConnection(proxy.path)
        through.request("POST", "/v1.55/auth", body=LOGIN, headers={"Content-Type": "application/json"})
        through.getresponse().read()
        through.close()
        [login] = wait_for(proxied, PROXY_CHANNEL)
        assert login.path == "/auth" and PASSWORD.encode() not in login.exchange.request.body
        assert PASSWORD not in json.dumps(build_har([("", [login.exchange])]))
    finally:
        proxy.stop()
        engine.stop()
        shutil.rmtree(folder, ignore_errors=True)
