"""Byte budgets: what the engine keeps in memory (configuration, kept output, logs, request bodies), counted.

A count of objects does not bound memory: one container whose `Cmd` is 4 MB weighs as much as thousands of
ordinary ones. So every place that keeps bytes charges them to the sandbox's budget, which charges its parent,
the engine's budget. When the engine's budget is full it first asks its `reclaim` hook (the sandbox registry
evicts idle sandboxes) and only then refuses, with an error in Docker's shape.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from hellotrace.protocol.errors import EngineError
from hellotrace.protocol.units import human_size

DEFAULT_ENGINE_BYTES = 256 * 1024 * 1024
# What one kept Python object (a string, a list slot, a dict entry) costs beyond its own bytes: an estimate
# on the high side, so that a body made of many tiny values is charged for what it really weighs.
OBJECT_OVERHEAD = 64
# One kept piece of output: its record, its timestamp and its bytes object.
CHUNK_OVERHEAD = 3 * OBJECT_OVERHEAD


class BudgetExceeded(EngineError):
    """Docker answers a full disk with the system's `no space left on device`; ours says which budget is full."""

    def __init__(self, budget: ByteBudget, wanted: int, what: str) -> None:
        super().__init__(
            503,
            f"{what}: no space left on device: the mock engine keeps at most {human_size(budget.limit)} for "
            f"{budget.holder} ({human_size(budget.used)} in use, {human_size(wanted)} more asked); "
            f"{budget.advice}",
        )
        self.wanted = wanted


class ByteBudget:
    """Bytes held against a limit, inside an optional parent budget; thread-safe.

    `reclaim(needed)` is called without any lock held when the budget is short: it may free bytes elsewhere
    (it returns how many) before the charge is tried again.
    """

    def __init__(self, limit: int, holder: str, advice: str, parent: ByteBudget | None = None,
                 reclaim: Callable[[int], int] | None = None) -> None:
        self.limit = limit
        self.holder = holder
        self.advice = advice
        self.parent = parent
        self.reclaim = reclaim
        self.used = 0
        self._closed = False
        self._lock = threading.Lock()

    def charge(self, size: int, what: str) -> None:
        """Hold `size` more bytes or raise BudgetExceeded (nothing is held then)."""
        if size <= 0:
            return
        if not self.try_charge(size):
            raise BudgetExceeded(self._short_budget(size), size, what)

    def try_charge(self, size: int) -> bool:
        """Hold `size` more bytes if both this budget and its parents allow it (a closed budget never does)."""
        if size <= 0:
            return True
        if self._hold(size):
            return True
        return self.reclaim is not None and self.reclaim(size) > 0 and self._hold(size)

    def _hold(self, size: int) -> bool:
        with self._lock:
            if self._closed or self.used + size > self.limit:
                return False
            self.used += size
        if self.parent is None or self.parent.try_charge(size):
            return True
        with self._lock:
            self.used -= size
        return False

    def release(self, size: int) -> None:
        if size <= 0:
            return
        with self._lock:
            size = min(size, self.used)
            self.used -= size
            closed = self._closed
        if self.parent is not None and not closed:
            self.parent.release(size)

    def close(self) -> int:
        """Give everything back to the parent for good (an evicted sandbox); later charges are refused."""
        with self._lock:
            if self._closed:
                return 0
            self._closed = True
            freed = self.used
        if self.parent is not None:
            self.parent.release(freed)
        return freed

    @property
    def remaining(self) -> int:
        own = self.limit - self.used
        return own if self.parent is None else min(own, self.parent.remaining)

    def _short_budget(self, size: int) -> ByteBudget:
        """The budget that refused: this one, or the first parent that is full."""
        if self.used + size > self.limit or self.parent is None:
            return self
        return self.parent._short_budget(size)


def json_weight(value: object) -> int:
    """Roughly what a decoded JSON value weighs in memory: its text plus a per-object overhead."""
    weight = 0
    stack = [value]
    while stack:
        item = stack.pop()
        weight += OBJECT_OVERHEAD
        if isinstance(item, str):
            weight += len(item)
        elif isinstance(item, dict):
            for key, member in item.items():
                weight += OBJECT_OVERHEAD + len(key)
                stack.append(member)
        elif isinstance(item, list):
            stack.extend(item)
    return weight
