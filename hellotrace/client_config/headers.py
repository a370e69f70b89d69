"""Custom HTTP headers: `HttpHeaders` in config.json, or `DOCKER_CUSTOM_HEADERS`, and what reaches the wire.

docker/cli `newAPIClientFromEndpoint` hands `HttpHeaders` to the API client, then `withCustomHeadersFromEnv`
**replaces** them wholesale when `DOCKER_CUSTOM_HEADERS` is set (a CSV list of `key=value`), then sets its own
User-Agent. The moby client writes the custom headers first and its own per-request headers over them
(`addHeaders`), and Go's HTTP client decides the rest. Checked with docker CLI 28.2.2:
- names go out canonicalized (`x-my-header` → `X-My-Header`), sorted, values trimmed, an empty value as `Name: `;
- `User-Agent` is always the CLI's; `Host`, `Content-Length`, `Transfer-Encoding` and `Trailer` never leave
  (Go writes those from the request itself);
- `Content-Type`, `X-Registry-Auth`, `Connection` and `Upgrade` are sent, except on the requests where the CLI
  sets them itself (a JSON body, a pull, an attach);
- a name that is not an HTTP token, or a value with a control character, makes **every** request fail:
  `net/http: invalid header field name "My Header"`.
"""

from __future__ import annotations

from dataclasses import dataclass

from hellotrace.protocol.gostrconv import quote as go_quote

ENV_CUSTOM_HEADERS = "DOCKER_CUSTOM_HEADERS"

# Fates of a configured header.
SENT = "sent"
REPLACED_BY_CLI = "replaced_by_cli"  # User-Agent
DROPPED_BY_GO = "dropped_by_go"  # Host, Content-Length, Transfer-Encoding, Trailer
SOMETIMES_OVERRIDDEN = "sometimes_overridden"  # the CLI sets it on some requests
INVALID_NAME = "invalid_name"
INVALID_VALUE = "invalid_value"
DUPLICATE = "duplicate"  # two keys with the same canonical name: Go's map order picks one at random

_DROPPED = {"Host", "Content-Length", "Transfer-Encoding", "Trailer"}
# Header → the requests on which the CLI sets it itself.
CLI_REQUEST_HEADERS = {
    "Content-Type": "json_body",
    "X-Registry-Auth": "registry",
    "Connection": "upgrade",
    "Upgrade": "upgrade",
}
_TOKEN = set("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


@dataclass(frozen=True)
class HeaderFate:
    """One configured header: as written, as it would go on the wire, and what happens to it."""

    name: str
    wire_name: str
    value: str
    fate: str
    detail: str | None = None  # for SOMETIMES_OVERRIDDEN: which requests (json_body, registry, upgrade)


@dataclass(frozen=True)
class HeaderPlan:
    """The custom headers in force and their fates; `error` is the CLI's own stop line for a bad variable."""

    source: str | None  # "env", "file" or None
    fates: tuple[HeaderFate, ...] = ()
    error: str | None = None

    @property
    def request_error(self) -> str | None:
        """Go's reason for refusing to send any request with these headers, or None."""
        for fate in self.fates:
            if fate.fate == INVALID_NAME:
                return f"net/http: invalid header field name {go_quote(fate.wire_name)}"
            if fate.fate == INVALID_VALUE:
                return f"net/http: invalid header field value for {go_quote(fate.wire_name)}"
        return None

    def wire_headers(self) -> list[tuple[str, str]]:
        """The custom headers a plain GET carries, as Go writes them (sorted, values trimmed)."""
        sent = [(f.wire_name, go_trim(f.value)) for f in self.fates if f.fate in (SENT, SOMETIMES_OVERRIDDEN)]
        return sorted(sent)


def plan_headers(file_headers: dict[str, str] | None, env_value: str | None) -> HeaderPlan:
    """The headers the CLI would send: the environment variable's when it yields any, else the file's."""
    if env_value:
        try:
            env_headers = parse_custom_headers_env(env_value)
        except ValueError as error:
            return HeaderPlan("env", error=f"Failed to initialize: {error}")
        if env_headers:
            return HeaderPlan("env", _fates(env_headers))
    if file_headers:
        return HeaderPlan("file", _fates(file_headers))
    return HeaderPlan(None)


def _fates(headers: dict[str, str]) -> tuple[HeaderFate, ...]:
    fates = []
    last_of = {canonical_header_key(name): name for name in headers}
    for name, value in headers.items():
        wire = canonical_header_key(name)
        if last_of[wire] != name:
            fate, detail = DUPLICATE, None
        elif not valid_header_name(wire):
            fate, detail = INVALID_NAME, None
        elif not valid_header_value(value):
            fate, detail = INVALID_VALUE, None
        elif wire == "User-Agent":
            fate, detail = REPLACED_BY_CLI, None
        elif wire in _DROPPED:
            fate, detail = DROPPED_BY_GO, None
        elif wire in CLI_REQUEST_HEADERS:
            fate, detail = SOMETIMES_OVERRIDDEN, CLI_REQUEST_HEADERS[wire]
        else:
            fate, detail = SENT, None
        fates.append(HeaderFate(name, wire, value, fate, detail))
    return tuple(sorted(fates, key=lambda f: (f.wire_name, f.name)))


def parse_custom_headers_env(value: str) -> dict[str, str]:
    """DOCKER_CUSTOM_HEADERS as the CLI reads it; ValueError carries the CLI's message."""
    try:
        fields = go_csv_first_record(value)
    except ValueError:
        raise ValueError(
            f"failed to parse custom headers from {ENV_CUSTOM_HEADERS} environment variable: "
            "value must be formatted as comma-separated key=value pairs"
        ) from None
    headers: dict[str, str] = {}
    for pair in fields:
        key, has_value, text = pair.partition("=")
        key = key.strip()
        if not key:
            raise ValueError(
                f"failed to set custom headers from {ENV_CUSTOM_HEADERS} environment variable: value contains "
                f"a key=value pair with an empty key: '{pair}'"
            )
        if not has_value:
            raise ValueError(
                f'failed to set custom headers from {ENV_CUSTOM_HEADERS} environment variable: missing "=" in '
                f"key=value pair: '{pair}'"
            )
        headers[canonical_header_key(key)] = text
    return headers


def go_csv_first_record(text: str) -> list[str]:
    """The first record of Go's encoding/csv Reader (strict quotes); ValueError where Read returns an error."""
    lines = [part + "\n" for part in text.split("\n")]
    lines[-1] = lines[-1][:-1].removesuffix("\r")  # the last line has no newline; Go drops a trailing \r
    if not lines[-1]:
        lines.pop()
    index = 0
    while index < len(lines) and lines[index] in ("\n", "\r\n"):
        index += 1
    if index >= len(lines):
        raise ValueError("EOF")
    line = _normalize_newline(lines[index])
    index += 1
    fields: list[str] = []
    while True:
        if not line.startswith('"'):
            comma = line.find(",")
            cell = line[:comma] if comma >= 0 else line.removesuffix("\n")
            if '"' in cell:
                raise ValueError('bare " in non-quoted-field')
            fields.append(cell)
            if comma < 0:
                return fields
            line = line[comma + 1:]
            continue
        line = line[1:]
        buffer: list[str] = []
        while True:
            quote = line.find('"')
            if quote >= 0:
                buffer.append(line[:quote])
                line = line[quote + 1:]
                if line.startswith('"'):
                    buffer.append('"')
                    line = line[1:]
                    continue
                if line.startswith(","):
                    line = line[1:]
                    fields.append("".join(buffer))
                    break
                if line in ("", "\n"):
                    fields.append("".join(buffer))
                    return fields
                raise ValueError('extraneous or missing " in quoted-field')
            if line:
                buffer.append(line)
                if index >= len(lines):
                    raise ValueError('extraneous or missing " in quoted-field')
                line = _normalize_newline(lines[index])
                index += 1
                continue
            raise ValueError('extraneous or missing " in quoted-field')


def _normalize_newline(line: str) -> str:
    return line[:-2] + "\n" if line.endswith("\r\n") else line


def canonical_header_key(key: str) -> str:
    """Go's textproto.CanonicalMIMEHeaderKey: `x-my-header` → `X-My-Header`; left alone if not a token."""
    if not key or any(c not in _TOKEN for c in key):
        return key
    out = []
    upper = True
    for c in key:
        out.append(c.upper() if upper else c.lower())
        upper = c == "-"
    return "".join(out)


def valid_header_name(name: str) -> bool:
    return bool(name) and all(c in _TOKEN for c in name)


def valid_header_value(value: str) -> bool:
    """httpguts.ValidHeaderFieldValue: no control byte other than a tab."""
    return not any((ord(c) < 0x20 and c != "\t") or ord(c) == 0x7F for c in value)


def go_trim(value: str) -> str:
    """textproto.TrimString: Go trims ASCII spaces and tabs around a value when writing it."""
    return value.strip(" \t\r\n")


