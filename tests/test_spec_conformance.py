"""Every implemented operation's answers, checked against the official Engine API spec (Swagger 2.0, v1.55).

The spec is part of the repository, with its licence: reference/docker-engine-api/.
"""

from __future__ import annotations

import copy
import json
import time
from functools import cache
from pathlib import Path

import jsonschema
import yaml

from hellotrace.engine import apitypes
from tests.wire import HELLO_CREATE, call, create, pull

SPEC_PATH = Path(__file__).resolve().parents[1] / "reference/docker-engine-api/swagger-v1.55.yaml"


def _allow_nullable(node: object) -> object:
    """Let null through where the daemon really sends it.

    Swagger's x-nullable marks some; beyond those, Go's encoding/json writes a nil slice or map as null
    (the daemon does so for e.g. an endpoint's Links and Aliases), which the spec does not say.
    """
    if isinstance(node, dict):
        node = {key: _allow_nullable(value) for key, value in node.items()}
        go_nil = node.get("type") == "array" or (node.get("type") == "object" and "additionalProperties" in node)
        if (node.get("x-nullable") or go_nil) and "type" in node:
            types = node["type"] if isinstance(node["type"], list) else [node["type"]]
            node["type"] = [*types, "null"]
        return node
    if isinstance(node, list):
        return [_allow_nullable(item) for item in node]
    return node


def _allow_go_pointers(document: dict) -> dict:
    """A Go pointer field left nil is null on the wire (HostConfig.MemorySwappiness is a *int64 that the daemon
    sends as null unless set, as dockerd does); the spec types some of them as plain integers or booleans."""
    for name in ("Resources", "HostConfig", "ContainerConfig"):
        for go_field in apitypes.definition(name).fields:
            for part in document["definitions"][name].get("allOf", [document["definitions"][name]]):
                schema = part.get("properties", {}).get(go_field.key)
                if go_field.type.kind == "pointer" and schema is not None and "type" in schema:
                    types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
                    schema["type"] = sorted({*types, "null"})
    return document


@cache
def spec() -> dict:
    with open(SPEC_PATH, encoding="utf-8") as handle:
        return _allow_go_pointers(_allow_nullable(yaml.safe_load(handle)))


def validate(method: str, template: str, status: int, body: bytes) -> None:
    document = spec()
    responses = document["paths"][template][method.lower()]["responses"]
    if status not in responses:
        # Error statuses the spec does not list for this operation (UNLISTED_STATUSES) still carry its
        # ErrorResponse.
        assert (method, template, status) in UNLISTED_STATUSES, (method, template, status)
        responses = {status: {"schema": {"$ref": "#/definitions/ErrorResponse"}}}
    schema = responses[status].get("schema")
    if schema is None or schema.get("type") == "string":
        return
    root = copy.copy(schema)
    root["definitions"] = document["definitions"]
    errors = [f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
              for error in jsonschema.Draft4Validator(root).iter_errors(json.loads(body))]
    assert not errors, f"{method} {template} {status}: " + "; ".join(errors)


# Statuses the daemon gives that the spec leaves out of an operation's responses, with the daemon's reason.
UNLISTED_STATUSES = {
    ("POST", "/containers/{id}/kill", 400): "an unknown signal: signal.ParseSignal's 'invalid signal: …'",
    ("POST", "/containers/{id}/pause", 409): "pausing a container that is not running (errdefs.Conflict)",
    ("POST", "/containers/{id}/update", 400): "a body that does not decode into container.UpdateConfig",
    ("GET", "/containers/{id}/top", 409): "top of a container that is not running (errdefs.Conflict)",
    ("POST", "/containers/{id}/resize", 409): "resizing a container that is not running (errdefs.Conflict)",
}


def test_lifecycle_operations_answer_as_the_spec_says(mock_engine):
    seen = set()

    def check(method: str, template: str, path: str, **kwargs) -> object:
        answer = call(mock_engine, method, path, **kwargs)
        validate(method, template, answer.status, answer.body)
        seen.add((method, template, answer.status))
        return answer

    pull(mock_engine, "alpine")
    cid = create(mock_engine, {"Image": "alpine", "Cmd": ["sleep", "30"]}, name="spec-life").json()["Id"]
    check("POST", "/containers/{id}/pause", f"/v1.55/containers/{cid}/pause")  # 409: not running
    check("POST", "/containers/{id}/kill", f"/v1.55/containers/{cid}/kill")  # 409: not running
    check("GET", "/containers/{id}/top", f"/v1.55/containers/{cid}/top")  # 409
    check("POST", "/containers/{id}/resize", f"/v1.55/containers/{cid}/resize?h=24&w=80")  # 409
    check("POST", "/containers/{id}/start", f"/v1.55/containers/{cid}/start")
    check("POST", "/containers/{id}/pause", f"/v1.55/containers/{cid}/pause")
    check("POST", "/containers/{id}/unpause", f"/v1.55/containers/{cid}/unpause")
    check("POST", "/containers/{id}/unpause", f"/v1.55/containers/{cid}/unpause")  # 500: not paused
    check("POST", "/containers/{id}/rename", f"/v1.55/containers/{cid}/rename?name=spec-renamed")
    check("POST", "/containers/{id}/rename", "/v1.55/containers/nosuch/rename?name=x1")  # 404
    check("POST", "/containers/{id}/update", f"/v1.55/containers/{cid}/update",
          body={"Memory": 314572800, "RestartPolicy": {"Name": "unless-stopped"}})
    check("POST", "/containers/{id}/update", f"/v1.55/containers/{cid}/update", body={"Memory": "x"})  # 400
    check("GET", "/containers/{id}/top", f"/v1.55/containers/{cid}/top")
    check("GET", "/containers/{id}/stats", f"/v1.55/containers/{cid}/stats?stream=false")
    check("GET", "/containers/{id}/stats", f"/v1.55/containers/{cid}/stats?stream=false&one-shot=true")
    check("POST", "/containers/{id}/resize", f"/v1.55/containers/{cid}/resize?h=24&w=80")
    check("POST", "/containers/{id}/kill", f"/v1.55/containers/{cid}/kill?signal=BOGUS")  # 400
    check("POST", "/containers/{id}/kill", f"/v1.55/containers/{cid}/kill?signal=SIGKILL")
    check("POST", "/containers/{id}/restart", f"/v1.55/containers/{cid}/restart?t=0")
    check("POST", "/containers/{id}/kill", f"/v1.55/containers/{cid}/kill")
    check("POST", "/containers/{id}/restart", "/v1.55/containers/nosuch/restart")  # 404
    check("POST", "/containers/prune", "/v1.55/containers/prune")
    events = call(mock_engine, "GET", f"/v1.55/events?since=0&until={int(time.time()) + 1}")
    assert events.status == 200
    actions = []
    for line in events.body.splitlines():
        validate("GET", "/events", 200, line)
        actions.append(json.loads(line)["Action"])
    assert {"create", "start", "pause", "unpause", "rename", "update", "kill", "die", "restart", "destroy",
            "prune"} <= set(actions)
    check("GET", "/events", "/v1.55/events?filters=%7B%22nope%22%3A%5B%22x%22%5D%7D")  # 400

    assert {status for method, template, status in seen if template == "/containers/{id}/kill"} == {204, 400, 409}
    listed_and_seen = {key for key in UNLISTED_STATUSES if key in seen}
    assert listed_and_seen == set(UNLISTED_STATUSES), "every unlisted status is one the mock really gives"


def test_every_implemented_operation_answers_as_the_spec_says(mock_engine):
    seen = []

    def check(method: str, template: str, path: str, **kwargs) -> object:
        answer = call(mock_engine, method, path, **kwargs)
        validate(method, template, answer.status, answer.body)
        seen.append((method, template, answer.status))
        return answer

    check("GET", "/_ping", "/v1.55/_ping")
    check("HEAD", "/_ping", "/v1.55/_ping")
    check("GET", "/version", "/v1.55/version")
    check("GET", "/info", "/v1.55/info")
    check("POST", "/containers/create", "/v1.55/containers/create", body=HELLO_CREATE)  # 404
    check("POST", "/images/create", "/v1.55/images/create?fromImage=nosuchimage&tag=latest")  # 404
    pull(mock_engine, "hello-world")
    pull(mock_engine, "alpine")
    check("GET", "/images/json", "/v1.55/images/json")
    check("GET", "/images/{name}/json", "/v1.55/images/hello-world/json")
    check("GET", "/images/{name}/json", "/v1.55/images/nosuch/json")
    created = check("POST", "/containers/create", "/v1.55/containers/create?name=spec", body=HELLO_CREATE)
    cid = created.json()["Id"]
    check("POST", "/containers/create", "/v1.55/containers/create?name=spec", body=HELLO_CREATE)  # 409
    check("POST", "/containers/create", "/v1.55/containers/create", raw_body=b"{}",
          headers={"Content-Type": "application/json"})  # 400
    check("DELETE", "/images/{name}", "/v1.55/images/hello-world")  # 409
    check("GET", "/containers/json", "/v1.55/containers/json?all=1")
    check("GET", "/containers/{id}/json", f"/v1.55/containers/{cid}/json")
    check("GET", "/containers/{id}/json", "/v1.55/containers/nosuch/json")
    check("POST", "/containers/{id}/start", f"/v1.55/containers/{cid}/start")
    check("POST", "/containers/{id}/wait", f"/v1.55/containers/{cid}/wait")
    check("POST", "/containers/{id}/wait", "/v1.55/containers/nosuch/wait")
    check("GET", "/containers/{id}/json", f"/v1.55/containers/{cid}/json")
    check("GET", "/containers/{id}/logs", f"/v1.55/containers/{cid}/logs?stdout=1")
    sleeper = create(mock_engine, {"Image": "alpine", "Cmd": ["sleep", "30"]}).json()["Id"]
    check("POST", "/containers/{id}/start", f"/v1.55/containers/{sleeper}/start")
    check("POST", "/containers/{id}/start", f"/v1.55/containers/{sleeper}/start")  # 304
    check("GET", "/containers/json", "/v1.55/containers/json")
    check("GET", "/containers/{id}/json", f"/v1.55/containers/{sleeper}/json")
    check("DELETE", "/containers/{id}", f"/v1.55/containers/{sleeper}")  # 409
    check("POST", "/containers/{id}/stop", f"/v1.55/containers/{sleeper}/stop?t=0")
    check("POST", "/containers/{id}/stop", f"/v1.55/containers/{sleeper}/stop")  # 304
    check("POST", "/containers/{id}/stop", "/v1.55/containers/nosuch/stop")  # 404
    check("DELETE", "/containers/{id}", f"/v1.55/containers/{cid}")
    check("DELETE", "/containers/{id}", f"/v1.55/containers/{sleeper}")
    check("DELETE", "/containers/{id}", "/v1.55/containers/nosuch")  # 404
    check("DELETE", "/images/{name}", "/v1.55/images/hello-world")
    check("DELETE", "/images/{name}", "/v1.55/images/hello-world")  # 404

    statuses = {(method, template): set() for method, template, _ in seen}
    for method, template, status in seen:
        statuses[(method, template)].add(status)
    assert statuses[("POST", "/containers/create")] == {201, 400, 404, 409}
    assert statuses[("DELETE", "/containers/{id}")] == {204, 404, 409}
    assert statuses[("POST", "/containers/{id}/start")] == {204, 304}
