"""Create bodies decoded against the Go types of the spec: Go's refusals, and create → inspect round-trips."""

from __future__ import annotations

import pytest

from hellotrace.engine import apitypes
from hellotrace.protocol import gojson, gotypes
from tests.wire import call, create, pull

JSON = {"Content-Type": "application/json"}


def decode(text: str):
    return gotypes.unmarshal(gojson.decode_first_value(text), apitypes.create_request())


@pytest.mark.parametrize(("body", "message"), [
    ('{"Image": ["x"]}', "json: cannot unmarshal array into Go struct field ContainerConfigWrapper.Image of type "
                         "string"),
    ('{"Image": "alpine", "Env": [1]}', "json: cannot unmarshal number into Go struct field "
                                        "ContainerConfigWrapper.Env of type string"),
    ('{"Image": "alpine", "Labels": {"a": 1}}', "json: cannot unmarshal number into Go struct field "
                                                "ContainerConfigWrapper.Labels of type string"),
    ('{"Image": "alpine", "HostConfig": []}', "json: cannot unmarshal array into Go struct field "
                                              "ContainerConfigWrapper.HostConfig of type container.HostConfig"),
    ('{"Image": "alpine", "HostConfig": {"Memory": "x"}}', "json: cannot unmarshal string into Go struct field "
                                                           "HostConfig.HostConfig.Memory of type int64"),
    ('{"Image": "alpine", "HostConfig": {"Memory": 1.5}}', "json: cannot unmarshal number 1.5 into Go struct "
                                                           "field HostConfig.HostConfig.Memory of type int64"),
    ('{"Image": "alpine", "HostConfig": {"BlkioWeight": 70000}}', "json: cannot unmarshal number 70000 into Go "
                                                                  "struct field HostConfig.HostConfig.BlkioWeight of "
                                                                  "type uint16"),
    ('{"Image": "alpine", "Cmd": 5}', "json: cannot unmarshal number into Go struct field "
                                      "ContainerConfigWrapper.Cmd of type string"),
    ('[]', "json: cannot unmarshal array into Go value of type runconfig.ContainerConfigWrapper"),
])
def test_wrongly_typed_fields_get_gos_message_and_400(mock_engine, body, message):
    pull(mock_engine, "alpine")
    answer = call(mock_engine, "POST", "/v1.55/containers/create", raw_body=body.encode(), headers=JSON)
    assert (answer.status, answer.json()) == (400, {"message": f"invalid JSON: {message}"})
    assert call(mock_engine, "GET", "/v1.55/containers/json?all=1").json() == []


def test_the_first_type_error_is_reported_after_the_whole_body_was_read():
    with pytest.raises(gotypes.GoUnmarshalError, match="Env of type string"):
        decode('{"Env": [1], "Labels": {"a": 2}}')
    # A custom unmarshaler (StrSlice) stops the decoder at once and wins over an error saved before it.
    with pytest.raises(gotypes.GoUnmarshalError, match="Cmd of type string"):
        decode('{"Env": [1], "Cmd": {}}')


def test_keys_match_fields_whatever_their_case_and_the_last_one_wins():
    value = decode('{"image": "alpine", "hostconfig": {"LogConfig": {"Type": "json-file", "type": "syslog"}, '
                   '"RestartPolicy": {"Name": "no", "name": "always"}}, "Unknown": 1}')
    assert value["Image"] == "alpine"
    assert value["HostConfig"]["LogConfig"]["Type"] == "syslog"
    assert value["HostConfig"]["RestartPolicy"]["Name"] == "always"


def test_content_after_the_json_value_and_a_config_without_fields(mock_engine):
    pull(mock_engine, "alpine")
    after = call(mock_engine, "POST", "/v1.55/containers/create", raw_body=b'{"Image":"alpine"} x', headers=JSON)
    assert (after.status, after.json()["message"]) == (400, "unexpected content after JSON")
    only_host = call(mock_engine, "POST", "/v1.55/containers/create", body={"HostConfig": {}, "Nope": 1})
    assert (only_host.status, only_host.json()["message"]) == (400, "config cannot be empty in order to create a "
                                                                     "container")
    deep = call(mock_engine, "POST", "/v1.55/containers/create", raw_body=b"[" * 100_000, headers=JSON)
    assert deep.status == 400 and "exceeded max depth" in deep.json()["message"]


def test_create_then_inspect_round_trips_every_setting(mock_engine):
    pull(mock_engine, "alpine")
    host_config = {
        "Memory": 104857600, "CpuShares": 512, "NanoCpus": 500000000, "PidsLimit": 50, "OomKillDisable": True,
        "Tmpfs": {"/run": "rw,size=64m"}, "Init": True, "GroupAdd": ["1234", "audio"], "VolumeDriver": "local",
        "CapAdd": ["NET_ADMIN"], "Dns": ["9.9.9.9"], "ExtraHosts": ["db:10.0.0.2"], "ShmSize": 1 << 20,
        "Sysctls": {"net.ipv4.ip_forward": "1"}, "Ulimits": [{"Name": "nofile", "Soft": 1024, "Hard": 2048}],
        "RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 3}, "LogConfig": {"Type": "local",
                                                                                   "Config": {"max-size": "1m"}},
        "ConsoleSize": [40, 120], "Annotations": {"org.example": "x"}, "SecurityOpt": ["no-new-privileges"],
    }
    config = {"Image": "alpine", "Cmd": ["sleep", "1"], "User": "1000:1000", "StopSignal": "SIGINT",
              "StopTimeout": 3, "Labels": {"course": "docker"}, "Env": ["A=1"], "Healthcheck": {
                  "Test": ["CMD", "true"], "Interval": 1000000000}, "ExposedPorts": {"80/tcp": {}}}
    cid = create(mock_engine, {**config, "HostConfig": host_config}).json()["Id"]
    inspected = call(mock_engine, "GET", f"/v1.55/containers/{cid}/json").json()
    for key, value in host_config.items():
        assert inspected["HostConfig"][key] == value, key
    for key, value in config.items():
        if key not in ("Env", "Labels"):
            assert inspected["Config"][key] == value, key
    assert inspected["Config"]["Env"][0] == "A=1" and inspected["Config"]["Labels"]["course"] == "docker"
    assert inspected["HostConfig"]["MemorySwap"] == 2 * 104857600  # the daemon's default: as much again


def test_inspect_host_config_has_every_field_docker_returns(mock_engine):
    pull(mock_engine, "alpine")
    cid = create(mock_engine, {"Image": "alpine"}).json()["Id"]
    host_config = call(mock_engine, "GET", f"/v1.55/containers/{cid}/json").json()["HostConfig"]
    wanted = {field.key for field in apitypes.definition("HostConfig").fields
              if not field.omitempty} | {"Runtime"}
    assert set(host_config) == wanted
    assert host_config["LogConfig"] == {"Type": "json-file", "Config": {}}
    assert host_config["RestartPolicy"] == {"Name": "no", "MaximumRetryCount": 0}
    assert host_config["ShmSize"] == 67108864 and host_config["ConsoleSize"] == [0, 0]
    assert "/proc/kcore" in host_config["MaskedPaths"] and host_config["OomKillDisable"] is False


@pytest.mark.parametrize(("host_config", "message"), [
    ({"LogConfig": {"Type": "asdf"}}, "logger: no log driver named 'asdf' is registered"),
    ({"RestartPolicy": {"Name": "bogus"}}, "invalid restart policy: unknown policy 'bogus'; use one of 'no', "
                                           "'always', 'on-failure', or 'unless-stopped'"),
    ({"RestartPolicy": {"Name": "always", "MaximumRetryCount": 2}},
     "invalid restart policy: maximum retry count can only be used with 'on-failure'"),
    ({"RestartPolicy": {"Name": "always"}, "AutoRemove": True}, "can't create 'AutoRemove' container with restart "
                                                                "policy"),
])
def test_host_config_refusals(mock_engine, host_config, message):
    pull(mock_engine, "alpine")
    answer = create(mock_engine, {"Image": "alpine", "HostConfig": host_config})
    assert (answer.status, answer.json()["message"]) == (400, message)


def test_the_none_log_driver_keeps_no_log(mock_engine):
    pull(mock_engine, "alpine")
    cid = create(mock_engine, {"Image": "alpine", "Cmd": ["echo", "hi"],
                               "HostConfig": {"LogConfig": {"Type": "none"}}}).json()["Id"]
    call(mock_engine, "POST", f"/v1.55/containers/{cid}/start")
    call(mock_engine, "POST", f"/v1.55/containers/{cid}/wait")
    logs = call(mock_engine, "GET", f"/v1.55/containers/{cid}/logs?stdout=1")
    assert (logs.status, logs.json()["message"]) == (501, "configured logging driver does not support reading")


def test_restart_policy_always_brings_it_back_and_rm_needs_force(mock_engine):
    pull(mock_engine, "alpine")
    cid = create(mock_engine, {"Image": "alpine", "Cmd": ["true"],
                               "HostConfig": {"RestartPolicy": {"Name": "always"}}}, name="looper").json()["Id"]
    call(mock_engine, "POST", f"/v1.55/containers/{cid}/start")
    for _ in range(50):
        state = call(mock_engine, "GET", f"/v1.55/containers/{cid}/json").json()
        if state["RestartCount"] >= 2:
            break
        call(mock_engine, "POST", f"/v1.55/containers/{cid}/wait?condition=next-exit")
    assert state["RestartCount"] >= 2 and state["State"]["Running"] is True
    refused = call(mock_engine, "DELETE", f"/v1.55/containers/{cid}")
    assert refused.status == 409
    assert refused.json()["message"].startswith('cannot remove container "/looper": container is ')
    assert call(mock_engine, "DELETE", f"/v1.55/containers/{cid}?force=1").status == 204


def test_ps_quotes_arguments_with_spaces_as_moby_does(mock_engine):
    pull(mock_engine, "alpine")
    create(mock_engine, {"Image": "alpine", "Cmd": ["sh", "-c", "echo a; echo b"]})
    (listed,) = call(mock_engine, "GET", "/v1.55/containers/json?all=1").json()
    assert listed["Command"] == "sh -c 'echo a; echo b'"


def test_a_number_too_long_for_any_go_integer_is_refused_as_go_refuses_it(mock_engine):
    huge = "5" * 5000  # past the 4,300 digits Python's int() reads from text
    pull(mock_engine, "alpine")
    body = '{"Image": "alpine", "HostConfig": {"Memory": ' + huge + "}}"
    answer = call(mock_engine, "POST", "/v1.55/containers/create", raw_body=body.encode(), headers=JSON)
    assert (answer.status, answer.json()) == (400, {"message": f"invalid JSON: json: cannot unmarshal number {huge} "
                                                               "into Go struct field HostConfig.HostConfig.Memory of "
                                                               "type int64"})
