"""The Go types of the Engine API's bodies, built from the Swagger spec the repository holds.

The spec gives every field, its JSON type and its place; it does not say what only the Go source says: a
struct's Go name, the integer kind behind `type: integer`, which fields are pointers or moby's StrSlice, and
which carry `omitempty`. `GO_FACTS` adds exactly those (taken from moby's api/types), so that one description
decodes a create body as the daemon does (gotypes.unmarshal) and writes inspect back as it does (marshal).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import yaml

from hellotrace.protocol import gotypes
from hellotrace.protocol.gotypes import GoField, GoType

SPEC_PATH = Path(__file__).resolve().parents[2] / "reference" / "docker-engine-api" / "swagger-v1.55.yaml"

# Go names of the structs behind the spec's definitions (the package as reflect prints it).
_STRUCT_NAMES = {
    "ContainerConfig": "container.Config", "HostConfig": "container.HostConfig",
    "Resources": "container.Resources", "RestartPolicy": "container.RestartPolicy",
    "HealthConfig": "container.HealthConfig", "DeviceMapping": "container.DeviceMapping",
    "DeviceRequest": "container.DeviceRequest", "ThrottleDevice": "blkiodev.ThrottleDevice",
    "Mount": "mount.Mount", "PortBinding": "network.PortBinding", "NetworkingConfig": "network.NetworkingConfig",
    "EndpointSettings": "network.EndpointSettings", "EndpointIPAMConfig": "network.EndpointIPAMConfig",
    "VolumeCreateRequest": "volume.CreateOptions", "ClusterVolumeSpec": "volume.ClusterVolumeSpec",
    "IPAM": "network.IPAM", "IPAMConfig": "network.IPAMConfig",
}

# Field by field, the Go type where `type: integer`, `x-nullable` or an array do not tell it.
_FIELD_TYPES: dict[str, GoType] = {
    "Resources.CpuShares": gotypes.int_type("int64"),
    "Resources.BlkioWeight": gotypes.int_type("uint16"),
    "Resources.MemorySwappiness": gotypes.pointer_to(gotypes.int_type("int64")),
    "Resources.OomKillDisable": gotypes.pointer_to(gotypes.BOOL),
    "Resources.PidsLimit": gotypes.pointer_to(gotypes.int_type("int64")),
    "Resources.IOMaximumIOps": gotypes.int_type("uint64"),
    "Resources.IOMaximumBandwidth": gotypes.int_type("uint64"),
    "Resources.Init": gotypes.pointer_to(gotypes.BOOL),
    "HostConfig.Init": gotypes.pointer_to(gotypes.BOOL),
    "HostConfig.ConsoleSize": gotypes.array_of(gotypes.int_type("uint"), 2),
    "HostConfig.NetworkMode": gotypes.string_type("container.NetworkMode"),
    "HostConfig.IpcMode": gotypes.string_type("container.IpcMode"),
    "HostConfig.CgroupnsMode": gotypes.string_type("container.CgroupnsMode"),
    "HostConfig.Cgroup": gotypes.string_type("container.CgroupSpec"),
    "HostConfig.PidMode": gotypes.string_type("container.PidMode"),
    "HostConfig.UTSMode": gotypes.string_type("container.UTSMode"),
    "HostConfig.UsernsMode": gotypes.string_type("container.UsernsMode"),
    "HostConfig.Isolation": gotypes.string_type("container.Isolation"),
    "RestartPolicy.Name": gotypes.string_type("container.RestartPolicyMode"),
    "ContainerConfig.Cmd": gotypes.STRSLICE,
    "ContainerConfig.Entrypoint": gotypes.STRSLICE,
    "ContainerConfig.Shell": gotypes.STRSLICE,
    "ContainerConfig.StopTimeout": gotypes.pointer_to(gotypes.int_type("int")),
    "HealthConfig.Interval": gotypes.int_type("time.Duration", "int64"),
    "HealthConfig.Timeout": gotypes.int_type("time.Duration", "int64"),
    "HealthConfig.StartPeriod": gotypes.int_type("time.Duration", "int64"),
    "HealthConfig.StartInterval": gotypes.int_type("time.Duration", "int64"),
    "ThrottleDevice.Rate": gotypes.int_type("uint64"),
}
_POINTER_FIELDS = {"ContainerConfig.Healthcheck", "Mount.BindOptions", "Mount.VolumeOptions",
                   "Mount.TmpfsOptions", "Mount.ImageOptions", "NetworkingConfig.EndpointsConfig"}

# Fields tagged `json:",omitempty"` in moby's structs.
_OMITEMPTY = {
    "ContainerConfig": {"ExposedPorts", "Healthcheck", "ArgsEscaped", "NetworkDisabled", "StopSignal",
                        "StopTimeout", "Shell"},
    "HostConfig": {"Annotations", "StorageOpt", "Tmpfs", "Sysctls", "Runtime", "Mounts", "Init"},
    "Resources": {"Init"},
    "HealthConfig": {"Interval", "Timeout", "StartPeriod", "StartInterval", "Retries"},
    "Mount": {"Type", "Source", "Target", "ReadOnly", "Consistency", "BindOptions", "VolumeOptions",
              "TmpfsOptions", "ImageOptions", "ClusterOptions"},
}


R = TypeVar("R")
# Guards the first computation of each value below; reentrant, as definitions are built from the spec and from
# one another.
_FIRST_COMPUTATION = threading.RLock()


def _computed_once(function: Callable[..., R]) -> Callable[..., R]:
    """Like functools.cache, but each value is computed once even when threads ask for it at the same moment:
    the first creates of a class reach a fresh engine together, and each parsed the half-megabyte spec on its
    own (a second and a hundred megabytes under a crowd, where one parse takes a tenth of a second)."""
    results: dict[tuple, R] = {}

    @wraps(function)
    def computed(*args: object) -> R:
        try:
            return results[args]
        except KeyError:
            pass
        with _FIRST_COMPUTATION:
            if args not in results:
                results[args] = function(*args)
            return results[args]

    computed.cache_clear = results.clear  # type: ignore[attr-defined]  # as functools.cache has (tests)
    return computed


def load() -> None:
    """Parse the spec and build the request types now (the engine does it in the background as it starts)."""
    create_request()
    update_request()


@_computed_once
def spec() -> dict[str, Any]:
    with open(SPEC_PATH, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@_computed_once
def definition(name: str) -> GoType:
    """The Go struct behind a definition of the spec (its allOf parts flattened, as Go embeds them)."""
    schema = spec()["definitions"][name]
    go_name = _STRUCT_NAMES.get(name, f"container.{name}")
    if "properties" not in schema and "allOf" not in schema:
        return _schema_type(schema, go_name)  # a map or a list type (PortMap)
    return _struct(go_name, name, schema)


def _properties(owner: str, schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(owner definition, key, schema) of every property, through allOf and $ref, in the spec's order."""
    found: list[tuple[str, str, dict[str, Any]]] = []
    for part in schema.get("allOf", [schema]):
        if "$ref" in part:
            ref = part["$ref"].rpartition("/")[2]
            found.extend(_properties(ref, spec()["definitions"][ref]))
        else:
            found.extend((owner, key, value) for key, value in part.get("properties", {}).items())
    return found


def _struct(go_name: str, owner: str, schema: dict[str, Any]) -> GoType:
    fields = []
    seen = set()
    for field_owner, key, value in _properties(owner, schema):
        if key in seen:
            continue
        seen.add(key)
        fields.append(GoField(key, _field_type(field_owner, key, value, go_name),
                              key in _OMITEMPTY.get(field_owner, ()) or key in _OMITEMPTY.get(owner, ())))
    return gotypes.struct(go_name, fields)


def _field_type(owner: str, key: str, schema: dict[str, Any], parent_go_name: str) -> GoType:
    path = f"{owner}.{key}"
    known = _FIELD_TYPES.get(path)
    if known is not None:
        return known
    package = parent_go_name.partition(".")[0]
    go_type = _schema_type(schema, f"{package}.{key}")
    if path in _POINTER_FIELDS:
        return gotypes.pointer_to(go_type)
    return go_type


def _schema_type(schema: dict[str, Any], inline_name: str) -> GoType:
    if "$ref" in schema:
        return definition(schema["$ref"].rpartition("/")[2])
    if "allOf" in schema and len(schema["allOf"]) == 1 and "$ref" in schema["allOf"][0]:
        return definition(schema["allOf"][0]["$ref"].rpartition("/")[2])
    kind = schema.get("type")
    if kind == "string":
        return gotypes.STRING
    if kind == "boolean":
        return gotypes.BOOL
    if kind == "integer":
        return gotypes.int_type(schema.get("format") or "int")
    if kind == "number":
        return GoType("float", "float64")
    if kind == "array":
        return gotypes.slice_of(_schema_type(schema.get("items", {}), inline_name))
    if kind == "object" or "properties" in schema or "additionalProperties" in schema:
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict) and "properties" not in schema:
            if extra.get("type") == "object" and not extra.get("properties") and "additionalProperties" not in extra:
                return gotypes.map_of(gotypes.struct("struct {}", []))
            return gotypes.map_of(_schema_type(extra, inline_name))
        if "properties" in schema:
            return _struct(inline_name, inline_name, schema)
        return gotypes.map_of(gotypes.ANY)
    return gotypes.ANY


@_computed_once
def create_request() -> GoType:
    """runconfig.ContainerConfigWrapper: container.Config embedded, then HostConfig and NetworkingConfig."""
    config = definition("ContainerConfig")
    return gotypes.struct("runconfig.ContainerConfigWrapper", [
        *config.fields,
        GoField("HostConfig", gotypes.pointer_to(definition("HostConfig")), omitempty=True),
        GoField("NetworkingConfig", gotypes.pointer_to(definition("NetworkingConfig")), omitempty=True),
    ])


@_computed_once
def update_request() -> GoType:
    """container.UpdateConfig: Resources embedded, then RestartPolicy."""
    return gotypes.struct("container.UpdateConfig", [
        *definition("Resources").fields,
        GoField("RestartPolicy", definition("RestartPolicy")),
    ])


@_computed_once
def body_type(path: str, method: str, go_name: str) -> GoType:
    """The Go struct of an operation's body schema (exec, network and volume requests)."""
    operation = spec()["paths"][path][method]
    schema = next(p["schema"] for p in operation["parameters"] if p.get("in") == "body")
    if "$ref" in schema:
        return definition(schema["$ref"].rpartition("/")[2])
    return _struct(go_name, go_name.rpartition(".")[2], schema)
