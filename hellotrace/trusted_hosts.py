"""The host names the site answers to (Flask's TRUSTED_HOSTS): the defence against DNS rebinding.

A page on another site can make its own name resolve to 127.0.0.1 and then read hellotrace as if it were
itself; its requests still carry its own name in `Host`, so a site that serves only the names it was given
stays out of reach. By default those are the loopback names and the `--listen` address; with `--allow-remote`,
also the `--trusted-host` names and the addresses a class can reach (every interface's for `0.0.0.0`).

Werkzeug compares names after IDNA encoding, without the port, and a leading dot trusts every subdomain. It
cannot match an IPv6 literal (`[::1]`), so those are left out: reach an IPv6 listener by name.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable

from hellotrace.interfaces import InterfaceAddress, reachable_addresses

LOOPBACK_NAMES = ("localhost", "127.0.0.1")
_NAME = re.compile(r"\.?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")


class InvalidHostName(ValueError):
    """A `--trusted-host` value that is not a host name (the message says why)."""


def host_name(text: str) -> str:
    """A `--trusted-host` value as Werkzeug compares it: lower case, IDNA-encoded; `.example.org` trusts
    example.org's subdomains."""
    name = text.strip().lower()
    dot = "." if name.startswith(".") else ""
    try:
        encoded = dot + name.removeprefix(".").encode("idna").decode("ascii") if name.removeprefix(".") else ""
    except UnicodeError as error:
        raise InvalidHostName(f"{text!r} is not a host name ({error})") from None
    if ":" in encoded or "[" in encoded:
        raise InvalidHostName(f"{text!r}: give a name or an IPv4 address, without a port (IPv6 literals cannot be "
                              "matched; use a name)")
    if not _NAME.fullmatch(encoded):
        raise InvalidHostName(f"{text!r} is not a host name")
    return encoded


def trusted_hosts(listen_host: str, *, allow_remote: bool = False, names: Iterable[str] = (),
                  behind_proxy: bool = False,
                  reachable: Callable[[str], list[InterfaceAddress]] = reachable_addresses) -> list[str]:
    """TRUSTED_HOSTS for a site listening on `listen_host` (an IP address or a name). Behind a proxy, the
    `names` are the public names the proxy passes on (X-Forwarded-Host), whatever the node listens on."""
    hosts = list(LOOPBACK_NAMES)
    try:
        address = ipaddress.ip_address(listen_host)
    except ValueError:
        hosts.append(host_name(listen_host))
    else:
        if address.version == 4 and not address.is_unspecified:
            hosts.append(str(address))
        if allow_remote and address.is_unspecified:
            hosts += [str(item.address) for item in reachable(listen_host) if item.address.version == 4]
    if allow_remote or behind_proxy:
        hosts += [host_name(name) for name in names]
    return list(dict.fromkeys(hosts))
