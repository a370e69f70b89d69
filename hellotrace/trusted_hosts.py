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

from werkzeug.sansio.utils import host_is_trusted as werkzeug_host_is_trusted

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


# What Docker clients name in `Host` when they have no host to name (a unix socket): the docker CLI and the Go
# client since API 1.45 send `api.moby.localhost` (moby client.DummyHost), older ones `docker`; docker-py and
# curl send `localhost`, which is already a loopback name.
DOCKER_UNIX_HOSTS = ("api.moby.localhost", "docker")


def engine_hosts(listen_hosts: Iterable[str], names: Iterable[str] = (),
                 reachable: Callable[[str], list[InterfaceAddress]] = reachable_addresses) -> list[str]:
    """The Host names the mock engine answers to: the site's (loopback, `names`), the names Docker clients send
    over a unix socket, and the addresses the engine is reached at (`listen_hosts`: its TCP address, or the
    address nginx listens on for it; every interface's for `0.0.0.0`)."""
    hosts = list(LOOPBACK_NAMES) + list(DOCKER_UNIX_HOSTS)
    for listen_host in listen_hosts:
        hosts += trusted_hosts(listen_host, allow_remote=True, reachable=reachable)
    hosts += [host_name(name) for name in names]
    return list(dict.fromkeys(hosts))


def host_is_trusted(host: str, trusted: Iterable[str]) -> bool:
    """Whether a `Host` header names one of `trusted` (as Werkzeug compares: port dropped, IDNA, a leading dot
    trusts subdomains). Any loopback address is trusted too, IPv6 literals (`[::1]:2375`) included: a page on
    another site cannot make a browser name one."""
    given = host.strip().lower()
    if given.startswith("["):
        literal, bracket, _ = given[1:].partition("]")
        try:
            return bool(bracket) and ipaddress.ip_address(literal).is_loopback
        except ValueError:
            return False
    name = given.partition(":")[0].rstrip(".")
    try:
        if ipaddress.ip_address(name).is_loopback:
            return True
    except ValueError:
        pass
    try:
        name.encode("idna")  # Werkzeug's check below lets only UnicodeEncodeError through (a label too long is not)
    except UnicodeError:
        return False
    return werkzeug_host_is_trusted(name, list(trusted))
