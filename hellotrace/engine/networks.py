"""A sandbox's networks, as metadata: the three every daemon has (bridge, host, none) and those users create.

Nothing is routed: a network records its settings and which containers are connected, which is what
`docker network ls`, `inspect`, `connect` and `disconnect` show.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from hellotrace.engine.containers import utc_now

PREDEFINED = ("bridge", "host", "none")


@dataclass
class Network:
    name: str
    id: str
    driver: str
    subnet: str = ""
    gateway: str = ""
    internal: bool = False
    attachable: bool = False
    labels: dict[str, str] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)
    created: datetime = field(default_factory=utc_now)
    # container ID -> the endpoint's aliases given at connect time
    endpoints: dict[str, list[str]] = field(default_factory=dict)

    @property
    def predefined(self) -> bool:
        return self.name in PREDEFINED

    @property
    def kept_bytes(self) -> int:
        return 256 + len(self.name) + sum(len(k) + len(v) for k, v in (*self.labels.items(), *self.options.items()))


def _stable_id(name: str) -> str:
    return hashlib.sha256(f"hellotrace network {name}".encode()).hexdigest()


def default_networks() -> dict[str, Network]:
    bridge = Network("bridge", _stable_id("bridge"), "bridge", "172.17.0.0/16", "172.17.0.1",
                     options={"com.docker.network.bridge.default_bridge": "true",
                              "com.docker.network.bridge.enable_icc": "true",
                              "com.docker.network.bridge.enable_ip_masquerade": "true",
                              "com.docker.network.bridge.host_binding_ipv4": "0.0.0.0",
                              "com.docker.network.bridge.name": "docker0",
                              "com.docker.network.driver.mtu": "1500"})
    return {network.id: network for network in (bridge, Network("host", _stable_id("host"), "host"),
                                                Network("none", _stable_id("none"), "null"))}


def new_network_id() -> str:
    return secrets.token_hex(32)


def subnet_for(index: int) -> tuple[str, str]:
    """The next private range, as the daemon's default address pools hand them out (172.18.0.0/16, …)."""
    second = 18 + index
    return f"172.{second}.0.0/16", f"172.{second}.0.1"
