"""Volume routes (daemon/server/router/volume): create, list, inspect, remove, prune; and named volumes in `-v`."""

from __future__ import annotations

import re
import secrets

from hellotrace.engine import apitypes
from hellotrace.engine.api import Call, empty_response, json_response
from hellotrace.engine.bodies import decode_json_body
from hellotrace.engine.containers import Container
from hellotrace.engine.http import Response
from hellotrace.engine.routes_images import parse_filters
from hellotrace.engine.sandbox import Sandbox
from hellotrace.engine.volumes import VOLUME_NAME, Volume
from hellotrace.protocol.errors import conflict, invalid_parameter, not_found


def named_binds(host_config: dict) -> list[tuple[str, str, bool]]:
    """(volume name, destination, read-write) of each `-v name:/path[:ro]` (a source without a slash)."""
    found = []
    for bind in host_config.get("Binds") or []:
        source, _, rest = bind.partition(":")
        destination, _, mode = rest.partition(":")
        if source and "/" not in source and destination:
            found.append((source, destination, "ro" not in mode.split(",")))
    return found


def ensure_volumes(sandbox: Sandbox, host_config: dict) -> None:
    """Create the named volumes a container mounts, as the daemon does at create time."""
    for name, _, _ in named_binds(host_config):
        if not re.match(VOLUME_NAME, name):
            raise invalid_parameter(f'"{name}" includes invalid characters for a local volume name, only '
                                    '"[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host '
                                    "directory, use absolute path")
        if name not in sandbox.volumes:
            volume = Volume(name)
            sandbox.budget.charge(volume.kept_bytes, f"volume create {name}")
            sandbox.volumes[name] = volume
            sandbox.events.emit("volume", "create", name, {"driver": "local"})


def mounts_of(sandbox: Sandbox, container: Container) -> list[dict]:
    """Inspect's Mounts: named volumes and bind mounts, in the order given."""
    mounts = []
    for bind in container.host_config.get("Binds") or []:
        source, _, rest = bind.partition(":")
        destination, _, mode = rest.partition(":")
        read_write = "ro" not in mode.split(",")
        if "/" not in source:
            volume = sandbox.volumes.get(source)
            mounts.append({"Type": "volume", "Name": source, "Source": volume.mountpoint if volume else "",
                           "Destination": destination, "Driver": "local", "Mode": mode or "z", "RW": read_write,
                           "Propagation": ""})
        else:
            mounts.append({"Type": "bind", "Source": source, "Destination": destination, "Mode": mode,
                           "RW": read_write, "Propagation": "rprivate"})
    return mounts


def _users(sandbox: Sandbox, name: str) -> list[str]:
    return [c.id for c in sandbox.containers.values() if any(v == name for v, _, _ in named_binds(c.host_config))]


def _find(sandbox: Sandbox, name: str) -> Volume:
    volume = sandbox.volumes.get(name)
    if volume is None:
        raise not_found(f"get {name}: no such volume")
    return volume


def create_volume(call: Call) -> Response:
    _, request = decode_json_body(call, apitypes.definition("VolumeCreateRequest"))
    name = request["Name"] or secrets.token_hex(32)
    driver = request["Driver"] or "local"
    if driver != "local":
        raise not_found(f'plugin "{driver}" not found')
    if not re.match(VOLUME_NAME, name):
        raise invalid_parameter(f'create {name}: "{name}" includes invalid characters for a local volume name, '
                                'only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host '
                                "directory, use absolute path")
    sandbox = call.sandbox
    with sandbox.cond:
        volume = sandbox.volumes.get(name)
        if volume is None:
            volume = Volume(name, labels=dict(request["Labels"] or {}), options=dict(request["DriverOpts"] or {}),
                            anonymous=not request["Name"])
            sandbox.budget.charge(volume.kept_bytes, f"volume create {name}")
            sandbox.volumes[name] = volume
            sandbox.events.emit("volume", "create", name, {"driver": "local"})
        return json_response(201, volume.body())


def list_volumes(call: Call) -> Response:
    filters = parse_filters(call.request.arg("filters"))
    for key in filters:
        if key not in ("dangling", "driver", "label", "name"):
            raise invalid_parameter(f"invalid filter '{key}'")
    sandbox = call.sandbox
    with sandbox.cond:
        items = []
        for volume in sorted(sandbox.volumes.values(), key=lambda v: v.name):
            dangling = not _users(sandbox, volume.name)
            if "dangling" in filters and (filters["dangling"][0] in ("true", "1")) != dangling:
                continue
            if "name" in filters and not any(v in volume.name for v in filters["name"]):
                continue
            if "driver" in filters and volume.driver not in filters["driver"]:
                continue
            items.append(volume.body())
    return json_response(200, {"Volumes": items, "Warnings": None})


def inspect_volume(call: Call) -> Response:
    with call.sandbox.cond:
        return json_response(200, _find(call.sandbox, call.params["name"]).body())


def remove_volume(call: Call) -> Response:
    sandbox = call.sandbox
    name = call.params["name"]
    with sandbox.cond:
        volume = sandbox.volumes.get(name)
        if volume is None:
            if call.request.flag("force"):
                return empty_response(204)
            raise not_found(f"get {name}: no such volume")
        users = _users(sandbox, name)
        if users:
            raise conflict(f"remove {name}: volume is in use - [{', '.join(users)}]")
        del sandbox.volumes[name]
        sandbox.budget.release(volume.kept_bytes)
        sandbox.events.emit("volume", "destroy", name, {"driver": volume.driver})
    return empty_response(204)


def prune_volumes(call: Call) -> Response:
    """Unused anonymous volumes; with the `all` filter, unused named ones too (API 1.42 and later)."""
    filters = parse_filters(call.request.arg("filters"))
    for key in filters:
        if key not in ("all", "label", "label!"):
            raise invalid_parameter(f"invalid filter '{key}'")
    every = filters.get("all", ["false"])[0].lower() in ("true", "1")
    sandbox = call.sandbox
    deleted = []
    with sandbox.cond:
        for volume in list(sandbox.volumes.values()):
            if _users(sandbox, volume.name) or not (every or volume.anonymous):
                continue
            del sandbox.volumes[volume.name]
            sandbox.budget.release(volume.kept_bytes)
            deleted.append(volume.name)
            sandbox.events.emit("volume", "destroy", volume.name, {"driver": volume.driver})
        sandbox.events.emit("volume", "prune", "", {"reclaimed": "0"})
    return json_response(200, {"VolumesDeleted": deleted or None, "SpaceReclaimed": 0})


ROUTES = [
    ("GET", r"/volumes", list_volumes),
    ("POST", r"/volumes/create", create_volume),
    ("POST", r"/volumes/prune", prune_volumes),
    ("GET", r"/volumes/(?P<name>[^/]+)", inspect_volume),
    ("DELETE", r"/volumes/(?P<name>[^/]+)", remove_volume),
]

