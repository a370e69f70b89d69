"""What hellotrace may send to a real Docker daemon: a Docker socket is root on its host.

Only the calls the lessons need pass: an allow-list of method + path, image names from a short list,
container creation with a harmless configuration and hellotrace's label, and container calls only on
containers hellotrace itself created. Anything else is refused before it leaves, with a reason code the
web layer explains. The mock engine needs none of this (each visitor has a sandbox), so the policy is
only switched on for real daemons.

The policy judges the request exactly as it goes on the wire (the traced client hands it the finished
target, headers and body) and reads it as the daemon will: the path segment by segment with its version
prefix, the query as Go's `url.ParseQuery`, `filters` as moby's `filters.FromJSON`, bodies through Go's JSON
decoder (`protocol.gojson`: case-insensitive keys, last match wins). What the policy cannot read with
certainty is refused.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

from hellotrace.protocol.gojson import (
    GoMap,
    GoStruct,
    JsonSyntaxError,
    TooDeep,
    decode_first_value,
    decode_whole,
    go_view,
)
from hellotrace.protocol.reference import InvalidReference, parse_reference, pull_reference

LABEL = "org.hellotrace.replay"
DEFAULT_IMAGES = ("hello-world", "alpine", "busybox")

# One path segment as hellotrace's client writes it: no escapes (`%`), so the daemon's router, which matches
# the unescaped path, sees the same segments as the policy.
_SEGMENT = re.compile(r"[A-Za-z0-9._~:@!$&'()*+,=-]+")
_VERSION_SEGMENT = re.compile(r"v[0-9.]+")  # what the daemon's router takes as a version prefix
_API_VERSION = re.compile(r"1\.(0|[1-9][0-9]{0,3})")
# Below API 1.24 the daemon still takes a HostConfig in the body of `start`, past every check made at create.
_OLDEST_MINOR = 24
_CONTAINER_ID = re.compile(r"^[0-9a-f]{64}$")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
# Headers that change how the daemon frames or routes the request: the client writes them itself.
_FRAMING_HEADERS = {"transfer-encoding", "te", "trailer", "expect", "connection", "upgrade", "host", "content-length"}
_FORM_TYPE = "application/x-www-form-urlencoded"

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
_HOST_CONFIG_ANY_VALUE = ("ConsoleSize", "MemorySwappiness")
# Settings with one field that matters, and the values it may take.
_HOST_CONFIG_CHOICES = {"LogConfig": ("Type", ("", None, "json-file")), "RestartPolicy": ("Name", ("", None, "no"))}
# The create body as the daemon's Go structs take it (ContainerConfigWrapper): the fields the guard checks,
# so that `hostconfig`, `logconfig` or `Type` and `type` land where Go puts them.
_CREATE_SHAPE = GoStruct({
    **dict.fromkeys(_CONFIG_KEYS - {"Labels", "Volumes", "HostConfig", "NetworkingConfig"}),
    "Labels": GoMap(),
    "Volumes": GoMap(),
    "HostConfig": GoStruct({
        **dict.fromkeys((*_HOST_CONFIG_HARMLESS, *_HOST_CONFIG_EMPTY_OK, *_HOST_NAMESPACE_KEYS,
                         *_HOST_CONFIG_ANY_VALUE)),
        "LogConfig": GoStruct({"Type": None, "Config": GoMap()}),
        "RestartPolicy": GoStruct({"Name": None, "MaximumRetryCount": None}),
    }),
    "NetworkingConfig": GoStruct({"EndpointsConfig": GoMap()}),
})


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

    def check(self, method: str, target: str, body: bytes | None = None,
              headers: Sequence[tuple[str, str]] = (), base_path: str = "") -> Refusal | None:
        """Judge one request as it goes on the wire: `target` is the whole request-target (base path,
        `/v1.N` prefix, endpoint, `?query`), `headers` all the headers, `body` the bytes sent."""
        refusal = self._check_headers(headers, body)
        if refusal is not None:
            return refusal
        path, _, query = target.partition("?")
        parts = _segments(path, base_path)
        if parts is None or "#" in query:
            return Refusal("target", target[:120])
        if parts and _VERSION_SEGMENT.fullmatch(parts[0]):
            version = _API_VERSION.fullmatch(parts[0][1:])
            if version is None or int(version.group(1)) < _OLDEST_MINOR:
                return Refusal("api-version", parts[0][1:])
            parts = parts[1:]
        params = go_query(query)
        if params is None:
            return Refusal("query", query[:120])
        endpoint = "/" + "/".join(parts)
        if body and not (method == "POST" and parts == ["containers", "create"]):
            return Refusal("body", f"{method} {endpoint}")
        if endpoint == "/_ping" and method in ("GET", "HEAD"):
            return None
        if endpoint in ("/version", "/info") and method == "GET":
            return None
        if parts and parts[0] == "images":
            return self._check_images(method, parts, params)
        if parts and parts[0] == "containers":
            return self._check_containers(method, parts, params, body)
        return Refusal("route", f"{method} {endpoint}")

    @staticmethod
    def _check_headers(headers: Sequence[tuple[str, str]], body: bytes | None) -> Refusal | None:
        """Framing is the client's own: one Host, a Content-Length that is the body's, no other framing
        header except attach's upgrade; and no form body, whose fields Go would read as query parameters."""
        counts: dict[str, int] = {}
        for name, value in headers:
            lower = name.lower()
            counts[lower] = counts.get(lower, 0) + 1
            if lower == "content-length" and value != str(len(body or b"")):
                return Refusal("header", name)
            if lower == "content-type" and value.split(";")[0].strip().lower() == _FORM_TYPE and body:
                return Refusal("form-body", value)
            if lower in ("connection", "upgrade") and value.lower() not in ("upgrade", "tcp"):
                return Refusal("header", name)
            if lower in _FRAMING_HEADERS - {"host", "content-length", "connection", "upgrade"}:
                return Refusal("header", name)
        if any(counts.get(name, 0) > 1 for name in _FRAMING_HEADERS):
            return Refusal("header", next(name for name in _FRAMING_HEADERS if counts.get(name, 0) > 1))
        return None

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
            return self._check_image_list(params)
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

    def _check_image_list(self, params: dict[str, list[str]]) -> Refusal | None:
        """Only the allowed images may be listed: a `reference` filter naming each of them (its values are
        alternatives, and any other filter only narrows the list)."""
        filters = parse_filters((params.get("filters") or [""])[0])
        if filters is None:
            return Refusal("filters", (params.get("filters") or [""])[0][:120])
        references = filters.get("reference", set())
        if not references:
            return Refusal("list-images-unfiltered", ", ".join(self.images))
        for reference in sorted(references):
            refusal = self._check_image_name(reference)
            if refusal is not None:
                return refusal
        return None

    def _check_containers(self, method: str, parts: list[str], params: dict[str, list[str]],
                          body: bytes | None) -> Refusal | None:
        if method == "POST" and parts == ["containers", "create"]:
            return self._check_create(body)
        if method == "GET" and parts == ["containers", "json"]:
            filters = parse_filters((params.get("filters") or [""])[0])
            if filters is None:
                return Refusal("filters", (params.get("filters") or [""])[0][:120])
            # Label filters must all match (moby's MatchKVList): ours among them keeps the list to our own.
            if LABEL not in filters.get("label", set()):
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
        if action == "attach" and go_bool_value(params, "stdin"):
            return Refusal("stdin", "stdin=" + params["stdin"][0])
        return None

    def _check_create(self, body: bytes | None) -> Refusal | None:
        try:
            node = decode_first_value(body or b"")
            config = go_view(node, _CREATE_SHAPE) if node is not None else None
        except (JsonSyntaxError, TooDeep) as error:
            return Refusal("create-body", str(error))
        if not isinstance(config, dict):
            return Refusal("create-body", "not a JSON object")
        unknown = sorted(set(config) - _CONFIG_KEYS)
        if unknown:
            return Refusal("create-key", unknown[0])
        image = config.get("Image")
        image_refusal = self._check_image_name(image if isinstance(image, str) else "")
        if image_refusal is not None:
            return image_refusal
        labels = config.get("Labels") or {}
        if not isinstance(labels, dict) or LABEL not in labels:
            return Refusal("create-label", LABEL)
        networking = config.get("NetworkingConfig") or {}
        endpoints = networking.get("EndpointsConfig") or {} if isinstance(networking, dict) else None
        if not isinstance(endpoints, dict) or set(endpoints) - set(_HOST_CONFIG_HARMLESS["NetworkMode"]):
            return Refusal("host-config", "NetworkingConfig")
        host_config = config.get("HostConfig") or {}
        if not isinstance(host_config, dict):
            return Refusal("create-body", "HostConfig")
        return _check_host_config(host_config)


def _check_host_config(host_config: dict[str, object]) -> Refusal | None:
    for key, value in host_config.items():
        if key in _HOST_CONFIG_HARMLESS:
            allowed = _HOST_CONFIG_HARMLESS[key]
            if value is not None and (value not in allowed or type(value) is not type(allowed[0])):  # 1 == True
                return Refusal("host-config", f"{key}={json.dumps(value)}")
        elif key in _HOST_CONFIG_EMPTY_OK:
            if value:
                return Refusal("host-config", key)
        elif key in _HOST_NAMESPACE_KEYS:
            if value not in ("", None, "private"):
                return Refusal("host-config", f"{key}={json.dumps(value)}")
        elif key in _HOST_CONFIG_CHOICES:
            # A log driver could ship output elsewhere (syslog, gelf…), a restart policy outlive Reset.
            field, allowed = _HOST_CONFIG_CHOICES[key]
            chosen = value.get(field) if isinstance(value, dict) else value
            if value is not None and (not isinstance(value, dict) or chosen not in allowed):
                return Refusal("host-config", f"{key}.{field}={json.dumps(chosen)}")
        elif value not in (None, "", 0, False, [], {}) and key not in _HOST_CONFIG_ANY_VALUE:
            # Resource limits and the like: harmless, but not needed by any lesson.
            return Refusal("host-config", key)
    return None


def _segments(path: str, base_path: str) -> list[str] | None:
    """The path's segments after the base path, or None when it is not written plainly (escapes, dot
    segments, empty segments): then the daemon's router could read it otherwise than the policy does."""
    if base_path:
        if not path.startswith(base_path.rstrip("/") + "/"):
            return None
        path = path[len(base_path.rstrip("/")):]
    if not path.startswith("/"):
        return None
    parts = path[1:].split("/")
    if any(not _SEGMENT.fullmatch(part) or part in (".", "..") for part in parts):
        return None
    return parts


def go_query(query: str) -> dict[str, list[str]] | None:
    """Go's `url.ParseQuery`, strictly: None where Go would report an error (a `;`, a bad `%` escape)."""
    values: dict[str, list[str]] = {}
    if ";" in query or _BAD_ESCAPE.search(query):
        return None
    for pair in query.split("&"):
        if not pair:
            continue
        key, _, value = pair.partition("=")
        values.setdefault(_unescape(key), []).append(_unescape(value))
    return values


def _unescape(text: str) -> str:
    return unquote_to_bytes(text.replace("+", " ")).decode("utf-8", "replace")


def go_bool_value(params: dict[str, list[str]], name: str) -> bool:
    """moby's `httputils.BoolValue`: true unless empty, 0, no, false or none (any case, spaces trimmed)."""
    value = (params.get(name) or [""])[0].strip().lower()
    return value not in ("", "0", "no", "false", "none")


def parse_filters(text: str) -> dict[str, set[str]] | None:
    """moby's `filters.FromJSON`: the map-of-maps form, else the legacy map-of-lists; None when neither
    decodes (the daemon then answers 400). Keys are exact, a repeated key keeps its last value."""
    if text == "":
        return {}
    try:
        node = decode_whole(text.encode("utf-8", "surrogateescape"))
        view = go_view(node, GoMap(GoMap()))
    except (JsonSyntaxError, TooDeep):
        return None
    if view is None:
        return {}
    if not isinstance(view, dict):
        return None
    values = list(view.values())
    if all(v is None or isinstance(v, dict) and all(b is None or isinstance(b, bool) for b in v.values())
           for v in values):
        return {key: set(inner or {}) for key, inner in view.items()}
    if all(v is None or isinstance(v, list) and all(item is None or isinstance(item, str) for item in v)
           for v in values):
        return {key: {item or "" for item in inner or []} for key, inner in view.items()}
    return None
