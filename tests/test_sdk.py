"""The official Python SDK (docker 7.x) against the mock engine."""

from __future__ import annotations

import docker
import pytest


@pytest.fixture
def sdk(mock_engine):
    client = docker.DockerClient(base_url=mock_engine.docker_host_unix, version="auto", timeout=30)
    yield client
    client.close()


def test_sdk_negotiates_and_pings(sdk):
    assert sdk.ping() is True
    assert sdk.version()["ApiVersion"] == "1.55"
    assert sdk.api.api_version == "1.55"


def test_sdk_runs_hello_world(sdk):
    sdk.images.pull("hello-world", tag="latest")
    output = sdk.containers.run("hello-world", remove=True)
    text = output.decode()
    for step in (" 1. ", " 2. ", " 3. ", " 4. "):
        assert step in text


def test_sdk_runs_alpine_echo(sdk):
    sdk.images.pull("alpine", tag="latest")
    assert sdk.containers.run("alpine", ["echo", "hello", "world"], remove=True) == b"hello world\n"


def test_sdk_sees_containers_and_errors(sdk):
    sdk.images.pull("alpine", tag="latest")
    container = sdk.containers.create("alpine", ["sh", "-c", "exit 4"], name="four")
    container.start()
    assert container.wait()["StatusCode"] == 4
    assert [c.name for c in sdk.containers.list(all=True)] == ["four"]
    container.remove()
    with pytest.raises(docker.errors.NotFound, match="No such container: four"):
        sdk.containers.get("four")
    with pytest.raises(docker.errors.ImageNotFound):
        sdk.images.get("busybox")
