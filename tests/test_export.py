"""The replay's exports over HTTP: the HAR file, and the bash script that a real bash and curl run again
against a fresh sandbox (tcp with a sandbox path, and unix), with the same answers as the replay got."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest

from hellotrace.docker_host import parse_docker_host
from hellotrace.replay import STEPS
from hellotrace.tracing import TracedClient

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
    assert sorted(statuses(ran.stdout)) == sorted(recorded)
    assert statuses(ran.stdout)[:3] == recorded[:3]
    assert b"Hello from" in ran.stdout
    assert b'{"StatusCode":0}' in ran.stdout

    # The script's container is in that sandbox, exited 0, as the replay's is in the visitor's.
    with TracedClient(parse_docker_host(host)) as docker:
        listed = docker.list_containers(show_all=True).response.json()
    assert [c["Image"] for c in listed] == ["hello-world"] and "Exited (0)" in listed[0]["Status"]


@needs_curl
def test_the_script_refuses_a_daemon_it_cannot_reach_and_says_why(client):
    run_replay(client, "en", "recipe")
    text = client.get("/en/replay/export.sh").get_data(as_text=True)
    ran = subprocess.run([BASH or "bash", "-c", text], capture_output=True, timeout=30, check=False,
                         env={**os.environ, "DOCKER_HOST": "ssh://me@example"})
    assert ran.returncode == 2 and b"unix:// and tcp://" in ran.stderr


@needs_curl
def test_the_script_stops_with_a_reason_when_no_container_was_created(client, mock_engine):
    """A replay run again once the image was there records no pull: on a daemon without the image its create
    answers 404, and the script says why it stops rather than send calls to /containers//."""
    run_replay(client, "en", "recipe")
    run_replay(client, "en", "recipe")  # the sandbox has hello-world now: create answers 201 at once
    text = client.get("/en/replay/export.sh").get_data(as_text=True)
    assert "/images/create" not in text
    env = {**os.environ, "DOCKER_HOST": mock_engine.sandbox_host("fresh-without-image")}
    ran = subprocess.run([BASH or "bash", "-c", text], capture_output=True, timeout=60, env=env, check=False)
    assert ran.returncode == 1, ran.stderr.decode()
    assert statuses(ran.stdout)[-1] == 404 and b"No such image" in ran.stdout
    assert b"pull it first (docker pull hello-world)" in ran.stderr and b"/containers//" not in ran.stdout
