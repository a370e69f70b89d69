"""One exchange as it reached a daemon, with what a trace reader or a challenge checker asks about it.

The wire view is an ordinary `Exchange` (the same one the replay shows, so the same card, curl, diagram and
HAR export serve both). Around it: whose sandbox it reached, when, its store order, which command invocation
it belongs to, and, after a `101 UPGRADED`, what the client wrote on the hijacked connection.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from hellotrace.engine.sandbox import DEFAULT_SANDBOX
from hellotrace.tracing import Exchange
from hellotrace.tracing.wire import CappedBytes

_SANDBOX_PREFIX = re.compile(r"^/sandboxes/([^/?]+)(/[^?]*)?")
_VERSION_PREFIX = re.compile(r"^/v([0-9.]+)(/.*)$")


def split_target(target: str) -> tuple[str, str | None, str, str]:
    """`/sandboxes/<token>/v1.51/containers/json?all=1` → (sandbox, "1.51", "/containers/json", "all=1").

    The same prefixes the engine strips (sandbox first, then the API version); no prefix is the default sandbox.
    """
    path, _, query = target.partition("?")
    sandbox = DEFAULT_SANDBOX
    prefixed = _SANDBOX_PREFIX.match(path)
    if prefixed:
        sandbox, path = prefixed.group(1), prefixed.group(2) or "/"
    version = None
    versioned = _VERSION_PREFIX.match(path)
    if versioned:
        version, path = versioned.group(1), versioned.group(2)
    return sandbox, version, path, query


@dataclass(eq=False)
class TracedExchange:
    """An exchange seen at the daemon. Fields fill in while it runs; `exchange.finished` says it is over.

    `seq` orders all exchanges of a store (set when the store receives it); `received_at` is the wall-clock
    time (epoch seconds) at which the request's first bytes reached the daemon; `invocation` numbers the
    command runs of the sandbox (a docker CLI run starts with its `/_ping`).
    """

    exchange: Exchange
    sandbox: str
    received_at: float
    client_stream: CappedBytes  # what the client wrote after the 101, capped like the other recordings
    seq: int = 0
    invocation: int = 0
    version: int = 0  # store-wide counter of the last change, for live readers
    api_version: str | None = field(init=False)
    path: str = field(init=False)  # the endpoint without sandbox and version prefixes: "/containers/json"
    query: dict[str, list[str]] = field(init=False)

    def __post_init__(self) -> None:
        _, self.api_version, self.path, query = split_target(self.exchange.target)
        self.query = parse_qs(query, keep_blank_values=True)

    @property
    def method(self) -> str:
        return self.exchange.method

    @property
    def status(self) -> int | None:
        return self.exchange.status

    @property
    def finished(self) -> bool:
        return self.exchange.finished

    def request_header(self, name: str) -> str | None:
        """A request header as it arrived (first value, name compared case-insensitively)."""
        lowered = name.lower()
        return next((value for key, value in self.exchange.request_headers if key.lower() == lowered), None)

    @property
    def request_body(self) -> bytes:
        return self.exchange.request_body or b""

    @property
    def response_body(self) -> bytes:
        """The decoded response body (chunk framing removed; after a 101, the daemon's side of the stream)."""
        return self.exchange.response.body if self.exchange.response else b""

    @property
    def hijacked(self) -> bool:
        return self.status == 101
