"""Issue 9, items 1–4, against the suite's private real dockerd (tests/real_daemon.py).

Each test first shows, by sending the request straight to the daemon, that the attack does something on a real
daemon; then that hellotrace's guard keeps it from leaving, or its bounds hold.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from hellotrace.docker_host import parse_docker_host
from hellotrace.policy import LABEL, DaemonPolicy
from hellotrace.replay import CREATE_BODY
from hellotrace.tracing import ErrorKind, TracedClient
from tests.conftest import site_app
from tests.real_daemon import MIRROR
from tests.wire import call


@pytest.fixture
def real(real_daemon):
    real_daemon.forget()
    return real_daemon


def _site(real, **config):
    app = site_app(DAEMON=parse_docker_host(real.docker_host), **config)
    client = app.test_client()
    client.get("/en/lab/config")
    return app, client


def _lab_send(client, command: str, **env: str) -> str:
    data = {"command": command, "action": "send-images" if command.startswith("docker images") else "send-ps",
            "config": "{}", **{f"env-{name}": value for name, value in env.items()}}
    return client.post("/en/lab/config/send", data=data, headers={"HX-Request": "true"}).get_data(as_text=True)


def _refused(exchange) -> bool:
    error = exchange.error
    return error is not None and error.kind == ErrorKind.REFUSED_BY_POLICY and exchange.request is None


def _ids(real, *filters: str) -> set[str]:
    args = [arg for value in filters for arg in ("--filter", value)]
    return set(real.docker("ps", "-aq", "--no-trunc", *args).stdout.decode().split())


def test_a_smuggled_version_never_reaches_the_daemon(real):
    # Sent as is, the path makes dockerd dial a registry of the attacker's choosing (here its own mirror).
    direct = call(real, "GET", f"/v1.41/distribution/{MIRROR}/library/hello-world/json")
    assert direct.status == 200 and "Descriptor" in direct.json()

    _, client = _site(real)
    html = _lab_send(client, "docker images", DOCKER_API_VERSION=f"1.41/distribution/{MIRROR}/library/hello-world")
    assert "Failed to initialize: invalid API version" in html and 'class="exchange' not in html
    with TracedClient(parse_docker_host(real.docker_host), policy=DaemonPolicy(), api_version="1.41") as client:
        assert _refused(client.request("GET", f"/distribution/{MIRROR}/library/hello-world/json"))


def test_listing_shows_only_hellotraces_containers_and_allowed_images(real):
    real.docker("pull", "busybox")
    foreign = real.docker("create", "--name", "foreign", "busybox", "true").stdout.decode().strip()
    trick = f'{{"name":{{"{LABEL}":true,"":true}}}}'
    direct = call(real, "GET", "/v1.41/containers/json?all=1&filters=" + quote(trick))
    assert [c["Id"] for c in direct.json()] == [foreign]  # the substring test let this through

    _, client = _site(real)
    assert "is not allowed: only hellotrace" in _lab_send(client, f"docker ps -a --filter name={LABEL} --filter name=")
    listed = _lab_send(client, f"docker ps -a --filter label={LABEL}")
    assert "200" in listed and foreign[:12] not in listed
    assert "Listing every image of the host is not allowed" in _lab_send(client, "docker images")
    named = _lab_send(client, "docker images busybox")
    assert "busybox" in named and "not allowed" not in named


@pytest.mark.parametrize(("host_config", "field", "applied"), [
    ({"LogConfig": {"Type": "json-file", "type": "syslog"}}, "LogConfig", {"Type": "syslog", "Config": {}}),
    ({"RestartPolicy": {"Name": "no", "name": "always"}}, "RestartPolicy", {"Name": "always", "MaximumRetryCount": 0}),
])
def test_json_keys_are_judged_as_go_decodes_them(real, host_config, field, applied):
    real.docker("pull", "hello-world")
    body = json.dumps({**CREATE_BODY, "Labels": {LABEL: "1"}, "HostConfig": host_config}).encode()
    created = call(real, "POST", "/v1.41/containers/create", raw_body=body,
                   headers={"Content-Type": "application/json"})
    assert created.status == 201
    inspected = call(real, "GET", f"/v1.41/containers/{created.json()['Id']}/json").json()
    assert inspected["HostConfig"][field] == applied  # what the daemon really applies

    with TracedClient(parse_docker_host(real.docker_host), policy=DaemonPolicy()) as client:
        guarded = client.request("POST", "/containers/create", body=body,
                                 headers=[("Content-Type", "application/json")])
    assert _refused(guarded) and guarded.error.reason == "host-config"


def test_containers_on_a_real_daemon_are_bounded(real):
    app, _ = _site(real, CONTAINERS_PER_VISITOR=2, CONTAINERS_TOTAL=3)
    for _ in range(20):
        assert app.test_client().post("/en/replay/run", data={"step": "all"}, csrf=False).status_code == 400
    assert _ids(real) == set()

    visitor = app.test_client()
    visitor.get("/en/replay")
    for _ in range(4):
        assert visitor.post("/en/replay/run", data={"step": "all"}).status_code == 303
    assert len(_ids(real, f"label={LABEL}")) == 2
    other = app.test_client()
    other.get("/en/replay")
    for _ in range(2):
        assert other.post("/en/replay/run", data={"step": "all"}).status_code == 303
    assert len(_ids(real, f"label={LABEL}")) == 3
    assert "and at most 3 in all" in other.get("/en/replay").get_data(as_text=True)


def test_an_old_api_version_cannot_change_a_container_at_start(real):
    # Below API 1.24 dockerd takes a HostConfig in the body of start: binds and privileges past create's checks.
    real.docker("pull", "hello-world")
    policy = DaemonPolicy()
    with TracedClient(parse_docker_host(real.docker_host), policy=policy) as client:
        created = client.create_container({**CREATE_BODY, "Labels": {LABEL: "1"}})
        assert created.status == 201
        container = created.response.json()["Id"]
        body = json.dumps({"Binds": ["/tmp:/host:ro"]}).encode()
        old = client.request("POST", f"/v1.23/containers/{container}/start", body=body, versioned=False,
                             headers=[("Content-Type", "application/json")])
        current = client.request("POST", f"/containers/{container}/start", body=body,
                                 headers=[("Content-Type", "application/json")])
    assert _refused(old) and old.error.reason == "api-version"
    assert _refused(current) and current.error.reason == "body"
    direct = call(real, "POST", f"/v1.23/containers/{container}/start", raw_body=body,
                  headers={"Content-Type": "application/json"})
    assert direct.status == 204
    assert call(real, "GET", f"/v1.41/containers/{container}/json").json()["HostConfig"]["Binds"] == ["/tmp:/host:ro"]
