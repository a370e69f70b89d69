"""Reading a lesson's command back into one Engine API request, so that a page can send it for real.

Two kinds of command can be sent: a `curl` request, and `docker pull [-q] IMAGE`, which becomes the
`POST /images/create` the docker CLI sends for it (a lesson pulls its image that way before it creates a
container). No shell ever runs: the command is split with `shlex` and only the curl options the lessons use
are understood. Anything a shell would do (pipes, redirections, variables, several commands) or any option
that is not on the list is refused with a reason, as is any target outside the Engine API (`/v1.NN/…`
or `/_ping`), so that the request stays inside the visitor's sandbox whatever the text says.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from urllib.parse import urlsplit

from hellotrace.protocol.reference import InvalidReference, parse_normalized_named
from hellotrace.protocol.versions import MAX_API_VERSION
from hellotrace.tracing import StreamKind, encode_query

MAX_COMMAND_CHARS = 16 * 1024
MAX_BODY_BYTES = 64 * 1024
MAX_HEADERS = 10
MAX_TARGET_CHARS = 2048
# What curl sends with -d when no -H 'Content-Type: …' says otherwise (the daemon refuses it: a lesson point).
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
# The socket every lesson names; the request goes to the visitor's sandbox instead.
LESSON_SOCKET = "/var/run/docker.sock"
# What the docker CLI sends as X-Registry-Auth when it holds no credentials: base64 of `{}`.
NO_REGISTRY_AUTH = "e30="

# Options that only change what curl prints (the exchange card shows everything anyway): flag → takes a value.
_DISPLAY_OPTIONS = {
    "-s": False, "--silent": False, "-S": False, "--show-error": False, "-i": False, "--include": False,
    "-v": False, "--verbose": False, "-o": True, "--output": True, "-w": True, "--write-out": True,
    "-D": True, "--dump-header": True,
}
_REQUEST_OPTIONS = {
    "-X": True, "--request": True, "-H": True, "--header": True, "-d": True, "--data": True,
    "-I": False, "--head": False, "--unix-socket": True,
}
_OPTIONS = {**_DISPLAY_OPTIONS, **_REQUEST_OPTIONS}
_METHODS = {"GET", "HEAD", "POST", "PUT", "DELETE"}
# Headers that describe the connection or the framing: the client sets them, and attach's upgrade is the
# replay's business (step 4), not a single request's.
_REFUSED_HEADERS = {"host", "content-length", "transfer-encoding", "connection", "upgrade", "expect", "te"}
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_PATH = re.compile(r"^/(?:_ping|v\d{1,2}\.\d{1,3}(?:/[A-Za-z0-9_.:@+,;=~-]+)*/?)$")
_QUERY = re.compile(r"^[A-Za-z0-9_.~%+=&:,@/*-]*$")


class CurlRefused(ValueError):
    """Why a command cannot be sent: `reason` names the rule (the page explains it), `detail` the culprit."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail[:80]


@dataclass(frozen=True)
class CurlRequest:
    """One request as curl (or, for `docker pull`, the docker CLI) would send it: method, target (path and
    query), extra headers, body; `via` names the program whose request it is, "curl" or "docker"."""

    method: str
    target: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None
    via: str = "curl"

    @property
    def path(self) -> str:
        return self.target.partition("?")[0]

    @property
    def stream(self) -> StreamKind:
        """How the answer arrives: a pull's progress is JSON lines, logs are 8-byte-framed."""
        if self.method == "POST" and self.path.endswith("/images/create"):
            return "json-lines"
        if self.path.endswith("/logs") and "/containers/" in self.path:
            return "stdcopy"
        return "none"


def parse_command(command: str) -> CurlRequest:
    """The request a lesson's command sends: a single curl request, or `docker pull [-q] IMAGE`.

    Raises CurlRefused for anything else: the page shows why, and nothing is sent.
    """
    words = _words(command)
    if words[0] == "docker":
        return _docker_pull(words[1:])
    if words[0] != "curl":
        raise CurlRefused("not_curl", words[0])
    return _read_options(words[1:])


def parse_curl(command: str) -> CurlRequest:
    """The request a single `curl … --unix-socket /var/run/docker.sock http://localhost/v1.NN/…` sends.

    Raises CurlRefused for anything else: the page shows why, and nothing is sent.
    """
    words = _words(command)
    if words[0] != "curl":
        raise CurlRefused("not_curl", words[0])
    return _read_options(words[1:])


def _words(command: str) -> list[str]:
    """The command's words, once everything a shell would have to do is ruled out."""
    if len(command) > MAX_COMMAND_CHARS:
        raise CurlRefused("too_long", str(MAX_COMMAND_CHARS))
    text = command.replace("\\\r\n", "").replace("\\\n", "").strip()
    if not text:
        raise CurlRefused("empty")
    if "\n" in text or "\r" in text:
        raise CurlRefused("several_commands")
    for char in ("$", "`"):
        if char in text:
            raise CurlRefused("shell_expansion", char)
    return _split(text)


def _docker_pull(arguments: list[str]) -> CurlRequest:
    """`docker pull [-q] IMAGE[:TAG|@DIGEST]` as the CLI sends it: `POST /images/create` with the image's
    normalized name in `fromImage`, the digest, else the tag (`latest` when none is given) in `tag`, and no
    credentials. `-q` only silences the CLI's progress display: the request is the same."""
    if not arguments or arguments[0] != "pull":
        raise CurlRefused("docker_command", " ".join(["docker", *arguments[:1]]))
    rest = [word for word in arguments[1:] if word not in ("-q", "--quiet")]
    if len(rest) != 1 or rest[0].startswith("-"):
        raise CurlRefused("docker_command", " ".join(["docker", *arguments]))
    try:
        ref = parse_normalized_named(rest[0])
    except InvalidReference:
        raise CurlRefused("image_reference", rest[0]) from None
    tag = ref.digest or ref.tag or "latest"
    target = f"/v{MAX_API_VERSION}/images/create?" + encode_query({"fromImage": ref.full_name, "tag": tag})
    return CurlRequest("POST", target, (("X-Registry-Auth", NO_REGISTRY_AUTH),), via="docker")


def _split(text: str) -> list[str]:
    lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    try:
        words = list(lexer)
    except ValueError as exc:  # an unterminated quote
        raise CurlRefused("unbalanced_quotes", str(exc)) from None
    for word in words:
        if word and set(word) <= set("();<>|&"):
            raise CurlRefused("shell_operator", word)
    if not words:
        raise CurlRefused("empty")
    return words


def _expand_short(words: list[str]) -> list[tuple[str, str | None]]:
    """Options paired with their values: `-sSi` is three flags, `-XPOST` and `-X POST` are the same."""
    pairs: list[tuple[str, str | None]] = []
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        if word.startswith("--") and len(word) > 2:
            name, eq, value = word.partition("=")
            if name not in _OPTIONS:
                raise CurlRefused("option", name)
            if _OPTIONS[name]:
                if not eq:
                    if index >= len(words):
                        raise CurlRefused("missing_value", name)
                    value = words[index]
                    index += 1
                pairs.append((name, value))
            elif eq:
                raise CurlRefused("option", word)
            else:
                pairs.append((name, None))
        elif word.startswith("-") and len(word) > 1:
            letters = word[1:]
            for position, letter in enumerate(letters):
                name = f"-{letter}"
                if name not in _OPTIONS:
                    raise CurlRefused("option", name)
                if _OPTIONS[name]:
                    value = letters[position + 1:]
                    if not value:
                        if index >= len(words):
                            raise CurlRefused("missing_value", name)
                        value = words[index]
                        index += 1
                    pairs.append((name, value))
                    break
                pairs.append((name, None))
        else:
            pairs.append(("url", word))
    return pairs


def _read_options(words: list[str]) -> CurlRequest:
    method: str | None = None
    head = False
    socket: str | None = None
    urls: list[str] = []
    headers: list[tuple[str, str]] = []
    data: list[str] = []
    for name, value in _expand_short(words):
        if name == "url":
            urls.append(value or "")
        elif name in ("-X", "--request"):
            method = (value or "").upper()
            if method not in _METHODS:
                raise CurlRefused("method", value or "")
        elif name in ("-I", "--head"):
            head = True
        elif name in ("-H", "--header"):
            headers.append(_header(value or ""))
        elif name in ("-d", "--data"):
            if (value or "").startswith("@"):
                raise CurlRefused("data_file", value or "")
            data.append(value or "")
        elif name == "--unix-socket":
            socket = value
    if socket != LESSON_SOCKET:
        raise CurlRefused("socket", socket or "")
    if len(urls) != 1:
        raise CurlRefused("url_count", str(len(urls)))
    target = _target(urls[0])
    if len(headers) > MAX_HEADERS:
        raise CurlRefused("headers", str(len(headers)))
    body = "&".join(data).encode() if data else None
    if body is not None and len(body) > MAX_BODY_BYTES:
        raise CurlRefused("body_too_big", str(MAX_BODY_BYTES))
    if head and (body is not None or method not in (None, "HEAD")):
        raise CurlRefused("head_conflict")
    if body is not None and not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(("Content-Type", FORM_CONTENT_TYPE))
    chosen = "HEAD" if head else method or ("POST" if body is not None else "GET")
    if chosen in ("GET", "HEAD") and body is not None:
        raise CurlRefused("body_with_get", chosen)
    return CurlRequest(chosen, target, tuple(headers), body)


def _header(value: str) -> tuple[str, str]:
    name, colon, content = value.partition(":")
    name = name.strip()
    content = content.strip()
    if not colon or not _HEADER_NAME.match(name) or not content:
        raise CurlRefused("header_form", value)
    if any(ord(char) < 32 or ord(char) == 127 for char in content) or len(content) > 1024:
        raise CurlRefused("header_form", name)
    if name.lower() in _REFUSED_HEADERS:
        raise CurlRefused("header_refused", name)
    return name, content


def _target(url: str) -> str:
    if len(url) > MAX_TARGET_CHARS:
        raise CurlRefused("url", url)
    if re.match(r"^https?:/[^/]", url):
        raise CurlRefused("single_slash", url)
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname != "localhost" or parts.port not in (None, 80) \
            or parts.username or parts.password:
        raise CurlRefused("url", url)
    if not _PATH.match(parts.path) or any(segment in (".", "..") for segment in parts.path.split("/")):
        raise CurlRefused("path", parts.path or "/")
    if not _QUERY.match(parts.query):
        raise CurlRefused("query", parts.query)
    return parts.path + (f"?{parts.query}" if parts.query else "")
