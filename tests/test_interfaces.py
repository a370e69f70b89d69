"""The machine's interface addresses, as the LAN banner lists them, checked against what `ip` reports."""

from __future__ import annotations

import ipaddress
import json
import shutil
import subprocess

import pytest

from hellotrace.interfaces import interface_addresses, reachable_addresses


def addresses_from_ip() -> set[tuple[str, ipaddress.IPv4Address | ipaddress.IPv6Address]]:
    """Every address of every interface that is up, as iproute2 lists them."""
    shown = json.loads(subprocess.run(["ip", "-json", "address", "show", "up"], capture_output=True, text=True,
                                      check=True).stdout)
    # Interfaces that are down come as empty objects.
    return {(link["ifname"], ipaddress.ip_address(item["local"]))
            for link in shown if link for item in link["addr_info"]}


@pytest.mark.skipif(shutil.which("ip") is None, reason="iproute2's `ip` is not installed")
def test_every_interface_address_is_listed() -> None:
    assert {(item.interface, item.address) for item in interface_addresses()} == addresses_from_ip()


def test_loopback_listening_reaches_no_other_machine() -> None:
    assert reachable_addresses("127.0.0.1") == []
    assert reachable_addresses("::1") == []


def test_a_wildcard_stands_for_every_usable_address_of_its_family() -> None:
    ipv4 = reachable_addresses("0.0.0.0")
    assert all(item.address.version == 4 and not item.address.is_loopback for item in ipv4)
    both = reachable_addresses("::")
    assert set(ipv4) <= set(both)
    assert not any(item.address.is_link_local or item.address.is_loopback for item in both)
    assert all(item.url_host == f"[{item.address}]" for item in both if item.address.version == 6)


def test_a_specific_address_is_the_only_one() -> None:
    assert [item.address for item in reachable_addresses("192.0.2.77")] == [ipaddress.ip_address("192.0.2.77")]
