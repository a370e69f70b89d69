"""`GET /containers/json` filters, read and applied as daemon/list.go does (foldFilter, includeContainerInList).

What the mock does not model answers as the daemon does for a container without it: no container is a swarm
task (is-task), none has a healthcheck (health is "none"), and isolation filters nothing on Linux.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hellotrace.engine.containers import Container
from hellotrace.engine.filter_args import bool_filter, match, match_labels
from hellotrace.engine.ports import listed_ports
from hellotrace.engine.routes_networks import networks_of
from hellotrace.engine.routes_volumes import mounts_of
from hellotrace.protocol.errors import EngineError, invalid_parameter, not_found
from hellotrace.protocol.gostrconv import atoi_with_error, quote

# acceptedPsFilterTags
ACCEPTED = frozenset({"ancestor", "before", "exited", "id", "isolation", "label", "name", "status", "health",
                      "since", "volume", "network", "is-task", "publish", "expose"})
STATES = ("created", "running", "paused", "restarting", "removing", "exited", "dead")
HEALTHS = ("none", "starting", "healthy", "unhealthy")


@dataclass
class ContainerFilter:
    filters: dict[str, list[str]]
    show_all: bool
    exited: list[int] = field(default_factory=list)
    before: Container | None = None
    since: Container | None = None
    is_task: bool | None = None
    publish: set[str] = field(default_factory=set)
    expose: set[str] = field(default_factory=set)


def fold(sandbox, filters: dict[str, list[str]], show_all: bool) -> ContainerFilter:
    """Check every value before listing anything, with the daemon's texts; a status filter lists stopped ones."""
    for key in filters:
        if key not in ACCEPTED:
            raise invalid_parameter(f"invalid filter '{key}'")
    folded = ContainerFilter(filters, show_all)
    for value in filters.get("exited", []):
        code, error = atoi_with_error(value)
        if error:
            raise invalid_parameter(f"invalid filter 'exited={value}': strconv.Atoi: parsing {quote(value)}: {error}")
        folded.exited.append(code)
    for value in filters.get("status", []):
        if value not in STATES:
            raise invalid_parameter(f"invalid filter 'status={value}': invalid value for state ({value}): "
                                    f"must be one of {', '.join(STATES)}")
        folded.show_all = True
    if "is-task" in filters:
        folded.is_task = bool_filter("is-task", filters["is-task"])
    for value in filters.get("health", []):
        if value not in HEALTHS:
            raise invalid_parameter(f"invalid filter 'health={value}': invalid value for health ({value}): "
                                    f"must be one of {', '.join(HEALTHS)}")
    for value in filters.get("before", []):
        folded.before = _id_or_name(sandbox, value)
    for value in filters.get("since", []):
        folded.since = _id_or_name(sandbox, value)
    for key, ports in (("publish", folded.publish), ("expose", folded.expose)):
        for value in filters.get(key, []):
            ports.update(_port_range(key, value))
    return folded


def select(sandbox, newest_first: list[Container], folded: ContainerFilter) -> list[Container]:
    """Walk from the newest: skip down to `before`, stop at `since`, keep those every other filter lets pass."""
    kept = []
    before = folded.before
    for container in newest_first:
        if before is not None:
            if container.id == before.id:
                before = None
            continue
        if folded.since is not None and container.id == folded.since.id:
            break
        if (folded.show_all or container.alive) and _passes(sandbox, container, folded):
            kept.append(container)
    return kept


def _passes(sandbox, container: Container, folded: ContainerFilter) -> bool:
    filters = folded.filters
    labels = container.config.get("Labels") or {}
    return (
        (match(filters, "name", "/" + container.name) or match(filters, "name", container.name))
        and _id_passes(sandbox, container, filters.get("id"))
        and match(filters, "id", container.id)
        and folded.is_task in (None, False)  # no container here is a swarm task
        and match_labels(filters.get("label", []), labels)
        and (not folded.exited or (not container.alive and container.started_at is not None
                                   and container.exit_code in folded.exited))
        and match(filters, "status", container.status)
        and (not filters.get("health") or "none" in filters["health"])
        and (not filters.get("volume") or _on_volume(sandbox, container, filters["volume"]))
        and (not filters.get("ancestor") or _has_ancestor(container, filters["ancestor"]))
        and (not filters.get("network") or _on_network(sandbox, container, filters["network"]))
        and (not (folded.publish or folded.expose) or _has_port(container, folded))
    )


def _id_passes(sandbox, container: Container, values: list[str] | None) -> bool:
    """With id filters the daemon only looks at the containers each value is the unique ID prefix of."""
    if not values:
        return True
    for value in values:
        matching = [c.id for c in sandbox.containers.values() if value and c.id.startswith(value)]
        if matching == [container.id]:
            return True
    return False


def _on_volume(sandbox, container: Container, values: list[str]) -> bool:
    """A volume's name (a bind's source) or a mount's destination."""
    mounts = mounts_of(sandbox, container)
    known = {m.get("Name") or m["Source"] for m in mounts} | {m["Destination"] for m in mounts if m["Destination"]}
    return any(value in known for value in values)


def _has_ancestor(container: Container, values: list[str]) -> bool:
    return any(v in (container.image_name, container.image.index_digest) or container.image_name.split(":")[0] == v
               for v in values)


def _on_network(sandbox, container: Container, values: list[str]) -> bool:
    """A network the container is on, by name or by the start of its ID."""
    names = networks_of(sandbox, container)
    ids = [network.id for network in sandbox.networks.values() if network.name in names]
    return any(value in names or any(network_id.startswith(value) for network_id in ids) for value in values)


def _has_port(container: Container, folded: ContainerFilter) -> bool:
    """The list's Ports: a published filter matches a public port, an expose filter a container port."""
    for port in listed_ports(container):
        if (f"{port.get('PublicPort', 0)}/{port['Type']}" in folded.publish
                or f"{port['PrivatePort']}/{port['Type']}" in folded.expose):
            return True
    return False


def _id_or_name(sandbox, value: str) -> Container:
    """idOrNameFilter: a full ID, else a name; `No such container` (404) otherwise."""
    found = sandbox.containers.get(value)
    if found is None:
        named = [c for c in sandbox.containers.values() if c.name == value.removeprefix("/")]
        if len(named) == 1:
            found = named[0]
    if found is None:
        raise not_found(f"No such container: {value}")
    return found


def _port_range(key: str, value: str) -> set[str]:
    """network.ParsePortRange's ports as `80/tcp`; its errors are plain errors, so a 500, as the daemon sends."""
    if ":" in value:
        raise EngineError(500, f"filter for '{key}' should not contain ':': {value}")
    span, _, protocol = value.partition("/")
    start, dash, end = span.partition("-")
    first = _port_number(key, value, "start", start)
    last = first if not dash or start == end else _port_number(key, value, "end", end)
    if last < first:
        raise EngineError(500, f"error while looking up for {key} {value}: invalid port range: {value}")
    kind = protocol.lower() or "tcp"
    return {f"{number}/{kind}" for number in range(first, last + 1)}


def _port_number(key: str, value: str, which: str, text: str) -> int:
    reason = "value is empty" if not text else None
    if reason is None and not re.fullmatch(r"[0-9]+", text):
        reason = "invalid syntax"
    if reason is None and int(text) > 65535:
        reason = "value out of range"
    if reason:
        raise EngineError(500, f"error while looking up for {key} {value}: invalid {which} port '{text}': {reason}")
    return int(text)
