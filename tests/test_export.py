"""The replay's exports over HTTP: the HAR file, and the bash script that a real bash and curl run again
against a fresh sandbox (tcp with a sandbox path, and unix), with the same answers as the replay got."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest

from hellotrace.curl_script import replay_script
from hellotrace.docker_host import parse_docker_host
from hellotrace.replay import STEPS
from hellotrace.tracing import TracedClient
from tests.interface_text import translated

UNSUPPORTED_HOST = "DOCKER_HOST=%(docker_host)s: this script speaks to unix:// and tcp:// daemons only."
NO_CONTAINER = ("No container was created above (see the daemon's answer to the create), so the calls that name "
                "it are not sent.")
NO_IMAGE = ("If it said 'No such image', the image is not on this daemon: pull it first (docker pull hello-world), "
            "then run this script again.")

ALREADY_CREATED = "The image was already there: the create above made the container, so this call is not sent."
UNREACHABLE = ("No answer from a daemon at %(docker_host)s (curl says why above): is it running, and is that the "
               "address DOCKER_HOST should name?")

CURL, BASH = shutil.which("curl"), shutil.which("bash")
needs_curl = pytest.mark.skipif((CURL is None or BASH is None) and os.environ.get("CI") != "true",
                                reason="bash and curl are needed to run the exported script")


def run_replay(client, lang: str, sequence: str):
    client.get(f"/{lang}/replay?sequence={sequence}")
    answer = client.post(f"/{lang}/replay/run", data={"step": "all", "sequence": sequence})
    assert answer.status_code == 303


def replay_of(app, client):
    with client.session_transaction() as session:
        token = session["visitor"]
    return app.extensions["hellotrace.visitors"].get(token).replay


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_har_export_is_a_download_with_every_exchange(app, client, lang):
    run_replay(client, lang, "cli")
    answer = client.get(f"/{lang}/replay/export.har")
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    assert answer.headers["Content-Disposition"] == 'attachment; filename="hellotrace-cli.har"'
    log = json.loads(answer.data)["log"]
    replay = replay_of(app, client)
    numbers = {ex.number for step in STEPS for ex in replay.steps[step].exchanges}
    assert len(log["entries"]) == len(numbers)
    title = "1. Le client contacte le démon" if lang == "fr" else "1. The client contacts the daemon"
    assert log["pages"][0]["title"] == title


def statuses(output: bytes) -> list[int]:
    return [int(code) for code in re.findall(rb"^HTTP/1\.1 (\d{3})", output, re.MULTILINE)]


@needs_curl
@pytest.mark.parametrize("sequence", ["recipe", "cli"])
@pytest.mark.parametrize("transport", ["tcp", "unix"])
def test_the_script_runs_again_on_a_fresh_sandbox_with_the_same_answers(app, client, mock_engine, sequence,
                                                                         transport):
    run_replay(client, "en", sequence)
    script = client.get("/en/replay/export.sh")
    assert script.status_code == 200 and script.mimetype == "text/x-shellscript"
    text = script.get_data(as_text=True)
    replay = replay_of(app, client)
    assert replay.address.path_prefix not in text  # the recorded sandbox is not baked in
    recorded = list({ex.number: ex.status for step in STEPS for ex in replay.steps[step].exchanges}.values())

    # A sandbox nobody used: tcp with its own path, or the default one behind the unix socket.
    host = mock_engine.sandbox_host(f"fresh{sequence}") if transport == "tcp" else f"unix://{mock_engine.unix_path}"
    env = {**os.environ, "DOCKER_HOST": host}
    ran = subprocess.run([BASH or "bash", "-c", text], capture_output=True, timeout=60, env=env, check=False)
    assert ran.returncode == 0, ran.stderr.decode()
    # The calls left open (attach, wait) were waited for until their answer's head came, not for 5 s each.
    assert b"No answer from the daemon" not in ran.stderr
    assert sorted(statuses(ran.stdout)) == sorted(recorded)
    assert statuses(ran.stdout)[:3] == recorded[:3]
    assert b"Hello from" in ran.stdout
    assert b'{"StatusCode":0}' in ran.stdout

    # The script's container is in that sandbox, exited 0, as the replay's is in the visitor's.
    with TracedClient(parse_docker_host(host)) as docker:
        listed = docker.list_containers(show_all=True).response.json()
    assert [c["Image"] for c in listed] == ["hello-world"] and "Exited (0)" in listed[0]["Status"]


@needs_curl
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_script_refuses_a_daemon_it_cannot_reach_and_says_why(client, lang):
    run_replay(client, lang, "recipe")
    text = client.get(f"/{lang}/replay/export.sh").get_data(as_text=True)
    ran = subprocess.run([BASH or "bash", "-c", text], capture_output=True, timeout=30, check=False,
                         env={**os.environ, "DOCKER_HOST": "ssh://me@example"})
    said = translated(UNSUPPORTED_HOST, lang, docker_host="ssh://me@example")
    assert ran.returncode == 2 and ran.stderr.decode() == said + "\n"


@needs_curl
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_script_says_in_the_pages_language_what_to_check_when_no_daemon_answers(client, lang, tmp_path):
    """curl's own error says that nothing answered (in English); the script then says what to check, in the
    language of the page it came from, and stops with curl's exit status."""
    run_replay(client, lang, "recipe")
    text = client.get(f"/{lang}/replay/export.sh").get_data(as_text=True)
    host = f"unix://{tmp_path}/nobody.sock"
    ran = subprocess.run([BASH or "bash", "-c", text], capture_output=True, timeout=30, check=False,
                         env={**os.environ, "DOCKER_HOST": host})
    assert ran.returncode == 7, ran.stderr.decode()
    said = ran.stderr.decode().splitlines()
    assert said[0].startswith("curl: (7)") and said[-1] == translated(UNREACHABLE, lang, docker_host=host)


@needs_curl
@pytest.mark.parametrize("sequence", ["recipe", "cli"])
def test_the_script_run_again_on_the_same_sandbox_makes_one_container_and_runs_it(client, mock_engine, sequence):
    """Run a second time, the recipe's first create found the image and made a container that nothing started,
    and step 3 made another: one container left "Created" each time. The pull and the later create are not
    sent then, and the script says why."""
    run_replay(client, "fr", sequence)
    text = client.get("/fr/replay/export.sh").get_data(as_text=True)
    host = mock_engine.sandbox_host(f"twice{sequence}")
    env = {**os.environ, "DOCKER_HOST": host}
    for _ in range(2):
        ran = subprocess.run([BASH or "bash", "-c", text], capture_output=True, timeout=60, env=env, check=False)
        assert ran.returncode == 0, ran.stderr.decode()
        assert b"Hello from" in ran.stdout and b'{"StatusCode":0}' in ran.stdout
    assert translated(ALREADY_CREATED, "fr") in ran.stderr.decode()
    with TracedClient(parse_docker_host(host)) as docker:
        listed = docker.list_containers(show_all=True).response.json()
    assert len(listed) == 2 and all("Exited (0)" in c["Status"] for c in listed), [c["Status"] for c in listed]


@needs_curl
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_script_stops_with_a_reason_when_no_container_was_created(client, mock_engine, lang):
    """A replay run again once the image was there records no pull: on a daemon without the image its create
    answers 404, and the script says why it stops rather than send calls to /containers//, in the language of
    the page it came from (the French says « l'image », whose apostrophe must not end a quoted string)."""
    run_replay(client, lang, "recipe")
    run_replay(client, lang, "recipe")  # the sandbox has hello-world now: create answers 201 at once
    text = client.get(f"/{lang}/replay/export.sh").get_data(as_text=True)
    assert "/images/create" not in text
    env = {**os.environ, "DOCKER_HOST": mock_engine.sandbox_host("fresh-without-image")}
    ran = subprocess.run([BASH or "bash", "-c", text], capture_output=True, timeout=60, env=env, check=False)
    assert ran.returncode == 1, ran.stderr.decode()
    assert statuses(ran.stdout)[-1] == 404 and b"No such image" in ran.stdout
    said = [translated(NO_CONTAINER, lang), translated(NO_IMAGE, lang)]
    assert "'" in said[1]
    assert ran.stderr.decode().splitlines() == said and b"/containers//" not in ran.stdout


@needs_curl
def test_the_french_script_is_valid_bash_and_runs_again_with_the_same_answers(app, client, mock_engine):
    run_replay(client, "fr", "cli")
    text = client.get("/fr/replay/export.sh").get_data(as_text=True)
    assert translated(NO_IMAGE, "fr") not in text  # quoted for bash, not pasted as it is
    checked = subprocess.run([BASH or "bash", "-n"], input=text.encode(), capture_output=True, timeout=30,
                             check=False)
    assert checked.returncode == 0, checked.stderr.decode()
    replay = replay_of(app, client)
    recorded = list({ex.number: ex.status for step in STEPS for ex in replay.steps[step].exchanges}.values())
    env = {**os.environ, "DOCKER_HOST": mock_engine.sandbox_host("fresh-fr")}
    ran = subprocess.run([BASH or "bash", "-c", text], capture_output=True, timeout=60, env=env, check=False)
    assert ran.returncode == 0, ran.stderr.decode()
    # The calls left open (attach, wait) were waited for until their answer's head came, not for 5 s each.
    assert "Pas de réponse du démon".encode() not in ran.stderr
    assert sorted(statuses(ran.stdout)) == sorted(recorded) and b"Hello from" in ran.stdout
    assert "## 2. Le démon récupère l'image".encode() in ran.stdout


@needs_curl
def test_a_message_the_script_prints_is_text_whatever_its_translation_holds():
    """Quotes, $, backquotes, backslashes and percent signs in a translation are printed as they are; the
    placeholder is the DOCKER_HOST the script was given."""
    tricky = "l'hôte « %(docker_host)s » n'est pas \"$HOME\" ni `id` ni $(id) ni \\n ni 100 %% ; exit 0"

    def translate(message: str, /, **params: object) -> str:
        return (tricky if "%(docker_host)s" in message else message) % params

    text = replay_script([], translate=translate)
    ran = subprocess.run([BASH or "bash", "-c", text], capture_output=True, timeout=30, check=False,
                         env={**os.environ, "DOCKER_HOST": "ssh://$me@`example`"})
    assert ran.returncode == 2
    assert ran.stderr.decode() == tricky % {"docker_host": "ssh://$me@`example`"} + "\n"
