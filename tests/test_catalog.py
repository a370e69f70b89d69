"""The simulated registry: what resolves, the daemon's pull errors, and the progress stream."""

from __future__ import annotations

import json
import re

import pytest

from hellotrace.engine import catalog
from hellotrace.engine.catalog import IMAGES, PullError, progress_messages, resolve, resolve_all_tags
from hellotrace.protocol.reference import parse_reference, pull_reference

HELLO_INDEX = "sha256:5e23090353324d887c48ad5e5c56d294eab81588df9605b07d1afe895f9cc8f8"
HELLO_MANIFEST = "sha256:d1a8d0a4eeb63aff09f5f34d4d80505e0ba81905f36158cc3970d8e07179e59e"
HELLO_CONFIG = "sha256:e2ac70e7319a02c5a477f5825259bd118b94e8b02c279c67afa63adab6d8685b"
HELLO_LAYER = "sha256:4f55086f7dd096d48b0e49be066971a8ed996521c2e190aa21b2435a847198b4"
DENIED = "pull access denied for {}, repository does not exist or may require 'docker login'"
DIGEST_RE = re.compile(r"sha256:[0-9a-f]{64}")
PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def image(name: str) -> catalog.CatalogImage:
    return resolve(parse_reference(name))


def test_hello_world_carries_the_real_registry_data() -> None:
    hello = image("hello-world")
    assert hello.index_digest == HELLO_INDEX
    assert hello.manifest_digest == HELLO_MANIFEST
    assert hello.config_digest == HELLO_CONFIG
    assert [(layer.digest, layer.size) for layer in hello.layers] == [(HELLO_LAYER, 2415)]
    assert hello.layers[0].short_id == "4f55086f7dd0"
    assert (hello.architecture, hello.os, hello.created) == ("amd64", "linux", "2026-03-23T21:33:59Z")
    assert hello.config.cmd == ("/hello",)
    assert hello.config.entrypoint is None
    assert hello.config.env == (PATH_ENV,)


@pytest.mark.parametrize(
    ("name", "cmd", "working_dir"),
    [
        ("hello-world", ("/hello",), "/"),
        ("alpine", ("/bin/sh",), "/"),
        ("alpine:edge", ("/bin/sh",), "/"),
        ("busybox", ("sh",), ""),
        ("busybox:musl", ("sh",), ""),
    ],
)
def test_image_configs_are_docker_hubs(name: str, cmd: tuple[str, ...], working_dir: str) -> None:
    config = image(name).config
    assert (config.cmd, config.working_dir, config.env, config.labels) == (cmd, working_dir, (PATH_ENV,), ())


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("alpine", "alpine:3.24"),
        ("alpine:3", "alpine:3.24.2"),
        ("alpine:3.22", "alpine:3.22.6"),
        ("alpine:edge", "alpine:20260805"),
        ("busybox", "busybox:1.38.0"),
        ("busybox:1", "busybox:1.38"),
        ("busybox:glibc", "busybox:1.38.0-glibc"),
        ("busybox:1.36", "busybox:1.36.1"),
    ],
)
def test_aliases_share_every_digest(first: str, second: str) -> None:
    assert image(first) == image(second)


@pytest.mark.parametrize(("first", "second"), [("hello-world", "hello-world:linux"), ("busybox", "busybox:glibc")])
def test_tags_of_another_index_share_the_image_but_not_the_index(first: str, second: str) -> None:
    a, b = image(first), image(second)
    assert a.index_digest != b.index_digest
    assert (a.manifest_digest, a.config_digest, a.layers) == (b.manifest_digest, b.config_digest, b.layers)


def test_different_releases_differ() -> None:
    digests = {image(name).manifest_digest for name in ("alpine", "alpine:3.23", "alpine:3.22", "alpine:3.21")}
    assert len(digests) == 4
    assert image("busybox:musl").layers != image("busybox").layers


def test_every_image_is_well_formed() -> None:
    assert {i.repository for i in IMAGES} == {"library/hello-world", "library/alpine", "library/busybox"}
    seen_tags: set[tuple[str, str]] = set()
    for entry in IMAGES:
        for digest in (entry.index_digest, entry.manifest_digest, entry.config_digest):
            assert DIGEST_RE.fullmatch(digest)
        for layer in entry.layers:
            assert DIGEST_RE.fullmatch(layer.digest) and DIGEST_RE.fullmatch(layer.diff_id)
        assert (entry.architecture, entry.os) == ("amd64", "linux")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", entry.created)
        assert entry.size > entry.download_size > 0
        for tag in entry.tags:
            assert (entry.repository, tag) not in seen_tags
            seen_tags.add((entry.repository, tag))
    assert len({entry.index_digest for entry in IMAGES}) == len(IMAGES)


def test_layer_sizes_are_realistic() -> None:
    assert 3_500_000 < image("alpine").download_size < 4_000_000
    assert 2_000_000 < image("busybox").download_size < 2_400_000


def test_resolve_by_index_digest() -> None:
    busybox = image("busybox")
    assert resolve(parse_reference(f"busybox@{busybox.index_digest}")) == busybox
    # With a tag and a digest, the digest decides (containerd resolves by digest).
    assert resolve(parse_reference(f"busybox:1.36@{busybox.index_digest}")) == busybox


def test_resolve_by_platform_manifest_digest_targets_the_manifest() -> None:
    hello = image("hello-world")
    pulled = resolve(parse_reference(f"hello-world@{HELLO_MANIFEST}"))
    assert pulled.index_digest == HELLO_MANIFEST
    assert pulled.tags == ()
    assert (pulled.config_digest, pulled.layers) == (hello.config_digest, hello.layers)


@pytest.mark.parametrize(
    ("name", "status", "message"),
    [
        ("nosuchimage", 404, DENIED.format("nosuchimage")),
        ("someone/app:1.0", 404, DENIED.format("someone/app")),
        ("library/a/b", 404, DENIED.format("library/a/b")),
        ("ghcr.io/x/y", 404, DENIED.format("ghcr.io/x/y")),
        ("localhost:5000/alpine", 404, DENIED.format("localhost:5000/alpine")),
        ("alpine:nosuch", 404, "docker.io/library/alpine:nosuch: not found"),
        ("hello-world:nanoserver", 404, "docker.io/library/hello-world:nanoserver: not found"),
        (f"busybox@sha256:{'f' * 64}", 404, f"docker.io/library/busybox@sha256:{'f' * 64}: not found"),
        (f"alpine@{HELLO_INDEX}", 404, f"docker.io/library/alpine@{HELLO_INDEX}: not found"),
        ("scratch", 403, "'scratch' is a reserved name"),
    ],
)
def test_pull_errors_are_the_daemons(name: str, status: int, message: str) -> None:
    with pytest.raises(PullError) as caught:
        resolve(parse_reference(name))
    assert (caught.value.status, caught.value.message, str(caught.value)) == (status, message, message)


def test_resolve_needs_a_tag_or_a_digest() -> None:
    with pytest.raises(ValueError):
        resolve(pull_reference("alpine", ""))


def test_resolve_all_tags_lists_the_repository_in_tag_order() -> None:
    pairs = resolve_all_tags(pull_reference("hello-world", ""))
    assert [(ref.familiar, img.index_digest) for ref, img in pairs] == [
        ("hello-world:latest", HELLO_INDEX),
        ("hello-world:linux", image("hello-world:linux").index_digest),
    ]
    tags = [ref.tag for ref, _ in resolve_all_tags(pull_reference("alpine", ""))]
    assert tags == sorted(tags) and {"latest", "edge", "3.21", "3.24.2"} <= set(tags)


def test_resolve_all_tags_of_an_unknown_repository() -> None:
    with pytest.raises(PullError, match="pull access denied for nosuch,"):
        resolve_all_tags(pull_reference("nosuch", ""))


def wire(messages: list[tuple[dict, float]]) -> list[str]:
    """Messages as the daemon writes them (compact JSON, Go field order kept)."""
    return [json.dumps(message, separators=(",", ":")) for message, _ in messages]


def test_hello_world_pull_stream_matches_engine_29() -> None:
    ref = parse_reference("hello-world")
    assert wire(progress_messages(image("hello-world"), ref)) == [
        '{"status":"Pulling from library/hello-world","id":"latest"}',
        '{"status":"Pulling fs layer","progressDetail":{},"id":"4f55086f7dd0"}',
        '{"status":"Downloading","progressDetail":{"current":2415,"total":2415},"id":"4f55086f7dd0"}',
        '{"status":"Download complete","progressDetail":{"hidecounts":true},"id":"4f55086f7dd0"}',
        '{"status":"Extracting","progressDetail":{"current":1,"units":"s"},"id":"4f55086f7dd0"}',
        '{"status":"Pull complete","progressDetail":{"hidecounts":true},"id":"4f55086f7dd0"}',
        f'{{"status":"Digest: {HELLO_INDEX}"}}',
        '{"status":"Status: Downloaded newer image for hello-world:latest"}',
    ]


@pytest.mark.parametrize(("name", "steps"), [("alpine", 10), ("busybox", 6)])
def test_bigger_layers_download_in_steps(name: str, steps: int) -> None:
    pulled = image(name)
    total = pulled.layers[0].size
    downloads = [m for m, _ in progress_messages(pulled, parse_reference(name)) if m["status"] == "Downloading"]
    currents = [m["progressDetail"]["current"] for m in downloads]
    assert len(downloads) == steps
    assert currents == sorted(currents) and currents[-1] == total
    assert all(m["progressDetail"]["total"] == total for m in downloads)
    assert all(list(m) == ["status", "progressDetail", "id"] for m in downloads)


def test_delays_are_paced_like_the_progress_poller() -> None:
    steps = progress_messages(image("alpine"), parse_reference("alpine"))
    assert all(delay >= 0 for _, delay in steps)
    assert steps[-1][1] == 0.0
    assert 1.0 < sum(delay for _, delay in steps) < 3.0


def test_up_to_date_pull_has_no_layer_lines() -> None:
    ref = parse_reference("alpine:3.22")
    assert wire(progress_messages(image("alpine:3.22"), ref, up_to_date=True)) == [
        '{"status":"Pulling from library/alpine","id":"3.22"}',
        f'{{"status":"Digest: {image("alpine:3.22").index_digest}"}}',
        '{"status":"Status: Image is up to date for alpine:3.22"}',
    ]


def test_a_new_tag_for_present_content_downloads_nothing() -> None:
    ref = parse_reference("alpine:3")
    lines = wire(progress_messages(image("alpine:3"), ref, layers_present=True))
    assert lines[0] == '{"status":"Pulling from library/alpine","id":"3"}'
    assert lines[-1] == '{"status":"Status: Downloaded newer image for alpine:3"}'
    assert len(lines) == 3


def test_pull_by_digest_names_the_digest() -> None:
    busybox = image("busybox")
    ref = pull_reference("docker.io/library/busybox", busybox.index_digest)
    messages = [m for m, _ in progress_messages(busybox, ref)]
    assert messages[0] == {
        "status": "Pulling from library/busybox",
        "id": f"docker.io/library/busybox@{busybox.index_digest}",
    }
    assert messages[-2] == {"status": f"Digest: {busybox.index_digest}"}
    assert messages[-1] == {"status": f"Status: Downloaded newer image for busybox@{busybox.index_digest}"}


def test_tag_and_digest_uses_the_tag_as_id() -> None:
    busybox = image("busybox")
    ref = parse_reference(f"busybox:1.38@{busybox.index_digest}")
    messages = [m for m, _ in progress_messages(busybox, ref)]
    assert messages[0]["id"] == "1.38"
    assert messages[-1]["status"] == f"Status: Downloaded newer image for busybox:1.38@{busybox.index_digest}"
