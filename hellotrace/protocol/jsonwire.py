"""JSON as Go's encoder writes it for the Engine API: compact, UTF-8, no HTML escaping, ending in a newline."""

from __future__ import annotations

import json
from typing import Any


def encode_json(value: Any) -> bytes:
    """Encode like `json.NewEncoder(w).Encode(v)` with SetEscapeHTML(false)."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    # Go escapes these two line separators even with HTML escaping off.
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return text.encode("utf-8") + b"\n"
