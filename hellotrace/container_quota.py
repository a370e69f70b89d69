"""How many containers hellotrace's visitors may leave behind: each keeps its last few, the site a bounded number.

Every container a visitor's calls create is admitted here (the traced client reports each `201` of
`POST /containers/create`), oldest first. Past a visitor's share, their oldest ones are handed back to be
removed; past the site's total, the oldest one that is not its visitor's newest (the oldest of all only
once everyone is down to one): a class clicking Run all, or a script posting in a loop, cannot pile containers
up on a daemon, and a real daemon is root on its host; and the container a visitor's replay is using (their
newest: the teacher's demonstration, say) is not taken away by other visitors' runs.
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
                evicted.append(self._kept.pop(self._pressing(container_id).container_id))
            return evicted

    def _pressing(self, new_id: str) -> KeptContainer:
        """Past the total: the oldest container that is not its owner's newest; once every owner is down to one,
        the oldest of all. Never the container just admitted."""
        newest = {kept.owner: kept.container_id for kept in self._kept.values()}
        kept = list(self._kept.values())
        spare = [k for k in kept if newest[k.owner] != k.container_id]
        return (spare or [k for k in kept if k.container_id != new_id])[0]

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
