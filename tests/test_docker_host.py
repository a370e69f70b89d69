"""DOCKER_HOST / -H parsing, checked against what docker CLI 28.2.2 prints (`docker context inspect`) and
against the cases of docker/cli `opts/hosts_test.go`."""

from __future__ import annotations

import pytest

from hellotrace.docker_host import (
    DAEMON_SIDE_ONLY,
    NAMED_PIPE_WINDOWS,
    NOTE_FRAGMENT_DROPPED,
    NOTE_LOOKS_LIKE_PATH,
    NOTE_PATH_PREFIX,
    NOTE_QUERY_DROPPED,
    NOTE_RELATIVE_SOCKET,
    NOTE_SCHEME_INFERRED,
    NOTE_TRIMMED,
    NOTE_USERINFO_DROPPED,
    PORT_OUT_OF_RANGE,
    SSH_NOT_SUPPORTED,
    TLS_NOT_SUPPORTED,
    InvalidDaemonAddress,
    parse_docker_host,
)

# Input → what the real CLI printed for it.
NORMALIZED = {
    "": "unix:///var/run/docker.sock",
    "  ": "unix:///var/run/docker.sock",
    "unix://": "unix:///var/run/docker.sock",
    "unix:///x.sock": "unix:///x.sock",
    "unix://relative/sock": "unix://relative/sock",
    "tcp://": "tcp://localhost:2375",
    "tcp://:": "tcp://localhost:2375",
    "tcp://host": "tcp://host:2375",
    "tcp://host:": "tcp://host:2375",
    "host:": "tcp://host:2375",
    "tcp://:7777": "tcp://localhost:7777",
    ":7777": "tcp://localhost:7777",
    ":6666/path": "tcp://localhost:6666/path",
    "host:99": "tcp://host:99",
    "localhost:5555/path": "tcp://localhost:5555/path",
    "0.0.0.1:": "tcp://0.0.0.1:2375",
    "tcp://host:2376/prefix": "tcp://host:2376/prefix",
    "tcp://host:2376/prefix/": "tcp://host:2376/prefix/",
    "tcp://h/": "tcp://h:2375/",
    "tcp:///p": "tcp://localhost:2375/p",
    " tcp://:7777/path ": "tcp://localhost:7777/path",
    "tcp://0.0.0.0:1234567890": "tcp://0.0.0.0:1234567890",
    "tcp://192.168:8080": "tcp://192.168:8080",
    "tcp://[::1]:": "tcp://[::1]:2375",
    "[::1]:": "tcp://[::1]:2375",
    "[::1]:5555/path": "tcp://[::1]:5555/path",
    "[0:0:0:0:0:0:0:1]:": "tcp://[0:0:0:0:0:0:0:1]:2375",
    "tcp://[fe80::1%25en0]:1": "tcp://[fe80::1%en0]:1",
    "tcp://h:1:2": "tcp://[h:1:2]:2375",
    "tcp://h:1/a%20b": "tcp://h:1/a b",
    "tcp://h%c3%bc": "tcp://hü:2375",
    "tcp://ü": "tcp://ü:2375",
    "tcp://h$x": "tcp://h$x:2375",
    "tcp://UPPER:1": "tcp://UPPER:1",
    "tcp://user@host:1/p?q#f": "tcp://host:1/p",
    "tcp://u:p@h": "tcp://h:2375",
    "tcp://h#x": "tcp://h:2375",
    "tcp://h:1?x": "tcp://h:1",
    "tcp://h:2375/../a/./b": "tcp://h:2375/../a/./b",
    "tcp://tcp://": "tcp://localhost:2375",
    "tcp://tcp://x": "tcp://x:2375",
    "/var/run/docker.sock": "tcp://localhost:2375/var/run/docker.sock",
    "./docker.sock": "tcp://.:2375/docker.sock",
    "ssh://user@host": "ssh://user@host",
    "ssh://": "ssh://",
    "ssh://u@h:22/sock": "ssh://u@h:22/sock",
    "npipe://": "npipe:////./pipe/docker_engine",
    "npipe:////./pipe/foo": "npipe:////./pipe/foo",
    "fd://": "fd://",
    "fd://3": "fd://3",
}

# Input → the CLI's exact error text.
INVALID = {
    "udp://x": "invalid bind address format: udp://x",
    "udp://127.0.0.1:2375": "invalid bind address format: udp://127.0.0.1:2375",
    "://": "invalid bind address format: ://",
    "unknown://": "invalid bind address format: unknown://",
    "TCP://h": "invalid bind address format: TCP://h",
    "http://x": "invalid bind address format: http://x",
    "tcp://[::1]": "invalid bind address format: [::1]",
    "something with spaces": 'parse "tcp://something with spaces": invalid character " " in host name',
    "tcp://a b": 'parse "tcp://a b": invalid character " " in host name',
    "tcp://h|x": 'parse "tcp://h|x": invalid character "|" in host name',
    "tcp://h\\x": 'parse "tcp://h\\\\x": invalid character "\\\\" in host name',
    "tcp://:port": 'parse "tcp://:port": invalid port ":port" after host',
    "tcp://invalid:port": 'parse "tcp://invalid:port": invalid port ":port" after host',
    "tcp:a.b.c.d": 'parse "tcp://tcp:a.b.c.d": invalid port ":a.b.c.d" after host',
    "tcp:a.b.c.d/path": 'parse "tcp://tcp:a.b.c.d/path": invalid port ":a.b.c.d" after host',
    "tcp://[::1]x": 'parse "tcp://[::1]x": invalid port "x" after host',
    "tcp://[::1": "parse \"tcp://[::1\": missing ']' in host",
    "tcp://h%41": 'parse "tcp://h%41": invalid URL escape "%41"',
    "tcp://h#%zz": 'parse "tcp://h#%zz": invalid URL escape "%zz"',
    "tcp://h/%zz": 'parse "tcp://h/%zz": invalid URL escape "%zz"',
    "tcp://u{@h": 'parse "tcp://u{@h": net/url: invalid userinfo',
    "tcp://h\tx": 'parse "tcp://h\\tx": net/url: invalid control character in URL',
    "tcp://unix:///run/docker.sock": "invalid proto, expected tcp: unix:///run/docker.sock",
    "tcp://a://b": "invalid proto, expected tcp: a://b",
    "unix://tcp://127.0.0.1": "invalid proto, expected unix: tcp://127.0.0.1",
    "unix://unix://tcp://x": "invalid proto, expected unix: tcp://x",
}


@pytest.mark.parametrize(("given", "expected"), NORMALIZED.items())
def test_normalized_like_the_cli(given: str, expected: str) -> None:
    assert parse_docker_host(given).normalized == expected


@pytest.mark.parametrize(("given", "message"), INVALID.items())
def test_refused_with_the_cli_text(given: str, message: str) -> None:
    with pytest.raises(InvalidDaemonAddress) as caught:
        parse_docker_host(given)
    assert caught.value.message == message
    assert caught.value.given == given
    assert caught.value.cli_output == f"Failed to initialize: unable to resolve docker endpoint: {message}"


def test_nothing_set_is_the_default_socket() -> None:
    address = parse_docker_host(None)
    assert (address.scheme, address.socket_path, address.dialable) == ("unix", "/var/run/docker.sock", True)
    assert [(d.part, d.code) for d in address.defaults] == [
        ("address", "nothing_set"), ("socket_path", "default_unix_socket"),
    ]
    assert address.http_host == "api.moby.localhost"


def test_tls_with_nothing_set_is_localhost_2376() -> None:
    address = parse_docker_host("", tls=True)
    assert address.normalized == "tcp://localhost:2376"
    assert address.default_port_applied == 2376
    assert (address.dialable, address.not_dialable_reason) == (False, TLS_NOT_SUPPORTED)


def test_tls_does_not_change_an_explicit_tcp_port() -> None:
    assert parse_docker_host("tcp://", tls=True).normalized == "tcp://localhost:2375"
    assert parse_docker_host("tcp://h", tls=True).default_port_applied == 2375


def test_tcp_parts_and_defaults() -> None:
    address = parse_docker_host("tcp://:7777")
    assert (address.scheme, address.host, address.port, address.path_prefix) == ("tcp", "localhost", 7777, "")
    assert [(d.part, d.value, d.code) for d in address.defaults] == [("host", "localhost", "default_http_host")]
    assert address.default_port_applied is None
    assert address.http_host == "localhost:7777"

    bare = parse_docker_host("tcp://host")
    assert bare.default_port_applied == 2375
    assert [d.code for d in bare.defaults] == ["default_http_port"]


def test_scheme_less_host_port_is_tcp() -> None:
    address = parse_docker_host("192.168.0.5:1234")
    assert (address.normalized, address.host, address.port) == ("tcp://192.168.0.5:1234", "192.168.0.5", 1234)
    assert NOTE_SCHEME_INFERRED in address.notes
    assert [d.code for d in address.defaults] == ["scheme_tcp"]


def test_a_socket_path_without_scheme_is_the_tcp_trap() -> None:
    address = parse_docker_host("/var/run/docker.sock")
    assert (address.scheme, address.host, address.port) == ("tcp", "localhost", 2375)
    assert address.path_prefix == "/var/run/docker.sock"
    assert {NOTE_SCHEME_INFERRED, NOTE_LOOKS_LIKE_PATH, NOTE_PATH_PREFIX} <= set(address.notes)


def test_path_prefix_becomes_the_base_path() -> None:
    address = parse_docker_host("tcp://127.0.0.1:2375/sandboxes/abc")
    assert address.path_prefix == "/sandboxes/abc"
    assert NOTE_PATH_PREFIX in address.notes
    assert address.request_path("/_ping") == "/sandboxes/abc/_ping"
    assert address.request_path("/containers/create", "1.55") == "/sandboxes/abc/v1.55/containers/create"


def test_request_path_cleans_like_go_path_join() -> None:
    assert parse_docker_host("tcp://h/").request_path("/_ping") == "/_ping"
    assert parse_docker_host("tcp://h/a/").request_path("/_ping", "1.55") == "/a/v1.55/_ping"
    assert parse_docker_host("tcp://h:1/a b").request_path("/_ping") == "/a%20b/_ping"
    assert parse_docker_host("tcp://h/x/../y").request_path("/version", "1.50") == "/y/v1.50/version"
    unix = parse_docker_host("unix:///s.sock")
    assert unix.request_path("/images/hello-world:latest/json", "1.55") == "/v1.55/images/hello-world:latest/json"
    assert unix.request_path("/images/create?fromImage=a%2Fb", "1.55") == "/v1.55/images/create?fromImage=a%2Fb"


def test_ipv6_host_port() -> None:
    address = parse_docker_host("[::1]:5555/path")
    assert (address.host, address.port, address.path_prefix) == ("::1", 5555, "/path")
    assert address.http_host == "[::1]:5555"


def test_silent_drops_are_noted() -> None:
    address = parse_docker_host(" tcp://user@host:1/p?q#f ")
    assert {NOTE_TRIMMED, NOTE_USERINFO_DROPPED, NOTE_QUERY_DROPPED, NOTE_FRAGMENT_DROPPED} <= set(address.notes)
    assert address.given == " tcp://user@host:1/p?q#f "


def test_relative_unix_socket() -> None:
    address = parse_docker_host("unix://run/x.sock")
    assert (address.socket_path, address.dialable) == ("run/x.sock", True)
    assert NOTE_RELATIVE_SOCKET in address.notes


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ("fd://", DAEMON_SIDE_ONLY),
        ("fd://3", DAEMON_SIDE_ONLY),
        ("ssh://user@host", SSH_NOT_SUPPORTED),
        ("npipe://", NAMED_PIPE_WINDOWS),
        ("tcp://h:0", PORT_OUT_OF_RANGE),
        ("tcp://h:65536", PORT_OUT_OF_RANGE),
    ],
)
def test_valid_for_docker_but_not_dialable(given: str, reason: str) -> None:
    address = parse_docker_host(given)
    assert (address.dialable, address.not_dialable_reason) == (False, reason)


def test_ssh_parts() -> None:
    address = parse_docker_host("ssh://me@remote:2222/run/docker.sock")
    assert (address.user, address.host, address.port, address.socket_path) == (
        "me", "remote", 2222, "/run/docker.sock",
    )


def test_npipe_default() -> None:
    address = parse_docker_host("npipe://")
    assert address.socket_path == "//./pipe/docker_engine"
    assert [d.code for d in address.defaults] == ["default_named_pipe"]


def test_as_dict_is_plain_data() -> None:
    data = parse_docker_host("tcp://host").as_dict()
    assert data["normalized"] == "tcp://host:2375"
    assert data["defaults"] == [{"part": "port", "value": "2375", "code": "default_http_port"}]
    assert data["dialable"] is True
