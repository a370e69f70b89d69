"""curl rendering: the flags, the URL, and quoting that survives bash byte for byte.

The end-to-end check (rendered commands run with the real curl against the mock engine, answers compared
with the traced client's) is in test_tracing.py.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from hellotrace.curl import CurlCommand, curl_for_request, request_options, shell_quote
from hellotrace.docker_host import parse_docker_host

UNIX = parse_docker_host("unix:///var/run/docker.sock")
TCP = parse_docker_host("tcp://127.0.0.1:2375/sandboxes/abc")
BASH = shutil.which("bash")


def test_head_ping_over_the_unix_socket() -> None:
    command = curl_for_request(UNIX, "HEAD", "/_ping", headers=[("Host", "api.moby.localhost")])
    assert command.one_line == "curl -sS -I --unix-socket /var/run/docker.sock http://localhost/_ping"


def test_versioned_url_has_a_host_name_and_two_slashes() -> None:
    command = curl_for_request(UNIX, "GET", "/v1.55/containers/json")
    assert command.argv[-1] == "http://localhost/v1.55/containers/json"
    assert "http:/v" not in command.one_line


def test_create_with_json_body() -> None:
    body = b'{"Image":"hello-world","AttachStdout":true,"AttachStderr":true}'
    headers = [
        ("Host", "api.moby.localhost"), ("User-Agent", "hellotrace/0.1.0 (linux)"),
        ("Content-Length", str(len(body))), ("Content-Type", "application/json"),
    ]
    command = curl_for_request(UNIX, "POST", "/v1.55/containers/create", headers=headers, body=body)
    assert command.one_line == (
        "curl -sS -i --unix-socket /var/run/docker.sock -H 'Content-Type: application/json' "
        "-d '{\"Image\":\"hello-world\",\"AttachStdout\":true,\"AttachStderr\":true}' "
        "http://localhost/v1.55/containers/create"
    )


def test_json_body_always_gets_its_content_type() -> None:
    command = curl_for_request(UNIX, "POST", "/v1.55/containers/create", body=b'{"Image":"x"}')
    assert ("-H", "Content-Type: application/json") in command.groups


def test_bodiless_post_needs_x_post() -> None:
    command = curl_for_request(UNIX, "POST", "/v1.55/containers/abc/start", headers=[("Content-Length", "0")])
    assert command.one_line == (
        "curl -sS -i --unix-socket /var/run/docker.sock -X POST http://localhost/v1.55/containers/abc/start"
    )


def test_delete_keeps_its_method() -> None:
    command = curl_for_request(UNIX, "DELETE", "/v1.55/containers/abc")
    assert ("-X", "DELETE") in command.groups


def test_query_string_is_quoted_for_the_shell() -> None:
    target = "/v1.55/images/create?fromImage=docker.io%2Flibrary%2Fhello-world&tag=latest"
    command = curl_for_request(
        UNIX, "POST", target, headers=[("X-Registry-Auth", "e30=")], streaming=True,
    )
    assert command.one_line == (
        "curl -sS -i -N --unix-socket /var/run/docker.sock -X POST -H 'X-Registry-Auth: e30=' "
        "'http://localhost/v1.55/images/create?fromImage=docker.io%2Flibrary%2Fhello-world&tag=latest'"
    )


def test_attach_keeps_the_upgrade_pair_and_writes_binary() -> None:
    headers = [
        ("Host", "api.moby.localhost"), ("Content-Length", "0"), ("Connection", "Upgrade"),
        ("Content-Type", "text/plain"), ("Upgrade", "tcp"),
    ]
    command = curl_for_request(
        UNIX, "POST", "/v1.55/containers/abc/attach?stderr=1&stdout=1&stream=1", headers=headers,
        binary_output=True, streaming=True,
    )
    assert command.one_line == (
        "curl -sS -i -N --output - --unix-socket /var/run/docker.sock -X POST "
        "-H 'Connection: Upgrade' -H 'Upgrade: tcp' "
        "'http://localhost/v1.55/containers/abc/attach?stderr=1&stdout=1&stream=1'"
    )


def test_keep_alive_connection_header_is_not_repeated() -> None:
    command = curl_for_request(UNIX, "GET", "/v1.55/version", headers=[("Connection", "keep-alive")])
    assert "Connection" not in command.one_line


def test_tcp_url_carries_the_base_path() -> None:
    command = curl_for_request(TCP, "GET", "/sandboxes/abc/v1.55/version", headers=[("Host", "127.0.0.1:2375")])
    assert command.one_line == "curl -sS -i http://127.0.0.1:2375/sandboxes/abc/v1.55/version"


def test_ipv6_url_turns_globbing_off() -> None:
    command = curl_for_request(parse_docker_host("tcp://[::1]:2375"), "GET", "/_ping")
    assert command.argv[-1] == "http://[::1]:2375/_ping"
    assert ("-g",) in command.groups


def test_without_response_headers() -> None:
    command = curl_for_request(UNIX, "GET", "/v1.55/version", show_headers=False)
    assert command.argv[:2] == ("curl", "-sS") and "-i" not in command.argv


def test_body_starting_with_at_is_not_a_file_name() -> None:
    command = curl_for_request(UNIX, "POST", "/v1.55/x", headers=[("Content-Type", "text/plain")], body=b"@etc")
    assert ("--data-raw", "@etc") in command.groups


def test_multi_line_form() -> None:
    command = curl_for_request(
        UNIX, "POST", "/v1.55/containers/create", headers=[("Content-Type", "application/json")], body=b"{}"
    )
    assert command.multi_line == (
        "curl -sS -i \\\n"
        "  --unix-socket /var/run/docker.sock \\\n"
        "  -H 'Content-Type: application/json' \\\n"
        "  -d '{}' \\\n"
        "  http://localhost/v1.55/containers/create"
    )


def test_socket_path_with_spaces_is_quoted() -> None:
    address = parse_docker_host("unix:///tmp/my dir/docker.sock")
    command = curl_for_request(address, "GET", "/_ping")
    assert "--unix-socket '/tmp/my dir/docker.sock'" in command.one_line


def test_undialable_address_has_no_curl() -> None:
    with pytest.raises(ValueError):
        curl_for_request(parse_docker_host("ssh://me@remote"), "GET", "/_ping")


def test_a_nul_byte_cannot_go_on_a_command_line() -> None:
    with pytest.raises(ValueError):
        curl_for_request(UNIX, "POST", "/v1.55/x", body=b"a\x00b")


TRICKY = [
    "it's",
    "'",
    "''",
    "$HOME and `id` and $(id)",
    "back\\slash \\n \\\\",
    "line one\nline two\n",
    "tab\there",
    "Grüße, 日本語, emoji 🐳",
    '{"Cmd":["sh","-c","echo \'$x\' \\"y\\""]}',
    "!history",
    "",
    "-d",
    "*?[glob]",
]


@pytest.mark.skipif(BASH is None, reason="bash is not installed")
@pytest.mark.parametrize("text", TRICKY)
def test_quoting_round_trips_through_bash(text: str) -> None:
    quoted = shell_quote(text)
    out = subprocess.run([BASH, "-c", f"printf %s {quoted}"], capture_output=True, check=True)
    assert out.stdout == text.encode("utf-8")


@pytest.mark.skipif(BASH is None, reason="bash is not installed")
def test_bytes_that_are_not_utf8_round_trip_through_bash() -> None:
    raw = b"\xff\xfe caf\xe9 'q' \\ \n"
    out = subprocess.run([BASH, "-c", f"printf %s {shell_quote(raw)}"], capture_output=True, check=True)
    assert out.stdout == raw


@pytest.mark.skipif(BASH is None, reason="bash is not installed")
def test_the_whole_command_line_reaches_curl_intact() -> None:
    """What bash hands to curl is exactly argv: checked by putting `printf '%s\\0'` where curl would be."""
    body = '{"Env":["A=it\'s $HOME"],"Cmd":["echo","a\\\\b\\n","Grüße"]}\n'.encode()
    command = curl_for_request(UNIX, "POST", "/v1.55/containers/create?name=x", body=body)
    assert isinstance(command, CurlCommand)
    for form in (command.one_line, command.multi_line):
        probe = "printf '%s\\0'" + form[len("curl"):]
        out = subprocess.run([BASH, "-c", probe], capture_output=True, check=True)
        received = out.stdout.split(b"\0")[:-1]
        expected = [arg if isinstance(arg, bytes) else arg.encode() for arg in command.argv[1:]]
        assert received == expected


def test_a_header_sent_in_utf_8_is_typed_as_text_and_other_bytes_as_bytes() -> None:
    """A recorded header holds its wire bytes one character each: `Zoé` in UTF-8 arrives as `ZoÃ©`. The command
    gives back what a UTF-8 terminal sends the same bytes with."""
    utf8 = "Zoé".encode().decode("latin-1")
    assert request_options("GET", headers=[("X-Etudiant", utf8)]) == [("-H", "X-Etudiant: Zoé")]
    assert request_options("GET", headers=[("X-Etudiant", "caf\xe9")]) == [("-H", b"X-Etudiant: caf\xe9")]
    assert shell_quote(b"X-Etudiant: caf\xe9") == "$'X-Etudiant: caf\\xe9'"
