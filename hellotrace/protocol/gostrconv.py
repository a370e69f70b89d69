"""Go's strconv quoting, which several of Docker's error texts and the CLI's output use (`%q`, `strconv.Quote`).

One implementation for the whole project: the DOCKER_HOST parser, the client-config lab and the template
engine all quote through it, so their texts match Go byte for byte.
"""

from __future__ import annotations

import re
import unicodedata

from hellotrace.whole_numbers import whole_number


def is_print(char: str) -> bool:
    """Go's ``strconv.IsPrint``: letters, marks, numbers, punctuation, symbols and the ASCII space."""
    return char == " " or unicodedata.category(char)[0] in "LMNPS"


_SHORT_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


def _escape_rune(char: str, quote: str, ascii_only: bool) -> str:
    if char in (quote, "\\"):
        return "\\" + char
    code = ord(char)
    if (code < 0x80 or not ascii_only) and is_print(char):
        return char
    if char in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[char]
    if code < 0x20 or code == 0x7F:
        return f"\\x{code:02x}"
    if 0xD800 <= code <= 0xDFFF:  # not a valid rune: Go writes the replacement character
        return "\\ufffd"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def quote(text: str, ascii_only: bool = False) -> str:
    """``strconv.Quote`` (or ``QuoteToASCII``): a double-quoted Go string literal."""
    return '"' + "".join(_escape_rune(c, '"', ascii_only) for c in text) + '"'


def quote_rune(code: int) -> str:
    """``strconv.QuoteRune``: a single-quoted Go rune literal."""
    char = chr(code) if 0 <= code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"
    return "'" + _escape_rune(char, "'", False) + "'"


def can_backquote(text: str) -> bool:
    """``strconv.CanBackquote``: a raw string literal can hold it (no backquote, no control character but tab)."""
    return all(c == "\t" or (c != "`" and c != "\ufeff" and ord(c) >= 0x20 and ord(c) != 0x7F) for c in text)


_INT_RE = re.compile(r"([+-]?)(0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|0[0-7_]*|[1-9][0-9_]*)")
_UNDERSCORES_OK = re.compile(r"[+-]?(0[xXoObB]_?)?[0-9a-fA-F]+(_[0-9a-fA-F]+)*")


def parse_int(text: str) -> int | None:
    """``strconv.ParseInt(text, 0, 64)`` without the range check: None when it is not an integer.
    Base prefixes, a leading 0 for octal, and underscores only between digits, as Go accepts them."""
    match = _INT_RE.fullmatch(text)
    if match is None or ("_" in text and not _UNDERSCORES_OK.fullmatch(text)):
        return None
    sign, body = match.groups()
    body = body.replace("_", "")
    if len(body) > 1 and body[0] == "0" and body[1] not in "xXoObB":
        value = int(body[1:], 8)
    elif body[:2] in ("0x", "0X", "0o", "0O", "0b", "0B"):
        value = int(body, 0)
    else:
        value = _decimal(body)
    return -value if sign == "-" else value


# Past any of Go's integer types, so that every caller's range check refuses it: int() reads at most 4,300 digits.
_BEYOND_ANY_INT = 2**128


def _decimal(digits: str) -> int:
    value = whole_number(digits, 40)
    return _BEYOND_ANY_INT if value is None else value


def atoi(text: str) -> int | None:
    """``strconv.Atoi``: base 10, an optional sign, digits only, within int64; None when Go refuses it."""
    value, error = atoi_with_error(text)
    return None if error else value


def atoi_with_error(text: str) -> tuple[int, str | None]:
    """``strconv.Atoi`` with its error's reason ("invalid syntax", "value out of range") or None, and the value
    Go returns beside it: 0 for bad syntax, the nearest int64 bound when out of range (moby's version comparison
    ignores the error and uses that value)."""
    digits = text[1:] if text[:1] in ("+", "-") else text
    if not (digits.isascii() and digits.isdigit()):
        return 0, "invalid syntax"
    value = -_decimal(digits) if text[0] == "-" else _decimal(digits)
    if value >= 2**63:
        return 2**63 - 1, "value out of range"
    if value < -(2**63):
        return -(2**63), "value out of range"
    return value, None
