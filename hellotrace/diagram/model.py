"""A sequence diagram as data: lanes (client, daemon, registry) and one arrow per exchange.

The same model is built from a live replay, a trace, an imported HAR file or a planned sequence written by
hand (a lesson's figure), so every picture of the protocol is drawn by one renderer (`svg.py`).
Paths are shown without the sandbox's base path, which the diagram states once; long container ids are
shortened. Registry traffic is never seen by the client: it is what the pull's progress stream reports,
and with the mock engine it is labelled as simulated.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from hellotrace.tracing.exchange import Exchange

ArrowState = Literal["pending", "sent", "streaming", "done", "failed", "planned"]
# A call kept open across steps (the CLI's attach and wait) shows its head in one and the rest in the next.
Part = Literal["full", "head", "rest"]
StreamKind = Literal["none", "json-lines", "stdcopy", "raw"]

# Ids of 32 hex digits or more (containers, digests) shortened to 12, as the docker CLI prints them.
_LONG_ID = re.compile(r"(?<![0-9a-f])([0-9a-f]{12})[0-9a-f]{20,}(?![0-9a-f])")


def _short_id(match: re.Match[str]) -> str:
    return match.group(1) + "…"


@dataclass(frozen=True)
class RegistryCall:
    """Something the daemon asks the registry for during a pull, as the pull stream reports it."""

    what: Literal["manifest", "blob"]
    name: str  # `library/hello-world:latest` for a manifest, the short layer id for a blob
    items: int = 0  # progress lines about it (Downloading …)


@dataclass(frozen=True)
class Arrow:
    """One exchange between the client and the daemon: request out, answer back, maybe a stream."""

    number: int
    method: str
    path: str  # as sent, without the base path
    status: int | None = None
    reason: str = ""
    state: ArrowState = "planned"
    stream: StreamKind = "none"
    items: int = 0  # progress lines or frames so far
    registry: tuple[RegistryCall, ...] = ()
    href: str = ""  # where the arrow leads: the exchange's details
    part: Part = "full"

    @property
    def upgrade(self) -> bool:
        """Attach's `101`: the HTTP connection becomes a raw stream of 8-byte-headed frames."""
        return self.status == 101

    @property
    def label(self) -> str:
        """Method and path for the arrow itself, long ids shortened (the renderer cuts what does not fit)."""
        return f"{self.method} {_LONG_ID.sub(_short_id, self.path)}"


@dataclass(frozen=True)
class Section:
    """A group of arrows with a heading: a step of the replay, one command of a trace."""

    title: str
    arrows: tuple[Arrow, ...]
    number: int | None = None  # the step number, for `data-step`


@dataclass(frozen=True)
class Diagram:
    """What the renderer draws. `client` names the client lane; `prefix` is the base path, stated once."""

    client: str
    sections: tuple[Section, ...]
    prefix: str = ""
    simulated_registry: bool = True
    # The registry's lane even while no arrow of it is drawn: a replay whose plan pulls keeps one width as it
    # runs, rather than losing the lane between its create's 404 and its pull.
    registry_lane: bool = False
    arrows_count: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "arrows_count", sum(len(section.arrows) for section in self.sections))

    @property
    def has_registry(self) -> bool:
        return self.registry_lane or any(arrow.registry for section in self.sections for arrow in section.arrows)


def arrow_for_exchange(exchange: Exchange, href: str = "", part: Part = "full") -> Arrow:
    """The arrow of a recorded exchange in its current state: announced but not sent yet (a paced run
    holds it), sent, answered, streaming, or over."""
    response = exchange.response
    items = len(exchange.json_lines) if exchange.stream == "json-lines" else len(exchange.frames)
    items += exchange.items_dropped
    if exchange.finished:
        state: ArrowState = "failed" if exchange.error is not None else "done"
    elif response is not None:
        state = "streaming" if exchange.stream != "none" or response.status == 101 else "sent"
    elif exchange.request is not None:
        state = "sent"
    else:
        state = "pending"
    return Arrow(
        number=exchange.number,
        method=exchange.method,
        path=strip_prefix(exchange.target, exchange.address.path_prefix),
        status=response.status if response else None,
        reason=response.reason if response else "",
        state=state,
        stream=exchange.stream,
        items=items,
        registry=registry_calls(line.value for line in exchange.json_lines) if exchange.stream == "json-lines" else (),
        href=href,
        part=part,
    )


def strip_prefix(target: str, prefix: str) -> str:
    """The target without the base path (`/sandboxes/<token>`), which the diagram states once."""
    prefix = prefix.rstrip("/")
    if prefix and (target == prefix or target.startswith(prefix + "/") or target.startswith(prefix + "?")):
        return target[len(prefix):] or "/"
    return target


def registry_calls(progress: Iterable[object]) -> tuple[RegistryCall, ...]:
    """What a pull's progress lines say the daemon fetched: the manifest, then each layer's blob."""
    calls: list[RegistryCall] = []
    layers: dict[str, int] = {}
    for value in progress:
        if not isinstance(value, dict) or not isinstance(value.get("status"), str):
            continue
        status, ident = value["status"], value.get("id")
        if status.startswith("Pulling from ") and isinstance(ident, str):
            calls.append(RegistryCall("manifest", f"{status.removeprefix('Pulling from ')}:{ident}"))
        elif isinstance(ident, str) and status in ("Pulling fs layer", "Waiting", "Downloading", "Download complete"):
            if ident not in layers:
                layers[ident] = len(calls)
                calls.append(RegistryCall("blob", ident))
            if status == "Downloading":
                call = calls[layers[ident]]
                calls[layers[ident]] = RegistryCall(call.what, call.name, call.items + 1)
    return tuple(calls)


@dataclass(frozen=True)
class PlannedCall:
    """One call of a sequence written as data (a lesson's figure): no live run needed to draw it."""

    method: str
    path: str
    status: int | None = None
    reason: str = ""
    stream: StreamKind = "none"
    registry: tuple[RegistryCall, ...] = ()
    part: Part = "full"


def plan_sections(
    steps: Sequence[tuple[str, int | None, Sequence[PlannedCall]]], *, numbered: bool = True
) -> tuple[Section, ...]:
    """Sections of calls described in advance (title, step number, calls). Calls are numbered in order
    across sections, a continuation taking its opening call's number; unnumbered (0) when they stand on a
    page for what a run will send, next to the real exchanges' numbers."""
    sections, number, opened = [], 0, {}
    for title, step, calls in steps:
        arrows = []
        for call in calls:
            if call.part == "rest" and call.path in opened:
                shown = opened[call.path]
            else:
                number += 1
                shown = number if numbered else 0
                if call.part == "head":
                    opened[call.path] = shown
            arrows.append(Arrow(number=shown, method=call.method, path=call.path, status=call.status,
                                reason=call.reason, state="planned", stream=call.stream, registry=call.registry,
                                part=call.part))
        sections.append(Section(title, tuple(arrows), step))
    return tuple(sections)


def planned_arrows(calls: Sequence[PlannedCall]) -> tuple[Arrow, ...]:
    """Arrows for one list of calls described in advance, numbered from 1."""
    return plan_sections([("", None, calls)])[0].arrows
