"""Each visitor (browser session) gets their own replay and, with the mock engine, their own sandbox.

A whole class can replay at once without stepping on each other; each visitor's DOCKER_HOST points at
the same sandbox, so their own terminal sees what the page did. Idle visitors expire; the number is bounded.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

from hellotrace.container_quota import ContainerQuota
from hellotrace.docker_host import DaemonAddress, parse_docker_host
from hellotrace.engine.service import EngineProcess, MockEngine
from hellotrace.pacing import DEFAULT_PACE
from hellotrace.policy import DEFAULT_IMAGES, DaemonPolicy
from hellotrace.replay import Replay


@dataclass
class Visitor:
    token: str
    replay: Replay
    last_seen: float = field(default_factory=time.monotonic)

    @property
    def docker_host(self) -> str:
        """What the visitor's own terminal sets DOCKER_HOST to: the address their replay talks to."""
        return self.replay.address.normalized


class Visitors:
    def __init__(
        self,
        engine: MockEngine | EngineProcess | None,
        daemon: DaemonAddress | None,
        *,
        images: tuple[str, ...] = DEFAULT_IMAGES,
        max_visitors: int = 2000,
        idle_seconds: float = 2 * 3600,
        pace: str = DEFAULT_PACE,
        quota: ContainerQuota | None = None,
    ) -> None:
        """`pace`: how fast a new visitor's replay runs until they choose (see hellotrace.pacing)."""
        if engine is None and daemon is None:
            raise ValueError("the site needs the embedded mock engine or a daemon address")
        self.engine = engine
        self.daemon = daemon
        # A real daemon is guarded; the mock's sandboxes need no guard.
        self.policy = DaemonPolicy(images) if daemon is not None else None
        # Every visitor's calls share one bound on the containers they leave behind, real daemon or mock.
        self.quota = quota if quota is not None else ContainerQuota()
        self.max_visitors = max_visitors
        self.idle_seconds = idle_seconds
        self.pace = pace
        self._lock = threading.Lock()
        self._visitors: dict[str, Visitor] = {}

    @property
    def uses_mock(self) -> bool:
        return self.daemon is None

    def new_token(self) -> str:
        return secrets.token_hex(8)

    def get(self, token: str) -> Visitor:
        """The visitor for a session token, created on first use (and the oldest idle one dropped if full)."""
        with self._lock:
            visitor = self._visitors.get(token)
            if visitor is None:
                self._expire()
                replay = Replay(self.address_for(token), policy=self.policy, pace=self.pace,
                                containers=self.quota.keeper(token))
                visitor = Visitor(token, replay)
                self._visitors[token] = visitor
            visitor.last_seen = time.monotonic()
            return visitor

    def address_for(self, token: str) -> DaemonAddress:
        """The daemon this visitor's replay talks to: the real one, or their own sandbox of the mock."""
        if self.daemon is not None:
            return self.daemon
        assert self.engine is not None
        return parse_docker_host(self.engine.sandbox_host(token) or "")

    def _expire(self) -> None:
        cutoff = time.monotonic() - self.idle_seconds
        for token, visitor in list(self._visitors.items()):
            if visitor.last_seen < cutoff:
                self._forget(token)
        while len(self._visitors) >= self.max_visitors:
            oldest = min(self._visitors.values(), key=lambda v: v.last_seen)
            self._forget(oldest.token)

    def _forget(self, token: str) -> None:
        # The visitor's sandbox stays in the engine until the engine's own idle expiry removes it: the
        # student may still be using it from their terminal.
        self._visitors.pop(token, None)
