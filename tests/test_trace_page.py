"""The trace page: a visitor sees what reached their own sandbox (and nobody else's), explained and grouped,
on the page and live over Server-Sent Events, and exports it as HAR 1.2."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time

import pytest

from app import create_app
from hellotrace.har import parse_har
from tests.conftest import site_app
from tests.interface_text import translated as text
from tests.test_docker_cli import DOCKER, docker
from tests.test_har import check_har
from tests.test_trace_store import traced_engine, wait_finished  # noqa: F401 - a fixture

pytestmark = pytest.mark.skipif(DOCKER is None and os.environ.get("CI") != "true",
                                reason="the docker CLI is not installed")
TAG = re.compile(r"<[^>]+>")
needs_curl = pytest.mark.skipif(shutil.which("curl") is None and os.environ.get("CI") != "true",
                                reason="curl is not installed")


def curl(engine, token: str, path: str, *flags: str) -> subprocess.CompletedProcess:
    """curl in a terminal, at the sandbox's address on the engine's TCP port."""
    host, port = engine.tcp_address
    return subprocess.run(["curl", "-sS", *flags, f"http://{host}:{port}/sandboxes/{token}/{path}"],
                          capture_output=True, timeout=30, check=False)


@pytest.fixture
def trace_app(traced_engine):  # noqa: F811
    engine, store = traced_engine
    app = create_app({"TESTING": True}, engine=engine, trace=store)
    return app, engine, store


def visitor_token(client) -> str:
    client.get("/en/trace")
    with client.session_transaction() as session:
        return session["visitor"]


def test_page_shows_own_sandbox_explained_and_grouped(trace_app):
    app, engine, store = trace_app
    alice, bob = app.test_client(), app.test_client()
    token = visitor_token(alice)
    assert docker(engine.sandbox_host(token), "ps", "-a").returncode == 0
    assert docker(engine.sandbox_host(token), "run", "--rm", "hello-world").returncode == 0
    wait_finished(store, token, 9)
    page = alice.get("/en/trace").get_data(as_text=True)
    assert page.count('class="invocation"') == 2
    assert page.index("<code>docker run --rm hello-world</code>") < page.index("<code>docker ps -a</code>")
    assert "GET /containers/json" in page and "HEAD /_ping" in page
    assert "Lists containers" in page and "/en/lessons/container-endpoints" in page
    assert "404: the image is not there" in page
    assert "101: the daemon took over the connection" in page
    assert f"export DOCKER_HOST=tcp://127.0.0.1:{engine.tcp_address[1]}/sandboxes/{token}" in page
    other = bob.get("/en/trace").get_data(as_text=True)
    assert "GET /containers/json" not in other and "Nothing has reached your sandbox yet." in other
    french = alice.get("/fr/trace").get_data(as_text=True)
    assert "Liste les conteneurs" in french and "envoyée par" in french


def test_live_stream_sends_new_exchanges_within_a_moment(trace_app):
    app, engine, store = trace_app
    client = app.test_client()
    token = visitor_token(client)
    started = time.monotonic()
    response = client.get("/en/trace/events?after=0&seq=0", buffered=False)
    assert response.mimetype == "text/event-stream"
    assert time.monotonic() - started < 1, "the stream must open at once, not at the first keep-alive"
    chunks: list[tuple[float, str]] = []
    sent: list[float] = []

    def run_cli() -> None:
        time.sleep(0.2)
        sent.append(time.monotonic())
        docker(engine.sandbox_host(token), "ps", "-a")

    threading.Thread(target=run_cli, daemon=True).start()
    for chunk in response.response:  # the stream's generator needs the request context of this thread
        chunks.append((time.monotonic(), chunk if isinstance(chunk, str) else chunk.decode()))
        if "GET /containers/json" in chunks[-1][1] or time.monotonic() > sent[0] + 20 if sent else False:
            break
    response.close()
    arrived = [at for at, text in chunks if "GET /containers/json" in text]
    assert arrived and arrived[0] - sent[0] < 2, chunks
    text = "".join(text for _, text in chunks)
    assert 'hx-swap-oob="afterbegin:#trace-groups"' in text and "docker ps -a" in text


def test_events_refuse_a_bad_cursor(trace_app):
    app, _, _ = trace_app
    client = app.test_client()
    visitor_token(client)
    assert client.get("/en/trace/events?after=x").status_code == 400


def test_the_trace_exports_as_valid_har_one_page_per_command(trace_app):
    app, engine, store = trace_app
    client = app.test_client()
    token = visitor_token(client)
    assert docker(engine.sandbox_host(token), "ps", "-a").returncode == 0
    assert docker(engine.sandbox_host(token), "run", "--rm", "hello-world").returncode == 0
    records = wait_finished(store, token, 9)
    answer = client.get("/en/trace/export.har")
    assert answer.status_code == 200 and "attachment" in answer.headers["Content-Disposition"]
    document = json.loads(answer.data)
    check_har(document)
    assert [page["title"] for page in document["log"]["pages"]] == ["docker ps -a", "docker run --rm hello-world"]
    assert len(document["log"]["entries"]) == len(records) == 9
    back = parse_har(answer.data)
    assert [(e.method, e.target, e.status) for e in back.exchanges] == [
        (r.method, r.exchange.target, r.status) for r in records]
    assert client.get("/fr/trace/export.har").status_code == 200


@needs_curl
def test_curl_requests_are_grouped_under_curl_not_a_docker_command(trace_app):
    app, engine, store = trace_app
    client = app.test_client()
    token = visitor_token(client)
    result = curl(engine, token, "v1.55/containers/json?all=1")
    assert result.returncode == 0
    wait_finished(store, token, 1)
    page = client.get("/en/trace").get_data(as_text=True)
    assert re.search(r"<h2>GET /v1.55/containers/json\?all=1, sent by curl/[\d.]+</h2>", page)
    assert "GET /containers/json" in page and "<h2><code>docker ps</code></h2>" not in page


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_requests_with_no_user_agent_are_said_so_and_a_bad_body_is_not_called_a_parameter(trace_app, lang):
    """A request written by hand without a User-Agent was grouped as "Requests from ?", and a 400 for a body the
    daemon could not read was explained as "the daemon refused a parameter"."""
    app, engine, store = trace_app
    client = app.test_client()
    token = visitor_token(client)
    host, port = engine.tcp_address
    with socket.create_connection((host, port), timeout=5) as connection:
        body = b"{not json"
        connection.sendall(b"POST /sandboxes/" + token.encode() + b"/v1.55/containers/create HTTP/1.1\r\n"
                           b"Host: localhost\r\nContent-Type: application/json\r\nConnection: close\r\n"
                           b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        assert connection.recv(64).startswith(b"HTTP/1.1 400 ")
    wait_finished(store, token, 1)
    page = html.unescape(client.get(f"/{lang}/trace").get_data(as_text=True))
    assert text("Requests with no User-Agent", lang) in page and "Requests from ?" not in page
    assert text("400: the daemon refused the request as it was written (a parameter, its body or a header: the "
                "message says which).", lang) in page


def test_past_the_bound_a_long_stream_is_turned_away_with_a_retry_and_its_slot_comes_back(trace_app):
    from hellotrace.web.live_streams import install_stream_slots

    app, _, _ = trace_app
    install_stream_slots(app, 1)
    try:
        first, second = app.test_client(), app.test_client()
        visitor_token(first), visitor_token(second)
        held = first.get("/en/trace/events?after=0&seq=0", buffered=False)
        assert next(iter(held.response)) == b": connected\n\n"
        turned_away = second.get("/en/trace/events?after=0&seq=0", buffered=False)
        text = turned_away.get_data(as_text=True)
        assert turned_away.status_code == 200 and turned_away.mimetype == "text/event-stream"
        assert re.match(r"retry: \d{4}\n: this server holds as many live streams as it can", text), text
        held.close()  # the first page went away: its slot is free again
        again = second.get("/en/trace/events?after=0&seq=0", buffered=False)
        assert next(iter(again.response)) == b": connected\n\n"
        again.close()
        never_read = first.get("/en/trace/events?after=0&seq=0", buffered=False)
        never_read.close()  # closed before its first message: the slot comes back all the same
        assert app.extensions["hellotrace.stream_slots"].open == 0
    finally:
        app.extensions.pop("hellotrace.stream_slots")


def test_the_replays_own_requests_are_not_put_down_to_a_docker_command(traced_engine):  # noqa: F811
    """The replay's requests reach the visitor's sandbox too, and the trace shows them under hellotrace's name:
    no "← docker version" beside them, since no docker command sent them."""
    engine, store = traced_engine
    app = site_app(engine, store)
    client = app.test_client()
    token = visitor_token(client)
    assert client.post("/en/replay/run", data={"step": "1"}).status_code == 303
    deadline = time.monotonic() + 10
    while "HEAD /_ping" not in (page := client.get("/en/trace").get_data(as_text=True)):
        assert time.monotonic() < deadline, "the replay's requests never reached the trace"
        time.sleep(0.1)
    assert "Requests from hellotrace/" in page and 'class="command"' not in page
    assert docker(engine.sandbox_host(token), "version").returncode == 0
    wait_finished(store, token, 4)
    assert '<code class="command">docker version</code>' in client.get("/en/trace").get_data(as_text=True)


def headings(client) -> list[str]:
    """The trace page's run headings as text, newest first."""
    page = client.get("/en/trace").get_data(as_text=True)
    found = re.findall(r'class="invocation-head"[^>]*>\s*<h2>(.*?)</h2>', page, re.S)
    return [html.unescape(TAG.sub("", head)) for head in found]


def test_each_command_is_named_by_what_it_did_not_by_the_inspect_before_it(trace_app):
    app, engine, store = trace_app
    client = app.test_client()
    token = visitor_token(client)
    host = engine.sandbox_host(token)
    created = docker(host, "create", "hello-world")
    if created.returncode != 0:  # the image is pulled first by a run
        assert docker(host, "pull", "hello-world").returncode == 0
        created = docker(host, "create", "hello-world")
    container = created.stdout.strip()
    assert docker(host, "logs", container).returncode == 0
    assert docker(host, "inspect", container).returncode == 0
    assert docker(host, "inspect", "nosuch").returncode != 0  # looked up as each kind of object in turn
    assert docker(host, "logs", "gone").returncode != 0  # only the inspect before the logs: it could be either
    assert docker(host, "run", "--rm", "-i", "--name", "greeter", "hello-world", "/hello", "a b").returncode == 0
    wait_finished(store, token, 12)
    heads = headings(client)
    short = container[:12]
    assert heads[:4] == ["docker run --name greeter -i --rm hello-world /hello 'a b'",
                         "docker inspect gone or docker logs gone or docker start -a gone or docker exec gone or "
                         "docker port gone",
                         # A found container's inspect is all that docker port sends too.
                         "docker inspect nosuch", f"docker inspect {short} or docker port {short}"], heads
    assert f"docker logs {container[:12]}" in heads and "docker create hello-world" in heads, heads


def test_an_exec_is_headed_with_its_command_and_a_remove_with_every_name(trace_app):
    """`docker exec one echo hi` was headed `docker exec one`; `docker rm -f one two`, `docker rm -f two` (the CLI
    removes each in a call of its own, at once, in no set order)."""
    app, engine, store = trace_app
    client = app.test_client()
    token = visitor_token(client)
    host = engine.sandbox_host(token)
    for name in ("one", "two"):
        assert docker(host, "run", "-d", "--name", name, "busybox", "sleep", "100").returncode == 0
    assert docker(host, "exec", "one", "echo", "hello world").returncode == 0
    assert docker(host, "rm", "-f", "one", "two").returncode == 0
    wait_finished(store, token, 14)
    heads = headings(client)
    assert heads[0] in ("docker rm -f one two", "docker rm -f two one"), heads
    assert heads[1] == "docker exec one echo 'hello world'", heads


def test_a_tty_run_is_shown_as_a_raw_stream_not_as_empty_frames(trace_app):
    app, engine, store = trace_app
    client = app.test_client()
    token = visitor_token(client)
    ran = docker(engine.sandbox_host(token), "run", "-t", "--rm", "hello-world")
    assert ran.returncode == 0 and "Hello from" in ran.stdout, ran.stderr
    wait_finished(store, token, 6)
    page = client.get("/en/trace").get_data(as_text=True)
    assert "Raw stream: a TTY, so no 8-byte frame headers" in page
    assert "Frames (8-byte header, then payload)" not in page
    assert "\x00" not in page


@needs_curl
def test_curl_is_not_said_to_be_docker_and_an_unknown_path_is_not_a_missing_object(trace_app):
    app, engine, store = trace_app
    client = app.test_client()
    token = visitor_token(client)
    curl(engine, token, "_ping", "-I")
    curl(engine, token, "v1.55/nonexistent")
    wait_finished(store, token, 2)
    page = html.unescape(TAG.sub("", client.get("/en/trace").get_data(as_text=True)))
    assert re.search(r"— the same request as:\s+docker …", page) and "sent by" not in page
    assert "No endpoint of the Engine API has this method and path." in page
    assert "404, page not found: the daemon has no such endpoint" in page and "no such object" not in page


@pytest.mark.parametrize(("image", "error", "explained", "not_said", "held"), [
    # `docker pull nginx` fails on the mock as Docker Hub fails for a name it lacks: the page says why here.
    ("nginx", "pull access denied for nginx", "pulls from a registry of its own that holds only alpine, busybox, "
     "hello-world", "this tag", "alpine, busybox, hello-world"),
    # The repository is there, not the tag: the daemon says `…: not found`, and the page that the tag is missing,
    # with the tags there are.
    ("alpine:3.0", "docker.io/library/alpine:3.0: not found",
     "the registry has this repository, but not this tag or digest. hellotrace's mock engine pulls from a registry "
     "of its own, whose tags of this repository are 20260805, 3, 3.21", "no such repository", "20260805, 3, 3.21"),
])
def test_a_pull_the_mock_registry_cannot_serve_says_why(trace_app, image, error, explained, not_said, held):
    app, engine, store = trace_app
    client = app.test_client()
    token = visitor_token(client)
    pulled = docker(engine.sandbox_host(token), "pull", image)
    assert pulled.returncode != 0 and error in pulled.stderr, pulled.stderr
    wait_finished(store, token, 2)
    page = html.unescape(TAG.sub("", client.get("/en/trace").get_data(as_text=True)))
    assert explained in page and error in page and not_said not in page, page[-3000:]
    page = html.unescape(TAG.sub("", client.get("/fr/trace").get_data(as_text=True)))
    assert held in page and "Docker Hub" in page


def test_a_container_is_headed_by_the_name_typed_not_the_id_the_cli_went_on_with(trace_app):
    """`docker logs NAME` inspects NAME, then asks for the logs of the ID the inspect answered."""
    app, engine, store = trace_app
    client = app.test_client()
    token = visitor_token(client)
    host = engine.sandbox_host(token)
    ran = docker(host, "run", "-d", "--name", "calm_thompson", "busybox", "sleep", "100")
    assert ran.returncode == 0, ran.stderr
    container = ran.stdout.strip()
    assert docker(host, "logs", "calm_thompson").returncode == 0
    assert docker(host, "logs", container[:5]).returncode == 0  # an ID prefix the user typed stays as typed
    wait_finished(store, token, 11)
    heads = headings(client)
    assert heads[:2] == [f"docker logs {container[:5]}", "docker logs calm_thompson"], heads


def test_the_options_the_requests_show_are_in_the_headings(trace_app):
    """Query flags (rm -f, stop -t, images -a, ps --filter/--last) and the create body's -p, -e and -w, and no more:
    not the image's own Env, which the daemon adds and the CLI never sends."""
    app, engine, store = trace_app
    client = app.test_client()
    token = visitor_token(client)
    host = engine.sandbox_host(token)
    commands = [("run", "-d", "--name", "bg", "-p", "8080:80", "-p", "127.0.0.1::53/udp", "busybox", "sleep", "100"),
                ("port", "bg"), ("stop", "-t", "1", "bg"),
                ("rm", "-f", "bg"), ("images", "-a"), ("images",),
                ("ps", "-a", "--filter", "status=exited", "--filter", "name=a b", "--last", "2"),
                ("run", "-e", "FOO=bar", "-e", "SAY=hello world", "-w", "/tmp", "alpine", "env"),
                ("logs", "bg")]  # the default tail=all it sends is not an option given
    for command in commands:
        assert docker(host, *command).returncode == (1 if command[0] == "logs" else 0), command
    wait_finished(store, token, 27)
    heads = headings(client)
    # The CLI puts the -e values in the body in an order of its own, which the heading keeps.
    assert heads[1] in ("docker run -e FOO=bar -e 'SAY=hello world' -w /tmp alpine env",
                        "docker run -e 'SAY=hello world' -e FOO=bar -w /tmp alpine env"), heads
    heads[1] = "docker run …"
    assert heads == ["docker inspect bg or docker logs bg or docker start -a bg or docker exec bg or docker port bg",
                     "docker run …",
                     "docker ps -a --filter 'name=a b' --filter status=exited --last 2",  # Go sorts the keys
                     "docker images", "docker images -a", "docker rm -f bg", "docker stop -t 1 bg",
                     "docker inspect bg or docker port bg",
                     "docker run -d --name bg -p 127.0.0.1::53/udp -p 8080:80 busybox sleep 100"], heads
    assert "PATH=" not in " ".join(heads)


def test_a_pull_is_headed_by_the_name_the_user_would_type(trace_app):
    """The CLI sends fromImage=docker.io/library/busybox&tag=latest; the heading says it as typed, the way the
    CLI's own familiar form does (a tag other than latest kept; none at all for every tag, -a)."""
    app, engine, store = trace_app
    client = app.test_client()
    token = visitor_token(client)
    host = engine.sandbox_host(token)
    for command in (("pull", "busybox"), ("pull", "alpine:3.21"), ("pull", "-a", "hello-world"),
                    ("pull", "docker.io/library/busybox:latest")):
        assert docker(host, *command).returncode == 0, command
    wait_finished(store, token, 8)
    assert headings(client) == ["docker pull busybox", "docker pull -a hello-world", "docker pull alpine:3.21",
                                "docker pull busybox"]


def live_update(client, engine, token: str, after: int, seq: int) -> str:
    """The first live message after a `docker ps` run, for a page drawn at store version `after`, exchange `seq`."""
    response = client.get(f"/en/trace/events?after={after}&seq={seq}", buffered=False)
    chunks = iter(response.response)
    assert next(chunks) == b": connected\n\n"
    assert docker(engine.sandbox_host(token), "ps").returncode == 0
    text = ""
    deadline = time.monotonic() + 20
    while "GET /containers/json" not in text:
        assert time.monotonic() < deadline, text
        chunk = next(chunks)
        text += chunk if isinstance(chunk, str) else chunk.decode()
    response.close()
    return text


def test_a_live_update_hides_the_empty_notice_only_on_a_page_that_has_it(trace_app):
    """The page says 'Nothing has reached your sandbox yet' only while it has no exchange; an out-of-band swap of
    that notice on a page drawn without it finds no target (htmx:oobErrorNoTarget in the console)."""
    app, engine, store = trace_app
    client = app.test_client()
    token = visitor_token(client)
    assert 'id="trace-empty"' in client.get("/en/trace").get_data(as_text=True)
    first = live_update(client, engine, token, 0, 0)
    assert 'id="trace-empty"' in first, first  # the empty page's notice is hidden
    records = wait_finished(store, token, 2)
    page = client.get("/en/trace").get_data(as_text=True)
    assert 'id="trace-empty"' not in page
    later = live_update(client, engine, token, max(r.version for r in records), max(r.seq for r in records))
    assert "docker ps" in later and 'id="trace-empty"' not in later, later


def test_docker_start_of_an_existing_container_is_one_run_named_as_typed(trace_app):
    """`docker start -a greeter` inspects `greeter`, then attaches (on a connection of its own) and starts by the
    ID it answered: one run, not an attach filed under the earlier `docker create`, headed as typed."""
    app, engine, store = trace_app
    client = app.test_client()
    token = visitor_token(client)
    host = engine.sandbox_host(token)
    assert docker(host, "create", "--name", "greeter", "hello-world").returncode == 0
    started = docker(host, "start", "-a", "greeter")
    assert started.returncode == 0 and "Hello from" in started.stdout, started.stderr
    assert docker(host, "start", "greeter").returncode == 0
    wait_finished(store, token, 6)
    page = client.get("/en/trace").get_data(as_text=True)
    found = re.findall(r'class="invocation-head"[^>]*>\s*<h2>(.*?)</h2>', page, re.S)
    heads = [html.unescape(TAG.sub("", head)) for head in found]
    assert heads[:3] == ["docker start greeter", "docker start -a greeter",
                         "docker create --name greeter hello-world"], heads


def test_the_sites_own_requests_come_folded_below_the_readers_commands(trace_app):
    """The replay page asks the sandbox's daemon its version when it opens: that group is folded and says who
    sent it, so that a student's own commands stand out; theirs stay open."""
    app, engine, store = trace_app
    client = app.test_client()
    token = visitor_token(client)
    client.get("/en/replay")  # the page's own ping and version, sent by hellotrace
    wait_finished(store, token, 2)
    assert docker(engine.sandbox_host(token), "ps").returncode == 0
    wait_finished(store, token, 4)
    page = client.get("/en/trace").get_data(as_text=True)
    own = re.search(r'<li class="invocation by-site" id="inv-\d+">\s*<details>\s*<summary class="invocation-head"'
                    r'.*?Requests from hellotrace/.*?Sent by hellotrace itself', page, re.S)
    assert own, "the site's own requests are not folded"
    assert re.search(r'<li class="invocation" id="inv-\d+">\s*<header class="invocation-head"[^>]*>\s*<h2><code>'
                     r'docker ps</code>', page)


def test_the_engines_other_endpoints_are_headed_with_the_command_that_sends_them(trace_app, tmp_path):
    """docker cp (both ways), diff, export and unpause, among others, were all headed 'Requests from
    Docker-Client/…': their endpoints were missing from the table. Commands as docker CLI 28 sends them
    (cli/command/container/cp.go: a HEAD stat of the path typed before copying into the container)."""
    app, engine, store = trace_app
    client = app.test_client()
    token = visitor_token(client)
    host = engine.sandbox_host(token)
    local = tmp_path / "note.txt"
    local.write_text("hi\n")
    commands = [("run", "-d", "--name", "web", "busybox", "sleep", "100"),
                ("cp", str(local), "web:/tmp/"), ("cp", "web:/etc/hostname", str(tmp_path / "hostname")),
                ("diff", "web"), ("export", "-o", str(tmp_path / "web.tar"), "web"),
                ("pause", "web"), ("unpause", "web"), ("unpause", "web"),  # not paused: a 500, named all the same
                ("rename", "web", "site"), ("top", "site", "-o", "pid"), ("update", "--cpus", "1", "site"),
                ("commit", "site", "shot:v1"), ("save", "-o", str(tmp_path / "images.tar"), "busybox", "shot:v1"),
                ("load", "-i", str(tmp_path / "images.tar")),
                ("network", "create", "lan"), ("network", "connect", "lan", "site"),
                ("network", "disconnect", "lan", "site"), ("network", "inspect", "lan"), ("network", "rm", "lan"),
                ("volume", "create", "data"), ("volume", "inspect", "data"), ("volume", "rm", "data")]
    for command in commands:
        ran = docker(host, *command)
        assert ran.returncode == 0 or "is not paused" in ran.stderr, (command, ran.stderr)
    wait_finished(store, token, 50)
    heads = headings(client)
    assert heads[:21][::-1] == [
        "docker cp … web:/tmp/", "docker cp web:/etc/hostname …", "docker diff web", "docker export web",
        "docker pause web", "docker unpause web", "docker unpause web", "docker rename web site",
        "docker top site -o pid", "docker update site", "docker commit site shot:v1",
        "docker save busybox shot:v1", "docker load", "docker network create lan", "docker network connect lan site",
        "docker network disconnect lan site", "docker network inspect lan", "docker network rm lan",
        "docker volume create data", "docker volume inspect data", "docker volume rm data"], heads


def test_attach_and_wait_are_not_said_to_be_docker_run_with_no_create_before_them(trace_app):
    """`docker attach L1` was headed 'docker run L1 or docker wait L1' and `docker wait k3` 'docker run k3 or docker
    wait k3'. docker attach waits and inspects at once, then attaches (cli/command/container/attach.go), and
    stops after the inspect when the container is not running; docker wait only waits; and no docker run sends
    any of these without a create first."""
    app, engine, store = trace_app
    client = app.test_client()
    token = visitor_token(client)
    host = engine.sandbox_host(token)
    assert docker(host, "run", "-d", "--name", "L1", "busybox", "sleep", "1").returncode == 0
    attached = docker(host, "attach", "L1")
    assert attached.returncode == 0, attached.stderr
    assert docker(host, "wait", "L1").returncode == 0
    stopped = docker(host, "attach", "L1")
    assert "You cannot attach to a stopped container" in stopped.stderr, stopped.stderr
    assert docker(host, "kill", "L1").returncode != 0  # not running: a 409, from docker kill all the same
    wait_finished(store, token, 14)
    assert headings(client)[:4] == ["docker kill L1", "docker attach L1", "docker wait L1", "docker attach L1"]


def test_a_runs_heading_keeps_the_options_its_create_body_carries(trace_app):
    """`docker run --rm --entrypoint echo alpine hi there` was headed `docker run --rm alpine hi there`, as if
    running a program `hi`; -u was dropped too. The fields are those cli/command/container/opts.go sets."""
    app, engine, store = trace_app
    client = app.test_client()
    token = visitor_token(client)
    host = engine.sandbox_host(token)
    ran = docker(host, "run", "--rm", "--entrypoint", "echo", "alpine", "hi", "there")
    assert ran.returncode == 0 and ran.stdout == "hi there\n", ran.stderr
    created = docker(host, "create", "-u", "1000:1000", "-h", "box", "-l", "course=docker 101", "--network", "none",
                     "-v", "/data", "-v", "cache:/cache", "--mount", "type=volume,source=logs,target=/logs,readonly",
                     "-w", "/tmp", "--entrypoint", "", "busybox", "sh")
    assert created.returncode == 0, created.stderr
    wait_finished(store, token, 9)
    assert headings(client)[:2] == [
        "docker create -w /tmp --entrypoint '' -u 1000:1000 -h box -l 'course=docker 101' --network none "
        "-v cache:/cache -v /data --mount type=volume,source=logs,target=/logs,readonly busybox sh",
        "docker run --rm --entrypoint echo alpine hi there"]


@needs_curl
def test_a_curl_heading_keeps_the_api_version_it_was_sent_with(trace_app):
    """`/v1.12/version`, `/v9.99/version`, `/v1/version` and `/version` were all headed 'GET /version, sent by
    curl/…': only the status told them apart, and the version is what it answers to."""
    app, engine, store = trace_app
    client = app.test_client()
    token = visitor_token(client)
    paths = ["v1.12/version", "v9.99/version", "v1/version", "version?x=1"]
    for path in paths:
        assert curl(engine, token, path).returncode == 0
    wait_finished(store, token, 4)
    heads = headings(client)
    assert [head.split(", sent by curl/")[0] for head in heads] == [f"GET /{path}" for path in reversed(paths)], heads
