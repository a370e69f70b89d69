"""Images, networks, volumes and disk usage with the real docker CLI; what is out of scope says so."""

from __future__ import annotations

import os

import pytest

from tests.test_docker_cli import DOCKER, docker
from tests.test_spec_conformance import validate
from tests.wire import call, create, pull

pytestmark = [
    pytest.mark.docker_cli,
    pytest.mark.skipif(DOCKER is None and os.environ.get("CI") != "true", reason="the docker CLI is not installed"),
]


@pytest.fixture
def host(mock_engine) -> str:
    for image in ("alpine", "hello-world"):
        assert docker(mock_engine.docker_host_unix, "pull", "-q", image).returncode == 0
    return mock_engine.docker_host_unix


def ok(host: str, *args: str) -> str:
    result = docker(host, *args)
    assert result.returncode == 0, (args, result.stderr)
    return result.stdout


def test_tag_history_prune(host):
    ok(host, "tag", "alpine", "mine:1")
    assert "mine:1" in ok(host, "images", "--format", "{{.Repository}}:{{.Tag}}").split()
    history = ok(host, "history", "hello-world").splitlines()
    assert 'CMD ["/hello"]' in history[1] and history[1].split()[-2:] == ["0B", "buildkit.dockerfile.v0"]
    assert "COPY hello / # buildkit" in history[2]
    ok(host, "run", "--name", "keeps", "hello-world")
    pruned = ok(host, "image", "prune", "-af")
    assert "untagged: alpine:latest" in pruned and "untagged: mine:1" in pruned
    assert "hello-world" not in pruned  # a container still uses it
    assert ok(host, "images", "--format", "{{.Repository}}") == "hello-world\n"


def test_image_filters_as_the_image_service_applies_them(host):
    """acceptedImageFilterTags (daemon/containerd/image_list.go): label, label!, before, since and until are
    applied, an unknown key or image is the daemon's error."""
    ok(host, "run", "--name", "src", "alpine", "true")
    ok(host, "commit", "--change", "LABEL team=web", "src", "mine:1")

    def listed(*filters: str) -> list[str]:
        return ok(host, "images", *(arg for f in filters for arg in ("--filter", f)), "--format",
                  "{{.Repository}}").split()

    assert listed("label=team") == listed("label=team=web") == ["mine"]
    assert listed("label!=team") == listed("label=team!=web") == ["alpine", "hello-world"]
    assert listed("label=team=api") == []
    assert listed("before=alpine") == ["hello-world"]
    assert listed("since=hello-world") == ["mine", "alpine"]
    assert listed("until=1") == listed("until=1h") == []
    assert listed("until=2100-01-01T00:00:00Z") == ["mine", "alpine", "hello-world"]
    unknown_image = docker(host, "images", "--filter", "before=nothere")
    assert unknown_image.stderr.strip() == "Error response from daemon: No such image: nothere:latest"
    assert docker(host, "images", "--filter", "bogus=1").stderr.strip() == \
        "Error response from daemon: invalid filter 'bogus'"
    assert "invalid filter 'dangling=[maybe]'" in docker(host, "images", "--filter", "dangling=maybe").stderr
    assert "invalid value for 'until' filter: failed to parse value as time or duration: invalid seconds " \
           '"soon": invalid syntax' in docker(host, "images", "--filter", "until=soon").stderr


def test_published_ports_are_reported_while_the_container_runs(host, mock_engine):
    """-p and -P as the daemon reports them (nothing listens: the mock routes no traffic): every address of both
    families when none is given, the ephemeral range when no host port is, nothing once stopped; a host port
    another running container holds fails the start, as the port allocator does."""
    ok(host, "run", "-d", "--name", "web", "-p", "8080:80", "-p", "127.0.0.1::443", "--expose", "9000", "alpine",
       "sleep", "300")
    assert sorted(ok(host, "port", "web").splitlines()) == ["443/tcp -> 127.0.0.1:32768", "80/tcp -> 0.0.0.0:8080",
                                                            "80/tcp -> [::]:8080"]
    assert ok(host, "ps", "--format", "{{.Ports}}") == \
        "9000/tcp, 0.0.0.0:8080->80/tcp, [::]:8080->80/tcp, 127.0.0.1:32768->443/tcp\n"
    listed = call(mock_engine, "GET", "/v1.55/containers/json").json()[0]["Ports"]
    assert {"IP": "::", "PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"} in listed
    assert {"PrivatePort": 9000, "Type": "tcp"} in listed
    taken = docker(host, "run", "-d", "--name", "web2", "-p", "8080:80", "alpine", "sleep", "300")
    assert taken.returncode != 0 and "Bind for 0.0.0.0:8080 failed: port is already allocated" in taken.stderr
    assert ok(host, "ps", "-a", "--filter", "name=web2", "--format", "{{.Status}}") == "Created\n"
    assert sorted(ok(host, "port", ok(host, "run", "-d", "-P", "--expose", "7000", "alpine", "sleep", "300").strip())
                  .splitlines()) == ["7000/tcp -> 0.0.0.0:32769", "7000/tcp -> [::]:32769"]  # 32768: 127.0.0.1's
    ok(host, "stop", "-t", "0", "web")
    assert ok(host, "inspect", "-f", "{{json .NetworkSettings.Ports}}", "web") == "{}\n"
    assert ok(host, "ps", "-a", "--filter", "name=web", "--format", "{{.Names}}:{{.Ports}}").split() == \
        ["web2:", "web:"]
    ok(host, "start", "web2")  # the port is free again


def test_networks(host):
    assert ok(host, "network", "ls", "--format", "{{.Name}} {{.Driver}}").split("\n")[:3] == [
        "bridge bridge", "host host", "none null"]
    ok(host, "network", "create", "mynet")
    duplicate = docker(host, "network", "create", "mynet")
    assert "network with name mynet already exists" in duplicate.stderr
    ok(host, "run", "-d", "--name", "netted", "--network", "mynet", "alpine", "sleep", "60")
    ok(host, "network", "connect", "bridge", "netted")
    networks = ok(host, "inspect", "-f", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}", "netted")
    assert networks.split() == ["bridge", "mynet"]
    assert "netted" in ok(host, "network", "inspect", "-f", "{{json .Containers}}", "mynet")
    busy = docker(host, "network", "rm", "mynet")
    assert "Error response from daemon: error while removing network: network mynet has active endpoints " \
           '(name:"netted" id:"' in busy.stderr
    # A stopped container connected has no endpoint, only settings: libnetwork lets the network go.
    ok(host, "network", "create", "n1")
    ok(host, "create", "--name", "c1", "alpine", "true")
    ok(host, "network", "connect", "n1", "c1")
    assert ok(host, "network", "inspect", "-f", "{{json .Containers}}", "n1") == "{}\n"
    ok(host, "network", "rm", "n1")
    assert "bridge is a pre-defined network and cannot be removed" in docker(host, "network", "rm", "bridge").stderr
    ok(host, "network", "disconnect", "bridge", "netted")
    ok(host, "rm", "-f", "netted")
    ok(host, "network", "rm", "mynet")
    missing = docker(host, "run", "--network", "nosuch", "alpine", "true")
    assert "network nosuch not found" in missing.stderr


def test_volumes_and_system_df(host):
    ok(host, "volume", "create", "--label", "course=docker", "v1")
    ok(host, "run", "-d", "--name", "mounted", "-v", "data:/data", "alpine", "sleep", "60")
    assert ok(host, "volume", "ls", "--format", "{{.Name}}").split() == ["data", "v1"]
    mounts = ok(host, "inspect", "-f", "{{range .Mounts}}{{.Type}} {{.Name}} {{.Destination}}{{end}}", "mounted")
    assert mounts == "volume data /data\n"
    assert ok(host, "volume", "inspect", "-f", "{{.Labels.course}} {{.Mountpoint}}", "v1") == \
        "docker /var/lib/docker/volumes/v1/_data\n"
    assert "volume is in use" in docker(host, "volume", "rm", "data").stderr
    assert "get nosuch: no such volume" in docker(host, "volume", "inspect", "nosuch").stderr
    df = ok(host, "system", "df").splitlines()
    assert [line.split()[0] for line in df[1:]] == ["Images", "Containers", "Local", "Build"]
    assert df[3].split()[2:4] == ["2", "1"]
    ok(host, "rm", "-f", "mounted")
    assert "data" in ok(host, "volume", "prune", "-af")


def test_out_of_scope_says_so(host):
    swarm = docker(host, "service", "ls")
    assert "This node is not a swarm manager." in swarm.stderr
    assert "This node is not a swarm manager." in docker(host, "secret", "ls").stderr
    assert "out of its scope" in docker(host, "swarm", "init").stderr
    assert ok(host, "plugin", "ls").splitlines()[1:] == []


def test_object_operations_answer_as_the_spec_says(mock_engine):
    pull(mock_engine, "alpine")
    cid = create(mock_engine, {"Image": "alpine", "Cmd": ["sleep", "30"],
                               "HostConfig": {"Binds": ["data:/data"]}}).json()["Id"]
    checks = [
        ("POST", "/images/{name}/tag", "/v1.55/images/alpine/tag?repo=mine&tag=1", None),
        ("GET", "/images/{name}/history", "/v1.55/images/alpine/history", None),
        ("GET", "/distribution/{name}/json", "/v1.55/distribution/alpine/json", None),
        ("POST", "/images/prune", "/v1.55/images/prune", None),
        ("GET", "/networks", "/v1.55/networks", None),
        ("POST", "/networks/create", "/v1.55/networks/create", {"Name": "spec-net"}),
        ("GET", "/networks/{id}", "/v1.55/networks/spec-net", None),
        ("POST", "/networks/{id}/connect", "/v1.55/networks/spec-net/connect", {"Container": cid}),
        ("POST", "/networks/{id}/disconnect", "/v1.55/networks/spec-net/disconnect", {"Container": cid}),
        ("DELETE", "/networks/{id}", "/v1.55/networks/spec-net", None),
        ("POST", "/networks/prune", "/v1.55/networks/prune", None),
        ("POST", "/volumes/create", "/v1.55/volumes/create", {"Name": "spec-vol"}),
        ("GET", "/volumes", "/v1.55/volumes", None),
        ("GET", "/volumes/{name}", "/v1.55/volumes/spec-vol", None),
        ("DELETE", "/volumes/{name}", "/v1.55/volumes/spec-vol", None),
        ("POST", "/volumes/prune", "/v1.55/volumes/prune", None),
        ("GET", "/system/df", "/v1.55/system/df?verbose=1", None),
        ("GET", "/system/df", "/v1.51/system/df", None),
        ("GET", "/containers/{id}/json", f"/v1.55/containers/{cid}/json", None),
        ("POST", "/commit", f"/v1.55/commit?container={cid}&repo=spec-commit&tag=1", None),
        ("GET", "/images/{name}/history", "/v1.55/images/spec-commit:1/history", None),
        ("GET", "/images/{name}/get", "/v1.55/images/alpine/get", None),
        ("GET", "/images/get", "/v1.55/images/get?names=alpine&names=spec-commit:1", None),
    ]
    for method, template, path, body in checks:
        answer = call(mock_engine, method, path, body=body)
        assert answer.status < 300, (path, answer.status, answer.body)
        validate(method, template, answer.status, answer.body)
