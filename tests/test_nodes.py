"""Site processes as nodes of a group behind nginx: sandboxes named after the node, the DOCKER_HOST visitors are
shown, the visitor cookie nginx routes by, what is trusted of the proxy's headers, a visitor who lands on another
node (or whose engine restarted) told once that their sandbox is new, and terminal activity shared through Redis
so that any node's roster sees every student."""

from __future__ import annotations

import html
import io
import os
import re
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import redis
import requests

from app import print_banner, terminal_recorder
from hellotrace.classroom.terminal import RedisTerminals, TerminalActivity
from hellotrace.deploy import ring as ring_module
from hellotrace.deploy.nginx import Node, nginx_config
from hellotrace.deploy.ring import HashRing
from hellotrace.engine.api import EngineSettings
from hellotrace.engine.sandbox import SandboxLimits
from hellotrace.engine.service import EngineOptions, MockEngine
from hellotrace.settings import defaults
from hellotrace.storage.database import dispose
from hellotrace.web import visitors as visitors_module
from hellotrace.web.visitor_cookie import node_routing
from hellotrace.wiretap import MemoryTraceStore
from hellotrace.wiretap.receiver import TapReceiver
from tests.conftest import running_engine, site_app
from tests.services import free_port, start_redis
from tests.test_trace_store import traced_engine, wait_finished  # noqa: F401 - a fixture
from tests.test_web_classroom import join, new_class
from tests.test_wsgi_servers import start, stop, wait_for
from tests.wire import recorded

MOVED_EN = "The server that held your sandbox did not answer, and you are now on another one"
MOVED_FR = "Le serveur qui hébergeait votre bac à sable n'a pas répondu, et vous voici sur un autre"
RESTARTED_EN = "The mock engine stopped and hellotrace restarted it"
NODE_RESTARTED_EN = "The server that holds your sandbox restarted: your sandbox is new and empty"
RETURNED_EN = "You are back on the server that holds your sandbox, with what you did there."
EXPIRED_EN = "Your sandbox had no request for a long time, so the mock engine removed it"
EXPIRED_FR = "Votre bac à sable n&#39;a reçu aucune requête depuis longtemps, le moteur simulé l&#39;a donc supprimé"
SHOWN_HOST = re.compile(r"tcp://[\w.:\[\]]+/sandboxes/[\w-]+")


@pytest.fixture
def second_engine() -> Iterator[MockEngine]:
    with running_engine() as engine:
        yield engine


def shown_docker_host(page: str) -> str:
    found = SHOWN_HOST.search(page)
    assert found is not None, "the page shows no DOCKER_HOST"
    return found.group(0)


def visitor_of(client) -> str:
    with client.session_transaction() as session:
        return session["visitor"]


def sandbox_of(engine: MockEngine, node: str, token: str) -> str:
    """A visitor's sandbox on a node whose engine is `engine`: named after the node and its start."""
    return f"{node}-{engine.boot}{token}"


def containers(engine: MockEngine, sandbox: str) -> list[dict]:
    host, port = engine.tcp_address
    answer = requests.get(f"http://{host}:{port}/sandboxes/{sandbox}/v1.55/containers/json?all=1", timeout=5)
    assert answer.ok
    return answer.json()


def test_a_nodes_sandboxes_carry_its_name_everywhere(mock_engine):
    app = site_app(mock_engine, NODE="n1")
    client = app.test_client()
    page = client.get("/en/replay").get_data(as_text=True)
    token = visitor_of(client)
    port = mock_engine.tcp_address[1]
    assert shown_docker_host(page) == f"tcp://127.0.0.1:{port}/sandboxes/{sandbox_of(mock_engine, 'n1', token)}"
    assert client.post("/en/replay/run", data={"step": "all"}).status_code == 303
    sandbox = sandbox_of(mock_engine, "n1", token)
    assert len(containers(mock_engine, sandbox)) == 1  # the replay ran in the node's sandbox
    assert containers(mock_engine, token) == []
    assert shown_docker_host(client.get("/en/").get_data(as_text=True)).endswith(f"/sandboxes/{sandbox}")


def test_sandbox_url_is_what_visitors_are_shown_while_the_replay_talks_to_its_engine(mock_engine):
    app = site_app(mock_engine, NODE="n2", SANDBOX_URL="tcp://lab.example:8375")
    client = app.test_client()
    page = client.get("/en/replay").get_data(as_text=True)
    token = visitor_of(client)
    assert shown_docker_host(page) == f"tcp://lab.example:8375/sandboxes/{sandbox_of(mock_engine, 'n2', token)}"
    client.post("/en/replay/run", data={"step": "all"})
    assert len(containers(mock_engine, sandbox_of(mock_engine, "n2", token))) == 1
    # The curl of each exchange goes where the visitor's machine reaches the sandbox too, not to the node's engine.
    page = client.get("/en/replay").get_data(as_text=True)
    port = mock_engine.tcp_address[1]
    assert f"http://lab.example:8375/sandboxes/{sandbox_of(mock_engine, 'n2', token)}/v1.55/containers/create" in page
    assert f"http://127.0.0.1:{port}" not in page


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_behind_the_proxy_the_replay_sends_the_host_a_students_client_sends(mock_engine, lang):
    """nginx passes the public engine port's connections on byte for byte, so the engine gets from a student's own
    client `Host: <public host:port>`. The replay's requests go straight to the node's engine but carry that same
    Host: the request each card shows is what was sent, and what the student's client sends; no text names the
    node's own engine port, which a student's machine cannot reach."""
    seen = recorded(mock_engine)
    app = site_app(mock_engine, NODE="n2", SANDBOX_URL="tcp://lab.example:8375")
    client = app.test_client()
    client.get(f"/{lang}/replay")
    token = visitor_of(client)
    for sequence in ("recipe", "cli"):
        client.post(f"/{lang}/replay/run", data={"step": "all", "sequence": sequence})
        page = html.unescape(client.get(f"/{lang}/replay").get_data(as_text=True))
        assert set(re.findall(r"\r\nHost: (\S+)\r\n", page)) == {"lab.example:8375"}, sequence  # as sent
        port = mock_engine.tcp_address[1]
        assert f":{port}" not in page, sequence
        assert "lab.example:8375" in page
    assert seen and {request.header("Host") for request in seen} == {"lab.example:8375"}
    entries = client.get(f"/{lang}/replay/export.har").get_json()["log"]["entries"]
    sandbox = sandbox_of(mock_engine, "n2", token)
    assert {entry["_daemon"] for entry in entries} == {f"tcp://lab.example:8375/sandboxes/{sandbox}"}
    assert all(entry["request"]["url"].startswith("http://lab.example:8375/") for entry in entries)
    assert all({"name": "Host", "value": "lab.example:8375"} in entry["request"]["headers"] for entry in entries)


def test_the_visitor_cookie_follows_the_session(mock_engine):
    app = site_app(mock_engine)
    client = app.test_client()
    first = client.get("/en/replay")
    token = visitor_of(client)
    cookie = next(h for h in first.headers.getlist("Set-Cookie") if h.startswith("hellotrace_visitor="))
    assert cookie.startswith(f"hellotrace_visitor={token};")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie and "Max-Age=31536000" in cookie
    again = client.get("/en/replay")
    assert not any(h.startswith("hellotrace_visitor=") for h in again.headers.getlist("Set-Cookie"))
    client.set_cookie("hellotrace_visitor", "0123456789abcdef")  # changed by the client: it only routes
    client.get("/en/replay")
    assert client.get_cookie("hellotrace_visitor").value == "0123456789abcdef" and visitor_of(client) == token
    assert not any(h.startswith("hellotrace_visitor=") for h in client.get("/healthz").headers.getlist("Set-Cookie"))


RING = "a=127.0.0.1:5001 b=127.0.0.1:5002 c=127.0.0.1:5003"
RING_SERVERS = ["127.0.0.1:5001", "127.0.0.1:5002", "127.0.0.1:5003"]


def test_behind_the_proxy_a_new_visitor_gets_a_token_nginx_routes_back_to_its_node(mock_engine):
    """A first visit comes with nginx's hash ring: each new visitor's token is one the ring gives to this node, so
    that the cookie carrying it brings the browser back here (nginx sent the first visit to the nodes in turn)."""
    app = site_app(mock_engine, NODE="b", BEHIND_PROXY=True)
    ring = HashRing(RING_SERVERS)
    tokens = set()
    for _ in range(20):
        client = app.test_client()
        page = client.get("/en/replay", headers={"X-Hellotrace-Ring": RING}).get_data(as_text=True)
        token = visitor_of(client)
        assert ring.server_for(token) == "127.0.0.1:5002" and client.get_cookie("hellotrace_visitor").value == token
        assert shown_docker_host(page).endswith(f"/sandboxes/{sandbox_of(mock_engine, 'b', token)}")
        tokens.add(token)
    assert len(tokens) == 20
    # Once the session holds a visitor, the header changes nothing.
    client.get("/en/replay", headers={"X-Hellotrace-Ring": "b=127.0.0.1:9"})
    assert visitor_of(client) == token


@pytest.mark.parametrize("header", ["", "a=127.0.0.1:5001", "../../etc/passwd"])  # more in test_ring.py
def test_a_header_that_is_no_ring_naming_this_node_leaves_the_token_random(mock_engine, header):
    app = site_app(mock_engine, NODE="b", BEHIND_PROXY=True)
    with app.test_request_context("/en/replay", headers={"X-Hellotrace-Ring": header}):
        assert node_routing() is None
    client = app.test_client()
    assert client.get("/en/replay", headers={"X-Hellotrace-Ring": header}).status_code == 200
    assert re.fullmatch(r"[0-9a-f]{16}", visitor_of(client))


def test_a_ring_that_does_not_name_this_node_is_said_once_in_the_log(mock_engine):
    """A node named otherwise in nginx's configuration cannot choose tokens that come back to it: its operator is
    told what to do, once, and the visitor is served all the same."""
    app = site_app(mock_engine, NODE="z", BEHIND_PROXY=True)
    log = io.StringIO()
    app.logger.handlers[0].setStream(log)
    for _ in range(3):
        assert app.test_client().get("/en/replay", headers={"X-Hellotrace-Ring": RING}).status_code == 200
    said = [line for line in log.getvalue().splitlines() if "does not name this node" in line]
    assert len(said) == 1 and "NODE=z" in said[0] and "nginx-config" in said[0]


def test_without_the_proxy_setting_the_ring_is_ignored(mock_engine):
    for config in ({"NODE": "b"}, {"BEHIND_PROXY": True}):
        app = site_app(mock_engine, **config)
        with app.test_request_context("/en/replay", headers={"X-Hellotrace-Ring": RING}):
            assert node_routing() is None
    with site_app(mock_engine, NODE="b", BEHIND_PROXY=True).test_request_context(
            "/en/replay", headers={"X-Hellotrace-Ring": RING}):
        routes_here = node_routing()
        assert routes_here is not None and routes_here("0" * 16) == (HashRing(RING_SERVERS).server_for("0" * 16)
                                                                     == "127.0.0.1:5002")


def test_a_new_token_is_never_one_a_visitor_has(monkeypatch):
    """The token is chosen by the node and checked against every visitor it holds: a new browser never reaches
    someone else's replay or sandbox, whatever it sends. Past _KEY_TRIES the ring is not followed (the token is
    still one no visitor has)."""
    made = iter(["1" * 16, "2" * 16, "3" * 16])
    monkeypatch.setattr(ring_module.secrets, "token_hex", lambda size: next(made))
    assert ring_module.draw_key(lambda token: True, lambda token: token == "1" * 16) == "2" * 16
    counter = iter(range(2000))
    monkeypatch.setattr(ring_module.secrets, "token_hex", lambda size: f"{next(counter):016x}")
    last = ring_module._KEY_TRIES - 1
    assert ring_module.draw_key(lambda token: False, lambda token: token == f"{last:016x}") == f"{last + 1:016x}"


def test_a_visitor_nginx_failed_over_to_this_node_stays_here(mock_engine):
    """nginx sends a visitor whose node does not answer to the next node on its ring. That node gives them a new
    sandbox; their cookie becomes a key the ring gives to it, so that they stay, rather than go back to their first
    node once it answers again (restarted, it holds nothing of theirs; and the sandbox they used since is here).
    The visitor stays who they are (their session's token, their class)."""
    ring = HashRing(RING_SERVERS)
    app = site_app(mock_engine, NODE="b", BEHIND_PROXY=True)
    client = app.test_client()
    client.get("/en/replay", headers={"X-Hellotrace-Ring": RING})
    token = visitor_of(client)
    elsewhere = next(key for key in (secrets.token_hex(8) for _ in range(1000))
                     if ring.server_for(key) != RING_SERVERS[1])
    client.set_cookie("hellotrace_visitor", elsewhere)  # the cookie of a visitor of node a or c
    client.get("/en/replay", headers={"X-Hellotrace-Ring": RING})
    rerouted = client.get_cookie("hellotrace_visitor").value
    assert rerouted != elsewhere and ring.server_for(rerouted) == RING_SERVERS[1] and visitor_of(client) == token
    answer = client.post("/en/replay/pace", data={"pace": "instant"}, headers={"X-Hellotrace-Ring": RING})
    assert not any(h.startswith("hellotrace_visitor=") for h in answer.headers.getlist("Set-Cookie"))  # routes here


def test_a_browser_that_lost_its_cookie_gets_one_that_routes_to_its_node(mock_engine):
    """A visitor whose session stays but whose cookie went (deleted alone) comes back as a first visit, to any node
    in turn: the node their session reaches gives them a key the ring routes to it, not a token another node's."""
    ring = HashRing(RING_SERVERS)
    app = site_app(mock_engine, NODE="b", BEHIND_PROXY=True)
    for _ in range(50):
        client = app.test_client()
        client.get("/en/replay")  # made without a ring: its token may route anywhere
        if ring.server_for(visitor_of(client)) != RING_SERVERS[1]:
            break
    else:
        raise AssertionError("50 random tokens all routed to node b")
    client.delete_cookie("hellotrace_visitor")
    client.get("/en/replay", headers={"X-Hellotrace-Ring": RING})
    assert ring.server_for(client.get_cookie("hellotrace_visitor").value) == RING_SERVERS[1]


def test_a_cookie_planted_before_the_first_visit_never_names_the_sandbox(mock_engine):
    """A page on another port of the same host (or a sibling domain) can set this browser's cookie before its
    first visit. nginx offers a new visitor's token only when the browser has no cookie, so the node gets none
    and makes its own: whoever planted the cookie cannot know the sandbox. The cookie is kept: it routes."""
    app = site_app(mock_engine, NODE="a", BEHIND_PROXY=True)
    planted = secrets.token_hex(16)
    client = app.test_client()
    client.set_cookie("hellotrace_visitor", planted)
    page = client.get("/en/replay", headers={"X-Hellotrace-Ring": "a=127.0.0.1:1"}).get_data(as_text=True)
    assert visitor_of(client) != planted and planted not in page
    assert client.get_cookie("hellotrace_visitor").value == planted  # the browser stays on the node it reached
    config = nginx_config([Node("a", "127.0.0.1:1", "127.0.0.1:2")], ["127.0.0.1:80"], ["127.0.0.1:2375"])
    assert config.count('proxy_set_header X-Hellotrace-Ring "a=127.0.0.1:1";') == 1  # with every request


def test_behind_the_proxy_links_use_the_public_host_and_scheme_and_the_host_is_still_checked(mock_engine, tmp_path):
    app = site_app(mock_engine, BEHIND_PROXY=True, TRUSTED_HOST_NAMES=["lab.example"], INSTANCE=str(tmp_path))
    public = {"X-Forwarded-Host": "lab.example", "X-Forwarded-Proto": "https", "X-Forwarded-For": "192.0.2.7",
              "Referer": "https://lab.example/en/"}  # over HTTPS, Flask-WTF also checks the Referer
    teacher = app.test_client()
    teacher.get("/en/", headers=public)
    created = teacher.post("/en/class/new", data={"title": "t"}, headers=public)
    code = re.search(r"/class/(\w{6})/present", created.headers["Location"]).group(1)
    present = teacher.get(f"/en/class/{code}/present", headers=public)
    assert f"https://lab.example/join/{code}" in present.get_data(as_text=True)
    assert teacher.get("/en/", headers={**public, "X-Forwarded-Host": "evil.example"}).status_code == 400
    # Two hops claimed: only the one nginx added is trusted.
    assert teacher.get("/en/", headers={**public, "X-Forwarded-Host": "evil.example, lab.example"}).status_code == 200
    # A page that rebinds its own name to the node's address names itself in Host, whatever it forwards.
    rebound = teacher.get("/en/", headers={**public, "Host": "evil.example:5000"})
    assert rebound.status_code == 400 and "evil.example" not in rebound.headers.get("Location", "")
    assert teacher.get("/static/favicon.svg", headers=public).status_code == 200
    assert teacher.get("/static/favicon.svg", headers={**public, "Host": "evil.example"}).status_code == 400
    dispose(app)


def test_the_visitor_cookie_is_secure_over_https_behind_the_proxy(mock_engine):
    app = site_app(mock_engine, BEHIND_PROXY=True)
    answer = app.test_client().get("/en/replay", headers={"X-Forwarded-Proto": "https"})
    cookie = next(h for h in answer.headers.getlist("Set-Cookie") if h.startswith("hellotrace_visitor="))
    assert "Secure" in cookie


def test_a_visitor_who_lands_on_another_node_is_told_once_and_gets_a_new_sandbox(mock_engine, second_engine,
                                                                                  tmp_path):
    key = secrets.token_hex(16)
    node_a = site_app(mock_engine, NODE="a", SECRET_KEY=key, INSTANCE=str(tmp_path))
    node_b = site_app(second_engine, NODE="b", SECRET_KEY=key, INSTANCE=str(tmp_path))
    on_a = node_a.test_client()
    first = on_a.get("/en/replay").get_data(as_text=True)
    token = visitor_of(on_a)
    assert MOVED_EN not in first and RESTARTED_EN not in first
    on_a.post("/en/replay/run", data={"step": "all"})
    assert len(containers(mock_engine, sandbox_of(mock_engine, "a", token))) == 1
    # Node a stops; nginx sends the same browser (same cookies) to node b.
    on_b = node_b.test_client()
    on_b.set_cookie("session", on_a.get_cookie("session").value)
    moved = on_b.get("/en/replay").get_data(as_text=True)
    assert MOVED_EN in moved and RESTARTED_EN not in moved
    on_b_sandbox = sandbox_of(second_engine, "b", token)
    assert shown_docker_host(moved) == f"tcp://127.0.0.1:{second_engine.tcp_address[1]}/sandboxes/{on_b_sandbox}"
    assert visitor_of(on_b) == token  # the same token: nginx keeps hashing them to b
    assert MOVED_EN not in on_b.get("/en/replay").get_data(as_text=True)  # said once
    on_b.post("/en/replay/run", data={"step": "all"})
    assert len(containers(second_engine, sandbox_of(second_engine, "b", token))) == 1
    # nginx had only set node a aside for a moment (its passive health check): back there, the sandbox lived on.
    on_a.set_cookie("session", on_b.get_cookie("session").value)
    back = on_a.get("/en/replay").get_data(as_text=True)
    assert RETURNED_EN in back and MOVED_EN not in back
    assert shown_docker_host(back).endswith(f"/sandboxes/{sandbox_of(mock_engine, 'a', token)}")
    assert RETURNED_EN not in on_a.get("/en/replay").get_data(as_text=True)
    dispose(node_a)
    dispose(node_b)


def test_the_moved_notice_is_in_the_readers_language_and_not_in_fragments(mock_engine, second_engine, tmp_path):
    key = secrets.token_hex(16)
    node_a = site_app(mock_engine, NODE="a", SECRET_KEY=key, INSTANCE=str(tmp_path))
    node_b = site_app(second_engine, NODE="b", SECRET_KEY=key, INSTANCE=str(tmp_path))
    on_a = node_a.test_client()
    on_a.get("/fr/")
    on_b = node_b.test_client()
    on_b.set_cookie("session", on_a.get_cookie("session").value)
    fragment = on_b.get("/fr/replay", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and MOVED_FR.replace("'", "&#39;") not in fragment.get_data(as_text=True)
    page = on_b.get("/fr/lessons/").get_data(as_text=True)
    assert MOVED_FR.replace("'", "&#39;") in page and "DOCKER_HOST a changé\u00a0: utilisez celui" in page
    dispose(node_a)
    dispose(node_b)


def test_after_its_engine_restarted_under_the_node_the_visitor_keeps_their_docker_host(mock_engine):
    """The engine child died and the node started it again: every sandbox is new, under the same names (the node's
    start did not change)."""
    app = site_app(mock_engine, NODE="a")
    client = app.test_client()
    shown = shown_docker_host(client.get("/en/replay").get_data(as_text=True))
    mock_engine.generation = 1  # what EngineProcess counts when it starts its child again
    page = client.get("/en/replay").get_data(as_text=True)
    assert RESTARTED_EN in page and NODE_RESTARTED_EN not in page and MOVED_EN not in page
    assert shown_docker_host(page) == shown


@pytest.fixture
def forgetful_engine() -> Iterator[MockEngine]:
    """An engine that removes a sandbox after one second without a request, as SANDBOX_IDLE does after 30 min."""
    folder = tempfile.mkdtemp(prefix="ht-", dir="/tmp")
    options = EngineOptions(unix_path=os.path.join(folder, "docker.sock"), tcp_address=("127.0.0.1", 0),
                            settings=EngineSettings(pull_pace=0.0),
                            sandbox_limits=SandboxLimits(idle_seconds=1.0, sweep_seconds=0.2))
    engine = MockEngine(options).start()
    try:
        yield engine
    finally:
        engine.stop()
        shutil.rmtree(folder, ignore_errors=True)


def step_results(replay) -> list[tuple[int, bool]]:
    """How each step of the replay's last run ended, once it has."""
    log = replay.last_run
    deadline = time.monotonic() + 10
    while not log.closed and time.monotonic() < deadline:
        time.sleep(0.05)
    return [(event.step, event.ok) for event in log.events if event.kind == "step-end"]


def test_a_visitor_back_after_the_engine_removed_their_idle_sandbox_starts_over_and_is_told_once(
        forgetful_engine, tmp_path):
    app = site_app(forgetful_engine, INSTANCE=str(tmp_path), PACE="instant")
    client = app.test_client()
    client.get("/fr/replay")
    client.post("/fr/replay/run", data={"step": "2"})
    pool = app.extensions["hellotrace.visitors"]
    replay = pool.get(visitor_of(client)).replay
    assert replay.next_step == 3
    # The site keeps the replay for VISITOR_IDLE; the engine removes the sandbox after SANDBOX_IDLE.
    deadline = time.monotonic() + 10
    while forgetful_engine.registry.count() > 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert forgetful_engine.registry.count() == 1, "the idle sandbox was not removed"
    back = client.get("/fr/replay").get_data(as_text=True)
    assert EXPIRED_FR in back
    fresh = pool.get(visitor_of(client)).replay
    assert fresh is not replay and fresh.next_step == 1
    assert fresh.pacer.pace == "instant"  # the site's PACE, as for any new replay
    assert EXPIRED_FR not in client.get("/fr/replay").get_data(as_text=True)  # said once
    client.post("/fr/replay/run", data={"step": "all"})
    assert step_results(fresh) == [(1, True), (2, True), (3, True), (4, True)]
    dispose(app)


def test_a_replay_whose_sandbox_lives_on_is_kept_and_nothing_is_said(mock_engine, tmp_path):
    app = site_app(mock_engine, INSTANCE=str(tmp_path))
    client = app.test_client()
    client.get("/en/replay")
    client.post("/en/replay/run", data={"step": "2"})
    replay = app.extensions["hellotrace.visitors"].get(visitor_of(client)).replay
    page = client.get("/en/replay").get_data(as_text=True)
    assert EXPIRED_EN not in page and RESTARTED_EN not in page
    assert app.extensions["hellotrace.visitors"].get(visitor_of(client)).replay is replay
    assert replay.next_step == 3
    dispose(app)


def test_a_replay_made_again_for_a_moved_visitor_keeps_the_sites_pace(mock_engine, second_engine, tmp_path):
    key = secrets.token_hex(16)
    node_a = site_app(mock_engine, NODE="a", SECRET_KEY=key, INSTANCE=str(tmp_path), PACE="slow")
    on_a = node_a.test_client()
    on_a.get("/en/replay")
    pool = node_a.extensions["hellotrace.visitors"]
    visitor = pool.get(visitor_of(on_a))
    visitor.engine = f"a:{mock_engine.boot}.7"  # an engine of this node's start that stopped
    home, notice = pool.arrive(visitor, visitor.engine)
    assert notice == "restarted" and home == pool.home
    assert visitor.replay.pacer.pace == "slow"
    dispose(node_a)


@pytest.fixture
def redis_nodes(redis_server, tmp_path):
    """Two nodes sharing a database, a SECRET_KEY and Redis, each with its own engine feeding its own trace
    store through a tap receiver that records terminal requests in Redis, as `python app.py` composes them."""
    key = secrets.token_hex(16)
    database = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    nodes, folders = [], []
    for name in ("a", "b"):
        store = MemoryTraceStore()
        config = {**defaults(), "REDIS_URL": redis_server.url, "NODE": name}
        folder = tempfile.mkdtemp(prefix="ht-", dir="/tmp")
        folders.append(folder)
        receiver = TapReceiver(store)
        options = EngineOptions(unix_path=os.path.join(folder, "docker.sock"), tcp_address=("127.0.0.1", 0),
                                settings=EngineSettings(pull_pace=0), tap=receiver)
        engine = MockEngine(options).start()
        receiver.observer = terminal_recorder(config, store, engine.boot)  # the node's start names its sandboxes
        app = site_app(engine, trace=store, NODE=name, SECRET_KEY=key, REDIS_URL=redis_server.url,
                       DATABASE_URL=database, INSTANCE=str(tmp_path / name))
        nodes.append((app, engine, store))
    yield nodes
    for app, engine, _ in nodes:
        dispose(app)
        engine.stop()
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)


def _terminal_request(engine: MockEngine, sandbox: str, path: str = "/v1.55/images/json") -> None:
    base = engine.sandbox_host(sandbox).replace("tcp://", "http://")
    # As the docker CLI sends it: the roster names the docker command (curl's requests are named as sent).
    assert requests.get(f"{base}{path}", headers={"User-Agent": "Docker-Client/28.2.2 (linux)"}, timeout=5).ok


def _roster_rows(teacher, code: str, expect: str, timeout: float = 5.0) -> list[str]:
    """The roster's rows once `expect` is in it (Redis is written by a thread of its own)."""
    deadline = time.monotonic() + timeout
    while True:
        roster = teacher.get(f"/en/class/{code}/roster").get_data(as_text=True)
        if expect in roster or time.monotonic() > deadline:
            return re.findall(r'<tr data-student="\d">.*?</tr>', roster, re.S)
        time.sleep(0.05)


def test_one_roster_sees_the_terminals_of_students_on_every_node(redis_nodes):
    (node_a, engine_a, store_a), (node_b, engine_b, store_b) = redis_nodes
    teacher, ada, bob = node_a.test_client(), node_a.test_client(), node_b.test_client()
    code = new_class(teacher)
    join(ada, code, "Ada")
    join(bob, code, "Bob")
    ada_token, bob_token = visitor_of(ada), visitor_of(bob)
    ada.post("/en/replay/run", data={"step": "1"})  # the site's own requests are not the student's terminal
    _terminal_request(engine_a, sandbox_of(engine_a, "a", ada_token))
    _terminal_request(engine_b, sandbox_of(engine_b, "b", bob_token), "/v1.55/containers/json?all=1")
    _terminal_request(engine_b, sandbox_of(engine_b, "b", bob_token), "/v1.55/containers/json?all=1")
    wait_finished(store_b, sandbox_of(engine_b, "b", bob_token), 2)
    rows = _roster_rows(teacher, code, "requests: 2")
    assert "requests: 1 · <code>docker images</code>" in rows[0]
    assert "requests: 2 · <code>docker ps -a</code>" in rows[1]
    # The same roster, read from the other node.
    other_teacher = node_b.test_client()
    other_teacher.set_cookie(f"hellotrace_class_{code}", teacher.get_cookie(f"hellotrace_class_{code}").value)
    assert _roster_rows(other_teacher, code, "requests: 2") == rows

    # Ada's node stops: she lands on b, with a new sandbox there; her terminal's count goes on.
    ada_on_b = node_b.test_client()
    for name in ("session", "hellotrace_learner"):
        ada_on_b.set_cookie(name, ada.get_cookie(name).value)
    assert MOVED_EN in ada_on_b.get("/en/replay").get_data(as_text=True)
    _terminal_request(engine_b, sandbox_of(engine_b, "b", ada_token), "/v1.55/version")
    rows = _roster_rows(teacher, code, "docker version")
    assert "requests: 2 · <code>docker version</code>" in rows[0]


def test_requests_to_sandboxes_that_are_no_visitors_of_the_node_are_not_recorded(redis_nodes, redis_server):
    (_, engine_a, store_a), _ = redis_nodes
    token = secrets.token_hex(8)
    for sandbox in (f"b-{token}", "a-notatoken", token):  # another node's, a name no visitor has, no node at all
        _terminal_request(engine_a, sandbox)
        wait_finished(store_a, sandbox, 1)
    # Written after the others: once it is there, they would be too.
    _terminal_request(engine_a, sandbox_of(engine_a, "a", token))
    client = redis.Redis.from_url(redis_server.url)
    deadline = time.monotonic() + 5
    while not client.exists(f"hellotrace:terminal:{token}") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert client.llen(f"hellotrace:terminal:{token}") == 1
    assert not client.exists("hellotrace:terminal:notatoken")


def test_the_banner_names_the_node_and_where_terminals_reach_its_sandboxes(mock_engine, capsys):
    node = site_app(mock_engine, NODE="n3", SANDBOX_URL="tcp://lab.example:8375").config
    print_banner(node, 5000, mock_engine, "One worker: a node of a group behind nginx.")
    assert "Node n3: its visitors' sandboxes are n3-<token>, reached at tcp://lab.example:8375.\n" in \
        capsys.readouterr().out
    print_banner(site_app(mock_engine).config, 5000, mock_engine, "One worker (--workers 1).")
    assert "Node" not in capsys.readouterr().out


def test_healthz_says_whether_redis_answers(mock_engine, tmp_path):
    """Classes need Redis on every node of a group: a process manager or a load balancer asking /healthz is told
    when it does not answer, within a second."""
    server = start_redis()
    try:
        client = site_app(mock_engine, REDIS_URL=server.url, INSTANCE=str(tmp_path)).test_client()
        answer = client.get("/healthz")
        assert answer.status_code == 200 and answer.get_json()["checks"]["redis"] == "ok"
    finally:
        server.stop()
    started = time.monotonic()
    answer = client.get("/healthz")
    assert answer.status_code == 503 and answer.get_json()["checks"]["redis"] == "unreachable"
    assert time.monotonic() - started < 3


def test_without_redis_the_roster_goes_on_and_the_tap_is_not_held(tmp_path, caplog):
    terminals = RedisTerminals(f"unix://{tmp_path / 'nobody.sock'}")
    started = time.monotonic()
    terminals.append("0123456789abcdef", time.time(), "docker ps")  # queued: the tap receiver never waits
    assert time.monotonic() - started < 0.1
    assert terminals.activities([("0123456789abcdef", datetime.now(UTC))]) == [TerminalActivity()]
    assert "cannot read from Redis" in caplog.text
    deadline = time.monotonic() + 5
    while "cannot write to Redis" not in caplog.text:  # the writer's thread said so, and goes on
        assert time.monotonic() < deadline
        time.sleep(0.02)


def test_python_app_py_behind_the_proxy_reads_the_forwarded_headers(tmp_path):
    """waitress drops X-Forwarded-* headers it was not told to trust: behind the proxy, the site reads them."""
    port = free_port()
    process = start([sys.executable, "app.py", "--node", "a", "--behind-proxy", "--trusted-host", "lab.example"],
                    tmp_path, port)
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", process, tmp_path / "server.log")
        page = requests.get(f"http://127.0.0.1:{port}/en/replay", timeout=10, headers={
            "Host": "lab.example", "X-Forwarded-Host": "lab.example", "X-Forwarded-Proto": "https",
            "X-Forwarded-For": "192.0.2.9", "X-Hellotrace-Ring": "x=127.0.0.1:5001 a=127.0.0.1:5002 c=127.0.0.1:5003"})
        token = re.search(r"/sandboxes/a-[0-9a-f]{8}([0-9a-f]{16})", page.text)
        assert page.status_code == 200 and token is not None
        assert HashRing(RING_SERVERS).server_for(token.group(1)) == "127.0.0.1:5002"
        cookie = page.raw.headers.getlist("Set-Cookie")
        assert any(c.startswith(f"hellotrace_visitor={token.group(1)};") and "Secure" in c for c in cookie), cookie
    finally:
        stop(process)
    assert "192.0.2.9 GET /en/replay 200" in (tmp_path / "server.log").read_text()


def test_a_nodes_trace_page_shows_what_the_visitors_terminal_sent_to_its_sandbox(traced_engine):  # noqa: F811
    engine, store = traced_engine
    app = site_app(engine, trace=store, NODE="a")
    client = app.test_client()
    client.get("/en/trace")
    token = visitor_of(client)
    _terminal_request(engine, sandbox_of(engine, "a", token), "/v1.55/containers/json?all=1")
    _terminal_request(engine, token, "/v1.55/images/json")  # the same token without the node: not theirs
    wait_finished(store, sandbox_of(engine, "a", token), 1)
    page = client.get("/en/trace").get_data(as_text=True)
    assert "docker ps -a" in page and "docker images" not in page


def test_pages_read_mid_story_ask_the_engine_about_the_sandbox_at_most_every_half_minute(
        mock_engine, tmp_path, monkeypatch):
    from hellotrace.tracing.client import TracedClient

    asked = []
    original = TracedClient.info
    monkeypatch.setattr(TracedClient, "info", lambda self, **kw: asked.append(1) or original(self, **kw))
    app = site_app(mock_engine, INSTANCE=str(tmp_path))
    client = app.test_client()
    client.get("/en/replay")
    client.post("/en/replay/run", data={"step": "2"})
    for page in ("/en/replay", "/en/lessons/", "/en/replay", "/en/glossary"):
        assert client.get(page).status_code == 200
    assert len(asked) == 1  # the first page after step 2 asked; the next ones, within the half-minute, did not
    visitor = app.extensions["hellotrace.visitors"].get(visitor_of(client))
    visitor.sandbox_checked -= visitors_module.SANDBOX_RECHECK_SECONDS
    client.get("/en/replay")
    assert len(asked) == 2
    dispose(app)


FORGOTTEN_FR = "Vous n&#39;aviez fait aucune requête depuis longtemps, hellotrace a donc oublié votre rejeu"


def test_a_visitor_the_site_let_go_of_after_visitor_idle_is_told_once_that_the_replay_starts_over(
        mock_engine, tmp_path):
    app = site_app(mock_engine, INSTANCE=str(tmp_path))
    client = app.test_client()
    client.get("/fr/replay")
    client.post("/fr/replay/run", data={"step": "2"})
    pool = app.extensions["hellotrace.visitors"]
    token = visitor_of(client)
    pool.get(token).last_seen -= pool.idle_seconds + 1
    assert pool.sweep()  # the visitor is let go of
    back = client.get("/fr/replay").get_data(as_text=True)
    assert FORGOTTEN_FR in back
    assert pool.get(token).replay.next_step == 1 and visitor_of(client) == token  # same sandbox, same DOCKER_HOST
    again = client.get("/fr/replay").get_data(as_text=True)
    assert FORGOTTEN_FR not in again
    assert "Votre bac à sable n&#39;a reçu aucune requête" not in back + again  # not taken for an expired sandbox
    dispose(app)


def test_a_visitor_back_on_their_node_after_it_restarted_is_told_their_docker_host_changed(mock_engine,
                                                                                          second_engine, tmp_path):
    """A node that starts again names its visitors' sandboxes after its new start: a visitor whose cookie brings
    them back to it gets a new sandbox under a new DOCKER_HOST, and is told so (not that it stayed the same, as
    after a restart of the engine alone)."""
    key = secrets.token_hex(16)
    before = site_app(mock_engine, NODE="a", SECRET_KEY=key, INSTANCE=str(tmp_path))
    after = site_app(second_engine, NODE="a", SECRET_KEY=key, INSTANCE=str(tmp_path))  # node a, started again
    browser = before.test_client()
    browser.get("/en/replay")
    token = visitor_of(browser)
    again = after.test_client()
    again.set_cookie("session", browser.get_cookie("session").value)
    page = again.get("/en/replay").get_data(as_text=True)
    assert NODE_RESTARTED_EN in page and RESTARTED_EN not in page and MOVED_EN not in page
    assert shown_docker_host(page).endswith(f"/sandboxes/{sandbox_of(second_engine, 'a', token)}")
    assert NODE_RESTARTED_EN not in again.get("/en/replay").get_data(as_text=True)  # said once
    dispose(before)
    dispose(after)


def test_a_nodes_engine_refuses_the_sandboxes_of_its_earlier_starts_and_of_other_nodes(tmp_path):
    """A terminal may keep an address from before its node restarted (or from a node the group no longer has):
    the engine says to copy DOCKER_HOST again rather than open a new, empty sandbox under it, which the page does
    not show. A visitor's sandbox of this start, and a name a student chose, are served."""
    boot, token = "0123abcd", secrets.token_hex(8)
    options = EngineOptions(unix_path=str(tmp_path / "docker.sock"), tcp_address=("127.0.0.1", 0),
                            settings=EngineSettings(pull_pace=0, node="a", node_boot=boot))
    engine = MockEngine(options).start()
    try:
        def ping(sandbox: str) -> requests.Response:
            return requests.get(f"http://127.0.0.1:{engine.tcp_address[1]}/sandboxes/{sandbox}/_ping", timeout=5)

        assert ping(f"a-{boot}{token}").status_code == 200
        assert ping("my-box").status_code == 200
        for stale in (f"a-89abcdef{token}", f"a-{token}"):  # another start's, and one from before starts were named
            answer = ping(stale)
            assert answer.status_code == 404 and "was on node a before it restarted" in answer.json()["message"]
            assert "copy DOCKER_HOST again" in answer.json()["message"]
        assert "belongs to node b" in ping(f"b-{boot}{token}").json()["message"]
    finally:
        engine.stop()
