"""With a real daemon and `--trace-socket`, the recording proxy carries the site owner's own docker commands: its
channel is shown, on the trace page, its live events and its HAR export, to the owner alone (whoever opened the
link with the secret of the start-up banner). The mock engine stands in for dockerd."""

from __future__ import annotations

import pytest

from hellotrace.docker_host import parse_docker_host
from hellotrace.tracing.wire import ConnectionInfo
from hellotrace.wiretap import MemoryTraceStore
from hellotrace.wiretap.conversation import Conversation
from hellotrace.wiretap.proxy import PROXY_CHANNEL
from hellotrace.wiretap.receiver import store_sink
from tests.conftest import site_app

SECRET_NAME = "teachers-private-container"
OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n[]"


@pytest.fixture
def real_mode(mock_engine, tmp_path):
    store = MemoryTraceStore()
    conversation = Conversation(ConnectionInfo(1, "unix", "", "/tmp/trace.sock", False, None),
                                parse_docker_host("unix:///tmp/trace.sock"), store_sink(store), channel=PROXY_CHANNEL)
    conversation.client_bytes(f"GET /v1.55/containers/{SECRET_NAME}/json HTTP/1.1\r\nHost: api.moby.localhost\r\n"
                              "User-Agent: Docker-Client/28.2.2 (linux)\r\n\r\n".encode(), 1.0)
    conversation.daemon_bytes(OK, 1.1)
    conversation.closed(1.2)
    assert len(store.exchanges(PROXY_CHANNEL)) == 1
    app = site_app(engine=mock_engine, trace=store, DAEMON=parse_docker_host(mock_engine.docker_host_unix),
                   TRACE_SOCKET=str(tmp_path / "trace.sock"))
    return app


def test_the_proxy_channel_is_hidden_from_every_other_visitor(real_mode) -> None:
    student = real_mode.test_client()
    page = student.get("/en/trace")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert SECRET_NAME not in text and "trace.sock" not in text
    assert "only they see it here" in text
    assert SECRET_NAME not in student.get("/en/trace/export.har").get_data(as_text=True)
    assert student.get("/en/trace/events?after=0&seq=0").status_code == 404
    # A guessed secret changes nothing.
    assert student.get("/en/trace?owner=guess").status_code == 303
    assert SECRET_NAME not in student.get("/en/trace").get_data(as_text=True)


def test_the_owner_opens_it_with_the_banners_secret(real_mode) -> None:
    token = real_mode.config["TRACE_OWNER_TOKEN"]
    assert token and len(token) >= 20
    owner = real_mode.test_client()
    opened = owner.get(f"/en/trace?owner={token}")
    assert opened.status_code == 303 and opened.headers["Location"].endswith("/en/trace")
    assert SECRET_NAME in owner.get("/en/trace").get_data(as_text=True)
    assert SECRET_NAME in owner.get("/en/trace/export.har").get_data(as_text=True)
    with owner.session_transaction() as session:
        assert token not in str(dict(session))  # the signed cookie is readable: it keeps a digest
    # Another browser, even on this machine, is not the owner.
    assert SECRET_NAME not in real_mode.test_client().get("/fr/trace").get_data(as_text=True)


def test_the_owner_of_an_earlier_start_is_not_the_owner_now(real_mode, mock_engine, tmp_path) -> None:
    owner = real_mode.test_client()
    owner.get(f"/en/trace?owner={real_mode.config['TRACE_OWNER_TOKEN']}")
    real_mode.config["TRACE_OWNER_TOKEN"] = "a-new-start-has-a-new-secret"
    assert SECRET_NAME not in owner.get("/en/trace").get_data(as_text=True)
