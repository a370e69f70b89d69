"""JSON as Go's encoder writes it for the Engine API: compact, UTF-8, no HTML escaping, ending in a newline."""

from __future__ import annotations

import json
import re
from typing import Any


def encode_json(value: Any) -> bytes:
    """Encode like `json.NewEncoder(w).Encode(v)` with SetEscapeHTML(false)."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    # Go escapes these two line separators even with HTML escaping off.
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return text.encode("utf-8") + b"\n"


# Go's encoding/json refuses to nest deeper than this (scanner.go maxNestingDepth).
MAX_NESTING_DEPTH = 10000
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(byte for byte in range(256) if byte not in b"[]{}")


def nesting_error(data: bytes) -> str | None:
    """Go's syntax error for JSON nested deeper than Go reads (`invalid character '[' exceeded max depth`).

    Checked before decoding, so that a body nested 100,000 deep is refused as the daemon refuses it instead
    of exhausting Python's recursion; None when the nesting is within Go's limit.
    """
    if data.count(b"[") + data.count(b"{") <= MAX_NESTING_DEPTH:
        return None
    brackets = _JSON_STRING.sub(b"", data).translate(None, _NOT_BRACKETS)
    depth = 0
    for byte in brackets:
        depth += 1 if byte in b"[{" else -1
        if depth > MAX_NESTING_DEPTH:
            return f"invalid character '{chr(byte)}' exceeded max depth"
    return None
