"""How many containers hellotrace's visitors may leave behind: each keeps its last few, the site a bounded number.

Every container a visitor's calls create is admitted here (the traced client reports each `201` of
`POST /containers/create`), oldest first. Past a visitor's share, or past the site's total, the oldest ones
are handed back to be removed: a class clicking Run all, or a script posting in a loop, cannot pile
containers up on a daemon, and a real daemon is root on its host.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from hellotrace.docker_host import DaemonAddress

DEFAULT_PER_VISITOR = 3
DEFAULT_TOTAL = 50


@dataclass(frozen=True)
class KeptContainer:
    """A container a visitor made, and the daemon (or sandbox) it lives on."""

    owner: str
    address: DaemonAddress
    container_id: str


class ContainerQuota:
    """Shared by every visitor of one site; thread-safe."""

    def __init__(self, per_visitor: int = DEFAULT_PER_VISITOR, total: int = DEFAULT_TOTAL) -> None:
        if per_visitor < 1 or total < per_visitor:
            raise ValueError("each visitor needs at least one container, and the total at least one share")
        self.per_visitor = per_visitor
        self.total = total
        self._kept: OrderedDict[str, KeptContainer] = OrderedDict()  # oldest first
        self._lock = threading.Lock()

    def keeper(self, owner: str) -> ContainerKeeper:
        return ContainerKeeper(self, owner)

    def admit(self, owner: str, address: DaemonAddress, container_id: str) -> list[KeptContainer]:
        """Record a new container; the ones to remove now, oldest first (the new one is never among them)."""
        with self._lock:
            self._kept[container_id] = KeptContainer(owner, address, container_id)
            evicted = []
            mine = [kept for kept in self._kept.values() if kept.owner == owner]
            evicted += mine[: max(0, len(mine) - self.per_visitor)]
            for kept in evicted:
                del self._kept[kept.container_id]
            while len(self._kept) > self.total:
                evicted.append(self._kept.popitem(last=False)[1])
            return evicted

    def release(self, container_id: str) -> None:
        """The container is gone (removed by hellotrace, or the daemon no longer knows it)."""
        with self._lock:
            self._kept.pop(container_id, None)

    def forget(self, owner: str) -> None:
        """Stop counting `owner`'s containers without removing them: they end with their mock sandbox."""
        with self._lock:
            for container_id in self._owned(owner):
                del self._kept[container_id]

    def owned(self, owner: str) -> list[str]:
        with self._lock:
            return self._owned(owner)

    def _owned(self, owner: str) -> list[str]:
        return [kept.container_id for kept in self._kept.values() if kept.owner == owner]

    def __len__(self) -> int:
        with self._lock:
            return len(self._kept)


@dataclass(frozen=True)
class ContainerKeeper:
    """One visitor's side of the quota, handed to the traced clients that act for that visitor."""

    quota: ContainerQuota
    owner: str

    def created(self, address: DaemonAddress, container_id: str) -> list[KeptContainer]:
        return self.quota.admit(self.owner, address, container_id)

    def removed(self, container_id: str) -> None:
        self.quota.release(container_id)

    def owned(self) -> list[str]:
        return self.quota.owned(self.owner)
