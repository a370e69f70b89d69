"""Published ports (`docker run -p 8080:80`, `-P`): reported as Docker reports them, while nothing listens.

The daemon binds each published port when the container starts: on every IPv4 and IPv6 address when no host
address is given (`0.0.0.0` and `::`), on a port of the ephemeral range when no host port is given. While the
container runs, inspect's NetworkSettings.Ports maps each exposed port to its bindings (null for one exposed
only) and the list's Ports gives one entry per binding; once it stopped, both are empty. A host port another
running container of the sandbox holds makes the start fail, as the daemon's port allocator does. The mock
routes no traffic: the ports are only what the API says (README, "What is simulated").
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from hellotrace.engine.containers import Container
from hellotrace.protocol.errors import EngineError

# Where the daemon's allocator takes a port when none is asked for (/proc/sys/net/ipv4/ip_local_port_range).
EPHEMERAL_FIRST, EPHEMERAL_LAST = 32768, 60999
_EVERY_ADDRESS = ("0.0.0.0", "::")

Bindings = dict[str, list[dict[str, str]]]


def publish(container: Container, others: Iterable[Container]) -> Bindings:
    """The bindings a start makes for `container`, beside the running `others` of its sandbox; an EngineError
    (500, the daemon's text) when a host port asked for is taken."""
    taken = {(binding["HostIp"], binding["HostPort"], port.partition("/")[2])
             for other in others for port, bindings in other.published.items() for binding in bindings}
    wanted = dict(container.host_config.get("PortBindings") or {})
    if container.host_config.get("PublishAllPorts"):
        for port in container.config.get("ExposedPorts") or {}:
            wanted.setdefault(port, [{"HostIp": "", "HostPort": ""}])
    published: Bindings = {}
    for port, asked in wanted.items():
        protocol = port.partition("/")[2] or "tcp"
        for binding in asked or [{"HostIp": "", "HostPort": ""}]:
            addresses = (binding.get("HostIp"),) if binding.get("HostIp") else _EVERY_ADDRESS
            host_port = binding.get("HostPort") or ""
            if not host_port:
                host_port = _free_port(taken, addresses, protocol)
            for address in addresses:
                if _held(taken, address, host_port, protocol):
                    raise EngineError(500, "failed to set up container networking: driver failed programming "
                                           f"external connectivity on endpoint {container.name} "
                                           f"({secrets.token_hex(32)}): Bind for {_shown(address)}:{host_port} "
                                           "failed: port is already allocated")
                taken.add((address, host_port, protocol))
                published.setdefault(port, []).append({"HostIp": address, "HostPort": host_port})
    return published


def _held(taken: set[tuple[str, str, str]], address: str, port: str, protocol: str) -> bool:
    """Whether a binding already made holds that port: on the same address, or on every address of its family
    (`0.0.0.0` holds 127.0.0.1's port, and the other way round), not on the other family's."""
    family = ":" in address
    return any(port == held_port and protocol == held_protocol and family == (":" in held)
               and (address == held or address in _EVERY_ADDRESS or held in _EVERY_ADDRESS)
               for held, held_port, held_protocol in taken)


def _free_port(taken: set[tuple[str, str, str]], addresses: tuple[str, ...], protocol: str) -> str:
    for number in range(EPHEMERAL_FIRST, EPHEMERAL_LAST + 1):
        if not any(_held(taken, address, str(number), protocol) for address in addresses):
            return str(number)
    raise EngineError(500, "failed to set up container networking: all ports are allocated")


def _shown(address: str) -> str:
    return f"[{address}]" if ":" in address else address


def inspect_ports(container: Container) -> dict[str, list[dict[str, str]] | None]:
    """NetworkSettings.Ports: each exposed port (null) and each published one (its bindings), while it runs."""
    if not container.alive:
        return {}
    ports: dict[str, list[dict[str, str]] | None] = dict.fromkeys(container.config.get("ExposedPorts") or {})
    ports.update(container.published)
    return ports


def listed_ports(container: Container) -> list[dict[str, object]]:
    """The list's Ports: one entry per binding, one without a public port per port only exposed."""
    entries: list[dict[str, object]] = []
    for port, bindings in inspect_ports(container).items():
        number, _, protocol = port.partition("/")
        if not number.isdigit():
            continue
        kind = protocol or "tcp"
        if not bindings:
            entries.append({"PrivatePort": int(number), "Type": kind})
        for binding in bindings or ():  # in the order of Go's types.Port
            public = binding["HostPort"]
            entries.append({"IP": binding["HostIp"], "PrivatePort": int(number),
                            **({"PublicPort": int(public)} if public.isdigit() else {}), "Type": kind})
    return entries
