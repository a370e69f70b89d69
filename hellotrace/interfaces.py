"""The machine's own network addresses, for telling a class which URL reaches the site.

A site listening on `0.0.0.0` cannot be opened at `http://0.0.0.0/`: students need an address of one of this
machine's interfaces. These come from the C library's `getifaddrs`, which lists every address of every
interface (secondary ones too), on Linux and the BSDs alike, with no extra dependency.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import ipaddress
import os
import socket
import sys
from dataclasses import dataclass

IFF_UP = 0x1
IFF_LOOPBACK = 0x8

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class InterfaceAddress:
    interface: str
    address: IPAddress

    @property
    def url_host(self) -> str:
        """The address as it goes in a URL (IPv6 in brackets)."""
        return f"[{self.address}]" if self.address.version == 6 else str(self.address)


class _IfAddrs(ctypes.Structure):
    pass


_IfAddrs._fields_ = [
    ("ifa_next", ctypes.POINTER(_IfAddrs)),
    ("ifa_name", ctypes.c_char_p),
    ("ifa_flags", ctypes.c_uint),
    ("ifa_addr", ctypes.c_void_p),
    ("ifa_netmask", ctypes.c_void_p),
    ("ifa_ifu", ctypes.c_void_p),
    ("ifa_data", ctypes.c_void_p),
]


def _family(sockaddr: int) -> int:
    # Linux starts struct sockaddr with a 16-bit family; the BSDs (macOS) with a length byte, then the family.
    if sys.platform.startswith("linux"):
        return ctypes.c_ushort.from_address(sockaddr).value
    return ctypes.c_ubyte.from_address(sockaddr + 1).value


def _address(sockaddr: int) -> IPAddress | None:
    family = _family(sockaddr)
    if family == socket.AF_INET:  # sockaddr_in: family, port, then the 4 address bytes
        return ipaddress.IPv4Address(ctypes.string_at(sockaddr + 4, 4))
    if family == socket.AF_INET6:  # sockaddr_in6: family, port, flow info, then the 16 address bytes
        return ipaddress.IPv6Address(ctypes.string_at(sockaddr + 8, 16))
    return None


def interface_addresses() -> list[InterfaceAddress]:
    """Every address of every interface that is up, loopback included, in the order the system lists them."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    head = ctypes.POINTER(_IfAddrs)()
    if libc.getifaddrs(ctypes.byref(head)) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"cannot list the network interfaces: {os.strerror(errno)}")
    found: list[InterfaceAddress] = []
    try:
        node = head
        while node:
            entry = node.contents
            if entry.ifa_addr and entry.ifa_flags & IFF_UP:
                address = _address(entry.ifa_addr)
                if address is not None:
                    found.append(InterfaceAddress((entry.ifa_name or b"").decode(errors="replace"), address))
            node = entry.ifa_next
    finally:
        libc.freeifaddrs(head)
    return found


def reachable_addresses(listen_host: str) -> list[InterfaceAddress]:
    """The addresses other machines can use to reach a server listening on `listen_host` (an IP address).

    A wildcard (`0.0.0.0`, `::`) stands for every interface: each non-loopback address of its family (both
    families for `::`, which also accepts IPv4 on Linux), without IPv6 link-local addresses, which need a zone
    in a URL. A specific address is the only one; loopback reaches no other machine.
    """
    wanted = ipaddress.ip_address(listen_host)
    if wanted.is_loopback:
        return []
    if not wanted.is_unspecified:
        return [item for item in interface_addresses() if item.address == wanted] or [InterfaceAddress("", wanted)]
    versions = {4} if wanted.version == 4 else {4, 6}
    return [
        item for item in interface_addresses()
        if item.address.version in versions and not item.address.is_loopback and not item.address.is_link_local
    ]
