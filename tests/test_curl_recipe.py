"""The article's curl recipe with the real curl: 404 before the pull, then pull, create, start, wait, logs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from hellotrace.protocol.stdcopy import FrameDecoder

CURL = shutil.which("curl")
pytestmark = pytest.mark.skipif(CURL is None and os.environ.get("CI") != "true", reason="curl is not installed")


def curl(engine, *args: str) -> subprocess.CompletedProcess[bytes]:
    command = [CURL or "curl", "-sS", "--unix-socket", engine.unix_path, *args]
    return subprocess.run(command, capture_output=True, timeout=30, check=False)


def test_the_article_s_curl_sequence(mock_engine):
    base = "http://localhost/v1.55"
    create_args = ["-X", "POST", "-H", "Content-Type: application/json",
                   "-d", '{"Image":"alpine","Cmd":["echo","hello world"]}', f"{base}/containers/create"]

    never_pulled = curl(mock_engine, *create_args)
    assert json.loads(never_pulled.stdout) == {"message": "No such image: alpine:latest"}

    pulled = curl(mock_engine, "-X", "POST", f"{base}/images/create?fromImage=alpine&tag=latest")
    lines = [json.loads(line) for line in pulled.stdout.split(b"\r\n") if line]
    assert lines[-1] == {"status": "Status: Downloaded newer image for alpine:latest"}

    created = curl(mock_engine, *create_args)
    container_id = json.loads(created.stdout)["Id"]

    started = curl(mock_engine, "-i", "-X", "POST", f"{base}/containers/{container_id}/start")
    assert started.stdout.startswith(b"HTTP/1.1 204 No Content\r\n")

    waited = curl(mock_engine, "-X", "POST", f"{base}/containers/{container_id}/wait")
    assert waited.stdout == b'{"StatusCode":0}\n'

    logs = curl(mock_engine, "--output", "-", f"{base}/containers/{container_id}/logs?stdout=1")
    frames = FrameDecoder().feed(logs.stdout)
    assert [(frame.stream, frame.payload) for frame in frames] == [(1, b"hello world\n")]


def test_curl_without_content_type_gets_the_400(mock_engine):
    answer = curl(mock_engine, "-d", '{"Image":"alpine"}', "http://localhost/v1.55/containers/create")
    assert json.loads(answer.stdout) == {
        "message": "unsupported Content-Type header (application/x-www-form-urlencoded): must be 'application/json'"
    }


def test_the_single_slash_trap_reaches_the_unversioned_path(mock_engine):
    # curl reads "v1.24" as the host name: the request goes to /containers/json, served at the current version.
    answer = curl(mock_engine, "http:/v1.24/containers/json")
    assert answer.stdout == b"[]\n"
    versioned = curl(mock_engine, "http://localhost/v1.24/containers/json")
    assert b"client version 1.24 is too old" in versioned.stdout
