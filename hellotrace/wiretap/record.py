"""One exchange as it reached a daemon, with what a trace reader or a challenge checker asks about it.

Most sandboxes' exchanges are never looked at, so a record keeps only what the store, the grouping into
command runs and the roster need (method, target, status, User-Agent, times) and the bytes that crossed, in
`source` (compressed once the exchange is over). The full wire view, `exchange` (the same `Exchange` the
replay shows, so the same card, curl, diagram and HAR export serve both), and `client_stream` (what the client
wrote on the hijacked connection after a `101 UPGRADED`) are parsed from those bytes when first read, and kept
while someone reads them (see `MemoryTraceStore.sweep`).
"""

from __future__ import annotations

import json
import re
import sys
from typing import TYPE_CHECKING, Protocol
from urllib.parse import parse_qs

from hellotrace.engine.sandbox import DEFAULT_SANDBOX

if TYPE_CHECKING:
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


class ParsedView(Protocol):
    exchange: Exchange
    client_stream: CappedBytes


class Source(Protocol):
    """Where a record's bytes are kept (`conversation.Journal`)."""

    size: int

    def view(self) -> ParsedView:
        """The full parse of the bytes so far (kept until `release`)."""

    def release(self) -> None:
        """Forget the full parse of a finished exchange (it is made again when next read)."""

    def request_headers(self) -> list[tuple[str, str]]:
        """The request's headers, as they arrived."""

    def request_body(self) -> bytes:
        """The request's body (chunk framing removed), capped like the other recordings."""


class TracedExchange:
    """An exchange seen at the daemon. `status` and `finished` fill in while it runs.

    `seq` orders all exchanges of a store (set when the store receives it); `number` counts the sandbox's own
    from 1 (what its reader sees: another sandbox's exchanges leave no gap); `received_at` is the wall-clock
    time (epoch seconds) at which the request's first bytes reached the daemon; `connection` numbers the
    connection it came on (0: not known); `invocation` numbers the command runs of the sandbox (a docker CLI
    run starts with its `/_ping`).
    """

    __slots__ = ("sandbox", "received_at", "method", "target", "user_agent", "source", "status", "finished",
                 "seq", "number", "invocation", "version", "connection")

    def __init__(self, sandbox: str, received_at: float, method: str, target: str, user_agent: str | None,
                 source: Source, connection: int = 0) -> None:
        self.sandbox = sys.intern(sandbox)
        self.received_at = received_at
        self.method = sys.intern(method)
        self.target = target
        self.user_agent = sys.intern(user_agent) if user_agent is not None else None  # the same few everywhere
        self.source = source
        self.status: int | None = None
        self.finished = False
        self.seq = 0
        self.number = 0
        self.invocation = 0
        self.version = 0  # store-wide counter of the last change, for live readers
        self.connection = connection

    @property
    def exchange(self) -> Exchange:
        """The full wire view: request, response, decoded lines or frames, timings, error."""
        exchange = self.source.view().exchange
        exchange.number = self.number or self.seq
        return exchange

    @property
    def client_stream(self) -> CappedBytes:
        """What the client wrote after the 101, capped like the other recordings."""
        return self.source.view().client_stream

    @property
    def api_version(self) -> str | None:
        return split_target(self.target)[1]

    @property
    def path(self) -> str:
        """The endpoint without sandbox and version prefixes: "/containers/json"."""
        return split_target(self.target)[2]

    @property
    def request_line(self) -> str:
        """Method, path and query as sent but for the sandbox prefix: `GET /v1.51/containers/json?all=1`. The
        version stays: `/v1.12/version`, `/v9.99/version` and `/version` get different answers."""
        _, version, path, query = split_target(self.target)
        return f"{self.method} {f'/v{version}' if version else ''}{path}" + (f"?{query}" if query else "")

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(split_target(self.target)[3], keep_blank_values=True)

    def request_header(self, name: str) -> str | None:
        """A request header as it arrived (first value, name compared case-insensitively)."""
        lowered = name.lower()
        if lowered == "user-agent":
            return self.user_agent
        return next((value for key, value in self.source.request_headers() if key.lower() == lowered), None)

    @property
    def request_body(self) -> bytes:
        return self.source.request_body()

    @property
    def response_body(self) -> bytes:
        """The decoded response body (chunk framing removed; after a 101, the daemon's side of the stream)."""
        response = self.exchange.response
        return response.body if response else b""

    @property
    def answered_id(self) -> str:
        """The object ID the answer's JSON names ("Id": a create's, an inspect's), or "" when it names none."""
        try:
            answered = json.loads(self.response_body or b"{}")
        except ValueError:
            return ""
        found = answered.get("Id", "") if isinstance(answered, dict) else ""
        return found if isinstance(found, str) else ""

    @property
    def hijacked(self) -> bool:
        return self.status == 101
