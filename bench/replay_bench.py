"""Benchmark of the replay: its own cost per run, and a class of students replaying at once through the site.

Three phases, each bounded in count and time:
1. in-process: `Replay(...).start("all", background=False)` N times per sequence, each in a fresh sandbox of
   an embedded mock engine whose pulls are not paced — what the site itself spends on one replay;
2. the site as `python app.py` serves it (a subprocess, pulls not paced): S students start together, each
   with its own cookie session: GET the replay page, POST "Run all" as htmx does, follow the run's event
   stream until `event: done`;
3. the same with the default pull pacing: what a class really sees.

The site is one process, as the first figures of docs/benchmarks.md were measured (its CPU is that process's,
its engine apart); `--workers W` runs W nodes behind nginx, as `make run` does on a machine of W cores (the CPU is
then that of every process under the site: nodes, engines, nginx, Redis).

    .venv/bin/python bench/replay_bench.py [--quick] [--runs 200] [--students 50] [--client-processes 2]
                                           [--workers W]
"""

from __future__ import annotations

import argparse
import math
import os
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: the hellotrace package sits at the root

from hellotrace.docker_host import parse_docker_host  # noqa: E402
from hellotrace.engine.api import EngineSettings  # noqa: E402
from hellotrace.engine.sandbox import SandboxLimits  # noqa: E402
from hellotrace.engine.service import EngineOptions, MockEngine  # noqa: E402
from hellotrace.replay import SEQUENCES, Replay  # noqa: E402

# A student gives up after this long; every request also has its own timeout.
STUDENT_DEADLINE = 60.0
REQUEST_TIMEOUT = 30.0
RUN_ID = re.compile(r'data-run="([^"]+)"')
# The CSRF token every page gives htmx (on <body>), which htmx sends back with each POST.
CSRF_TOKEN = re.compile(r'"X-CSRFToken": "([^"]+)"')
STEP_STATUS = re.compile(r'#step-[1-4]-status"><span class="(ok|failed)"')


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest value with at least `fraction` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def cpu_seconds(pid: int) -> tuple[float, float]:
    """User and system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def children_cpu_seconds() -> float:
    """CPU time of this process's finished children (the client processes, once the pool is shut down)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def process_tree(pid: int) -> list[int]:
    """`pid` and every process under it (the engine, nginx, workers, redis-server)."""
    found, index = [pid], 0
    while index < len(found):
        task = Path(f"/proc/{found[index]}/task")
        for thread in task.glob("*/children") if task.exists() else ():
            try:
                found.extend(int(child) for child in thread.read_text().split())
            except OSError:
                continue
        index += 1
    return found


def tree_cpu(pid: int) -> dict[int, float]:
    """CPU seconds so far of `pid` and of each process under it."""
    used = {}
    for child in process_tree(pid):
        try:
            used[child] = sum(cpu_seconds(child))
        except OSError:
            continue
    return used


# -- phase 1: the replay's own cost -------------------------------------------------------------------


def time_replays(engine: MockEngine, sequence: str, runs: int) -> tuple[list[float], int]:
    """Wall time of `runs` complete replays, each in a new sandbox; also how many did not end with 4 steps ok."""
    times: list[float] = []
    failures = 0
    for _ in range(runs):
        token = secrets.token_hex(8)
        host = engine.sandbox_host(token)
        assert host is not None
        replay = Replay(parse_docker_host(host), sequence)
        started = time.perf_counter()
        log = replay.start("all", background=False)
        times.append(time.perf_counter() - started)
        ends = [event for event in log.events if event.kind == "step-end"]
        if len(ends) != 4 or not all(event.ok for event in ends):
            failures += 1
    return times, failures


def replay_phase(runs: int) -> None:
    folder = tempfile.mkdtemp(prefix="ht-bench-", dir="/tmp")
    warm_up = 5
    options = EngineOptions(
        unix_path=os.path.join(folder, "docker.sock"),
        tcp_address=("127.0.0.1", 0),
        settings=EngineSettings(pull_pace=0),
        # Every timed replay pulls into a sandbox of its own: room for all of them, so none is refused or evicted.
        sandbox_limits=SandboxLimits(max_sandboxes=warm_up + runs * len(SEQUENCES)),
    )
    engine = MockEngine(options).start()
    try:
        time_replays(engine, "recipe", warm_up)  # warm-up: imports, first connections
        for sequence in SEQUENCES:
            times, failures = time_replays(engine, sequence, runs)
            print(f"replay in-process, sequence {sequence}: {len(times)} runs ({failures} failed), "
                  f"p50 {ms(percentile(times, .5))}, p95 {ms(percentile(times, .95))}, "
                  f"p99 {ms(percentile(times, .99))}, max {ms(max(times))}")
    finally:
        engine.stop()
        shutil.rmtree(folder, ignore_errors=True)


# -- phases 2 and 3: a class through the site ---------------------------------------------------------


@dataclass
class StudentResult:
    ok: bool
    total: float = 0.0
    page: float = 0.0  # GET /en/replay
    start: float = 0.0  # POST /en/replay/run
    stream: float = 0.0  # the event stream, up to `event: done`
    problem: str = ""


def one_student(base: str, sequence: str, start_at: float) -> StudentResult:
    """One browser: its own cookies, the page, "Run all" as htmx posts it, then the live events."""
    session = requests.Session()
    time.sleep(max(0.0, start_at - time.monotonic()))
    began = time.perf_counter()
    deadline = began + STUDENT_DEADLINE
    try:
        page = session.get(f"{base}/en/replay", timeout=REQUEST_TIMEOUT)
        page.raise_for_status()
        page_done = time.perf_counter()
        token = CSRF_TOKEN.search(page.text)
        if token is None:
            return StudentResult(False, problem="no CSRF token in the replay page")
        # The site's own speed is measured: each student picks the instant pace (normal, the default, waits
        # 0.4 s before each exchange so that a class can follow).
        session.post(f"{base}/en/replay/pace", data={"pace": "instant"},
                     headers={"HX-Request": "true", "X-CSRFToken": token.group(1)},
                     timeout=REQUEST_TIMEOUT).raise_for_status()
        started = session.post(f"{base}/en/replay/run", data={"step": "all", "sequence": sequence},
                               headers={"HX-Request": "true", "X-CSRFToken": token.group(1)},
                               timeout=REQUEST_TIMEOUT)
        started.raise_for_status()
        start_done = time.perf_counter()
        found = RUN_ID.search(started.text)
        if found is None:
            return StudentResult(False, problem="no run id in the answer to POST /en/replay/run")
        statuses: list[str] = []
        done = False
        with session.get(f"{base}/en/replay/runs/{found.group(1)}/events", stream=True,
                         timeout=REQUEST_TIMEOUT) as events:
            events.raise_for_status()
            for line in events.iter_lines(decode_unicode=True):
                statuses.extend(STEP_STATUS.findall(line))
                if line == "event: done":
                    done = True
                    break
                if time.perf_counter() > deadline:
                    break
        finished = time.perf_counter()
    except requests.RequestException as exc:
        return StudentResult(False, problem=f"{type(exc).__name__}: {exc}")
    finally:
        session.close()
    if not done:
        return StudentResult(False, problem="the event stream ended without `event: done`")
    if statuses != ["ok"] * 4:
        return StudentResult(False, problem=f"step results {statuses}, expected four ok")
    return StudentResult(True, finished - began, page_done - began, start_done - page_done, finished - start_done)


def student_group(base: str, sequences: list[str], start_at: float) -> list[StudentResult]:
    """Several students in one client process, one thread each."""
    results: list[StudentResult] = [StudentResult(False, problem="did not finish")] * len(sequences)

    def run(index: int) -> None:
        results[index] = one_student(base, sequences[index], start_at)

    # Daemon threads: a student stuck past every timeout must not keep the client process alive.
    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(sequences))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(STUDENT_DEADLINE + REQUEST_TIMEOUT)
    return results


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_site(folder: str, pull_pace: float, extra_env: dict[str, str] | None = None,
               extra_args: list[str] | None = None) -> tuple[subprocess.Popen, str]:
    """`python app.py` on a free loopback port, its mock engine on a private socket and an ephemeral port;
    its instance folder (database, secret key) in `folder`, plus `extra_env` (HELLOTRACE_REDIS_URL,
    HELLOTRACE_DATABASE_URL) and `extra_args` (more options of app.py)."""
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key != "DOCKER_HOST"}  # always the embedded mock
    # One site process, as the figures of docs/benchmarks.md were measured, unless the options say --workers.
    env.update(HELLOTRACE_INSTANCE=os.path.join(folder, "instance"), HELLOTRACE_WORKERS="1", **(extra_env or {}))
    with open(os.path.join(folder, "site.log"), "wb") as log:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "app.py"), "--listen", f"127.0.0.1:{port}", "--tcp", "127.0.0.1:0",
             "--unix", os.path.join(folder, "docker.sock"), "--pull-pace", f"{pull_pace:g}", *(extra_args or [])],
            stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, env=env,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        if process.poll() is not None or time.monotonic() > deadline:
            stop_process(process)
            tail = Path(folder, "site.log").read_text(errors="replace").splitlines()[-30:]
            raise RuntimeError("the site did not answer GET /en/ with 200; the end of its log:\n" + "\n".join(tail))
        try:
            if requests.get(f"{base}/en/", timeout=1).status_code == 200:
                return process, base
        except requests.RequestException:
            pass
        time.sleep(0.1)


def stop_process(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@dataclass
class ClassRun:
    """One class's results and what it cost: the site's CPU and the clients' CPU."""

    students: int
    client_processes: int
    pull_pace: float
    workers: int
    results: list[StudentResult]
    wall: float
    site_cpu: float
    client_cpu: float


def site_cpu_seconds(site_pid: int, workers: int) -> float:
    """The site's CPU so far: the one process's (its engine apart), or with several workers every process's under
    the site."""
    if workers == 1:
        return sum(cpu_seconds(site_pid))
    return sum(tree_cpu(site_pid).values())


def run_class(base: str, site_pid: int, students: int, client_processes: int, pull_pace: float,
              workers: int) -> ClassRun:
    """All students click "Run all" at the same moment; students alternate between the two sequences."""
    sequences = [SEQUENCES[i % len(SEQUENCES)] for i in range(students)]
    groups = [group for group in (sequences[i::client_processes] for i in range(client_processes)) if group]
    clients_before = children_cpu_seconds()
    with ProcessPoolExecutor(max_workers=len(groups)) as pool:
        start_at = time.monotonic() + 1.0  # time enough for the client processes to start
        site_before = site_cpu_seconds(site_pid, workers)
        futures = [pool.submit(student_group, base, group, start_at) for group in groups]
        results = [result for future in futures for result in future.result()]
        wall = time.monotonic() - start_at
        site_cpu = site_cpu_seconds(site_pid, workers) - site_before
    return ClassRun(students, client_processes, pull_pace, workers, results, wall, site_cpu,
                    children_cpu_seconds() - clients_before)


def class_phase(students: int, client_processes: int, pull_pace: float, workers: int) -> None:
    """A fresh site; one student replays both sequences first (the teacher tries the page), then the class."""
    folder = tempfile.mkdtemp(prefix="ht-bench-", dir="/tmp")
    try:
        process, base = start_site(folder, pull_pace, extra_args=["--workers", str(workers)])
        try:
            warm_up = student_group(base, list(SEQUENCES), time.monotonic())
            if not all(result.ok for result in warm_up):
                raise RuntimeError(f"the warm-up replay failed: {[result.problem for result in warm_up]}")
            report_class(run_class(base, process.pid, students, client_processes, pull_pace, workers))
        finally:
            stop_process(process)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def report_class(run: ClassRun) -> None:
    completed = [r for r in run.results if r.ok]
    pacing = "pulls not paced" if run.pull_pace == 0 else (
        "default pull pacing" if run.pull_pace == 1 else f"pull pace {run.pull_pace:g}")
    print(f"{run.students} students at once through the site ({pacing}; {run.client_processes} client processes"
          f"{'' if run.workers == 1 else f'; --workers {run.workers}'}): "
          f"{len(completed)}/{run.students} completed")
    for problem in sorted({r.problem for r in run.results if not r.ok}):
        print(f"    failed: {problem}")
    if completed:
        totals = [r.total for r in completed]
        print(f"    per student, GET page → POST run → stream to `done`: p50 {ms(percentile(totals, .5))}, "
              f"p95 {ms(percentile(totals, .95))}, max {ms(max(totals))}")
        print(f"    p50 of each part: page {ms(percentile([r.page for r in completed], .5))}, "
              f"POST {ms(percentile([r.start for r in completed], .5))}, "
              f"stream {ms(percentile([r.stream for r in completed], .5))}")
    site = "site process" if run.workers == 1 else f"site ({run.workers} workers, every process)"
    print(f"    {site}: {run.site_cpu:.2f} s CPU in {run.wall:.2f} s = {run.site_cpu / run.wall * 100:.0f}% of one "
          f"core, {run.site_cpu / run.students * 1000:.0f} ms per student; client processes: "
          f"{run.client_cpu:.2f} s CPU")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller run: 40 replays per sequence, 10 students")
    parser.add_argument("--runs", type=int, default=None, help="in-process replays per sequence (default 200)")
    parser.add_argument("--students", type=int, default=None, help="concurrent students (default 50)")
    parser.add_argument("--client-processes", type=int, default=2,
                        help="processes the students' threads are spread over (default 2)")
    parser.add_argument("--workers", type=int, default=1,
                        help="site processes behind nginx, as --workers of app.py (default 1: one process)")
    args = parser.parse_args()
    runs = args.runs if args.runs is not None else 40 if args.quick else 200
    students = args.students if args.students is not None else 10 if args.quick else 50
    if runs < 1 or students < 1 or args.client_processes < 1 or args.workers < 1:
        parser.error("--runs, --students, --client-processes and --workers must be at least 1")

    print(f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
          f"load average {os.getloadavg()[0]:.2f} before the run")
    replay_phase(runs)
    class_phase(students, args.client_processes, pull_pace=0, workers=args.workers)
    class_phase(students, args.client_processes, pull_pace=1, workers=args.workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
