"""Benchmark of the trace: the engine's throughput with and without tracing, and how long an exchange takes
to reach the trace page of each of 30 students tracing at once.

1. Throughput: the engine alone (`python app.py mock-daemon`, no tap), then the engine as the site runs it
   (`python app.py`: the engine in its child process publishing every byte to the site, which cuts them into
   exchanges). The same load as bench/engine_bench.py (pings, then create→start→wait→logs→delete cycles).
2. Latency: N students each open their trace page's event stream, then run what `docker ps -a` sends
   (a ping, then the list with a unique query) against their own sandbox over TCP, once a second; the latency
   is from just before the list request is written to the moment the event carrying it arrives on that
   student's stream. The site's CPU per run is printed too.
3. Receiving alone, in this process: the tap records of the replay's `docker run hello-world` (8 exchanges,
   captured once from an engine here), fed for N sandboxes to a TapReceiver and its store: the CPU to cut
   them into exchanges, the Python objects the store keeps for them (tracemalloc), and the first read of
   each exchange (the full parse a trace page or a check asks for).
Bounded: fixed durations and counts, loopback and private unix sockets only.

    .venv/bin/python bench/trace_bench.py [--seconds 5] [--students 30] [--requests 20] [--sandboxes 300]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import socket
import sys
import tempfile
import threading
import time
import tracemalloc
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from engine_bench import Phase, UnixConnection, engine_cpu_seconds, percentile, request, run_phase
from mock_engine import ROOT, start_mock_engine_process
from replay_bench import start_site, stop_process

from hellotrace.engine.api import EngineSettings
from hellotrace.engine.service import EngineOptions, EngineProcess, MockEngine
from hellotrace.protocol.tap import CLOSED
from hellotrace.wiretap import MemoryTraceStore
from hellotrace.wiretap.receiver import TapReceiver


def engine_child(site_pid: int) -> int:
    """The site's engine process (its only child, forked by whichever thread of the site started it)."""
    children = [pid for task in Path(f"/proc/{site_pid}/task").iterdir()
                for pid in (task / "children").read_text().split()]
    if len(children) != 1:
        raise RuntimeError(f"expected the site to have one child process (its engine), found {children}")
    return int(children[0])


# The load goes to a sandbox, as students' commands do (the default sandbox has no trace page of its own).
SANDBOX = "/sandboxes/bench"


def ping(conn: http.client.HTTPConnection) -> None:
    request(conn, "GET", f"{SANDBOX}/_ping")


def full_cycle(conn: http.client.HTTPConnection) -> None:
    """bench/engine_bench.py's cycle, in the sandbox."""
    created = json.loads(request(conn, "POST", f"{SANDBOX}/v1.55/containers/create",
                                 {"Image": "hello-world", "AttachStdout": True, "AttachStderr": True}))
    cid = created["Id"]
    request(conn, "POST", f"{SANDBOX}/v1.55/containers/{cid}/start")
    request(conn, "POST", f"{SANDBOX}/v1.55/containers/{cid}/wait")
    request(conn, "GET", f"{SANDBOX}/v1.55/containers/{cid}/logs?stdout=1&stderr=1")
    request(conn, "DELETE", f"{SANDBOX}/v1.55/containers/{cid}")


def throughput(engine_pid: int, socket_path: str, args: argparse.Namespace) -> tuple[Phase, Phase]:
    pings = run_phase(engine_pid, socket_path, args, ping)
    setup = UnixConnection(socket_path)
    request(setup, "POST", f"{SANDBOX}/images/create?fromImage=hello-world&tag=latest")
    setup.close()
    return pings, run_phase(engine_pid, socket_path, args, full_cycle)


def tap_alone(folder: str, args: argparse.Namespace) -> tuple[Phase, Phase]:
    """The engine publishing its tap to a socket that reads and forgets: the engine's own share."""
    path = os.path.join(folder, "discard.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)

    def discard() -> None:
        conn, _ = listener.accept()
        with conn:
            while conn.recv(1 << 20):
                pass

    threading.Thread(target=discard, daemon=True).start()
    command = [sys.executable, str(ROOT / "app.py"), "mock-daemon", "--quiet", "--pull-pace", "0", "--trace-to", path]
    engine = EngineProcess(command, os.path.join(folder, "docker.sock"), ("127.0.0.1", 0)).start()
    try:
        return throughput(engine.process.pid, engine.unix_path, args)
    finally:
        engine.stop()
        listener.close()
        os.unlink(path)


def lost_connections(folder: str) -> int:
    """Connections whose trace the engine had to cut short (the site's log says so for each)."""
    return Path(folder, "site.log").read_text(errors="replace").count("trace: the engine dropped part of")


def one_student(base: str, requests_count: int, interval: float, start_at: float) -> list[float]:
    """Open the trace stream, then send `requests_count` requests to the sandbox; latencies in seconds."""
    page = http.client.HTTPConnection(base.removeprefix("http://"), timeout=30)
    page.request("GET", "/en/trace")
    answer = page.getresponse()
    html = answer.read().decode()
    # Every cookie the page set (the session, the visitor cookie), as a browser sends them back.
    cookie = "; ".join(header.split(";")[0] for header in answer.msg.get_all("Set-Cookie", []))
    host, port, sandbox = re.search(r"export DOCKER_HOST=tcp://([\d.]+):(\d+)(/sandboxes/\w+)", html).groups()
    page.close()

    stream = http.client.HTTPConnection(base.removeprefix("http://"), timeout=30)
    stream.request("GET", "/en/trace/events?after=0&seq=0", headers={"Cookie": cookie})
    events = stream.getresponse()
    sent: dict[str, float] = {}
    arrived: dict[str, float] = {}
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            line = events.fp.readline()
            if not line:
                return
            now = time.perf_counter()
            # Whole markers only: the diagram shortens long labels, which would cut one.
            for marker in re.findall(rb"marker=(m\d+x[0-9a-f]{8})", line):
                arrived.setdefault(marker.decode(), now)
            if len(arrived) == requests_count:
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    time.sleep(max(0.0, start_at - time.monotonic()))
    engine = socket.create_connection((host, int(port)), timeout=10)
    for index in range(requests_count):
        # What `docker ps -a` sends: its ping, then the list (with a marker the stream is watched for).
        marker = f"m{index}x{secrets.token_hex(4)}"
        head = f"Host: {host}:{port}\r\nUser-Agent: Docker-Client/28.2.2 (linux)\r\n\r\n"
        engine.sendall(f"HEAD {sandbox}/_ping HTTP/1.1\r\n{head}".encode())
        _read_answer(engine, head_only=True)
        sent[marker] = time.perf_counter()
        engine.sendall(f"GET {sandbox}/v1.50/containers/json?all=1&marker={marker} HTTP/1.1\r\n{head}".encode())
        _read_answer(engine)
        time.sleep(interval)
    reader.join(timeout=15)
    done.set()
    engine.close()
    stream.close()
    return [arrived[m] - sent[m] if m in arrived else float("inf") for m in sent]


def _read_answer(sock: socket.socket, head_only: bool = False) -> None:
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0 if head_only else int(re.search(rb"(?i)content-length: (\d+)", head).group(1))
    while len(body) < length:
        body += sock.recv(65536)


def students_group(base: str, count: int, requests_count: int, interval: float, start_at: float) -> list[float]:
    results: list[list[float]] = [[] for _ in range(count)]

    def run(index: int) -> None:
        # Spread over the interval, as a class's commands are: not all in the same millisecond.
        results[index] = one_student(base, requests_count, interval, start_at + interval * index / count)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [latency for mine in results for latency in mine]


TapRecord = tuple[int, int, float, bytes]


def docker_run_tap(folder: str) -> list[TapRecord]:
    """The tap records of the replay's recipe (hellotrace/replay.py PLANNED) in sandbox `SANDBOX-TOKEN`."""
    records: list[TapRecord] = []
    path = os.path.join(folder, "capture.sock")
    engine = MockEngine(EngineOptions(unix_path=path, settings=EngineSettings(pull_pace=0),
                                      tap=lambda *record: records.append(record))).start()
    try:
        conn, prefix = UnixConnection(path), "/sandboxes/SANDBOX-TOKEN/v1.55"
        request(conn, "HEAD", "/sandboxes/SANDBOX-TOKEN/_ping")
        request(conn, "GET", f"{prefix}/version")
        conn.request("POST", f"{prefix}/containers/create", json.dumps({"Image": "hello-world"}),
                     {"Content-Type": "application/json"})
        conn.getresponse().read()  # 404: no such image yet
        request(conn, "POST", f"{prefix}/images/create?fromImage=hello-world&tag=latest")
        cid = json.loads(request(conn, "POST", f"{prefix}/containers/create", {"Image": "hello-world"}))["Id"]
        request(conn, "POST", f"{prefix}/containers/{cid}/start")
        request(conn, "POST", f"{prefix}/containers/{cid}/wait?condition=not-running")
        request(conn, "GET", f"{prefix}/containers/{cid}/logs?stderr=1&stdout=1&tail=all")
        conn.close()
        deadline = time.monotonic() + 5
        while not any(kind == CLOSED for _, kind, _, _ in records) and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        engine.stop()
    return records


def feed_sandboxes(receiver: TapReceiver, records: list[TapRecord], count: int, first: int) -> None:
    for number in range(first, first + count):
        token = f"{number:012d}".encode()
        for connection, kind, at, data in records:
            receiver(connection + number * 1000, kind, at, data.replace(b"SANDBOX-TOKEN", token))


def receiving(folder: str, sandboxes: int) -> None:
    records = docker_run_tap(folder)
    store = MemoryTraceStore(sandboxes=2 * sandboxes + 10)
    receiver = TapReceiver(store)
    feed_sandboxes(receiver, records, 10, 10**9)  # the interpreter's first-time allocations
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        feed_sandboxes(receiver, records, sandboxes, 0)
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    exchanges = len(store.exchanges(f"{0:012d}"))
    started = time.process_time()
    feed_sandboxes(receiver, records, sandboxes, sandboxes)
    cut = time.process_time() - started
    started = time.process_time()
    for number in range(sandboxes, 2 * sandboxes):
        for record in store.exchanges(f"{number:012d}"):
            _ = record.exchange.frames
    read = time.process_time() - started
    total = sandboxes * exchanges
    print(f"receiving alone, {sandboxes} sandboxes × {exchanges} exchanges (a docker run): "
          f"{cut / total * 1e6:.0f} µs of CPU per exchange to cut into the store; Python objects kept "
          f"{kept / total:.0f} B per exchange, {kept / sandboxes / 1024:.1f} KiB per sandbox; first read "
          f"(full parse) {read / total * 1e6:.0f} µs per exchange")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each throughput phase")
    parser.add_argument("--clients", type=int, default=4, help="keep-alive connections of the throughput load")
    parser.add_argument("--processes", type=int, default=2, help="client processes the load is spread over")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of the throughput comparison")
    parser.add_argument("--tap-alone", action="store_true",
                        help="also measure the engine with its tap writing to a socket that only discards "
                             "(the engine's own share of the cost, without the site's parsing)")
    parser.add_argument("--students", type=int, default=30, help="students tracing at once")
    parser.add_argument("--requests", type=int, default=10, help="`docker ps -a` runs of each student")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between a student's runs")
    parser.add_argument("--sandboxes", type=int, default=300, help="sandboxes fed to the receiver alone")
    args = parser.parse_args()
    if not (1 <= args.students <= 100 and 1 <= args.requests <= 200 and 1 <= args.rounds <= 5
            and args.clients >= 1 and args.processes >= 1 and 1 <= args.sandboxes <= 5000):
        parser.error("--students 1-100, --requests 1-200, --rounds 1-5, --sandboxes 1-5000, --clients and "
                     "--processes at least 1")

    print(f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.2f} before "
          f"the run; {args.clients} keep-alive connections over {args.processes} client processes, "
          f"{args.seconds:g} s per phase")
    folder = tempfile.mkdtemp(prefix="ht-bench-", dir="/tmp")
    try:
        receiving(folder, args.sandboxes)
        # Without and with tracing in turns, so that a busy moment of a shared machine hits both alike.
        plain: list[tuple[Phase, Phase]] = []
        traced: list[tuple[Phase, Phase]] = []
        tapped: list[tuple[Phase, Phase]] = []
        for _ in range(args.rounds):
            alone = start_mock_engine_process(folder)
            try:
                plain.append(throughput(alone.process.pid, alone.unix_path, args))
            finally:
                alone.stop()
            site, base = start_site(folder, pull_pace=0)
            try:
                traced.append(throughput(engine_child(site.pid), os.path.join(folder, "docker.sock"), args))
            finally:
                stop_process(site)
            print(f"round {len(traced)}: {lost_connections(folder)} of the load's connections lost part of "
                  "their trace (the site could not keep up)")
            if args.tap_alone:
                tapped.append(tap_alone(folder, args))
        for index, (name, unit) in enumerate((("GET /_ping", "request"), ("create→start→wait→logs→delete", "cycle"))):
            for round_number, (without, with_trace) in enumerate(zip(plain, traced, strict=True), 1):
                print(f"round {round_number}, {name} without tracing: {without[index].summary(unit)}")
                print(f"round {round_number}, {name} with tracing:    {with_trace[index].summary(unit)}")
            kept = sum(t[index].rate for t in traced) / sum(p[index].rate for p in plain) * 100
            print(f"  → {name}: with tracing the engine keeps {kept:.0f}% of its throughput ({args.rounds} rounds)")
            if tapped:
                for round_number, alone_tap in enumerate(tapped, 1):
                    print(f"round {round_number}, {name}, tap only:   {alone_tap[index].summary(unit)}")
                kept = sum(t[index].rate for t in tapped) / sum(p[index].rate for p in plain) * 100
                print(f"  → {name}: with its tap alone (no parsing) the engine keeps {kept:.0f}%")

        site, base = start_site(folder, pull_pace=0)
        try:
            per_process = [args.students // args.processes + (i < args.students % args.processes)
                           for i in range(args.processes)]
            start_at = time.monotonic() + 2.0  # every page and stream open before the first request
            site_cpu = engine_cpu_seconds(site.pid)
            with ProcessPoolExecutor(max_workers=args.processes) as pool:
                futures = [pool.submit(students_group, base, count, args.requests, args.interval, start_at)
                           for count in per_process if count]
                latencies = [latency for future in futures for latency in future.result()]
            site_cpu = engine_cpu_seconds(site.pid) - site_cpu
            missing = sum(1 for latency in latencies if latency == float("inf"))
            seen = [latency for latency in latencies if latency != float("inf")]
            print(f"{args.students} students tracing at once, {len(latencies)} requests: "
                  f"{len(seen)} seen on their trace stream, {missing} not seen; request → event latency "
                  f"p50 {percentile(seen, .5) * 1000:.0f} ms, p95 {percentile(seen, .95) * 1000:.0f} ms, "
                  f"max {max(seen) * 1000:.0f} ms; site CPU {site_cpu / len(latencies) * 1000:.1f} ms per run")
        finally:
            stop_process(site)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
