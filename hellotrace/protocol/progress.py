"""The JSON progress stream of `POST /images/create`: one object per line, each ending in CRLF (notes §4.2)."""

from __future__ import annotations

import json
from typing import Any

# Field order of the daemon's jsonstream.Message, all omitempty.
_FIELD_ORDER = ("stream", "status", "progressDetail", "id", "errorDetail", "aux")


def encode_progress(message: dict[str, Any]) -> bytes:
    """One progress line, fields in the daemon's order, compact, CRLF-terminated."""
    ordered = {key: message[key] for key in _FIELD_ORDER if key in message}
    return json.dumps(ordered, separators=(",", ":"), ensure_ascii=False).encode("utf-8") + b"\r\n"
