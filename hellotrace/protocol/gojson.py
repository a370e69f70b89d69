"""Go's `encoding/json` as Docker reads JSON: the CLI its `config.json`, the daemon its request bodies.

One decoder for both sides, so that what hellotrace checks is what Docker will see. For the CLI's
`json.NewDecoder(file).Decode(&configFile)`, same syntax errors, word for word:

The CLI reads its configuration with `json.NewDecoder(file).Decode(&configFile)`, and that choice shows:
- only the **first** JSON value is read: anything after its closing brace is never looked at;
- an empty (or blank) file is `io.EOF`, which the CLI treats as "no configuration", without a warning;
- a value cut short is `unexpected EOF` (not `unexpected end of JSON input`, which is json.Unmarshal's);
- a syntax error is found **before** anything is stored, so a file with one misplaced comma gives nothing.

The scanner below follows Go's state machine (`encoding/json/scanner.go`) byte by byte over the UTF-8 text,
so its messages (`invalid character '}' looking for beginning of object key string`) and its offsets are
Go's. It builds a tree of `JsonNode` as it goes, with an explicit stack (no recursion: a 64 KiB input can
nest deeper than Python's recursion limit, and Go stops at 10000 levels with its own message).

`go_view` then reads a tree the way Go fills a struct: object keys match struct fields case-insensitively, a
key met again overwrites (last match wins) and a repeated object merges into the one already decoded, while
map keys stay exact. The daemon's guard judges that view, never Python's own `json.loads` of the bytes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from hellotrace.protocol.gostrconv import quote

MAX_NESTING_DEPTH = 10000  # Go's maxNestingDepth
_SPACE = b" \t\r\n"
_DIGITS = b"0123456789"
_HEX = b"0123456789abcdefABCDEF"
_SIMPLE_ESCAPES = {
    ord('"'): '"', ord("\\"): "\\", ord("/"): "/", ord("b"): "\b", ord("f"): "\f", ord("n"): "\n",
    ord("r"): "\r", ord("t"): "\t",
}
# The scanner's hot loops done by `re` (the same rules, in C): a 4 MB body is read in milliseconds, not seconds.
_SPACE_RUN = re.compile(rb"[ \t\r\n]*")
_STRING_STOP = re.compile(rb'["\\\x00-\x1f]')  # what ends a run of plain string bytes
_PLAIN_STRING = re.compile(rb'"([^"\\\x00-\x1f]*)"')  # a string without escapes, whole
_OPEN_OBJECT, _CLOSE_OBJECT, _OPEN_ARRAY, _CLOSE_ARRAY, _COMMA, _COLON, _QUOTE, _MINUS = b'{}[],:"-'
_PLAIN_NUMBER = re.compile(rb"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_LITERALS = {ord("t"): ("true", True), ord("f"): ("false", False), ord("n"): ("null", None)}


@dataclass(slots=True)
class JsonNode:
    """One JSON value: `kind` is object, array, string, number, bool or null (Go's names for them)."""

    kind: str
    start: int  # byte offset of its first byte
    value: object = None  # str for string, the literal text for number, bool, None
    members: list[tuple[str, int, JsonNode]] = field(default_factory=list)  # object: (key, key offset, value)
    items: list[JsonNode] = field(default_factory=list)  # array


class JsonSyntaxError(ValueError):
    """What Decode returns for malformed input: Go's message, and where it happened.

    `offset` is Go's `SyntaxError.Offset` (bytes read when the error was seen); `line` and `column`
    (1-based, column counted in characters) point at the offending character, or just past the end of the
    text for `unexpected EOF`.
    """

    def __init__(self, message: str, offset: int, line: int, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.line = line
        self.column = column


def quote_char(byte: int) -> str:
    """Go's scanner `quoteChar`: the byte as Go shows it in an error, e.g. `'}'`, `'\\n'`, `'Ã'`.

    A byte of a multi-byte UTF-8 character is shown as the Latin-1 character of the same value, because
    Go converts the single byte to a rune before quoting it.
    """
    if byte == ord("'"):
        return "'\\''"
    if byte == ord('"'):
        return "'\"'"
    return "'" + quote(chr(byte))[1:-1] + "'"


def position(data: bytes, index: int) -> tuple[int, int]:
    """1-based line and column (in characters) of byte `index`."""
    line_start = data.rfind(b"\n", 0, index) + 1
    line = data.count(b"\n", 0, index) + 1
    column = len(data[line_start:index].decode("utf-8", "replace")) + 1
    return line, column


def encode(text: str) -> bytes:
    """The bytes Go would read: UTF-8, with any lone surrogate kept as (invalid) bytes."""
    return text.encode("utf-8", "surrogatepass")


def decode_first_value(text: str | bytes) -> JsonNode | None:
    """Decode the first JSON value of `text` as Go's json.Decoder does; None when there is none (io.EOF).

    Raises JsonSyntaxError with Go's message (`unexpected EOF` included).
    """
    return _Parser(text if isinstance(text, bytes) else encode(text)).parse()


def decode_whole(data: bytes) -> JsonNode:
    """`json.Unmarshal`: exactly one value, only whitespace after it (else Go's `after top-level value`)."""
    parser = _Parser(data)
    node = parser.parse()
    if node is None:
        raise JsonSyntaxError("unexpected end of JSON input", len(data), *position(data, len(data)))
    while parser.i < len(data) and data[parser.i] in _SPACE:
        parser.i += 1
    if parser.i < len(data):
        raise parser.fail("after top-level value")
    return node


def fold(text: str) -> str:
    """Case folding for Go's case-insensitive field match (bytes.EqualFold, which also folds ſ and K)."""
    return text.lower().replace("ſ", "s")


def match_field(key: str, names: tuple[str, ...] | Mapping[str, object]) -> str | None:
    """Go's field lookup: the exact JSON name first, then a case-insensitive match."""
    if key in names:
        return key
    folded = fold(key)
    return next((name for name in names if fold(name) == folded), None)


@dataclass(frozen=True)
class GoStruct:
    """A Go struct's JSON fields: name → shape of the field (None: a plain value, decoded as it is).

    Keys matching no field are kept under their own name (Go ignores them; a guard may refuse them)."""

    fields: Mapping[str, GoShape | None]


@dataclass(frozen=True)
class GoMap:
    """A Go map with string keys: keys are exact; `values` is the shape of each value."""

    values: GoShape | None = None


GoShape = GoStruct | GoMap
MAX_VIEW_DEPTH = 64


class TooDeep(ValueError):
    """The value nests deeper than `go_view` follows (a guard refuses it rather than guess)."""


def go_view(node: JsonNode, shape: GoShape | None = None, depth: int = 0) -> object:
    """The value Go would decode `node` into, as plain Python: dict, list, str, int or float, bool, None.

    A struct's keys come back under the field's own name. When two keys land on one field, the later wins,
    except that two objects merge (Go decodes the second into the struct or map the first one made); a later
    `null` is shown as leaving the earlier value in place, the stricter reading for a guard.
    """
    if depth > MAX_VIEW_DEPTH:
        raise TooDeep(f"nested deeper than {MAX_VIEW_DEPTH} levels")
    if node.kind == "array":
        return [go_view(item, shape, depth + 1) for item in node.items]  # a slice: the shape is its elements'
    if node.kind == "number":
        text = str(node.value)
        return int(text) if text.lstrip("-").isdigit() else float(text)
    if node.kind != "object":
        return node.value
    view: dict[str, object] = {}
    for key, _, member in node.members:
        if isinstance(shape, GoStruct):
            name = match_field(key, shape.fields) or key
            child = shape.fields.get(name)
        else:
            name, child = key, shape.values if isinstance(shape, GoMap) else None
        value = go_view(member, child, depth + 1)
        earlier = view.get(name)
        if value is None and earlier is not None:
            continue
        if isinstance(shape, GoStruct) and isinstance(earlier, dict) and isinstance(value, dict):
            value = _merge(earlier, value)
        view[name] = value
    return view


def _merge(earlier: dict[str, object], later: dict[str, object]) -> dict[str, object]:
    """A struct (or map) decoded twice: keys of the second replace those of the first, nested objects merge
    (for a map of structs Go would replace the element: merging shows more, never less)."""
    merged = dict(earlier)
    for name, value in later.items():
        before = merged.get(name)
        if value is None and before is not None:
            continue
        merged[name] = _merge(before, value) if isinstance(before, dict) and isinstance(value, dict) else value
    return merged


def decode_stream_value(data: bytes) -> tuple[JsonNode | None, bytes]:
    """Decode the first JSON value of a request body as json.Decoder does; return it and the bytes after it."""
    parser = _Parser(data)
    node = parser.parse()
    return node, data[parser.i:]


class _Parser:
    """Go's scanner states, written as a loop over the bytes with an explicit stack of open containers."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.i = 0
        self.stack: list[JsonNode] = []
        self.fresh: list[bool] = []  # per open container: nothing read in it yet
        self.keys: list[tuple[str, int]] = []  # per open object: the key waiting for its value

    # --- errors ---------------------------------------------------------------------------------------------

    def fail(self, context: str, index: int | None = None) -> JsonSyntaxError:
        at = self.i if index is None else index
        line, column = position(self.data, at)
        return JsonSyntaxError(f"invalid character {quote_char(self.data[at])} {context}", at + 1, line, column)

    def eof(self) -> JsonSyntaxError:
        line, column = position(self.data, len(self.data))
        return JsonSyntaxError("unexpected EOF", len(self.data), line, column)

    def skip_space(self) -> None:
        """Skip whitespace; running out of input inside a value is `unexpected EOF`."""
        data = self.data
        self.i = _SPACE_RUN.match(data, self.i).end()  # type: ignore[union-attr]  # always matches
        if self.i >= len(data):
            raise self.eof()

    # --- structure -------------------------------------------------------------------------------------------

    def parse(self) -> JsonNode | None:
        data = self.data
        while self.i < len(data) and data[self.i] in _SPACE:
            self.i += 1
        if self.i >= len(data):
            return None  # io.EOF: nothing but whitespace
        node = self.begin_value()
        while True:
            if node is not None:
                if not self.stack:
                    return node  # Decode stops at the end of the first value, whatever follows
                self.attach(node)
            node = self.step()

    def begin_value(self) -> JsonNode | None:
        """A value starts at self.i: scalars come back whole, a container is opened (None)."""
        data, start = self.data, self.i
        c = data[start]
        if c in (_OPEN_OBJECT, _OPEN_ARRAY):
            if len(self.stack) + 1 > MAX_NESTING_DEPTH:
                raise self.fail("exceeded max depth")
            self.i += 1
            self.stack.append(JsonNode("object" if c == _OPEN_OBJECT else "array", start))
            self.fresh.append(True)
            return None
        if c == _QUOTE:
            return JsonNode("string", start, self.string())
        if c == _MINUS or c in _DIGITS:
            return JsonNode("number", start, self.number())
        if c in _LITERALS:
            word, value = _LITERALS[c]
            self.literal(word)
            return JsonNode("null" if value is None else "bool", start, value)
        raise self.fail("looking for beginning of value")

    def attach(self, node: JsonNode) -> None:
        parent = self.stack[-1]
        if parent.kind == "object":
            key, key_at = self.keys.pop()
            parent.members.append((key, key_at, node))
        else:
            parent.items.append(node)
        self.fresh[-1] = False

    def step(self) -> JsonNode | None:
        """In the innermost open container: a separator and the next value, or the closing bracket."""
        data = self.data
        parent, first = self.stack[-1], self.fresh[-1]
        self.skip_space()
        c = data[self.i]
        if parent.kind == "array":
            if c == _CLOSE_ARRAY:
                return self.close()
            if not first:
                if c != _COMMA:
                    raise self.fail("after array element")
                self.i += 1
                self.skip_space()
            return self.begin_value()
        if c == _CLOSE_OBJECT:
            return self.close()
        if not first:
            if c != _COMMA:
                raise self.fail("after object key:value pair")
            self.i += 1
            self.skip_space()
        if data[self.i] != _QUOTE:
            raise self.fail("looking for beginning of object key string")
        key_at = self.i
        key = self.string()
        self.skip_space()
        if data[self.i] != _COLON:
            raise self.fail("after object key")
        self.i += 1
        self.skip_space()
        self.keys.append((key, key_at))
        return self.begin_value()

    def close(self) -> JsonNode:
        self.i += 1
        self.fresh.pop()
        return self.stack.pop()

    # --- scalars ----------------------------------------------------------------------------------------------

    def string(self) -> str:
        """A string starting at the opening quote; decoded as Go's unquote does (bad surrogates → U+FFFD)."""
        data = self.data
        plain = _PLAIN_STRING.match(data, self.i)
        if plain is not None:
            self.i = plain.end()
            return plain.group(1).decode("utf-8", "replace")
        self.i += 1
        out: list[str] = []
        run_start = self.i
        while True:
            stop = _STRING_STOP.search(data, self.i)
            if stop is None:
                self.i = len(data)
                raise self.eof()
            self.i = stop.start()
            c = data[self.i]
            if c == _QUOTE:
                out.append(data[run_start:self.i].decode("utf-8", "replace"))
                self.i += 1
                return "".join(out)
            if c < 0x20:
                raise self.fail("in string literal")
            out.append(data[run_start:self.i].decode("utf-8", "replace"))
            self.i += 1
            if self.i >= len(data):
                raise self.eof()
            e = data[self.i]
            if e in _SIMPLE_ESCAPES:
                out.append(_SIMPLE_ESCAPES[e])
                self.i += 1
            elif e == ord("u"):
                out.append(self.unicode_escape())
            else:
                raise self.fail("in string escape code")
            run_start = self.i

    def hex4(self) -> int:
        """Four hex digits after `\\u` (self.i on the `u`)."""
        data = self.data
        for k in range(1, 5):
            if self.i + k >= len(data):
                self.i = len(data)
                raise self.eof()
            if data[self.i + k] not in _HEX:
                raise self.fail("in \\u hexadecimal character escape", self.i + k)
        value = int(data[self.i + 1:self.i + 5], 16)
        self.i += 5
        return value

    def unicode_escape(self) -> str:
        first = self.hex4()
        if not 0xD800 <= first < 0xE000:
            return chr(first)
        data = self.data
        # A high surrogate followed by `\uDC00`-`\uDFFF` is one character; anything else is U+FFFD.
        if first < 0xDC00 and data[self.i:self.i + 2] == b"\\u":
            save = self.i
            self.i += 1
            second = self.hex4()
            if 0xDC00 <= second < 0xE000:
                return chr(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))
            self.i = save  # the second escape is decoded on its own
        return "\ufffd"

    def number(self) -> str:
        data, start = self.data, self.i
        n = len(data)
        plain = _PLAIN_NUMBER.match(data, start)
        if plain is not None and (plain.end() >= n or data[plain.end()] not in b".eE"):
            self.i = plain.end()  # a well-formed number; anything odd is judged byte by byte below
            return data[start:self.i].decode("ascii")

        def at(k: int) -> int | None:
            return data[k] if k < n else None

        def need_digit(k: int, context: str) -> None:
            """After '-', '.' or the exponent's sign, Go's scanner wants a digit: else the input ended, or it fails."""
            c = at(k)
            if c is None:
                self.i = k
                raise self.eof()
            if c not in _DIGITS:
                raise self.fail(context, k)

        def past_digits(k: int) -> int:
            while at(k) is not None and at(k) in _DIGITS:
                k += 1
            return k

        i = start
        if data[i] == _MINUS:
            i += 1
            need_digit(i, "in numeric literal")
        i = i + 1 if data[i] == ord("0") else past_digits(i)
        if at(i) == ord("."):
            need_digit(i + 1, "after decimal point in numeric literal")
            i = past_digits(i + 1)
        if at(i) in (ord("e"), ord("E")):
            i += 1
            if at(i) in (ord("+"), _MINUS):
                i += 1
            need_digit(i, "in exponent of numeric literal")
            i = past_digits(i)
        self.i = i
        return data[start:i].decode("ascii")

    def literal(self, word: str) -> None:
        data = self.data
        for k, expected in enumerate(word.encode()[1:], start=1):
            if self.i + k >= len(data):
                self.i = len(data)
                raise self.eof()
            if data[self.i + k] != expected:
                raise self.fail(f"in literal {word} (expecting {quote_char(expected)})", self.i + k)
        self.i += len(word)
