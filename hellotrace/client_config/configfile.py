"""`config.json` read the way docker CLI 28 reads it: `json.NewDecoder(f).Decode(&configfile.ConfigFile{})`.

What follows from Go's decoder, checked against the real CLI (docker 28.2.2, Go 1.24):
- a **syntax** error stops everything before a single field is stored: the CLI prints
  `WARNING: Error parsing config file (<path>): <reason>` and carries on with an empty configuration;
- a **type** error (`"psFormat": 5`) is reported the same way, but every other field is still used, and a
  map entry with a wrong-typed value is kept with an empty value (`"HttpHeaders": {"A": 1}` sends `A: `);
- a first value that is not an object (`[]`, `"x"`, `5`, `true`) is a type error on the whole file
  (`json: cannot unmarshal array into Go value of type configfile.ConfigFile`): there is no other field, so
  the CLI warns and runs with no configuration; `null` decodes to nothing, silently;
- keys match struct fields exactly, else case-insensitively (`httpheaders` works); unknown keys are ignored;
- a repeated key is decoded again into the same field: the last string wins, maps are merged;
- `null` empties a map or a list and leaves a string alone;
- after decoding, each `auths` entry's `auth` must be base64 of `user:password`.
Reasons are Go's texts; everything else is a code the web layer words.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field

from hellotrace.protocol.gojson import (
    JsonNode,
    JsonSyntaxError,
    decode_first_value,
    encode,
    fold,
    match_field,
    position,
)

CONFIG_FILE_NAME = "config.json"
DEFAULT_HOME = "/home/user"  # the lab's $HOME: it has no file system of its own
DEFAULT_CONFIG_DIR = f"{DEFAULT_HOME}/.docker"

# Load outcomes.
EMPTY = "empty"  # no value at all (io.EOF): no configuration, no warning
OK = "ok"
SYNTAX_ERROR = "syntax_error"  # nothing is used
TYPE_ERROR = "type_error"  # the rest is used
NOT_OBJECT = "not_object"  # a type error on the whole file: nothing to use
AUTH_ERROR = "auth_error"  # everything decoded is used


@dataclass(frozen=True)
class GoType:
    """Just enough of Go's reflect.Type for Unmarshal and its error texts."""

    name: str  # Type.String(), as errors print it
    kind: str  # string, map, slice, struct
    elem: GoType | None = None
    fields: tuple[tuple[str, GoType], ...] = ()

    @property
    def struct_name(self) -> str:
        """Type.Name(): the name without its package, as `Go struct field ConfigFile.x` shows it."""
        return self.name.rpartition(".")[2]

    def zero(self) -> object:
        if self.kind == "string":
            return ""
        if self.kind == "struct":
            return {}
        return None  # nil map or slice


STRING = GoType("string", "string")
STRING_MAP = GoType("map[string]string", "map", STRING)
STRING_LIST = GoType("[]string", "slice", STRING)
AUTH_CONFIG = GoType("types.AuthConfig", "struct", fields=tuple(
    (name, STRING) for name in
    ("username", "password", "auth", "email", "serveraddress", "identitytoken", "registrytoken")
))
PROXY_CONFIG = GoType("configfile.ProxyConfig", "struct", fields=tuple(
    (name, STRING) for name in ("httpProxy", "httpsProxy", "noProxy", "ftpProxy", "allProxy")
))
CONFIG_FILE = GoType("configfile.ConfigFile", "struct", fields=(
    ("auths", GoType("map[string]types.AuthConfig", "map", AUTH_CONFIG)),
    ("HttpHeaders", STRING_MAP),
    ("psFormat", STRING),
    ("imagesFormat", STRING),
    ("networksFormat", STRING),
    ("pluginsFormat", STRING),
    ("volumesFormat", STRING),
    ("statsFormat", STRING),
    ("detachKeys", STRING),
    ("credsStore", STRING),
    ("credHelpers", STRING_MAP),
    ("serviceInspectFormat", STRING),
    ("servicesFormat", STRING),
    ("tasksFormat", STRING),
    ("secretFormat", STRING),
    ("configFormat", STRING),
    ("nodesFormat", STRING),
    ("pruneFilters", STRING_LIST),
    ("proxies", GoType("map[string]configfile.ProxyConfig", "map", PROXY_CONFIG)),
    ("currentContext", STRING),
    ("cliPluginsExtraDirs", STRING_LIST),
    ("plugins", GoType("map[string]map[string]string", "map", STRING_MAP)),
    ("aliases", STRING_MAP),
    ("features", STRING_MAP),
    ("experimental", STRING),
))
FIELD_NAMES = tuple(name for name, _ in CONFIG_FILE.fields)
# Keys that older CLIs knew and that this one ignores (docs/deprecated.md).
REMOVED_KEYS = {"stackorchestrator": "stackOrchestrator"}


@dataclass(frozen=True)
class KeyUse:
    """A top-level key of the file, as typed, and what the CLI made of it."""

    key: str
    line: int
    field: str | None  # the ConfigFile field it fills (None: ignored)
    code: str  # "field", "case_folded", "unknown", "removed"
    repeated: bool = False
    text: str | None = None  # the value, when it is a string


@dataclass
class ConfigLoad:
    """The outcome of loading one config.json text."""

    path: str
    status: str
    values: dict[str, object] = field(default_factory=dict)  # field → decoded value, as the CLI holds it
    reason: str | None = None  # Go's error text
    line: int | None = None
    column: int | None = None
    keys: tuple[KeyUse, ...] = ()

    @property
    def warning(self) -> str | None:
        """The line the CLI writes on stderr, or None."""
        if self.reason is None:
            return None
        return f"WARNING: Error parsing config file ({self.path}): {self.reason}"

    @property
    def used(self) -> bool:
        """False when the CLI runs with no configuration at all."""
        return self.status not in (SYNTAX_ERROR, NOT_OBJECT)

    def get(self, name: str) -> object:
        """A field's value as the CLI sees it ("" / None when unset)."""
        return self.values.get(name, dict(CONFIG_FILE.fields)[name].zero())

    def text(self, name: str) -> str:
        value = self.get(name)
        return value if isinstance(value, str) else ""

    def mapping(self, name: str) -> dict:
        value = self.get(name)
        return value if isinstance(value, dict) else {}


def config_file_path(config_dir: str) -> str:
    """filepath.Join(dir, "config.json"): the path in the CLI's warning."""
    return go_clean(posixpath.join(config_dir, CONFIG_FILE_NAME) if config_dir else CONFIG_FILE_NAME)


def go_clean(path: str) -> str:
    """Go's filepath.Clean on Unix (posixpath.normpath keeps a leading `//`, Go does not)."""
    if not path:
        return "."
    rooted = path.startswith("/")
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            elif not rooted:
                parts.append("..")
            continue
        parts.append(part)
    cleaned = ("/" if rooted else "") + "/".join(parts)
    return cleaned or ("/" if rooted else ".")


def load_config(text: str, path: str) -> ConfigLoad:
    """Decode `text` as the CLI decodes the file at `path` (the path only appears in the warning)."""
    try:
        root = decode_first_value(text)
    except JsonSyntaxError as error:
        return ConfigLoad(path, SYNTAX_ERROR, reason=error.message, line=error.line, column=error.column)
    if root is None:
        return ConfigLoad(path, EMPTY)
    data = encode(text)
    decoder = _Decoder()
    values: dict[str, object] = {}
    decoder.decode_struct_root(root, values)
    load = ConfigLoad(path, OK, values=values, keys=_key_uses(root, data))
    if decoder.error is not None:
        load.status = NOT_OBJECT if root.kind not in ("object", "null") else TYPE_ERROR
        load.reason = decoder.error
        load.line, load.column = position(data, decoder.error_at or 0)
        return load
    auth_error = _check_auths(load.mapping("auths"))
    if auth_error is not None:
        load.status, load.reason = AUTH_ERROR, auth_error
    return load


def _key_uses(root: JsonNode, data: bytes) -> tuple[KeyUse, ...]:
    if root.kind != "object":
        return ()
    seen: set[str] = set()
    uses = []
    for key, key_at, member in root.members:
        name = match_field(key, FIELD_NAMES)
        if name is not None:
            code = "field" if name == key else "case_folded"
        elif fold(key) in REMOVED_KEYS:
            code = "removed"
        else:
            code = "unknown"
        marker = name or key
        text = member.value if member.kind == "string" and isinstance(member.value, str) else None
        uses.append(KeyUse(key, position(data, key_at)[0], name, code, repeated=marker in seen, text=text))
        seen.add(marker)
    return tuple(uses)


class _Decoder:
    """Go's Unmarshal into ConfigFile: keeps the first type error and goes on, like `d.saveError`."""

    def __init__(self) -> None:
        self.error: str | None = None
        self.error_at: int | None = None

    def type_error(self, node: JsonNode, target: GoType, struct: GoType | None, path: list[str]) -> None:
        if self.error is not None:
            return
        if struct is None:
            self.error = f"json: cannot unmarshal {node.kind} into Go value of type {target.name}"
        else:
            self.error = (f"json: cannot unmarshal {node.kind} into Go struct field "
                          f"{struct.struct_name}.{'.'.join(path)} of type {target.name}")
        self.error_at = node.start

    def decode_struct_root(self, node: JsonNode, values: dict[str, object]) -> None:
        if node.kind == "null":
            return
        if node.kind != "object":
            self.type_error(node, CONFIG_FILE, None, [])
            return
        self.decode_struct(node, CONFIG_FILE, values, [])

    def decode_struct(self, node: JsonNode, struct: GoType, values: dict[str, object], path: list[str]) -> None:
        types = dict(struct.fields)
        names = tuple(types)
        for key, _, member in node.members:
            name = match_field(key, names)
            if name is None:
                continue  # unknown keys are skipped
            values[name] = self.decode(member, types[name], values.get(name, types[name].zero()),
                                       struct, [*path, name])

    def decode(self, node: JsonNode, target: GoType, current: object, struct: GoType, path: list[str]) -> object:
        """The new value of a Go variable of type `target` holding `current`, after decoding `node` into it."""
        if node.kind == "null":
            return None if target.kind in ("map", "slice") else current
        if target.kind == "string":
            if node.kind != "string":
                self.type_error(node, target, struct, path)
                return current
            return node.value
        if target.kind == "struct":
            if node.kind != "object":
                self.type_error(node, target, struct, path)
                return current
            values = dict(current) if isinstance(current, dict) else {}
            self.decode_struct(node, target, values, path)
            return values
        if target.kind == "slice":
            if node.kind != "array":
                self.type_error(node, target, struct, path)
                return current
            assert target.elem is not None
            return [self.decode(item, target.elem, target.elem.zero(), struct, path) for item in node.items]
        if node.kind != "object":
            self.type_error(node, target, struct, path)
            return current
        assert target.elem is not None
        mapping = dict(current) if isinstance(current, dict) else {}
        for key, _, member in node.members:
            # Each element starts from its zero value; a wrong-typed one is still stored (as zero).
            mapping[key] = self.decode(member, target.elem, target.elem.zero(), struct, path)
        return mapping


_BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _check_auths(auths: dict) -> str | None:
    """The CLI decodes each `auth` after loading: base64 of `user:password`, user not empty."""
    for entry in auths.values():
        auth = entry.get("auth", "") if isinstance(entry, dict) else ""
        if not auth:
            continue
        try:
            decoded = go_base64_decode(auth)
        except ValueError as error:
            return str(error)
        user, sep, _ = decoded.decode("utf-8", "replace").partition(":")
        if not sep or not user:
            return "Invalid auth configuration file"
    return None


def go_base64_decode(text: str) -> bytes:
    """base64.StdEncoding.Decode, with Go's `illegal base64 data at input byte N` errors (newlines skipped)."""
    data = text.encode("utf-8", "surrogatepass")
    out = bytearray()
    i = 0
    n = len(data)
    while i < n:
        quantum: list[int] = []
        while len(quantum) < 4:
            while i < n and data[i] in b"\r\n":
                i += 1
            if i >= n:
                if quantum:
                    raise ValueError(f"illegal base64 data at input byte {i - len(quantum)}")
                return bytes(out)
            c = data[i]
            i += 1
            if c == ord("="):
                j = len(quantum)
                if j < 2:
                    raise ValueError(f"illegal base64 data at input byte {i - 1}")
                while i < n and data[i] in b"\r\n":
                    i += 1
                if j == 2:
                    if i >= n:
                        raise ValueError(f"illegal base64 data at input byte {n}")
                    if data[i] != ord("="):
                        raise ValueError(f"illegal base64 data at input byte {i - 1}")
                    i += 1
                    while i < n and data[i] in b"\r\n":
                        i += 1
                if i < n:
                    raise ValueError(f"illegal base64 data at input byte {i}")
                bits = 0
                for value in quantum:
                    bits = bits << 6 | value
                bits <<= 6 * (4 - j)
                out += bits.to_bytes(3, "big")[: j - 1]
                return bytes(out)
            index = _BASE64.find(chr(c)) if c < 128 else -1
            if index < 0:
                raise ValueError(f"illegal base64 data at input byte {i - 1}")
            quantum.append(index)
        bits = 0
        for value in quantum:
            bits = bits << 6 | value
        out += bits.to_bytes(3, "big")
    return bytes(out)
