"""``--format``: the Go template engine, Docker's ps/images rendering, and the real docker CLI side by side.

Expected error texts in the unit tests were printed by the docker CLI 28.2 (Go 1.24's text/template)
for the same templates; the last test checks the renderer against the live CLI on a mock sandbox.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from hellotrace.formatting import (
    DOCKER_FUNCTIONS,
    TemplateError,
    parse_template,
    ps_requests_size,
    render_images,
    render_ps,
)
from hellotrace.formatting.contexts import ContainerContext, displayable_ports, ellipsis, image_rows
from hellotrace.formatting.gofmt import format_float_shortest, json_encode, sprintf
from hellotrace.formatting.tabwriter import align
from hellotrace.formatting.values import GoMap
from hellotrace.protocol.gostrconv import quote
from hellotrace.protocol.units import human_duration, human_size
from tests.wire import call

NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
T0 = int(NOW.timestamp())
ALPINE_ID = "sha256:554c33b561e942eda924f517a868c2f2b9199466c892f04516060819f045b123"
HELLO_ID = "sha256:5e23090353324d887c48ad5e5c56d294eab81588df9605b07d1afe895f9cc8f8"
PLATFORM = {"platform": {"architecture": "amd64", "os": "linux"}}


def container(name: str, image: str, command: str, age: int, status: str, **extra) -> dict:
    """One item of GET /containers/json, shaped like the mock engine's (and dockerd's)."""
    return {
        "Id": (name.encode().hex() * 64)[:64],
        "Names": ["/" + name],
        "Image": image,
        "ImageID": ALPINE_ID if image == "alpine" else HELLO_ID,
        "Command": command,
        "Created": T0 - age,
        "Ports": [],
        "Labels": {},
        "State": "created" if status == "Created" else "exited",
        "Status": status,
        "NetworkSettings": {"Networks": {"bridge": {}}},
        "Mounts": [],
        "ImageManifestDescriptor": PLATFORM,
        **extra,
    }


CONTAINERS = [
    container("sleeper", "alpine", "sleep 5", 5, "Created"),
    container("labelled", "alpine", "echo hi", 70, "Exited (0) About a minute ago", Labels={"x": "1", "a.b": "zz"}),
    container("long-command", "alpine", "sh -c echo this is a rather long command line", 3 * 3600,
              "Up 3 hours", Ports=[{"IP": "0.0.0.0", "PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"},
                                   {"PrivatePort": 443, "PublicPort": 0, "Type": "tcp"}]),
    container("greeter", "hello-world", "/hello", 3 * 86400, "Exited (0) 3 days ago"),
]

IMAGES = [
    {"Containers": 3, "Created": T0 - 70 * 86400, "Id": ALPINE_ID, "Labels": {}, "ParentId": "",
     "RepoDigests": ["alpine@" + ALPINE_ID], "RepoTags": ["alpine:latest"], "SharedSize": -1, "Size": 8613452},
    {"Containers": 1, "Created": T0 - 250 * 86400, "Id": HELLO_ID, "Labels": {}, "ParentId": "",
     "RepoDigests": ["hello-world@" + HELLO_ID], "RepoTags": ["hello-world:latest"], "SharedSize": -1,
     "Size": 10072},
]


def run(template: str, data: object = None) -> str:
    return parse_template(template, DOCKER_FUNCTIONS).execute(data)


def error_of(template: str, data: object = None) -> str:
    with pytest.raises(TemplateError) as info:
        run(template, data)
    return info.value.message


def labelled() -> ContainerContext:
    return ContainerContext(CONTAINERS[1], trunc=True, now=NOW)


# -- the template engine: what it writes ------------------------------------------------------------------

ENGINE_OUTPUTS = [
    # literals and printing
    ('{{"a"}}{{`b`}}{{true}}{{false}}{{1}}{{-1}}{{1.5e3}}{{.5}}', None, "abtruefalse1-115000.5"),
    ("{{1e6}} {{1.0}} {{0x10}} {{1i}} {{'a'}} {{0x1p-2}} {{1_000}} {{0b101}} {{0o17}} {{017}} {{-0}} {{+5}}", None,
     "1e+06 1 16 (0+1i) 97 0.25 1000 5 15 15 0 5"),
    ("{{.}}", None, "<no value>"),
    ("{{.}}", "text", "text"),
    ('{{"abc"}}}', None, "abc}"),
    # fields, methods with arguments, chains, pipelines
    ("{{.Names}}|{{.ID}}|{{.Image}}", labelled(), "labelled|6c6162656c6c|alpine"),
    ('{{.Label "x"}}|{{.Label "nope"}}|{{.Labels}}', labelled(), "1||a.b=zz,x=1"),
    ("{{.Platform}} {{.Platform.OS}}/{{.Platform.Architecture}}", labelled(), "linux/amd64 linux/amd64"),
    ("{{.Names | upper}} {{.Names | upper | lower | title}}", labelled(), "LABELLED Labelled"),
    ('{{(.Names)}} {{(upper .Names) | printf "<%s>"}} {{((.Names))}}', labelled(), "labelled <LABELLED> labelled"),
    ("{{with .Labels}}{{$.Names}}: {{.}}{{end}}", labelled(), "labelled: a.b=zz,x=1"),
    # Docker's functions
    ("{{json .Names}} {{json (split .Labels \",\")}}", labelled(), '"labelled" ["a.b=zz","x=1"]'),
    ('{{json "<a&b>\u2028\t"}} {{json 1.5}} {{json 1e21}} {{json 0.0000001}} {{json true}} {{json nil}}', None,
     '"<a&b>\\u2028\\t" 1.5 1e+21 1e-7 true null'),
    ('{{join (split "a,b,c" ",") "+"}} {{split "abc" ""}} {{split "" ","}}', None, "a+b+c [a b c] []"),
    ('{{title "hello, wORLD! é-x"}}{{upper "straße"}}{{lower "ÀB"}}', None, "Hello, WORLD! É-XSTRAßEàb"),
    ('{{truncate "abcdef" 3}}|{{truncate "ab" 3}}|{{pad "x" 1 2}}|{{pad "" 1 2}}|', None, "abc|ab| x  ||"),
    ('{{println "a" 1}}{{print "a" 1 2 "b" nil}}', None, "a 1\na1 2b<nil>"),
    # Go's builtins
    ('{{len "héllo"}} {{index "héllo" 1}} {{slice "héllo" 0 1}} {{len (split "a,b" ",")}}', None, "6 195 h 2"),
    ('{{index (split "a,b" ",") 1}} {{slice (split "a,b,c" ",") 1}}', None, "b [b c]"),
    ('{{eq 1 1}} {{eq "a" "b" "a"}} {{ne 1 2}} {{lt "a" "b"}} {{le 2 2}} {{gt 3 2}} {{ge 1 2}}', None,
     "true true true true true true false"),
    ('{{and 1 0 2}} {{and 1 2}} {{or 0 "" "x"}} {{or 0 ""}} {{not ""}} {{not 1}}', None, "0 2 x  true false"),
    ('{{html "<a&\\"b\'>"}} {{js "a\'b<\\"=\\\\"}} {{urlquery "a b&c/é"}}', None,
     "&lt;a&amp;&#34;b&#39;&gt; a\\'b\\u003C\\\"\\u003D\\\\ a+b%26c%2F%C3%A9"),
    ('{{printf "%5s|%-5s|%.2s|%5.1f|%x|%X|%o|%b|%c|%U" "a" "b" "abc" 3.14159 255 255 8 5 65 9731}}', None,
     "    a|b    |ab|  3.1|ff|FF|10|101|A|U+2603"),
    ('{{printf "%T %T %T %T %T" 1 1.0 "a" true (split "a" ",")}}', None, "int float64 string bool []string"),
    ('{{printf "%d %s"}} {{printf "%d" 1 2}} {{printf "%!"}} {{printf "%d" "x"}} {{printf "%"}}', None,
     "%!d(MISSING) %!s(MISSING) 1%!(EXTRA int=2) %!!(MISSING) %!d(string=x) %!(NOVERB)"),
    ('{{2 | printf "%5.2f"}} {{printf "%v|%s" nil nil}}', None, "%!f(int=   02) <nil>|%!s(<nil>)"),
    # control structures, variables, trim markers, comments
    ('{{if eq . "a"}}A{{else if eq . "b"}}B{{else}}C{{end}}', "b", "B"),
    ("{{with .}}[{{.}}]{{else}}none{{end}}|{{with $x := 3}}{{$x}}{{end}}", "", "none|3"),
    ('{{with ""}}x{{else with "y"}}({{.}}){{end}}', None, "(y)"),
    ('{{range $i, $e := split . ","}}{{$i}}={{$e}};{{else}}none{{end}}', "a,b", "0=a;1=b;"),
    ('{{range split . ","}}{{if eq . "b"}}{{continue}}{{end}}{{if eq . "d"}}{{break}}{{end}}{{.}}{{end}}',
     "a,b,c,d,e", "ac"),
    ("{{range 3}}{{.}}{{end}}|{{range 0}}x{{else}}empty{{end}}|{{range .}}{{.}}{{end}}",
     GoMap(entries={"b": "2", "a": "1"}), "012|empty|12"),
    ("{{$x := 1}}{{$x = 2}}{{$x}}", None, "2"),
    ("a  {{- 1 -}}  b {{- /* comment */ -}} c {{/* kept */}} d", None, "a1bc  d"),
    ('{{define "x"}}X{{.}}{{end}}{{template "x" "y"}}{{block "b" 1}}B{{.}}{{end}}', None, "XyB1"),
]


@pytest.mark.parametrize(("template", "data", "expected"), ENGINE_OUTPUTS)
def test_engine_output(template: str, data: object, expected: str) -> None:
    assert run(template, data) == expected


# -- the template engine: Go's errors (as the docker CLI 28.2 prints them, without its prefix) ------------------

ENGINE_ERRORS = [
    # lexer and parser
    ("{{nope}}", 'template: :1: function "nope" not defined'),
    ('{{"abc"', "template: :1: unclosed action"),
    ("{{if}}", "template: :1: missing value for if"),
    ("{{end}}", "template: :1: unexpected {{end}}"),
    ("{{else}}", "template: :1: unexpected {{else}}"),
    ("{{break}}", "template: :1: {{break}} outside {{range}}"),
    ("{{range 1}}{{end}}{{continue}}", "template: :1: {{continue}} outside {{range}}"),
    ("{{if 1}}x", "template: :1: unexpected EOF"),
    ("{{if 1}}x{{else}}y{{else}}z{{end}}", "template: :1: expected end; found {{else}}"),
    ('{{"abc" `x}}', "template: :1: unterminated raw quoted string"),
    ('{{"abc}}', "template: :1: unterminated quoted string"),
    ("{{3x}}", 'template: :1: bad number syntax: "3x"'),
    ("{{089}}", 'template: :1: integer overflow: "089"'),
    ("{{99999999999999999999}}", 'template: :1: integer overflow: "99999999999999999999"'),
    ("{{'ab'}}", "template: :1: malformed character constant: 'ab'"),
    ('{{"\\q"}}', "template: :1: invalid syntax"),
    ("{{$x}}", 'template: :1: undefined variable "$x"'),
    ('{{"a" | 3}}', "template: :1: non executable command in pipeline stage 2"),
    ('{{define "x"}}a{{end}}{{define "x"}}b{{end}}', 'template: :1: template: multiple definition of template "x"'),
    ("{{range $a, $b, $c := 3}}{{end}}", "template: :1: too many declarations in range"),
    ("{{with $x := 1}}{{$x}}{{end}}{{$x}}", 'template: :1: undefined variable "$x"'),
    ("{{/* unclosed", "template: :1: unclosed comment"),
    ("{{/* x */ 1}}", "template: :1: comment ends before closing delimiter"),
    ("{{(1}}", "template: :1: unclosed left paren"),
    ("{{1)}}", "template: :1: unexpected right paren"),
    ('{{ "a".Foo }}', 'template: :1: unexpected . after term "\\"a\\""'),
    ("{{.Names%}}", "template: :1: bad character U+0025 '%'"),
    ("line one\n{{nope}}", 'template: :2: function "nope" not defined'),
    # execution
    ("{{18446744073709551615}}",
     'template: :1:2: executing "" at <18446744073709551615>: 18446744073709551615 overflows int'),
    ("{{$x = 2}}", 'template: :1:7: executing "" at <2>: undefined variable: $x'),
    ("{{3 | upper}}", 'template: :1:6: executing "" at <upper>: wrong type for value; expected string; got int'),
    ('{{upper "a" "b"}}', 'template: :1:2: executing "" at <upper>: wrong number of args for upper: want 1 got 2'),
    ("{{upper 1}}", 'template: :1:8: executing "" at <1>: expected string; found 1'),
    ('{{index "abc" 5}}',
     'template: :1:2: executing "" at <index "abc" 5>: error calling index: index out of range: 5'),
    ('{{index "abc" 3}}',
     'template: :1:2: executing "" at <index "abc" 3>: error calling index: reflect: string index out of range'),
    ('{{index "abc" "x"}}', 'template: :1:2: executing "" at <index "abc" "x">: error calling index: '
                            "cannot index slice/array with type string"),
    ("{{index 3 1}}",
     "template: :1:2: executing \"\" at <index 3 1>: error calling index: can't index item of type int"),
    ("{{index nil 1}}", 'template: :1:2: executing "" at <index nil 1>: error calling index: index of untyped nil'),
    ('{{slice "abc" 2 1}}',
     'template: :1:2: executing "" at <slice "abc" 2 1>: error calling slice: invalid slice index: 2 > 1'),
    ('{{slice "abc" 1 2 3}}',
     'template: :1:2: executing "" at <slice "abc" 1 2 3>: error calling slice: cannot 3-index slice a string'),
    ("{{len 3}}", 'template: :1:2: executing "" at <len 3>: error calling len: len of type int'),
    ("{{not}}", 'template: :1:2: executing "" at <not>: wrong number of args for not: want 1 got 0'),
    ("{{eq 1}}", 'template: :1:2: executing "" at <eq 1>: error calling eq: missing argument for comparison'),
    ('{{eq 1 "a"}}', 'template: :1:2: executing "" at <eq 1 "a">: error calling eq: incompatible types for comparison'),
    ("{{lt 1 2.0}}", 'template: :1:2: executing "" at <lt 1 2.0>: error calling lt: incompatible types for comparison'),
    ("{{lt true false}}",
     'template: :1:2: executing "" at <lt true false>: error calling lt: invalid type for comparison'),
    ("{{ne 1 2 3}}", 'template: :1:2: executing "" at <ne>: wrong number of args for ne: want 2 got 3'),
    ("{{and}}", 'template: :1:2: executing "" at <and>: wrong number of args for and: want at least 1 got 0'),
    ("{{nil}}", 'template: :1:2: executing "" at <nil>: nil is not a command'),
    ("{{1 2}}", 'template: :1:2: executing "" at <1>: can\'t give argument to non-function 1'),
    ("{{printf}}", 'template: :1:2: executing "" at <printf>: wrong number of args for printf: want at least 1 got 0'),
    ("{{json}}", 'template: :1:2: executing "" at <json>: wrong number of args for json: want 1 got 0'),
    ('{{split "a,b"}}', 'template: :1:2: executing "" at <split>: wrong number of args for split: want 2 got 1'),
    ('{{join "a" ","}}', 'template: :1:7: executing "" at <"a">: can\'t handle "a" for arg of type []string'),
    ('{{join (split "a,b" ",") 1}}', 'template: :1:25: executing "" at <1>: expected string; found 1'),
    ('{{pad "a" -1 0}}',
     'template: :1:2: executing "" at <pad "a" -1 0>: error calling pad: strings: negative Repeat count'),
    ('{{truncate "abc" -1}}', 'template: :1:2: executing "" at <truncate "abc" -1>: error calling truncate: '
                              "runtime error: slice bounds out of range [:-1]"),
    ('{{template "x"}}', 'template: :1:11: executing "" at <{{template "x"}}>: template "x" not defined'),
    ("{{range $i, $e := 3}}{{end}}",
     'template: :1:18: executing "" at <3>: can\'t use 3 to iterate over more than one variable'),
    ('{{range "abc"}}{{end}}', 'template: :1:8: executing "" at <"abc">: range can\'t iterate over abc'),
    ("{{ $x := 1 }}{{ $x.Foo }}", 'template: :1:18: executing "" at <$x.Foo>: can\'t evaluate field Foo in type int'),
    ('{{ (split "a" ",").Foo }}',
     'template: :1:14: executing "" at <",">: can\'t evaluate field Foo in type []string'),
    ("{{ call 1 }}", 'template: :1:3: executing "" at <call 1>: error calling call: non-function 1 of type int'),
    ("é{{.Nope}}", 'template: :1:4: executing "" at <.Nope>: can\'t evaluate field Nope in type string'),
]


@pytest.mark.parametrize(("template", "expected"), ENGINE_ERRORS)
def test_engine_errors(template: str, expected: str) -> None:
    assert error_of(template, "text") == expected


CONTEXT_ERRORS = [
    ("{{.Nope}}", "can't evaluate field Nope in type *formatter.ContainerContext"),
    ("{{.Label}}", "wrong number of args for Label: want 1 got 0"),
    ('{{.Label "x" "y"}}', "wrong number of args for Label: want 1 got 2"),
    ('{{.Names "x"}}', "wrong number of args for Names: want 0 got 1"),
    ("{{.Names | .ID}}", "wrong number of args for ID: want 0 got 1"),
    ("{{.trunc}}", "trunc is an unexported field of struct type *formatter.ContainerContext"),
    ("{{.Names.Foo}}", "can't evaluate field Foo in type string"),
    ("{{.Platform.Nope}}", "can't evaluate field Nope in type *formatter.Platform"),
    ("{{len .}}", "error calling len: len of type formatter.ContainerContext"),
    ('{{index . "x"}}', "error calling index: can't index item of type formatter.ContainerContext"),
]


@pytest.mark.parametrize(("template", "expected"), CONTEXT_ERRORS)
def test_context_errors(template: str, expected: str) -> None:
    assert error_of(template, labelled()).endswith(expected)


def test_nil_platform_behaves_like_a_nil_pointer() -> None:
    empty = ContainerContext({}, trunc=False, now=NOW)
    assert run("{{.Platform}}|{{if .Platform}}y{{else}}n{{end}}|{{json .Platform}}", empty) == "<nil>|n|null"
    assert error_of("{{.Platform.OS}}", empty).endswith("nil pointer evaluating *formatter.Platform.OS")
    assert error_of("{{.Platform.String}}", empty).endswith(
        "error calling String: value method github.com/docker/cli/cli/command/formatter.Platform.String "
        "called using nil *Platform pointer")


UNSUPPORTED = [
    ("{{.}}", "print_struct"),
    ("{{printf \"%d\" .}}", "printf_verb"),
    ('{{printf "%[1]s" "a"}}', "printf_verb"),
    ("{{.FullHeader}}", "internal_field"),
    ('{{define "r"}}{{template "r"}}{{end}}{{template "r"}}', "template_depth"),
    # Readers' templates run on the server: bounded work, output and nesting.
    ("{{range 100000000}}x{{end}}", "too_large"),
    ('{{pad "x" 2000000 0}}', "too_large"),
    ('{{printf "%999999999d" 1}}', "too_large"),
    ("{{" + "(" * 101 + "1" + ")" * 101 + "}}", "too_deep"),
]


@pytest.mark.parametrize(("template", "code"), UNSUPPORTED)
def test_unsupported_templates_say_so(template: str, code: str) -> None:
    with pytest.raises(TemplateError) as info:
        run(template, labelled())
    assert info.value.unsupported == code
    assert info.value.with_prefix("template parsing error") is info.value  # never dressed up as Docker's error


# -- Go's formatting helpers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [
    (1.5, "1.5"), (1e6, "1e+06"), (123456.0, "123456"), (1234567.0, "1.234567e+06"), (0.0001, "0.0001"),
    (0.00001, "1e-05"), (100.0, "100"), (-0.0, "-0"), (0.1 + 0.2, "0.30000000000000004"),
])
def test_floats_print_like_go(value: float, expected: str) -> None:
    assert format_float_shortest(value) == expected


def test_strconv_quote_and_printf() -> None:
    assert quote('/hello "x"\n\x01é\u2028') == '"/hello \\"x\\"\\n\\x01é\\u2028"'
    assert sprintf("%c%U%#U|%08.3f|%+d|%x", [65, 65, 233, -3.14159, 5, -255]) == "AU+0041U+00E9 'é'|-003.142|+5|-ff"
    assert sprintf("%t %v %e %g %G", [True, False, 1234.5678, 0.000012345, 1e21]) == (
        "true false 1.234568e+03 1.2345e-05 1E+21")
    assert sprintf("%05s|%-6q|%x|% x|%#v|%q", ["ab", "c", "hi", "hi", "s", ["a", "b"]]) == (
        '000ab|"c"   |6869|68 69|"s"|["a" "b"]')


def test_json_escapes_html_only_inside_docker_contexts() -> None:
    assert json_encode("<none>", escape_html=False) == '"<none>"'
    assert json_encode(GoMap(entries={"b": "<x>", "a": 1}), escape_html=True) == '{"a":1,"b":"\\u003cx\\u003e"}'
    image_ctx = image_rows([{**IMAGES[0], "RepoTags": [], "RepoDigests": []}], False, False, True, NOW)[0]
    assert '"Repository":"\\u003cnone\\u003e"' in run("{{json .}}", image_ctx)


# -- go-units, ellipsis, ports, tabwriter ------------------------------------------------------------------------


@pytest.mark.parametrize(("seconds", "words"), [
    (0.4, "Less than a second"), (1, "1 second"), (59.9, "59 seconds"), (60, "About a minute"),
    (119, "About a minute"), (120, "2 minutes"), (3599, "59 minutes"), (3600, "About an hour"),
    (5399, "About an hour"), (5400, "2 hours"), (47 * 3600, "47 hours"), (48 * 3600, "2 days"),
    (13 * 86400, "13 days"), (14 * 86400, "2 weeks"), (59 * 86400, "8 weeks"), (60 * 86400, "2 months"),
    (729 * 86400, "24 months"), (730 * 86400, "2 years"), (-5, "Less than a second"),
])
def test_human_duration(seconds: float, words: str) -> None:
    assert human_duration(timedelta(seconds=seconds)) == words


@pytest.mark.parametrize(("size", "precision", "text"), [
    (0, 3, "0B"), (999, 3, "999B"), (10072, 3, "10.1kB"), (10072, 4, "10.07kB"), (8613452, 3, "8.61MB"),
    (8613452, 4, "8.613MB"), (8310000, 3, "8.31MB"), (999500, 3, "1e+03kB"), (1_500_000_000, 3, "1.5GB"),
])
def test_human_size(size: int, precision: int, text: str) -> None:
    assert human_size(size, precision) == text


def test_ellipsis_counts_display_columns() -> None:
    assert ellipsis("sh -c echo this is a rather long command line", 20) == "sh -c echo this is …"
    assert ellipsis("short", 20) == "short"
    assert ellipsis("echo 日本語のテキストです、長い", 20) == "echo 日本語のテキス…"
    assert ellipsis("abc", 1) == "a"
    assert ellipsis("abc", 0) == ""


def test_displayable_ports_groups_ranges_and_mappings() -> None:
    ports = [
        {"PrivatePort": 443, "Type": "tcp"}, {"PrivatePort": 80, "Type": "tcp"}, {"PrivatePort": 81, "Type": "tcp"},
        {"PrivatePort": 82, "Type": "tcp"}, {"PrivatePort": 53, "Type": "udp"},
        {"IP": "0.0.0.0", "PrivatePort": 8080, "PublicPort": 8080, "Type": "tcp"},
        {"IP": "0.0.0.0", "PrivatePort": 8081, "PublicPort": 8081, "Type": "tcp"},
        {"IP": "::", "PrivatePort": 22, "PublicPort": 2222, "Type": "tcp"},
    ]
    assert displayable_ports(ports) == (
        "80-82/tcp, 53/udp, 443/tcp, 0.0.0.0:8080-8081->8080-8081/tcp, [::]:2222->22/tcp")  # Go's own order
    assert displayable_ports([]) == ""


def test_tabwriter_aligns_like_docker() -> None:
    assert align("NAMES\tCONTAINER ID\nthird\td74c06889f5a\n") == (
        "NAMES     CONTAINER ID\nthird     d74c06889f5a\n")
    # A line without a tab ends the block: the next lines are aligned on their own.
    assert align("x\tNAMES\n\nlong-label\tb\n") == "x         NAMES\n\nlong-label   b\n"
    # Wide characters take two columns; the last cell of a line is never padded.
    assert align("日本\tx\nab\ty\n") == "日本      x\nab        y\n"


# -- docker ps / docker images -----------------------------------------------------------------------------------


def test_ps_default_table() -> None:
    assert render_ps(CONTAINERS, now=NOW).splitlines() == [
        "CONTAINER ID   IMAGE         COMMAND                  CREATED              STATUS                          "
        "PORTS                           NAMES",
        '736c65657065   alpine        "sleep 5"                5 seconds ago        Created                         '
        "                                sleeper",
        '6c6162656c6c   alpine        "echo hi"                About a minute ago   Exited (0) About a minute ago   '
        "                                labelled",
        '6c6f6e672d63   alpine        "sh -c echo this is …"   3 hours ago          Up 3 hours                      '
        "443/tcp, 0.0.0.0:8080->80/tcp   long-command",
        '677265657465   hello-world   "/hello"                 3 days ago           Exited (0) 3 days ago           '
        "                                greeter",
    ]


def test_ps_without_containers_prints_the_header() -> None:
    assert render_ps([], now=NOW) == "CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES\n"


def test_ps_no_trunc_quiet_and_size() -> None:
    full = render_ps(CONTAINERS[:1], "{{.ID}} {{.Command}}", now=NOW, no_trunc=True)
    assert full == CONTAINERS[0]["Id"] + ' "sleep 5"\n'
    assert render_ps(CONTAINERS, now=NOW, quiet=True) == "".join(c["Id"][:12] + "\n" for c in CONTAINERS)
    assert render_ps(CONTAINERS[:1], "{{.Names}}", now=NOW, quiet=True) == "736c65657065\n"
    sized = render_ps([{**CONTAINERS[0], "SizeRw": 12, "SizeRootFs": 8613452}], now=NOW, size=True)
    assert sized.splitlines()[0].endswith("NAMES     SIZE")
    assert sized.splitlines()[1].endswith("sleeper   12B (virtual 8.61MB)")


def test_ps_json_keys_are_the_contexts_methods() -> None:
    line = render_ps(CONTAINERS[1:2], "json", now=NOW)
    assert line == (
        '{"Command":"\\"echo hi\\"","CreatedAt":"2025-03-01 11:58:50 +0000 UTC","ID":"6c6162656c6c",'
        '"Image":"alpine","Labels":"a.b=zz,x=1","LocalVolumes":"0","Mounts":"","Names":"labelled",'
        '"Networks":"bridge","Platform":{"architecture":"amd64","os":"linux"},"Ports":"",'
        '"RunningFor":"About a minute ago","Size":"0B","State":"exited","Status":"Exited (0) About a minute ago"}\n'
    )
    assert render_ps(CONTAINERS[1:2], "{{json .}}", now=NOW) == line


def test_ps_created_at_uses_the_clients_time_zone() -> None:
    paris = NOW.astimezone(ZoneInfo("Europe/Paris"))
    assert render_ps(CONTAINERS[:1], "{{.CreatedAt}}", now=paris) == "2025-03-01 12:59:55 +0100 CET\n"


def test_ps_image_names_are_familiar_and_short() -> None:
    rows = [
        container("a1", "docker.io/library/alpine:3.20", "x", 1, "Created"),
        container("a2", "alpine@" + ALPINE_ID, "x", 1, "Created"),
        container("a3", ALPINE_ID, "x", 1, "Created", ImageID=ALPINE_ID),
        container("a4", "", "x", 1, "Created"),
        container("a5", "Not/A:Valid:Ref", "x", 1, "Created"),
    ]
    assert render_ps(rows, "{{.Image}}", now=NOW) == "alpine:3.20\nalpine\n554c33b561e9\n<no image>\nNot/A:Valid:Ref\n"
    assert render_ps(rows[:1], "{{.Image}}", now=NOW, no_trunc=True) == "docker.io/library/alpine:3.20\n"


def test_ps_errors_carry_the_clis_prefixes() -> None:
    with pytest.raises(TemplateError) as info:
        render_ps(CONTAINERS, "{{nope .Names}}", now=NOW)
    assert info.value.message == 'failed to parse template: template: :1: function "nope" not defined'
    with pytest.raises(TemplateError) as info:
        render_ps(CONTAINERS, "table {{.Nope}}", now=NOW)
    assert info.value.message == (
        'failed to execute template: template: :1:8: executing "" at <.Nope>: '
        "can't evaluate field Nope in type *formatter.ContainerContext")
    with pytest.raises(TemplateError) as info:  # only fails once "\n" has become a newline
        render_ps(CONTAINERS, '{{split .Names "\\n"}}', now=NOW)
    assert info.value.message == "template parsing error: template: :1: unterminated quoted string"


def test_ps_table_header_uses_pass_through_functions() -> None:
    output = render_ps(CONTAINERS[1:2], 'table {{json .Names}}\t{{.Names | upper}}\t{{pad (.Label "x") 1 1}}', now=NOW)
    assert output == 'NAMES        NAMES       x \n"labelled"   LABELLED    1 \n'
    # A header that fails to render is dropped silently, as the CLI does.
    assert render_ps(CONTAINERS[1:2], "table {{range split .Labels \",\"}}{{.}}|{{end}}", now=NOW) == (
        "\na.b=zz|x=1|\n")


def test_ps_requests_size_only_when_the_format_uses_it() -> None:
    assert ps_requests_size("{{.Size}}", now=NOW)
    assert ps_requests_size("json", now=NOW) is False
    assert ps_requests_size("{{json .}}", now=NOW)
    assert ps_requests_size(None, now=NOW, size=True)
    assert ps_requests_size("{{.Names}}", now=NOW) is False
    assert ps_requests_size("{{.Size}}", now=NOW, quiet=True) is False
    assert ps_requests_size("{{nope}}", now=NOW) is False


def test_images_default_table_and_formats() -> None:
    assert render_images(IMAGES, now=NOW) == (
        "REPOSITORY    TAG       IMAGE ID       CREATED        SIZE\n"
        "alpine        latest    554c33b561e9   2 months ago   8.61MB\n"
        "hello-world   latest    5e2309035332   8 months ago   10.1kB\n"
    )
    assert render_images(IMAGES, now=NOW, quiet=True) == "554c33b561e9\n5e2309035332\n"
    assert render_images(IMAGES, "{{.Repository}}", now=NOW, quiet=True) == "alpine\nhello-world\n"
    assert render_images(IMAGES[:1], "{{.ID}}", now=NOW, no_trunc=True) == ALPINE_ID + "\n"
    assert render_images(IMAGES[:1], "{{.Size}} {{.VirtualSize}} {{.SharedSize}} {{.UniqueSize}} {{.Containers}}",
                         now=NOW) == "8.61MB 8.613MB N/A N/A 3\n"
    assert render_images(IMAGES[:1], "{{.Tag}} {{.Digest}}|{{.Tag}} {{ .Digest }}", now=NOW) == (
        f"latest {ALPINE_ID}|latest {ALPINE_ID}\n")
    assert render_images(IMAGES[:1], "{{ .Digest }}", now=NOW) == "<none>\n"


def test_images_rows_for_tags_digests_and_dangling_images() -> None:
    image = {**IMAGES[0], "RepoTags": ["alpine:latest", "alpine:3", "example.com/team/alpine:1.0"],
             "RepoDigests": ["alpine@" + ALPINE_ID, "other@" + HELLO_ID]}
    dangling = {**IMAGES[1], "RepoTags": [], "RepoDigests": []}
    assert render_images([image, dangling], "{{.Repository}}:{{.Tag}}", now=NOW) == (
        "alpine:latest\nalpine:3\nexample.com/team/alpine:1.0\nother:<none>\n<none>:<none>\n")
    assert render_images([image], "{{.Repository}} {{.Tag}} {{.Digest}}", now=NOW, digests=True) == (
        f"alpine latest {ALPINE_ID}\nalpine 3 {ALPINE_ID}\nexample.com/team/alpine 1.0 <none>\n"
        f"other <none> {HELLO_ID}\n")


def test_images_errors_have_no_early_check() -> None:
    with pytest.raises(TemplateError) as info:
        render_images(IMAGES, '{{.Label "x"}}', now=NOW)
    assert info.value.message == (
        'template parsing error: template: :1:2: executing "" at <.Label>: '
        "can't evaluate field Label in type *formatter.imageContext")
    # With no image, rows are never executed, so the broken field only shows in the header.
    assert render_images([], "table {{.Nope}}", now=NOW) == "<no value>\n"


# -- the real docker CLI against the same mock sandbox ------------------------------------------------------------

DOCKER = shutil.which("docker")

# (command, extra flags, --format or None). Errors are compared on stderr.
CLI_CASES = [
    ("ps", (), None),
    ("ps", ("--no-trunc",), None),
    ("ps", ("-q",), None),
    ("ps", ("-s",), None),
    ("ps", (), "table"),
    ("ps", (), "raw"),
    ("ps", (), "json"),
    ("ps", (), "{{json .}}"),
    ("ps", (), "table {{.ID}}\\t{{.Names}}"),
    ("ps", (), "{{.Names}}"),
    ("ps", (), '{{.Label "x"}}'),
    ("ps", (), "{{.Labels}}"),
    ("ps", (), "{{upper .Names}}"),
    ("ps", (), '{{range split .Labels ","}}[{{.}}]{{end}}'),
    ("ps", (), "{{if .Labels}}labelled{{else}}plain{{end}} {{.Names}}"),
    ("ps", (), "table {{.Image}}\\t{{.Command}}\\t{{.Status}}"),
    ("ps", (), "table {{.Names}}\\t{{.RunningFor}}\\t{{.CreatedAt}}\\t{{.State}}"),
    ("ps", (), "{{.Platform}}|{{.Networks}}|{{.Size}}|{{.Mounts}}|{{.LocalVolumes}}|{{.Ports}}"),
    ("ps", (), 'table {{json .Names}}\\t{{.Names | upper}}\\t{{pad .ID 1 1}}\\t{{index (split .Names ",") 0}}'),
    ("ps", (), 'table {{range split .Labels ","}}{{.}}|{{end}}\\t{{.Names}}'),
    ("ps", (), "table {{.Names}}\\n{{.ID}}\\t{{.Image}}"),
    ("ps", (), '{{printf "%-14s|%q|%5.2f" .Names .Command 3.14159}}'),
    ("ps", (), "{{with .Labels}}[{{.}}]{{else with .Names}}({{.}}){{end}}"),
    ("ps", (), "{{- .Names -}} | {{- .ID}}{{/* a comment */}}"),
    ("ps", ("-q",), "{{.Names}}"),
    ("ps", (), "{{nope .Names}}"),
    ("ps", (), "{{.Nope}}"),
    ("ps", (), "table {{.Nope}}"),
    ("ps", (), "{{.Names"),
    ("ps", (), '{{split .Names "\\n"}}'),
    ("ps", (), "{{index .Names 5}}"),
    ("ps", (), "{{.Label 1}}"),
    ("ps", (), '{{join .Names ","}}'),
    ("ps", (), "{{range .Names}}x{{end}}"),
    ("ps", (), "{{.Platform.OS}}"),
    ("images", (), None),
    ("images", ("--no-trunc",), None),
    ("images", ("-q",), None),
    ("images", ("--digests",), None),
    ("images", (), "raw"),
    ("images", (), "json"),
    ("images", (), "table {{.Repository}}\\t{{.Tag}}"),
    ("images", (), "{{.Repository}}:{{.Tag}} {{.Size}} {{.VirtualSize}} {{.Containers}} {{.CreatedSince}}"),
    ("images", (), "table {{upper .Repository}}\\t{{.Tag | lower}}\\t{{pad .ID 2 2}}|{{title \"hello\"}}"),
    ("images", (), "{{.Digest}}|{{ .Digest }}"),
    ("images", ("-q",), "{{.Repository}}"),
    ("images", (), "{{nope .ID}}"),
    ("images", (), '{{.Label "x"}}'),
    ("images", (), "table {{.Nope}}"),
]


def _docker(host: str, config_dir: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": config_dir, "DOCKER_HOST": host,
           "DOCKER_CONFIG": config_dir, "DOCKER_CLI_HINTS": "false", "TZ": "UTC"}
    return subprocess.run([DOCKER or "docker", *args], capture_output=True, text=True, env=env, timeout=60,
                          check=False)


def _ages(items: list[dict], moment: datetime) -> list[str]:
    return [human_duration(moment - datetime.fromtimestamp(item["Created"], UTC)) for item in items]


@pytest.mark.docker_cli
@pytest.mark.skipif(DOCKER is None and os.environ.get("CI") != "true", reason="the docker CLI is not installed")
def test_renderer_matches_the_docker_cli(mock_engine) -> None:
    host = mock_engine.docker_host_unix
    config_dir = tempfile.mkdtemp(prefix="ht-format-")
    try:
        for args in (("pull", "hello-world"), ("pull", "alpine"), ("run", "--name", "greeter", "hello-world"),
                     ("run", "--name", "labelled", "--label", "x=1", "alpine", "echo", "hi"),
                     ("create", "--name", "sleeper", "alpine", "sleep", "5"),
                     ("create", "--name", "long-command", "alpine", "sh", "-c", "echo this is a long command line")):
            done = _docker(host, config_dir, *args)
            assert done.returncode == 0, done.stderr
        api = "/v" + _docker(host, config_dir, "version", "--format", "{{.Client.APIVersion}}").stdout.strip()

        mismatches = []
        for command, flags, fmt in CLI_CASES:
            argv = [command, *(["-a"] if command == "ps" else []), *flags, *(["--format", fmt] if fmt else [])]
            mismatch = _compare_once_the_clock_holds_still(mock_engine, config_dir, api, argv, command, flags, fmt)
            if mismatch:
                mismatches.append(mismatch)
        assert not mismatches, "\n\n".join(mismatches)
    finally:
        shutil.rmtree(config_dir, ignore_errors=True)


def _compare_once_the_clock_holds_still(engine, config_dir: str, api: str, argv: list[str], command: str,
                                        flags: tuple[str, ...], fmt: str | None) -> str | None:
    """Run the CLI between two API reads; retry when a status or an age ticked over during the run."""
    if command == "ps":
        query = "/containers/json?all=1" + ("&size=1" if ps_requests_size(fmt, now=NOW, quiet="-q" in flags,
                                                                           size="-s" in flags) else "")
    else:
        query = "/images/json"
    for _ in range(10):
        before = call(engine, "GET", api + query).json()
        started = datetime.now(UTC)
        result = _docker(engine.docker_host_unix, config_dir, *argv)
        finished = datetime.now(UTC)
        after = call(engine, "GET", api + query).json()
        if before != after or _ages(before, started) != _ages(before, finished):
            continue
        try:
            if command == "ps":
                ours = render_ps(before, fmt, now=started, no_trunc="--no-trunc" in flags, quiet="-q" in flags,
                                 size="-s" in flags)
            else:
                ours = render_images(before, fmt, now=started, no_trunc="--no-trunc" in flags, quiet="-q" in flags,
                                     digests="--digests" in flags)
            expected = (0, ours, "")
        except TemplateError as error:
            expected = (1, "", error.message + "\n")
        stderr = result.stderr.replace("WARNING: Ignoring custom format, because both --format and --quiet are set.\n",
                                       "")
        actual = (result.returncode, result.stdout, stderr)
        if actual == expected:
            return None
        return f"docker {' '.join(argv)}\n  cli:  {actual!r}\n  ours: {expected!r}"
    return f"docker {' '.join(argv)}: the clock never held still for one run"
