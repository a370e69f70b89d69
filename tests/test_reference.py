"""Image references: normalization and error texts, as distribution/reference v0.6 gives them.

Every expected text below was checked against the real docker CLI 28.x, which parses with the
same library the daemon vendors.
"""

from __future__ import annotations

import pytest

from hellotrace.protocol.reference import ImageReference, InvalidReference, parse_reference, pull_reference

DIGEST = "sha256:" + "a" * 64
OTHER_DIGEST = "sha256:" + "b" * 64


@pytest.mark.parametrize(
    ("text", "domain", "path", "tag", "digest"),
    [
        ("hello-world", "docker.io", "library/hello-world", "latest", None),
        ("alpine:3.21", "docker.io", "library/alpine", "3.21", None),
        ("docker.io/library/alpine", "docker.io", "library/alpine", "latest", None),
        ("docker.io/alpine", "docker.io", "library/alpine", "latest", None),
        ("index.docker.io/alpine:edge", "docker.io", "library/alpine", "edge", None),
        ("library/busybox", "docker.io", "library/busybox", "latest", None),
        (f"busybox@{DIGEST}", "docker.io", "library/busybox", None, DIGEST),
        (f"busybox:1.36@{DIGEST}", "docker.io", "library/busybox", "1.36", DIGEST),
        ("someone/app:v1.0_rc-2", "docker.io", "someone/app", "v1.0_rc-2", None),
        ("localhost/foo", "localhost", "foo", "latest", None),
        ("localhost:5000/foo", "localhost:5000", "foo", "latest", None),
        ("ghcr.io/x/y", "ghcr.io", "x/y", "latest", None),
        ("registry.example.com:443/team/app:1", "registry.example.com:443", "team/app", "1", None),
        ("[::1]:5000/foo", "[::1]:5000", "foo", "latest", None),
        ("Abc/def", "Abc", "def", "latest", None),  # an upper-case first element is a host
        ("a__b/c--d/e.f", "docker.io", "a__b/c--d/e.f", "latest", None),
        ("alpine:Latest", "docker.io", "library/alpine", "Latest", None),  # tags may hold capitals
    ],
)
def test_normalizes_like_docker(text: str, domain: str, path: str, tag: str | None, digest: str | None) -> None:
    assert parse_reference(text) == ImageReference(domain, path, tag, digest)


@pytest.mark.parametrize(
    ("text", "familiar", "full_name", "canonical"),
    [
        ("hello-world", "hello-world:latest", "docker.io/library/hello-world", "docker.io/library/hello-world:latest"),
        ("alpine:3.21", "alpine:3.21", "docker.io/library/alpine", "docker.io/library/alpine:3.21"),
        ("someone/app", "someone/app:latest", "docker.io/someone/app", "docker.io/someone/app:latest"),
        ("library/a/b", "library/a/b:latest", "docker.io/library/a/b", "docker.io/library/a/b:latest"),
        ("ghcr.io/x/y", "ghcr.io/x/y:latest", "ghcr.io/x/y", "ghcr.io/x/y:latest"),
        (f"busybox@{DIGEST}", f"busybox@{DIGEST}", "docker.io/library/busybox", f"docker.io/library/busybox@{DIGEST}"),
        (
            f"busybox:1.36@{DIGEST}",
            f"busybox:1.36@{DIGEST}",
            "docker.io/library/busybox",
            f"docker.io/library/busybox:1.36@{DIGEST}",
        ),
    ],
)
def test_names(text: str, familiar: str, full_name: str, canonical: str) -> None:
    ref = parse_reference(text)
    assert ref.familiar == familiar
    assert ref.full_name == full_name
    assert ref.canonical == canonical == str(ref)


def test_repository_path_and_familiar_name() -> None:
    ref = parse_reference("hello-world")
    assert ref.repository_path == "library/hello-world"
    assert ref.familiar_name == "hello-world"
    assert parse_reference("localhost:5000/foo:1").familiar_name == "localhost:5000/foo"
    assert not ref.is_name_only


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "invalid reference format"),
        ("foo:", "invalid reference format"),
        ("x/y:bad tag", "invalid reference format"),
        ("-alpine", "invalid reference format"),
        ("alpine:" + "t" * 129, "invalid reference format"),
        ("foo@sha256:abc", "invalid reference format"),
        ("Alpine", "invalid reference format: repository name (library/Alpine) must be lowercase"),
        ("docker.io/Library/alpine", "invalid reference format: repository name (Library/alpine) must be lowercase"),
        (
            "foo@SHA256:" + "a" * 64,
            "invalid reference format: repository name (library/foo@SHA256) must be lowercase",
        ),
        ("FOO__BAR/baz", "repository name must be lowercase"),
        ("a" * 64, f"invalid repository name ({'a' * 64}), cannot specify 64-byte hexadecimal strings"),
        ("x/" + "a" * 260, "repository name must not be more than 255 characters"),
        ("foo@sha256:" + "a" * 40, "invalid checksum digest length"),
        ("foo@sha256:" + "A" * 64, "invalid checksum digest format"),
        ("foo@md5:" + "a" * 32, "unsupported digest algorithm"),
    ],
)
def test_invalid_references_say_what_docker_says(text: str, message: str) -> None:
    with pytest.raises(InvalidReference) as caught:
        parse_reference(text)
    assert caught.value.message == str(caught.value) == message


@pytest.mark.parametrize(
    ("from_image", "tag", "expected"),
    [
        ("docker.io/library/hello-world", "latest", ImageReference("docker.io", "library/hello-world", "latest")),
        ("hello-world", "linux", ImageReference("docker.io", "library/hello-world", "linux")),
        ("alpine:3.21", "", ImageReference("docker.io", "library/alpine", "3.21")),
        ("alpine:3.21", "edge", ImageReference("docker.io", "library/alpine", "edge")),
        ("busybox", DIGEST, ImageReference("docker.io", "library/busybox", None, DIGEST)),
        ("busybox:1.36", DIGEST, ImageReference("docker.io", "library/busybox", None, DIGEST)),
        (f"busybox@{OTHER_DIGEST}", DIGEST, ImageReference("docker.io", "library/busybox", None, DIGEST)),
        (f"busybox@{DIGEST}", "1.36", ImageReference("docker.io", "library/busybox", "1.36", DIGEST)),
        ("docker.io/library/alpine", "", ImageReference("docker.io", "library/alpine")),
        ("docker.io/library/alpine:", "", ImageReference("docker.io", "library/alpine")),
    ],
)
def test_pull_reference_combines_from_image_and_tag(from_image: str, tag: str, expected: ImageReference) -> None:
    assert pull_reference(from_image, tag) == expected


def test_an_empty_tag_means_every_tag() -> None:
    ref = pull_reference("alpine", "")
    assert ref.is_name_only
    assert ref.familiar == "alpine"
    assert ref.canonical == "docker.io/library/alpine"


@pytest.mark.parametrize(
    ("from_image", "tag", "message"),
    [
        ("alpine", "bad tag", "invalid tag format"),
        ("alpine", "sha256:abc", "invalid tag format"),
        ("alpine", "md5:" + "a" * 32, "invalid tag format"),
        ("Alpine", "latest", "invalid reference format: repository name (library/Alpine) must be lowercase"),
        ("alpine::", "", "invalid reference format"),
    ],
)
def test_pull_reference_errors(from_image: str, tag: str, message: str) -> None:
    with pytest.raises(InvalidReference, match="^" + message.replace("(", r"\(").replace(")", r"\)") + "$"):
        pull_reference(from_image, tag)


def test_references_are_values() -> None:
    assert parse_reference("alpine") == parse_reference("docker.io/library/alpine:latest")
    assert len({parse_reference("alpine"), parse_reference("library/alpine")}) == 1
    with pytest.raises(AttributeError):
        parse_reference("alpine").tag = "edge"  # type: ignore[misc]
