"""Every implemented operation's answers, checked against the official Engine API spec (Swagger 2.0, v1.55).

The spec is part of the repository, with its licence: reference/docker-engine-api/.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path

import jsonschema
import yaml

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


@cache
def spec() -> dict:
    with open(SPEC_PATH, encoding="utf-8") as handle:
        return _allow_nullable(yaml.safe_load(handle))


def validate(method: str, template: str, status: int, body: bytes) -> None:
    document = spec()
    response = document["paths"][template][method.lower()]["responses"][status]
    schema = response.get("schema")
    if schema is None or schema.get("type") == "string":
        return
    root = copy.copy(schema)
    root["definitions"] = document["definitions"]
    errors = [f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
              for error in jsonschema.Draft4Validator(root).iter_errors(json.loads(body))]
    assert not errors, f"{method} {template} {status}: " + "; ".join(errors)


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
