"""Whether the students in the room can reach a class, and what the teacher does when they cannot.

A class's join address is built from the Host the teacher's browser used. Opened at `127.0.0.1` (what `make run`
prints), it names the teacher's own computer: on a student's phone it leads to the phone itself. And by default
the site listens on loopback only, so no other machine reaches it by any address. The class pages say so before
anyone joins, with the command that opens the site to the room and the addresses of this computer to use instead.

The advice has to work with the DNS-rebinding defence (hellotrace/trusted_hosts.py): other machines are served only
under `--allow-remote`, and then only at the addresses the interfaces had when the site started (or a
`--trusted-host` name). So a listed address is one the site answers to now, and the restart command carries
`--allow-remote`.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from flask import current_app, url_for
from werkzeug.sansio.utils import host_is_trusted

from hellotrace.interfaces import InterfaceAddress, interface_addresses
from hellotrace.settings import is_loopback
from hellotrace.web.visitors import public_engine

DEFAULT_PORT = 5000


@dataclass(frozen=True)
class RoomReach:
    """What the class pages say about reaching the site from the room; nothing when `warn` is false."""

    host: str  # the host of the address this page was opened at
    loopback_page: bool  # that address names this computer only
    closed: str = ""  # why the site lets no other machine in: "loopback", "not-allowed", or "" (it does)
    listen: str = ""  # where the site listens, as HOST:PORT
    instead: list[tuple[str, str]] = field(default_factory=list)  # (address the room can use now, interface)
    after_restart: list[tuple[str, str]] = field(default_factory=list)  # (where to start a class, interface)
    make_command: str = ""  # the command that opens the site and its engine to the room
    app_command: str = ""  # the same without make
    engine: str = ""  # the mock engine's TCP address when the students' terminals cannot reach it
    engine_option: str = ""  # the option that opens it

    @property
    def warn(self) -> bool:
        return self.loopback_page or bool(self.closed) or bool(self.engine)


def loopback_name(host: str) -> bool:
    """127.0.0.0/8, ::1, localhost (and its subdomains, which browsers resolve to loopback too)."""
    name = host.strip("[]").lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _unspecified(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


def network_addresses() -> list[InterfaceAddress]:
    """This computer's IPv4 addresses other machines may reach it by (from its interfaces: nothing is sent)."""
    try:
        found = interface_addresses()
    except OSError:
        return []
    return [item for item in found
            if item.address.version == 4 and not item.address.is_loopback and not item.address.is_link_local]


def room_reach(page_url: str, path: str) -> RoomReach:
    """What to tell the teacher who opened `page_url`; `path` is where the addresses given instead lead (the join
    address's path on the presenter page, the class form's before a class exists)."""
    config = current_app.config
    parts = urlsplit(page_url)
    host = parts.hostname or ""
    proxy = bool(config["BEHIND_PROXY"])
    listen_host, listen_port = config["LISTEN"]
    trusted = config.get("TRUSTED_HOSTS") or ()
    # Other machines get in when some name besides loopback's is trusted, and the site (or its proxy) listens
    # beyond loopback. A node behind hellotrace's nginx learns the public names from its parent (--trusted-host).
    lets_in = any(not loopback_name(name) for name in trusted)
    closed = ""
    if not proxy and is_loopback(listen_host):
        closed = "loopback"
    elif not lets_in:
        closed = "not-allowed"
    port = (listen_port if not proxy and listen_port else parts.port) or DEFAULT_PORT
    # Where students' terminals reach the mock engine: SANDBOX_URL's address (a node behind nginx), else ENGINE_TCP.
    engine_host, engine_port = public_engine(config.get("SANDBOX_URL")) or config["ENGINE_TCP"]
    addresses = network_addresses()
    instead: list[tuple[str, str]] = []
    if not closed and loopback_name(host):
        for item in addresses:
            address = str(item.address)
            listening = proxy or _unspecified(listen_host) or address == listen_host
            if listening and host_is_trusted(address, trusted):
                # The port the site listens on; behind a proxy, the one the teacher's browser used.
                shown = parts.port if proxy else port
                netloc = f"{address}:{shown}" if shown else address
                instead.append((urlunsplit((parts.scheme, netloc, path, "", "")), item.interface))
    class_form = url_for("classes.new")
    after_restart = [(f"http://{item.address}:{port}{class_form}", item.interface) for item in addresses]
    shown_port = f" PORT={port}" if port != DEFAULT_PORT else ""
    engine_open = f"0.0.0.0:{engine_port}"
    return RoomReach(
        host=host,
        loopback_page=loopback_name(host),
        closed=closed,
        listen=f"[{listen_host}]:{listen_port}" if ":" in listen_host else f"{listen_host}:{listen_port}",
        instead=instead,
        after_restart=after_restart,
        make_command=f"make run HOST=0.0.0.0{shown_port} ALLOW_REMOTE=1 ENGINE_TCP={engine_open}",
        app_command=f".venv/bin/python app.py --listen 0.0.0.0:{port} --allow-remote --tcp {engine_open}",
        engine=f"{engine_host}:{engine_port}" if is_loopback(engine_host) else "",
        engine_option=f"ENGINE_TCP={engine_open}",
    )

