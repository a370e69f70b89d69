"""What hellotrace may send to a real Docker daemon: a Docker socket is root on its host.

Only the calls the lessons need pass: an allow-list of method + path, image names from a short list,
container creation with a harmless configuration and hellotrace's label, and container calls only on
containers hellotrace itself created. Anything else is refused before it leaves, with a reason code the
web layer explains. The mock engine needs none of this (each visitor has a sandbox), so the policy is
only switched on for real daemons.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from urllib.parse import parse_qs

from hellotrace.protocol.reference import InvalidReference, parse_reference, pull_reference

LABEL = "org.hellotrace.replay"
DEFAULT_IMAGES = ("hello-world", "alpine", "busybox")

_VERSION_PREFIX = re.compile(r"^/v[0-9.]+(/.*)$")
_CONTAINER_ID = re.compile(r"^[0-9a-f]{64}$")
# Keys of a create body that cannot give a container power over the host. Everything the CLI sends for
# `docker run hello-world` is here; binds, mounts, devices, privileges, host namespaces are not.
_CONFIG_KEYS = {
    "Hostname", "Domainname", "User", "AttachStdin", "AttachStdout", "AttachStderr", "Tty", "OpenStdin",
    "StdinOnce", "Env", "Cmd", "Image", "Volumes", "WorkingDir", "Entrypoint", "OnBuild", "Labels",
    "HostConfig", "NetworkingConfig", "StopSignal", "StopTimeout",
}
_HOST_CONFIG_HARMLESS = {
    "AutoRemove": (False, True), "NetworkMode": ("", "default", "bridge", "none"),
    "Privileged": (False,), "PublishAllPorts": (False,), "ReadonlyRootfs": (False, True),
}
_HOST_CONFIG_EMPTY_OK = {
    "Binds", "Mounts", "Devices", "CapAdd", "Links", "VolumesFrom", "DeviceRequests", "SecurityOpt",
    "PortBindings", "ExtraHosts", "Dns", "DnsOptions", "DnsSearch", "GroupAdd", "Ulimits", "DeviceCgroupRules",
    "BlkioWeightDevice", "BlkioDeviceReadBps", "BlkioDeviceWriteBps", "BlkioDeviceReadIOps",
    "BlkioDeviceWriteIOps", "MaskedPaths", "ReadonlyPaths", "Tmpfs", "Sysctls",
}
_HOST_NAMESPACE_KEYS = ("PidMode", "IpcMode", "UTSMode", "UsernsMode", "CgroupnsMode", "Cgroup")


@dataclass(frozen=True)
class Refusal:
    """Why a call is not sent: `code` selects the explanation, `detail` is the offending part."""

    code: str
    detail: str = ""


class DaemonPolicy:
    """Shared by every visitor of one site: it remembers which containers hellotrace created."""

    def __init__(self, images: tuple[str, ...] = DEFAULT_IMAGES) -> None:
        self.images = tuple(images)
        self._ours: set[str] = set()
        self._lock = threading.Lock()

    # -- containers hellotrace made ---------------------------------------------------------------------

    def remember(self, container_id: str) -> None:
        with self._lock:
            self._ours.add(container_id)

    def forget(self, container_id: str) -> None:
        with self._lock:
            self._ours.discard(container_id)

    def ours(self) -> list[str]:
        with self._lock:
            return sorted(self._ours)

    def is_ours(self, container_id: str) -> bool:
        with self._lock:
            return container_id in self._ours

    # -- the check -------------------------------------------------------------------------------------

    def check(self, method: str, path: str, query: str, body: bytes | None) -> Refusal | None:
        """`path` is the endpoint after any base path, with or without its /v1.xx prefix."""
        versioned = _VERSION_PREFIX.match(path)
        endpoint = versioned.group(1) if versioned else path
        params = parse_qs(query, keep_blank_values=True)
        parts = endpoint.strip("/").split("/")
        if endpoint == "/_ping" and method in ("GET", "HEAD"):
            return None
        if endpoint in ("/version", "/info") and method == "GET":
            return None
        if parts[0] == "images":
            return self._check_images(method, parts, params)
        if parts[0] == "containers":
            return self._check_containers(method, parts, params, body)
        return Refusal("route", f"{method} {endpoint}")

    def _check_images(self, method: str, parts: list[str], params: dict[str, list[str]]) -> Refusal | None:
        if method == "POST" and parts == ["images", "create"]:
            if "fromSrc" in params:
                return Refusal("import", "fromSrc")
            from_image = (params.get("fromImage") or [""])[0]
            tag = (params.get("tag") or [""])[0]
            if not tag:
                return Refusal("all-tags", from_image)
            return self._check_image_name(from_image, tag)
        if method == "GET" and parts == ["images", "json"]:
            return None
        if method == "GET" and len(parts) >= 3 and parts[-1] == "json":
            return self._check_image_name("/".join(parts[1:-1]))
        if method == "DELETE" and len(parts) >= 2:
            return self._check_image_name("/".join(parts[1:]))
        return Refusal("route", f"{method} /{'/'.join(parts)}")

    def _check_image_name(self, name: str, tag: str | None = None) -> Refusal | None:
        try:
            ref = pull_reference(name, tag) if tag is not None else parse_reference(name)
        except InvalidReference:
            return Refusal("image", name)
        if ref.domain != "docker.io" or ref.familiar_name not in self.images:
            return Refusal("image", ref.familiar)
        return None

    def _check_containers(self, method: str, parts: list[str], params: dict[str, list[str]],
                          body: bytes | None) -> Refusal | None:
        if method == "POST" and parts == ["containers", "create"]:
            return self._check_create(body)
        if method == "GET" and parts == ["containers", "json"]:
            filters = (params.get("filters") or [""])[0]
            if LABEL not in filters:
                return Refusal("list-unfiltered", LABEL)
            return None
        if len(parts) < 2:
            return Refusal("route", f"{method} /{'/'.join(parts)}")
        container = parts[1]
        if not _CONTAINER_ID.match(container) or not self.is_ours(container):
            return Refusal("not-ours", container)
        action = parts[2] if len(parts) > 2 else ""
        allowed = {
            ("GET", "json"), ("POST", "start"), ("POST", "stop"), ("POST", "wait"), ("POST", "attach"),
            ("GET", "logs"), ("DELETE", ""),
        }
        if (method, action) not in allowed or len(parts) > 3:
            return Refusal("route", f"{method} /{'/'.join(parts)}")
        if action == "attach" and params.get("stdin", ["0"])[0] not in ("0", "false", ""):
            return Refusal("stdin", "stdin=1")
        return None

    def _check_create(self, body: bytes | None) -> Refusal | None:
        try:
            config = json.loads(body or b"")
        except (ValueError, UnicodeDecodeError):
            return Refusal("create-body", "not JSON")
        if not isinstance(config, dict):
            return Refusal("create-body", "not a JSON object")
        unknown = sorted(set(config) - _CONFIG_KEYS)
        if unknown:
            return Refusal("create-key", unknown[0])
        image_refusal = self._check_image_name(str(config.get("Image") or ""))
        if image_refusal is not None:
            return image_refusal
        labels = config.get("Labels") or {}
        if not isinstance(labels, dict) or LABEL not in labels:
            return Refusal("create-label", LABEL)
        host_config = config.get("HostConfig") or {}
        if not isinstance(host_config, dict):
            return Refusal("create-body", "HostConfig")
        for key, value in host_config.items():
            if key in _HOST_CONFIG_HARMLESS:
                if value not in _HOST_CONFIG_HARMLESS[key]:
                    return Refusal("host-config", f"{key}={json.dumps(value)}")
            elif key in _HOST_CONFIG_EMPTY_OK:
                if value:
                    return Refusal("host-config", key)
            elif key in _HOST_NAMESPACE_KEYS:
                if value not in ("", None, "private"):
                    return Refusal("host-config", f"{key}={json.dumps(value)}")
            elif key == "LogConfig":
                # A log driver could ship output elsewhere (syslog, gelf…): only the default is accepted.
                if isinstance(value, dict) and value.get("Type") not in ("", None, "json-file"):
                    return Refusal("host-config", f"LogConfig.Type={json.dumps(value.get('Type'))}")
            elif key == "RestartPolicy":
                if isinstance(value, dict) and value.get("Name") not in ("", None, "no"):
                    return Refusal("host-config", f"RestartPolicy.Name={json.dumps(value.get('Name'))}")
            elif value not in (None, "", 0, False, [], {}) and key not in ("ConsoleSize", "MemorySwappiness"):
                # Resource limits and the like: harmless, but not needed by any lesson.
                return Refusal("host-config", key)
        return None
