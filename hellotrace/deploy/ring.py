"""nginx's consistent hash (`hash $key consistent`), computed as nginx computes it.

nginx sends a visitor with a cookie to the node its hash ring gives for the cookie. A first visit has no cookie
yet: nginx sends it to the nodes in turn, so that each node gets as many new visitors as the others. Every request
tells the node the ring (the X-Hellotrace-Ring header, `ring_header`): the node chooses a new visitor's token that
the ring gives to itself, and the cookie that carries it brings the visitor's next requests back.

The ring is ngx_http_upstream_hash_module's (the Cache::Memcached::Fast layout): for each server as written in
the `upstream` block, 160 points per unit of weight, each the CRC32 of `HOST \\0 PORT` followed by the previous
point's four bytes (little-endian; the first follows zero); a key goes to the first point at or after the CRC32
of the key, past the last point back to the first. `tests/test_deployment.py` checks it against nginx itself.
"""

from __future__ import annotations

import bisect
import functools
import re
import secrets
import zlib
from collections.abc import Callable, Iterable

POINTS_PER_SERVER = 160  # nginx's, per unit of weight; hellotrace's upstream servers all weigh 1
# `NAME=SERVER` pairs, separated by spaces: a node's name and its address in the upstream block.
_PAIR = re.compile(r"([a-z0-9]{1,16})=(\S+)")


class HashRing:
    """The servers of one `upstream` block, as nginx's consistent hash places them."""

    def __init__(self, servers: Iterable[str]) -> None:
        points: dict[int, str] = {}
        for server in servers:
            base, previous = _server_key(server), 0
            for _ in range(POINTS_PER_SERVER):
                previous = zlib.crc32(base + previous.to_bytes(4, "little"))
                points.setdefault(previous, server)  # two servers on one point (1 in 10^5): either may win in nginx
        self._hashes = sorted(points)
        self._servers = [points[point] for point in self._hashes]

    def server_for(self, key: str) -> str:
        """The server nginx sends `key` to, while every server is up."""
        index = bisect.bisect_left(self._hashes, zlib.crc32(key.encode()))
        return self._servers[index % len(self._servers)]


def _server_key(server: str) -> bytes:
    """What nginx hashes a server's points from: `host\\0port` (a unix socket: its path and an empty port)."""
    if server[:5].lower() == "unix:":
        return server[5:].encode() + b"\0"
    host, sep, port = server.rpartition(":")
    if not sep or not port.isdigit():
        return server.encode() + b"\0"
    return host.encode() + b"\0" + port.encode()


def ring_header(nodes: Iterable[tuple[str, str]]) -> str:
    """The X-Hellotrace-Ring value for these (node name, upstream server) pairs."""
    return " ".join(f"{name}={server}" for name, server in nodes)


@functools.lru_cache(maxsize=8)  # one ring per nginx configuration: a few at most over a process's life
def ring_from_header(value: str) -> tuple[HashRing, dict[str, str]] | None:
    """The ring an X-Hellotrace-Ring header describes, and each node's server in it; None if it is not one."""
    pairs = value.split()
    if not pairs or len(pairs) > 256:
        return None
    servers: dict[str, str] = {}
    for pair in pairs:
        found = _PAIR.fullmatch(pair)
        if found is None:
            return None
        servers[found.group(1)] = found.group(2)
    return HashRing(servers.values()), servers


def routes_to(value: str, node: str) -> Callable[[str], bool] | None:
    """A test of whether a token goes to `node` on the ring this header describes; None if the header is not a
    ring, or `node` is not on it."""
    described = ring_from_header(value)
    if described is None or node not in described[1]:
        return None
    ring, server = described[0], described[1][node]
    return lambda token: ring.server_for(token) == server


# Tries at a key the ring gives to one node (a few microseconds each). One in N succeeds with N nodes: 1,000 tries
# all fail once in 20,000 with 100 nodes; that visitor's next page then lands on another node, which says that
# their sandbox is new.
_KEY_TRIES = 1000


def draw_key(routes_here: Callable[[str], bool] | None, taken: Callable[[str], bool] | None = None) -> str:
    """A random key (a visitor's token, or the cookie that routes them) that `taken` (if given) does not refuse,
    and that the ring sends to this node when there is a ring to follow (past _KEY_TRIES, any key `taken`
    allows)."""
    tries = 0
    while True:
        key, tries = secrets.token_hex(8), tries + 1
        if (taken is None or not taken(key)) and (routes_here is None or tries >= _KEY_TRIES or routes_here(key)):
            return key
