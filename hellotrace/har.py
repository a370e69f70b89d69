"""HAR 1.2 (HTTP Archive) export and import of recorded exchanges, so a replay or a trace opens in a browser's
network panel or an HTTP debugger, and such a file can be viewed on hellotrace's own stage.

Export keeps what the wire showed: headers in wire order and spelling, the sizes of heads and bodies, the
timings the recorder measured. Binary streams (attach and logs frames) are stored in base64. Fields HAR has
no place for are custom fields, prefixed with `_` as the format allows: the client's name for the call
(`_label`), how the body is framed (`_stream`), the daemon address (`_daemon`), a failed call's error.

Import reads a file back into Exchanges (heads rebuilt from the recorded headers, streams decoded again),
so it is drawn by the same diagram and cards. Anything that is not HAR, or too big, is refused with a
`HarError` whose code the web layer explains.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from hellotrace.docker_host import DaemonAddress, InvalidDaemonAddress, parse_docker_host
from hellotrace.protocol.stdcopy import FrameDecoder, InvalidFrame
from hellotrace.tracing import CLIENT_VERSION, Exchange, FrameRecord, JsonLineRecord, Timings
from hellotrace.tracing.exchange import RecordedRequest, RecordedResponse, StreamKind
from hellotrace.tracing.wire import parse_head
from hellotrace.wiretap.redact import HIDDEN, HIDDEN_ANSWER_NOTE, HIDDEN_NOTE, is_login, redact_body, redact_headers

# A trace page's own export of a long session (a hundred commands, pulls' progress lines) fits: the import
# route raises the site's request limit to this plus the form around the file.
MAX_IMPORT_BYTES = 4 * 1024 * 1024
MAX_IMPORT_ENTRIES = 500
_STREAMS: tuple[StreamKind, ...] = ("none", "json-lines", "stdcopy", "raw")


# --- export ---------------------------------------------------------------------------------------------------


def build_har(sections: Sequence[tuple[str, Sequence[Exchange]]], comment: str = "") -> dict[str, Any]:
    """The HAR document for exchanges grouped in sections (a replay's steps become pages; an untitled section
    has none). An exchange listed in two sections (the CLI's attach, open across steps) is written once."""
    pages: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    seen: set[int] = set()
    for index, (title, exchanges) in enumerate(sections, start=1):
        fresh = [exchange for exchange in exchanges if id(exchange) not in seen]
        seen.update(id(exchange) for exchange in fresh)
        pageref = f"page_{index}" if title and fresh else None
        if pageref:
            pages.append({"startedDateTime": _iso(fresh[0].timings.started_at), "id": pageref, "title": title,
                          "pageTimings": {}})
        entries += [_entry(exchange, pageref) for exchange in fresh]
    log: dict[str, Any] = {"version": "1.2", "creator": {"name": "hellotrace", "version": CLIENT_VERSION}}
    if pages:
        log["pages"] = pages
    log["entries"] = entries
    if comment:
        log["comment"] = comment
    return {"log": log}


def har_bytes(document: dict[str, Any]) -> bytes:
    return json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8")


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _entry(exchange: Exchange, pageref: str | None) -> dict[str, Any]:
    timings = _timings(exchange)
    entry: dict[str, Any] = {}
    if pageref:
        entry["pageref"] = pageref
    entry.update(
        startedDateTime=_iso(exchange.timings.started_at),
        time=round(sum(value for value in timings.values() if value > 0), 3),
        request=_request(exchange),
        response=_response(exchange),
        cache={},
        timings=timings,
    )
    if exchange.connection is not None:
        entry["connection"] = str(exchange.connection.number)
    entry.update(_label=exchange.label, _stream=exchange.stream, _daemon=_daemon(exchange))
    if exchange.error is not None:
        entry["_error"] = exchange.error.raw
    return entry


def _url(exchange: Exchange) -> str:
    """The URL the client asked for: over TCP, the host it named (a terminal behind a proxy names the proxy, not
    the engine that served it)."""
    return f"http://{_named_host(exchange) or exchange.address.http_host}{exchange.target}"


def _daemon(exchange: Exchange) -> str:
    """The daemon address the client named, as DOCKER_HOST writes it: over TCP, the host of its Host header with
    the address's base path (behind nginx, the public engine port, not the node's engine it was passed on to)."""
    address = exchange.address
    named = _named_host(exchange)
    if not named or named == address.http_host:
        return address.normalized
    try:
        return parse_docker_host(f"tcp://{named}{address.path_prefix}").normalized
    except ValueError:  # a Host no DOCKER_HOST can carry (a client may send anything): the address it reached
        return address.normalized


def _named_host(exchange: Exchange) -> str | None:
    if exchange.address.scheme != "tcp":
        return None
    return next((value for key, value in exchange.request_headers if key.lower() == "host"), None)


def _headers(headers: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"name": name, "value": value} for name, value in headers]


def _request(exchange: Exchange) -> dict[str, Any]:
    """The request, its secrets hidden (wiretap/redact.py) as they are on the page; sizes as they were sent."""
    sent = exchange.request
    given = sent.headers if sent else exchange.request_headers
    sent_body = sent.body if sent else (exchange.request_body or b"")
    headers, body = redact_headers(given), redact_body(exchange.target, sent_body)
    request: dict[str, Any] = {
        "method": exchange.method,
        "url": _url(exchange),
        "httpVersion": sent.http_version if sent else "HTTP/1.1",
        "cookies": [],
        "headers": _headers(headers),
        "queryString": [{"name": name, "value": value}
                        for name, value in parse_qsl(urlsplit(exchange.target).query, keep_blank_values=True)],
        "headersSize": len(sent.head) if sent else -1,
        "bodySize": sent.body_size if sent else len(sent_body),
    }
    if body:
        content_type = next((value for name, value in headers if name.lower() == "content-type"), "")
        request["postData"] = {"mimeType": content_type, "text": body.decode("utf-8", "replace")}
    hidden = HIDDEN.encode()
    if headers != list(given) or body != sent_body or hidden in (sent.head if sent else b"") or hidden in body:
        request["comment"] = HIDDEN_NOTE
    return request


def _response(exchange: Exchange) -> dict[str, Any]:
    response = exchange.response
    if response is None:
        # What browsers write for a request that got no answer.
        return {"status": 0, "statusText": "", "httpVersion": "", "cookies": [], "headers": [],
                "content": {"size": 0, "mimeType": "x-unknown"}, "redirectURL": "", "headersSize": -1,
                "bodySize": -1}
    content: dict[str, Any] = {"size": response.body_size, "mimeType": response.content_type or "x-unknown"}
    binary = exchange.stream in ("stdcopy", "raw")
    try:
        text = None if binary else response.body.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None:
        content["text"] = text
    elif response.body:
        content.update(text=base64.b64encode(response.body).decode("ascii"), encoding="base64")
    if response.body_size > len(response.body):
        content["comment"] = f"only the first {len(response.body)} of {response.body_size} bytes were kept"
    answer = {
        "status": response.status,
        "statusText": response.reason,
        "httpVersion": response.http_version,
        "cookies": [],
        "headers": _headers(response.headers),
        "content": content,
        "redirectURL": response.header("Location") or "",
        "headersSize": len(response.head),
        "bodySize": max(response.wire_size - len(response.head), 0),
    }
    if is_login(exchange.target) and HIDDEN.encode() in response.body:
        answer["comment"] = HIDDEN_ANSWER_NOTE
    return answer


def _timings(exchange: Exchange) -> dict[str, float]:
    """HAR's phases from the recorder's moments (ms after the start); -1 where a phase does not apply."""
    times = exchange.timings
    connect = exchange.connection.connect_ms if exchange.connection and exchange.connection.connect_ms else -1
    sent = times.request_sent_ms or 0.0
    head = times.headers_ms if times.headers_ms is not None else sent
    end = times.ended_ms if times.ended_ms is not None else head
    return {
        "blocked": -1, "dns": -1, "connect": round(connect, 3), "ssl": -1,
        "send": round(max(sent - max(connect, 0), 0), 3),
        "wait": round(max(head - sent, 0), 3),
        "receive": round(max(end - head, 0), 3),
    }


# --- import ---------------------------------------------------------------------------------------------------


class HarError(ValueError):
    """Why a file is refused: `code` names the explanation, `params` fill it in."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class ImportedHar:
    """A HAR file read back: its exchanges in order, the tool that wrote it, and the pages' titles."""

    exchanges: tuple[Exchange, ...]
    creator: str
    pages: dict[int, str]  # exchange number → title of the page it belongs to


def parse_har(data: bytes, *, max_bytes: int = MAX_IMPORT_BYTES, max_entries: int = MAX_IMPORT_ENTRIES) -> ImportedHar:
    """Read a HAR file; raises HarError (and keeps nothing) when it is too big, not JSON or not HAR 1.x."""
    if len(data) > max_bytes:
        raise HarError("too-big", size=len(data), limit=max_bytes)
    if not data.strip():
        raise HarError("empty")
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise HarError("not-json") from None
    log = document.get("log") if isinstance(document, dict) else None
    if not isinstance(log, dict) or not isinstance(log.get("entries"), list):
        raise HarError("not-har")
    version = log.get("version")
    if not isinstance(version, str) or not version.startswith("1."):
        raise HarError("version", version=str(version)[:20])
    entries = log["entries"]
    if len(entries) > max_entries:
        raise HarError("too-many", count=len(entries), limit=max_entries)
    titles = {page.get("id"): page.get("title") for page in log.get("pages") or [] if isinstance(page, dict)}
    exchanges, pages = [], {}
    for number, entry in enumerate(entries, start=1):
        try:
            exchange = _exchange(number, entry)
        except (KeyError, TypeError, ValueError, AttributeError, binascii.Error, InvalidDaemonAddress):
            raise HarError("bad-entry", n=number) from None
        exchanges.append(exchange)
        title = titles.get(entry.get("pageref"))
        if isinstance(title, str):
            pages[number] = title
    creator = log.get("creator")
    name = f"{creator.get('name', '')} {creator.get('version', '')}".strip() if isinstance(creator, dict) else ""
    return ImportedHar(tuple(exchanges), name[:80], pages)


def _pairs(items: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(items, list):
        raise TypeError("headers must be a list")
    return tuple((_text(item["name"]), _text(item["value"])) for item in items)


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value


def _head(start_line: str, headers: tuple[tuple[str, str], ...]) -> bytes:
    lines = [start_line, *(f"{name}: {value}" for name, value in headers)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")


def _address(entry: dict[str, Any], url: str) -> DaemonAddress:
    daemon = entry.get("_daemon")
    if isinstance(daemon, str) and daemon:
        return parse_docker_host(daemon)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("not an http URL")
    return parse_docker_host(f"tcp://{parts.netloc}")


def _exchange(number: int, entry: object) -> Exchange:
    if not isinstance(entry, dict):
        raise TypeError("an entry is an object")
    request, response = entry["request"], entry["response"]
    method, url = _text(request["method"]).upper(), _text(request["url"])
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    address = _address(entry, url)
    version = _text(request.get("httpVersion") or "HTTP/1.1")
    headers = _pairs(request["headers"])
    post = request.get("postData")
    body = _text(post.get("text", "")).encode("utf-8") if isinstance(post, dict) else b""
    head = _head(f"{method} {target} {version}", headers)
    sent = RecordedRequest(method, target, version, headers, head, body, len(body))
    stream = entry.get("_stream") if entry.get("_stream") in _STREAMS else "none"
    received = _received(response, method)
    if stream == "none" and received is not None and received.status == 101:
        stream = "stdcopy"
    started = datetime.fromisoformat(_text(entry["startedDateTime"]).replace("Z", "+00:00")).timestamp()
    timings = entry.get("timings") if isinstance(entry.get("timings"), dict) else {}
    send, wait = float(timings.get("send", 0) or 0), float(timings.get("wait", 0) or 0)
    exchange = Exchange(
        number=number, label=str(entry.get("_label") or "")[:40], address=address, method=method, target=target,
        request_headers=headers, request_body=body or None, stream=stream,
        timings=Timings(started_at=started, request_sent_ms=max(send, 0), headers_ms=max(send, 0) + max(wait, 0),
                        ended_ms=float(entry.get("time") or 0)),
        request=sent, response=received, finished=True,
    )
    if received is not None:
        _decode_stream(exchange, received.body)
    return exchange


def _received(response: dict[str, Any], method: str) -> RecordedResponse | None:
    status = response["status"]
    if not isinstance(status, int) or isinstance(status, bool):
        raise TypeError("status is a number")
    if status == 0:
        return None
    version = _text(response.get("httpVersion") or "HTTP/1.1")
    reason = _text(response.get("statusText") or "")
    headers = _pairs(response["headers"])
    raw_head = _head(f"{version} {status} {reason}".rstrip(), headers)
    content = response.get("content") or {}
    text = content.get("text") if isinstance(content, dict) else None
    body = b""
    if isinstance(text, str):
        body = base64.b64decode(text, validate=True) if content.get("encoding") == "base64" else text.encode("utf-8")
    head = parse_head(raw_head)
    if head is None:
        raise ValueError("unreadable head")
    recorded = RecordedResponse.from_head(head, raw_head, request_method=method)
    size = content.get("size") if isinstance(content, dict) else None
    recorded.body, recorded.body_size = body, max(size if isinstance(size, int) else 0, len(body))
    recorded.wire, recorded.wire_size = raw_head + body, len(raw_head) + recorded.body_size
    return recorded


def _decode_stream(exchange: Exchange, body: bytes) -> None:
    """Progress lines and frames, decoded again from the stored body, as the recorder did live."""
    if exchange.stream == "json-lines":
        for index, raw in enumerate(body.splitlines(keepends=True)):
            try:
                value = json.loads(raw) if raw.strip() else None
            except ValueError:
                value = None
            exchange.json_lines.append(JsonLineRecord(index, raw, value, raw.endswith(b"\n")))
    elif exchange.stream == "stdcopy":
        decoder = FrameDecoder()
        try:
            frames = decoder.feed(body)
        except InvalidFrame:
            return
        exchange.frames = [FrameRecord(index, frame) for index, frame in enumerate(frames)]
        exchange.truncated_frame = decoder.close()
