"""Lessons never rot: every ```sh block of every lesson, in both languages, runs against a fresh mock engine.

Each lesson's blocks run in order in one bash session with `set -e`, with the real docker CLI and curl.
Where a ```text block follows, the output must match it, read with the conventions of lessons/README.md:
an ellipsis stands for what varies (IDs, dates, temporary paths), and a run of hex digits just before it is
the varying ID's start. Under CI=true a missing tool fails the suite instead of skipping it.

The Try-it side is tested here too: a request block runs in the visitor's sandbox and shows its status;
a command the rules refuse gets the explanation instead. And so is each block's version for the reader's own
sandbox: rewritten for a sandbox's TCP address, every lesson still runs and shows the same output.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from hellotrace.curl_request import LESSON_SOCKET, CurlRefused, parse_command, parse_curl
from hellotrace.docker_host import parse_docker_host
from hellotrace.lesson_target import curl_target
from hellotrace.lessons import BlockSlot, CodeBlock, LessonLibrary
from tests.conftest import site_app
from tests.wire import recorded

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = LessonLibrary(ROOT / "lessons", ("en", "fr"))
CASES = [(lang, lesson.slug) for lang in ("en", "fr") for lesson in LIBRARY.lessons(lang)]
MARK = "\x1e"  # the ASCII record separator: it never appears in a lesson's output
# Lines that depend on the local curl build rather than on the daemon (curl -v's own chatter).
CURL_BUILD_LINES = re.compile(
    r"^(\*   Trying .*|\* Connected to .*|> User-Agent: curl/.*|\* Connection #0 .*|\{ \[\d+ bytes data\])$"
)


def require_tools(*names: str) -> None:
    missing = [name for name in names if shutil.which(name) is None]
    if not missing:
        return
    reason = f"the lesson blocks need {', '.join(missing)} on PATH"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (under CI nothing is skipped)")
    pytest.skip(reason)


def expected_outputs(blocks: tuple[CodeBlock, ...]) -> dict[int, str]:
    """sh block number → the ```text block right after it (its shown output)."""
    pairs = {}
    for before, after in zip(blocks, blocks[1:], strict=False):
        if before.lang == "sh" and after.lang == "text":
            pairs[before.number] = after.code
    return pairs


def build_script(blocks: list[CodeBlock], socket_path: str) -> str:
    lines = ["set -e", "exec 2>&1"]
    for block in blocks:
        lines.append(f"printf '\\036{block.number}\\036'")
        lines.append(block.code.replace(LESSON_SOCKET, socket_path).rstrip("\n"))
    lines.append("printf '\\036end\\036'")
    return "\n".join(lines) + "\n"


def split_outputs(output: str) -> dict[str, str]:
    pieces = re.split(f"{MARK}(\\d+|end){MARK}", output)
    return {pieces[i]: pieces[i + 1] for i in range(1, len(pieces) - 1, 2)}


def line_pattern(expected_line: str) -> re.Pattern[str]:
    """One shown line as a pattern: `…` matches anything on the line, and `9f3c…` any hex ID."""
    pieces = expected_line.split("…")
    pattern = ""
    for index, piece in enumerate(pieces):
        if index:
            pattern += ".*?"
        hex_tail = re.search(r"(?<![0-9A-Za-z])[0-9a-f]{1,12}$", piece) if index < len(pieces) - 1 else None
        if hex_tail:
            pattern += re.escape(piece[: hex_tail.start()]) + "[0-9a-f]*"
        else:
            pattern += re.escape(piece)
    return re.compile(pattern)


def output_matches(expected: str, actual: str) -> str | None:
    """None when `actual` fits `expected`, otherwise what differs. A line that is only `…` stands for any
    number of elided lines; trailing spaces and CRs (HTTP heads) are not compared."""
    wanted = [line.rstrip() for line in expected.rstrip("\n").split("\n") if not CURL_BUILD_LINES.match(line)]
    got = [line.rstrip() for line in actual.replace("\r\n", "\n").rstrip("\n").split("\n")
           if not CURL_BUILD_LINES.match(line.rstrip())]
    patterns = [None if line == "…" else line_pattern(line) for line in wanted]

    def fits(i: int, j: int) -> bool:
        if i == len(patterns):
            return j == len(got)
        if patterns[i] is None:
            return any(fits(i + 1, k) for k in range(j, len(got) + 1))
        return j < len(got) and bool(patterns[i].fullmatch(got[j])) and fits(i + 1, j + 1)

    if fits(0, 0):
        return None
    for number, (want, have) in enumerate(zip(wanted, got, strict=False), start=1):
        if want == "…":
            break
        if not line_pattern(want).fullmatch(have):
            return f"line {number}: expected {want!r}, got {have!r}"
    return f"{len(got)} lines do not fit the {len(wanted)} shown"


def test_line_patterns_follow_the_readme_conventions():
    assert output_matches('{"Id":"9f3c…","Warnings":[]}', '{"Id":"0a1b2c","Warnings":[]}') is None
    assert output_matches("Date: …", "Date: Tue, 02 Jun 2026 10:00:00 GMT") is None
    assert output_matches("WARNING: (/tmp/tmp.…/config.json)", "WARNING: (/tmp/tmp.AbC/config.json)") is None
    assert output_matches("204\n", "204") is None
    assert output_matches("204", "404") is not None
    assert output_matches("a\nb", "a") is not None
    assert output_matches("a\n…\nz", "a\nb\nc\nz") is None
    assert output_matches("a\n…\nz", "a\nz") is None
    assert output_matches("a\n…\nz", "a\nb") is not None
    assert output_matches("HTTP/1.1 200 OK\n", "HTTP/1.1 200 OK\r\nDate: x\r\n\r\n") is not None


@pytest.mark.docker_cli
@pytest.mark.timeout(180)
@pytest.mark.parametrize(("lang", "slug"), CASES)
def test_every_shell_block_runs_and_shows_its_output(mock_engine, tmp_path, lang, slug):
    require_tools("bash", "docker", "curl", "python3")
    lesson = LIBRARY.get(lang, slug)
    runnable = [block for block in lesson.code_blocks if block.runnable]
    assert runnable, f"{lesson.path} has no runnable block"
    home = tmp_path / "home"
    (home / ".docker").mkdir(parents=True)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "DOCKER_CONFIG": str(home / ".docker"),
        "DOCKER_HOST": f"unix://{mock_engine.unix_path}",
        "LANG": "C.UTF-8",
    }
    script = build_script(runnable, mock_engine.unix_path)
    done = subprocess.run(["bash", "-c", script], env=env, cwd=tmp_path, capture_output=True, timeout=150)
    output = done.stdout.decode("utf-8", "replace").replace(mock_engine.unix_path, LESSON_SOCKET)
    outputs = split_outputs(output)
    if done.returncode != 0 or "end" not in outputs:
        failed = max((key for key in outputs if key.isdigit()), key=int, default="?")
        block = lesson.block(int(failed)) if failed.isdigit() else None
        pytest.fail(f"{lesson.path}: block {failed} (line {block.line if block else '?'}) failed with status "
                    f"{done.returncode}:\n{block.code if block else ''}\n--- output ---\n{outputs.get(failed, output)}")
    problems = []
    for number, expected in expected_outputs(lesson.code_blocks).items():
        mismatch = output_matches(expected, outputs[str(number)])
        if mismatch:
            block = lesson.block(number)
            problems.append(f"block {number} (line {block.line}): {mismatch}\n{block.code}"
                            f"--- expected ---\n{expected}--- got ---\n{outputs[str(number)]}")
    assert not problems, f"{lesson.path}:\n" + "\n".join(problems)


# --- Try it ------------------------------------------------------------------------------------------------


def try_blocks() -> list[tuple[str, str, int]]:
    return [(lesson.lang, lesson.slug, block.number) for lang in ("en", "fr") for lesson in LIBRARY.lessons(lang)
            for block in lesson.code_blocks if block.request is not None]


def test_self_contained_requests_get_a_try_it_form_and_others_do_not():
    numbers = try_blocks()
    assert len(numbers) >= 10
    for lang in ("en", "fr"):
        for lesson in LIBRARY.lessons(lang):
            slots = [part for part in lesson.parts if isinstance(part, BlockSlot)]
            for block in lesson.code_blocks:
                tried = BlockSlot("try", block) in slots
                if block.request is not None:
                    assert block.runnable and "$" not in block.code and "|" not in block.code
                    assert tried
                else:
                    assert not tried
                assert (BlockSlot("sandbox", block) in slots) == (block.runnable and LESSON_SOCKET in block.code)


def test_the_sandbox_version_comes_right_after_its_block_and_try_it_after_the_output():
    lesson = LIBRARY.get("en", "curl-options")
    block = next(b for b in lesson.code_blocks if b.request is not None and "-si" in b.code)
    index = lesson.parts.index(BlockSlot("sandbox", block))
    assert lesson.parts[index - 1].rstrip().endswith("</code></pre></div>")  # the command's own block
    assert "HTTP/1.1 404 Not Found" in lesson.parts[index + 1]  # then its output
    assert lesson.parts[index + 2] == BlockSlot("try", block)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_try_it_without_javascript_shows_the_exchange_at_the_block(client, lang):
    lesson = LIBRARY.get(lang, "daemon-sockets")
    block = next(b for b in lesson.code_blocks if b.request is not None)
    answer = client.post(f"/{lang}/lessons/daemon-sockets/try/{block.number}", data={"command": block.code})
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert f'id="try-{block.number}-result"' in html
    result = html.split(f'id="try-{block.number}-result"', 1)[1]
    assert '<span class="badge s2xx">200</span>' in result
    assert "/_ping" in result and "DOCKER_HOST=tcp://127.0.0.1:" in result
    assert f'action="/{lang}/lessons/daemon-sockets/try/{block.number}#try-{block.number}"' in html


def test_try_it_with_htmx_returns_the_card_only(client):
    command = ("curl -s --unix-socket /var/run/docker.sock -d '{\"Image\":\"alpine\"}' "
               "http://localhost/v1.55/containers/create")
    lesson = LIBRARY.get("en", "misconceptions")
    block = next(b for b in lesson.code_blocks if b.request is not None)
    answer = client.post(f"/en/lessons/misconceptions/try/{block.number}", data={"command": command},
                         headers={"HX-Request": "true"})
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert "<html" not in html
    assert '<span class="badge s4xx">400</span>' in html
    assert "Content-Type: application/x-www-form-urlencoded" in html  # what curl -d sends without -H
    assert "unsupported Content-Type header" in html


def test_try_it_pull_streams_json_lines_and_a_second_call_sees_the_same_sandbox(client):
    lesson = LIBRARY.get("en", "pull-endpoint")
    pull = next(b for b in lesson.code_blocks if b.request is not None and "images/create" in b.code)
    answer = client.post(f"/en/lessons/pull-endpoint/try/{pull.number}", headers={"HX-Request": "true"})
    html = answer.get_data(as_text=True)
    assert '<span class="badge s2xx">200</span>' in html and 'class="json-lines"' in html
    assert "Downloaded newer image for alpine:latest" in html
    again = client.post(f"/en/lessons/pull-endpoint/try/{pull.number}", headers={"HX-Request": "true"})
    assert "Image is up to date for alpine:latest" in again.get_data(as_text=True)


@pytest.mark.parametrize(
    ("lang", "command", "reason", "words"),
    [
        ("en", "curl -s --unix-socket /var/run/docker.sock http://localhost/_ping | od -c", "shell_operator",
         "is a shell operator"),
        ("fr", "curl -s --unix-socket /var/run/docker.sock http://localhost/_ping | od -c", "shell_operator",
         "est un opérateur du shell"),
        ("en", "curl --unix-socket /var/run/docker.sock http:/v1.24/_ping", "single_slash", "single slash"),
        ("fr", "curl --unix-socket /var/run/docker.sock http:/v1.24/_ping", "single_slash", "barre oblique"),
        ("en", "curl -k --unix-socket /var/run/docker.sock http://localhost/_ping", "option", "-k is not supported"),
        ("en", "rm -rf /", "not_curl", "only curl commands"),
        ("fr", 'curl --unix-socket /var/run/docker.sock "http://localhost/v1.55/containers/$ID/json"',
         "shell_expansion", "substituer une valeur"),
        ("en", "curl --unix-socket /var/run/docker.sock http://localhost/../../etc/passwd", "path",
         "not an Engine API call"),
        ("en", "curl --unix-socket /var/run/docker.sock http://localhost/v1.55/../../sandboxes/x/_ping", "path",
         "not an Engine API call"),
        ("en", "curl http://localhost/_ping", "socket", "--unix-socket /var/run/docker.sock"),
        ("en", "curl --unix-socket /var/run/docker.sock http://example.com/_ping", "url", "http://localhost/"),
        ("en", "curl -H 'Upgrade: tcp' --unix-socket /var/run/docker.sock http://localhost/_ping", "header_refused",
         "belongs to the connection"),
        ("fr", "curl --unix-socket /var/run/docker.sock 'http://localhost/_ping", "unbalanced_quotes",
         "guillemet"),
        ("en", "", "empty", "there is no command"),
    ],
)
def test_refused_commands_get_the_reason_in_the_page_language(client, lang, command, reason, words):
    with pytest.raises(CurlRefused) as refused:
        parse_curl(command)
    assert refused.value.reason == reason
    lesson = LIBRARY.get(lang, "daemon-sockets")
    block = next(b for b in lesson.code_blocks if b.request is not None)
    url = f"/{lang}/lessons/daemon-sockets/try/{block.number}"
    plain = client.post(url, data={"command": command})
    assert plain.status_code == 400
    assert words in plain.get_data(as_text=True)
    assert 'class="try-refused"' in plain.get_data(as_text=True)
    assert "Traceback" not in plain.get_data(as_text=True)
    swapped = client.post(url, data={"command": command}, headers={"HX-Request": "true"})
    assert swapped.status_code == 200 and words in swapped.get_data(as_text=True)
    assert "<html" not in swapped.get_data(as_text=True)


def test_try_it_refuses_blocks_that_are_not_requests(client):
    lesson = LIBRARY.get("en", "cli-on-the-wire")
    other = next(b for b in lesson.code_blocks if b.request is None)
    assert client.post(f"/en/lessons/cli-on-the-wire/try/{other.number}").status_code == 404
    assert client.post("/en/lessons/cli-on-the-wire/try/999").status_code == 404
    assert client.post("/en/lessons/nosuch/try/1").status_code == 404


def test_try_it_against_a_real_daemon_only_sends_the_lessons_own_commands(mock_engine):
    from hellotrace.docker_host import parse_docker_host

    # The mock engine stands in for "a real daemon" here: what matters is that the site was told to use one.
    app = site_app(HELLOTRACE_ENGINE=mock_engine, HELLOTRACE_DAEMON=parse_docker_host(mock_engine.docker_host_unix))
    client = app.test_client()
    lesson = LIBRARY.get("en", "daemon-sockets")
    block = next(b for b in lesson.code_blocks if b.request is not None)
    url = f"/en/lessons/daemon-sockets/try/{block.number}"
    assert "badge s2xx" in client.post(url, data={"command": block.code}).get_data(as_text=True)
    edited = client.post(url, data={"command": "curl --unix-socket /var/run/docker.sock http://localhost/v1.55/info"})
    assert edited.status_code == 400
    assert "only receives the lessons&#39; own commands" in edited.get_data(as_text=True)


@pytest.mark.parametrize(
    ("command", "method", "target", "headers", "body"),
    [
        ("curl -sI --unix-socket /var/run/docker.sock http://localhost/_ping", "HEAD", "/_ping", (), None),
        ("curl -s -XPOST --unix-socket /var/run/docker.sock http://localhost/v1.55/containers/x/start", "POST",
         "/v1.55/containers/x/start", (), None),
        ("curl -s -o /dev/null -w '%{http_code}\\n' --unix-socket /var/run/docker.sock -X DELETE "
         "http://localhost/v1.55/containers/curl-demo", "DELETE", "/v1.55/containers/curl-demo", (), None),
        ("curl -s --unix-socket=/var/run/docker.sock -H 'Content-Type: application/json' -d '{\"a\":1}' "
         "'http://localhost/v1.55/containers/create?name=x'", "POST", "/v1.55/containers/create?name=x",
         (("Content-Type", "application/json"),), b'{"a":1}'),
        ("curl --unix-socket /var/run/docker.sock -d a=1 -d b=2 http://localhost/v1.55/build", "POST",
         "/v1.55/build", (("Content-Type", "application/x-www-form-urlencoded"),), b"a=1&b=2"),
        ("curl -s \\\n  --unix-socket /var/run/docker.sock http://localhost/v1.55/version", "GET", "/v1.55/version",
         (), None),
    ],
)
def test_parse_curl_reads_the_options_the_lessons_use(command, method, target, headers, body):
    request = parse_curl(command)
    assert (request.method, request.target, request.headers, request.body) == (method, target, headers, body)


def test_parse_curl_picks_the_stream_kind_from_the_endpoint():
    def kind(url: str, *options: str) -> str:
        return parse_curl(" ".join(["curl", *options, "--unix-socket", LESSON_SOCKET, f"'{url}'"])).stream

    assert kind("http://localhost/v1.55/images/create?fromImage=alpine&tag=latest", "-X", "POST") == "json-lines"
    assert kind("http://localhost/v1.55/containers/x/logs?stdout=1") == "stdcopy"
    assert kind("http://localhost/v1.55/version") == "none"


# --- docker pull, the one docker command Try it sends ---------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "target"),
    [
        ("docker pull -q alpine", "/v1.55/images/create?fromImage=docker.io%2Flibrary%2Falpine&tag=latest"),
        ("docker pull alpine", "/v1.55/images/create?fromImage=docker.io%2Flibrary%2Falpine&tag=latest"),
        ("docker pull --quiet busybox:1.36.1",
         "/v1.55/images/create?fromImage=docker.io%2Flibrary%2Fbusybox&tag=1.36.1"),
        ("docker pull someone/app:v2", "/v1.55/images/create?fromImage=docker.io%2Fsomeone%2Fapp&tag=v2"),
        ("docker pull ghcr.io/x/y@sha256:" + "a" * 64,
         "/v1.55/images/create?fromImage=ghcr.io%2Fx%2Fy&tag=sha256%3A" + "a" * 64),
    ],
)
def test_docker_pull_becomes_the_request_the_cli_sends(command, target):
    request = parse_command(command)
    assert (request.method, request.target, request.body, request.via) == ("POST", target, None, "docker")
    assert request.headers == (("X-Registry-Auth", "e30="),)
    assert request.stream == "json-lines"


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        ("docker run alpine", "docker_command"),
        ("docker pull", "docker_command"),
        ("docker pull -a alpine", "docker_command"),
        ("docker pull --platform linux/arm64 alpine", "docker_command"),
        ("docker pull alpine busybox", "docker_command"),
        ("docker pull Alpine", "image_reference"),
        ("docker pull -q alpine && docker images", "shell_operator"),
        ("docker pull -q alpine\ndocker pull -q busybox", "several_commands"),
        ("wget http://localhost/_ping", "not_curl"),
    ],
)
def test_other_docker_commands_are_refused_with_a_reason(command, reason):
    with pytest.raises(CurlRefused) as refused:
        parse_command(command)
    assert refused.value.reason == reason
    with pytest.raises(CurlRefused):
        parse_curl(command)  # the curl reader alone never takes a docker command




@pytest.mark.docker_cli
def test_the_real_cli_sends_what_try_it_sends_for_docker_pull(mock_engine, tmp_path):
    require_tools("docker")
    seen = recorded(mock_engine)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
           "DOCKER_CONFIG": str(tmp_path / ".docker")}
    done = subprocess.run(["docker", "-H", mock_engine.docker_host_tcp, "pull", "-q", "busybox:1.36.1"], env=env,
                          capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    pull = next(request for request in seen if request.path.endswith("/images/create"))
    ours = parse_command("docker pull -q busybox:1.36.1")
    # The same query and credentials; only the version prefix differs (CLI 28.2.2 stops at API 1.50).
    assert re.sub(r"^/v1\.\d+", "", pull.target) == re.sub(r"^/v1\.\d+", "", ours.target)
    assert pull.method == ours.method
    assert pull.header("X-Registry-Auth") == "e30="


@pytest.mark.parametrize(("lang", "slug", "name"), [("en", "curl-options", "curl-demo"),
                                                    ("fr", "container-endpoints", "hello-curl")])
def test_on_a_fresh_sandbox_try_it_pulls_the_image_then_creates(client, lang, slug, name):
    lesson = LIBRARY.get(lang, slug)
    pull = next(b for b in lesson.code_blocks if b.code.strip() == "docker pull -q alpine")
    create = next(b for b in lesson.code_blocks if b.request is not None and f"name={name}" in b.code)
    page = client.get(f"/{lang}/lessons/{slug}").get_data(as_text=True)
    assert f'action="/{lang}/lessons/{slug}/try/{pull.number}#try-{pull.number}"' in page
    hint = {"en": "sends the request the docker CLI makes", "fr": "envoie la requête que fait la CLI docker"}
    assert hint[lang] in page
    pulled = client.post(f"/{lang}/lessons/{slug}/try/{pull.number}", headers={"HX-Request": "true"})
    html = pulled.get_data(as_text=True)
    assert '<span class="badge s2xx">200</span>' in html and 'class="json-lines"' in html
    assert "fromImage=docker.io%2Flibrary%2Falpine&amp;tag=latest" in html and "X-Registry-Auth" in html
    assert "Downloaded newer image for alpine:latest" in html
    created = client.post(f"/{lang}/lessons/{slug}/try/{create.number}", headers={"HX-Request": "true"})
    assert '<span class="badge s2xx">201</span>' in created.get_data(as_text=True)


@pytest.mark.parametrize(
    ("lang", "command", "words"),
    [
        ("en", "docker run alpine", "the only docker command Try it sends is docker pull"),
        ("fr", "docker run alpine", "la seule commande docker que"),
        ("en", "docker pull Alpine", "not an image name the docker CLI accepts"),
        ("fr", "docker pull Alpine", "n&#39;est pas un nom d&#39;image que la CLI docker accepte"),
    ],
)
def test_a_docker_command_try_it_cannot_send_is_explained(client, lang, command, words):
    lesson = LIBRARY.get(lang, "curl-options")
    pull = next(b for b in lesson.code_blocks if b.request is not None and b.request.via == "docker")
    answer = client.post(f"/{lang}/lessons/curl-options/try/{pull.number}", data={"command": command})
    assert answer.status_code == 400
    assert words in answer.get_data(as_text=True)


# --- each command for the reader's own sandbox ----------------------------------------------------------------


def test_curl_commands_are_rewritten_for_a_sandbox_a_socket_or_nothing():
    command = "curl -s --unix-socket /var/run/docker.sock -X POST 'http://localhost/v1.55/containers/x/start'"
    sandbox = curl_target(parse_docker_host("tcp://127.0.0.1:2375/sandboxes/abc"))
    assert sandbox.text == "http://127.0.0.1:2375/sandboxes/abc"
    assert sandbox.rewrite(command) == "curl -s -X POST 'http://127.0.0.1:2375/sandboxes/abc/v1.55/containers/x/start'"
    assert sandbox.rewrite("docker ps") == "docker ps"
    # The one-slash trap means something else over TCP: no version rather than a wrong one.
    assert sandbox.rewrite("curl -s --unix-socket /var/run/docker.sock http:/v1.24/_ping") is None
    other = curl_target(parse_docker_host("unix:///run/my docker.sock"))
    assert other.text == "--unix-socket '/run/my docker.sock' http://localhost"
    assert other.rewrite(command) == command.replace("/var/run/docker.sock", "'/run/my docker.sock'")
    same = curl_target(parse_docker_host("unix:///var/run/docker.sock"))
    assert same.rewrite(command) == command
    assert curl_target(parse_docker_host("tcp://localhost:2375/docker/")).text == "http://localhost:2375/docker"
    for unreachable in ("ssh://me@host", "npipe:////./pipe/docker_engine", "tcp://[::1]:2375"):
        assert curl_target(parse_docker_host(unreachable)) is None
    assert curl_target(parse_docker_host("tcp://h:2376", tls=True)) is None


# Lines that show the request itself, which changes with the address (curl -v's `> GET`, `> Host`).
REQUEST_LINES = re.compile(r"^> (GET|HEAD|POST|DELETE) |^> Host: ")


@pytest.mark.docker_cli
@pytest.mark.timeout(180)
@pytest.mark.parametrize("slug", [lesson.slug for lesson in LIBRARY.lessons("en")])
def test_every_lesson_runs_from_a_sandbox_with_the_commands_the_page_offers(mock_engine, tmp_path, slug):
    """What a reader without Docker does: export the sandbox's DOCKER_HOST, paste each block's sandbox version."""
    require_tools("bash", "docker", "curl", "python3")
    lesson = LIBRARY.get("en", slug)
    docker_host = mock_engine.sandbox_host(f"lesson{slug.replace('-', '')}")
    target = curl_target(parse_docker_host(docker_host))
    blocks, skipped = [], []
    for block in (b for b in lesson.code_blocks if b.runnable):
        command = target.rewrite(block.code)
        if command is None:
            skipped.append(block)
            continue
        assert LESSON_SOCKET not in command and "http://localhost" not in command
        blocks.append(CodeBlock(block.number, block.lang, command, block.line))
    assert all("http:/v1" in block.code for block in skipped)  # only the one-slash trap has no TCP version
    home = tmp_path / "home"
    (home / ".docker").mkdir(parents=True)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home),
           "DOCKER_CONFIG": str(home / ".docker"), "DOCKER_HOST": docker_host, "LANG": "C.UTF-8"}
    done = subprocess.run(["bash", "-c", build_script(blocks, LESSON_SOCKET)], env=env, cwd=tmp_path,
                          capture_output=True, timeout=150)
    outputs = split_outputs(done.stdout.decode("utf-8", "replace"))
    assert done.returncode == 0 and "end" in outputs, done.stdout.decode("utf-8", "replace")[-2000:]
    problems = []
    for number, expected in expected_outputs(lesson.code_blocks).items():
        if str(number) not in outputs:
            continue
        wanted = "\n".join(line for line in expected.split("\n") if not REQUEST_LINES.match(line))
        got = "\n".join(line for line in outputs[str(number)].split("\n") if not REQUEST_LINES.match(line))
        mismatch = output_matches(wanted, got.replace(target.url, "http://localhost"))
        if mismatch:
            problems.append(f"block {number}: {mismatch}")
    assert not problems, f"{lesson.path}:\n" + "\n".join(problems)
