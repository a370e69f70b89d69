"""The trace store: what each sandbox received, queryable by the pages and by challenge checks.

    store.exchanges(sandbox)                 every exchange kept for that sandbox, oldest first
    store.exchanges(sandbox, since=t)        those whose request reached the daemon at or after `t` (epoch s)
    store.changes(sandbox, after, timeout)   for live pages: (version, records added or changed after `after`)

Records are `TracedExchange`s: `method`, `path` (no sandbox or version prefix), `query`, `status`,
`request_header(name)`, `request_body`, `response_body`, `finished`, and the full wire view in `exchange`.
A record still running (a stream, an attach) keeps filling in; a check should look at `finished` ones.
The full view is parsed from the record's bytes when first read; the sweep forgets it again for the
sandboxes no live page watches, so an unread trace costs its compressed bytes and a few fields.

`MemoryTraceStore` keeps a bounded window in the site's process, which is right while one site process
serves everyone. Several site processes need a shared store (a Redis stream per sandbox, say) with the same
three read methods; the writers (`add`, `changed`) are only called by the receivers in `receiver.py`.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from typing import Protocol

from hellotrace.sweeping import start_sweeper, sweep_interval
from hellotrace.wiretap.invocations import starts_invocation
from hellotrace.wiretap.record import TracedExchange


class TraceStore(Protocol):
    def add(self, record: TracedExchange) -> None:
        """A new exchange reached the daemon."""

    def changed(self, record: TracedExchange) -> None:
        """An exchange already added got more of its bytes."""

    def exchanges(self, sandbox: str, since: float | None = None) -> list[TracedExchange]:
        """The sandbox's exchanges (those received at or after `since`, when given), oldest first."""

    def changes(self, sandbox: str, after: int, timeout: float) -> tuple[int, list[TracedExchange]]:
        """Waits up to `timeout` s for news; returns the version to pass next time and what changed."""


class _Bucket:
    __slots__ = ("records", "version", "invocations", "wakeup", "active_at", "readers")

    def __init__(self, keep: int) -> None:
        self.records: deque[TracedExchange] = deque(maxlen=keep)
        self.version = 0
        self.invocations = 0
        self.wakeup: threading.Condition | None = None  # made for the first live reader (most have none)
        self.active_at = time.monotonic()  # the last exchange added or changed
        self.readers = 0  # live readers waiting in changes()


class MemoryTraceStore:
    """Keeps the last `per_sandbox` exchanges of the `sandboxes` most recently active sandboxes, and at most
    `max_bytes` of recorded bytes in all (the oldest exchanges of the least recently active sandboxes go first).
    A sandbox with no exchange for `idle_seconds` (the engine's SANDBOX_IDLE: the engine removed it too) and no
    live reader is forgotten by a periodic sweep."""

    def __init__(self, per_sandbox: int = 300, sandboxes: int = 2000, max_bytes: int = 256 * 1024 * 1024,
                 idle_seconds: float = 30 * 60) -> None:
        self.per_sandbox = per_sandbox
        self.sandboxes = sandboxes
        self.max_bytes = max_bytes
        self.idle_seconds = idle_seconds
        self._lock = threading.Lock()
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._seq = 0
        self._version = 0
        self._bytes = 0
        self._sizes: dict[int, int] = {}  # bytes counted for each record kept, by seq
        start_sweeper(self, sweep_interval(idle_seconds), "hellotrace-trace-sweep")

    def sweep(self) -> bool:
        """Forget the sandboxes idle past `idle_seconds` that no page watches, and the full parse of the
        finished exchanges of every sandbox no page watches now; True if a sandbox was forgotten."""
        cutoff = time.monotonic() - self.idle_seconds
        with self._lock:
            idle = [sandbox for sandbox, bucket in self._buckets.items()
                    if bucket.active_at < cutoff and not bucket.readers]
            for sandbox in idle:
                for record in self._buckets.pop(sandbox).records:
                    self._forget(record)
            unwatched = [record for bucket in self._buckets.values() if not bucket.readers
                         for record in bucket.records if record.finished]
        for record in unwatched:
            record.source.release()
        return bool(idle)

    def _bucket(self, sandbox: str) -> _Bucket:
        bucket = self._buckets.get(sandbox)
        if bucket is None:
            bucket = self._buckets[sandbox] = _Bucket(self.per_sandbox)
            while len(self._buckets) > self.sandboxes:
                _, dropped = self._buckets.popitem(last=False)
                for record in dropped.records:
                    self._forget(record)
        self._buckets.move_to_end(sandbox)
        return bucket

    def add(self, record: TracedExchange) -> None:
        with self._lock:
            bucket = self._bucket(record.sandbox)
            previous = bucket.records[-1] if bucket.records else None
            if starts_invocation(previous, record):
                bucket.invocations += 1
            record.invocation = bucket.invocations
            self._seq += 1
            record.seq = self._seq
            if len(bucket.records) == bucket.records.maxlen:
                self._forget(bucket.records[0])
            bucket.records.append(record)
            self._sizes[record.seq] = 0
            self._touch(bucket, record)

    def changed(self, record: TracedExchange) -> None:
        with self._lock:
            bucket = self._buckets.get(record.sandbox)
            if bucket is not None:
                self._touch(bucket, record)

    def _touch(self, bucket: _Bucket, record: TracedExchange) -> None:
        self._version += 1
        record.version = bucket.version = self._version
        bucket.active_at = time.monotonic()
        if record.seq in self._sizes:  # still kept
            size = _recorded_bytes(record)
            self._bytes += size - self._sizes.get(record.seq, 0)
            self._sizes[record.seq] = size
        while self._bytes > self.max_bytes and self._drop_oldest():
            pass
        if bucket.wakeup is not None:
            bucket.wakeup.notify_all()

    def _forget(self, record: TracedExchange) -> None:
        self._bytes -= self._sizes.pop(record.seq, 0)

    def _drop_oldest(self) -> bool:
        """Frees the oldest exchange of the least recently active sandbox that has one."""
        for bucket in self._buckets.values():
            if bucket.records:
                self._forget(bucket.records.popleft())
                return True
        return False

    def exchanges(self, sandbox: str, since: float | None = None) -> list[TracedExchange]:
        with self._lock:
            bucket = self._buckets.get(sandbox)
            records = list(bucket.records) if bucket else []
        return [r for r in records if since is None or r.received_at >= since]

    def changes(self, sandbox: str, after: int, timeout: float) -> tuple[int, list[TracedExchange]]:
        with self._lock:
            bucket = self._bucket(sandbox)
            if bucket.wakeup is None:
                bucket.wakeup = threading.Condition(self._lock)
            bucket.readers += 1
            try:
                bucket.wakeup.wait_for(lambda: bucket.version > after, timeout)
            finally:
                bucket.readers -= 1
            return max(bucket.version, after), [r for r in bucket.records if r.version > after]


def _recorded_bytes(record: TracedExchange) -> int:
    """What one record holds once read, roughly: its captured bytes (each capped by the recording limits)."""
    return record.source.size
