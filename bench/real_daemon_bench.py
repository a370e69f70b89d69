"""Side by side, in one run: a real dockerd and the mock engine, for `docker run hello-world` and for the replay.

The real daemon is the suite's private one (tests/real_daemon.py): Debian's dockerd 20.10 in its own network
namespace, with a local registry as its mirror; the mock runs in its own process, as the site runs it
(`python app.py mock-daemon --pull-pace 0`). Both are driven alike, taking turns (real, mock, then mock, real),
so that a slow moment of the machine hits both:
1. `docker run hello-world` wall time, image present;
2. the replay's own time, `Replay(address, sequence, policy).start("all", background=False)` in this
   process, both sequences, image present (the real daemon behind the site's real-daemon policy);
3. the same with the image removed after each run (Reset), so that step 2 really pulls: from the local
   registry for the real daemon, from the simulated catalog, not paced, for the mock.
Containers are removed between runs, outside the timings. Needs root and what .ci/run installs.

    .venv/bin/python bench/real_daemon_bench.py [--runs 30]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: the packages sit at the root

from mock_engine import start_mock_engine_process  # noqa: E402

from hellotrace.docker_host import parse_docker_host  # noqa: E402
from hellotrace.engine.hello import HELLO_MESSAGE  # noqa: E402
from hellotrace.policy import DaemonPolicy  # noqa: E402
from hellotrace.replay import SEQUENCES, STEPS, Replay  # noqa: E402
from tests.real_daemon import RealDaemon, start_real_daemon, unavailable_reason  # noqa: E402
from tests.wire import call  # noqa: E402


class Side:
    """One daemon under test: its name, its socket, and how to run the docker CLI against it."""

    def __init__(self, name: str, unix_path: str, client_dir: str, policy: DaemonPolicy | None = None) -> None:
        self.name = name
        self.unix_path = unix_path
        self.policy = policy  # what the site puts in front of a real daemon
        # Each call's duration in the replays of the current figure, by label and status ("start 204").
        self.calls: dict[str, list[float]] = {}
        self.env = {"PATH": os.environ.get("PATH", ""), "HOME": client_dir, "DOCKER_CONFIG": client_dir,
                    "DOCKER_HOST": f"unix://{unix_path}", "DOCKER_CLI_HINTS": "false"}

    def docker_run(self) -> float:
        started = time.perf_counter()
        result = subprocess.run([shutil.which("docker") or "docker", "run", "hello-world"], env=self.env,
                                capture_output=True, timeout=60, check=False)
        elapsed = time.perf_counter() - started
        if result.returncode != 0 or result.stdout != HELLO_MESSAGE:
            raise RuntimeError(f"docker run hello-world on the {self.name} daemon: {result.stderr.decode()}")
        return elapsed

    def replay(self, sequence: str, reset: bool) -> float:
        replay = Replay(parse_docker_host(f"unix://{self.unix_path}"), sequence, self.policy)
        started = time.perf_counter()
        replay.start("all", background=False)
        elapsed = time.perf_counter() - started
        if not all(replay.steps[step].ok for step in STEPS) or replay.exit_code != 0:
            raise RuntimeError(f"the {sequence} replay failed on the {self.name} daemon")
        for step in STEPS:
            for exchange in replay.steps[step].exchanges:
                if replay.steps[step].part(exchange) != "head" and exchange.timings.duration_ms is not None:
                    name = f"{exchange.label} {exchange.status}"
                    self.calls.setdefault(name, []).append(exchange.timings.duration_ms)
        pulled = any(exchange.label == "pull" for exchange in replay.steps[2].exchanges)
        if pulled != reset:
            raise RuntimeError(f"the {sequence} replay on the {self.name} daemon {'did' if pulled else 'did not'} pull")
        if reset:
            replay.reset()  # removes its container and the image: the next run pulls
        return elapsed

    def pull(self) -> None:
        answer = call(self, "POST", "/images/create?fromImage=hello-world&tag=latest")
        if answer.status != 200 or b"errorDetail" in answer.body:
            raise RuntimeError(f"pull on the {self.name} daemon: {answer.body.decode(errors='replace')}")

    def remove_image(self) -> None:
        call(self, "DELETE", "/images/hello-world?force=1")

    def remove_containers(self) -> None:
        for container in call(self, "GET", "/containers/json?all=1").json():
            call(self, "DELETE", f"/containers/{container['Id']}?force=1")


def interleaved(sides: list[Side], runs: int, once: Callable[[Side], float],
                between: Callable[[Side], None]) -> dict[str, list[float]]:
    """`runs` timings per side, taking turns and swapping the order each round, after one untimed round."""
    times: dict[str, list[float]] = {side.name: [] for side in sides}
    for round_number in range(runs + 1):
        order = sides if round_number % 2 else list(reversed(sides))
        for side in order:
            elapsed = once(side)
            between(side)
            if round_number:
                times[side.name].append(elapsed)
    return times


def quantile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def describe(label: str, times: dict[str, list[float]], sides: list[Side] | None = None) -> list[str]:
    """Print a figure (and, for replays, each call's median duration); return its table rows."""
    rows = []
    for side in sides or []:
        calls = ", ".join(f"{name} {statistics.median(values):.1f}" for name, values in side.calls.items())
        print(f"{label}, {side.name}: median ms per call: {calls}")
        side.calls.clear()
    for name, values in times.items():
        print(f"{label}, {name}: median {statistics.median(values) * 1000:.1f} ms, "
              f"p90 {quantile(values, 0.9) * 1000:.1f} ms, min {min(values) * 1000:.1f} ms over {len(values)} runs")
        rows.append(f"| {label} | {name} | {statistics.median(values) * 1000:.1f} ms "
                    f"| {quantile(values, 0.9) * 1000:.1f} ms | {min(values) * 1000:.1f} ms |")
    real, mock = (statistics.median(times[name]) for name in ("real dockerd 20.10", "mock engine"))
    print(f"{label}: the real daemon takes {real / mock:.1f}x the mock's median")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="timed runs per daemon for each figure")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    reason = unavailable_reason()
    if reason is not None or shutil.which("docker") is None:
        print(f"cannot run: {reason or 'the docker CLI is missing'}", file=sys.stderr)
        return 1

    folder = tempfile.mkdtemp(prefix="ht-bench-", dir="/tmp")
    os.mkdir(os.path.join(folder, "client"))
    real: RealDaemon | None = None
    mock = None
    try:
        real = start_real_daemon()
        mock = start_mock_engine_process(folder)
        sides = [Side("real dockerd 20.10", real.unix_path, os.path.join(folder, "client"), DaemonPolicy()),
                 Side("mock engine", mock.unix_path, os.path.join(folder, "client"))]
        print(f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.2f} "
              f"before the run; {args.runs} timed runs per daemon and figure; docker CLI "
              + subprocess.run(["docker", "--version"], capture_output=True, text=True).stdout.strip())
        for side in sides:
            side.pull()
        rows = describe("`docker run hello-world`, image present",
                        interleaved(sides, args.runs, Side.docker_run, Side.remove_containers))
        for sequence in SEQUENCES:
            rows += describe(f"replay `{sequence}`, image present",
                             interleaved(sides, args.runs, lambda side, s=sequence: side.replay(s, reset=False),
                                         Side.remove_containers), sides)
        for sequence in SEQUENCES:
            for side in sides:
                side.remove_image()
            rows += describe(f"replay `{sequence}` with its pull (Reset after each run)",
                             interleaved(sides, args.runs, lambda side, s=sequence: side.replay(s, reset=True),
                                         lambda side: None), sides)
        print(f"load average after the run {os.getloadavg()[0]:.2f}")
        print("\n| Figure | Daemon | Median | p90 | Min |\n|---|---|---|---|---|")
        print("\n".join(rows))
    finally:
        if mock is not None:
            mock.stop()
        if real is not None:
            real.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
