"""DOCKER_HOST / -H parsing, checked against what docker CLI 28.2.2 prints (`docker context inspect`, and
`docker version` for the addresses it refuses once it builds its API client) and against the cases of
docker/cli `opts/hosts_test.go` and `cli/connhelper/ssh/ssh_test.go`."""

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
    "tcp://h:1:2": "tcp://[h:1:2]:2375",
    "tcp://h:1/a%20b": "tcp://h:1/a b",
    "tcp://h:1/%2541": "tcp://h:1/%41",
    "tcp://127.0.0.1:1#\x01": "tcp://127.0.0.1:1",
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
    "ssh://h?": "ssh://h?",
    "ssh://h#": "ssh://h#",
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


# Input → the CLI's exact error text, printed when it builds its API client: after the endpoint was resolved
# (and its TLS files read), so without "unable to resolve docker endpoint". Go's url.Parse reads the
# normalized address again, whatever its scheme, then the ssh connection helper checks its parts.
REFUSED_BY_THE_CLIENT = {
    "ssh://": "ssh host connection is not valid: invalid SSH URL: hostname is empty",
    "ssh:///": "ssh host connection is not valid: invalid SSH URL: hostname is empty",
    "ssh://user@": "ssh host connection is not valid: invalid SSH URL: hostname is empty",
    "ssh://:22": "ssh host connection is not valid: invalid SSH URL: hostname is empty",
    "ssh://u@:1": "ssh host connection is not valid: invalid SSH URL: hostname is empty",
    "ssh://u:pw@h": "ssh host connection is not valid: invalid SSH URL: plain-text password is not supported",
    "ssh://u:@h": "ssh host connection is not valid: invalid SSH URL: plain-text password is not supported",
    "ssh://h?x=1": 'ssh host connection is not valid: invalid SSH URL: query parameters are not allowed: "x=1"',
    "ssh://h:1?a%zz": 'ssh host connection is not valid: invalid SSH URL: query parameters are not allowed: "a%zz"',
    "ssh://h#frag": 'ssh host connection is not valid: invalid SSH URL: fragments are not allowed: "frag"',
    "ssh://h:1#%41": 'ssh host connection is not valid: invalid SSH URL: fragments are not allowed: "A"',
    "ssh://h:1#\x01": 'ssh host connection is not valid: invalid SSH URL: fragments are not allowed: "\\x01"',
    "ssh://127.0.0.1:port": 'parse "ssh://127.0.0.1:port": invalid port ":port" after host',
    "ssh://[::1]x": 'parse "ssh://[::1]x": invalid port "x" after host',
    "ssh://[::1": "parse \"ssh://[::1\": missing ']' in host",
    "ssh://a b": 'parse "ssh://a b": invalid character " " in host name',
    "ssh://%zz": 'parse "ssh://%zz": invalid URL escape "%zz"',
    "ssh://h%41": 'parse "ssh://h%41": invalid URL escape "%41"',
    "ssh://u%zz@h": 'parse "ssh://u%zz@h": invalid URL escape "%zz"',
    "ssh://u@h:22/%zz": 'parse "ssh://u@h:22/%zz": invalid URL escape "%zz"',
    "ssh://h\x01": 'parse "ssh://h\\x01": net/url: invalid control character in URL',
    "unix:///tmp/a%zz": 'parse "unix:///tmp/a%zz": invalid URL escape "%zz"',
    "unix://a%zz#b": 'parse "unix://a%zz": invalid URL escape "%zz"',
    "unix://host:port/x": 'parse "unix://host:port/x": invalid port ":port" after host',
    "npipe:///%zz": 'parse "npipe:///%zz": invalid URL escape "%zz"',
    "fd://%zz": 'parse "fd://%zz": invalid URL escape "%zz"',
    # ParseHost unescaped these once; the second reading finds a bad escape.
    "tcp://[fe80::1%25en0]:1": 'parse "tcp://[fe80::1%en0]:1": invalid URL escape "%en"',
    "tcp://127.0.0.1:1/%25zz": 'parse "tcp://127.0.0.1:1/%zz": invalid URL escape "%zz"',
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


@pytest.mark.parametrize(("given", "message"), REFUSED_BY_THE_CLIENT.items())
def test_refused_when_the_client_is_built(given: str, message: str) -> None:
    with pytest.raises(InvalidDaemonAddress) as caught:
        parse_docker_host(given)
    assert caught.value.message == message
    assert caught.value.client_stage
    assert caught.value.cli_output == f"Failed to initialize: {message}"


def test_a_url_error_before_the_fragment_quotes_the_url_without_it() -> None:
    with pytest.raises(InvalidDaemonAddress) as caught:
        parse_docker_host("tcp://h%41#%zz")
    assert caught.value.message == 'parse "tcp://h%41": invalid URL escape "%41"'
    assert not caught.value.client_stage


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


@pytest.mark.parametrize(
    ("given", "parts"),
    [
        # What the CLI passed to ssh: -l user, -p port, the host, and `--host unix://<path>` when there is one.
        ("ssh://h", (None, "h", None, None)),
        ("ssh://@h:1", (None, "h", 1, None)),
        ("ssh://h:", (None, "h", None, None)),
        ("ssh://u%40x@h:1/run/d.sock", ("u@x", "h", 1, "/run/d.sock")),
        ("ssh://[::1]:22", (None, "::1", 22, None)),
        ("ssh://h:22:33", (None, "h:22", 33, None)),
        ("ssh://h:99999", (None, "h", 99999, None)),  # not checked by the CLI: ssh itself says "Bad port"
        ("ssh://ssh://x", (None, "ssh", None, "//x")),
        ("ssh://h:1/", (None, "h", 1, "/")),
    ],
)
def test_ssh_parts_as_the_connection_helper_reads_them(given: str, parts: tuple) -> None:
    address = parse_docker_host(given)
    assert (address.user, address.host, address.port, address.socket_path) == parts
    assert (address.normalized, address.dialable) == (given, False)


def test_the_tcp_base_path_is_unescaped_twice() -> None:
    address = parse_docker_host("tcp://h:1/%2541")
    assert (address.normalized, address.path_prefix) == ("tcp://h:1/%41", "/A")
    assert address.request_path("/_ping") == "/A/_ping"


def test_npipe_default() -> None:
    address = parse_docker_host("npipe://")
    assert address.socket_path == "//./pipe/docker_engine"
    assert [d.code for d in address.defaults] == ["default_named_pipe"]


def test_as_dict_is_plain_data() -> None:
    data = parse_docker_host("tcp://host").as_dict()
    assert data["normalized"] == "tcp://host:2375"
    assert data["defaults"] == [{"part": "port", "value": "2375", "code": "default_http_port"}]
    assert data["dialable"] is True
