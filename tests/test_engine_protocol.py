"""The mock engine's HTTP behaviour, endpoint by endpoint, over its real unix and TCP sockets."""

from __future__ import annotations

import json
import socket
import threading
import time
from urllib.parse import quote

import pytest

from hellotrace.protocol.stdcopy import FrameDecoder
from tests.wire import HELLO_CREATE, call, create, pull, raw

DAEMON_HEADERS = {"Api-Version", "Server", "Ostype", "Docker-Experimental", "Date"}


def test_head_ping_has_the_daemon_headers(mock_engine):
    answer = call(mock_engine, "HEAD", "/_ping")
    assert answer.status == 200
    assert answer.body == b""
    assert answer.header("Api-Version") == "1.55"
    assert answer.header("Server") == "Docker/29.7.2 (linux)"
    assert answer.header("Ostype") == "linux"
    assert answer.header("Docker-Experimental") == "false"
    assert answer.header("Builder-Version") == "2"
    assert answer.header("Swarm") == "inactive"
    assert answer.header("Cache-Control") == "no-cache, no-store, must-revalidate"
    assert answer.header("Pragma") == "no-cache"
    assert answer.header("Content-Length") == "0"
    assert answer.header("Content-Type") == "text/plain; charset=utf-8"
    assert answer.header("Date")


def test_get_ping_over_tcp_says_ok(mock_engine):
    answer = call(mock_engine, "GET", "/_ping", tcp=True)
    assert (answer.status, answer.body) == (200, b"OK")


def test_headers_come_in_go_order(mock_engine):
    wire = raw(mock_engine, b"GET /v1.55/version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    head = wire.split(b"\r\n\r\n", 1)[0].decode().split("\r\n")
    names = [line.split(":", 1)[0] for line in head[1:] if not line.startswith("Connection:")]
    assert names == ["Api-Version", "Content-Type", "Docker-Experimental", "Ostype", "Server", "Date",
                     "Content-Length"]


def test_get_ping_puts_the_sniffed_content_type_last(mock_engine):
    wire = raw(mock_engine, b"GET /_ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    names = [line.split(":", 1)[0] for line in wire.split(b"\r\n\r\n", 1)[0].decode().split("\r\n")[1:]]
    assert names[-4:-1] == ["Date", "Content-Length", "Content-Type"]
    head = raw(mock_engine, b"HEAD /_ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    names = [line.split(":", 1)[0] for line in head.split(b"\r\n\r\n", 1)[0].decode().split("\r\n")[1:]]
    assert names[:9] == ["Api-Version", "Builder-Version", "Cache-Control", "Content-Length", "Content-Type",
                         "Docker-Experimental", "Ostype", "Pragma", "Server"]


def test_version_is_honest_about_being_a_mock(mock_engine):
    answer = call(mock_engine, "GET", "/v1.55/version")
    assert answer.header("Content-Type") == "application/json"
    assert answer.body.endswith(b"\n") and b": " not in answer.body
    body = answer.json()
    assert "mock" in body["Platform"]["Name"].lower()
    assert (body["ApiVersion"], body["MinAPIVersion"], body["Version"]) == ("1.55", "1.40", "29.7.2")
    assert list(body)[:2] == ["Platform", "Components"]


def test_info_counts_containers_and_images(mock_engine):
    pull(mock_engine, "hello-world").body  # noqa: B018 - drain the stream
    create(mock_engine, HELLO_CREATE)
    body = call(mock_engine, "GET", "/info").json()
    assert body["Containers"] == 1 and body["ContainersStopped"] == 1 and body["Images"] == 1
    assert body["OSType"] == "linux" and body["ServerVersion"] == "29.7.2"


@pytest.mark.parametrize(
    ("version", "message"),
    [
        ("1.24", "client version 1.24 is too old. Minimum supported API version is 1.40, "
                 "please upgrade your client to a newer version"),
        ("1.39", "client version 1.39 is too old. Minimum supported API version is 1.40, "
                 "please upgrade your client to a newer version"),
        ("1.56", "client version 1.56 is too new. Maximum supported API version is 1.55"),
        ("2.0", "client version 2.0 is too new. Maximum supported API version is 1.55"),
    ],
)
def test_versions_outside_the_range_are_refused(mock_engine, version, message):
    answer = call(mock_engine, "GET", f"/v{version}/version")
    assert answer.status == 400
    assert answer.json() == {"message": message}
    assert answer.header("Content-Type") == "application/json"
    assert answer.header("Api-Version") == "1.55"
    assert answer.header("Docker-Experimental") is None


LONG_NUMBER = "5" * 5000  # past the 4,300 digits Python's int() reads from text


@pytest.mark.parametrize(
    ("version", "verdict"),
    [
        # moby compares number by number, each as strconv.Atoi reads it with its error ignored: too many digits
        # is the largest int64, and a third number counts.
        (f"1.{LONG_NUMBER}", b"is too new"),
        (f"{LONG_NUMBER}.1", b"is too new"),
        ("1.55.1", b"is too new"),
        ("1.40.0", None),
        ("1.0039", b"is too old"),
    ],
)
def test_versions_compare_as_moby_compares_them(mock_engine, version, verdict):
    answer = call(mock_engine, "GET", f"/v{version}/_ping")
    if verdict is None:
        assert answer.status == 200
    else:
        assert answer.status == 400 and verdict in answer.body and answer.header("Content-Type") == "application/json"


def test_versions_below_1_24_get_plain_text(mock_engine):
    answer = call(mock_engine, "GET", "/v1.12/version")
    assert answer.status == 400
    assert answer.header("Content-Type") == "text/plain; charset=utf-8"
    assert answer.body.startswith(b"client version 1.12 is too old")


@pytest.mark.parametrize("version", ["1.40", "1.41", "1.44", "1.55"])
def test_versions_in_range_are_served(mock_engine, version):
    assert call(mock_engine, "GET", f"/v{version}/_ping").status == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/nosuch"), ("GET", "/v1.55/nosuch"), ("GET", "/containers/create"), ("POST", "/version"),
     ("GET", "/v1.24/nosuch"), ("PUT", "/_ping")],
)
def test_unknown_paths_and_methods_are_page_not_found_without_daemon_headers(mock_engine, method, path):
    answer = call(mock_engine, method, path)
    assert answer.status == 404
    assert answer.body == b'{"message":"page not found"}\n'
    assert answer.header("Content-Type") == "application/json"
    assert not {"Api-Version", "Server", "Ostype"} & set(answer.header_names())


# -- pull -------------------------------------------------------------------------------------------


def test_pull_streams_crlf_ndjson_in_docker_order(mock_engine):
    answer = pull(mock_engine, "docker.io%2Flibrary%2Fhello-world")
    assert answer.status == 200
    assert answer.header("Transfer-Encoding") == "chunked"
    assert answer.header("Content-Type") == "application/json"
    lines = answer.body.split(b"\r\n")
    assert lines[-1] == b""
    messages = [json.loads(line) for line in lines[:-1]]
    assert messages[0] == {"status": "Pulling from library/hello-world", "id": "latest"}
    assert messages[1]["status"] == "Pulling fs layer" and messages[1]["progressDetail"] == {}
    assert messages[-2]["status"].startswith("Digest: sha256:")
    assert messages[-1] == {"status": "Status: Downloaded newer image for hello-world:latest"}


def test_pull_again_is_up_to_date(mock_engine):
    pull(mock_engine, "hello-world")
    messages = [json.loads(line) for line in pull(mock_engine, "hello-world").body.split(b"\r\n") if line]
    assert messages[-1] == {"status": "Status: Image is up to date for hello-world:latest"}
    assert not any(m.get("status") == "Pulling fs layer" for m in messages)


def test_pull_unknown_repository_is_docker_s_404(mock_engine):
    answer = pull(mock_engine, "nosuchimage")
    assert answer.status == 404
    assert answer.json() == {
        "message": "pull access denied for nosuchimage, repository does not exist or may require 'docker login'"
    }


def test_pull_unknown_tag_is_not_found(mock_engine):
    answer = pull(mock_engine, "alpine", tag="nosuchtag")
    assert answer.status == 404
    assert "nosuchtag" in answer.json()["message"]


def test_pull_invalid_reference_is_400(mock_engine):
    answer = pull(mock_engine, "Alpine")
    assert answer.status == 400
    assert answer.json()["message"].startswith("invalid reference format")


def test_pull_scratch_is_reserved(mock_engine):
    answer = pull(mock_engine, "scratch")
    assert (answer.status, answer.json()) == (403, {"message": "'scratch' is a reserved name"})


def test_pull_of_all_tags_when_tag_is_empty(mock_engine):
    answer = call(mock_engine, "POST", "/v1.55/images/create?fromImage=hello-world")
    assert answer.status == 200
    tags = {tag for image in call(mock_engine, "GET", "/images/json").json() for tag in image["RepoTags"]}
    assert {"hello-world:latest", "hello-world:linux"} <= tags


# -- images -------------------------------------------------------------------------------------------


def test_images_list_inspect_and_delete(mock_engine):
    pull(mock_engine, "alpine")
    pull(mock_engine, "hello-world")
    listed = call(mock_engine, "GET", "/v1.55/images/json").json()
    assert {tuple(item["RepoTags"]) for item in listed} == {("alpine:latest",), ("hello-world:latest",)}
    hello = next(item for item in listed if item["RepoTags"] == ["hello-world:latest"])
    assert hello["Id"].startswith("sha256:") and hello["RepoDigests"][0].startswith("hello-world@sha256:")
    inspected = call(mock_engine, "GET", "/v1.55/images/hello-world/json").json()
    assert inspected["Id"] == hello["Id"] and inspected["Config"]["Cmd"] == ["/hello"]
    assert call(mock_engine, "GET", "/v1.55/images/docker.io/library/hello-world:latest/json").status == 200
    deleted = call(mock_engine, "DELETE", "/v1.55/images/hello-world")
    assert deleted.json() == [{"Untagged": "hello-world:latest"}, {"Deleted": hello["Id"]}]
    missing = call(mock_engine, "GET", "/v1.55/images/hello-world/json")
    assert (missing.status, missing.json()) == (404, {"message": "No such image: hello-world:latest"})
    assert call(mock_engine, "DELETE", "/v1.55/images/hello-world").status == 404


def test_image_in_use_cannot_be_deleted_without_force(mock_engine):
    pull(mock_engine, "hello-world")
    container_id = create(mock_engine, HELLO_CREATE).json()["Id"]
    answer = call(mock_engine, "DELETE", "/images/hello-world")
    assert answer.status == 409
    assert answer.json()["message"].startswith("conflict: unable to delete hello-world:latest (must be forced)")
    assert container_id[:12] in answer.json()["message"]
    assert call(mock_engine, "DELETE", "/images/hello-world?force=1").status == 200


def test_image_argument_errors(mock_engine):
    conflicting = call(mock_engine, "GET", "/images/json?identity=1")
    assert (conflicting.status, conflicting.json()) == (
        400, {"message": "conflicting options: identity requires manifests=1"})
    blank = call(mock_engine, "DELETE", "/v1.55/images/")
    assert (blank.status, blank.json()) == (400, {"message": "image name cannot be blank"})


def test_image_filters_by_reference(mock_engine):
    pull(mock_engine, "alpine")
    pull(mock_engine, "busybox")
    filters = quote(json.dumps({"reference": ["busy*"]}))
    listed = call(mock_engine, "GET", f"/images/json?filters={filters}").json()
    assert [item["RepoTags"] for item in listed] == [["busybox:latest"]]
    assert call(mock_engine, "GET", "/images/json?filters=notjson").status == 400


# -- containers ---------------------------------------------------------------------------------------


def test_create_without_the_image_is_404_no_such_image(mock_engine):
    answer = create(mock_engine, HELLO_CREATE)
    assert answer.status == 404
    assert answer.json() == {"message": "No such image: hello-world:latest"}


def test_the_curl_recipe_create_start_wait_logs_delete(mock_engine):
    pull(mock_engine, "hello-world")
    created = create(mock_engine, HELLO_CREATE)
    assert created.status == 201
    body = created.json()
    assert list(body) == ["Id", "Warnings"] and body["Warnings"] == [] and len(body["Id"]) == 64
    cid = body["Id"]
    started = call(mock_engine, "POST", f"/v1.55/containers/{cid}/start")
    assert started.status == 204 and started.body == b"" and started.header("Content-Type") is None
    waited = call(mock_engine, "POST", f"/v1.55/containers/{cid}/wait")
    assert waited.body == b'{"StatusCode":0}\n'
    logs = call(mock_engine, "GET", f"/v1.55/containers/{cid}/logs?stdout=1")
    assert logs.header("Content-Type") == "application/vnd.docker.multiplexed-stream"
    decoder = FrameDecoder()
    frames = decoder.feed(logs.body)
    text = b"".join(frame.payload for frame in frames).decode()
    assert all(frame.stream == 1 for frame in frames)
    assert len(frames) == text.count("\n")  # logs come one frame per line
    for step in (" 1. ", " 2. ", " 3. ", " 4. "):
        assert step in text
    assert call(mock_engine, "DELETE", f"/v1.55/containers/{cid}").status == 204
    assert call(mock_engine, "GET", f"/v1.55/containers/{cid}/json").status == 404


def test_logs_below_1_42_are_labelled_raw_but_still_framed(mock_engine):
    pull(mock_engine, "hello-world")
    cid = create(mock_engine, HELLO_CREATE).json()["Id"]
    call(mock_engine, "POST", f"/containers/{cid}/start")
    call(mock_engine, "POST", f"/containers/{cid}/wait")
    logs = call(mock_engine, "GET", f"/v1.41/containers/{cid}/logs?stdout=1")
    assert logs.header("Content-Type") == "application/vnd.docker.raw-stream"
    assert logs.body[:1] == b"\x01"


def test_logs_options(mock_engine):
    pull(mock_engine, "alpine")
    config = {"Image": "alpine", "Cmd": ["sh", "-c", "echo one; echo two; echo oops >&2; echo three"]}
    cid = create(mock_engine, config).json()["Id"]
    call(mock_engine, "POST", f"/containers/{cid}/start")
    call(mock_engine, "POST", f"/containers/{cid}/wait")

    def payloads(query: str) -> list[tuple[int, bytes]]:
        body = call(mock_engine, "GET", f"/containers/{cid}/logs?{query}").body
        return [(frame.stream, frame.payload) for frame in FrameDecoder().feed(body)]

    assert payloads("stdout=1") == [(1, b"one\n"), (1, b"two\n"), (1, b"three\n")]
    assert payloads("stderr=1") == [(2, b"oops\n")]
    assert payloads("stdout=1&tail=1") == [(1, b"three\n")]
    stamped = payloads("stdout=1&timestamps=1&tail=1")[0][1].decode()
    assert stamped.endswith("Z three\n") and stamped[4] == "-" and len(stamped.split(" ")[0]) == 30
    assert payloads("stdout=1&since=9999999999") == []
    refused = call(mock_engine, "GET", f"/containers/{cid}/logs")
    assert (refused.status, refused.json()) == (
        400, {"message": "Bad parameters: you must choose at least one stream"})


def test_logs_follow_streams_until_exit(mock_engine):
    pull(mock_engine, "alpine")
    cid = create(mock_engine, {"Image": "alpine", "Cmd": ["sh", "-c", "echo a; sleep 0.3; echo b"]}).json()["Id"]
    call(mock_engine, "POST", f"/containers/{cid}/start")
    started = time.monotonic()
    body = call(mock_engine, "GET", f"/containers/{cid}/logs?stdout=1&follow=1").body
    assert time.monotonic() - started >= 0.2
    assert [frame.payload for frame in FrameDecoder().feed(body)] == [b"a\n", b"b\n"]


def test_container_list_sizes_only_when_asked(mock_engine):
    pull(mock_engine, "hello-world")
    create(mock_engine, HELLO_CREATE)
    plain = call(mock_engine, "GET", "/containers/json?all=1").json()[0]
    sized = call(mock_engine, "GET", "/containers/json?all=1&size=1").json()[0]
    assert "SizeRw" not in plain and "SizeRootFs" not in plain
    assert sized["SizeRw"] == 0 and sized["SizeRootFs"] > 0


def test_container_lookup_by_name_and_prefix(mock_engine):
    pull(mock_engine, "hello-world")
    cid = create(mock_engine, HELLO_CREATE, name="greeter").json()["Id"]
    by_name = call(mock_engine, "GET", "/containers/greeter/json").json()
    assert by_name["Id"] == cid and by_name["Name"] == "/greeter"
    assert call(mock_engine, "GET", f"/containers/{cid[:6]}/json").json()["Id"] == cid
    missing = call(mock_engine, "GET", "/containers/nosuch/json")
    assert (missing.status, missing.json()) == (404, {"message": "No such container: nosuch"})


def test_inspect_shape(mock_engine):
    pull(mock_engine, "hello-world")
    cid = create(mock_engine, HELLO_CREATE).json()["Id"]
    body = call(mock_engine, "GET", f"/containers/{cid}/json").json()
    assert body["Path"] == "/hello" and body["Args"] == []
    assert body["State"]["Status"] == "created" and body["State"]["Running"] is False
    assert body["Config"]["Image"] == "hello-world" and body["Config"]["Cmd"] == ["/hello"]
    assert body["Image"].startswith("sha256:") and body["Created"].endswith("Z")


def test_name_conflict_and_invalid_name(mock_engine):
    pull(mock_engine, "hello-world")
    first = create(mock_engine, HELLO_CREATE, name="twice").json()["Id"]
    again = create(mock_engine, HELLO_CREATE, name="twice")
    assert again.status == 409
    assert again.json()["message"] == (
        f'Conflict. The container name "/twice" is already in use by container "{first}". '
        "You have to remove (or rename) that container to be able to reuse that name."
    )
    bad = create(mock_engine, HELLO_CREATE, name="bad%20name")
    assert bad.status == 400
    assert bad.json()["message"] == "Invalid container name (bad name), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"


@pytest.mark.parametrize(
    ("headers", "body", "message"),
    [
        ({"Content-Type": "application/x-www-form-urlencoded"}, b'{"Image":"hello-world"}',
         "unsupported Content-Type header (application/x-www-form-urlencoded): must be 'application/json'"),
        ({}, b'{"Image":"hello-world"}', "malformed Content-Type header (): mime: no media type"),
        ({"Content-Type": "application/json"}, b"", "invalid JSON: got EOF while reading request body"),
        ({"Content-Type": "application/json"}, b"{}", "config cannot be empty in order to create a container"),
        ({"Content-Type": "application/json"}, b"{invalid json",
         "invalid JSON: invalid character 'i' looking for beginning of object key string"),
    ],
)
def test_create_body_errors(mock_engine, headers, body, message):
    answer = call(mock_engine, "POST", "/v1.55/containers/create", raw_body=body, headers=headers)
    assert answer.status == 400
    assert answer.json() == {"message": message}


def test_start_twice_and_stop_and_delete_running(mock_engine):
    pull(mock_engine, "alpine")
    cid = create(mock_engine, {"Image": "alpine", "Cmd": ["sleep", "30"]}).json()["Id"]
    name = call(mock_engine, "GET", f"/containers/{cid}/json").json()["Name"]
    assert call(mock_engine, "POST", f"/containers/{cid}/start").status == 204
    again = call(mock_engine, "POST", f"/containers/{cid}/start")
    assert (again.status, again.body) == (304, b"")
    refused = call(mock_engine, "DELETE", f"/containers/{cid}")
    assert refused.status == 409
    assert refused.json()["message"] == (
        f'cannot remove container "{name}": container is running: stop the container before removing or force remove'
    )
    listed = call(mock_engine, "GET", "/containers/json").json()
    assert [item["Id"] for item in listed] == [cid] and listed[0]["Status"].startswith("Up ")
    stopped = call(mock_engine, "POST", f"/containers/{cid}/stop?t=0")
    assert stopped.status == 204
    assert call(mock_engine, "POST", f"/containers/{cid}/stop").status == 304
    state = call(mock_engine, "GET", f"/containers/{cid}/json").json()["State"]
    assert (state["Status"], state["ExitCode"]) == ("exited", 137)
    assert call(mock_engine, "GET", "/containers/json").json() == []
    assert call(mock_engine, "GET", "/containers/json?all=1").json()[0]["Status"].startswith("Exited (137) ")


def test_start_with_a_body_is_refused(mock_engine):
    pull(mock_engine, "hello-world")
    cid = create(mock_engine, HELLO_CREATE).json()["Id"]
    answer = call(mock_engine, "POST", f"/containers/{cid}/start", body={"Binds": ["/:/host"]})
    assert answer.status == 400
    assert "non-empty request body" in answer.json()["message"]


def test_force_delete_of_a_running_container(mock_engine):
    pull(mock_engine, "alpine")
    cid = create(mock_engine, {"Image": "alpine", "Cmd": ["sleep", "30"]}).json()["Id"]
    call(mock_engine, "POST", f"/containers/{cid}/start")
    assert call(mock_engine, "DELETE", f"/containers/{cid}?force=1").status == 204
    assert call(mock_engine, "DELETE", f"/containers/{cid}").status == 404


def test_unknown_executable_fails_at_start(mock_engine):
    pull(mock_engine, "alpine")
    cid = create(mock_engine, {"Image": "alpine", "Cmd": ["nosuchprogram"]}).json()["Id"]
    answer = call(mock_engine, "POST", f"/containers/{cid}/start")
    assert answer.status == 400
    assert 'exec: "nosuchprogram": executable file not found in $PATH' in answer.json()["message"]
    state = call(mock_engine, "GET", f"/containers/{cid}/json").json()["State"]
    assert state["ExitCode"] == 127 and state["Status"] == "created"


def test_exit_codes_and_stderr_are_kept(mock_engine):
    pull(mock_engine, "busybox")
    cid = create(mock_engine, {"Image": "busybox", "Cmd": ["sh", "-c", "echo bad >&2; exit 3"]}).json()["Id"]
    call(mock_engine, "POST", f"/containers/{cid}/start")
    assert call(mock_engine, "POST", f"/containers/{cid}/wait").json() == {"StatusCode": 3}


def test_container_list_filters_and_limit(mock_engine):
    pull(mock_engine, "hello-world")
    ids = [create(mock_engine, HELLO_CREATE, name=f"c{i}").json()["Id"] for i in range(3)]
    call(mock_engine, "POST", f"/containers/{ids[0]}/start")
    call(mock_engine, "POST", f"/containers/{ids[0]}/wait")
    everything = call(mock_engine, "GET", "/containers/json?all=1").json()
    assert [item["Names"] for item in everything] == [["/c2"], ["/c1"], ["/c0"]]
    assert len(call(mock_engine, "GET", "/containers/json?limit=2").json()) == 2
    exited = quote(json.dumps({"status": ["exited"]}))
    assert [i["Id"] for i in call(mock_engine, "GET", f"/containers/json?all=1&filters={exited}").json()] == [ids[0]]
    by_name = quote(json.dumps({"name": ["c1"]}))
    assert [i["Id"] for i in call(mock_engine, "GET", f"/containers/json?all=1&filters={by_name}").json()] == [ids[1]]
    first = everything[2]
    assert first["Command"] == "/hello" and first["Status"].startswith("Exited (0) ")
    assert first["State"] == "exited" and first["Image"] == "hello-world"


# -- wait ---------------------------------------------------------------------------------------------


def _open_wait(engine, cid: str, condition: str) -> tuple[socket.socket, bytes]:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(5)
    sock.connect(engine.unix_path)
    sock.sendall(f"POST /v1.55/containers/{cid}/wait?condition={condition} HTTP/1.1\r\nHost: x\r\n"
                 "Content-Length: 0\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(4096)
    return sock, head


def _read_until_close(sock: socket.socket, buffered: bytes = b"", terminator: bytes = b"0\r\n\r\n") -> bytes:
    data = buffered
    while terminator not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


@pytest.mark.parametrize("condition", ["next-exit", "not-running"])
def test_wait_sends_headers_at_once_and_the_body_at_exit(mock_engine, condition):
    pull(mock_engine, "alpine")
    cid = create(mock_engine, {"Image": "alpine", "Cmd": ["sleep", "0.3"]}).json()["Id"]
    if condition == "not-running":
        call(mock_engine, "POST", f"/containers/{cid}/start")
    sock, head = _open_wait(mock_engine, cid, condition)
    try:
        assert head.startswith(b"HTTP/1.1 200 OK\r\n") and b"Transfer-Encoding: chunked" in head
        if condition == "next-exit":
            call(mock_engine, "POST", f"/containers/{cid}/start")
        rest = _read_until_close(sock, head.split(b"\r\n\r\n", 1)[1])
        assert b'{"StatusCode":0}\n' in rest
    finally:
        sock.close()


def test_wait_removed_with_auto_remove(mock_engine):
    pull(mock_engine, "alpine")
    config = {"Image": "alpine", "Cmd": ["echo", "hi"], "HostConfig": {"AutoRemove": True}}
    cid = create(mock_engine, config).json()["Id"]
    sock, head = _open_wait(mock_engine, cid, "removed")
    try:
        call(mock_engine, "POST", f"/containers/{cid}/start")
        assert b'{"StatusCode":0}\n' in _read_until_close(sock, head.split(b"\r\n\r\n", 1)[1])
    finally:
        sock.close()
    assert call(mock_engine, "GET", f"/containers/{cid}/json").status == 404


def test_wait_errors(mock_engine):
    assert call(mock_engine, "POST", "/containers/nosuch/wait").json() == {"message": "No such container: nosuch"}
    pull(mock_engine, "hello-world")
    cid = create(mock_engine, HELLO_CREATE).json()["Id"]
    bad = call(mock_engine, "POST", f"/containers/{cid}/wait?condition=whenever")
    assert (bad.status, bad.json()) == (400, {"message": 'invalid condition: "whenever"'})


# -- attach -------------------------------------------------------------------------------------------


def _attach(engine, cid: str, upgrade: bool = True, version: str = "1.55") -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(5)
    sock.connect(engine.unix_path)
    extra = "Connection: Upgrade\r\nUpgrade: tcp\r\n" if upgrade else ""
    sock.sendall(
        f"POST /v{version}/containers/{cid}/attach?stderr=1&stdout=1&stream=1 HTTP/1.1\r\nHost: api.moby.localhost\r\n"
        f"Content-Length: 0\r\nContent-Type: text/plain\r\n{extra}\r\n".encode()
    )
    return sock


def _read_all(sock: socket.socket) -> bytes:
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk


def test_attach_upgrades_before_start_and_survives_half_close(mock_engine):
    pull(mock_engine, "hello-world")
    cid = create(mock_engine, HELLO_CREATE).json()["Id"]
    sock = _attach(mock_engine, cid)
    try:
        head = b""
        while b"\r\n\r\n" not in head:
            head += sock.recv(1024)
        assert head == (b"HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\n"
                        b"Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n")
        sock.shutdown(socket.SHUT_WR)  # the CLI half-closes when it has no stdin to send
        time.sleep(0.2)
        assert call(mock_engine, "POST", f"/containers/{cid}/start").status == 204
        stream = _read_all(sock)
    finally:
        sock.close()
    frames = FrameDecoder().feed(stream)
    assert len(frames) == 1  # hello writes its message in one write: one frame
    assert frames[0].stream == 1 and frames[0].header[:4] == b"\x01\x00\x00\x00"
    assert b" 4. " in frames[0].payload


def test_attach_without_upgrade_is_the_raw_200_form(mock_engine):
    pull(mock_engine, "hello-world")
    cid = create(mock_engine, HELLO_CREATE).json()["Id"]
    sock = _attach(mock_engine, cid, upgrade=False)
    try:
        time.sleep(0.1)
        call(mock_engine, "POST", f"/containers/{cid}/start")
        data = _read_all(sock)
    finally:
        sock.close()
    head, stream = data.split(b"\r\n\r\n", 1)
    assert head == b"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream"
    assert FrameDecoder().feed(stream)[0].stream == 1


def test_attach_below_1_42_says_raw_stream(mock_engine):
    pull(mock_engine, "hello-world")
    cid = create(mock_engine, HELLO_CREATE).json()["Id"]
    sock = _attach(mock_engine, cid, version="1.41")
    try:
        head = sock.recv(1024)
    finally:
        sock.close()
    assert b"Content-Type: application/vnd.docker.raw-stream" in head


def test_attach_to_a_missing_container_is_written_raw(mock_engine):
    sock = _attach(mock_engine, "nosuch")
    try:
        data = _read_all(sock)
    finally:
        sock.close()
    assert data == (b"HTTP/1.1 404 Not Found\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\n"
                    b"No such container: nosuch\r\n")


def test_auto_remove_removes_the_container_after_exit(mock_engine):
    pull(mock_engine, "alpine")
    config = {"Image": "alpine", "Cmd": ["echo", "hello", "world"], "HostConfig": {"AutoRemove": True}}
    cid = create(mock_engine, config).json()["Id"]
    call(mock_engine, "POST", f"/containers/{cid}/start")
    assert call(mock_engine, "GET", f"/containers/{cid}/json").status == 404


# -- sandboxes ----------------------------------------------------------------------------------------


def test_sandboxes_are_isolated(mock_engine):
    pull(mock_engine, "hello-world", prefix="/sandboxes/alice/v1.55")
    assert call(mock_engine, "GET", "/sandboxes/alice/images/json").json() != []
    assert call(mock_engine, "GET", "/sandboxes/bob/images/json").json() == []
    assert call(mock_engine, "GET", "/images/json").json() == []
    assert call(mock_engine, "GET", "/sandboxes/alice/v1.55/_ping", tcp=True).status == 200
    assert call(mock_engine, "GET", "/sandboxes/bad!token/_ping").status == 400


def test_sandbox_limits_give_a_clear_error(mock_engine):
    from hellotrace.engine.sandbox import SandboxLimits

    mock_engine.registry.limits = SandboxLimits(max_containers=2)
    for sandbox in [mock_engine.registry.get("default")]:
        sandbox.limits = mock_engine.registry.limits
    pull(mock_engine, "hello-world")
    assert create(mock_engine, HELLO_CREATE).status == 201
    assert create(mock_engine, HELLO_CREATE).status == 201
    refused = create(mock_engine, HELLO_CREATE)
    assert refused.status == 503 and "limit" in refused.json()["message"]


# -- robustness ---------------------------------------------------------------------------------------


def test_keep_alive_serves_several_requests_on_one_connection(mock_engine):
    request = b"GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n"
    data = raw(mock_engine, request * 3 + b"GET /_ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert data.count(b"HTTP/1.1 200 OK") == 4


def test_chunked_request_bodies_are_accepted(mock_engine):
    pull(mock_engine, "hello-world")
    body = json.dumps(HELLO_CREATE).encode()
    chunked = f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n"
    data = raw(mock_engine, b"POST /containers/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                            b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + chunked)
    assert data.startswith(b"HTTP/1.1 201 Created")


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        (b"GARBAGE\r\n\r\n", b"400"),
        (b"GET / HTTP/1.1\r\nBad Header Line\r\n\r\n", b"400"),
        (b"GET /_ping HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n", b"431"),
        (b"POST /containers/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
         b"Content-Length: 999999999\r\n\r\n", b"413"),
    ],
)
def test_malformed_and_oversized_requests_get_an_error_and_a_close(mock_engine, payload, status):
    data = raw(mock_engine, payload)
    assert data.startswith(b"HTTP/1.1 " + status)
    assert call(mock_engine, "GET", "/_ping").status == 200


def test_vanishing_and_slow_clients_do_not_hurt_others(mock_engine):
    sockets = []
    for _ in range(20):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(mock_engine.unix_path)
        sock.sendall(b"POST /containers/create HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"Ima")
        sockets.append(sock)
    assert call(mock_engine, "GET", "/_ping").status == 200
    for sock in sockets:
        sock.close()
    deadline = time.monotonic() + 5
    while mock_engine.server.open_connections() > 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert mock_engine.server.open_connections() == 0


def test_threads_do_not_leak(mock_engine):
    pull(mock_engine, "hello-world")
    before = threading.active_count()
    for _ in range(30):
        cid = create(mock_engine, HELLO_CREATE).json()["Id"]
        call(mock_engine, "POST", f"/containers/{cid}/start")
        call(mock_engine, "POST", f"/containers/{cid}/wait")
        call(mock_engine, "GET", f"/containers/{cid}/logs?stdout=1")
        call(mock_engine, "DELETE", f"/containers/{cid}")
    time.sleep(0.3)
    assert threading.active_count() <= before + 2


def test_a_client_leaving_a_wait_frees_its_thread(mock_engine):
    pull(mock_engine, "hello-world")
    cid = create(mock_engine, HELLO_CREATE).json()["Id"]
    sock, _ = _open_wait(mock_engine, cid, "next-exit")
    sock.close()
    deadline = time.monotonic() + 3
    while mock_engine.server.open_connections() > 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert mock_engine.server.open_connections() == 0


def test_address_in_use_is_a_clear_error(mock_engine):
    from hellotrace.engine.server import AddressInUse
    from hellotrace.engine.service import EngineOptions, MockEngine

    with pytest.raises(AddressInUse, match="already in use"):
        MockEngine(EngineOptions(tcp_address=mock_engine.tcp_address)).start()
    with pytest.raises(AddressInUse, match="already in use"):
        MockEngine(EngineOptions(unix_path=mock_engine.unix_path)).start()


def test_inspect_fields_follow_the_api_version(mock_engine):
    pull(mock_engine, "hello-world")
    cid = create(mock_engine, HELLO_CREATE).json()["Id"]
    new = call(mock_engine, "GET", f"/v1.55/containers/{cid}/json").json()
    old = call(mock_engine, "GET", f"/v1.44/containers/{cid}/json").json()
    assert new["Storage"] == {"RootFS": {"Snapshot": {"Name": "overlayfs"}}} and "GraphDriver" not in new
    assert "GraphDriver" in old and "Storage" not in old
    image_new = call(mock_engine, "GET", "/v1.55/images/hello-world/json").json()
    image_old = call(mock_engine, "GET", "/v1.44/images/hello-world/json").json()
    assert "Comment" not in image_new and image_old["Comment"] == ""


@pytest.mark.parametrize(
    ("method", "path", "reason"),
    [
        ("GET", "/v1.55/containers/json?limit=" + LONG_NUMBER, "value out of range"),
        ("GET", "/v1.55/containers/json?limit=twenty", "invalid syntax"),
        ("POST", "/v1.55/containers/{id}/stop?t=" + LONG_NUMBER, "value out of range"),
        ("POST", "/v1.55/containers/{id}/resize?w=80&h=" + LONG_NUMBER, "value out of range"),
        ("POST", "/v1.55/containers/{id}/resize?w=80&h=-1", "invalid syntax"),
    ],
)
def test_whole_number_arguments_are_read_as_strconv_atoi_reads_them(mock_engine, method, path, reason):
    pull(mock_engine, "hello-world").body  # noqa: B018 - drain the stream
    container = create(mock_engine, HELLO_CREATE).json()["Id"]
    answer = call(mock_engine, method, path.format(id=container))
    assert answer.status == 400
    message = answer.json()["message"]
    assert message.startswith('strconv.Atoi: parsing "') and message.endswith(f'": {reason}')


def test_a_tail_too_long_to_read_means_all_lines(mock_engine):
    pull(mock_engine, "hello-world").body  # noqa: B018 - drain the stream
    container = create(mock_engine, HELLO_CREATE).json()["Id"]
    call(mock_engine, "POST", f"/v1.55/containers/{container}/start")
    call(mock_engine, "POST", f"/v1.55/containers/{container}/wait")
    every = call(mock_engine, "GET", f"/v1.55/containers/{container}/logs?stdout=1")
    answer = call(mock_engine, "GET", f"/v1.55/containers/{container}/logs?stdout=1&tail={LONG_NUMBER}")
    assert answer.status == 200 and answer.body == every.body and b"mock Docker engine" in every.body


def test_kill_wraps_every_error_and_keeps_its_status(mock_engine):
    """postContainersKill: `cannot kill container: <name>: <cause>`, with the cause's own status; the signal is
    parsed before the container is looked up (daemon/kill.go)."""
    pull(mock_engine, "alpine")
    cid = create(mock_engine, {"Image": "alpine", "Cmd": ["sleep", "30"]}, name="kk").json()["Id"]

    def kill(target: str, signal: str = "") -> tuple[int, str]:
        answer = call(mock_engine, "POST", f"/v1.55/containers/{target}/kill" + (f"?signal={signal}" if signal else ""))
        return answer.status, answer.json()["message"]

    assert kill("nosuch") == (404, "cannot kill container: nosuch: No such container: nosuch")
    assert kill("nosuch", "BOGUS") == (400, "cannot kill container: nosuch: invalid signal: BOGUS")
    assert kill("kk", "0") == (400, "cannot kill container: kk: invalid signal: 0")
    assert kill("kk", "32") == (400, "cannot kill container: kk: the linux daemon does not support signal 32")
    assert kill("kk") == (409, f"cannot kill container: kk: container {cid} is not running")
