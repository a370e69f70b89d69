"""Request bodies read as the daemon reads them: httputils.CheckForJSON, then a json.Decoder into a Go struct.

Syntax errors and type errors come back with Go's own words behind moby's `invalid JSON: ` (400), and
anything after the first value is `unexpected content after JSON`, as runconfig's loadJSON says.
"""

from __future__ import annotations

from typing import Any

from hellotrace.engine.api import Call
from hellotrace.protocol import gojson
from hellotrace.protocol.errors import invalid_parameter
from hellotrace.protocol.gotypes import GoType, GoUnmarshalError, unmarshal, zero


def check_json_content_type(call: Call) -> None:
    """httputils.CheckForJSON: no Content-Type is fine only without a body; otherwise it must be JSON."""
    content_type = call.request.header("Content-Type")
    if content_type is None and not call.request.body:
        return
    media_type, error = _parse_media_type(content_type or "")
    if error:
        raise invalid_parameter(f"malformed Content-Type header ({content_type or ''}): {error}")
    if media_type != "application/json":
        raise invalid_parameter(f"unsupported Content-Type header ({content_type}): must be 'application/json'")


def _parse_media_type(value: str) -> tuple[str, str | None]:
    """Enough of Go's mime.ParseMediaType to tell a missing type from a wrong one."""
    media_type = value.split(";", 1)[0].strip().lower()
    if not media_type:
        return "", "mime: no media type"
    if "/" not in media_type:
        return media_type, "mime: expected slash after first token"
    return media_type, None


def decode_json_body(call: Call, go_type: GoType, empty_is_zero: bool = False) -> tuple[gojson.JsonNode, Any]:
    """The body's first JSON value as a Go value of `go_type`, with the tree it came from (to tell which keys
    were sent); every failure is the daemon's 400. With `empty_is_zero` (httputils.ReadJSON), no body at all
    is the zero value, an empty object."""
    check_json_content_type(call)
    if empty_is_zero and not call.request.body:
        return gojson.JsonNode("object", 0), zero(go_type)
    try:
        node, rest = gojson.decode_stream_value(call.request.body)
    except gojson.JsonSyntaxError as error:
        raise invalid_parameter(f"invalid JSON: {error.message}") from None
    if node is None:
        raise invalid_parameter("invalid JSON: got EOF while reading request body")
    if rest.strip(b" \t\r\n"):
        raise invalid_parameter("unexpected content after JSON")
    try:
        return node, unmarshal(node, go_type)
    except GoUnmarshalError as error:
        raise invalid_parameter(f"invalid JSON: {error.message}") from None
