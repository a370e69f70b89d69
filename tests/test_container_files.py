"""A container's own files: programs that change them, docker cp both ways, docker diff, docker export."""

from __future__ import annotations

import base64
import io
import json
import os
import tarfile
import tempfile

import pytest

from hellotrace.engine.api import EngineSettings
from hellotrace.engine.sandbox import SandboxLimits
from hellotrace.engine.service import EngineOptions, MockEngine
from tests.test_docker_cli import DOCKER, docker
from tests.test_spec_conformance import validate
from tests.wire import call, create, pull

SCRIPT = ("mkdir -p /tmp/d/e; echo hi > /tmp/d/f; echo more >> /tmp/d/f; touch /root/x; rm /etc/motd; cat /tmp/d/f; "
          "ls /tmp/d")


def run_script(engine, script: str) -> str:
    pull(engine, "alpine")
    cid = create(engine, {"Image": "alpine", "Cmd": ["sh", "-c", script]}).json()["Id"]
    call(engine, "POST", f"/v1.55/containers/{cid}/start")
    call(engine, "POST", f"/v1.55/containers/{cid}/wait")
    return cid


def test_programs_change_the_containers_files_and_diff_shows_it(mock_engine):
    cid = run_script(mock_engine, SCRIPT)
    logs = call(mock_engine, "GET", f"/v1.55/containers/{cid}/logs?stdout=1&stderr=1").body
    assert logs.endswith(b"hi\n" + b"\x01\x00\x00\x00\x00\x00\x00\x05more\n" + b"\x01\x00\x00\x00\x00\x00\x00\x02e\n"
                         b"\x01\x00\x00\x00\x00\x00\x00\x02f\n")
    changes = call(mock_engine, "GET", f"/v1.55/containers/{cid}/changes")
    validate("GET", "/containers/{id}/changes", changes.status, changes.body)
    assert changes.json() == [
        {"Kind": 0, "Path": "/etc"}, {"Kind": 2, "Path": "/etc/motd"}, {"Kind": 0, "Path": "/root"},
        {"Kind": 1, "Path": "/root/x"}, {"Kind": 0, "Path": "/tmp"}, {"Kind": 1, "Path": "/tmp/d"},
        {"Kind": 1, "Path": "/tmp/d/e"}, {"Kind": 1, "Path": "/tmp/d/f"},
    ]
    # The second run sees what the first one left.
    call(mock_engine, "POST", f"/v1.55/containers/{cid}/start")
    call(mock_engine, "POST", f"/v1.55/containers/{cid}/wait")
    again = call(mock_engine, "GET", f"/v1.55/containers/{cid}/logs?stdout=1&stderr=1").body
    assert b"rm: can't remove '/etc/motd': No such file or directory\n" in again


@pytest.mark.parametrize(("script", "output"), [
    ("echo x > /nope/f", b"sh: can't create /nope/f: nonexistent directory\n"),
    ("mkdir /tmp", b"mkdir: can't create directory '/tmp': File exists\n"),
    ("rm /tmp", b"rm: '/tmp' is a directory\n"),
    ("mkdir /a/b", b"mkdir: can't create directory '/a/b': No such file or directory\n"),
])
def test_file_errors_as_busybox_words_them(mock_engine, script, output):
    cid = run_script(mock_engine, script)
    logs = call(mock_engine, "GET", f"/v1.55/containers/{cid}/logs?stderr=1").body
    assert logs[8:] == output


def test_archive_head_get_put_and_export(mock_engine):
    cid = run_script(mock_engine, "mkdir /srv/app; echo hello > /srv/app/index.html")
    head = call(mock_engine, "HEAD", f"/v1.55/containers/{cid}/archive?path=/srv/app/index.html")
    stat = json.loads(base64.urlsafe_b64decode(head.header("X-Docker-Container-Path-Stat")))
    assert (head.status, stat["name"], stat["size"]) == (200, "index.html", 6)
    got = call(mock_engine, "GET", f"/v1.55/containers/{cid}/archive?path=/srv/app")
    assert got.header("Content-Type") == "application/x-tar"
    with tarfile.open(fileobj=io.BytesIO(got.body)) as archive:
        assert archive.getnames() == ["app", "app/index.html"]
        assert archive.extractfile("app/index.html").read() == b"hello\n"
    upload = io.BytesIO()
    with tarfile.open(fileobj=upload, mode="w") as archive:
        info = tarfile.TarInfo("new.txt")
        info.size = 3
        archive.addfile(info, io.BytesIO(b"up\n"))
    put = call(mock_engine, "PUT", f"/v1.55/containers/{cid}/archive?path=/srv/app", raw_body=upload.getvalue(),
               headers={"Content-Type": "application/x-tar"})
    assert put.status == 200
    missing = call(mock_engine, "GET", f"/v1.55/containers/{cid}/archive?path=/nope")
    assert (missing.status, missing.json()["message"]) == (404, f"Could not find the file /nope in container {cid}")
    not_dir = call(mock_engine, "PUT", f"/v1.55/containers/{cid}/archive?path=/srv/app/index.html",
                   raw_body=upload.getvalue(), headers={"Content-Type": "application/x-tar"})
    assert (not_dir.status, not_dir.json()["message"]) == (400, "extraction point is not a directory")
    exported = call(mock_engine, "GET", f"/v1.55/containers/{cid}/export")
    with tarfile.open(fileobj=io.BytesIO(exported.body)) as archive:
        names = archive.getnames()
    assert "srv/app/new.txt" in names and "bin/sh" in names and ".dockerenv" in names


@pytest.mark.skipif(DOCKER is None and os.environ.get("CI") != "true", reason="the docker CLI is not installed")
def test_docker_cp_both_ways_and_docker_diff(mock_engine):
    host = mock_engine.docker_host_unix
    assert docker(host, "pull", "-q", "alpine").returncode == 0
    made = docker(host, "run", "--name", "files", "alpine", "sh", "-c", "mkdir /tmp/d; echo hi > /tmp/d/f")
    assert made.returncode == 0
    with tempfile.TemporaryDirectory() as folder:
        source = os.path.join(folder, "up.txt")
        with open(source, "w", encoding="utf-8") as handle:
            handle.write("content\n")
        assert docker(host, "cp", source, "files:/tmp/d/").returncode == 0
        down = docker(host, "cp", "files:/tmp/d", os.path.join(folder, "down"))
        assert down.returncode == 0, down.stderr
        with open(os.path.join(folder, "down", "f"), encoding="utf-8") as handle:
            assert handle.read() == "hi\n"
        with open(os.path.join(folder, "down", "up.txt"), encoding="utf-8") as handle:
            assert handle.read() == "content\n"
    assert docker(host, "diff", "files").stdout == "C /tmp\nA /tmp/d\nA /tmp/d/f\nA /tmp/d/up.txt\n"
    missing = docker(host, "cp", "files:/nope", "/tmp/never-written")
    assert "Could not find the file /nope in container files" in missing.stderr


def test_a_containers_files_count_against_the_sandbox_budget(tmp_path):
    """Writing past the sandbox's byte budget is ENOSPC for the process; removing the container gives it back."""
    engine = MockEngine(EngineOptions(unix_path=str(tmp_path / "d.sock"), tcp_address=("127.0.0.1", 0),
                                      settings=EngineSettings(pull_pace=0),
                                      sandbox_limits=SandboxLimits(engine_bytes=16 << 20, sandbox_bytes=1 << 20)))
    engine.start()
    try:
        pull(engine, "alpine")
        cid = run_script(engine, "printf %0900000d 0 > /tmp/big; printf %0900000d 0 > /tmp/big2")
        logs = call(engine, "GET", f"/v1.55/containers/{cid}/logs?stdout=1&stderr=1").body
        assert b"No space left on device" in logs
        assert call(engine, "DELETE", f"/v1.55/containers/{cid}").status == 204
        again = run_script(engine, "printf %0900000d 0 > /tmp/big; echo written")
        assert b"written" in call(engine, "GET", f"/v1.55/containers/{again}/logs?stdout=1").body
    finally:
        engine.stop()


@pytest.mark.skipif(DOCKER is None and os.environ.get("CI") != "true", reason="the docker CLI is not installed")
def test_docker_commit_makes_an_image_of_the_containers_files(mock_engine):
    host = mock_engine.docker_host_unix
    assert docker(host, "pull", "-q", "alpine").returncode == 0
    made = docker(host, "run", "--name", "source", "alpine", "sh", "-c", "mkdir /app; echo hello > /app/msg")
    assert made.returncode == 0
    committed = docker(host, "commit", "-m", "my change", "-c", 'CMD ["cat", "/app/msg"]', "-c", "ENV GREETING=hi",
                       "source", "mine:1")
    assert committed.returncode == 0 and committed.stdout.startswith("sha256:"), committed.stderr
    assert docker(host, "run", "--rm", "mine:1").stdout == "hello\n"
    shell = docker(host, "run", "--rm", "mine:1", "sh", "-c", "echo $GREETING; ls /app")
    assert shell.stdout == "hi\nmsg\n"
    history = docker(host, "history", "mine:1").stdout.splitlines()
    assert history[1].split()[-2:] == ["my", "change"] and "sh -c mkdir /app" in history[1]
    assert docker(host, "run", "--name", "child", "mine:1", "touch", "/app/x").returncode == 0
    assert docker(host, "diff", "child").stdout == "C /app\nA /app/x\n"  # the image's files are not changes
    refused = docker(host, "commit", "-c", "FOO bar", "source", "other:1")
    assert "FOO is not a valid change command" in refused.stderr


@pytest.mark.skipif(DOCKER is None and os.environ.get("CI") != "true", reason="the docker CLI is not installed")
def test_docker_save_and_load_round_trip_into_another_sandbox(mock_engine, tmp_path):
    host = mock_engine.docker_host_unix
    assert docker(host, "pull", "-q", "alpine").returncode == 0
    made = docker(host, "run", "--name", "maker", "alpine", "sh", "-c", "echo saved > /msg; rm /etc/motd")
    assert made.returncode == 0
    assert docker(host, "commit", "maker", "mine:2").returncode == 0
    archive = str(tmp_path / "images.tar")
    assert docker(host, "save", "-o", archive, "alpine", "mine:2").returncode == 0
    with tarfile.open(archive) as saved:
        names = saved.getnames()
        manifest = json.loads(saved.extractfile("manifest.json").read())
    assert {"oci-layout", "index.json", "manifest.json"} <= set(names)
    assert [entry["RepoTags"] for entry in manifest] == [["alpine:latest"], ["mine:2"]]
    elsewhere = mock_engine.sandbox_host("elsewhere")
    loaded = docker(elsewhere, "load", "-i", archive)
    assert loaded.stdout == "Loaded image: alpine:latest\nLoaded image: mine:2\n", loaded.stderr
    run = docker(elsewhere, "run", "--rm", "mine:2", "sh", "-c", "cat /msg; cat /etc/motd")
    assert run.stdout == "saved\n" and "can't open '/etc/motd'" in run.stderr
    garbage = docker(elsewhere, "load", "-i", __file__)
    assert garbage.returncode == 1 and "invalid archive" in garbage.stderr
