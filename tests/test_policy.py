"""The real-daemon policy: only the calls the lessons need leave, and only on hellotrace's own containers."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from hellotrace.docker_host import parse_docker_host
from hellotrace.policy import LABEL, DaemonPolicy
from hellotrace.replay import CREATE_BODY, Replay
from hellotrace.tracing import ErrorKind, TracedClient
from tests.conftest import site_app

OURS = "a" * 64
OTHER = "b" * 64


@pytest.fixture
def policy() -> DaemonPolicy:
    guard = DaemonPolicy()
    guard.remember(OURS)
    return guard


def create_body(**changes) -> bytes:
    body = {**CREATE_BODY, "Labels": {LABEL: "1"}, **changes}
    return json.dumps(body).encode()


@pytest.mark.parametrize(
    ("method", "path", "query", "body"),
    [
        ("HEAD", "/_ping", "", None),
        ("GET", "/v1.41/version", "", None),
        ("GET", "/v1.55/info", "", None),
        ("POST", "/v1.55/images/create", "fromImage=docker.io%2Flibrary%2Fhello-world&tag=latest", None),
        ("POST", "/v1.55/images/create", "fromImage=alpine&tag=3.22", None),
        ("GET", "/v1.55/images/json", "filters=" + quote('{"reference":{"hello-world":true,"alpine:3.22":true}}'),
         None),
        ("GET", "/v1.55/images/json", "filters=" + quote('{"reference":["busybox"],"dangling":["false"]}'), None),
        ("POST", "/v1.55/containers/create", "", json.dumps({"image": "hello-world", "labels": {LABEL: ""}}).encode()),
        ("GET", "/v1.55/containers/json",
         "filters=" + quote(f'{{"label":{{"{LABEL}":true}},"status":{{"exited":true}}}}'), None),
        ("GET", "/v1.55/images/busybox/json", "", None),
        ("DELETE", "/v1.55/images/hello-world:latest", "force=1", None),
        ("POST", "/v1.55/containers/create", "", create_body()),
        ("POST", "/v1.55/containers/create", "", create_body(HostConfig={"AutoRemove": True})),
        ("GET", "/v1.55/containers/json", f"all=1&filters=%7B%22label%22%3A%5B%22{LABEL}%22%5D%7D", None),
        ("POST", f"/v1.55/containers/{OURS}/start", "", None),
        ("POST", f"/v1.55/containers/{OURS}/attach", "stderr=1&stdout=1&stream=1", None),
        ("POST", f"/v1.55/containers/{OURS}/wait", "condition=next-exit", None),
        ("GET", f"/v1.55/containers/{OURS}/logs", "stdout=1", None),
        ("DELETE", f"/v1.55/containers/{OURS}", "force=1", None),
    ],
)
def test_the_lessons_calls_pass(policy, method, path, query, body):
    assert policy.check(method, path + (f"?{query}" if query else ""), body) is None


@pytest.mark.parametrize(
    ("method", "path", "query", "body", "code"),
    [
        ("GET", "/v1.55/volumes", "", None, "route"),
        ("POST", f"/v1.55/containers/{OURS}/exec", "", None, "route"),
        ("POST", "/v1.55/images/create", "fromImage=ubuntu&tag=latest", None, "image"),
        ("POST", "/v1.55/images/create", "fromImage=ghcr.io%2Fx%2Fhello-world&tag=latest", None, "image"),
        ("POST", "/v1.55/images/create", "fromImage=alpine", None, "all-tags"),
        ("POST", "/v1.55/images/create", "fromSrc=-", None, "import"),
        ("DELETE", "/v1.55/images/ubuntu", "", None, "image"),
        ("GET", "/v1.55/containers/json", "all=1", None, "list-unfiltered"),
        # Item 1 of the hardening issue: a version that is not one smuggles a route into the path.
        ("GET", "/v1.41/distribution/127.0.0.1:5999/x/images/json", "", None, "route"),
        ("GET", "/v2.0/version", "", None, "api-version"),
        # Below 1.24 a start body is a HostConfig the daemon applies: neither old versions nor bodies pass.
        ("POST", f"/v1.23/containers/{OURS}/start", "", None, "api-version"),
        ("POST", f"/v1.41/containers/{OURS}/start", "", b'{"Binds":["/:/host"],"Privileged":true}', "body"),
        ("GET", "/v1.41/../v1.41/info", "", None, "target"),
        ("GET", "/v1.41/images%2Fjson", "", None, "target"),
        ("GET", "/v1.41//info", "", None, "target"),
        ("GET", "/v1.41/version", "a=1;b=2", None, "query"),
        ("GET", "/v1.41/version", "a=%zz", None, "query"),
        # Item 2: filters read as the daemon reads them, not as text.
        ("GET", "/v1.55/containers/json", "all=1&filters=" + quote(f'{{"name":{{"{LABEL}":true,"":true}}}}'), None,
         "list-unfiltered"),
        ("GET", "/v1.55/containers/json", "filters=" + quote(f'{{"label":["{LABEL}.x"]}}'), None, "list-unfiltered"),
        ("GET", "/v1.55/containers/json", "filters=" + quote(f'{{"label":{{"{LABEL}":true}},"label":{{}}}}'), None,
         "list-unfiltered"),
        ("GET", "/v1.55/containers/json", "filters=" + quote(f'{{"label":{{"{LABEL}":"yes"}}}}'), None, "filters"),
        ("GET", "/v1.55/containers/json", "filters=" + quote(f'{{"label":["{LABEL}"]}} x'), None, "filters"),
        ("GET", "/v1.55/containers/json", "filters=%7B%7D&filters=" + quote(f'{{"label":["{LABEL}"]}}'), None,
         "list-unfiltered"),  # the daemon reads the first value only
        ("GET", "/v1.55/images/json", "", None, "list-images-unfiltered"),
        ("GET", "/v1.55/images/json", "filters=" + quote('{"reference":{"*":true}}'), None, "image"),
        ("GET", "/v1.55/images/json", "filters=" + quote('{"reference":{"hello-world":true,"ubuntu":true}}'), None,
         "image"),
        ("POST", f"/v1.55/containers/{OTHER}/start", "", None, "not-ours"),
        ("DELETE", "/v1.55/containers/some-name", "", None, "not-ours"),
        ("POST", f"/v1.55/containers/{OURS}/attach", "stdin=1&stream=1", None, "stdin"),
        ("POST", "/v1.55/containers/create", "", create_body(Image="ubuntu"), "image"),
        ("POST", "/v1.55/containers/create", "", create_body(Labels={}), "create-label"),
        ("POST", "/v1.55/containers/create", "", create_body(HostConfig={"Binds": ["/:/host"]}), "host-config"),
        ("POST", "/v1.55/containers/create", "", create_body(HostConfig={"Privileged": True}), "host-config"),
        ("POST", "/v1.55/containers/create", "", create_body(HostConfig={"PidMode": "host"}), "host-config"),
        ("POST", "/v1.55/containers/create", "", create_body(HostConfig={"NetworkMode": "host"}), "host-config"),
        ("POST", "/v1.55/containers/create", "", create_body(HostConfig={"LogConfig": {"Type": "syslog"}}),
         "host-config"),
        ("POST", "/v1.55/containers/create", "", create_body(Mystery=1), "create-key"),
        # Item 3: keys as Go's decoder matches them (case-insensitive, the last one wins, objects merge).
        ("POST", "/v1.55/containers/create", "",
         create_body(HostConfig={"LogConfig": {"Type": "json-file", "type": "syslog"}}), "host-config"),
        ("POST", "/v1.55/containers/create", "",
         create_body(HostConfig={"RestartPolicy": {"Name": "no", "name": "always"}}), "host-config"),
        ("POST", "/v1.55/containers/create", "", create_body(hostconfig={"privileged": True}), "host-config"),
        ("POST", "/v1.55/containers/create", "",
         create_body(HostConfig={"Binds": []}, hostConfig={"Binds": ["/:/host"]}), "host-config"),
        ("POST", "/v1.55/containers/create", "",
         create_body(HostConfig={"LogConfig": {"Type": "syslog"}}, HOSTCONFIG={"LogConfig": None}), "host-config"),
        ("POST", "/v1.55/containers/create", "", create_body(IMAGE="ubuntu"), "image"),
        ("POST", "/v1.55/containers/create", "", create_body(Healthcheck={"Test": ["CMD", "x"]}), "create-key"),
        ("POST", "/v1.55/containers/create", "", create_body(HostConfig={"AutoRemove": 1}), "host-config"),
        ("POST", "/v1.55/containers/create", "",
         create_body(NetworkingConfig={"EndpointsConfig": {"host": {}}}), "host-config"),
        ("POST", "/v1.55/containers/create", "", b'{"Env":' + b"[" * 200 + b"]" * 200 + b"}", "create-body"),
        ("POST", f"/v1.55/containers/{OURS}/attach", "stdin=yes&stream=1", None, "stdin"),
        ("POST", "/v1.55/containers/create", "", b"[1]", "create-body"),
    ],
)
def test_everything_else_is_refused_with_a_reason(policy, method, path, query, body, code):
    refusal = policy.check(method, path + (f"?{query}" if query else ""), body)
    assert refusal is not None and refusal.code == code


def test_the_client_learns_its_containers_and_refuses_before_sending(mock_engine):
    policy = DaemonPolicy()
    address = parse_docker_host(mock_engine.docker_host_unix)
    with TracedClient(address, policy=policy) as client:
        client.negotiate()
        assert client.pull_image("hello-world", "latest").status == 200
        created = client.create_container({**CREATE_BODY, "Labels": {LABEL: "1"}})
        container_id = created.response.json()["Id"]
        assert policy.ours() == [container_id]
        assert client.start_container(container_id).status == 204
        stranger = client.start_container(OTHER)
        assert stranger.error is not None and stranger.error.kind == ErrorKind.REFUSED_BY_POLICY
        assert stranger.request is None and stranger.response is None  # nothing left the client
        assert client.remove_container(container_id, force=True).status == 204
        assert policy.ours() == []


@pytest.mark.parametrize("sequence", ["recipe", "cli"])
def test_the_whole_replay_passes_the_policy(mock_engine, sequence):
    policy = DaemonPolicy()
    replay = Replay(parse_docker_host(mock_engine.sandbox_host(f"guarded-{sequence}")), sequence, policy=policy)
    replay.start("all", background=False)
    assert all(record.ok for record in replay.steps.values()), [n.note for r in replay.steps.values() for n in r.notes]
    assert replay.exit_code == 0 and policy.ours()
    replay.reset()
    assert policy.ours() == []


def _guarded_app(mock_engine, **config):
    # The mock engine stands in for a real daemon: the site then applies the real-daemon policy.
    daemon = parse_docker_host(mock_engine.sandbox_host("real-stand-in"))
    return site_app(DAEMON=daemon, **config)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_real_daemon_page_says_what_differs_and_replays(mock_engine, lang):
    client = _guarded_app(mock_engine).test_client()
    html = client.get(f"/{lang}/replay").get_data(as_text=True)
    assert 'class="real-daemon-note"' in html
    client.post(f"/{lang}/replay/run", data={"step": "all", "sequence": "cli"})
    html = client.get(f"/{lang}/replay").get_data(as_text=True)
    assert html.count(">Done<" if lang == "en" else ">Terminée<") == 4
    assert 'class="badge s1xx">101<' in html


def test_a_refusal_is_explained_on_the_page(mock_engine):
    app = _guarded_app(mock_engine)
    client = app.test_client()
    client.get("/en/replay")
    client.get("/en/replay")  # back with the cookie: one of the site's visitors
    (visitor,) = app.extensions["hellotrace.visitors"]._visitors.values()
    visitor.replay.steps[1].exchanges.clear()
    with TracedClient(visitor.replay.address, policy=visitor.replay.policy) as traced:
        refused = traced.start_container(OTHER)
    visitor.replay.steps[1].exchanges.append(refused)
    html = client.get("/en/replay").get_data(as_text=True)
    assert "hellotrace did not send this call" in html
    assert f"Container {OTHER} was not created by hellotrace" in html


def test_a_shared_real_daemon_needs_the_presenter_link(mock_engine):
    client = _guarded_app(mock_engine, PRESENTER_TOKEN="s3cret").test_client()
    refused = client.get("/fr/replay")
    assert refused.status_code == 403 and "Lien du présentateur" in refused.get_data(as_text=True)
    assert client.get("/fr/replay?token=wrong").status_code == 403
    opened = client.get("/fr/replay?token=s3cret&sequence=cli")
    # Remembered for this visitor: the token leaves the address bar (and the projector, and the history).
    assert opened.status_code == 303 and opened.headers["Location"] == "/fr/replay?sequence=cli"
    assert client.get("/fr/replay").status_code == 200
    assert client.get("/static/css/site.css").status_code == 200


def test_binding_beyond_loopback_with_a_real_daemon_needs_a_flag(tmp_path):
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run(
        [sys.executable, "app.py", "--daemon", "unix:///nonexistent/docker.sock", "--listen", "0.0.0.0:0",
         "--tcp", "127.0.0.1:0", "--unix", str(tmp_path / "d.sock")],
        cwd=root, capture_output=True, text=True, timeout=30, check=False,
    )
    assert result.returncode == 2
    assert re.search(r"loopback only.*--allow-remote", result.stderr, re.S)


def test_a_query_written_inside_the_path_is_checked_as_a_query(mock_engine):
    # Try it sends a lesson's target as written, query included: the policy must still see the route.
    with TracedClient(parse_docker_host(mock_engine.docker_host_unix), policy=DaemonPolicy()) as client:
        pulled = client.request("POST", "/v1.55/images/create?fromImage=hello-world&tag=latest", versioned=False)
        listed = client.request("GET", f"/v1.55/containers/json?all=1&filters=%7B%22label%22%3A%5B%22{LABEL}%22%5D%7D",
                                versioned=False)
    assert pulled.error is None and pulled.status == 200
    assert listed.error is None and listed.status == 200


@pytest.mark.parametrize(
    ("headers", "body", "code"),
    [
        ((("Content-Length", "0"),), b'{"Image":"hello-world"}', "header"),
        ((("Transfer-Encoding", "chunked"),), None, "header"),
        ((("Host", "a"), ("host", "b")), None, "header"),
        ((("Content-Type", "application/x-www-form-urlencoded"),), b"fromImage=ubuntu", "form-body"),
    ],
)
def test_framing_headers_and_form_bodies_are_refused(policy, headers, body, code):
    # Go's ParseForm reads a form body as query parameters: `fromImage` there would win over the query's.
    refusal = policy.check("POST", "/v1.55/images/create?fromImage=hello-world&tag=latest", body, headers)
    assert refusal is not None and refusal.code == code
