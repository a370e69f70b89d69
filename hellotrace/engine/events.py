"""A sandbox's event log, as `docker events` reads it: what happened to containers, images, networks, volumes.

The daemon keeps the last events in memory (daemon/events: 256 of them) and streams new ones to every
listener; `since` replays from the log, `until` ends the stream, filters pick events by type, action,
object and label (daemon/events/filter.go).
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

from hellotrace.engine.containers import utc_now

EVENTS_KEPT = 256  # the daemon's eventsLimit


@dataclass(frozen=True)
class Event:
    seq: int
    type: str  # container, image, network, volume
    action: str
    actor_id: str
    attributes: dict[str, str]
    time: datetime = field(default_factory=utc_now)

    def message(self) -> dict[str, object]:
        """The EventMessage the API sends."""
        nanos = int(self.time.timestamp()) * 1_000_000_000 + self.time.microsecond * 1000
        return {
            "Type": self.type,
            "Action": self.action,
            "Actor": {"ID": self.actor_id, "Attributes": dict(self.attributes)},
            "scope": "local",
            "time": nanos // 1_000_000_000,
            "timeNano": nanos,
        }

    @property
    def size(self) -> int:
        """Bytes kept for this event, for the sandbox's byte budget."""
        return 64 + len(self.action) + len(self.actor_id) + sum(len(k) + len(v) for k, v in self.attributes.items())


class EventLog:
    """The last EVENTS_KEPT events; `cond` wakes listeners when one arrives."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.events: deque[Event] = deque(maxlen=EVENTS_KEPT)
        self._seq = 0  # the last event's

    def __getstate__(self) -> tuple[list[Event], int]:
        """A copy (a packed sandbox's) has no listener: only the events and their count."""
        with self.cond:
            return list(self.events), self._seq

    def __setstate__(self, state: tuple[list[Event], int]) -> None:
        events, self._seq = state
        self.cond = threading.Condition()
        self.events = deque(events, maxlen=EVENTS_KEPT)

    def emit(self, type_: str, action: str, actor_id: str, attributes: dict[str, str]) -> None:
        with self.cond:
            self._seq += 1
            self.events.append(Event(self._seq, type_, action, actor_id, dict(attributes)))
            self.cond.notify_all()

    def after(self, seq: int) -> list[Event]:
        with self.cond:
            return [event for event in self.events if event.seq > seq]

    @property
    def last_seq(self) -> int:
        with self.cond:
            return self.events[-1].seq if self.events else 0

    @property
    def kept_bytes(self) -> int:
        with self.cond:
            return sum(event.size for event in self.events)
