"""What a ``docker ps`` / ``docker images`` template sees: docker/cli's formatter contexts.

Each row of ``GET /containers/json`` becomes a ``*formatter.ContainerContext`` and each image
row a ``*formatter.imageContext`` (docker/cli ``cli/command/formatter/container.go``, ``image.go``):
their methods turn the Engine API's JSON into the texts the CLI prints (12-character ids, quoted
and shortened commands, ``Names`` without the leading slash, sorted ``k=v`` labels, go-units ages
and sizes). ``{{json .}}`` marshals every method that takes no argument.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar

from hellotrace.formatting.errors import TemplateError
from hellotrace.formatting.gofmt import json_encode, json_string
from hellotrace.formatting.tabwriter import display_width
from hellotrace.formatting.units import go_time_string, unix_time
from hellotrace.formatting.values import STRING, GoFunc, GoMap, GoObject, NilPointer, NoSuchField, UnexportedField
from hellotrace.protocol.gostrconv import quote
from hellotrace.protocol.reference import InvalidReference, parse_normalized_named
from hellotrace.protocol.units import human_duration, human_size

FORMATTER_PACKAGE = "github.com/docker/cli/cli/command/formatter"
SHORT_ID_LENGTH = 12

CONTAINER_HEADERS = {
    "ID": "CONTAINER ID", "Names": "NAMES", "Image": "IMAGE", "Command": "COMMAND", "CreatedAt": "CREATED AT",
    "RunningFor": "CREATED", "Ports": "PORTS", "State": "STATE", "Status": "STATUS", "Size": "SIZE",
    "Labels": "LABELS", "Mounts": "MOUNTS", "LocalVolumes": "LOCAL VOLUMES", "Networks": "NETWORKS",
    "Platform": "PLATFORM",
}
IMAGE_HEADERS = {
    "ID": "IMAGE ID", "Repository": "REPOSITORY", "Tag": "TAG", "Digest": "DIGEST", "CreatedSince": "CREATED",
    "CreatedAt": "CREATED AT", "Size": "SIZE", "Containers": "CONTAINERS", "VirtualSize": "SIZE",
    "SharedSize": "SHARED SIZE", "UniqueSize": "UNIQUE SIZE",
}


def truncate_id(identifier: str) -> str:
    """``stringid.TruncateID``: drop an ``algo:`` prefix, keep 12 characters."""
    return identifier.partition(":")[2][:SHORT_ID_LENGTH] if ":" in identifier else identifier[:SHORT_ID_LENGTH]


def _char_width(char: str) -> int:
    return display_width(char) or 1


def ellipsis(text: str, max_width: int) -> str:
    """docker/cli ``formatter.Ellipsis``: cut to ``max_width`` display columns, ending with ``…``."""
    if max_width <= 0:
        return ""
    if max_width == 1:
        return text[:1]
    if text.isascii():
        return text if len(text) <= max_width else text[: max_width - 1] + "…"
    running, widths = 0, []
    for char in text:
        running += _char_width(char)
        widths.append(running)
    if running <= max_width:
        return text
    for i in range(len(widths) - 1):
        if widths[i] <= max_width - 1 < widths[i + 1]:
            return text[: i + 1] + "…"
    return text


class SubHeaderContext(GoMap):
    """The data a table's header row is rendered with: field name -> column title."""

    def __init__(self, headers: dict[str, str]) -> None:
        super().__init__("formatter.SubHeaderContext", dict(headers))

    def go_method(self, name: str) -> GoFunc | None:
        if name != "Label":
            return None

        def label(key: str) -> str:  # {{.Label "com.example.my_key"}} titles the column "my key"
            return key.split(".")[-1].replace("-", " ").replace("_", " ")

        return GoFunc("Label", (STRING,), label)


class Platform(GoObject):
    """``*formatter.Platform``: the OCI platform of a container's image, printed ``linux/amd64``."""

    go_type = "*formatter.Platform"
    FIELDS: ClassVar[dict[str, str]] = {
        "Architecture": "architecture", "OS": "os", "OSVersion": "os.version", "Variant": "variant",
    }

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec

    def go_field(self, name: str) -> Any:
        if name in self.FIELDS:
            return str(self.spec.get(self.FIELDS[name]) or "")
        if name == "OSFeatures":
            return list(self.spec.get("os.features") or [])
        if name == "Platform":
            raise TemplateError("the embedded ocispec.Platform struct is not supported here; use its fields",
                                unsupported="print_struct")
        raise NoSuchField(name)

    def go_method(self, name: str) -> GoFunc | None:
        return GoFunc("String", (), self.go_stringer) if name == "String" else None

    def go_stringer(self) -> str:
        """containerd ``platforms.FormatAll``: ``os[(version)]/arch[/variant]``."""
        os_name = str(self.spec.get("os") or "")
        if not os_name:
            return "unknown"
        if self.spec.get("os.version"):
            os_name = f"{os_name}({self.spec['os.version']})"
        parts = [os_name, str(self.spec.get("architecture") or ""), str(self.spec.get("variant") or "")]
        return "/".join(p for p in parts if p)

    def go_json(self, escape_html: bool) -> str:
        members = [("architecture", self.spec.get("architecture") or ""), ("os", self.spec.get("os") or "")]
        for key in ("os.version", "os.features", "variant"):
            if self.spec.get(key):
                members.append((key, self.spec[key]))
        body = ",".join(f"{json_string(k, escape_html)}:{json_encode(v, escape_html)}" for k, v in members)
        return "{" + body + "}"


NIL_PLATFORM = NilPointer(
    "*formatter.Platform", FORMATTER_PACKAGE,
    fields=frozenset({"Architecture", "OS", "OSVersion", "OSFeatures", "Variant", "Platform"}),
    methods=frozenset({"String"}),
)


class FormatContext(GoObject):
    """What docker/cli's row contexts share: Go methods by name, unexported fields, MarshalJSON."""

    METHODS: ClassVar[dict[str, str]] = {}  # Go method name -> Python method (all take no argument)
    UNEXPORTED: ClassVar[frozenset[str]] = frozenset()
    # Exported, but only docker's own plumbing uses them; their values print Go internals.
    INTERNALS: ClassVar[frozenset[str]] = frozenset({"Header", "HeaderContext", "FullHeader", "MarshalJSON"})

    def go_method(self, name: str) -> GoFunc | None:
        if name in self.METHODS:
            return GoFunc(name, (), getattr(self, self.METHODS[name]))
        if name in self.INTERNALS:
            raise TemplateError(f".{name} is part of docker's formatter plumbing and is not supported here",
                                unsupported="internal_field")
        return None

    def go_field(self, name: str) -> Any:
        if name in self.UNEXPORTED:
            raise UnexportedField(name)
        raise NoSuchField(name)

    def go_json(self, escape_html: bool) -> str:
        # MarshalJSON goes through json.Marshal, which escapes <, > and & whatever the caller asked.
        members = sorted((name, getattr(self, method)()) for name, method in self.METHODS.items())
        return "{" + ",".join(f"{json_string(k, True)}:{json_encode(v, True)}" for k, v in members) + "}"


class ContainerContext(FormatContext):
    """``*formatter.ContainerContext`` over one item of ``GET /containers/json``."""

    go_type = "*formatter.ContainerContext"
    METHODS: ClassVar[dict[str, str]] = {
        "ID": "id", "Names": "names", "Image": "image", "Command": "command", "CreatedAt": "created_at",
        "RunningFor": "running_for", "Platform": "platform", "Ports": "ports", "State": "state",
        "Status": "status", "Size": "size", "Labels": "labels", "Mounts": "mounts",
        "LocalVolumes": "local_volumes", "Networks": "networks",
    }
    UNEXPORTED = frozenset({"trunc", "c"})
    INTERNALS = FormatContext.INTERNALS | {"FieldsUsed"}

    def __init__(self, summary: dict[str, Any], trunc: bool, now: datetime) -> None:
        self.summary = summary
        self.trunc = trunc
        self.now = now
        self.size_used = False  # docker/cli's FieldsUsed: .Size makes `docker ps` ask for sizes

    def go_method(self, name: str) -> GoFunc | None:
        if name == "Label":
            return GoFunc("Label", (STRING,), self.label)
        return super().go_method(name)

    def _get(self, key: str, default: Any = "") -> Any:
        value = self.summary.get(key)
        return default if value is None else value

    def id(self) -> str:
        identifier = str(self._get("Id"))
        return truncate_id(identifier) if self.trunc else identifier

    def names(self) -> str:
        names = [str(n)[1:] for n in self._get("Names", [])]
        if self.trunc:  # keep the container's own name, not legacy link aliases (other/alias)
            names = next(([n] for n in names if "/" not in n), names)
        return ",".join(names)

    def image(self) -> str:
        image = str(self._get("Image"))
        if not image:
            return "<no image>"
        if not self.trunc:
            return image
        short = truncate_id(str(self._get("ImageID")))
        if short == truncate_id(image):
            return short
        try:
            ref = parse_normalized_named(image)
        except InvalidReference:
            return image
        return f"{ref.familiar_name}:{ref.tag}" if ref.tag is not None else ref.familiar_name

    def command(self) -> str:
        command = str(self._get("Command"))
        return quote(ellipsis(command, 20) if self.trunc else command)

    def created_at(self) -> str:
        return go_time_string(unix_time(int(self._get("Created", 0)), self.now.tzinfo))

    def running_for(self) -> str:
        return human_duration(self.now - unix_time(int(self._get("Created", 0)), None)) + " ago"

    def platform(self) -> GoObject:
        descriptor = self.summary.get("ImageManifestDescriptor") or {}
        spec = descriptor.get("platform")
        return Platform(spec) if spec else NIL_PLATFORM

    def ports(self) -> str:
        return displayable_ports(self._get("Ports", []))

    def state(self) -> str:
        return str(self._get("State"))

    def status(self) -> str:
        return str(self._get("Status"))

    def size(self) -> str:
        self.size_used = True
        writable = human_size(float(self._get("SizeRw", 0)), 3)
        root = float(self._get("SizeRootFs", 0))
        return f"{writable} (virtual {human_size(root, 3)})" if root > 0 else writable

    def labels(self) -> str:
        labels = self._get("Labels", {})
        return ",".join(sorted(f"{k}={v}" for k, v in labels.items()))

    def label(self, name: str) -> str:
        return str(self._get("Labels", {}).get(name, ""))

    def mounts(self) -> str:
        names = []
        for mount in self._get("Mounts", []):
            name = mount.get("Name") or mount.get("Source") or ""
            names.append(ellipsis(name, 15) if self.trunc else name)
        return ",".join(names)

    def local_volumes(self) -> str:
        return str(sum(1 for m in self._get("Mounts", []) if m.get("Driver") == "local"))

    def networks(self) -> str:
        settings = self.summary.get("NetworkSettings")
        if settings is None:
            return ""
        return ",".join(settings.get("Networks") or {})


class ImageContext(FormatContext):
    """``*formatter.imageContext``: one row of ``docker images`` (an image may give several rows)."""

    go_type = "*formatter.imageContext"
    METHODS: ClassVar[dict[str, str]] = {
        "ID": "id", "Repository": "repository", "Tag": "tag", "Digest": "digest",
        "CreatedSince": "created_since", "CreatedAt": "created_at", "Size": "size", "Containers": "containers",
        "VirtualSize": "virtual_size", "SharedSize": "shared_size", "UniqueSize": "unique_size",
    }
    UNEXPORTED = frozenset({"trunc", "i", "repo", "tag", "digest"})

    def __init__(self, summary: dict[str, Any], repo: str, tag: str, digest: str, trunc: bool,
                 now: datetime) -> None:
        self.summary = summary
        self.repo, self.tag_name, self.digest_text = repo, tag, digest
        self.trunc = trunc
        self.now = now

    def _number(self, key: str) -> int:
        return int(self.summary.get(key) or 0)

    def id(self) -> str:
        identifier = str(self.summary.get("Id") or "")
        return truncate_id(identifier) if self.trunc else identifier

    def repository(self) -> str:
        return self.repo

    def tag(self) -> str:
        return self.tag_name

    def digest(self) -> str:
        return self.digest_text

    def created_since(self) -> str:
        return human_duration(self.now - unix_time(self._number("Created"), None)) + " ago"

    def created_at(self) -> str:
        return go_time_string(unix_time(self._number("Created"), self.now.tzinfo))

    def size(self) -> str:
        return human_size(float(self._number("Size")), 3)

    def containers(self) -> str:
        count = self._number("Containers")
        return "N/A" if count == -1 else str(count)

    def virtual_size(self) -> str:
        return human_size(float(self._number("Size")))

    def shared_size(self) -> str:
        shared = self._number("SharedSize")
        return "N/A" if shared == -1 else human_size(float(shared))

    def unique_size(self) -> str:
        size, shared = self._number("Size"), self._number("SharedSize")
        return "N/A" if -1 in (size, shared) else human_size(float(size - shared))


def displayable_ports(ports: list[dict[str, Any]]) -> str:
    """docker/cli ``DisplayablePorts``: ``0.0.0.0:8080->80/tcp, 443/tcp``, consecutive ports grouped."""

    def join_host_port(host: str, port: object) -> str:
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

    def form_group(key: str, first: int, last: int) -> str:
        ip, _, kind = key.rpartition("/")
        group = str(first) if first == last else f"{first}-{last}"
        if ip:
            group = f"{join_host_port(ip, group)}->{group}"
        return f"{group}/{kind}"

    groups: dict[str, list[int]] = {}
    result: list[str] = []
    host_mappings: list[str] = []
    ordered = sorted(ports, key=lambda p: (p.get("PrivatePort", 0), p.get("IP") or "", p.get("PublicPort", 0),
                                           p.get("Type", "")))
    for port in ordered:
        current = int(port.get("PrivatePort", 0))
        key = str(port.get("Type", ""))
        ip = str(port.get("IP") or "")
        if ip:
            if int(port.get("PublicPort", 0)) != current:
                host_mappings.append(f"{join_host_port(ip, port.get('PublicPort', 0))}->{current}/{key}")
                continue
            key = f"{ip}/{key}"
        group = groups.get(key)
        if group is None:
            groups[key] = [current, current]
        elif current == group[1] + 1:
            group[1] = current
        else:
            result.append(form_group(key, group[0], group[1]))
            groups[key] = [current, current]
    result.extend(form_group(key, first, last) for key, (first, last) in groups.items())
    return ", ".join(result + host_mappings)


def _is_dangling(image: dict[str, Any]) -> bool:
    tags, digests = image.get("RepoTags") or [], image.get("RepoDigests") or []
    if not tags and not digests:
        return True
    return tags == ["<none>:<none>"] and digests == ["<none>@<none>"]


def _by_repository(references: list[str], pick: Callable[[Any], str | None]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for text in references:
        try:
            ref = parse_normalized_named(text)
        except InvalidReference:
            continue
        value = pick(ref)
        if value is not None:
            grouped.setdefault(ref.familiar_name, []).append(value)
    return grouped


def image_rows(images: list[dict[str, Any]], need_digest: bool, show_digests: bool, trunc: bool,
               now: datetime) -> list[ImageContext]:
    """docker/cli ``imageFormat``: one row per repository:tag (and per digest when digests are shown).

    Go walks its repository maps in random order; rows for one image follow the order of
    ``RepoTags`` here, which is what a single-tag image (the common case) always shows.
    """
    rows = []
    for image in images:
        if _is_dangling(image):
            rows.append(ImageContext(image, "<none>", "<none>", "<none>", trunc, now))
            continue
        repo_tags = _by_repository(image.get("RepoTags") or [], lambda ref: ref.tag)
        repo_digests = _by_repository(image.get("RepoDigests") or [], lambda ref: ref.digest)
        for repo, tags in repo_tags.items():
            digests = repo_digests.pop(repo, [])  # a tagged repository's digests get no row of their own
            if not need_digest:
                digests = []
            for tag in tags:
                for digest in digests or ["<none>"]:
                    rows.append(ImageContext(image, repo, tag, digest, trunc, now))
        for repo, digests in repo_digests.items():
            for digest in digests if show_digests else [""]:
                rows.append(ImageContext(image, repo, "<none>", digest, trunc, now))
    return rows
