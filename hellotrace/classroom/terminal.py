"""What a student's own terminal (curl, the docker CLI) sent to their sandbox, for the teacher's roster.

The site's own requests (the replay, Try it) carry hellotrace's User-Agent; everything else that reached
the sandbox came from the student's side. A site process alone reads its own trace store (`StoreTerminals`).
Nodes behind nginx share it through Redis (`RedisTerminals`): each node's tap receiver hands every new exchange
to a `TerminalRecorder`, which appends one entry per terminal request to a capped list per visitor token (not
per sandbox: it outlives the visitor's move to another node), and any node's roster reads it."""

from __future__ import annotations

import json
import logging
import queue
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

import redis

from hellotrace.tracing import USER_AGENT
from hellotrace.wiretap import TracedExchange, TraceStore
from hellotrace.wiretap.command_lines import invocation_commands

SITE_AGENT = USER_AGENT.split("/", 1)[0] + "/"
# The tokens the site gives visitors (random hexadecimal; see hellotrace.web.visitors).
VISITOR_TOKEN = re.compile(r"[0-9a-f]{16,32}")
log = logging.getLogger("hellotrace.terminal")


@dataclass(frozen=True)
class TerminalActivity:
    requests: int = 0
    last_command: str | None = None


class Terminals(Protocol):
    def activities(self, wanted: Sequence[tuple[str, datetime]]) -> list[TerminalActivity]:
        """For each (visitor token, since) — a naive time is UTC —, the requests from that visitor's terminal
        since then, and the last command; in the same order."""


def from_terminal(record: TracedExchange) -> bool:
    return not (record.request_header("User-Agent") or "").startswith(SITE_AGENT)


def _epoch(since: datetime) -> float:
    return (since if since.tzinfo else since.replace(tzinfo=UTC)).timestamp()


def _command(records: list[TracedExchange], last: TracedExchange) -> str:
    """The command line of `last`'s invocation so far, from the terminal requests among `records`; else (curl's,
    which no docker command sent) the request itself."""
    group = [r for r in records if r.invocation == last.invocation]
    return next(iter(invocation_commands(group)), last.request_line)


class StoreTerminals:
    """This process's own trace store, where visitor `T`'s sandbox is `sandbox_of(T)`."""

    def __init__(self, store: TraceStore, sandbox_of: Callable[[str], str]) -> None:
        self.store = store
        self.sandbox_of = sandbox_of

    def activities(self, wanted: Sequence[tuple[str, datetime]]) -> list[TerminalActivity]:
        return [self._activity(visitor, since) for visitor, since in wanted]

    def _activity(self, visitor: str, since: datetime) -> TerminalActivity:
        records = [r for r in self.store.exchanges(self.sandbox_of(visitor), since=_epoch(since)) if from_terminal(r)]
        if not records:
            return TerminalActivity()
        return TerminalActivity(len(records), _command(records, records[-1]))


class RedisTerminals:
    """A list per visitor token in Redis: its last `keep` terminal requests, `{"at": epoch, "command": …}`,
    kept `ttl` seconds after the last one. Entries are written by a thread of their own, so that the tap
    receiver never waits for Redis (when Redis is away, the entries it cannot take are dropped and logged)."""

    def __init__(self, url: str, keep: int = 300, ttl: int = 24 * 3600, pending: int = 10_000) -> None:
        self._client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
        self.keep = keep
        self.ttl = ttl
        self._pending: queue.Queue[tuple[str, str]] = queue.Queue(pending)
        self._writer: threading.Thread | None = None
        self._lock = threading.Lock()

    @staticmethod
    def key(visitor: str) -> str:
        return f"hellotrace:terminal:{visitor}"

    def append(self, visitor: str, at: float, command: str) -> None:
        with self._lock:
            if self._writer is None:
                self._writer = threading.Thread(target=self._write, name="terminal-activity", daemon=True)
                self._writer.start()
        try:
            self._pending.put_nowait((visitor, json.dumps({"at": at, "command": command[:200]})))
        except queue.Full:
            log.warning("terminal activity: Redis is not keeping up; an entry for the roster was dropped")

    def _write(self) -> None:
        while True:
            visitor, entry = self._pending.get()
            key = self.key(visitor)
            try:
                with self._client.pipeline(transaction=False) as pipe:
                    pipe.rpush(key, entry).ltrim(key, -self.keep, -1).expire(key, self.ttl).execute()
            except redis.RedisError as exc:
                log.warning("terminal activity: cannot write to Redis: %s", exc)

    def activities(self, wanted: Sequence[tuple[str, datetime]]) -> list[TerminalActivity]:
        """One round trip for a whole class; while Redis is away, the roster goes on without these counts."""
        try:
            with self._client.pipeline(transaction=False) as pipe:
                for visitor, _ in wanted:
                    pipe.lrange(self.key(visitor), 0, -1)
                lists = pipe.execute()
        except redis.RedisError as exc:
            log.warning("terminal activity: cannot read from Redis: %s", exc)
            return [TerminalActivity() for _ in wanted]
        return [_summary([json.loads(item) for item in items], _epoch(since))
                for items, (_, since) in zip(lists, wanted, strict=True)]


def _summary(entries: list[dict], moment: float) -> TerminalActivity:
    recent = [entry for entry in entries if entry.get("at", 0) >= moment]
    if not recent:
        return TerminalActivity()
    return TerminalActivity(len(recent), recent[-1].get("command") or None)


class TerminalRecorder:
    """The tap receiver's observer on a node: each new exchange from a terminal to a visitor's sandbox of this
    node (`<node>-<boot><token>`, or the token alone) becomes an entry of that visitor's list in `terminals`."""

    def __init__(self, store: TraceStore, terminals: RedisTerminals, sandbox_prefix: str = "") -> None:
        self.store = store
        self.terminals = terminals
        self.prefix = sandbox_prefix  # before the token in this node's visitors' sandboxes (visitor_sandbox_prefix)

    def __call__(self, record: TracedExchange) -> None:
        token = record.sandbox.removeprefix(self.prefix) if record.sandbox.startswith(self.prefix) else ""
        if not VISITOR_TOKEN.fullmatch(token) or not from_terminal(record):
            return
        records = [r for r in self.store.exchanges(record.sandbox) if from_terminal(r)]
        self.terminals.append(token, record.received_at, _command(records, record))
