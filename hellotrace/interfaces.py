"""The machine's own IPv4 addresses: what a class types to reach a site listening on every interface.

A site on `0.0.0.0` is opened at one of the machine's addresses, and only names the site trusts are served
(DNS rebinding), so the site needs that list. Linux gives each interface's flags and main IPv4 address
through two `ioctl` calls on any socket; no extra dependency, and secondary addresses are not listed.
"""

from __future__ import annotations

import fcntl
import ipaddress
import socket
import struct
from dataclasses import dataclass

_SIOCGIFFLAGS = 0x8913
_SIOCGIFADDR = 0x8915
_IFF_UP = 0x1
_IFF_LOOPBACK = 0x8


@dataclass(frozen=True)
class InterfaceAddress:
    interface: str
    address: ipaddress.IPv4Address | ipaddress.IPv6Address

    @property
    def url_host(self) -> str:
        """The address as written in a URL's host (IPv6 in brackets)."""
        return f"[{self.address}]" if self.address.version == 6 else str(self.address)


def interface_addresses() -> list[InterfaceAddress]:
    """The IPv4 address of every interface that is up, loopback included, in the system's order."""
    found = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        for _, name in socket.if_nameindex():
            request = struct.pack("16s16x", name.encode()[:15])
            try:
                flags = struct.unpack_from("H", fcntl.ioctl(probe, _SIOCGIFFLAGS, request), 16)[0]
                if not flags & _IFF_UP:
                    continue
                answer = fcntl.ioctl(probe, _SIOCGIFADDR, request)
            except OSError:  # no IPv4 address on this interface
                continue
            found.append(InterfaceAddress(name, ipaddress.IPv4Address(answer[20:24])))
    return found


def reachable_addresses(listen_host: str) -> list[InterfaceAddress]:
    """Where other machines reach a server listening on `listen_host` (an IP address): every non-loopback
    address for a wildcard (`0.0.0.0`, `::`), the address itself otherwise, nothing for loopback."""
    wanted = ipaddress.ip_address(listen_host)
    if wanted.is_loopback:
        return []
    if not wanted.is_unspecified:
        return [InterfaceAddress("", wanted)]
    return [item for item in interface_addresses() if not item.address.is_loopback]
