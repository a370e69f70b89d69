"""Turning exchanges and run events into what templates need: text, pretty JSON, curl, SSE messages."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from functools import lru_cache

from babel.numbers import get_decimal_symbol, get_group_symbol
from flask import current_app, has_request_context, request
from markupsafe import Markup, escape

from hellotrace.curl import curl_for_exchange
from hellotrace.diagram import strip_prefix
from hellotrace.docker_host import DaemonAddress
from hellotrace.tracing import Exchange
from hellotrace.web.i18n import current_language

# Control characters other than tab and line ends: HTML cannot carry a NUL, and the others show as nothing.
_CONTROLS = {code: f"\\x{code:02x}" for code in (*range(0x20), 0x7F) if code not in (0x09, 0x0A, 0x0D)}


def visible(text: str | None) -> str | None:
    """`text` with its control characters written \\xNN, as Python and the daemon's own errors write them."""
    return text.translate(_CONTROLS) if text else text


def echoed(value: str, limit: int) -> str:
    """What a visitor sent, as a message quotes it back: its first `limit` characters, controls visible."""
    return value[:limit].translate(_CONTROLS)


def as_text(data: bytes | None) -> str:
    """Bytes as readable text; bytes that are not UTF-8, and control characters, show as \\xNN rather than
    vanishing."""
    if not data:
        return ""
    return visible(data.decode("utf-8", "backslashreplace"))


# A command-line option in running text (--unix-socket, -X, "--output -"): browsers break a line after its
# hyphens, which leaves "--" at the end of one line and "output" on the next.
_OPTION = re.compile(r"(?<![\w-])--?[A-Za-z][\w-]*(?: -(?![\w-]))?")


def options_unbroken(text: str) -> Markup:
    """`text`, escaped, with each command-line option kept on one line."""
    escaped = str(escape(text))
    return Markup(_OPTION.sub(lambda found: f'<span class="nowrap">{found.group(0)}</span>', escaped))  # noqa: S704 - escaped first


def pretty_json(data: bytes | None) -> str | None:
    """Indented JSON for the "pretty" view, or None when the body is not one JSON document."""
    if not data:
        return None
    try:
        return json.dumps(json.loads(data), indent=2, ensure_ascii=False)
    except (ValueError, UnicodeDecodeError):
        return None


def curl_text(exchange: Exchange) -> str:
    """The multi-line curl command; an explanation instead when the address cannot be expressed in curl.
    It goes where the reader's own machine reaches the daemon (the DOCKER_HOST their page shows: nginx's
    engine port in a group of nodes, the site's address with an engine on every interface), which is not
    always where the site's own client sent the exchange (the node's engine on loopback)."""
    try:
        return curl_for_exchange(exchange, address=_reachable(exchange.address)).multi_line
    except ValueError as exc:
        return f"# {exc}"


def _reachable(address: DaemonAddress) -> DaemonAddress:
    pool = current_app.extensions.get("hellotrace.visitors") if has_request_context() else None
    if pool is None or address.scheme != "tcp" or address.host is None or address.port is None:
        return address
    host, port = pool.shown_engine(address.host, address.port, request.host)
    return address if (host, port) == (address.host, address.port) else replace(address, host=host, port=port)


def without_prefix(target: str, address: DaemonAddress) -> str:
    """A target without the sandbox's base path, which the page states once."""
    return strip_prefix(target, address.path_prefix)


def dom_id(run_id: str, step: int, exchange: Exchange) -> str:
    """A stable element id for one exchange card in one step of one run."""
    return f"ex-{run_id}-{step}-{exchange.number}"


def duration_ms(exchange: Exchange) -> str:
    """Milliseconds with one decimal, written the way the page's language writes numbers."""
    value = exchange.timings.duration_ms
    return "" if value is None else one_decimal(value)


def one_decimal(value: float) -> str:
    """`value` grouped by thousands with one decimal, in the page's language's symbols (Babel's locale data):
    1,234.1 in English, 1 234,1 in French. Written by Python rather than by Babel's format_decimal, whose
    `decimal` module gives every thread that formats a context of its own: each of the site's up to 256 threads
    would keep one made during a class, scattered among the class's objects, long after the class left."""
    return f"{value:,.1f}".translate(_symbols(current_language()))


@lru_cache(maxsize=8)
def _symbols(locale: str) -> dict[int, str]:
    return str.maketrans({",": get_group_symbol(locale), ".": get_decimal_symbol(locale)})


def sse_message(html: str, event: str | None = None) -> str:
    """One Server-Sent Event; every line of the fragment becomes a `data:` line."""
    lines = html.splitlines() or [""]
    head = f"event: {event}\n" if event else ""
    return head + "".join(f"data: {line}\n" for line in lines) + "\n"
