"""Benchmark of a crowd: N students at once, each loading the replay and running its four steps one by one.

Each student is a browser of its own (cookie session, the CSRF token the page gives htmx): GET /en/replay, choose
the instant pace, then for each step POST /en/replay/run as htmx does and follow that run's live event stream until
`event: done`. A step's time runs from its POST leaving to its `done`. The students run as threads spread over
several client processes started before the clock starts, so that one client's interpreter is not what is measured.

The site is `python app.py` in a temporary instance (pulls not paced; with `--workers W`, that option too), with
short idle settings so that the last phase sees the memory come back:
1. warm-up (one student), then the resident memory (RSS) of the site and every process under it;
2. the crowd: p50/p95/max of the page and of each step, errors, CPU of the site's processes and of the clients;
3. idle: RSS once every student went quiet and the sweeps released their runs' events and packed their
   replays, and the growth divided by the students (memory per idle visitor with its sandbox);
4. expiry: RSS again after VISITOR_IDLE and SANDBOX_IDLE passed and the sweeps ran, against the start.

    .venv/bin/python bench/scale_bench.py [--students 200] [--client-processes 4] [--workers W] [--idle 120]

Everything is bounded: each request has a timeout, each student a deadline, the site is stopped by its PID.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from replay_bench import (  # noqa: E402  (it puts the repository on sys.path)
    CSRF_TOKEN,
    children_cpu_seconds,
    cpu_seconds,
    ms,
    percentile,
    start_site,
    stop_process,
)

from hellotrace.sweeping import sweep_interval  # noqa: E402
from hellotrace.web.visitors import QUIET_SECONDS  # noqa: E402

STEPS = (1, 2, 3, 4)
STUDENT_DEADLINE = 120.0
REQUEST_TIMEOUT = 60.0
RUN_ID = re.compile(r'data-run="([^"]+)"')
STEP_STATUS = re.compile(r'#step-([1-4])-status"><span class="(ok|failed)"')
NOTE = re.compile(r'#step-[1-4]-notes">(.+)')
TAG = re.compile(r"<[^>]+>|\s+")
# What the issue asks of one 2-core machine.
TARGETS = ((200, 1.0), (500, 2.5))


@dataclass
class Student:
    ok: bool = False
    page: float = 0.0
    steps: dict[int, float] = field(default_factory=dict)
    problem: str = "did not finish"


def run_step(session: requests.Session, base: str, token: str, step: int, deadline: float) -> str | None:
    """POST one step as htmx does and read its live stream to the end; the problem, if any."""
    headers = {"HX-Request": "true", "X-CSRFToken": token}
    started = session.post(f"{base}/en/replay/run", data={"step": str(step)}, headers=headers,
                           timeout=REQUEST_TIMEOUT)
    started.raise_for_status()
    found = RUN_ID.search(started.text)
    if found is None:
        return f"step {step}: no run id in the answer to its POST"
    results: list[tuple[str, str]] = []
    notes: list[str] = []
    with session.get(f"{base}/en/replay/runs/{found.group(1)}/events", stream=True,
                     timeout=REQUEST_TIMEOUT) as events:
        events.raise_for_status()
        for line in events.iter_lines(decode_unicode=True):
            results.extend(STEP_STATUS.findall(line))
            notes.extend(TAG.sub(" ", note).strip() for note in NOTE.findall(line))
            if line == "event: done":
                break
            if time.perf_counter() > deadline:
                return f"step {step}: past the student's deadline"
        else:
            return f"step {step}: the stream ended without `event: done`"
    if results != [(str(step), "ok")]:
        return f"step {step}: results {results}, expected only step {step} ok; notes: {' | '.join(notes)[:240]}"
    return None


def one_student(base: str, start_at: float) -> Student:
    student = Student()
    session = requests.Session()
    time.sleep(max(0.0, start_at - time.monotonic()))
    began = time.perf_counter()
    deadline = began + STUDENT_DEADLINE
    try:
        page = session.get(f"{base}/en/replay", timeout=REQUEST_TIMEOUT)
        page.raise_for_status()
        student.page = time.perf_counter() - began
        token = CSRF_TOKEN.search(page.text)
        if token is None:
            student.problem = "no CSRF token in the replay page"
            return student
        session.post(f"{base}/en/replay/pace", data={"pace": "instant"},
                     headers={"HX-Request": "true", "X-CSRFToken": token.group(1)},
                     timeout=REQUEST_TIMEOUT).raise_for_status()
        for step in STEPS:
            step_began = time.perf_counter()
            problem = run_step(session, base, token.group(1), step, deadline)
            if problem is not None:
                student.problem = problem
                return student
            student.steps[step] = time.perf_counter() - step_began
    except requests.RequestException as exc:
        student.problem = f"{type(exc).__name__}: {str(exc)[:200]}"
        return student
    finally:
        session.close()
    student.ok, student.problem = True, ""
    return student


def student_group(base: str, count: int, start_at: float) -> list[Student]:
    """`count` students in this client process, one thread each, all starting at `start_at`."""
    students = [Student() for _ in range(count)]

    def run(index: int) -> None:
        students[index] = one_student(base, start_at)

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(STUDENT_DEADLINE + REQUEST_TIMEOUT)
    return students


def warm_client(_: int) -> int:
    """Run once in each client process before the clock starts: imports done, the pool's processes up."""
    return os.getpid()


# -- the site's processes -----------------------------------------------------------------------------


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


def describe(pid: int) -> str:
    try:
        words = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "?"
    names = [Path(word.decode(errors="replace")).name for word in words[:3] if word]
    return " ".join(names)


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_of_tree(pid: int) -> dict[int, int]:
    return {child: rss_kib(child) for child in process_tree(pid)}


def tree_cpu(pid: int) -> float:
    total = 0.0
    for child in process_tree(pid):
        try:
            total += sum(cpu_seconds(child))
        except OSError:
            continue
    return total


def show_rss(label: str, rss: dict[int, int]) -> None:
    parts = ", ".join(f"{describe(pid)} [{pid}] {kib / 1024:.1f} MiB" for pid, kib in rss.items())
    print(f"    RSS {label}: {sum(rss.values()) / 1024:.1f} MiB in all ({parts})")


# -- the run -----------------------------------------------------------------------------------------


def report(students: list[Student], wall: float, site_cpu: float, client_cpu: float) -> bool:
    done = [s for s in students if s.ok]
    print(f"    {len(done)}/{len(students)} students completed in {wall:.1f} s")
    for problem in sorted({s.problem for s in students if not s.ok}):
        print(f"    error ({sum(1 for s in students if s.problem == problem)}×): {problem}")
    worst = 0.0
    if done:
        rows = [("page", [s.page for s in done])] + [(f"step {n}", [s.steps[n] for s in done]) for n in STEPS]
        for name, values in rows:
            p95 = percentile(values, 0.95)
            worst = max(worst, p95)
            print(f"    {name:>6}: p50 {ms(percentile(values, 0.5)):>10}  p95 {ms(p95):>10}  max {ms(max(values)):>10}")
    busy = site_cpu + client_cpu
    print(f"    CPU: site processes {site_cpu:.1f} s, clients {client_cpu:.1f} s "
          f"(clients' share {client_cpu / busy * 100 if busy else 0:.0f} %), on {os.cpu_count()} cores "
          f"for {wall:.1f} s")
    target = next((p95 for count, p95 in TARGETS if len(students) <= count), None)
    if target is not None and len(students) >= TARGETS[0][0]:
        verdict = "met" if len(done) == len(students) and worst <= target else "MISSED"
        print(f"    target for {len(students)} students: all complete, p95 <= {target:g} s: {verdict}")
    return len(done) == len(students)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--client-processes", type=int, default=4)
    parser.add_argument("--workers", type=int, default=None, help="pass --workers W to the site")
    parser.add_argument("--idle", type=float, default=120.0,
                        help="VISITOR_IDLE and SANDBOX_IDLE of the site, in seconds (default 120)")
    args = parser.parse_args()
    if args.students < 1 or args.client_processes < 1 or args.idle <= 0:
        parser.error("--students, --client-processes and --idle must be positive")
    clients = min(args.client_processes, args.students)
    print(f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, load average "
          f"{' '.join(f'{load:.2f}' for load in os.getloadavg())} before the run; {args.students} students over "
          f"{clients} client processes" + (f"; --workers {args.workers}" if args.workers else ""))
    folder = tempfile.mkdtemp(prefix="ht-scale-bench-", dir="/tmp")
    extra_args = ["--sandbox-idle", f"{args.idle:g}s"] + (["--workers", str(args.workers)] if args.workers else [])
    process, base = start_site(folder, 0.0, {"HELLOTRACE_VISITOR_IDLE": f"{args.idle:g}"}, extra_args)
    try:
        with ProcessPoolExecutor(max_workers=clients) as pool:
            list(pool.map(warm_client, range(clients)))
            warm_up = pool.submit(student_group, base, 1, time.monotonic()).result()
            if not warm_up[0].ok:
                raise RuntimeError(f"the warm-up student failed: {warm_up[0].problem}")
            time.sleep(2.0)
            before = rss_of_tree(process.pid)
            show_rss("after one warm-up student", before)
            clients_before, site_before = children_cpu_seconds(), tree_cpu(process.pid)
            start_at = time.monotonic() + 1.0
            sizes = [args.students // clients + (1 if i < args.students % clients else 0) for i in range(clients)]
            futures = [pool.submit(student_group, base, size, start_at) for size in sizes]
            students = [student for future in futures for student in future.result()]
            wall = time.monotonic() - start_at
            site_cpu = tree_cpu(process.pid) - site_before
        client_cpu = children_cpu_seconds() - clients_before
        print(f"{args.students} students at once, page then four steps each (instant pace, pulls not paced):")
        all_done = report(students, wall, site_cpu, client_cpu)
        # Both sweeps look every `interval`: by `quiet_at` every finished run was released and every replay
        # packed; by `expired_at` every visitor and sandbox is gone.
        interval = sweep_interval(args.idle)
        crowd_end = time.monotonic()
        quiet_at = crowd_end + min(QUIET_SECONDS, args.idle / 3) + interval + 2
        expired_at = crowd_end + args.idle + interval + 3
        if quiet_at > start_at + args.idle:
            print(f"    (with --idle {args.idle:g} the first students may expire before the idle figure: raise --idle)")
        time.sleep(quiet_at - time.monotonic())
        idle = rss_of_tree(process.pid)
        show_rss(f"with {args.students} idle visitors", idle)
        growth = sum(idle.values()) - sum(before.values())
        print(f"    memory per idle visitor with its sandbox: {growth / args.students:.1f} KiB "
              f"(RSS growth {growth / 1024:.1f} MiB ÷ {args.students})")
        time.sleep(expired_at - time.monotonic())
        after = rss_of_tree(process.pid)
        show_rss("after they expired", after)
        change = (sum(after.values()) - sum(before.values())) / sum(before.values()) * 100
        print(f"    after expiry: {change:+.1f} % against the start (target: within 10 %)")
    finally:
        stop_process(process)
        shutil.rmtree(folder, ignore_errors=True)
    return 0 if all_done else 1


if __name__ == "__main__":
    sys.exit(main())
