"""Benchmark of the mock engine against a hostile local client: `_ping` latency while slow connections are
open, and the engine's memory (RSS) under the byte attack of 100 creates with a 3.9 MB `Cmd`, then a listing.

The engine runs in its own process (`python app.py mock-daemon`); `--app` measures another checkout's engine
the same way (its figures before a change). Bounded: a fixed number of pings and creates, every slow
connection closed at the end; the slow connections stay well within the engine's 30 s header deadline.

    .venv/bin/python bench/hostile_client_bench.py [--slow 0,500,1000] [--pings 200] [--creates 100]
                                                   [--cmd-mb 3.9] [--per-sandbox 1] [--app PATH/app.py]
"""

from __future__ import annotations

import argparse
import http.client
import json
import resource
import shutil
import socket
import statistics
import tempfile
import time
from pathlib import Path

from mock_engine import ROOT, start_mock_engine_process


def rss_mb(pid: int) -> tuple[float, float]:
    """The process's resident memory now and at its peak (VmRSS, VmHWM), in MB."""
    fields = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            name, _, value = line.partition(":")
            fields[name] = value
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def request(address: tuple[str, int], method: str, path: str, body: bytes | None = None,
            timeout: float = 60) -> tuple[int, bytes]:
    """One request on a fresh TCP connection; a connection the engine refused or cut counts as status 0."""
    conn = http.client.HTTPConnection(*address, timeout=timeout)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    except (OSError, http.client.HTTPException):
        return 0, b""
    finally:
        conn.close()


def ping_latencies(address: tuple[str, int], count: int) -> tuple[list[float], int]:
    """Milliseconds of `count` pings on fresh connections, and how many were not answered 200."""
    timings, failed = [], 0
    for _ in range(count):
        started = time.perf_counter()
        status, _ = request(address, "GET", "/_ping", timeout=10)
        timings.append((time.perf_counter() - started) * 1000)
        failed += status != 200
    return timings, failed


def open_slow_connections(address: tuple[str, int], count: int) -> list[socket.socket]:
    """Connections that sent part of a request head and then nothing more, as a slowloris client does."""
    slow = []
    for number in range(count):
        sock = socket.create_connection(address, timeout=10)
        sock.sendall(f"GET /_ping HTTP/1.1\r\nHost: x\r\nX-Slow: {number}".encode())
        slow.append(sock)
    return slow


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def slow_connections_phase(address: tuple[str, int], slow_counts: list[int], pings: int) -> None:
    print(f"_ping on a fresh TCP connection, {pings} times, with slow connections open:")
    for count in slow_counts:
        slow = open_slow_connections(address, count)
        time.sleep(0.3)
        try:
            timings, failed = ping_latencies(address, pings)
        finally:
            for sock in slow:
                sock.close()
        print(f"  {count:5d} slow: p50 {statistics.median(timings):6.2f} ms  p95 {percentile(timings, 0.95):6.2f} ms"
              f"  max {max(timings):7.2f} ms  not answered 200: {failed}")
        time.sleep(0.5)


def byte_attack_phase(address: tuple[str, int], pid: int, creates: int, cmd_mb: float, per_sandbox: int) -> None:
    """The attack of the issue: creates with a huge Cmd, `per_sandbox` in each sandbox (1: the hardest case
    for a budget per sandbox; all of them in one: the issue's own, whose listing copied every Cmd), then one
    listing of each sandbox."""
    before, _ = rss_mb(pid)
    command = "x" * int(cmd_mb * 1_000_000)
    body = json.dumps({"Image": "alpine", "Cmd": ["echo", command]}).encode()
    statuses: dict[int, int] = {}
    started = time.perf_counter()
    sandboxes = range(0, creates, per_sandbox)
    for number in range(creates):
        prefix = f"/sandboxes/attack{number - number % per_sandbox}/v1.55"
        if number % per_sandbox == 0:
            request(address, "POST", f"{prefix}/images/create?fromImage=alpine&tag=latest")
        status, _ = request(address, "POST", f"{prefix}/containers/create", body)
        statuses[status] = statuses.get(status, 0) + 1
    after_creates, peak_creates = rss_mb(pid)
    created_seconds = time.perf_counter() - started
    listed = 0
    for number in sandboxes:
        status, payload = request(address, "GET", f"/sandboxes/attack{number}/v1.55/containers/json?all=1")
        listed += len(json.loads(payload)) if status == 200 else 0
    after_listing, peak = rss_mb(pid)
    print(f"Byte attack: {creates} creates with a {cmd_mb:g} MB Cmd, {per_sandbox} per sandbox "
          f"({created_seconds:.1f} s), "
          f"answers {dict(sorted(statuses.items()))}; {listed} containers listed")
    print(f"  engine RSS: {before:.0f} MB before, {after_creates:.0f} MB after the creates "
          f"(peak {peak_creates:.0f} MB), {after_listing:.0f} MB after the listings (peak {peak:.0f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slow", default="0,500,1000", help="numbers of slow connections, comma-separated")
    parser.add_argument("--pings", type=int, default=200)
    parser.add_argument("--creates", type=int, default=100)
    parser.add_argument("--cmd-mb", type=float, default=3.9)
    parser.add_argument("--per-sandbox", type=int, default=1, help="creates in each sandbox (100: all in one)")
    parser.add_argument("--app", type=Path, default=ROOT / "app.py", help="the app.py whose engine is measured")
    args = parser.parse_args()
    slow_counts = [int(part) for part in args.slow.split(",") if part]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, max(slow_counts, default=0) + 256)), hard))
    folder = tempfile.mkdtemp(prefix="ht-bench-", dir="/tmp")
    engine = start_mock_engine_process(folder, app=args.app)
    try:
        assert engine.tcp_address is not None and engine.process is not None
        print(f"Engine: {args.app} (pid {engine.process.pid})")
        slow_connections_phase(engine.tcp_address, slow_counts, args.pings)
        byte_attack_phase(engine.tcp_address, engine.process.pid, args.creates, args.cmd_mb, args.per_sandbox)
    finally:
        engine.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
