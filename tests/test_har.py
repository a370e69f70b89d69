"""HAR 1.2 export of real runs (valid against the HAR schema, faithful to the wire) and import with its refusals."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT6

from hellotrace.docker_host import parse_docker_host
from hellotrace.har import HarError, build_har, har_bytes, parse_har
from hellotrace.replay import STEPS, Replay

SCHEMAS = Path(__file__).parent / "vendor" / "har-schema-2.0.0"


def har_validator() -> jsonschema.Validator:
    resources = []
    for path in SCHEMAS.glob("*.json"):
        schema = json.loads(path.read_text())
        resources.append((path.name, Resource.from_contents(schema, default_specification=DRAFT6)))
    registry = Registry().with_resources(resources)
    root = json.loads((SCHEMAS / "har.json").read_text())
    return jsonschema.Draft6Validator(root, registry=registry, format_checker=jsonschema.FormatChecker())


def check_har(document: dict) -> None:
    """The vendored schema, plus what it writes as `min` (not a JSON Schema keyword) and HAR's sum rule."""
    errors = sorted(har_validator().iter_errors(document), key=str)
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]
    for entry in document["log"]["entries"]:
        timings = entry["timings"]
        assert all(value >= -1 for value in timings.values())
        assert all(timings[phase] >= 0 for phase in ("send", "wait", "receive"))
        assert entry["time"] == pytest.approx(sum(v for v in timings.values() if v > 0), abs=0.01)


def replay_sections(mock_engine, sequence: str, token: str) -> tuple[Replay, list]:
    replay = Replay(parse_docker_host(mock_engine.sandbox_host(token)), sequence)
    replay.start("all", background=False)
    return replay, [(f"Step {step}", replay.steps[step].exchanges) for step in STEPS]


@pytest.mark.parametrize("sequence", ["recipe", "cli"])
def test_a_replay_exports_as_valid_har_and_reads_back_the_same(mock_engine, sequence):
    replay, sections = replay_sections(mock_engine, sequence, f"har-{sequence}")
    document = build_har(sections)
    check_har(document)
    unique = list({id(ex): ex for _, exchanges in sections for ex in exchanges}.values())
    entries = document["log"]["entries"]
    assert len(entries) == len(unique)
    # The CLI's step 4 only continues attach and wait, which step 3 opened: no new entry, so no page.
    pages = [f"Step {n}" for n in STEPS if sequence == "recipe" or n < 4]
    assert [page["title"] for page in document["log"]["pages"]] == pages
    for entry, exchange in zip(entries, unique, strict=True):
        assert entry["request"]["method"] == exchange.method
        assert entry["request"]["url"].endswith(exchange.target)
        assert entry["response"]["status"] == exchange.status
        assert [(h["name"], h["value"]) for h in entry["request"]["headers"]] == list(exchange.request.headers)
        assert entry["response"]["headersSize"] == len(exchange.response.head)
    imported = parse_har(har_bytes(document))
    assert imported.creator.startswith("hellotrace")
    assert len(imported.exchanges) == len(unique)
    for back, exchange in zip(imported.exchanges, unique, strict=True):
        assert (back.method, back.target, back.status) == (exchange.method, exchange.target, exchange.status)
        assert back.address.normalized == exchange.address.normalized
        assert back.response.body == exchange.response.body
        assert back.stream == exchange.stream
        assert [f.frame.payload for f in back.frames] == [f.frame.payload for f in exchange.frames]
        assert len(back.json_lines) == len(exchange.json_lines)
    assert imported.pages[1] == "Step 1"


def test_binary_streams_are_base64_and_the_101_is_kept(mock_engine):
    _, sections = replay_sections(mock_engine, "cli", "har-binary")
    entries = build_har(sections)["log"]["entries"]
    attach = next(e for e in entries if "/attach" in e["request"]["url"])
    assert attach["response"]["status"] == 101 and attach["_stream"] == "stdcopy"
    content = attach["response"]["content"]
    assert content["encoding"] == "base64"
    raw = base64.b64decode(content["text"])
    assert raw[:1] == b"\x01" and raw[4:8] == len(raw[8:8 + int.from_bytes(raw[4:8], "big")]).to_bytes(4, "big")
    assert b"Hello from" in raw


def test_a_call_without_answer_is_status_0_and_still_valid():
    from hellotrace.tracing import TracedClient

    with TracedClient(parse_docker_host("unix:///nonexistent/docker.sock")) as client:
        failed = client.version()
    document = build_har([("", [failed])])
    check_har(document)
    entry = document["log"]["entries"][0]
    assert entry["response"]["status"] == 0 and entry["_error"]
    assert "pages" not in document["log"]
    assert parse_har(har_bytes(document)).exchanges[0].response is None


def minimal(entries: list) -> bytes:
    log = {"version": "1.2", "creator": {"name": "x", "version": "1"}, "entries": entries}
    return json.dumps({"log": log}).encode()


def entry(**response) -> dict:
    return {"startedDateTime": "2026-01-01T00:00:00.000Z", "time": 1, "cache": {},
            "timings": {"send": 0, "wait": 1, "receive": 0},
            "request": {"method": "GET", "url": "http://127.0.0.1:2375/v1.55/_ping", "httpVersion": "HTTP/1.1",
                        "cookies": [], "headers": [], "queryString": [], "headersSize": -1, "bodySize": 0},
            "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "cookies": [],
                         "headers": [{"name": "Api-Version", "value": "1.55"}],
                         "content": {"size": 2, "mimeType": "text/plain", "text": "OK"}, "redirectURL": "",
                         "headersSize": -1, "bodySize": 2, **response}}


def test_a_file_from_another_tool_is_read():
    imported = parse_har(minimal([entry()]))
    exchange = imported.exchanges[0]
    assert exchange.address.normalized == "tcp://127.0.0.1:2375"
    assert exchange.response.header("Api-Version") == "1.55" and exchange.response.body == b"OK"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"\xff\xfe not text", "not-json"),
        (b"<html>hello</html>", "not-json"),
        (b'{"log": {"version": "1.2"}}', "not-har"),
        (b'[1, 2]', "not-har"),
        (b'{"log": {"version": "2.0", "entries": []}}', "version"),
        (minimal([entry(status="200")]), "bad-entry"),
        (minimal([entry(content={"size": 1, "mimeType": "x", "text": "@@", "encoding": "base64"})]), "bad-entry"),
        (minimal([{"request": {}}]), "bad-entry"),
        (minimal([entry()] * 3), "too-many"),
        (b" " * 40, "empty"),
        (b"{" * 60, "too-big"),
    ],
)
def test_what_is_not_har_is_refused_with_a_reason(data, code):
    with pytest.raises(HarError) as caught:
        parse_har(data, max_entries=2, max_bytes=50 if code == "too-big" else 100_000)
    assert caught.value.code == code
