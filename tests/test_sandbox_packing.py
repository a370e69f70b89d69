"""A quiet sandbox of the mock engine is packed into one string and found as it was by its next request."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator

import pytest

from hellotrace.engine.api import EngineSettings
from hellotrace.engine.sandbox import Sandbox, SandboxLimits
from hellotrace.engine.service import EngineOptions, MockEngine
from tests.wire import HELLO_CREATE, call, create, pull

PREFIX = "/sandboxes/away/v1.55"


@pytest.fixture
def engine() -> Iterator[MockEngine]:
    """Sandboxes quiet after 50 ms; the sweep runs only when the test calls it."""
    folder = tempfile.mkdtemp(prefix="ht-", dir="/tmp")
    limits = SandboxLimits(idle_seconds=3600, quiet_seconds=0.05, sweep_seconds=3600)
    engine = MockEngine(EngineOptions(unix_path=os.path.join(folder, "docker.sock"), tcp_address=("127.0.0.1", 0),
                                      settings=EngineSettings(pull_pace=0), sandbox_limits=limits)).start()
    try:
        yield engine
    finally:
        engine.stop()
        shutil.rmtree(folder, ignore_errors=True)


def sweep(engine: MockEngine) -> None:
    time.sleep(0.1)
    engine.registry._sweep()


def packed(engine: MockEngine, token: str) -> bool:
    return not isinstance(engine.registry._sandboxes[token], Sandbox)


def what_it_shows(engine: MockEngine, container_id: str) -> tuple[object, ...]:
    inspect = call(engine, "GET", f"{PREFIX}/containers/{container_id}/json").json()
    # Status says how long ago the container exited ("Less than a second ago", then "1 second ago"): a slow moment
    # between the two looks would change it. What it is made from (State, FinishedAt) is compared.
    listed = [{key: value for key, value in entry.items() if key != "Status"}
              for entry in call(engine, "GET", f"{PREFIX}/containers/json?all=1").json()]
    return (
        listed,
        call(engine, "GET", f"{PREFIX}/images/json").json(),
        call(engine, "GET", f"{PREFIX}/networks").json(),
        {key: inspect[key] for key in ("Id", "Name", "State", "Created", "Config", "HostConfig")},
        call(engine, "GET", f"{PREFIX}/containers/{container_id}/logs?stdout=1&stderr=1").body,
        events(engine),
    )


def events(engine: MockEngine) -> list[str]:
    """The sandbox's events so far, as `docker events --since 0 --until now` prints them (to the nanosecond, as the
    CLI sends it: to the millisecond, an event of the same millisecond could fall after `until`)."""
    return call(engine, "GET", f"{PREFIX}/events?since=0&until={time.time():.9f}").body.decode().splitlines()


def test_a_quiet_sandbox_is_packed_and_its_next_request_finds_it_as_it_was(engine):
    pull(engine, "hello-world", prefix=PREFIX)
    container_id = create(engine, HELLO_CREATE, name="greeting", prefix=PREFIX).json()["Id"]
    assert call(engine, "POST", f"{PREFIX}/containers/{container_id}/start").status == 204
    assert call(engine, "POST", f"{PREFIX}/containers/{container_id}/wait").json()["StatusCode"] == 0
    # An image of its own (not the catalog's, which packed sandboxes refer to): copied into the string.
    assert call(engine, "POST", f"{PREFIX}/commit?container={container_id}&repo=mine&tag=v1").status == 201
    before, charged = what_it_shows(engine, container_id), engine.registry.budget.used
    assert any("mine:v1" in (image["RepoTags"] or []) for image in before[1])
    sweep(engine)
    assert packed(engine, "away") and not packed(engine, "default")
    assert engine.registry.budget.used == charged  # what it holds is still counted
    assert what_it_shows(engine, container_id) == before
    assert not packed(engine, "away")
    # It goes on from there: the same name is taken, a new container gets the next events.
    assert create(engine, HELLO_CREATE, name="greeting", prefix=PREFIX).status == 409
    second = create(engine, HELLO_CREATE, prefix=PREFIX).json()["Id"]
    now = events(engine)
    assert len(before[5]) >= 3 and now[:-1] == before[5] and second in now[-1]
    sweep(engine)
    assert packed(engine, "away")
    assert call(engine, "DELETE", f"{PREFIX}/containers/{second}").status == 204
    assert engine.registry.budget.used == charged


def test_a_sandbox_with_a_process_running_is_not_packed(engine):
    pull(engine, "alpine", prefix=PREFIX)
    body = {"Image": "alpine", "Cmd": ["sleep", "60"]}
    container_id = create(engine, body, prefix=PREFIX).json()["Id"]
    assert call(engine, "POST", f"{PREFIX}/containers/{container_id}/start").status == 204
    sweep(engine)
    assert not packed(engine, "away")
    assert call(engine, "POST", f"{PREFIX}/containers/{container_id}/kill").status == 204
    sweep(engine)
    assert packed(engine, "away")
    assert call(engine, "GET", f"{PREFIX}/containers/{container_id}/json").json()["State"]["Status"] == "exited"


def test_an_evicted_packed_sandbox_gives_its_bytes_back(engine):
    empty = engine.registry.budget.used
    pull(engine, "hello-world", prefix=PREFIX)
    sweep(engine)
    assert packed(engine, "away") and engine.registry.budget.used > empty
    with engine.registry._lock:
        engine.registry._evict(engine.registry._sandboxes["away"], "for the test")
    assert engine.registry.budget.used == empty
