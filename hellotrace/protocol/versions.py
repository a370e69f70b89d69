"""Engine API versions: what the mock advertises and accepts, and how to compare them.

Docker 29.7 advertises API 1.55 and, by default, accepts 1.40 and above (engine-api-notes §1).
"""

from __future__ import annotations

from hellotrace.protocol.gostrconv import atoi, atoi_with_error

ENGINE_VERSION = "29.7.2"
MAX_API_VERSION = "1.55"
MIN_API_VERSION = "1.40"
# The highest API version docker CLI 28.2.2 speaks (moby client `api.DefaultVersion`): the CLI the lab and the
# replay's sequence "what the docker CLI really sends" follow, and the one on the students' machines. Against
# the mock it settles on 1.50, the lower of the two.
CLI_API_VERSION = "1.50"
# Below this the daemon's version middleware sends its error as text/plain, not JSON.
ABSOLUTE_MIN_API_VERSION = "1.24"
# From this version on, non-TTY attach/logs streams are labelled multiplexed rather than raw.
MULTIPLEXED_CONTENT_TYPE_SINCE = "1.42"


def compare_api_versions(a: str, b: str) -> int:
    """moby's `versions.compare`: -1, 0 or 1, number by number between the dots, a missing number being 0. Each
    is what strconv.Atoi returns with its error ignored, as moby does: 0 for anything but digits, the largest
    int64 for too many of them (so "1.55.1" is newer than "1.55", and "1.5555…" too new rather than too old)."""
    if a == b:
        return 0
    ours, theirs = a.split("."), b.split(".")
    for index in range(max(len(ours), len(theirs))):
        mine = atoi_with_error(ours[index])[0] if index < len(ours) else 0
        other = atoi_with_error(theirs[index])[0] if index < len(theirs) else 0
        if mine != other:
            return 1 if mine > other else -1
    return 0


def api_version_less(a: str, b: str) -> bool:
    """True when version a is older than version b (moby's `versions.LessThan`)."""
    return compare_api_versions(a, b) < 0


def negotiate(client_max: str, server_advertised: str | None) -> str:
    """The client's rule: min(client max, server's Api-Version); its own max when the server says nothing."""
    if not server_advertised:
        return client_max
    return server_advertised if api_version_less(server_advertised, client_max) else client_max


class InvalidApiVersion(ValueError):
    """An API version the moby client refuses (`WithAPIVersion`, `WithAPIVersionFromEnv`): `reason` is its
    text, `cli_output` the docker CLI's whole line."""

    def __init__(self, given: str, reason: str) -> None:
        super().__init__(f"invalid API version ({given}): {reason}")
        self.given = given
        self.reason = reason

    @property
    def cli_output(self) -> str:
        return f"Failed to initialize: {self}"


def client_api_version(text: str) -> str | None:
    """A version given to the client (DOCKER_API_VERSION or an option), read as moby's `WithAPIVersion` reads
    it: spaces trimmed and one leading `v` dropped, then `parse_api_version_text`. None when empty (the client
    negotiates); InvalidApiVersion with moby's text otherwise."""
    given = text.strip()
    value = given.removeprefix("v")
    if not value:
        return None
    try:
        return parse_api_version_text(value)
    except InvalidApiVersion as error:
        raise InvalidApiVersion(given, error.reason) from None


def parse_api_version_text(text: str) -> str:
    """moby's client `parseAPIVersion` (used on options and on the daemon's Api-Version header): two Go
    integers around a dot, normalized ("01.041" is "1.41"); InvalidApiVersion with moby's text otherwise."""
    if not text.strip().removeprefix("v"):
        raise InvalidApiVersion(text, "value is empty")
    if text.startswith("v"):
        raise InvalidApiVersion(text, "must be formatted <major>.<minor>")
    major_text, dot, minor_text = text.partition(".")
    if not dot:
        raise InvalidApiVersion(text, "must be formatted <major>.<minor>")
    major, minor = atoi(major_text), atoi(minor_text)
    if major is None:
        raise InvalidApiVersion(text, "invalid major version: must be formatted <major>.<minor>")
    if minor is None:
        raise InvalidApiVersion(text, "invalid minor version: must be formatted <major>.<minor>")
    return f"{major}.{minor}"
