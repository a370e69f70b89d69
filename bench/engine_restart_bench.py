"""Benchmark of the site's engine supervision: from `kill -9` of the engine to the next successful replay.

The engine runs as the site runs it (`python app.py mock-daemon` in a supervised child process, pulls not
paced). Each round kills it with SIGKILL, then replays `docker run hello-world` (Run all, the curl recipe) in
a visitor's sandbox over and over until one run ends with its four steps ok; the figure is the time from
the kill to the end of that run, and, within it, the time until the engine answers `_ping` again.
Bounded: a round gives up after 10 s.

    .venv/bin/python bench/engine_restart_bench.py [--rounds 10]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import time

from mock_engine import ROOT, running_mock_engine

sys.path.insert(0, str(ROOT))

from hellotrace.docker_host import parse_docker_host  # noqa: E402
from hellotrace.engine.service import EngineProcess, ping  # noqa: E402
from hellotrace.replay import Replay  # noqa: E402

ROUND_LIMIT = 10.0


def replay_ok(engine: EngineProcess, token: str) -> bool:
    replay = Replay(parse_docker_host(engine.sandbox_host(token) or ""), "recipe")
    replay.start("all", background=False)
    return all(record.ok for record in replay.steps.values())


def one_round(engine: EngineProcess, token: str) -> tuple[float, float]:
    """Seconds from the kill to the first `_ping` answered, and to the end of the first successful replay."""
    killed_process = engine.process
    assert killed_process is not None
    os.kill(killed_process.pid, signal.SIGKILL)
    killed = time.perf_counter()
    answered = None
    while time.perf_counter() - killed < ROUND_LIMIT:
        if answered is None and engine.unix_path and ping(engine.unix_path, 0.05):
            answered = time.perf_counter() - killed
        if answered is not None and replay_ok(engine, token):
            replayed = time.perf_counter() - killed
            # The new engine serves a moment before its supervisor has finished reading its banner: wait for
            # that, so that the next round kills the new process.
            while engine.process is killed_process and time.perf_counter() - killed < ROUND_LIMIT:
                time.sleep(0.01)
            return answered, replayed
        time.sleep(0.01)
    raise RuntimeError(f"no successful replay within {ROUND_LIMIT:g} s of the kill")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10, help="kills, each followed by a replay (default 10)")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    with running_mock_engine() as (engine, _):
        print(f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.2f} "
              f"before the run; {args.rounds} rounds")
        if not replay_ok(engine, "warm-up"):
            raise RuntimeError("the warm-up replay failed")
        pings, replays = [], []
        for number in range(args.rounds):
            answered, replayed = one_round(engine, f"round-{number}")
            pings.append(answered)
            replays.append(replayed)
        print(f"kill -9 → engine answers _ping: median {statistics.median(pings) * 1000:.0f} ms, "
              f"max {max(pings) * 1000:.0f} ms")
        print(f"kill -9 → next successful replay: median {statistics.median(replays) * 1000:.0f} ms, "
              f"max {max(replays) * 1000:.0f} ms (restarts counted: {engine.generation})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
