"""The `curl` command that sends the same request to the same daemon, to paste in a bash terminal.

Choices, each for a reason:
- over a unix socket: `--unix-socket PATH http://localhost/v1.55/…`. Two slashes and a host name: with
  `http:/v1.24/…` curl takes `v1.24` for the host and sends `GET /…` unversioned (engine-api-notes §1);
- over TCP: `http://host:port/<base path>/v1.55/…`, the address the client dialled;
- `-sS`: no progress meter, errors still shown; `-i` prints the status line and headers like the replay
  (`-I` instead for HEAD, which is how curl sends HEAD);
- `-X` only when curl would not infer the method (`-d` implies POST);
- `-H` only for headers that change the answer (Content-Type with a body, the Upgrade pair of attach,
  X-Registry-Auth); curl writes Host, User-Agent, Accept and Content-Length itself;
- `-d` with the body in single quotes (`--data-raw` when the body starts with `@`, which `-d` would read
  as a file name); bytes that are not UTF-8 text use bash's `$'…'` quoting;
- `--output -` for the binary attach/logs streams (curl refuses to write binary to a terminal otherwise),
  and `-N` on streams so lines and frames show as they arrive;
- `-g` when the URL holds brackets (an IPv6 host), which curl would otherwise read as a glob.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from hellotrace.docker_host import DaemonAddress
from hellotrace.tracing.exchange import Exchange

# Headers curl sends on its own, or that only describe the connection.
_IMPLIED_HEADERS = {"host", "user-agent", "content-length", "accept", "accept-encoding", "transfer-encoding"}


@dataclass(frozen=True)
class CurlCommand:
    """A curl invocation: `argv` to run it without a shell, `one_line` / `multi_line` to show and paste it."""

    argv: tuple[str | bytes, ...]  # bytes only for a body that is not UTF-8 text (subprocess accepts both)
    groups: tuple[tuple[str | bytes, ...], ...]  # each option with its value, one per line in `multi_line`

    @property
    def one_line(self) -> str:
        return " ".join(shell_quote(arg) for arg in self.argv)

    @property
    def multi_line(self) -> str:
        lines = [" ".join(shell_quote(arg) for arg in group) for group in self.groups]
        return " \\\n  ".join(lines)


def curl_for_exchange(exchange: Exchange, *, show_headers: bool = True,
                      address: DaemonAddress | None = None) -> CurlCommand:
    """The command for a recorded (or attempted) exchange: same method, target, meaningful headers, body.
    `address`: where the reader's curl reaches the same daemon, when not where the exchange went."""
    return curl_for_request(
        address or exchange.address,
        exchange.method,
        exchange.target,
        headers=exchange.request_headers,
        body=exchange.request_body,
        binary_output=exchange.stream in ("stdcopy", "raw"),
        streaming=exchange.stream != "none",
        show_headers=show_headers,
    )


def curl_for_request(
    address: DaemonAddress,
    method: str,
    target: str,
    *,
    headers: Sequence[tuple[str, str]] = (),
    body: bytes | None = None,
    binary_output: bool = False,
    streaming: bool = False,
    show_headers: bool = True,
) -> CurlCommand:
    """The command for a request description; `target` is the path as sent (`/v1.55/containers/create`)."""
    if not address.dialable:
        raise ValueError(f"curl cannot reach {address.normalized}")
    groups: list[tuple[str | bytes, ...]] = [
        output_flags(method, binary_output=binary_output, streaming=streaming, show_headers=show_headers)
    ]
    url = _url(address, target)
    if address.scheme == "unix":
        groups.append(("--unix-socket", address.socket_path or ""))
    if "[" in url or "]" in url:
        groups.append(("-g",))
    groups += request_options(method, headers=headers, body=body)
    groups.append((url,))
    return CurlCommand(argv=tuple(arg for group in groups for arg in group), groups=tuple(groups))


def output_flags(method: str, *, binary_output: bool, streaming: bool, show_headers: bool = True) -> tuple[str, ...]:
    """`curl` and the options that shape what it prints (status and headers, streaming, binary output)."""
    flags = ["curl", "-sS"]
    if method == "HEAD":
        flags.append("-I")
    elif show_headers:
        flags.append("-i")
    if streaming:
        flags.append("-N")
    if binary_output:
        flags += ["--output", "-"]
    return tuple(flags)


def request_options(
    method: str, *, headers: Sequence[tuple[str, str]] = (), body: bytes | None = None
) -> list[tuple[str | bytes, ...]]:
    """The options that make the request itself: method when curl would not infer it, headers, body."""
    kept = [(name, value) for name, value in headers if _meaningful(name, value, body)]
    if body and not any(name.lower() == "content-type" for name, _ in kept) and _is_json(body):
        kept.insert(0, ("Content-Type", "application/json"))
    groups: list[tuple[str | bytes, ...]] = []
    if _needs_method_flag(method, body):
        groups.append(("-X", method))
    groups += [("-H", _header_arg(name, value)) for name, value in kept]
    if body:
        groups.append(("--data-raw" if body.startswith(b"@") else "-d", _body_arg(body)))
    return groups


def _header_arg(name: str, value: str) -> str | bytes:
    """`Name: value` as a UTF-8 terminal sends it. A recorded header holds its wire bytes one character each
    (HTTP's Latin-1): UTF-8 text is given back as text (`Zoé`, not `ZoÃ©`), other bytes as bytes."""
    line = f"{name}: {value}"
    try:
        wire = line.encode("latin-1")
    except UnicodeEncodeError:
        return line  # already text, not wire bytes
    try:
        return wire.decode("utf-8")
    except UnicodeDecodeError:
        return wire


def shell_quote(arg: str | bytes) -> str:
    """POSIX shell quoting: bare when safe, '…' otherwise ('\\'' for a quote); bytes that are not text as $'…'."""
    if isinstance(arg, bytes):
        return _ansi_c_quote(arg)
    return shlex.quote(arg)


def _body_arg(body: bytes) -> str | bytes:
    """The body as a command-line argument: text when it is UTF-8, else the bytes (quoted with $'…')."""
    if b"\x00" in body:
        raise ValueError("a body with NUL bytes cannot be passed on a command line")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body


def _ansi_c_quote(raw: bytes) -> str:
    """bash's $'…' quoting, every byte outside printable ASCII as \\xNN."""
    out = []
    for byte in raw:
        char = chr(byte)
        if char in ("\\", "'"):
            out.append("\\" + char)
        elif 0x20 <= byte < 0x7F:
            out.append(char)
        else:
            out.append(f"\\x{byte:02x}")
    return "$'" + "".join(out) + "'"


def _meaningful(name: str, value: str, body: bytes | None) -> bool:
    lowered = name.lower()
    if lowered in _IMPLIED_HEADERS:
        return False
    if lowered == "connection":
        return value.lower() == "upgrade"
    if lowered == "content-type":
        return bool(body)  # attach's "text/plain" on an empty body changes nothing
    return True


def _needs_method_flag(method: str, body: bytes | None) -> bool:
    if method in ("GET", "HEAD"):
        return False
    return not (method == "POST" and body)


def _url(address: DaemonAddress, target: str) -> str:
    if address.scheme == "unix":
        return f"http://localhost{target}"
    return f"http://{address.http_host}{target}"


def _is_json(body: bytes) -> bool:
    try:
        json.loads(body)
    except ValueError:
        return False
    return True
