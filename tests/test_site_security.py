"""The site against a hostile page or script (issue 9, items 1–5), against the mock engine.

Each test replays an attack that used to get through and checks that it no longer does. The same attacks
against a real dockerd are in test_real_daemon_guard.py.
"""

from __future__ import annotations

import ipaddress
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hellotrace.docker_host import parse_docker_host
from hellotrace.interfaces import InterfaceAddress
from hellotrace.policy import LABEL, DaemonPolicy
from hellotrace.protocol.versions import InvalidApiVersion
from hellotrace.tracing import ErrorKind, TracedClient
from hellotrace.trusted_hosts import InvalidHostName, host_name, trusted_hosts
from hellotrace.web.csrf import unmask
from tests.conftest import site_app
from tests.wire import call

ROOT = Path(__file__).resolve().parents[1]
SMUGGLED_VERSION = "1.41/distribution/127.0.0.1:5999/x"
CLI_ERROR = ("Failed to initialize: invalid API version (1.41/distribution/127.0.0.1:5999/x): invalid minor "
             "version: must be formatted &lt;major&gt;.&lt;minor&gt;")


def _sandbox_containers(engine, token: str) -> list[dict]:
    return call(engine, "GET", f"/sandboxes/{token}/v1.55/containers/json?all=1").json()


def _visitor(app):
    pool = app.extensions["hellotrace.visitors"]
    (visitor,) = [*pool._visitors.values(), *pool._new.values()]  # back with the cookie, or not yet
    return visitor


# --- item 1: an API version is a version, and the guard judges what goes on the wire -------------------------

@pytest.mark.parametrize("guarded", [False, True], ids=["mock", "mock-as-real-daemon"])
def test_a_lab_api_version_that_smuggles_a_path_stops_like_the_cli(mock_engine, guarded):
    config = {"DAEMON": parse_docker_host(mock_engine.sandbox_host("stand-in"))} if guarded else {}
    app = site_app(engine=mock_engine, **config)
    client = app.test_client()
    client.get("/en/lab/config")
    answer = client.post("/en/lab/config/send", data={
        "command": "docker images", "action": "send-images", "config": "{}",
        "env-DOCKER_API_VERSION": SMUGGLED_VERSION,
    }, headers={"HX-Request": "true"})
    html = answer.get_data(as_text=True)
    assert CLI_ERROR in html
    assert 'class="exchange' not in html  # nothing was sent, not even the ping
    assert "/distribution/" not in html.replace(SMUGGLED_VERSION, "")


@pytest.mark.parametrize("given", [SMUGGLED_VERSION, "abc", "1.41 ", "v"])
def test_the_traced_client_takes_only_versions(given):
    address = parse_docker_host("unix:///nonexistent.sock")
    if given.strip().removeprefix("v") and not re.fullmatch(r"v?\d+\.\d+", given.strip()):
        with pytest.raises(InvalidApiVersion):
            TracedClient(address, api_version=given)
    else:
        assert TracedClient(address, api_version=given).api_version in (None, "1.41")


def test_the_guard_sees_the_whole_path_with_its_version(mock_engine):
    # Whatever a caller puts in the endpoint, the policy judges the target as written on the wire.
    with TracedClient(parse_docker_host(mock_engine.docker_host_unix), policy=DaemonPolicy(),
                      api_version="1.41") as client:
        smuggled = client.request("GET", "/distribution/127.0.0.1:5999/x/images/json")
        escaped = client.request("GET", "/images%2Fjson", versioned=False)
    assert smuggled.target == "/v1.41/distribution/127.0.0.1:5999/x/images/json"
    for exchange in (smuggled, escaped):
        assert exchange.error is not None and exchange.error.kind == ErrorKind.REFUSED_BY_POLICY
        assert exchange.request is None  # nothing left


# --- item 2: filters as the daemon reads them; images limited too ---------------------------------------------

def _lab_send(client, command: str) -> str:
    return client.post("/en/lab/config/send", data={
        "command": command, "action": "send-images" if command.startswith("docker images") else "send-ps",
        "config": "{}"}, headers={"HX-Request": "true"}).get_data(as_text=True)


def test_the_lab_lists_only_hellotraces_containers_and_allowed_images(mock_engine):
    stand_in = mock_engine.sandbox_host("listing")
    call(mock_engine, "POST", "/sandboxes/listing/v1.55/images/create?fromImage=busybox&tag=latest")
    foreign = call(mock_engine, "POST", "/sandboxes/listing/v1.55/containers/create?name=foreign",
                   body={"Image": "busybox", "Cmd": ["true"]}).json()["Id"]
    app = site_app(engine=mock_engine, DAEMON=parse_docker_host(stand_in))
    client = app.test_client()
    client.get("/en/lab/config")

    trick = _lab_send(client, f"docker ps -a --filter name={LABEL} --filter name=")
    assert "is not allowed: only hellotrace" in trick and foreign[:12] not in trick
    listed = _lab_send(client, f"docker ps -a --filter label={LABEL}")
    assert "200" in listed and foreign[:12] not in listed
    everything = _lab_send(client, "docker images")
    assert "Listing every image of the host is not allowed" in everything
    named = _lab_send(client, "docker images busybox")
    assert "busybox" in named and "not allowed" not in named


# --- item 4: containers do not pile up ------------------------------------------------------------------------

def test_posts_without_a_session_make_no_visitor_and_no_container(mock_engine):
    for csrf_checks in (True, False):  # without a token, and past it: the session rule holds on its own
        app = site_app(engine=mock_engine, WTF_CSRF_ENABLED=csrf_checks)
        for _ in range(20):
            answer = app.test_client().post("/fr/replay/run", data={"step": "all"}, csrf=False)
            assert answer.status_code == 400
        expected = "Ce formulaire a expiré" if csrf_checks else "Pas encore de session"
        assert expected in answer.get_data(as_text=True)
        assert app.extensions["hellotrace.visitors"].count() == 0
    assert call(mock_engine, "GET", "/v1.55/containers/json?all=1").json() == []


def test_a_visitor_keeps_its_last_containers(mock_engine):
    # The site-wide total guards a real daemon only (test_real_daemon_guard); each sandbox of the mock is bounded
    # by the engine, so other visitors' containers never push this one's out.
    app = site_app(engine=mock_engine, CONTAINERS_PER_VISITOR=2, CONTAINERS_TOTAL=3)
    first = app.test_client()
    first.get("/en/replay")
    made = []
    for _ in range(4):
        assert first.post("/en/replay/run", data={"step": "all"}).status_code == 303
        made.append(_visitor(app).replay.container_id)
    token = _visitor(app).token
    kept = {c["Id"] for c in _sandbox_containers(mock_engine, token)}
    assert kept == set(made[-2:])  # the two oldest were removed

    second = app.test_client()
    second.get("/en/replay")
    assert second.post("/en/replay/run", data={"step": "all"}).status_code == 303
    assert second.post("/en/replay/run", data={"step": "all"}).status_code == 303
    assert {c["Id"] for c in _sandbox_containers(mock_engine, token)} == set(made[-2:])
    assert len(app.extensions["hellotrace.visitors"].quota) == 4


def test_past_the_site_total_each_visitor_keeps_their_newest_container():
    """The teacher's demonstration is the oldest container; a student with many sessions fills the total. The
    oldest went first, the teacher's included: now each visitor's newest stays while others can go."""
    from hellotrace.container_quota import ContainerQuota
    from hellotrace.docker_host import parse_docker_host

    address = parse_docker_host("unix:///run/docker.sock")
    quota = ContainerQuota(per_visitor=3, total=6)
    assert quota.admit("teacher", address, "t1") == []
    removed = []
    for session in range(4):
        for number in range(3):
            removed += [kept.container_id for kept in quota.admit(f"script{session}", address, f"s{session}-{number}")]
    assert "t1" not in removed and quota.owned("teacher") == ["t1"]
    assert len(quota) == 6 and removed  # the total holds, paid by the script's sessions
    assert [k.container_id for k in quota.admit("teacher", address, "t2")] == ["t1"]  # run again: t2 is in use
    assert quota.owned("teacher") == ["t2"] and len(quota) == 6
    # Once every visitor is down to one, the oldest goes (the total is what protects a real daemon).
    crowded = ContainerQuota(per_visitor=1, total=2)
    crowded.admit("a", address, "a1")
    crowded.admit("b", address, "b1")
    assert [k.container_id for k in crowded.admit("c", address, "c1")] == ["a1"]


def test_a_forgotten_visitor_is_no_longer_counted_by_the_quota(mock_engine):
    # With the mock, a visitor's containers end with their sandbox: once the site let the visitor go, keeping
    # their entries would only grow the quota with every visitor that ever came.
    app = site_app(engine=mock_engine, VISITOR_IDLE=0.3, VISITOR_QUIET=0.1)
    client = app.test_client()
    client.get("/en/replay")
    assert client.post("/en/replay/run", data={"step": "all"}).status_code == 303
    visitors = app.extensions["hellotrace.visitors"]
    assert len(visitors.quota) == 1
    time.sleep(0.4)
    visitors.sweep()  # the site's own sweeper (every second) may have come first
    assert visitors.count() == 0
    assert len(visitors.quota) == 0


@pytest.mark.parametrize(("lang", "text"), [
    ("en", "The replay keeps the last 3 containers it made for you: past that"),
    ("fr", "3 derniers conteneurs qu&#39;il a créés pour vous : au-delà"),
])
def test_the_page_states_the_bounds(client, lang, text):
    assert text in client.get(f"/{lang}/replay").get_data(as_text=True)


# --- item 5: CSRF ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("lang", "title"), [("en", "This form has expired"),
                                             ("fr", "Ce formulaire a expiré")])
def test_a_cross_site_post_is_refused_and_runs_nothing(app, client, lang, title):
    client.get(f"/{lang}/replay")  # the visitor has a session: the attacker's page rides on its cookie
    for extra in ({}, {"HX-Request": "true"}):
        answer = client.post(f"/{lang}/replay/run", data={"step": "all"}, headers=extra, csrf=False)
        assert answer.status_code == 400 and title in answer.get_data(as_text=True)
    htmx = client.post(f"/{lang}/replay/run", data={"step": "all"}, headers={"HX-Request": "true"}, csrf=False)
    assert htmx.headers["HX-Retarget"] == "#content" and "<html" not in htmx.get_data(as_text=True)
    wrong = client.post(f"/{lang}/replay/run", data={"step": "all", "csrf_token": "forged"}, csrf=False)
    assert wrong.status_code == 400
    for path, data in ((f"/{lang}/replay/reset", {}), (f"/{lang}/lab/config/send", {"action": "send-ps"}),
                       (f"/{lang}/lessons/first-contact/quiz/q1", {"answer": "a"})):
        assert client.post(path, data=data, csrf=False).status_code == 400
    assert _visitor(app).replay.last_run is None


def test_the_forms_without_javascript_carry_their_token(app, client):
    page = client.get("/en/replay").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = client.post("/en/replay/run", data={"step": "1", "csrf_token": token}, csrf=False)
    assert answer.status_code == 303
    assert _visitor(app).replay.steps[1].ok
    assert client.post("/en/replay/reset", data={"csrf_token": token}, csrf=False).status_code == 303
    for page_path, post_path, data, expected in (
        ("/fr/lessons/engine-api", "/fr/lessons/engine-api/quiz/q1", {"answer": "1"}, "Exact."),
        ("/en/lab/config", "/en/lab/config", {"action": "send-ps", "config": "{}", "command": "docker ps"},
         "CONTAINER ID"),
    ):
        form_token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(page_path).get_data(as_text=True))
        answer = client.post(post_path, data={**data, "csrf_token": form_token.group(1)}, csrf=False)
        assert answer.status_code == 200 and expected in answer.get_data(as_text=True)


def test_no_two_pages_carry_the_same_token_and_each_one_works(app, client):
    """Compressed pages must not repeat a secret (BREACH): the token is masked afresh every time it is written,
    and whichever masked form comes back is accepted; the unmasked token, or a mangled mask, is not."""
    from flask_wtf.csrf import generate_csrf

    first, second = (re.findall(r'name="csrf_token" value="([^"]+)"', client.get("/en/replay").get_data(as_text=True))
                     for _ in range(2))
    header = re.search(r'"X-CSRFToken": "([^"]+)"', client.get("/en/replay").get_data(as_text=True)).group(1)
    written = [*first, *second, header]
    assert len(set(written)) == len(written) > 2
    for token in (first[0], second[-1], header):
        assert client.post("/en/replay/pace", data={"pace": "instant", "csrf_token": token},
                           csrf=False).status_code in (200, 303)
    with client.session_transaction() as session:
        raw = session["csrf_token"]
    with app.test_request_context("/en/replay"):
        from flask import session as request_session
        request_session["csrf_token"] = raw
        unmasked = generate_csrf()
    mangled = first[0][:-4] + ("AAAA" if not first[0].endswith("AAAA") else "BBBB")
    for token in (unmasked, mangled, "%%%", ""):
        assert client.post("/en/replay/pace", data={"pace": "instant", "csrf_token": token},
                           csrf=False).status_code == 400



def _page_header_token(client, page: str = "/en/replay") -> str:
    return re.search(r'"X-CSRFToken": "([^"]+)"', client.get(page).get_data(as_text=True)).group(1)


def _pace(client, token: str, headers: dict[str, str] | None = None, **options):
    """Choose a pace as the page's htmx does, with `token`."""
    return client.post("/en/replay/pace", data={"pace": "instant"}, csrf=False,
                       headers={"HX-Request": "true", "X-CSRFToken": token, **(headers or {})}, **options)


@pytest.fixture
def signature_checks(monkeypatch) -> list[str]:
    """The tokens whose signature Flask-WTF verified."""
    import flask_wtf.csrf

    checked: list[str] = []
    verify = flask_wtf.csrf.validate_csrf

    def counted(data, *args, **kwargs):
        checked.append(data)
        return verify(data, *args, **kwargs)

    monkeypatch.setattr(flask_wtf.csrf, "validate_csrf", counted)
    return checked


def test_a_token_the_site_signed_is_known_without_its_signature_checked_again(client, signature_checks):
    token = _page_header_token(client)
    for _ in range(3):
        assert _pace(client, token).status_code == 200
    assert signature_checks == []


def test_a_token_signed_by_another_process_is_verified(mock_engine, tmp_path, signature_checks):
    # Two processes of one site (one instance folder: one secret key); the page comes from the first.
    first, second = (site_app(mock_engine, INSTANCE=str(tmp_path)) for _ in range(2))
    browser = first.test_client()
    token = _page_header_token(browser)
    other = second.test_client()
    other._cookies = browser._cookies  # the same browser, whose next request the second process serves
    assert _pace(other, token).status_code == 200
    assert signature_checks == [unmask(token)]


def test_tokens_forgotten_once_a_class_left_are_verified_again(app, client, signature_checks):
    token = _page_header_token(client)
    app.extensions["csrf"].forget_signed()  # what the site does once every visitor left (app.py)
    assert _pace(client, token).status_code == 200
    assert signature_checks == [unmask(token)]


def test_a_known_token_expires_as_its_signature_says(mock_engine, monkeypatch, signature_checks):
    # The site's tokens last as long as its session (no time limit); a site given one, as Flask-WTF allows.
    client = site_app(mock_engine, WTF_CSRF_TIME_LIMIT=60).test_client()
    token = _page_header_token(client)
    assert _pace(client, token).status_code == 200
    later = time.time() + 62
    monkeypatch.setattr(time, "time", lambda: later)
    answer = _pace(client, token)
    assert answer.status_code == 400 and "This form has expired" in answer.get_data(as_text=True)
    assert len(signature_checks) == 1  # Flask-WTF's own check said so


def test_a_known_token_belongs_to_its_session(app, mock_engine):
    owner, stranger = app.test_client(), app.test_client()
    token = _page_header_token(owner)
    stranger.get("/en/replay")  # a session of its own, with another token
    assert _pace(stranger, token).status_code == 400
    assert _pace(owner, token).status_code == 200


def test_over_https_a_known_token_still_needs_its_referrer(client):
    token = _page_header_token(client, "https://localhost/en/replay")
    assert _pace(client, token, base_url="https://localhost").status_code == 400
    assert _pace(client, token, {"Referer": "https://localhost/en/replay"},
                 base_url="https://localhost").status_code == 200

# --- item 6: only trusted Host names (DNS rebinding) ----------------------------------------------------------

@pytest.mark.parametrize(("lang", "text"), [("en", "Unknown site name"), ("fr", "Nom de site inconnu")])
def test_a_rebound_host_gets_nothing(client, lang, text):
    for method, path in (("GET", f"/{lang}/replay"), ("GET", f"/{lang}/lab/config"), ("POST", f"/{lang}/replay/run"),
                         ("GET", "/static/css/site.css")):
        answer = client.open(path, method=method, headers={"Host": "rebind.evil.example"}, csrf=False)
        assert answer.status_code == 400, path
        html = answer.get_data(as_text=True)
        assert "rebind.evil.example" in html and "docker" not in html.lower().replace("hellotrace", "")
    assert text in client.get(f"/{lang}/", headers={"Host": "rebind.evil.example:5000"}).get_data(as_text=True)
    assert client.get(f"/{lang}/", headers={"Host": "localhost:5000"}).status_code == 200
    assert client.get(f"/{lang}/", headers={"Host": "127.0.0.1"}).status_code == 200


def _interfaces(listen: str) -> list[InterfaceAddress]:
    return [InterfaceAddress("eth0", ipaddress.ip_address("192.0.2.10")),
            InterfaceAddress("wlan0", ipaddress.ip_address("198.51.100.7"))]


def test_trusted_names_follow_listen_and_allow_remote():
    assert trusted_hosts("127.0.0.1") == ["localhost", "127.0.0.1"]
    assert trusted_hosts("192.0.2.10") == ["localhost", "127.0.0.1", "192.0.2.10"]
    # Listening everywhere without --allow-remote: still loopback only, and --trusted-host is not taken.
    assert trusted_hosts("0.0.0.0", names=["class.example"], reachable=_interfaces) == ["localhost", "127.0.0.1"]
    assert trusted_hosts("0.0.0.0", allow_remote=True, names=["Salle-B.lan", ".école.example"],
                         reachable=_interfaces) == [
        "localhost", "127.0.0.1", "192.0.2.10", "198.51.100.7", "salle-b.lan", ".xn--cole-9oa.example"]
    for bad in ("class.example:80", "[::1]", "two words", ""):
        with pytest.raises(InvalidHostName):
            host_name(bad)


def test_trusted_host_needs_allow_remote(tmp_path):
    result = subprocess.run([sys.executable, "app.py", "--trusted-host", "class.example", "--listen", "127.0.0.1:0",
                             "--tcp", "127.0.0.1:0", "--unix", str(tmp_path / "d.sock")],
                            cwd=ROOT, capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 2 and "needs --allow-remote" in result.stderr and "Traceback" not in result.stderr


# --- item 7: security headers on every answer -------------------------------------------------------------------

def test_every_answer_carries_the_security_headers(client):
    client.get("/en/replay")
    answers = [client.get(path) for path in ("/en/", "/fr/replay", "/en/lab/config", "/en/nowhere",
                                             "/static/js/site.js")]
    answers.append(client.post("/en/replay/run", data={"step": "all"}, csrf=False))
    answers.append(client.get("/en/", headers={"Host": "rebind.evil.example"}))
    for answer in answers:
        policy = answer.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy and "unsafe" not in policy
        assert answer.headers["X-Frame-Options"] == "DENY"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Referrer-Policy"] == "same-origin"


def test_no_page_has_inline_script_or_handlers(client):
    inline = re.compile(r"<script(?![^>]*\bsrc=)|\son[a-z]+\s*=|\sstyle\s*=|<style", re.I)
    for path in ("/en/", "/fr/replay", "/en/lab/config", "/en/lab/host", "/en/lessons/", "/fr/lessons/engine-api"):
        html = client.get(path).get_data(as_text=True)
        assert not inline.search(html), (path, inline.search(html))
