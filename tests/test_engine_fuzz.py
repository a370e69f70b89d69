"""A bounded fuzz run: schemathesis generates requests from the official spec for every operation the mock
engine implements; no answer may be a 5xx except the 501s the mock documents for what it does not implement
and the 5xx the spec itself documents (a swarm operation's 503 outside a swarm); every documented answer must
match its schema, except where the spec itself is wrong (SPEC_MISTAKES, each with its reason).

Deterministic (derandomized) so that the suite never flakes; the whole run stays well under 90 seconds.
"""

from __future__ import annotations

import json
import re
import shutil
import time

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from hellotrace.engine.api import EngineApp
from tests.conftest import start_mock_engine
from tests.test_spec_conformance import SPEC_PATH, spec, validate
from tests.wire import HELLO_CREATE, call, create, pull

EXAMPLES_PER_OPERATION = 25
RUN_BUDGET_SECONDS = 60
# The mock's documented simplifications answer 501 and say so (README, "What is simulated").
NOT_IMPLEMENTED = re.compile(r"mock engine does not (implement|simulate)")
# Where the spec disagrees with what the daemon really sends: (method, template, status) → why we do as dockerd.
SPEC_MISTAKES: dict[tuple[str, str, int], str] = {}
# Operations whose answer streams until the client leaves or `until` comes.
ENDLESS_STREAMS = {"/events"}
# What the fuzzed engine holds, for the path parameters of reads.
KNOWN = {"id": "fuzzed", "name": "hello-world"}


def _implemented(app: EngineApp, method: str, template: str) -> bool:
    """The mock routes this operation (path parameters filled with a sample value)."""
    path = re.sub(r"\{[^}]+\}", "sample", template)
    return any(route_method == method and pattern.match(path) for route_method, pattern, _ in app.routes)


# Tar bodies (docker cp, plugin create, build) are bytes like any binary body.
schemathesis.serializer.alias("application/x-tar", "application/octet-stream")


def _operations() -> list:
    schema = schemathesis.openapi.from_path(str(SPEC_PATH))
    app = EngineApp()
    found = [result.ok() for result in schema.get_all_operations()]
    return [operation for operation in found if _implemented(app, operation.method.upper(), operation.path)]


OPERATIONS = _operations()


def test_the_fuzz_run_covers_the_operations_the_mock_implements():
    covered = {(operation.method.upper(), operation.path) for operation in OPERATIONS}
    assert {("GET", "/_ping"), ("POST", "/containers/create"), ("GET", "/containers/{id}/logs"),
            ("GET", "/containers/json"), ("POST", "/images/create")} <= covered


def _check(operation, case, response) -> None:
    method, template, status = operation.method.upper(), operation.path, response.status_code
    documented = spec()["paths"][template][method.lower()]["responses"]
    if status >= 500 and status not in documented:
        # Only the spec's own 5xx (a swarm operation's 503 outside a swarm) and the mock's stated 501s.
        message = _message(response.content)
        assert status == 501 and NOT_IMPLEMENTED.search(message), (
            f"{method} {case.formatted_path} {case.query} answered {status}: {response.content[:300]!r}")
    if status not in documented or (method, template, status) in SPEC_MISTAKES:
        return
    if not response.headers.get("Content-Type", "").startswith("application/json"):
        return
    validate(method, template, status, response.content)


def _message(body: bytes) -> str:
    try:
        decoded = json.loads(body)
    except ValueError:
        return ""
    return decoded.get("message", "") if isinstance(decoded, dict) else ""


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: f"{op.method.upper()} {op.path}")
def test_fuzzed_requests_get_no_5xx_and_answers_that_match_the_spec(fuzz_engine, operation):
    host, port = fuzz_engine.tcp_address
    base_url = f"http://{host}:{port}/v1.55"
    deadline = time.monotonic() + RUN_BUDGET_SECONDS / max(1, len(OPERATIONS))

    examples = iter(range(EXAMPLES_PER_OPERATION * 100))

    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def run(case) -> None:
        if time.monotonic() > deadline:
            return  # this operation's share of the time is spent
        if operation.method.upper() == "GET" and case.path_parameters and next(examples) % 2:
            # Every other read names what exists, so that the answers checked are not only 404s.
            case.path_parameters = {name: KNOWN[name] for name in case.path_parameters}
        if operation.path in ENDLESS_STREAMS:
            # A stream that only ends when asked: it is asked to end a moment from now.
            case.query = {**(case.query or {}), "until": f"{time.time() + 0.2:.3f}"}
        response = case.call(base_url=base_url, timeout=10)
        _check(operation, case, response)

    run()


@pytest.fixture(scope="module")
def fuzz_engine():
    engine, folder = start_mock_engine()
    try:
        pull(engine, "hello-world")
        container = create(engine, HELLO_CREATE, name=KNOWN["id"]).json()["Id"]
        call(engine, "POST", f"/containers/{container}/start")
        call(engine, "POST", f"/containers/{container}/wait")
        yield engine
    finally:
        engine.stop()
        shutil.rmtree(folder, ignore_errors=True)
