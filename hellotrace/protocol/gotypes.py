"""Go's `encoding/json` Unmarshal into typed Go values, and Marshal back out of them.

The daemon decodes every request body into Go structs, so what a client sends is checked and shaped by the
struct's types: a number where a string belongs is refused with `json: cannot unmarshal number into Go struct
field ContainerConfigWrapper.Env of type string`, an unknown key is dropped, a key matches its field whatever
its case (an exact match first), and every field it did not send comes back in inspect with its zero value.

`GoType` describes a Go type; `unmarshal` follows `encoding/json/decode.go` over a tree from `gojson` (the
syntax is checked first, whole, as Go does), keeping the first type error and going on, as Go's `saveError`
does; `marshal` writes a value back as Go's encoder would (every field in order, `omitempty` ones only when
set). A decoded struct is a `dict` holding every field; `None` stands for a nil pointer, slice or map.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hellotrace.protocol.gojson import JsonNode
from hellotrace.whole_numbers import whole_number

_INT_RANGES = {
    "int": (-(2**63), 2**63 - 1), "int8": (-(2**7), 2**7 - 1), "int16": (-(2**15), 2**15 - 1),
    "int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1),
    "uint": (0, 2**64 - 1), "uint8": (0, 2**8 - 1), "uint16": (0, 2**16 - 1), "uint32": (0, 2**32 - 1),
    "uint64": (0, 2**64 - 1),
}


@dataclass(frozen=True)
class GoField:
    """A struct field as encoding/json sees it: its JSON key, its type, and `omitempty`."""

    key: str
    type: GoType
    omitempty: bool = False


@dataclass(frozen=True, eq=False)
class GoType:
    """One Go type. `kind` is string, bool, int (any integer kind, named by `name`), float, slice, array, map,
    struct, pointer, any (interface{}) or strslice (moby's StrSlice: a string or an array of strings).

    `name` is what `reflect.Type.String()` prints (`int64`, `[]string`, `container.HostConfig`); a struct's
    unqualified name (what error messages put before the field path) is the part after the dot. Types compare
    by identity, as each one is built once.
    """

    kind: str
    name: str
    elem: GoType | None = None
    base: str = ""  # the underlying integer kind of a named integer type (time.Duration: int64)
    length: int = 0
    fields: tuple[GoField, ...] = ()

    @property
    def short_name(self) -> str:
        return self.name.rpartition(".")[2]

    def field_for(self, key: str) -> GoField | None:
        """encoding/json's field lookup: the exact name, else the first whose name equals it ignoring case."""
        for candidate in self.fields:
            if candidate.key == key:
                return candidate
        folded = key.casefold()
        for candidate in self.fields:
            if candidate.key.casefold() == folded:
                return candidate
        return None


def string_type(name: str = "string") -> GoType:
    return GoType("string", name)


BOOL = GoType("bool", "bool")
STRING = string_type()
ANY = GoType("any", "interface {}")
STRSLICE = GoType("strslice", "strslice.StrSlice")


def int_type(name: str, base: str = "") -> GoType:
    return GoType("int", name, base=base or name)


def slice_of(elem: GoType) -> GoType:
    return GoType("slice", f"[]{elem.name}", elem=elem)


def array_of(elem: GoType, length: int) -> GoType:
    return GoType("array", f"[{length}]{elem.name}", elem, length=length)


def map_of(elem: GoType) -> GoType:
    return GoType("map", f"map[string]{elem.name}", elem=elem)


def pointer_to(elem: GoType) -> GoType:
    return GoType("pointer", f"*{elem.name}", elem=elem)


def struct(name: str, fields: list[GoField]) -> GoType:
    return GoType("struct", name, fields=tuple(fields))


class GoUnmarshalError(ValueError):
    """Go's UnmarshalTypeError, worded as its Error() method words it."""

    def __init__(self, value: str, type_name: str, struct_name: str = "", field_path: str = "") -> None:
        if struct_name or field_path:
            message = (f"json: cannot unmarshal {value} into Go struct field {struct_name}.{field_path} "
                       f"of type {type_name}")
        else:
            message = f"json: cannot unmarshal {value} into Go value of type {type_name}"
        super().__init__(message)
        self.message = message


def zero(go_type: GoType) -> Any:
    """The zero value: "" / False / 0 / None for nil, a struct with every field zero, an array of zeros.

    A struct's zero is built once per type and handed out as a fresh top-level dict; the values inside are
    shared, so callers replace them rather than change them in place (decoding and the daemon's defaults do).
    """
    if go_type.kind == "struct":
        return dict(_zero_struct(go_type))
    if go_type.kind == "array":
        assert go_type.elem is not None
        return [zero(go_type.elem) for _ in range(go_type.length)]
    return _SCALAR_ZEROS.get(go_type.kind)


_SCALAR_ZEROS: dict[str, Any] = {"string": "", "bool": False, "int": 0, "float": 0.0}


@functools.cache
def _zero_struct(go_type: GoType) -> dict[str, Any]:
    return {f.key: zero(f.type) for f in go_type.fields}


@dataclass
class _Context:
    """Go's errorContext: the innermost struct being filled and the JSON field names down to here."""

    struct_name: str = ""
    path: tuple[str, ...] = ()
    first_error: GoUnmarshalError | None = None
    stopped: bool = False  # a custom unmarshaler failed: Go returns its error at once

    def save(self, value: str, go_type: GoType) -> None:
        if self.first_error is None and not self.stopped:
            self.first_error = GoUnmarshalError(value, go_type.name, self.struct_name, ".".join(self.path))


def unmarshal(node: JsonNode, go_type: GoType, into: Any = None) -> Any:
    """Decode `node` into a value of `go_type` (starting from `into`, as Go decodes into an existing value).

    Raises GoUnmarshalError with the first type error, after the whole value was decoded, as Go reports it.
    """
    context = _Context()
    value = _decode(node, go_type, zero(go_type) if into is None else into, context)
    if context.first_error is not None:
        raise context.first_error
    return value


def _decode(node: JsonNode, go_type: GoType, current: Any, ctx: _Context) -> Any:
    kind = go_type.kind
    if kind == "pointer":
        assert go_type.elem is not None
        if node.kind == "null":
            return None
        return _decode(node, go_type.elem, zero(go_type.elem) if current is None else current, ctx)
    if kind == "strslice":
        return _decode_strslice(node, current, ctx)
    if node.kind == "null":
        # null leaves a value alone, except that it makes a slice, map or interface nil.
        return None if kind in ("slice", "map", "any") else current
    if kind == "any":
        return _plain(node)
    decoder = _DECODERS[node.kind]
    return decoder(node, go_type, current, ctx)


def _decode_object(node: JsonNode, go_type: GoType, current: Any, ctx: _Context) -> Any:
    if go_type.kind == "map":
        assert go_type.elem is not None
        result = dict(current) if current else {}
        for key, _, member in node.members:
            result[key] = _decode(member, go_type.elem, zero(go_type.elem), ctx)
        return result
    if go_type.kind != "struct":
        ctx.save("object", go_type)
        return current
    result = dict(current)
    outer_struct, outer_path = ctx.struct_name, ctx.path
    for key, _, member in node.members:
        found = go_type.field_for(key)
        if found is None:
            continue  # unknown keys are ignored
        ctx.struct_name, ctx.path = go_type.short_name, (*outer_path, found.key)
        result[found.key] = _decode(member, found.type, result[found.key], ctx)
    ctx.struct_name, ctx.path = outer_struct, outer_path
    return result


def _decode_array(node: JsonNode, go_type: GoType, current: Any, ctx: _Context) -> Any:
    if go_type.kind not in ("slice", "array"):
        ctx.save("array", go_type)
        return current
    assert go_type.elem is not None
    elem = go_type.elem
    if go_type.kind == "slice":
        return [_decode(item, elem, zero(elem), ctx) for item in node.items]
    items = [_decode(item, elem, zero(elem), ctx) for item in node.items[:go_type.length]]
    return items + [zero(elem) for _ in range(go_type.length - len(items))]


def _decode_string(node: JsonNode, go_type: GoType, current: Any, ctx: _Context) -> Any:
    if go_type.kind != "string":
        ctx.save("string", go_type)
        return current
    return node.value


def _decode_number(node: JsonNode, go_type: GoType, current: Any, ctx: _Context) -> Any:
    text = str(node.value)
    if go_type.kind == "float":
        return float(text)
    if go_type.kind != "int":
        ctx.save("number", go_type)
        return current
    low, high = _INT_RANGES[go_type.base]
    value = _integer(text)
    if value is None or not low <= value <= high:
        ctx.save(f"number {text}", go_type)
        return current
    return value


def _decode_bool(node: JsonNode, go_type: GoType, current: Any, ctx: _Context) -> Any:
    if go_type.kind != "bool":
        ctx.save("bool", go_type)
        return current
    return node.value


def _integer(text: str) -> int | None:
    """What strconv.ParseInt(s, 10, 64) reads of a JSON number (digits only, no fraction or exponent), range aside:
    too many digits for any Go integer is a value out of every range."""
    digits = text.removeprefix("-")
    if not digits.isascii() or not digits.isdigit():
        return None
    value = whole_number(digits, 20)
    magnitude = 2**64 if value is None else value  # past uint64: refused by every range
    return -magnitude if text.startswith("-") else magnitude


_DECODERS: dict[str, Callable[[JsonNode, GoType, Any, _Context], Any]] = {
    "object": _decode_object, "array": _decode_array, "string": _decode_string, "number": _decode_number,
    "bool": _decode_bool,
}


def _decode_strslice(node: JsonNode, current: Any, ctx: _Context) -> Any:
    """StrSlice.UnmarshalJSON: an array of strings, else one string.

    A custom unmarshaler's error stops Go's decoder at once and is reported before any error saved earlier,
    with the field it was decoding; its type is the last one it tried, string.
    """
    if node.kind == "null":
        return None
    if node.kind == "array" and all(item.kind in ("string", "null") for item in node.items):
        return [item.value if item.kind == "string" else "" for item in node.items]
    if node.kind == "string":
        return [node.value]
    if not ctx.stopped:
        ctx.first_error = None
        ctx.save(_go_kind(node), STRING)
        ctx.stopped = True
    return current


def _go_kind(node: JsonNode) -> str:
    return "number" if node.kind == "number" else node.kind


def _plain(node: JsonNode) -> Any:
    """A value decoded into interface{}: maps, lists, strings, float64 numbers, bools, nil."""
    if node.kind == "object":
        return {key: _plain(member) for key, _, member in node.members}
    if node.kind == "array":
        return [_plain(item) for item in node.items]
    if node.kind == "number":
        return float(str(node.value))
    return node.value


def marshal(value: Any, go_type: GoType) -> Any:
    """The JSON value Go's encoder writes for `value` (a plain Python value ready for json.dumps)."""
    kind = go_type.kind
    if value is None:
        return None
    if kind == "pointer":
        assert go_type.elem is not None
        return marshal(value, go_type.elem)
    if kind == "struct":
        out: dict[str, Any] = {}
        for member in go_type.fields:
            item = value.get(member.key, zero(member.type))
            if member.omitempty and _is_empty(item, member.type):
                continue
            out[member.key] = marshal(item, member.type)
        return out
    if kind in ("slice", "array"):
        assert go_type.elem is not None
        return [marshal(item, go_type.elem) for item in value]
    if kind == "map":
        assert go_type.elem is not None
        return {key: marshal(item, go_type.elem) for key, item in sorted(value.items())}
    return value


def _is_empty(value: Any, go_type: GoType) -> bool:
    """encoding/json's isEmptyValue: false, 0, "", nil, and empty slices, maps and strings (not structs)."""
    if value is None:
        return True
    if go_type.kind in ("struct", "pointer"):
        return False
    if go_type.kind == "array":
        return go_type.length == 0
    if isinstance(value, (list, dict, str)):
        return len(value) == 0
    return value is False or value == 0
