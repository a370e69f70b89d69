"""Every form `DOCKER_HOST` / `-H` accepts, parsed the way the docker CLI and its client library do.

Two steps happen in Docker, and both are reproduced here so the lab page can show them:
1. docker/cli `opts/hosts.go` `ParseHost` normalizes the text (defaults for an empty scheme, host or port),
   which is what `docker context inspect` prints;
2. when the API client is built, docker/cli `connhelper` parses the result again with Go's `url.Parse`
   (any scheme: an error there is printed without "unable to resolve docker endpoint", after the TLS files
   were read) and checks an `ssh://` address (`cli/connhelper/ssh`: a host, no password, no query, no
   fragment); moby `client.ParseHostURL` splits it: a TCP address keeps a path, which becomes the **base path**
   of every request (`/prefix/_ping`, `/prefix/v1.55/…`), unescaped a second time.

The CLI's TCP parsing goes through Go's `url.Parse`, `net.SplitHostPort` and `net.JoinHostPort`; the small
parts of them that matter are reimplemented so that odd inputs give Docker's result or Docker's exact error
text. The result carries codes (`AppliedDefault.code`, `notes`, `not_dialable_reason`), never prose: the
web layer words them in French and English.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, replace
from urllib.parse import quote

from hellotrace.protocol.gostrconv import quote as go_quote

DEFAULT_UNIX_SOCKET = "/var/run/docker.sock"
DEFAULT_NAMED_PIPE = "//./pipe/docker_engine"
# `defaultHTTPHost` on Linux and macOS (Windows uses 127.0.0.1).
DEFAULT_HTTP_HOST = "localhost"
DEFAULT_HTTP_PORT = 2375
DEFAULT_TLS_HTTP_PORT = 2376
# The Host header the client sends over a unix socket or a named pipe (moby client `DummyHost`).
UNIX_HTTP_HOST = "api.moby.localhost"


# Why an address cannot be dialled by hellotrace (codes for `DaemonAddress.not_dialable_reason`).
DAEMON_SIDE_ONLY = "daemon_side_only"  # fd:// is systemd socket activation, for dockerd itself
SSH_NOT_SUPPORTED = "ssh_not_supported"  # the CLI runs `ssh … docker system dial-stdio`
NAMED_PIPE_WINDOWS = "named_pipe_windows"  # npipe:// exists on Windows only
TLS_NOT_SUPPORTED = "tls_not_supported"  # hellotrace speaks plain HTTP only
PORT_OUT_OF_RANGE = "port_out_of_range"  # the CLI accepts any digits as a port; dialling refuses them

# Things the parser did silently (codes for `DaemonAddress.notes`).
NOTE_TRIMMED = "whitespace_trimmed"
NOTE_SCHEME_INFERRED = "scheme_inferred_tcp"  # no "://": the CLI assumes tcp
NOTE_LOOKS_LIKE_PATH = "path_taken_as_tcp_prefix"  # "/var/run/docker.sock" without unix:// is a TCP base path
NOTE_PATH_PREFIX = "path_prefix"  # tcp://host:port/prefix: requests go to /prefix/v1.xx/…
NOTE_USERINFO_DROPPED = "userinfo_dropped"  # tcp://user@host: Go's url.Parse keeps it, the CLI drops it
NOTE_QUERY_DROPPED = "query_dropped"
NOTE_FRAGMENT_DROPPED = "fragment_dropped"
NOTE_RELATIVE_SOCKET = "relative_socket_path"  # unix://run/x.sock is relative to the working directory


class InvalidDaemonAddress(ValueError):
    """The CLI refuses this address; `message` is its exact error text.

    `client_stage`: refused when the API client is built (url.Parse, the ssh checks), after the endpoint and
    its TLS files were resolved, rather than by `ParseHost`; the CLI's line then lacks the endpoint prefix.
    """

    def __init__(self, given: str, message: str, *, client_stage: bool = False) -> None:
        super().__init__(message)
        self.given = given
        self.message = message
        self.client_stage = client_stage

    @property
    def cli_output(self) -> str:
        """What `docker` prints on stderr (then exits with status 1)."""
        if self.client_stage:
            return f"Failed to initialize: {self.message}"
        return f"Failed to initialize: unable to resolve docker endpoint: {self.message}"


@dataclass(frozen=True)
class AppliedDefault:
    """A part of the address that was missing and that Docker filled in."""

    part: str  # "address", "socket_path", "host", "port", "scheme"
    value: str
    code: str  # "nothing_set", "nothing_set_tls", "default_unix_socket", "default_named_pipe",
    #            "default_http_host", "default_http_port", "default_tls_port", "scheme_tcp"


@dataclass(frozen=True)
class DaemonAddress:
    """A parsed daemon address, with everything needed to explain it and to dial it."""

    given: str  # the text as typed
    scheme: str  # unix | tcp | ssh | npipe | fd
    normalized: str  # as Docker prints it (`docker context inspect`)
    host: str | None = None  # tcp/ssh host name or IP, without IPv6 brackets
    port: int | None = None
    socket_path: str | None = None  # unix socket or named pipe
    path_prefix: str = ""  # tcp base path, "" when none
    user: str | None = None  # ssh user
    tls: bool = False
    dialable: bool = True
    not_dialable_reason: str | None = None
    defaults: tuple[AppliedDefault, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def default_port_applied(self) -> int | None:
        """2375 or 2376 when Docker chose the port, None when it was given."""
        for applied in self.defaults:
            if applied.part == "port":
                return int(applied.value)
        return None

    @property
    def http_host(self) -> str:
        """The Host header the Docker client sends to this daemon."""
        if self.scheme == "tcp" and self.host is not None and self.port is not None:
            return join_host_port(self.host, str(self.port))
        return UNIX_HTTP_HOST

    def request_path(self, path: str, api_version: str | None = None) -> str:
        """The path as the client puts it on the wire: base path, then `/v<version>`, then the endpoint.

        Same cleaning as Go's `path.Join` (moby client `getAPIPath`), then escaped like `url.URL.String()`.
        `path` may carry a query string; it is kept as given.
        """
        endpoint, sep, query = path.partition("?")
        version = f"/v{api_version}" if api_version else ""
        joined = _go_path_join(self.path_prefix, version, endpoint)
        return quote(joined, safe="/$&+,:;=@") + (sep + query if sep else "")

    def as_dict(self) -> dict[str, object]:
        """Plain data for templates and JSON."""
        return {
            "given": self.given,
            "scheme": self.scheme,
            "normalized": self.normalized,
            "host": self.host,
            "port": self.port,
            "socket_path": self.socket_path,
            "path_prefix": self.path_prefix,
            "user": self.user,
            "tls": self.tls,
            "dialable": self.dialable,
            "not_dialable_reason": self.not_dialable_reason,
            "defaults": [{"part": d.part, "value": d.value, "code": d.code} for d in self.defaults],
            "notes": list(self.notes),
        }


# The same few addresses are read on every request and every exchange the engine taps (the answer is immutable);
# bounded, since a learner may type any.
@functools.lru_cache(maxsize=256)
def parse_docker_host(value: str | None, *, tls: bool = False) -> DaemonAddress:
    """Parse what a user would put in `DOCKER_HOST` or after `-H` (Linux/macOS rules).

    `tls` stands for `--tls`/`--tlsverify`/`DOCKER_TLS`/`DOCKER_TLS_VERIFY`: it only changes the default
    address when nothing is given (`tcp://localhost:2376`). Raises InvalidDaemonAddress with the CLI's text.
    """
    given = "" if value is None else value
    return _as_client_reads(_parse_host(given, tls))


def _parse_host(given: str, tls: bool) -> DaemonAddress:
    """docker/cli `ParseHost`: the address normalized, as `docker context inspect` prints it."""
    text = given.strip()
    notes: list[str] = [NOTE_TRIMMED] if text and text != given else []
    if not text:
        if tls:
            return _tcp_address(
                given,
                DEFAULT_HTTP_HOST,
                str(DEFAULT_TLS_HTTP_PORT),
                "",
                tls=True,
                defaults=[
                    AppliedDefault("address", f"tcp://{DEFAULT_HTTP_HOST}:{DEFAULT_TLS_HTTP_PORT}", "nothing_set_tls"),
                    AppliedDefault("host", DEFAULT_HTTP_HOST, "default_http_host"),
                    AppliedDefault("port", str(DEFAULT_TLS_HTTP_PORT), "default_tls_port"),
                ],
                notes=notes,
            )
        return _unix_address(
            given,
            DEFAULT_UNIX_SOCKET,
            tls=tls,
            defaults=[
                AppliedDefault("address", f"unix://{DEFAULT_UNIX_SOCKET}", "nothing_set"),
                AppliedDefault("socket_path", DEFAULT_UNIX_SOCKET, "default_unix_socket"),
            ],
            notes=notes,
        )

    proto, has_proto, rest = _cut(text, "://")
    defaults: list[AppliedDefault] = []
    if not has_proto:
        rest, proto = proto, "tcp"
        defaults.append(AppliedDefault("scheme", "tcp", "scheme_tcp"))
        notes.append(NOTE_SCHEME_INFERRED)
        if rest.startswith("/"):
            notes.append(NOTE_LOOKS_LIKE_PATH)

    if proto == "tcp":
        return _parse_tcp(given, rest, tls=tls, defaults=defaults, notes=notes)
    if proto == "unix":
        path = _simple_proto_path(given, "unix", rest)
        if not path:
            defaults.append(AppliedDefault("socket_path", DEFAULT_UNIX_SOCKET, "default_unix_socket"))
            path = DEFAULT_UNIX_SOCKET
        elif not path.startswith("/"):
            notes.append(NOTE_RELATIVE_SOCKET)
        return _unix_address(given, path, tls=tls, defaults=defaults, notes=notes)
    if proto == "npipe":
        pipe = _simple_proto_path(given, "npipe", rest)
        if not pipe:
            defaults.append(AppliedDefault("socket_path", DEFAULT_NAMED_PIPE, "default_named_pipe"))
            pipe = DEFAULT_NAMED_PIPE
        return DaemonAddress(
            given=given, scheme="npipe", normalized=f"npipe://{pipe}", socket_path=pipe, tls=tls,
            dialable=False, not_dialable_reason=NAMED_PIPE_WINDOWS,
            defaults=tuple(defaults), notes=tuple(notes),
        )
    if proto == "fd":
        return DaemonAddress(
            given=given, scheme="fd", normalized=text, tls=tls,
            dialable=False, not_dialable_reason=DAEMON_SIDE_ONLY, notes=tuple(notes),
        )
    if proto == "ssh":  # kept as typed; its parts come from the connection helper's checks
        return DaemonAddress(
            given=given, scheme="ssh", normalized=text, tls=tls,
            dialable=False, not_dialable_reason=SSH_NOT_SUPPORTED, notes=tuple(notes),
        )
    raise InvalidDaemonAddress(given, f"invalid bind address format: {text}")


def _as_client_reads(address: DaemonAddress) -> DaemonAddress:
    """What building the API client makes of a normalized address: Go's url.Parse again, whatever the
    scheme; the ssh connection helper's checks; and the TCP base path, unescaped a second time."""
    url = _go_parse_url(address.given, address.normalized, client_stage=True)
    if address.scheme == "ssh":
        return _ssh_address(address, url)
    if address.scheme == "tcp" and url.path != address.path_prefix:
        return replace(address, path_prefix=url.path)
    return address


def join_host_port(host: str, port: str) -> str:
    """Go's net.JoinHostPort: brackets around a host that contains a colon."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


# --- unix, npipe, ssh ---------------------------------------------------------------------------------------


def _simple_proto_path(given: str, proto: str, rest: str) -> str:
    """parseSimpleProtoAddr: the text after `proto://`, refusing a second scheme inside it."""
    rest = rest.removeprefix(f"{proto}://")
    if "://" in rest:
        raise InvalidDaemonAddress(given, f"invalid proto, expected {proto}: {rest}")
    return rest


def _unix_address(
    given: str, path: str, *, tls: bool, defaults: list[AppliedDefault], notes: list[str]
) -> DaemonAddress:
    return DaemonAddress(
        given=given, scheme="unix", normalized=f"unix://{path}", socket_path=path, tls=tls,
        dialable=True, defaults=tuple(defaults), notes=tuple(notes),
    )


def _ssh_address(address: DaemonAddress, url: _GoURL) -> DaemonAddress:
    """docker/cli `ssh.NewSpec` (28.2.2): user, host, port and socket path, or the CLI's refusal."""

    def refuse(reason: str) -> InvalidDaemonAddress:
        return InvalidDaemonAddress(address.given, f"ssh host connection is not valid: invalid SSH URL: {reason}",
                                    client_stage=True)

    if url.has_password:
        raise refuse("plain-text password is not supported")
    host, port = _go_hostname_port(url.host)
    if not host:
        raise refuse("hostname is empty")
    if url.raw_query:
        raise refuse(f"query parameters are not allowed: {go_quote(url.raw_query)}")
    if url.fragment:
        raise refuse(f"fragments are not allowed: {go_quote(url.fragment)}")
    return replace(address, host=host, port=int(port) if port else None, socket_path=url.path or None,
                   user=url.user or None)


# --- tcp ------------------------------------------------------------------------------------------------------


def _parse_tcp(
    given: str, try_addr: str, *, tls: bool, defaults: list[AppliedDefault], notes: list[str]
) -> DaemonAddress:
    """ParseTCPAddr with the default `tcp://localhost:2375` (an explicit tcp address never gets 2376)."""
    default_port = str(DEFAULT_HTTP_PORT)
    if try_addr in ("", "tcp://"):
        defaults += [
            AppliedDefault("host", DEFAULT_HTTP_HOST, "default_http_host"),
            AppliedDefault("port", default_port, "default_http_port"),
        ]
        return _tcp_address(given, DEFAULT_HTTP_HOST, default_port, "", tls=tls, defaults=defaults, notes=notes)
    addr = try_addr.removeprefix("tcp://")
    if "://" in addr or not addr:
        raise InvalidDaemonAddress(given, f"invalid proto, expected tcp: {try_addr}")
    port_defaulted = addr.endswith("]:")
    if port_defaulted:
        addr += default_port

    url = _go_parse_url(given, "tcp://" + addr)
    if url.userinfo:
        notes.append(NOTE_USERINFO_DROPPED)
    if url.has_query:
        notes.append(NOTE_QUERY_DROPPED)
    if url.has_fragment:
        notes.append(NOTE_FRAGMENT_DROPPED)

    split = _split_host_port(url.host)
    if split is None:
        port_defaulted = True
        split = _split_host_port(join_host_port(url.host, default_port))
    if split is None:
        raise InvalidDaemonAddress(given, f"invalid bind address format: {try_addr}")
    host, port = split
    if not host:
        host = DEFAULT_HTTP_HOST
        defaults.append(AppliedDefault("host", DEFAULT_HTTP_HOST, "default_http_host"))
    if not port:
        port = default_port
        port_defaulted = True
    if port_defaulted:
        defaults.append(AppliedDefault("port", default_port, "default_http_port"))
    # Go's url.Parse let only digits through as a port, and the CLI's Atoi check cannot fail on them.
    if url.path:
        notes.append(NOTE_PATH_PREFIX)
    return _tcp_address(given, host, port, url.path, tls=tls, defaults=defaults, notes=notes)


def _tcp_address(
    given: str,
    host: str,
    port: str,
    path: str,
    *,
    tls: bool,
    defaults: list[AppliedDefault],
    notes: list[str],
) -> DaemonAddress:
    number = int(port)
    reason = None
    if tls:
        reason = TLS_NOT_SUPPORTED
    elif not 0 < number <= 65535:
        reason = PORT_OUT_OF_RANGE
    return DaemonAddress(
        given=given,
        scheme="tcp",
        normalized=f"tcp://{join_host_port(host, port)}{path}",
        host=host,
        port=number,
        path_prefix=path,
        tls=tls,
        dialable=reason is None,
        not_dialable_reason=reason,
        defaults=tuple(defaults),
        notes=tuple(notes),
    )


_Fail = Callable[[str], InvalidDaemonAddress]


@dataclass(frozen=True)
class _GoURL:
    host: str  # Go's URL.Host: unescaped, port and IPv6 brackets included
    path: str
    userinfo: str  # as typed, "" without one
    user: str  # URL.User's name, unescaped
    has_password: bool  # a ":" in the userinfo, even with nothing after it
    raw_query: str
    has_query: bool
    fragment: str  # unescaped
    has_fragment: bool


def _go_parse_url(given: str, raw: str, *, client_stage: bool = False) -> _GoURL:
    """The parts of Go's url.Parse that a `scheme://authority/path?query#fragment` string goes through,
    in Go's order: the URL before `#` (its errors quote that part only), then the fragment."""
    before_fragment, has_fragment, fragment = _cut(raw, "#")

    def failing(quoted: str) -> _Fail:
        def fail(reason: str) -> InvalidDaemonAddress:
            return InvalidDaemonAddress(given, f"parse {go_quote(quoted)}: {reason}", client_stage=client_stage)
        return fail

    fail = failing(before_fragment)
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in before_fragment):
        raise fail("net/url: invalid control character in URL")
    rest = before_fragment.partition("://")[2]
    rest, has_query, raw_query = _cut(rest, "?")
    authority, slash, path = rest.partition("/")
    path = slash + path
    userinfo, at, host = authority.rpartition("@")
    host = _go_parse_host(host, fail)
    name, colon, password = userinfo.partition(":")
    if at:
        if not all(c.isascii() and (c.isalnum() or c in "-._:~!$&'()*+,;=%@") for c in userinfo):
            raise fail("net/url: invalid userinfo")
        name = _go_unescape(name, "userinfo", fail)
        _go_unescape(password, "userinfo", fail)
    path = _go_unescape(path, "path", fail)
    return _GoURL(
        host=host,
        path=path,
        userinfo=userinfo,
        user=name,
        has_password=bool(colon),
        raw_query=raw_query,
        has_query=has_query,
        fragment=_go_unescape(fragment, "fragment", failing(raw)),
        has_fragment=has_fragment,
    )


def _go_parse_host(host: str, fail: _Fail) -> str:
    if host.startswith("["):
        end = host.rfind("]")
        if end < 0:
            raise fail("missing ']' in host")
        colon_port = host[end + 1:]
        if not _valid_optional_port(colon_port):
            raise fail(f"invalid port {go_quote(colon_port)} after host")
    elif (colon := host.rfind(":")) >= 0:
        colon_port = host[colon:]
        if not _valid_optional_port(colon_port):
            raise fail(f"invalid port {go_quote(colon_port)} after host")
    return _go_unescape(host, "host", fail)


def _valid_optional_port(port: str) -> bool:
    return port == "" or (port[0] == ":" and all("0" <= c <= "9" for c in port[1:]))


_HOST_SAFE = set("!$&'()*+,;=:[]<>\"-_.~")


def _go_unescape(text: str, mode: str, fail: _Fail) -> str:
    """Go's url.unescape: validate %XX escapes (host: only non-ASCII bytes or %25) and decode them."""
    out = bytearray()
    i = 0
    while i < len(text):
        c = text[i]
        if c == "%":
            escape = text[i:i + 3]
            if len(escape) < 3 or not all(h in "0123456789abcdefABCDEF" for h in escape[1:]):
                raise fail(f"invalid URL escape {go_quote(escape)}")
            if mode == "host" and int(escape[1], 16) < 8 and escape != "%25":
                raise fail(f"invalid URL escape {go_quote(escape)}")
            out.append(int(escape[1:], 16))
            i += 3
            continue
        if mode == "host" and c.isascii() and not c.isalnum() and c not in _HOST_SAFE:
            raise fail(f"invalid character {go_quote(c)} in host name")
        out += c.encode("utf-8")
        i += 1
    return out.decode("utf-8", errors="replace")


def _go_hostname_port(host: str) -> tuple[str, str]:
    """URL.Hostname() and URL.Port(): the port only when the last colon is followed by digits alone."""
    colon = host.rfind(":")
    port = ""
    if colon >= 0 and _valid_optional_port(host[colon:]):
        host, port = host[:colon], host[colon + 1:]
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host, port


def _split_host_port(hostport: str) -> tuple[str, str] | None:
    """Go's net.SplitHostPort, returning None where Go returns an error."""
    colon = hostport.rfind(":")
    if colon < 0:
        return None
    start, after = 0, 0
    if hostport.startswith("["):
        end = hostport.find("]")
        if end < 0 or end + 1 != colon:
            return None
        host = hostport[1:end]
        start, after = 1, end + 1
    else:
        host = hostport[:colon]
        if ":" in host:
            return None
    if "[" in hostport[start:] or "]" in hostport[after:]:
        return None
    return host, hostport[colon + 1:]


def _go_path_join(*parts: str) -> str:
    """Go's path.Join: join the non-empty parts and clean the result (no trailing slash, no `.`/`..`)."""
    joined = "/".join(p for p in parts if p)
    if not joined:
        return ""
    rooted = joined.startswith("/")
    stack: list[str] = []
    for segment in joined.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if stack and stack[-1] != "..":
                stack.pop()
            elif not rooted:
                stack.append("..")
            continue
        stack.append(segment)
    cleaned = ("/" if rooted else "") + "/".join(stack)
    return cleaned or ("/" if rooted else ".")


def _cut(text: str, sep: str) -> tuple[str, bool, str]:
    """Go's strings.Cut, in the order (before, found, after)."""
    before, found, after = text.partition(sep)
    return before, bool(found), after
