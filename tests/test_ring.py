"""nginx's consistent hash as hellotrace computes it (hellotrace/deploy/ring.py): where nginx sends a cookie, and
the X-Hellotrace-Ring header a first visit brings. The deployment test checks the ring against a running nginx
in front of three nodes; the routes below are nginx 1.22's, read from nginx in front of two unix-socket servers
and two servers named by host name, so that they hold without nginx."""

from __future__ import annotations

import secrets

import pytest

from hellotrace.deploy.ring import HashRing, ring_from_header, ring_header, routes_to

UNIX = ["unix:/run/hellotrace/a.sock", "unix:/run/hellotrace/b.sock"]
NAMED = ["localhost:18081", "localhost:18082"]


@pytest.mark.parametrize(("key", "unix", "named"), [
    ("0123456789abcdef", "unix:/run/hellotrace/b.sock", "localhost:18082"),
    ("fedcba9876543210", "unix:/run/hellotrace/b.sock", "localhost:18081"),
    ("00000000deadbeef", "unix:/run/hellotrace/a.sock", "localhost:18081"),
    ("aaaaaaaaaaaaaaaa", "unix:/run/hellotrace/b.sock", "localhost:18081"),
    ("1234abcd1234abcd", "unix:/run/hellotrace/b.sock", "localhost:18082"),
    ("ffffffffffffffff", "unix:/run/hellotrace/a.sock", "localhost:18082"),
])
def test_a_key_goes_where_nginx_sends_it(key, unix, named):
    assert HashRing(UNIX).server_for(key) == unix
    assert HashRing(NAMED).server_for(key) == named


def test_the_ring_shares_keys_about_evenly_and_does_not_depend_on_the_order_of_its_servers():
    servers = ["127.0.0.1:5001", "127.0.0.1:5002", "127.0.0.1:5003"]
    ring, reversed_ring = HashRing(servers), HashRing(reversed(servers))
    keys = [secrets.token_hex(8) for _ in range(3000)]
    routes = [ring.server_for(key) for key in keys]
    assert routes == [reversed_ring.server_for(key) for key in keys]
    assert all(800 < routes.count(server) < 1200 for server in servers)


def test_the_header_names_each_node_and_its_server():
    header = ring_header([("n1", "192.0.2.11:5000"), ("n2", "unix:/run/hellotrace/n2.sock")])
    assert header == "n1=192.0.2.11:5000 n2=unix:/run/hellotrace/n2.sock"
    ring, servers = ring_from_header(header)
    assert servers == {"n1": "192.0.2.11:5000", "n2": "unix:/run/hellotrace/n2.sock"}
    goes_to_n2 = routes_to(header, "n2")
    for key in (secrets.token_hex(8) for _ in range(50)):
        assert goes_to_n2(key) == (ring.server_for(key) == "unix:/run/hellotrace/n2.sock")


@pytest.mark.parametrize("header", ["", " ", "n1", "n1=", "=192.0.2.11:5000", "N1=192.0.2.11:5000",
                                    "n1=192.0.2.11:5000 junk", "a" * 17 + "=192.0.2.11:5000",
                                    "n1=192.0.2.11:5000 " * 257])
def test_what_is_no_ring_routes_nothing(header):
    assert ring_from_header(header) is None and routes_to(header, "n1") is None


def test_a_node_missing_from_the_ring_routes_nothing():
    assert routes_to("n1=192.0.2.11:5000 n2=192.0.2.12:5000", "n3") is None
