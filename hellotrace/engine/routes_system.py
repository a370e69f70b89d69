"""System routes: `/_ping`, `/version`, `/info` (daemon/server/router/system)."""

from __future__ import annotations

import os
import platform
from typing import Any

from hellotrace.engine.api import Call, daemon_headers, json_response
from hellotrace.engine.containers import rfc3339_nano, utc_now
from hellotrace.engine.http import Response
from hellotrace.engine.programs import KERNEL_VERSION
from hellotrace.engine.routes_containers import _summary as container_summary
from hellotrace.engine.routes_images import _summary as image_summary
from hellotrace.engine.routes_volumes import named_binds
from hellotrace.protocol.versions import ENGINE_VERSION, MAX_API_VERSION, MIN_API_VERSION, api_version_less

PLATFORM_NAME = "hellotrace mock Docker Engine (simulated, not a real dockerd)"
GIT_COMMIT = "hellotrace"
GO_VERSION = "go1.25.5 (simulated)"
BUILD_TIME = "2026-08-05T12:00:00.000000000+00:00"

_PING_HEADERS = [
    ("Builder-Version", "2"),
    ("Cache-Control", "no-cache, no-store, must-revalidate"),
    ("Pragma", "no-cache"),
    ("Swarm", "inactive"),
]


def ping(call: Call) -> Response:
    if call.request.method == "HEAD":
        # The HEAD handler sets both headers itself, so they are sorted in with the others.
        headers = _PING_HEADERS + [("Content-Length", "0"), ("Content-Type", "text/plain; charset=utf-8")]
        return Response(200, daemon_headers(headers), b"")
    # GET writes "OK" and lets Go sniff the type, which then goes after Date and Content-Length.
    return Response(200, daemon_headers(_PING_HEADERS), b"OK", sniffed_type="text/plain; charset=utf-8")


def version(call: Call) -> Response:
    engine_details = {
        "ApiVersion": MAX_API_VERSION,
        "Arch": "amd64",
        "BuildTime": BUILD_TIME,
        "Experimental": "false",
        "GitCommit": GIT_COMMIT,
        "GoVersion": GO_VERSION,
        "KernelVersion": KERNEL_VERSION,
        "MinAPIVersion": MIN_API_VERSION,
        "Os": "linux",
    }
    body = {
        "Platform": {"Name": PLATFORM_NAME},
        "Components": [
            {"Name": "Engine", "Version": ENGINE_VERSION, "Details": engine_details},
        ],
        "Version": ENGINE_VERSION,
        "ApiVersion": MAX_API_VERSION,
        "MinAPIVersion": MIN_API_VERSION,
        "GitCommit": GIT_COMMIT,
        "GoVersion": GO_VERSION,
        "Os": "linux",
        "Arch": "amd64",
        "KernelVersion": KERNEL_VERSION,
        "BuildTime": BUILD_TIME,
    }
    return json_response(200, body)


def info(call: Call) -> Response:
    sandbox = call.sandbox
    with sandbox.cond:
        containers = list(sandbox.containers.values())
        image_count = len(sandbox.images)
    running = sum(1 for c in containers if c.running)
    body: dict[str, Any] = {
        "ID": "HTRC:MOCK:ENGN:0000:0000:0000:0000:0000:0000:0000:0000:0001",
        "Containers": len(containers),
        "ContainersRunning": running,
        "ContainersPaused": 0,
        "ContainersStopped": len(containers) - running,
        "Images": image_count,
        "Driver": "overlayfs",
        "DriverStatus": [["driver-type", "io.containerd.snapshotter.v1"]],
        "Plugins": {"Volume": ["local"], "Network": ["bridge", "host", "null"], "Authorization": [],
                    "Log": ["json-file", "local"]},
        "MemoryLimit": True,
        "SwapLimit": True,
        "CpuCfsPeriod": True,
        "CpuCfsQuota": True,
        "CPUShares": True,
        "CPUSet": True,
        "PidsLimit": True,
        "IPv4Forwarding": True,
        "Debug": False,
        "NFd": 24,
        "OomKillDisable": False,
        "NGoroutines": 40,
        "SystemTime": rfc3339_nano(utc_now()),
        "LoggingDriver": "json-file",
        "CgroupDriver": "systemd",
        "CgroupVersion": "2",
        "NEventsListener": 0,
        "KernelVersion": KERNEL_VERSION,
        "OperatingSystem": "hellotrace mock engine (simulated)",
        "OSVersion": "",
        "OSType": "linux",
        "Architecture": "x86_64",
        "IndexServerAddress": "https://index.docker.io/v1/",
        "RegistryConfig": {
            "IndexConfigs": {
                "docker.io": {"Name": "docker.io", "Mirrors": [], "Secure": True, "Official": True},
            },
            "InsecureRegistryCIDRs": ["::1/128", "127.0.0.0/8"],
            "Mirrors": [],
        },
        "NCPU": os.cpu_count() or 1,
        "MemTotal": _mem_total(),
        "GenericResources": None,
        "DockerRootDir": "/var/lib/docker",
        "HttpProxy": "",
        "HttpsProxy": "",
        "NoProxy": "",
        "Name": call.settings.hostname or platform.node(),
        "Labels": [],
        "ExperimentalBuild": False,
        "ServerVersion": ENGINE_VERSION,
        "Runtimes": {"runc": {"path": "runc"}},
        "DefaultRuntime": "runc",
        "Swarm": {"NodeID": "", "NodeAddr": "", "LocalNodeState": "inactive", "ControlAvailable": False,
                  "Error": "", "RemoteManagers": []},
        "LiveRestoreEnabled": False,
        "Isolation": "",
        "InitBinary": "docker-init",
        "ContainerdCommit": {"ID": ""},
        "RuncCommit": {"ID": ""},
        "InitCommit": {"ID": ""},
        "SecurityOptions": ["name=seccomp,profile=builtin", "name=cgroupns"],
        "CDISpecDirs": [],
        "Warnings": [
            "WARNING: this is hellotrace's mock engine: containers are simulated, nothing really runs",
        ],
    }
    if not api_version_less(call.api_version, "1.46"):
        body["Containerd"] = {"Address": "/run/containerd/containerd.sock",
                              "Namespaces": {"Containers": "moby", "Plugins": "plugins.moby"}}
    if not api_version_less(call.api_version, "1.49"):
        body["FirewallBackend"] = {"Driver": "iptables"}
    _add_legacy_info_fields(body, call.api_version)
    return json_response(200, body)


def _add_legacy_info_fields(body: dict[str, Any], api_version: str) -> None:
    """What getInfo adds back for older clients (daemon/server/router/system/system_routes.go in 29.7)."""
    if api_version_less(api_version, "1.47"):
        body["RegistryConfig"]["AllowNondistributableArtifactsCIDRs"] = None
        body["RegistryConfig"]["AllowNondistributableArtifactsHostnames"] = None
    if api_version_less(api_version, "1.49"):
        for commit in ("ContainerdCommit", "RuncCommit", "InitCommit"):
            body[commit]["Expected"] = body[commit]["ID"]
    if api_version_less(api_version, "1.50"):
        body["BridgeNfIptables"] = False
        body["BridgeNfIp6tables"] = False


def _mem_total() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return 0




def disk_usage(call: Call) -> Response:
    """`docker system df`: images, containers, volumes and the (empty) build cache, with what pruning frees.

    API 1.52 replaced the lists with per-type totals (the lists only with `verbose`).
    """
    sandbox = call.sandbox
    now = utc_now()
    with sandbox.cond:
        containers = sorted(sandbox.containers.values(), key=lambda c: c.created, reverse=True)
        users: dict[str, int] = {}
        for container in containers:
            users[container.image.index_digest] = users.get(container.image.index_digest, 0) + 1
        images = [image_summary(stored, users.get(stored.id, 0), "1.51") for stored in sandbox.images.values()]
        for image in images:
            image["Containers"] = users.get(image["Id"], 0)
            image["SharedSize"] = 0
        container_items = [container_summary(sandbox, c, call.api_version, now, with_size=True) for c in containers]
        volume_users = {name: 0 for name in sandbox.volumes}
        for container in containers:
            for name, _, _ in named_binds(container.host_config):
                volume_users[name] = volume_users.get(name, 0) + 1
        volumes = [volume.body({"Size": 0, "RefCount": volume_users.get(volume.name, 0)})
                   for volume in sandbox.volumes.values()]
    if api_version_less(call.api_version, "1.52"):
        legacy: dict[str, Any] = {"LayersSize": sum(image["Size"] for image in images), "Images": images,
                                  "Containers": container_items, "Volumes": volumes, "BuildCache": []}
        if api_version_less(call.api_version, "1.42"):
            legacy["BuilderSize"] = 0  # deprecated in API 1.42, still sent to older clients
        return json_response(200, legacy)
    verbose = call.request.flag("verbose")

    def usage(items: list[dict], active: int, size: int, reclaimable: int) -> dict:
        body: dict[str, Any] = {"ActiveCount": active, "TotalCount": len(items), "Reclaimable": reclaimable,
                                "TotalSize": size}
        if verbose:
            body["Items"] = items
        return body

    image_size = sum(image["Size"] for image in images)
    unused = sum(image["Size"] for image in images if not image["Containers"])
    return json_response(200, {
        "ImageUsage": usage(images, sum(1 for image in images if image["Containers"]), image_size, unused),
        "ContainerUsage": usage(container_items, sum(1 for c in containers if c.alive), 0, 0),
        "VolumeUsage": usage(volumes, sum(1 for v in volumes if v["UsageData"]["RefCount"]), 0, 0),
        "BuildCacheUsage": usage([], 0, 0, 0),
    })


ROUTES = [
    ("GET", r"/_ping", ping),
    ("HEAD", r"/_ping", ping),
    ("GET", r"/version", version),
    ("GET", r"/info", info),
    ("GET", r"/system/df", disk_usage),
]
