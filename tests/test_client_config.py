"""The client configuration as docker CLI 28.2.2 applies it: Go's JSON decoder, the command-line parser, custom
headers, proxies and the precedence resolver. Expected texts were captured from the real CLI (tests in
test_client_config_cli.py compare the two live when the docker CLI is installed)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from hellotrace.client_config import (
    ARTICLE_SAMPLE,
    CORRECTED_SAMPLE,
    CORRECTIONS,
    listing_request,
    load_config,
    parse_command_line,
    parse_custom_headers_env,
    plan_headers,
    plan_proxies,
    resolve,
)
from hellotrace.client_config.configfile import go_base64_decode, go_clean
from hellotrace.client_config.headers import canonical_header_key, go_csv_first_record
from hellotrace.client_config.proxies import check_no_proxy
from hellotrace.client_config.resolve import Reason, detach_keys_valid
from hellotrace.protocol.gojson import MAX_NESTING_DEPTH, JsonSyntaxError, decode_first_value, quote_char

PATH = "/home/user/.docker/config.json"
NOW = datetime(2026, 8, 5, 12, 0, tzinfo=UTC)

# --- Go's JSON decoder ------------------------------------------------------------------------------------------


def test_the_article_sample_gives_the_cli_warning_and_no_configuration():
    load = load_config(ARTICLE_SAMPLE, PATH)
    assert load.status == "syntax_error"
    assert load.warning == (
        "WARNING: Error parsing config file (/home/user/.docker/config.json): "
        "invalid character '}' looking for beginning of object key string"
    )
    assert (load.line, load.column) == (33, 1)  # the `}` right after `},` closing the manager1 entry
    assert not load.used and load.values == {}


def test_the_corrected_sample_is_valid_and_keeps_every_property_the_article_meant():
    load = load_config(CORRECTED_SAMPLE, PATH)
    assert load.status == "ok" and load.warning is None
    assert load.mapping("plugins") == {
        "plugin1": {"option": "value"},
        "plugin2": {"anotheroption": "anothervalue", "athirdoption": "athirdvalue"},
    }
    assert set(load.mapping("proxies")) == {"default", "tcp://manager1.mycorp.example.com:2377"}
    assert load.mapping("proxies")["default"]["noProxy"] == "localhost,127.0.0.1,.mycorp.example.com"
    assert load.text("detachKeys") == "ctrl-e,e"
    # `\\t` in the JSON text is a backslash and a t, which the CLI's formatter turns into a tab itself.
    assert load.text("psFormat") == "table {{.ID}}\\t{{.Image}}\\t{{.Command}}\\t{{.Labels}}"
    assert load.text("pluginsFormat") == "table {{.ID}}\t{{.Name}}\t{{.Enabled}}"
    assert "stackOrchestrator" not in CORRECTED_SAMPLE
    assert json.loads(CORRECTED_SAMPLE)  # plain JSON for any tool, too
    assert [code for code, _ in CORRECTIONS] == [
        "stack_orchestrator_removed", "plugins_siblings", "no_proxy_list", "proxy_key_tcp", "trailing_comma",
        "closing_braces",
    ]


@pytest.mark.parametrize(
    ("text", "message", "line", "column"),
    [
        ("{", "unexpected EOF", 1, 2),
        ('{"HttpHeaders": {"X-A": "1"', "unexpected EOF", 1, 28),
        ('{"a":1,}', "invalid character '}' looking for beginning of object key string", 1, 8),
        ("[1,]", "invalid character ']' looking for beginning of value", 1, 4),
        ('{"a" 1}', "invalid character '1' after object key", 1, 6),
        ('{"a":1 "b":2}', "invalid character '\"' after object key:value pair", 1, 8),
        ("[1 2]", "invalid character '2' after array element", 1, 4),
        ("{'a': 1}", "invalid character '\\'' looking for beginning of object key string", 1, 2),
        ('{"a": tru}', "invalid character '}' in literal true (expecting 'e')", 1, 10),
        ('{"a": nul}', "invalid character '}' in literal null (expecting 'l')", 1, 10),
        ('{"a": "x\ty"}', "invalid character '\\t' in string literal", 1, 9),
        ('{"a": "\\x"}', "invalid character 'x' in string escape code", 1, 9),
        ('{"a": "\\u12g4"}', "invalid character 'g' in \\u hexadecimal character escape", 1, 12),
        ('{"a": -x}', "invalid character 'x' in numeric literal", 1, 8),
        ('{"a": 1.}', "invalid character '}' after decimal point in numeric literal", 1, 9),
        ('{"a": 1e}', "invalid character '}' in exponent of numeric literal", 1, 9),
        ('{"a": 01}', "invalid character '1' after object key:value pair", 1, 8),
        ('{"a": 1.5e+}', "invalid character '}' in exponent of numeric literal", 1, 12),
        ('{"a": -}', "invalid character '}' in numeric literal", 1, 8),
        ('{"a": 2.5.1}', "invalid character '.' after object key:value pair", 1, 10),
        ('{"a": "x', "unexpected EOF", 1, 9),
        ("# comment\n{}", "invalid character '#' looking for beginning of value", 1, 1),
        ("{\n  \"a\": 1,\n}", "invalid character '}' looking for beginning of object key string", 3, 1),
        # A byte of a multi-byte character shows as the Latin-1 character of that byte, as in Go.
        ('{"a": é}', "invalid character 'Ã' looking for beginning of value", 1, 7),
        ("\ufeff{}", "invalid character 'ï' looking for beginning of value", 1, 1),
    ],
)
def test_syntax_errors_are_go_s(text, message, line, column):
    with pytest.raises(JsonSyntaxError) as caught:
        decode_first_value(text)
    assert (caught.value.message, caught.value.line, caught.value.column) == (message, line, column)
    assert load_config(text, PATH).warning == f"WARNING: Error parsing config file ({PATH}): {message}"


@pytest.mark.parametrize("text", ["", "  \n\t ", "null"])
def test_an_empty_file_is_no_configuration_and_no_warning(text):
    load = load_config(text, PATH)
    assert load.warning is None and load.values == {} and load.used


def test_only_the_first_value_is_read():
    load = load_config('{"HttpHeaders": {"X-A": "1"}} }}} garbage', PATH)
    assert load.status == "ok" and load.mapping("HttpHeaders") == {"X-A": "1"}


def test_nesting_beyond_go_s_limit_is_an_error_not_a_crash():
    deep = "[" * (MAX_NESTING_DEPTH + 1)
    with pytest.raises(JsonSyntaxError, match="exceeded max depth"):
        decode_first_value(deep)
    assert decode_first_value("[" * MAX_NESTING_DEPTH + "]" * MAX_NESTING_DEPTH).kind == "array"


def test_strings_are_decoded_like_go():
    node = decode_first_value('"a\\u00e9\\ud83d\\ude00\\ud800x\\/"')
    assert node.value == "aé😀\ufffdx/"


def test_plain_values_are_read_whole_and_exactly():
    """Numbers and strings without escapes are read in one step; they must come out as byte by byte."""
    long = "x" * 100_000
    node = decode_first_value(f'[0, -0.5e+10, 10, 1E3, -12.25, "", "plain", "\xe9t\xe9", "a\\tb", "{long}"]')
    assert [item.value for item in node.items] == [
        "0", "-0.5e+10", "10", "1E3", "-12.25", "", "plain", "\xe9t\xe9", "a\tb", long]
    assert [item.start for item in node.items][:3] == [1, 4, 14]


@pytest.mark.parametrize(
    ("byte", "shown"),
    [(ord("}"), "'}'"), (ord("'"), "'\\''"), (ord('"'), "'\"'"), (10, "'\\n'"), (1, "'\\x01'"), (0xC3, "'Ã'"),
     (0x85, "'\\u0085'"), (0xA0, "'\\u00a0'")],
)
def test_bytes_are_quoted_like_go(byte, shown):
    assert quote_char(byte) == shown


@pytest.mark.parametrize(
    ("text", "reason", "values"),
    [
        ('{"psFormat": 5, "HttpHeaders": {"X-A": "1"}}',
         "json: cannot unmarshal number into Go struct field ConfigFile.psFormat of type string",
         {"psFormat": "", "HttpHeaders": {"X-A": "1"}}),
        ('{"HttpHeaders": {"A": 1}}',
         "json: cannot unmarshal number into Go struct field ConfigFile.HttpHeaders of type string",
         {"HttpHeaders": {"A": ""}}),
        ('{"proxies": {"default": {"httpProxy": 1}}}',
         "json: cannot unmarshal number into Go struct field ProxyConfig.proxies.httpProxy of type string",
         {"proxies": {"default": {"httpProxy": ""}}}),
        ('{"plugins": {"p": {"o": {}}}}',
         "json: cannot unmarshal object into Go struct field ConfigFile.plugins of type string",
         {"plugins": {"p": {"o": ""}}}),
        ('{"auths": {"x": {"auth": 5}}}',
         "json: cannot unmarshal number into Go struct field AuthConfig.auths.auth of type string",
         {"auths": {"x": {"auth": ""}}}),
        ('{"HttpHeaders": []}',
         "json: cannot unmarshal array into Go struct field ConfigFile.HttpHeaders of type map[string]string",
         {"HttpHeaders": None}),
        ('{"pruneFilters": "x"}',
         "json: cannot unmarshal string into Go struct field ConfigFile.pruneFilters of type []string",
         {"pruneFilters": None}),
        ('{"proxies": {"default": "s"}}',
         "json: cannot unmarshal string into Go struct field ConfigFile.proxies of type configfile.ProxyConfig",
         {"proxies": {"default": {}}}),
        ('{"cliPluginsExtraDirs": [1]}',
         "json: cannot unmarshal number into Go struct field ConfigFile.cliPluginsExtraDirs of type string",
         {"cliPluginsExtraDirs": [""]}),
    ],
)
def test_type_errors_warn_and_keep_the_rest(text, reason, values):
    load = load_config(text, PATH)
    assert load.status == "type_error" and load.used
    assert load.reason == reason
    assert load.values == values


@pytest.mark.parametrize(
    ("text", "kind"),
    [("[]", "array"), ('"x"', "string"), ("5", "number"), ("true", "bool"), ('[] {"psFormat": "x"}', "array")],
)
def test_a_file_that_is_not_an_object_is_a_type_error_with_nothing_to_keep(text, kind):
    # docker CLI 28.2.2 prints exactly this line for these files, then runs with no configuration.
    load = load_config(text, PATH)
    assert (load.status, load.used, load.values, load.keys) == ("not_object", False, {}, ())
    assert load.warning == (f"WARNING: Error parsing config file ({PATH}): json: cannot unmarshal {kind} into Go "
                            "value of type configfile.ConfigFile")
    assert (load.line, load.column) == (1, 1)
    r = resolve(text, {}, "docker ps")
    assert r.stderr == [load.warning] and r.stop is None
    assert setting(r, "format") == ("table", "default", "format.default")


def test_keys_match_without_case_and_repeat_like_go():
    load = load_config('{"httpheaders": {"a": "1"}, "HttpHeaders": {"b": "2"}, "psFormat": "x", "PSFORMAT": "y",'
                       ' "stackOrchestrator": "kubernetes", "colour": "blue"}', PATH)
    assert load.mapping("HttpHeaders") == {"a": "1", "b": "2"}  # maps are merged
    assert load.text("psFormat") == "y"  # the last string wins
    codes = {use.key: (use.code, use.repeated) for use in load.keys}
    assert codes == {"httpheaders": ("case_folded", False), "HttpHeaders": ("field", True),
                     "psFormat": ("field", False), "PSFORMAT": ("case_folded", True),
                     "stackOrchestrator": ("removed", False), "colour": ("unknown", False)}


def test_null_empties_maps_and_leaves_strings():
    load = load_config('{"HttpHeaders": {"a": "1"}, "psFormat": "x", "HttpHeaders": null, "psFormat": null}', PATH)
    assert load.values == {"HttpHeaders": None, "psFormat": "x"}


@pytest.mark.parametrize(
    ("auth", "reason"),
    [("!!!", "illegal base64 data at input byte 0"), ("bm9jb2xvbg==", "Invalid auth configuration file"),
     ("YQ", "illegal base64 data at input byte 0"), ("YTpi", None)],
)
def test_credentials_are_checked_after_decoding(auth, reason):
    load = load_config(json.dumps({"auths": {"registry.example": {"auth": auth}}}), PATH)
    assert load.reason == reason
    assert load.status == ("auth_error" if reason else "ok")


def test_base64_follows_go():
    assert go_base64_decode("dXNlcjpwYXNz") == b"user:pass"
    assert go_base64_decode("YQ==\n") == b"a"
    for text, index in (("YQ=", 3), ("Y===", 1), ("YQ==x", 4), ("YT=i", 2), ("YTpiYw", 4)):
        with pytest.raises(ValueError, match=f"at input byte {index}$"):
            go_base64_decode(text)


@pytest.mark.parametrize(("path", "clean"), [("rel//dir/", "rel/dir"), ("/a/../b/./c/", "/b/c"), ("//x", "/x"),
                                               ("", ".")])
def test_paths_are_cleaned_like_go(path, clean):
    assert go_clean(path) == clean


# --- command line -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("line", "code", "text"),
    [
        ("docker ps -H x", "unknown_flag", "unknown shorthand flag: 'H' in -H"),
        ("docker --foo ps", "unknown_flag", "unknown flag: --foo"),
        ("docker ps --bar", "unknown_flag", "unknown flag: --bar"),
        ("docker ps extra", "wrong_arguments", "docker: 'docker ps' accepts no arguments"),
        ("docker -H", "missing_value", "flag needs an argument: 'H' in -H"),
        ("docker --config", "missing_value", "flag needs an argument: --config"),
        ("docker ps -n x", "invalid_value",
         'invalid argument "x" for "-n, --last" flag: strconv.ParseInt: parsing "x": invalid syntax'),
        ("docker --tls=maybe ps", "invalid_value",
         'invalid argument "maybe" for "--tls" flag: strconv.ParseBool: parsing "maybe": invalid syntax'),
        ("docker -xD ps", "unknown_flag", "unknown shorthand flag: 'x' in -xD"),
        ("docker ps -aqz", "unknown_flag", "unknown shorthand flag: 'z' in -z"),
        ("docker frobnicate", "unknown_command", "docker: unknown command: docker frobnicate"),
        ("docker run", "wrong_arguments", "docker: 'docker run' requires at least 1 argument"),
        ("docker attach a b", "wrong_arguments", "docker: 'docker attach' requires 1 argument"),
        ("docker images a b", "wrong_arguments", "docker: 'docker images' requires at most 1 argument"),
        ("docker exec x", "wrong_arguments", "docker: 'docker exec' requires at least 2 arguments"),
        ("docker ps -f nofilter", "invalid_value",
         'invalid argument "nofilter" for "-f, --filter" flag: bad format of filter (expected name=value)'),
        ("docker run -e =x alpine", "invalid_value",
         'invalid argument "=x" for "-e, --env" flag: invalid environment variable: =x'),
        ("docker container ls extra", "wrong_arguments", "docker: 'docker container ls' accepts no arguments"),
    ],
)
def test_command_line_errors_are_the_cli_s(line, code, text):
    error = parse_command_line(line).error
    assert error is not None and (error.code, error.cli_text) == (code, text)


@pytest.mark.parametrize(("line", "code"), [("docker ps 'oops", "unbalanced_quotes"), ("podman ps", "not_docker"),
                                             ("x" * 3000, "too_long")])
def test_lines_the_lab_cannot_read(line, code):
    error = parse_command_line(line).error
    assert error is not None and error.code == code and error.cli_text == ""


def test_a_full_command_line():
    cmd = parse_command_line(
        "DOCKER_HOST=tcp://a:1 docker -D --config=/c -H unix:///x.sock ps -aq --format '{{.ID}}: {{.Command}}' -n3"
    )
    assert cmd.error is None and cmd.assignments == {"DOCKER_HOST": "tcp://a:1"}
    assert [(u.name, u.value) for u in cmd.global_flags] == [("debug", "true"), ("config", "/c"),
                                                            ("host", "unix:///x.sock")]
    assert cmd.command == "ps" and cmd.command_words == ("ps",)
    assert cmd.value("format") == "{{.ID}}: {{.Command}}" and cmd.value("last") == "3"
    assert cmd.flag_on("all") and cmd.flag_on("quiet")


def test_run_stops_at_the_image_and_bundles_short_options():
    cmd = parse_command_line("docker run -itd -eA=1 -e B --detach-keys=ctrl-x,x alpine sh -c 'echo -e hi'")
    assert cmd.error is None and cmd.command == "run"
    assert cmd.values("env") == ["A=1", "B"] and cmd.value("detach-keys") == "ctrl-x,x"
    assert cmd.args == ["alpine", "sh", "-c", "echo -e hi"]


def test_a_real_command_the_lab_does_not_model_is_not_unknown():
    cmd = parse_command_line("docker pull alpine")
    assert cmd.error is None and cmd.command is None and cmd.command_words == ("pull",)


def test_stack_orchestrator_flag_is_noticed():
    cmd = parse_command_line("docker stack deploy --orchestrator=kubernetes -c x.yml app")
    assert cmd.values("orchestrator") == ["kubernetes"]


# --- custom headers ---------------------------------------------------------------------------------------------

def test_docker_custom_headers_is_read_as_csv():
    headers = parse_custom_headers_env('one=one-value,"two=two,value",four=,five=a,five=b, six = x ')
    assert headers == {"One": "one-value", "Two": "two,value", "Four": "", "Five": "b", "Six": " x "}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("novalue", 'failed to set custom headers from DOCKER_CUSTOM_HEADERS environment variable: missing "=" in '
                    "key=value pair: 'novalue'"),
        ("=x", "failed to set custom headers from DOCKER_CUSTOM_HEADERS environment variable: value contains a "
               "key=value pair with an empty key: '=x'"),
        ('a="b', "failed to parse custom headers from DOCKER_CUSTOM_HEADERS environment variable: value must be "
                 "formatted as comma-separated key=value pairs"),
    ],
)
def test_bad_docker_custom_headers_stop_the_cli(value, message):
    with pytest.raises(ValueError) as caught:
        parse_custom_headers_env(value)
    assert str(caught.value) == message
    assert plan_headers({"X": "1"}, value).error == f"Failed to initialize: {message}"


@pytest.mark.parametrize(
    ("text", "fields"),
    [('"a=b""c",d=e', ['a=b"c', "d=e"]), ('"a=b\nc",d=1', ["a=b\nc", "d=1"]), ("\n\nx=1\ny=2", ["x=1"]),
     ("a=1\r", ["a=1"]), ("a,,b", ["a", "", "b"])],
)
def test_go_csv_first_record(text, fields):
    assert go_csv_first_record(text) == fields


@pytest.mark.parametrize("text", ['a"b', '"ab', '"a"b', "", "\n"])
def test_go_csv_errors(text):
    with pytest.raises(ValueError):
        go_csv_first_record(text)


@pytest.mark.parametrize(
    ("key", "canonical"),
    [("MyHeader", "Myheader"), ("x-my-header", "X-My-Header"), ("user-agent", "User-Agent"),
     ("My Header", "My Header"), ("x_y", "X_y"), ("é", "é")],
)
def test_header_names_are_canonicalized_like_go(key, canonical):
    assert canonical_header_key(key) == canonical


def test_header_fates():
    plan = plan_headers({"MyHeader": "MyValue", "User-Agent": "me", "Host": "evil", "Content-Length": "5",
                         "Content-Type": "text/x", "x-a": "1", "X-A": "2", "Empty": ""}, None)
    fates = {(f.name, f.fate) for f in plan.fates}
    assert fates == {("MyHeader", "sent"), ("User-Agent", "replaced_by_cli"), ("Host", "dropped_by_go"),
                     ("Content-Length", "dropped_by_go"), ("Content-Type", "sometimes_overridden"),
                     ("x-a", "duplicate"), ("X-A", "sent"), ("Empty", "sent")}
    assert plan.wire_headers() == [("Content-Type", "text/x"), ("Empty", ""), ("Myheader", "MyValue"), ("X-A", "2")]
    assert plan.request_error is None


def test_invalid_headers_make_every_request_fail():
    assert plan_headers({"My Header": "v"}, None).request_error == 'net/http: invalid header field name "My Header"'
    assert plan_headers({"X-Bad": "a\nb"}, None).request_error == 'net/http: invalid header field value for "X-Bad"'


def test_the_variable_replaces_the_file_headers():
    plan = plan_headers({"X-From-File": "1"}, "x-from-env=2")
    assert plan.source == "env" and plan.wire_headers() == [("X-From-Env", "2")]


# --- proxies ------------------------------------------------------------------------------------------------------

PROXIES = {
    "default": {"httpProxy": "http://p:3128", "noProxy": "localhost,.corp"},
    "tcp://127.0.0.1:2375": {"httpsProxy": "http://s:3129"},
    "https://manager1.mycorp.example.com:2377": {"httpProxy": "http://m:3128"},
    "tcp://manager1.mycorp.example.com": {"httpProxy": "http://m:3128"},
}


def test_the_matching_daemon_entry_is_used_alone():
    plan = plan_proxies(PROXIES, "tcp://127.0.0.1:2375", ["HTTP_PROXY=mine", "https_proxy"])
    assert plan.chosen_key == "tcp://127.0.0.1:2375"
    assert [(v.name, v.status) for v in plan.variables] == [("HTTPS_PROXY", "set"), ("https_proxy", "user_given")]


def test_default_applies_when_no_key_matches():
    plan = plan_proxies(PROXIES, "unix:///var/run/docker.sock", ["HTTP_PROXY=mine"])
    assert plan.chosen_key == "default"
    assert [(v.name, v.value, v.status) for v in plan.variables] == [
        ("HTTP_PROXY", "http://p:3128", "user_given"), ("http_proxy", "http://p:3128", "set"),
        ("NO_PROXY", "localhost,.corp", "set"), ("no_proxy", "localhost,.corp", "set"),
    ]


def test_keys_that_can_never_match_are_flagged():
    problems = {key.key: (key.problem, key.normalized) for key in plan_proxies(PROXIES, None, []).keys}
    assert problems["https://manager1.mycorp.example.com:2377"] == ("not_an_address", None)
    assert problems["tcp://manager1.mycorp.example.com"] == ("not_normalized", "tcp://manager1.mycorp.example.com:2375")
    assert problems["default"] == (None, None) and problems["tcp://127.0.0.1:2375"] == (None, None)


def test_no_proxy_is_a_host_list_not_a_url():
    entries = check_no_proxy("http://user:pass@example.com:3128, localhost,,10.0.0.0/8")
    assert [(e.entry.strip(), e.problem) for e in entries] == [
        ("http://user:pass@example.com:3128", "url"), ("localhost", None), ("", "empty_entry"), ("10.0.0.0/8", None),
    ]


def test_no_proxies_no_match():
    assert plan_proxies({"tcp://x:1": {"httpProxy": "h"}}, "tcp://y:2", []).chosen_key is None


# --- precedence ---------------------------------------------------------------------------------------------------

def setting(resolution, key):
    s = resolution.setting(key)
    return s.value, s.layer, s.reason.code


CASES = [
    # (config.json, environment, command line, setting, (value, layer, reason code))
    ("", {}, "docker ps", "config_dir", ("/home/user/.docker", "default", "config_dir.default")),
    ("", {"DOCKER_CONFIG": "/env"}, "docker ps", "config_dir", ("/env", "env", "config_dir.env")),
    ("", {"DOCKER_CONFIG": "/env"}, "docker --config /flag/ ps", "config_dir", ("/flag", "flag", "config_dir.flag")),
    ("", {}, "docker ps", "context", ("default", "default", "context.default")),
    ('{"currentContext": "fromfile"}', {}, "docker ps", "context", ("fromfile", "file", "context.file")),
    ('{"currentContext": "fromfile"}', {"DOCKER_CONTEXT": "env"}, "docker ps", "context",
     ("env", "env", "context.env")),
    ('{"currentContext": "f"}', {"DOCKER_CONTEXT": "e", "DOCKER_HOST": "tcp://h:1"}, "docker ps", "context",
     ("default", "env", "context.docker_host")),
    ("", {"DOCKER_CONTEXT": "e"}, "docker -H tcp://h:1 ps", "context", ("default", "flag", "context.host_flag")),
    ("", {"DOCKER_HOST": "tcp://h:1"}, "docker --context prod ps", "context", ("prod", "flag", "context.flag")),
    ("", {}, "docker ps", "host", ("unix:///var/run/docker.sock", "default", "host.default")),
    ("", {"DOCKER_HOST": "tcp://h"}, "docker ps", "host", ("tcp://h:2375", "env", "host.env")),
    ("", {"DOCKER_HOST": "tcp://h"}, "docker -H :7777 ps", "host", ("tcp://localhost:7777", "flag", "host.flag")),
    ("", {"DOCKER_HOST": "tcp://h"}, "docker --context default ps", "host", ("tcp://h:2375", "env", "host.env")),
    ("", {}, "docker --tls ps", "host", ("tcp://localhost:2376", "default", "host.default_tls")),
    ("", {"DOCKER_TLS_VERIFY": "1"}, "docker -H tcp:// ps", "host", ("tcp://localhost:2375", "flag", "host.flag")),
    ("", {}, "docker ps", "tls", (None, "default", "tls.default")),
    ("", {"DOCKER_TLS_VERIFY": "0"}, "docker ps", "tls", (None, "env", "tls.env_verify")),
    ("", {"DOCKER_TLS_VERIFY": "1"}, "docker --tls=false ps", "tls", (None, "env", "tls.env_verify_forced")),
    ("", {}, "docker --tlsverify=false ps", "tls", (None, "flag", "tls.flag_tlsverify_false")),
    ("", {"DOCKER_CONFIG": "/env"}, "docker --config /flag --tls ps", "cert_path", ("/env", "default",
                                                                                  "cert_path.default")),
    ("", {"DOCKER_CERT_PATH": "/certs"}, "docker --tls ps", "cert_path", ("/certs", "env", "cert_path.env")),
    ("", {}, "docker ps", "api_version", (None, "default", "api_version.negotiated")),
    ("", {"DOCKER_API_VERSION": "v1.41"}, "docker ps", "api_version", ("1.41", "env", "api_version.env")),
    ('{"HttpHeaders": {"a": "1"}}', {}, "docker ps", "http_headers", ("A: 1", "file", "headers.file")),
    ('{"HttpHeaders": {"a": "1"}}', {"DOCKER_CUSTOM_HEADERS": "b=2"}, "docker ps", "http_headers",
     ("B: 2", "env", "headers.env")),
    ('{"psFormat": "{{.ID}}"}', {}, "docker ps", "format", ("{{.ID}}", "file", "format.file")),
    ('{"psFormat": "{{.ID}}"}', {}, "docker ps --format {{.Names}}", "format", ("{{.Names}}", "flag", "format.flag")),
    ('{"psFormat": "{{.ID}}"}', {}, "docker ps --format {{.Names}} -q", "format",
     ("{{.ID}}", "flag", "format.flag_quiet")),
    ('{"imagesFormat": "{{.ID}}"}', {}, "docker images -q", "format",
     ("{{.ID}}", "flag", "format.quiet_over_file")),
    ("", {}, "docker images", "format", ("table", "default", "format.default")),
    ('{"psFormat": "{{.ID}}"}', {}, "docker run alpine", "format", (None, None, "format.not_applicable")),
    ('{"detachKeys": "ctrl-e,e"}', {}, "docker attach c", "detach_keys", ("ctrl-e,e", "file", "detach.file")),
    ('{"detachKeys": "ctrl-e,e"}', {}, "docker run --detach-keys ctrl-x,x alpine", "detach_keys",
     ("ctrl-x,x", "flag", "detach.flag")),
    ("", {}, "docker exec -it c sh", "detach_keys", ("ctrl-p,ctrl-q", "default", "detach.default")),
    ('{"detachKeys": "ctrl-e,e"}', {}, "docker run -d alpine", "detach_keys", ("ctrl-e,e", None, "detach.file")),
    ('{"stackOrchestrator": "kubernetes"}', {"DOCKER_STACK_ORCHESTRATOR": "all"}, "docker ps", "stack_orchestrator",
     ("swarm", None, "orchestrator.ignored")),
    ("", {}, "docker -D -l error ps", "log_level", ("debug", "flag", "log_level.debug")),
]


@pytest.mark.parametrize(("config", "env", "line", "key", "expected"), CASES)
def test_precedence(config, env, line, key, expected):
    assert setting(resolve(config, env, line), key) == expected


def test_losers_are_listed():
    r = resolve('{"currentContext": "f"}', {"DOCKER_CONTEXT": "e", "DOCKER_HOST": "tcp://h:1"}, "docker ps")
    assert [(c.layer, c.source, c.value) for c in r.setting("context").shadowed] == [
        ("env", "DOCKER_CONTEXT", "e"), ("file", "currentContext", "f")]
    r = resolve('{"HttpHeaders": {"a": "1"}}', {"DOCKER_CUSTOM_HEADERS": "b=2"}, "docker ps")
    assert [(c.source, c.value) for c in r.setting("http_headers").shadowed] == [("HttpHeaders", "a: 1")]


@pytest.mark.parametrize(
    ("config", "env", "value", "reason", "notes"),
    [
        ('{"HttpHeaders": {"MyHeader": "MyValue", "User-Agent": "me", "x-b": " 2 ", "Host": "h"}}', {},
         "Myheader: MyValue\nX-B: 2", Reason("headers.file", {"count": "2"}),
         (Reason("headers.unsent", {"names": "Host, User-Agent"}),)),
        ('{"HttpHeaders": {"Content-Type": "text/x"}}', {}, "Content-Type: text/x",
         Reason("headers.file", {"count": "1"}), ()),
        ('{"HttpHeaders": {"user-agent": "me"}}', {}, None, Reason("headers.file_unsent"),
         (Reason("headers.unsent", {"names": "User-Agent"}),)),
        ('{"HttpHeaders": {"My Header": "v", "X-A": "1"}}', {}, None, Reason("headers.file_unsent"),
         (Reason("headers.blocked"),)),
        ('{"HttpHeaders": {"X-File": "1"}}', {"DOCKER_CUSTOM_HEADERS": "a=1,user-agent=x"}, "A: 1",
         Reason("headers.env", {"count": "1"}), (Reason("headers.unsent", {"names": "User-Agent"}),)),
        ("{}", {"DOCKER_CUSTOM_HEADERS": "novalue"}, None, Reason("headers.env_error"), ()),
        ("{}", {}, None, Reason("headers.none"), ()),
    ],
)
def test_the_headers_setting_counts_and_shows_what_goes_on_the_wire(config, env, value, reason, notes):
    s = resolve(config, env, "docker ps").setting("http_headers")
    assert (s.value, s.reason, s.notes) == (value, reason, notes)


def test_an_invalid_config_file_counts_for_nothing():
    r = resolve(ARTICLE_SAMPLE, {}, "docker ps")
    assert r.config.status == "syntax_error"
    assert setting(r, "format") == ("table", "default", "format.default")
    assert setting(r, "http_headers") == (None, "default", "headers.none")
    assert r.stderr == [r.config.warning] and r.stop is None


def test_the_corrected_sample_at_work():
    r = resolve(CORRECTED_SAMPLE, {"DOCKER_HOST": "tcp://manager1.mycorp.example.com:2377"},
                "docker run -e HTTP_PROXY=mine alpine")
    assert r.headers.wire_headers() == [("Myheader", "MyValue")]
    assert r.proxies.chosen_key == "tcp://manager1.mycorp.example.com:2377"
    assert [(v.name, v.status) for v in r.proxies.variables] == [
        ("HTTP_PROXY", "user_given"), ("http_proxy", "set"), ("HTTPS_PROXY", "set"), ("https_proxy", "set")]
    assert setting(r, "detach_keys") == ("ctrl-e,e", "file", "detach.file")
    assert r.stderr == []


@pytest.mark.parametrize(
    ("env", "line", "code", "text", "conditional"),
    [
        ({}, "docker -H tcp://a:1 --context prod ps", "conflict",
         "conflicting options: cannot specify both --host and --context", False),
        ({}, "docker -H tcp://a:1 -H tcp://b:2 ps", "several_hosts",
         "Failed to initialize: unable to resolve docker endpoint: Specify only one -H", False),
        ({"DOCKER_HOST": "https://x"}, "docker ps", "invalid_host",
         "Failed to initialize: unable to resolve docker endpoint: invalid bind address format: https://x", False),
        ({"DOCKER_CONTEXT": "foo"}, "docker ps", "context_not_found",
         'Failed to initialize: unable to resolve docker endpoint: context "foo": context not found: open '
         "/home/user/.docker/contexts/meta/2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae/meta.json:"
         " no such file or directory", True),
        ({"DOCKER_CERT_PATH": "/certs"}, "docker --tlsverify ps", "tls_files",
         "Failed to initialize: unable to resolve docker endpoint: open /certs/ca.pem: no such file or directory",
         True),
        ({"DOCKER_CUSTOM_HEADERS": "novalue"}, "docker ps", "custom_headers",
         'Failed to initialize: failed to set custom headers from DOCKER_CUSTOM_HEADERS environment variable: '
         "missing \"=\" in key=value pair: 'novalue'", False),
        ({}, "docker -l nope ps", "log_level", "Unable to parse logging level: nope", False),
    ],
)
def test_where_the_cli_stops(env, line, code, text, conditional):
    r = resolve("{}", env, line)
    assert (r.stop.code, r.stop.text, r.stop.conditional) == (code, text, conditional)
    assert r.stderr[-1] == text
    assert (r.blocking_stop is None) == conditional


def test_an_ssh_address_is_checked_when_the_client_is_built_after_the_tls_files():
    r = resolve("{}", {"DOCKER_HOST": "ssh://"}, "docker ps")
    assert r.stderr == ["Failed to initialize: ssh host connection is not valid: invalid SSH URL: hostname is empty"]
    assert r.blocking_stop.code == "invalid_host"
    r = resolve("{}", {"DOCKER_HOST": "ssh://", "DOCKER_CERT_PATH": "/certs"}, "docker --tlsverify ps")
    assert [stop.code for stop in r.stops] == ["tls_files", "invalid_host"]
    r = resolve("{}", {"DOCKER_CERT_PATH": "/certs"}, "docker --tlsverify -H fd:// ps")
    assert [stop.code for stop in r.stops] == ["tls_files", "fd_host"]


def test_the_conflict_comes_before_the_config_file_is_read():
    r = resolve(ARTICLE_SAMPLE, {}, "docker -H tcp://a:1 --context prod ps")
    assert r.config is None
    assert r.stderr == ["conflicting options: cannot specify both --host and --context"]


def test_a_command_line_error_is_all_the_cli_prints():
    r = resolve(ARTICLE_SAMPLE, {}, "docker ps --bar")
    assert r.stderr == ["unknown flag: --bar"]


def test_format_and_quiet_warning():
    r = resolve("", {}, "docker ps -q --format '{{.Names}}'")
    assert r.stderr == ["WARNING: Ignoring custom format, because both --format and --quiet are set."]


def test_detach_keys_validity():
    assert detach_keys_valid("ctrl-e,e") and detach_keys_valid("ctrl-@,DEL,a")
    assert not detach_keys_valid("ctrl-ee") and not detach_keys_valid("CTRL-e")
    r = resolve('{"detachKeys": "ctrl-ee"}', {}, "docker attach c")
    assert r.setting("detach_keys").notes[0].params["daemon"] == "Invalid detach keys (ctrl-ee) provided"


def test_command_prefix_variables_beat_the_environment_panel():
    r = resolve("", {"DOCKER_HOST": "tcp://panel:1"}, "DOCKER_HOST=tcp://prefix:2 docker ps")
    assert setting(r, "host") == ("tcp://prefix:2", "env", "host.env")


def test_ssh_addresses_use_the_connection_helper_placeholder_for_proxies():
    r = resolve('{"proxies": {"http://docker.example.com": {"httpProxy": "h"}, "default": {"httpProxy": "d"}}}',
                {}, "docker -H ssh://me@box run alpine")
    assert r.proxies.daemon_host == "http://docker.example.com"
    assert r.proxies.chosen_key == "http://docker.example.com"


# --- the listing request ---------------------------------------------------------------------------------------

def test_ps_request_from_the_command_line():
    r = resolve('{"HttpHeaders": {"MyHeader": "MyValue"}}', {"DOCKER_API_VERSION": "1.44"},
                "docker ps -a -n 3 -f status=exited -f name=web --format '{{.ID}} {{.Size}}'")
    request = listing_request(r, "ps", NOW)
    assert request.path == "/containers/json"
    assert request.query == {"all": "1", "limit": "3", "size": "1",
                             "filters": '{"name":{"web":true},"status":{"exited":true}}'}
    assert request.headers == (("Myheader", "MyValue"),)
    assert request.api_version == "1.44"
    assert (request.format, request.format_source) == ("{{.ID}} {{.Size}}", "flag")


def test_size_false_stops_the_guess():
    r = resolve("", {}, "docker ps --size=false --format '{{.Size}}'")
    assert "size" not in listing_request(r, "ps", NOW).query


def test_images_request_and_formats_from_the_file():
    r = resolve('{"imagesFormat": "{{.Repository}}", "psFormat": "{{.Names}}"}', {}, "docker images -a hello-world")
    images = listing_request(r, "images", NOW)
    assert images.query == {"all": "1", "filters": '{"reference":{"hello-world":true}}'}
    assert (images.format, images.format_source) == ("{{.Repository}}", "file")
    ps = listing_request(r, "ps", NOW)  # not the command typed: no options, but psFormat still applies
    assert ps.query == {} and (ps.format, ps.format_source) == ("{{.Names}}", "file")


def test_a_bad_ps_format_refuses_before_sending():
    r = resolve("", {}, "docker ps --format '{{.Nope'")
    request = listing_request(r, "ps", NOW)
    assert request.refused is not None and request.refused.message.startswith("failed to parse template")
    # What the CLI prints says so too, and the lab's verdict is a stop before any request.
    assert r.stderr == [str(request.refused)] and r.blocking_stop.code == "format_template"
    bad_file = resolve('{"psFormat": "{{.Nope}}"}', {}, "docker ps")
    assert bad_file.stderr[0].startswith("failed to execute template: template: :1:2: executing")
    assert resolve('{"psFormat": "{{.Nope}}"}', {}, "docker images").stderr == []
    assert resolve("", {}, "docker ps --format 'table {{.ID}}'").stderr == []


def test_offsets_are_go_s_bytes_read():
    for text, offset in (('{"a":1,}', 8), ('{"a": é}', 7), ("{", 1)):
        with pytest.raises(JsonSyntaxError) as caught:
            decode_first_value(text)
        assert caught.value.offset == offset


@pytest.mark.parametrize(("text", "value"), [("010", 8), ("0x1f", 31), ("1_000", 1000), ("-7", -7),
                                             ("1__2", None), ("0x_", None), ("08", None), ("ten", None)])
def test_integers_are_read_as_go_reads_them(text, value):
    from hellotrace.protocol.gostrconv import parse_int

    assert parse_int(text) == value


def test_an_invalid_option_value_is_quoted_as_go_quotes_it():
    from hellotrace.client_config.command_line import parse_command_line

    refused = parse_command_line('docker ps -n "1\\"2"').error
    assert refused is not None
    assert refused.cli_text == ('invalid argument "1\\"2" for "-n, --last" flag: '
                                'strconv.ParseInt: parsing "1\\"2": invalid syntax')
