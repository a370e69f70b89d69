"""Benchmark of a class: one presenter and F followers on the site as `python app.py` serves it.

Each follower joins the class with its own cookie session (the join form, CSRF token included) and holds
the class's event stream open, as a student's page does. The presenter then moves M times, one move every
`--interval` seconds; for each move and each follower the script measures the time from the presenter's
POST leaving to that follower receiving the `position` event. Run once with the in-process fan-out and once
with Redis (a private redis-server on a unix socket), which is what several site processes would use.

    .venv/bin/python bench/class_bench.py [--followers 100] [--moves 30] [--interval 0.3] [--no-redis]

Everything is bounded: streams time out, the site and redis-server are stopped by PID at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from replay_bench import percentile, start_site, stop_process  # noqa: E402

from tests.services import redis_missing, start_redis  # noqa: E402

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CODE = re.compile(r'data-join-code="(\w+)"')
REQUEST_TIMEOUT = 30.0
TARGET_P95_MS = 500.0


@dataclass
class Follower:
    number: int
    session: requests.Session = field(default_factory=requests.Session)
    events: list[tuple[float, dict]] = field(default_factory=list)
    connected: threading.Event = field(default_factory=threading.Event)
    error: str | None = None


def csrf_token(session: requests.Session, url: str) -> str:
    response = session.get(url, timeout=REQUEST_TIMEOUT)
    response.raise_for_status()
    return CSRF.search(response.text).group(1)


def create_class(base: str) -> tuple[requests.Session, str, str]:
    teacher = requests.Session()
    token = csrf_token(teacher, f"{base}/en/class/new")
    response = teacher.post(f"{base}/en/class/new", data={"title": "bench", "csrf_token": token},
                            timeout=REQUEST_TIMEOUT)
    response.raise_for_status()
    return teacher, CODE.search(response.text).group(1), CSRF.search(response.text).group(1)


def listen(base: str, code: str, follower: Follower, stop: threading.Event) -> None:
    """Join, then read the class's event stream until told to stop, noting when each event arrived."""
    try:
        token = csrf_token(follower.session, f"{base}/en/join/{code}")
        follower.session.post(f"{base}/en/join/{code}", data={"name": f"student {follower.number}",
                                                              "csrf_token": token}, timeout=REQUEST_TIMEOUT)
        with follower.session.get(f"{base}/en/class/{code}/events", stream=True, timeout=REQUEST_TIMEOUT) as stream:
            stream.raise_for_status()
            kind = ""
            for line in stream.iter_lines(chunk_size=1024, decode_unicode=True):
                if line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("data: ") and kind == "position":
                    follower.events.append((time.monotonic(), json.loads(line[6:])))
                    follower.connected.set()
                if stop.is_set():
                    return
    except requests.RequestException as exc:
        follower.error = str(exc)
        follower.connected.set()


def run_class(followers_count: int, moves: int, interval: float, redis_url: str | None) -> dict[str, object]:
    folder = tempfile.mkdtemp(prefix="ht-class-bench-", dir="/tmp")
    extra = {"HELLOTRACE_REDIS_URL": redis_url} if redis_url else {}
    process, base = start_site(folder, 0.0, extra)
    stop = threading.Event()
    try:
        teacher, code, token = create_class(base)
        followers = [Follower(n) for n in range(1, followers_count + 1)]
        threads = [threading.Thread(target=listen, args=(base, code, f, stop), daemon=True) for f in followers]
        for thread in threads:
            thread.start()
        for follower in followers:
            if not follower.connected.wait(60):
                raise RuntimeError(f"follower {follower.number} never connected")
        failed = [f for f in followers if f.error]
        if failed:
            raise RuntimeError(f"{len(failed)} followers failed, e.g. {failed[0].error}")
        sent: list[float] = []
        for move in range(moves):
            time.sleep(interval)
            data = {"step": str(move % 4 + 1), "exchange": str(move % 100), "csrf_token": token}
            sent.append(time.monotonic())
            response = teacher.post(f"{base}/en/class/{code}/position", data=data,
                                    headers={"Accept": "application/json"}, timeout=REQUEST_TIMEOUT)
            response.raise_for_status()
        time.sleep(max(1.0, interval))
        latencies, missing = [], 0
        for follower in followers:
            for move, started in enumerate(sent):
                arrived = next((at for at, event in follower.events
                                if event.get("exchange") == move % 100 and at >= started), None)
                if arrived is None:
                    missing += 1
                else:
                    latencies.append(arrived - started)
        return {
            "fanout": "redis" if redis_url else "in-process",
            "followers": followers_count, "moves": moves, "samples": len(latencies), "missing": missing,
            "p50_ms": percentile(latencies, 0.50) * 1000, "p95_ms": percentile(latencies, 0.95) * 1000,
            "max_ms": max(latencies) * 1000,
        }
    except (RuntimeError, requests.RequestException):
        stop_process(process)
        print("the end of the site's log:\n" + "\n".join(
            Path(folder, "site.log").read_text(errors="replace").splitlines()[-25:]), file=sys.stderr)
        raise
    finally:
        stop.set()
        stop_process(process)
        shutil.rmtree(folder, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--followers", type=int, default=100)
    parser.add_argument("--moves", type=int, default=30)
    parser.add_argument("--interval", type=float, default=0.3, help="seconds between the presenter's moves")
    parser.add_argument("--no-redis", action="store_true", help="only the in-process fan-out")
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.2f}; {os.cpu_count()} CPUs")
    results = [run_class(args.followers, args.moves, args.interval, None)]
    if not args.no_redis:
        reason = redis_missing()
        if reason:
            print(f"Redis run skipped: {reason}")
        else:
            server = start_redis()
            try:
                results.append(run_class(args.followers, args.moves, args.interval, server.url))
            finally:
                server.stop()
    ok = True
    for result in results:
        verdict = "ok" if result["p95_ms"] <= TARGET_P95_MS and not result["missing"] else "MISSED"
        ok = ok and verdict == "ok"
        print(f"{result['fanout']:>10}: {result['followers']} followers x {result['moves']} moves = "
              f"{result['samples']} events ({result['missing']} missing); presenter's step -> follower's event: "
              f"p50 {result['p50_ms']:.1f} ms, p95 {result['p95_ms']:.1f} ms, max {result['max_ms']:.1f} ms "
              f"[target p95 <= {TARGET_P95_MS:.0f} ms: {verdict}]")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
