"""Docker image references, parsed and normalized the way the daemon does it.

The grammar, the normalization of familiar names (``hello-world`` ->
``docker.io/library/hello-world:latest``) and every error text follow
``github.com/distribution/reference`` v0.6 (``ParseNormalizedNamed``, ``TagNameOnly``,
``WithTag``, ``WithDigest``) and the digest rules of ``github.com/opencontainers/go-digest``
v1.0, the versions Docker Engine 29 vendors. Being exact matters: the docker CLI shows these
texts verbatim (``docker: Error response from daemon: invalid reference format``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_DOMAIN = "docker.io"
LEGACY_DEFAULT_DOMAIN = "index.docker.io"
OFFICIAL_REPO_PREFIX = "library/"
DEFAULT_TAG = "latest"
REPOSITORY_NAME_MAX_LENGTH = 255

# Pieces of the reference grammar (distribution/reference regexp.go). Go's \w and
# [[:xdigit:]] are ASCII-only, hence re.ASCII and the explicit hex class below.
_ALPHANUMERIC = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|[-]+)"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN_NAME = _DOMAIN_COMPONENT + r"(?:\." + _DOMAIN_COMPONENT + r")*"
_IPV6 = r"\[(?:[a-fA-F0-9:]+)\]"
_DOMAIN_AND_PORT = r"(?:" + _DOMAIN_NAME + "|" + _IPV6 + r")(?::[0-9]+)?"
_PATH_COMPONENT = _ALPHANUMERIC + r"(?:" + _SEPARATOR + _ALPHANUMERIC + r")*"
_REMOTE_NAME = _PATH_COMPONENT + r"(?:/" + _PATH_COMPONENT + r")*"
_NAME = r"(?:" + _DOMAIN_AND_PORT + r"/)?" + _REMOTE_NAME
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9A-Fa-f]{32,}"

_REFERENCE_RE = re.compile(
    r"(" + _NAME + r")(?::(" + _TAG + r"))?(?:@(" + _DIGEST + r"))?", re.ASCII
)
_NAME_RE = re.compile(r"(?:(" + _DOMAIN_AND_PORT + r")/)?(" + _REMOTE_NAME + r")", re.ASCII)
_TAG_RE = re.compile(_TAG, re.ASCII)
_DIGEST_RE = re.compile(_DIGEST, re.ASCII)
_IDENTIFIER_RE = re.compile(r"[a-f0-9]{64}")

# go-digest v1.0: the algorithms the daemon can verify, their hex length, and the loose
# shape a digest must have before "unsupported" (rather than "invalid format") is said.
_DIGEST_HEX_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}
_GO_DIGEST_SHAPE_RE = re.compile(r"[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+")
_LOWER_HEX_RE = re.compile(r"[a-f0-9]+")


class InvalidReference(ValueError):
    """A name the daemon refuses with 400 (InvalidParameter); str() is Docker's exact text."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ImageReference:
    """A normalized image reference: ``domain/path[:tag][@digest]``.

    ``tag`` and ``digest`` are both None only for a name-only reference, which the pull API
    produces when ``tag`` is empty (it means "every tag of the repository").
    """

    domain: str
    path: str
    tag: str | None = None
    digest: str | None = None

    @property
    def full_name(self) -> str:
        """``docker.io/library/hello-world``: what the CLI sends as ``fromImage``."""
        return f"{self.domain}/{self.path}"

    @property
    def repository_path(self) -> str:
        """``library/hello-world``: the path the registry serves, shown in "Pulling from …"."""
        return self.path

    @property
    def familiar_name(self) -> str:
        """``hello-world``, ``someone/app``, ``ghcr.io/x/y``: Docker Hub's prefixes dropped."""
        if self.domain != DEFAULT_DOMAIN:
            return self.full_name
        if self.path.startswith(OFFICIAL_REPO_PREFIX):
            rest = self.path[len(OFFICIAL_REPO_PREFIX):]
            if "/" not in rest:
                return rest
        return self.path

    @property
    def familiar(self) -> str:
        """``hello-world:latest``, ``busybox@sha256:…``: how the daemon names it in messages."""
        return self.familiar_name + self._suffix()

    @property
    def canonical(self) -> str:
        """``docker.io/library/hello-world:latest``: the full form (Go's ``ref.String()``)."""
        return self.full_name + self._suffix()

    @property
    def is_name_only(self) -> bool:
        """True when neither tag nor digest is set (a pull of every tag)."""
        return self.tag is None and self.digest is None

    def _suffix(self) -> str:
        suffix = f":{self.tag}" if self.tag is not None else ""
        if self.digest is not None:
            suffix += f"@{self.digest}"
        return suffix

    def __str__(self) -> str:
        return self.canonical


def parse_reference(text: str) -> ImageReference:
    """Parse a user-given image name like ``docker run`` does; a missing tag becomes ``latest``."""
    ref = parse_normalized_named(text)
    if ref.is_name_only:
        return ImageReference(ref.domain, ref.path, DEFAULT_TAG, None)
    return ref


def parse_normalized_named(text: str) -> ImageReference:
    """Docker's ``ParseNormalizedNamed``: normalize the name but add no default tag."""
    if _IDENTIFIER_RE.fullmatch(text):
        raise InvalidReference(
            f"invalid repository name ({text}), cannot specify 64-byte hexadecimal strings"
        )
    domain, remainder = _split_docker_domain(text)
    remote = remainder.split(":", 1)[0]
    if remote.lower() != remote:
        raise InvalidReference(
            f"invalid reference format: repository name ({remote}) must be lowercase"
        )
    return _parse(f"{domain}/{remainder}")


def pull_reference(from_image: str, tag: str) -> ImageReference:
    """Combine the pull API's ``fromImage`` and ``tag`` query parameters like the daemon.

    ``tag`` may be a tag or a digest; a digest replaces any tag or digest in ``from_image``.
    An empty ``tag`` keeps ``from_image`` as it is, so ``fromImage=alpine`` alone gives a
    name-only reference: the daemon then pulls every tag of the repository. A single trailing
    ``:`` (what ``docker pull -a`` may send) is ignored.
    """
    ref = parse_normalized_named(from_image.removesuffix(":"))
    if not tag:
        return ref
    if _digest_error(tag) is None:
        return ImageReference(ref.domain, ref.path, None, tag)
    if not _TAG_RE.fullmatch(tag):
        raise InvalidReference("invalid tag format")
    return ImageReference(ref.domain, ref.path, tag, ref.digest)


def _split_docker_domain(name: str) -> tuple[str, str]:
    """Tell a registry host from a Docker Hub namespace, as ``splitDockerDomain`` does."""
    maybe_domain, slash, maybe_remote = name.partition("/")
    if not slash:
        return DEFAULT_DOMAIN, OFFICIAL_REPO_PREFIX + name
    if maybe_domain == "localhost":
        domain, remote = maybe_domain, maybe_remote
    elif maybe_domain == LEGACY_DEFAULT_DOMAIN:
        domain, remote = DEFAULT_DOMAIN, maybe_remote
    elif "." in maybe_domain or ":" in maybe_domain:
        domain, remote = maybe_domain, maybe_remote
    elif maybe_domain.lower() != maybe_domain:
        domain, remote = maybe_domain, maybe_remote
    else:
        domain, remote = DEFAULT_DOMAIN, name
    if domain == DEFAULT_DOMAIN and "/" not in remote:
        remote = OFFICIAL_REPO_PREFIX + remote
    return domain, remote


def _parse(text: str) -> ImageReference:
    """``reference.Parse`` on an already domain-qualified string."""
    match = _REFERENCE_RE.fullmatch(text)
    if match is None:
        if _REFERENCE_RE.fullmatch(text.lower()):
            raise InvalidReference("repository name must be lowercase")
        raise InvalidReference("invalid reference format")
    name, tag, digest = match.groups()
    name_match = _NAME_RE.fullmatch(name)
    assert name_match is not None  # the reference pattern embeds the name pattern
    domain, path = name_match.group(1) or "", name_match.group(2)
    if len(path) > REPOSITORY_NAME_MAX_LENGTH:
        raise InvalidReference(
            f"repository name must not be more than {REPOSITORY_NAME_MAX_LENGTH} characters"
        )
    if digest is not None:
        error = _digest_error(digest)
        if error is not None:
            raise InvalidReference(error)
    return ImageReference(domain, path, tag, digest)


def _digest_error(text: str) -> str | None:
    """go-digest's ``Digest.Validate`` followed by the reference's own digest pattern."""
    algorithm, sep, encoded = text.partition(":")
    if not algorithm or not sep or not encoded:
        return "invalid checksum digest format"
    length = _DIGEST_HEX_LENGTHS.get(algorithm)
    if length is None:
        if not _GO_DIGEST_SHAPE_RE.fullmatch(text):
            return "invalid checksum digest format"
        return "unsupported digest algorithm"
    if len(encoded) != length:
        return "invalid checksum digest length"
    if not _LOWER_HEX_RE.fullmatch(encoded) or not _DIGEST_RE.fullmatch(text):
        return "invalid checksum digest format"
    return None
