"""Go's literal syntax inside actions: numbers (``0x1F``, ``1_000``, ``1e3``, ``'a'``, ``2i``) and strings.

The parser keeps, for each number, every Go type it can be (int, uint, float, complex), exactly as
``text/template/parse.NumberNode`` does, because that decides what an argument may be passed to.
"""

from __future__ import annotations

import math

from hellotrace.formatting.lexer import T
from hellotrace.formatting.nodes import NumberNode
from hellotrace.protocol.gostrconv import parse_int, quote

_SIMPLE_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\"}
INT64_MIN, INT64_MAX, UINT64_MAX = -(2**63), 2**63 - 1, 2**64 - 1


class Syntax(Exception):
    """strconv.ErrSyntax."""


def _parse_go_float(text: str) -> float | None:
    """``strconv.ParseFloat(text, 64)`` for the forms the lexer lets through."""
    body = text.replace("_", "")
    try:
        if body.lstrip("+-")[:2].lower() == "0x":
            if "p" not in body.lower():
                return None
            return float.fromhex(body)
        value = float(body)
    except ValueError:
        return None
    return None if math.isinf(value) else value


def _unquote_char(text: str, quote_char: str) -> tuple[str, str]:
    """``strconv.UnquoteChar``: the first (possibly escaped) character and the rest."""
    if not text:
        raise Syntax
    char = text[0]
    if char == quote_char and quote_char in "'\"":
        raise Syntax
    if char != "\\":
        return char, text[1:]
    if len(text) < 2:
        raise Syntax
    escape, rest = text[1], text[2:]
    if escape in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[escape], rest
    if escape in "xuU":
        size = {"x": 2, "u": 4, "U": 8}[escape]
        digits = rest[:size]
        if len(digits) < size or any(c not in "0123456789abcdefABCDEF" for c in digits):
            raise Syntax
        code = int(digits, 16)
        if escape != "x" and (code > 0x10FFFF or 0xD800 <= code <= 0xDFFF):
            raise Syntax
        return chr(code), rest[size:]
    if escape in "01234567":
        digits = text[1:4]
        if len(digits) < 3 or any(c not in "01234567" for c in digits) or int(digits, 8) > 255:
            raise Syntax
        return chr(int(digits, 8)), text[4:]
    if escape in "'\"" and escape == quote_char:
        return escape, rest
    raise Syntax


def unquote(literal: str) -> str:
    """``strconv.Unquote`` for a double-quoted or raw string literal; raises Syntax."""
    if len(literal) < 2 or literal[0] != literal[-1] or literal[0] not in '"`':
        raise Syntax
    body = literal[1:-1]
    if literal[0] == "`":
        if "`" in body:
            raise Syntax
        return body.replace("\r", "")
    out = []
    while body:
        char, body = _unquote_char(body, '"')
        out.append(char)
    return "".join(out)


def new_number(pos: int, text: str, typ: T) -> NumberNode:
    """Go's ``newNumber``: which of int, uint, float, complex the literal can be."""
    node = NumberNode(pos, text=text)
    if typ == T.CHAR_CONSTANT:
        try:
            char, tail = _unquote_char(text[1:], "'")
        except Syntax:
            raise ValueError("invalid syntax") from None
        if tail != "'":
            raise ValueError(f"malformed character constant: {text}")
        code = ord(char)
        node.is_int = node.is_uint = node.is_float = True
        node.int_value, node.float_value = code, float(code)
        return node
    if typ == T.COMPLEX:
        try:
            value = complex(text.replace("_", "")[:-1] + "j")
        except ValueError:
            raise ValueError("expected integer") from None
        node.is_complex, node.complex_value = True, value
        _simplify_complex(node)
        return node
    if text.endswith("i"):
        imaginary = _parse_go_float(text[:-1])
        if imaginary is not None:
            node.is_complex, node.complex_value = True, complex(0, imaginary)
            _simplify_complex(node)
            return node
    integer = parse_int(text)
    if integer is not None and 0 <= integer <= UINT64_MAX and text[:1] not in "+-":
        node.is_uint = True
    if integer is not None and INT64_MIN <= integer <= INT64_MAX:
        node.is_int = True
        if integer == 0:
            node.is_uint = True
    if node.is_int or node.is_uint:
        node.is_float, node.int_value, node.float_value = True, integer or 0, float(integer or 0)
    else:
        value = _parse_go_float(text)
        if value is not None:
            if not any(c in text for c in ".eEpP"):
                raise ValueError(f"integer overflow: {quote(text)}")
            node.is_float, node.float_value = True, value
            if value.is_integer() and INT64_MIN <= value <= INT64_MAX:
                node.is_int, node.int_value = True, int(value)
            if value.is_integer() and 0 <= value <= UINT64_MAX:
                node.is_uint = True
    if not (node.is_int or node.is_uint or node.is_float):
        raise ValueError(f"illegal number syntax: {quote(text)}")
    return node


def _simplify_complex(node: NumberNode) -> None:
    node.is_float = node.complex_value.imag == 0
    if node.is_float:
        real = node.complex_value.real
        node.float_value = real
        node.is_int = real.is_integer() and INT64_MIN <= real <= INT64_MAX
        node.is_uint = real.is_integer() and 0 <= real <= UINT64_MAX
        if node.is_int or node.is_uint:
            node.int_value = int(real)
