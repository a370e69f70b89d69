"""The trace store: what each sandbox received, queryable by the pages and by challenge checks.

    store.exchanges(sandbox)                 every exchange kept for that sandbox, oldest first
    store.exchanges(sandbox, since=t)        those whose request reached the daemon at or after `t` (epoch s)
    store.changes(sandbox, after, timeout)   for live pages: (version, records added or changed after `after`)

Records are `TracedExchange`s: `method`, `path` (no sandbox or version prefix), `query`, `status`,
`request_header(name)`, `request_body`, `response_body`, `finished`, and the full wire view in `exchange`.
A record still running (a stream, an attach) keeps filling in; a check should look at `finished` ones.
The full view is parsed from the record's bytes when first read; the sweep forgets it again for the
sandboxes no live page watches, so an unread trace costs its compressed bytes and a few fields. A sandbox
quiet for `quiet_seconds` (a visitor who went away) has all its records packed into one string, unpacked when
next read or written: a dozen records are a hundred small objects, which keep the memory pages they sit in.

`MemoryTraceStore` keeps a bounded window in the site's process, which is right while one site process
serves everyone. Several site processes need a shared store (a Redis stream per sandbox, say) with the same
three read methods; the writers (`add`, `changed`) are only called by the receivers in `receiver.py`.
"""

from __future__ import annotations

import pickle
import threading
import time
from collections import OrderedDict, deque
from typing import Protocol

from hellotrace.packing import Packer
from hellotrace.sweeping import start_sweeper, sweep_interval
from hellotrace.wiretap.invocations import invocation_for
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

    def count(self) -> int:
        """How many sandboxes the store holds exchanges of."""


# Packs the records of quiet sandboxes (one dictionary for all: a class's sandboxes saw the same exchanges).
_RECORDS_PACKER = Packer()


class _Bucket:
    __slots__ = ("records", "version", "invocations", "added", "wakeup", "active_at", "readers", "packed",
                 "packed_size", "read_at")

    def __init__(self, keep: int) -> None:
        # While packed, an empty tuple: a deque costs 600 bytes even empty.
        self.records: deque[TracedExchange] | tuple[()] = deque(maxlen=keep)
        self.packed: bytes | None = None  # the records of a quiet sandbox
        self.packed_size = 0  # the bytes they count for (see MemoryTraceStore._sizes)
        self.version = 0
        self.invocations = 0
        self.added = 0  # exchanges ever added: the next one's number
        self.wakeup: threading.Condition | None = None  # made for the first live reader (most have none)
        self.active_at = time.monotonic()  # the last exchange added or changed
        self.read_at = 0.0  # the last read (a roster polling its students' sandboxes keeps them unpacked)
        self.readers = 0  # live readers waiting in changes()


class MemoryTraceStore:
    """Keeps the last `per_sandbox` exchanges of the `sandboxes` most recently active sandboxes, and at most
    `max_bytes` of recorded bytes in all (the oldest exchanges of the least recently active sandboxes go first).
    A sandbox with no exchange for `idle_seconds` (the engine's SANDBOX_IDLE: the engine removed it too) and no
    live reader is forgotten by a periodic sweep; one with none for `quiet_seconds` (at most a third of
    `idle_seconds`) is packed."""

    def __init__(self, per_sandbox: int = 300, sandboxes: int = 2000, max_bytes: int = 256 * 1024 * 1024,
                 idle_seconds: float = 30 * 60, quiet_seconds: float = 60.0) -> None:
        self.per_sandbox = per_sandbox
        self.sandboxes = sandboxes
        self.max_bytes = max_bytes
        self.idle_seconds = idle_seconds
        self.quiet_seconds = min(quiet_seconds, idle_seconds / 3)
        self._lock = threading.Lock()
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._seq = 0
        self._version = 0
        self._bytes = 0
        self._sizes: dict[int, int] = {}  # bytes counted for each record kept, by seq
        # The sweep looks often enough for both deadlines: the quiet one is the shorter.
        start_sweeper(self, sweep_interval(4 * self.quiet_seconds), "hellotrace-trace-sweep")

    def sweep(self) -> bool:
        """Forget the sandboxes idle past `idle_seconds` that no page watches, the full parse of the finished
        exchanges of every sandbox no page watches now, and pack the sandboxes quiet for `quiet_seconds`;
        True if a sandbox was forgotten or packed."""
        now = time.monotonic()
        with self._lock:
            idle = [sandbox for sandbox, bucket in self._buckets.items()
                    if bucket.active_at < now - self.idle_seconds and not bucket.readers]
            for sandbox in idle:
                self._drop_bucket(self._buckets.pop(sandbox))
            unwatched = [record for bucket in self._buckets.values() if not bucket.readers
                         for record in bucket.records if record.finished]
            quiet = [(sandbox, bucket.version) for sandbox, bucket in self._buckets.items()
                     if max(bucket.active_at, bucket.read_at) < now - self.quiet_seconds and not bucket.readers
                     and bucket.records]
        for record in unwatched:
            record.source.release()
        packed = sum(self._pack(sandbox, version) for sandbox, version in quiet)
        return bool(idle) or packed > 0

    def _pack(self, sandbox: str, version: int) -> bool:
        """Pack a quiet sandbox's records, unless something changed it meanwhile; True when packed."""
        with self._lock:
            bucket = self._buckets.get(sandbox)
            if bucket is None or bucket.version != version or bucket.readers or bucket.packed is not None \
                    or not all(record.finished for record in bucket.records):
                return False
            records = list(bucket.records)
        try:  # outside the lock: the receiver must not wait for it
            packed = _RECORDS_PACKER.pack(records)
        except (pickle.PicklingError, TypeError, AttributeError):
            return False  # a record past the recording limits keeps its parse: the sandbox stays as it is
        with self._lock:
            if self._buckets.get(sandbox) is not bucket or bucket.version != version or bucket.readers:
                return False
            bucket.packed, bucket.packed_size = packed, sum(self._sizes.pop(record.seq, 0) for record in records)
            bucket.records = ()
            bucket.wakeup = None  # made again for the next live reader
        return True

    def _records(self, bucket: _Bucket) -> deque[TracedExchange]:
        """The bucket's records, unpacked if it was packed. Holds self._lock."""
        if bucket.packed is not None:
            records: list[TracedExchange] = _RECORDS_PACKER.unpack(bucket.packed)  # type: ignore[assignment]
            bucket.records = deque(records, maxlen=self.per_sandbox)
            for record in records:
                self._sizes[record.seq] = _recorded_bytes(record)
            self._bytes += sum(self._sizes[record.seq] for record in records) - bucket.packed_size
            bucket.packed, bucket.packed_size = None, 0
        return bucket.records  # type: ignore[return-value]

    def _drop_bucket(self, bucket: _Bucket) -> None:
        for record in bucket.records:
            self._forget(record)
        self._bytes -= bucket.packed_size

    def _bucket(self, sandbox: str) -> _Bucket:
        bucket = self._buckets.get(sandbox)
        if bucket is None:
            bucket = self._buckets[sandbox] = _Bucket(self.per_sandbox)
            while len(self._buckets) > self.sandboxes:
                _, dropped = self._buckets.popitem(last=False)
                self._drop_bucket(dropped)
        self._buckets.move_to_end(sandbox)
        self._records(bucket)
        return bucket

    def add(self, record: TracedExchange) -> None:
        with self._lock:
            bucket = self._bucket(record.sandbox)
            record.invocation = invocation_for(bucket.records, record, bucket.invocations)
            bucket.invocations = max(bucket.invocations, record.invocation)
            self._seq += 1
            record.seq = self._seq
            bucket.added += 1
            record.number = bucket.added
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
            if self._records(bucket):
                self._forget(bucket.records.popleft())
                return True
        return False

    def count(self) -> int:
        with self._lock:
            return len(self._buckets)

    def exchanges(self, sandbox: str, since: float | None = None) -> list[TracedExchange]:
        with self._lock:
            bucket = self._buckets.get(sandbox)
            if bucket is None:
                return []
            bucket.read_at = time.monotonic()
            records = list(self._records(bucket))
        return [r for r in records if since is None or r.received_at >= since]

    def changes(self, sandbox: str, after: int, timeout: float) -> tuple[int, list[TracedExchange]]:
        with self._lock:
            bucket = self._bucket(sandbox)
            bucket.read_at = time.monotonic()
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
