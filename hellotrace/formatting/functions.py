"""The functions a Docker format template can call: Go's builtins and the ones docker/cli adds.

docker/cli ``templates/templates.go`` registers ``json``, ``split``, ``join``, ``title``, ``lower``,
``upper``, ``pad`` and ``truncate`` on top of Go's builtins (``printf``, ``len``, ``index``, ``eq``…).
For the header row of a ``table`` it swaps most of them for pass-through versions
(``HeaderFunctions``) so that ``{{upper .Names}}`` still prints ``NAMES``; ``pad`` is kept.
"""

from __future__ import annotations

import unicodedata
from typing import Any
from urllib.parse import quote_plus

from hellotrace.formatting.errors import OUTPUT_LIMIT, GoCallError, too_large
from hellotrace.formatting.gofmt import format_value, json_encode, sprint, sprintf, sprintln
from hellotrace.formatting.values import (
    ANY,
    INT,
    REFLECT_VALUE,
    STRING,
    STRINGS,
    GoFunc,
    GoMap,
    NilPointer,
    Uint8,
    go_type_name,
    is_integer,
    is_true,
)
from hellotrace.protocol.gostrconv import is_print


def _pointed_type(value: Any) -> str:
    """The type after Go's ``indirect``: what a pointer points to (``formatter.ContainerContext``)."""
    return go_type_name(value).removeprefix("*")


# -- indexing ---------------------------------------------------------------------------------------------


def _index_arg(index: Any, cap: int) -> int:
    if index is None:
        raise GoCallError("cannot index slice/array with nil")
    if not is_integer(index):
        raise GoCallError(f"cannot index slice/array with type {go_type_name(index)}")
    if index < 0 or index > cap:
        raise GoCallError(f"index out of range: {int(index)}")
    return int(index)


def _index(item: Any, *indexes: Any) -> Any:
    if item is None:
        raise GoCallError("index of untyped nil")
    for index in indexes:
        if isinstance(item, NilPointer):
            raise GoCallError("index of nil pointer")
        if isinstance(item, str):
            data = item.encode()
            position = _index_arg(index, len(data))
            if position == len(data):
                raise GoCallError("reflect: string index out of range")
            item = Uint8(data[position])
        elif isinstance(item, list):
            position = _index_arg(index, len(item))
            if position == len(item):
                raise GoCallError("reflect: slice index out of range")
            item = item[position]
        elif isinstance(item, GoMap):
            if index is None:
                raise GoCallError("value is nil; should be of type string")
            if not isinstance(index, str):
                raise GoCallError(f"value has type {go_type_name(index)}; should be string")
            item = item.entries.get(index, "" if item.go_type.endswith("]string") else None)
        else:
            raise GoCallError(f"can't index item of type {_pointed_type(item)}")
    return item


def _slice(item: Any, *indexes: Any) -> Any:
    if item is None:
        raise GoCallError("slice of untyped nil")
    if len(indexes) > 3:
        raise GoCallError(f"too many slice indexes: {len(indexes)}")
    if isinstance(item, str):
        if len(indexes) == 3:
            raise GoCallError("cannot 3-index slice a string")
        data: bytes | list[Any] = item.encode()
    elif isinstance(item, list):
        data = item
    else:
        raise GoCallError(f"can't slice item of type {go_type_name(item)}")
    bounds = [0, len(data), len(data)]
    for i, index in enumerate(indexes):
        bounds[i] = _index_arg(index, len(data))
    if bounds[0] > bounds[1]:
        raise GoCallError(f"invalid slice index: {bounds[0]} > {bounds[1]}")
    if len(indexes) == 3 and bounds[1] > bounds[2]:
        raise GoCallError(f"invalid slice index: {bounds[1]} > {bounds[2]}")
    part = data[bounds[0] : bounds[1]]
    return part.decode(errors="replace") if isinstance(part, bytes) else part


def _len(item: Any) -> int:
    if item is None:
        raise GoCallError("reflect: call of reflect.Value.Type on zero Value")
    if isinstance(item, NilPointer):
        raise GoCallError("len of nil pointer")
    if isinstance(item, str):
        return len(item.encode())
    if isinstance(item, list):
        return len(item)
    if isinstance(item, GoMap):
        return len(item.entries)
    raise GoCallError(f"len of type {_pointed_type(item)}")


def _call(name: str, function: Any, *args: Any) -> Any:
    if function is None:
        raise GoCallError("call of nil")
    raise GoCallError(f"non-function {name} of type {go_type_name(function)}")


# -- comparisons ------------------------------------------------------------------------------------------


def _basic_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, Uint8):
        return "uint"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, complex):
        return "complex"
    if isinstance(value, str):
        return "string"
    return "invalid"


def _is_nil(value: Any) -> bool:
    return value is None or isinstance(value, NilPointer)


def _eq(first: Any, *others: Any) -> bool:
    if not others:
        raise GoCallError("missing argument for comparison")
    kind = _basic_kind(first)
    for other in others:
        other_kind = _basic_kind(other)
        if kind != other_kind:
            if {kind, other_kind} == {"int", "uint"}:
                truth = first == other
            elif first is not None and other is not None:
                raise GoCallError("incompatible types for comparison")
            else:
                truth = False
        elif kind != "invalid":
            truth = first == other
        elif _is_nil(first) or _is_nil(other):
            truth = _is_nil(first) == _is_nil(other)
        elif isinstance(other, (list, GoMap)):
            raise GoCallError(f"non-comparable type {format_value(other)}: {go_type_name(other)}")
        else:
            truth = first is other
        if truth:
            return True
    return False


def _lt(first: Any, second: Any) -> bool:
    kind, other_kind = _basic_kind(first), _basic_kind(second)
    if "invalid" in (kind, other_kind):
        raise GoCallError("invalid type for comparison")
    if kind != other_kind:
        if {kind, other_kind} == {"int", "uint"}:
            return bool(first < second)
        raise GoCallError("incompatible types for comparison")
    if kind in ("bool", "complex"):
        raise GoCallError("invalid type for comparison")
    return bool(first < second)


def _le(first: Any, second: Any) -> bool:
    return _lt(first, second) or _eq(first, second)


# -- escaping ----------------------------------------------------------------------------------------------


def _eval_args(args: tuple[Any, ...]) -> str:
    """What html, js and urlquery escape: a lone string as is, anything else as fmt.Sprint prints it."""
    if len(args) == 1 and isinstance(args[0], str):
        return args[0]
    return sprint(list(args))


_HTML = {'"': "&#34;", "'": "&#39;", "&": "&amp;", "<": "&lt;", ">": "&gt;", "\0": "\ufffd"}
_JS = {"\\": "\\\\", "'": "\\'", '"': '\\"', "<": "\\u003C", ">": "\\u003E", "&": "\\u0026", "=": "\\u003D"}


def _html(*args: Any) -> str:
    return "".join(_HTML.get(c, c) for c in _eval_args(args))


def _js_char(char: str) -> str:
    if char in _JS:
        return _JS[char]
    if ord(char) < 0x20:
        return f"\\u{ord(char):04X}"
    if ord(char) >= 0x80 and not is_print(char):
        return f"\\u{ord(char):04X}"
    return char


def _js(*args: Any) -> str:
    return "".join(_js_char(c) for c in _eval_args(args))


def _urlquery(*args: Any) -> str:
    return quote_plus(_eval_args(args), safe="")


# -- docker/cli's functions ----------------------------------------------------------------------------------


def _json(value: Any) -> str:
    try:
        return json_encode(value, escape_html=False)
    except ValueError as error:
        raise GoCallError(str(error)) from None


def _split(text: str, separator: str) -> list[str]:
    return list(text) if separator == "" else text.split(separator)


def _map_runes(text: str, mapping: str) -> str:
    """strings.ToUpper / ToLower: rune by rune, keeping runes that have no one-rune mapping."""
    out = []
    for char in text:
        mapped = getattr(char, mapping)()
        out.append(mapped if len(mapped) == 1 else char)
    return "".join(out)


def _is_separator(char: str) -> bool:
    """strings.Title's word boundaries."""
    if ord(char) < 0x80:
        return not (char.isalnum() or char == "_")
    category = unicodedata.category(char)
    if category[0] == "L" or category == "Nd":
        return False
    return char.isspace()


def _title(text: str) -> str:
    out, previous = [], " "
    for char in text:
        if _is_separator(previous):
            titled = char.title()
            out.append(titled if len(titled) == 1 else char)
        else:
            out.append(char)
        previous = char
    return "".join(out)


def _pad(text: str, prefix: int, suffix: int) -> str:
    if text == "":
        return text
    if prefix < 0 or suffix < 0:
        raise GoCallError("strings: negative Repeat count")
    if prefix + suffix > OUTPUT_LIMIT:
        raise too_large("the padding")
    return " " * prefix + text + " " * suffix


def _truncate(text: str, length: int) -> str:
    data = text.encode()
    if len(data) < length:
        return text
    if length < 0:
        raise GoCallError(f"runtime error: slice bounds out of range [:{length}]")
    return data[:length].decode(errors="replace")


def _identity(value: Any, *_: Any) -> Any:
    return value


def _go(name: str, params: tuple[str, ...], body: Any, variadic: str | None = None) -> GoFunc:
    return GoFunc(name, params, body, variadic)


BUILTINS: dict[str, GoFunc] = {
    "and": _go("and", (REFLECT_VALUE,), _identity, REFLECT_VALUE),
    "or": _go("or", (REFLECT_VALUE,), _identity, REFLECT_VALUE),
    "not": _go("not", (REFLECT_VALUE,), lambda v: not is_true(v)),
    "call": _go("call", (REFLECT_VALUE,), _call, REFLECT_VALUE),
    "html": _go("html", (), _html, ANY),
    "js": _go("js", (), _js, ANY),
    "urlquery": _go("urlquery", (), _urlquery, ANY),
    "index": _go("index", (REFLECT_VALUE,), _index, REFLECT_VALUE),
    "slice": _go("slice", (REFLECT_VALUE,), _slice, REFLECT_VALUE),
    "len": _go("len", (REFLECT_VALUE,), _len),
    "print": _go("print", (), lambda *a: sprint(list(a)), ANY),
    "printf": _go("printf", (STRING,), lambda f, *a: sprintf(f, list(a)), ANY),
    "println": _go("println", (), lambda *a: sprintln(list(a)), ANY),
    "eq": _go("eq", (REFLECT_VALUE,), _eq, REFLECT_VALUE),
    "ne": _go("ne", (REFLECT_VALUE, REFLECT_VALUE), lambda a, b: not _eq(a, b)),
    "lt": _go("lt", (REFLECT_VALUE, REFLECT_VALUE), _lt),
    "le": _go("le", (REFLECT_VALUE, REFLECT_VALUE), _le),
    "gt": _go("gt", (REFLECT_VALUE, REFLECT_VALUE), lambda a, b: not _le(a, b)),
    "ge": _go("ge", (REFLECT_VALUE, REFLECT_VALUE), lambda a, b: not _lt(a, b)),
}

DOCKER_FUNCTIONS: dict[str, GoFunc] = {
    "json": _go("json", (ANY,), _json),
    "split": _go("split", (STRING, STRING), _split),
    "join": _go("join", (STRINGS, STRING), lambda elems, sep: sep.join(elems)),
    "title": _go("title", (STRING,), _title),
    "lower": _go("lower", (STRING,), lambda s: _map_runes(s, "lower")),
    "upper": _go("upper", (STRING,), lambda s: _map_runes(s, "upper")),
    "pad": _go("pad", (STRING, INT, INT), _pad),
    "truncate": _go("truncate", (STRING, INT), _truncate),
}

HEADER_FUNCTIONS: dict[str, GoFunc] = {
    "json": _go("json", (STRING,), _identity),
    "split": _go("split", (STRING, STRING), _identity),
    "join": _go("join", (STRING, STRING), _identity),
    "title": _go("title", (STRING,), _identity),
    "lower": _go("lower", (STRING,), _identity),
    "upper": _go("upper", (STRING,), _identity),
    "truncate": _go("truncate", (STRING, INT), _identity),
}

