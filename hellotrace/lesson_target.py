"""Where a reader's terminal sends the lessons' commands, and each curl command rewritten to go there.

The lessons are written for a Docker daemon on its default socket (`curl --unix-socket /var/run/docker.sock
http://localhost/v1.55/…`, plain `docker …`), which is what a reader with Docker installed types. A reader
of hellotrace may have no Docker at all: their daemon is their sandbox in the mock engine (or the real
daemon the site was given), reached with `DOCKER_HOST` for `docker` and with another address for curl. So
that every command a page offers can be pasted as it stands, this says what replaces
`--unix-socket /var/run/docker.sock http://localhost` for a daemon address, and rewrites whole commands.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from hellotrace.curl_request import LESSON_SOCKET
from hellotrace.docker_host import DaemonAddress

LESSON_URL = "http://localhost"
# The option naming the lessons' socket, with the blanks before it (removed whole for a TCP daemon).
_SOCKET_OPTION = re.compile(r"[ \t]+--unix-socket(?:=|[ \t]+)" + re.escape(LESSON_SOCKET) + r"(?=\s|$)")
_SOCKET_VALUE = re.compile(r"(--unix-socket(?:=|[ \t]+))" + re.escape(LESSON_SOCKET) + r"(?=\s|$)")
_LESSON_URL = re.compile(re.escape(LESSON_URL) + r"(?=/)")
# `http:/v1.24/…`: with a Unix socket curl takes `v1.24` for a host name it never dials. Over TCP it would
# dial it, so a command built on that trap has no TCP equivalent.
_ONE_SLASH_URL = re.compile(r"\bhttps?:/(?!/)")
# A base URL that means the same unquoted, in single quotes and in double quotes, and that curl does not
# read as a glob (no brackets): anything else is not offered rather than offered wrong.
_PLAIN_URL = re.compile(r"^http://[A-Za-z0-9.-]+:\d+(?:/[A-Za-z0-9._~%/-]*)?$")


@dataclass(frozen=True)
class CurlTarget:
    """What curl needs, in place of the lessons' socket and host, to reach one daemon."""

    url: str  # the base URL the lessons' `/v1.55/…` paths go after
    socket: str | None = None  # the Unix socket to connect through; None for TCP

    @property
    def text(self) -> str:
        """The words that replace `--unix-socket /var/run/docker.sock http://localhost` in a command."""
        if self.socket is None:
            return self.url
        return f"--unix-socket {shlex.quote(self.socket)} {self.url}"

    def rewrite(self, command: str) -> str | None:
        """The lesson's command, sent to this daemon instead; the command itself when it needs no change
        (no curl to the lessons' socket, or this daemon is on that very socket); None when its meaning
        depends on the Unix socket (the one-slash URL trap) and TCP cannot reproduce it."""
        if LESSON_SOCKET not in command:
            return command
        if self.socket is not None:
            return _SOCKET_VALUE.sub(lambda match: match.group(1) + shlex.quote(self.socket or ""), command)
        if _ONE_SLASH_URL.search(command):
            return None
        return _LESSON_URL.sub(self.url, _SOCKET_OPTION.sub("", command))


def curl_target(address: DaemonAddress) -> CurlTarget | None:
    """Where curl goes for this daemon address; None when plain curl cannot reach it (ssh, a named pipe,
    TLS, an address that would need quoting or globbing turned off)."""
    if not address.dialable or address.tls:
        return None
    if address.scheme == "unix" and address.socket_path:
        return CurlTarget(LESSON_URL, address.socket_path)
    if address.scheme == "tcp":
        url = f"http://{address.http_host}{address.request_path('')}".rstrip("/")
        return CurlTarget(url) if _PLAIN_URL.match(url) else None
    return None
