"""Pacing a replay: step by step sends one exchange per Next and announces it first; timed paces wait;
pause holds; the pace is remembered per visitor; the no-JavaScript run is never paced."""

from __future__ import annotations

import threading
import time

import pytest

from hellotrace.docker_host import parse_docker_host
from hellotrace.pacing import Pacer
from hellotrace.replay import Replay
from hellotrace.turns import SITE_TURNS


def wait_until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def announced(log) -> list[int]:
    return [e.exchange.number for e in log.events if e.kind == "exchange-start"]


def sent(log) -> list[int]:
    return [e.exchange.number for e in log.events if e.kind == "trace" and e.trace.kind == "request-sent"]


@pytest.mark.parametrize("sequence", ["recipe", "cli"])
def test_step_by_step_sends_one_exchange_per_next_after_showing_it(mock_engine, sequence):
    replay = Replay(parse_docker_host(mock_engine.sandbox_host(f"pace-{sequence}")), sequence, pace="step")
    log = replay.start("all")
    presses = 0
    while not log.closed:
        try:
            wait_until(lambda: replay.pacer.waiting > 0 or log.closed)
        except AssertionError:
            break
        if log.closed:
            break
        # The next exchange is on the page (announced) and not sent; everything before it is.
        time.sleep(0.05)
        assert len(sent(log)) == presses
        assert len(announced(log)) == presses + 1
        assert replay.pacer.advance()
        presses += 1
        wait_until(lambda p=presses: len(sent(log)) == p)
    wait_until(lambda: log.closed)
    assert [e.ok for e in log.events if e.kind == "step-end"] == [True] * 4
    assert presses == len(set(announced(log))) == len(sent(log))
    assert presses == (8 if sequence == "recipe" else 7)


def test_next_with_nothing_waiting_saves_nothing_for_later():
    pacer = Pacer("step")
    assert not pacer.advance() and not pacer.advance()
    released = threading.Event()
    threading.Thread(target=lambda: (pacer.before_exchange(), released.set()), daemon=True).start()
    wait_until(lambda: pacer.waiting == 1)
    assert not released.wait(0.2)
    assert pacer.advance()
    assert released.wait(2)


def test_a_run_whose_pace_stops_being_instant_on_its_way_to_the_gate_steps_aside_before_it_waits():
    """A run at the instant pace takes the pacer's lock without stepping aside; should the pace become step by step
    just then, it steps aside before waiting for Next, rather than keep the others waiting until its turn's lease
    runs out."""
    pacer = Pacer("instant")

    class SwitchedOnTheWay(threading.Condition):
        switched = False

        def __enter__(self):
            if not self.switched:
                self.switched = True
                pacer.set_pace("step")  # the teacher's click, between the run's choice and the lock
            return super().__enter__()

    pacer._cond = SwitchedOnTheWay()  # noqa: SLF001 - the moment of the race is what is tested
    expired_before = SITE_TURNS.leases_run_out
    served = threading.Event()

    def run() -> None:
        with SITE_TURNS.turn():
            pacer.before_exchange()

    def request() -> None:
        with SITE_TURNS.turn():
            served.set()

    runner = threading.Thread(target=run, daemon=True)
    runner.start()
    wait_until(lambda: pacer.waiting == 1)
    other = threading.Thread(target=request, daemon=True)
    other.start()
    assert served.wait(5)
    assert pacer.advance()
    runner.join(5)
    other.join(5)
    assert not runner.is_alive() and SITE_TURNS.leases_run_out == expired_before


def test_timed_paces_wait_and_pause_holds_until_resumed():
    pacer = Pacer("slow")
    started = time.monotonic()
    pacer.before_exchange()
    assert time.monotonic() - started >= 1.4
    pacer.set_pace("instant")
    pacer.pause()
    released = threading.Event()
    threading.Thread(target=lambda: (pacer.after_item(), released.set()), daemon=True).start()
    assert not released.wait(0.3)
    pacer.resume()
    assert released.wait(2)


def test_a_hold_has_a_limit_after_which_the_run_goes_on():
    pacer = Pacer("step", hold_limit=0.2)
    started = time.monotonic()
    pacer.before_exchange()
    assert 0.2 <= time.monotonic() - started < 2 and pacer.pace == "instant"


def test_a_paced_exchange_times_only_its_own_travel(mock_engine):
    replay = Replay(parse_docker_host(mock_engine.sandbox_host("pace-timing")), "recipe", pace="slow")
    log = replay.start(1)
    wait_until(lambda: log.closed)
    ping = replay.steps[1].exchanges[0]
    assert ping.timings.duration_ms < 1000  # the 1.5 s wait before sending is not part of it


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_pace_is_remembered_and_the_no_script_run_is_not_paced(client, lang):
    assert client.post(f"/{lang}/replay/pace", data={"pace": "slow"}).status_code == 303
    html = client.get(f"/{lang}/replay").get_data(as_text=True)
    assert 'value="slow" checked' in html and 'data-pace="slow"' in html
    started = time.monotonic()
    assert client.post(f"/{lang}/replay/run", data={"step": "all"}).status_code == 303
    assert time.monotonic() - started < 5  # slow would take over 10 s
    refused = client.post(f"/{lang}/replay/pace", data={"pace": "warp"})
    assert refused.status_code == 400
    assert "warp" in refused.get_data(as_text=True)
    assert 'value="slow" checked' in client.get(f"/{lang}/replay").get_data(as_text=True)


def test_the_htmx_pace_controls_answer_with_the_control(client):
    headers = {"HX-Request": "true"}
    html = client.post("/en/replay/pace", data={"pace": "step"}, headers=headers).get_data(as_text=True)
    assert 'id="pace"' in html and 'data-pace="step"' in html
    # No run holds an exchange back: Next is there, and off (site.js turns it on while a run goes).
    assert 'class="next"' in html and "disabled" in html.split('class="next"')[1].split(">")[0]
    paused = client.post("/en/replay/pause", data={"paused": "1"}, headers=headers).get_data(as_text=True)
    assert ">Resume</button>" in paused and "Paused: runs wait" in paused  # seen as paused, after a reload too
    assert "Paused: runs wait" in client.get("/en/replay").get_data(as_text=True)
    resumed = client.post("/en/replay/pause", data={"paused": "0"}, headers=headers).get_data(as_text=True)
    assert ">Pause</button>" in resumed and "Paused" not in resumed
    assert client.post("/en/replay/next", headers=headers).status_code == 200


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_step_4_on_a_fresh_page_says_steps_1_to_3_run_first(client, lang):
    client.post(f"/{lang}/replay/run", data={"step": "4"})
    html = client.get(f"/{lang}/replay").get_data(as_text=True)
    expected = "steps 1 to 3 run first" if lang == "en" else "les étapes 1 à 3 sont lancées d&#39;abord"
    assert expected in html
    client.post(f"/{lang}/replay/run", data={"step": "1"})
    assert expected not in client.get(f"/{lang}/replay").get_data(as_text=True)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_step_3_on_a_fresh_page_says_steps_1_and_2_run_first(client, lang):
    client.post(f"/{lang}/replay/run", data={"step": "3"})
    said = "steps 1 and 2 run first" if lang == "en" else "les étapes 1 et 2 sont lancées d&#39;abord"
    assert said in client.get(f"/{lang}/replay").get_data(as_text=True)
    client.post(f"/{lang}/replay/reset")  # the steps are back to "not run yet": the note about that run goes
    assert said not in client.get(f"/{lang}/replay").get_data(as_text=True)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_step_2_on_a_fresh_page_says_step_1_runs_first(client, lang):
    client.post(f"/{lang}/replay/run", data={"step": "2"})
    html = client.get(f"/{lang}/replay").get_data(as_text=True)
    expected = "step 1 runs first" if lang == "en" else "l&#39;étape 1 est lancée d&#39;abord"
    assert expected in html and "1 to 1" not in html and "1 à 1" not in html
