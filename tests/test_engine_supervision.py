"""The site supervises its engine: killed in the middle of a pull, it is back on the same addresses within
seconds, the cut stream is explained in both languages, and visitors are told their sandbox is new."""

from __future__ import annotations

import os
import signal
import time

import pytest

from app import create_app, engine_process
from hellotrace import settings
from hellotrace.engine.service import ping
from hellotrace.tracing import ErrorKind

RESTART_LIMIT = 2.0


@pytest.fixture
def engine(tmp_path):
    """The engine as the site runs it (a supervised child process), pulls paced as a class sees them."""
    supervised = engine_process({**settings.defaults(), "PULL_PACE": 1.0, "ENGINE_UNIX": str(tmp_path / "docker.sock"),
                                 "ENGINE_TCP": ("127.0.0.1", 0)}).start()
    try:
        yield supervised
    finally:
        supervised.stop()


def _wait(condition, timeout: float) -> float:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout, "timed out"
        time.sleep(0.01)
    return time.monotonic() - started


def _pull_streaming(log) -> bool:
    return any(event.kind == "trace" and event.exchange is not None and event.exchange.label == "pull"
               and event.exchange.status == 200 for event in list(log.events))


def test_killed_during_a_pull_the_engine_comes_back_and_the_page_says_so(engine):
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False}, engine=engine)
    student, other = app.test_client(), app.test_client()
    assert student.get("/en/replay").status_code == 200
    assert other.get("/fr/replay").status_code == 200
    visitors = app.extensions["hellotrace.visitors"]
    first = next(iter(visitors._new.values()))  # the student's, made first (neither is back yet)
    replay = first.replay
    log = replay.start("all")
    _wait(lambda: _pull_streaming(log), 20)
    addresses = (engine.unix_path, engine.tcp_address)

    os.kill(engine.process.pid, signal.SIGKILL)
    killed = time.monotonic()
    _wait(lambda: engine.generation == 1 and ping(engine.unix_path, 0.1), RESTART_LIMIT)
    assert time.monotonic() - killed < RESTART_LIMIT
    assert (engine.unix_path, engine.tcp_address) == addresses

    _wait(lambda: log.closed, 20)
    pull_step = replay.steps[2]
    assert [note.note for note in pull_step.notes if not note.ok] == ["pull-cut"]
    assert pull_step.error.kind == ErrorKind.STREAM_CUT and pull_step.error.raw == "unexpected EOF"
    shown = student.get("/en/replay").get_data(as_text=True)
    assert "The daemon closed the connection during the pull" not in shown  # a new replay: the page starts over
    assert "your sandbox is new and empty" in shown
    assert "votre bac à sable est neuf et vide" in other.get("/fr/replay").get_data(as_text=True)
    assert "your sandbox is new" not in student.get("/en/replay").get_data(as_text=True)  # said once

    assert first.replay is not replay  # the replay started over in the new sandbox
    first.replay.start("all", background=False)
    assert all(record.ok for record in first.replay.steps.values())


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_cut_pull_is_explained_without_python_text(engine, lang):
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False}, engine=engine)
    client = app.test_client()
    client.get(f"/{lang}/replay")
    started = client.post(f"/{lang}/replay/run", data={"step": "all"}, headers={"HX-Request": "true"})
    run_id = started.get_data(as_text=True).split('data-run="')[1].split('"')[0]
    replay = next(iter(app.extensions["hellotrace.visitors"]._visitors.values())).replay
    _wait(lambda: replay.running is not None and _pull_streaming(replay.running), 20)
    os.kill(engine.process.pid, signal.SIGKILL)
    stream = client.get(f"/{lang}/replay/runs/{run_id}/events").get_data(as_text=True)
    expected = {"en": ("The daemon closed the connection during the pull", "in the middle of its answer"),
                "fr": ("Le démon a fermé la connexion pendant le pull", "au milieu de sa réponse")}[lang]
    for text in expected:
        assert text in stream
    assert "unexpected EOF" in stream  # what the docker CLI says, shown as the raw error
    for python_text in ("invalid literal", "InvalidChunkLength", "Connection broken", "Traceback"):
        assert python_text not in stream


def test_ctrl_c_in_the_sites_terminal_is_left_to_the_site(engine):
    """ctrl-C reaches the terminal's whole process group: the engine child leaves it to its site, which stops it
    with SIGTERM; were it to stop first, its site would take it for a crash and start it again."""
    generation, pid = engine.generation, engine.process.pid
    os.kill(pid, signal.SIGINT)
    time.sleep(0.5)
    assert engine.process.poll() is None and (engine.generation, engine.process.pid) == (generation, pid)
    assert ping(engine.unix_path, 5)
    engine.stop()
    assert engine.process.poll() is not None
