"""Network routes (daemon/server/router/network): list, inspect, create, connect, disconnect, remove, prune."""

from __future__ import annotations

import hashlib

from hellotrace.engine import apitypes
from hellotrace.engine.api import Call, daemon_headers, empty_response, json_response
from hellotrace.engine.bodies import decode_json_body
from hellotrace.engine.containers import Container, rfc3339_nano
from hellotrace.engine.http import Response
from hellotrace.engine.networks import Network, new_network_id, subnet_for
from hellotrace.engine.routes_images import parse_filters
from hellotrace.engine.sandbox import Sandbox
from hellotrace.protocol.errors import EngineError, conflict, invalid_parameter, not_found


def primary_network(container: Container) -> str:
    """The network a container is created on: NetworkMode, with "default" meaning bridge."""
    mode = container.host_config.get("NetworkMode") or "default"
    return "bridge" if mode == "default" else mode


def networks_of(sandbox: Sandbox, container: Container) -> list[str]:
    """The names of the networks a container is on: its primary one, then those it was connected to."""
    names = [primary_network(container)]
    for network in sandbox.networks.values():
        if container.id in network.endpoints and network.name not in names:
            names.append(network.name)
    return names


def find_network(sandbox: Sandbox, given: str) -> Network:
    """Full ID, then name, then unique ID prefix; `network X not found` otherwise."""
    networks = list(sandbox.networks.values())
    for network in networks:
        if network.id == given:
            return network
    for network in networks:
        if network.name == given:
            return network
    matches = [network for network in networks if given and network.id.startswith(given)]
    if len(matches) == 1:
        return matches[0]
    raise not_found(f"network {given} not found")


def _body(sandbox: Sandbox, network: Network) -> dict:
    attached = {}
    for container in sandbox.containers.values():
        if container.running and network.name in networks_of(sandbox, container):
            octet = 2 + int(container.id[:2], 16) % 250
            prefix = network.subnet.rsplit(".", 2)[0] if network.subnet else ""
            attached[container.id] = {
                "Name": container.name, "EndpointID": container.id[::-1],
                "MacAddress": f"02:42:ac:11:00:{octet:02x}" if prefix else "",
                "IPv4Address": f"{prefix}.0.{octet}/16" if prefix else "", "IPv6Address": "",
            }
    return {
        "Name": network.name, "Id": network.id, "Created": rfc3339_nano(network.created), "Scope": "local",
        "Driver": network.driver, "EnableIPv4": True, "EnableIPv6": False,
        "IPAM": {"Driver": "default", "Options": None,
                 "Config": [{"Subnet": network.subnet, "Gateway": network.gateway}] if network.subnet else []},
        "Internal": network.internal, "Attachable": network.attachable, "Ingress": False,
        "ConfigFrom": {"Network": ""}, "ConfigOnly": False, "Containers": attached,
        "Options": dict(network.options), "Labels": dict(network.labels),
    }


def list_networks(call: Call) -> Response:
    filters = parse_filters(call.request.arg("filters"))
    for key in filters:
        if key not in ("dangling", "driver", "id", "label", "name", "scope", "type"):
            raise invalid_parameter(f"invalid filter '{key}'")
    sandbox = call.sandbox
    with sandbox.cond:
        items = [_body(sandbox, network) for network in sorted(sandbox.networks.values(), key=lambda n: n.name)
                 if _passes(network, filters)]
    return json_response(200, items)


def _passes(network: Network, filters: dict[str, list[str]]) -> bool:
    checks = {
        "name": lambda v: v in network.name,
        "id": lambda v: network.id.startswith(v),
        "driver": lambda v: v == network.driver,
        "type": lambda v: v == ("builtin" if network.predefined else "custom"),
        "scope": lambda v: v == "local",
        "label": lambda v: v.partition("=")[0] in network.labels and (
            "=" not in v or network.labels[v.partition("=")[0]] == v.partition("=")[2]),
        "dangling": lambda v: (v in ("true", "1")) == (not network.endpoints and not network.predefined),
    }
    return all(any(checks[key](value) for value in values) for key, values in filters.items() if values)


def inspect_network(call: Call) -> Response:
    with call.sandbox.cond:
        return json_response(200, _body(call.sandbox, find_network(call.sandbox, call.params["id"])))


def create_network(call: Call) -> Response:
    _, request = decode_json_body(call, apitypes.body_type("/networks/create", "post", "network.CreateRequest"))
    name, driver = request["Name"], request["Driver"] or "bridge"
    if not name:
        raise invalid_parameter("invalid name: name is empty")
    if driver in ("host", "null"):
        raise EngineError(403, f'only one instance of "{driver}" network is allowed')
    if driver != "bridge":
        raise not_found(f'plugin "{driver}" not found')
    sandbox = call.sandbox
    with sandbox.cond:
        if any(network.name == name for network in sandbox.networks.values()):
            raise conflict(f"network with name {name} already exists")
        subnet, gateway = subnet_for(sum(1 for n in sandbox.networks.values() if n.subnet) - 1)
        network = Network(name, new_network_id(), driver, subnet, gateway, internal=bool(request["Internal"]),
                          attachable=bool(request["Attachable"]), labels=dict(request["Labels"] or {}),
                          options=dict(request["Options"] or {}))
        sandbox.budget.charge(network.kept_bytes, f"network create {name}")
        sandbox.networks[network.id] = network
        sandbox.events.emit("network", "create", network.id, {"name": name, "type": driver})
    return json_response(201, {"Id": network.id, "Warning": ""})


def remove_network(call: Call) -> Response:
    sandbox = call.sandbox
    with sandbox.cond:
        network = find_network(sandbox, call.params["id"])
        if network.predefined:
            raise EngineError(403, f"{network.name} is a pre-defined network and cannot be removed")
        # Only a running container has an endpoint (a stopped one connected keeps just its settings), so only
        # those keep the network (libnetwork's Network.delete).
        users = [c for c in sandbox.containers.values() if c.alive and network.name in networks_of(sandbox, c)]
        if users:
            endpoints = ", ".join(f'name:"{c.name}" id:"{_endpoint_id(network, c)[:12]}"' for c in users)
            raise EngineError(403, f"error while removing network: network {network.name} has active endpoints "
                                   f"({endpoints})")
        del sandbox.networks[network.id]
        sandbox.budget.release(network.kept_bytes)
        sandbox.events.emit("network", "destroy", network.id, {"name": network.name, "type": network.driver})
    return empty_response(204)


def _endpoint_id(network: Network, container: Container) -> str:
    """A stable stand-in for the endpoint's ID: the mock keeps no endpoint objects."""
    return hashlib.sha256(f"{network.id}/{container.id}".encode()).hexdigest()


def connect(call: Call) -> Response:
    _, request = decode_json_body(call, apitypes.body_type("/networks/{id}/connect", "post",
                                                           "network.ConnectRequest"))
    sandbox = call.sandbox
    with sandbox.cond:
        network = find_network(sandbox, call.params["id"])
        container = sandbox.find_container(request["Container"] or "")
        if network.name in ("host", "none") or primary_network(container) in ("host", "none"):
            raise invalid_parameter("container cannot be disconnected from host network or connected to host "
                                    "network")
        if network.name in networks_of(sandbox, container):
            raise EngineError(403, f"endpoint with name {container.name} already exists in network "
                                   f"{network.name}")
        aliases = ((request.get("EndpointConfig") or {}).get("Aliases")) or []
        network.endpoints[container.id] = list(aliases)
        sandbox.events.emit("network", "connect", network.id,
                            {"container": container.id, "name": network.name, "type": network.driver})
    return Response(200, daemon_headers(), b"")


def disconnect(call: Call) -> Response:
    _, request = decode_json_body(call, apitypes.body_type("/networks/{id}/disconnect", "post",
                                                           "network.DisconnectRequest"))
    sandbox = call.sandbox
    with sandbox.cond:
        network = find_network(sandbox, call.params["id"])
        container = sandbox.find_container(request["Container"] or "")
        if network.name not in networks_of(sandbox, container):
            raise EngineError(403, f"container {container.id} is not connected to network {network.name}")
        if container.id in network.endpoints:
            del network.endpoints[container.id]
        else:
            container.host_config = {**container.host_config, "NetworkMode": "none"}
        sandbox.events.emit("network", "disconnect", network.id,
                            {"container": container.id, "name": network.name, "type": network.driver})
    return Response(200, daemon_headers(), b"")


def prune_networks(call: Call) -> Response:
    sandbox = call.sandbox
    deleted = []
    with sandbox.cond:
        for network in list(sandbox.networks.values()):
            in_use = any(network.name in networks_of(sandbox, c) for c in sandbox.containers.values())
            if network.predefined or in_use:
                continue
            del sandbox.networks[network.id]
            sandbox.budget.release(network.kept_bytes)
            deleted.append(network.name)
            sandbox.events.emit("network", "destroy", network.id, {"name": network.name, "type": network.driver})
        sandbox.events.emit("network", "prune", "", {"reclaimed": "0"})
    return json_response(200, {"NetworksDeleted": deleted or None})


ROUTES = [
    ("GET", r"/networks", list_networks),
    ("POST", r"/networks/create", create_network),
    ("POST", r"/networks/prune", prune_networks),
    ("GET", r"/networks/(?P<id>[^/]+)", inspect_network),
    ("DELETE", r"/networks/(?P<id>[^/]+)", remove_network),
    ("POST", r"/networks/(?P<id>[^/]+)/connect", connect),
    ("POST", r"/networks/(?P<id>[^/]+)/disconnect", disconnect),
]
