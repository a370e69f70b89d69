"""Benchmark of the mock engine: pings/s, container cycles/s, `docker run` and `docker exec` against the CLI's floor,
and how long an action takes to reach a `docker events` listener.

Starts the engine in its own process (as `python app.py mock-daemon` would run), drives it from client
processes over keep-alive unix-socket connections, and prints the figures with the engine's own CPU use, which
tells whether a figure measures the engine or the client (they share the machine's cores). Bounded: each
phase stops after a fixed duration or count.

    .venv/bin/python bench/engine_bench.py [--seconds 5] [--clients 4] [--processes 2] [--docker-runs 30]
                                           [--events 200]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from mock_engine import running_mock_engine

ROOT = Path(__file__).resolve().parents[1]


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str) -> None:
        super().__init__("localhost", timeout=30)
        self.unix_path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.unix_path)


def request(conn: http.client.HTTPConnection, method: str, path: str, body: dict | None = None) -> bytes:
    headers = {}
    data = None
    if body is not None:
        data = json.dumps(body)
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=headers)
    response = conn.getresponse()
    payload = response.read()
    if response.status >= 400:
        raise RuntimeError(f"{method} {path} -> {response.status} {payload!r}")
    return payload


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def run_load(socket_path: str, clients: int, seconds: float, one_operation,
             start_at: float | None = None) -> tuple[float, list[float]]:
    """`clients` threads, each on its own keep-alive connection, repeat an operation until time is up.
    Returns the elapsed time and every operation's latency."""
    if start_at is not None:
        time.sleep(max(0.0, start_at - time.monotonic()))
    latencies: list[float] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker() -> None:
        conn = UnixConnection(socket_path)
        mine = []
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            one_operation(conn)
            mine.append(time.perf_counter() - started)
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, latencies


def engine_cpu_seconds(pid: int) -> float:
    """User + system CPU time the engine process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Phase:
    rate: int  # operations per second
    latencies: list[float]
    engine_share: float  # the engine's CPU use, as a fraction of one core
    engine_cpu_per_operation: float  # seconds

    def summary(self, unit: str) -> str:
        return (f"{self.rate} {unit}s/s, p50 {percentile(self.latencies, .5) * 1000:.2f} ms, "
                f"p99 {percentile(self.latencies, .99) * 1000:.2f} ms; engine CPU {self.engine_share * 100:.0f}% "
                f"of one core, {self.engine_cpu_per_operation * 1e6:.0f} µs per {unit}")


def run_phase(engine_pid: int, socket_path: str, args: argparse.Namespace, one_operation) -> Phase:
    """The load spread over client processes, so that the client's own GIL cannot cap the figure
    (`--processes 1` keeps every connection in one process)."""
    shares = [args.clients // args.processes + (i < args.clients % args.processes) for i in range(args.processes)]
    shares = [share for share in shares if share]
    with ProcessPoolExecutor(max_workers=len(shares)) as pool:
        start_at = time.monotonic() + 0.5  # every process begins together
        cpu_before = engine_cpu_seconds(engine_pid)
        futures = [pool.submit(run_load, socket_path, share, args.seconds, one_operation, start_at)
                   for share in shares]
        outcomes = [future.result() for future in futures]
        cpu = engine_cpu_seconds(engine_pid) - cpu_before
    rate = sum(len(latencies) / elapsed for elapsed, latencies in outcomes)
    latencies = [latency for _, mine in outcomes for latency in mine]
    return Phase(int(rate), latencies, cpu / args.seconds, cpu / len(latencies))


def ping(conn: http.client.HTTPConnection) -> None:
    request(conn, "GET", "/_ping")


def full_cycle(conn: http.client.HTTPConnection) -> None:
    created = json.loads(request(conn, "POST", "/v1.55/containers/create",
                                 {"Image": "hello-world", "AttachStdout": True, "AttachStderr": True}))
    cid = created["Id"]
    request(conn, "POST", f"/v1.55/containers/{cid}/start")
    request(conn, "POST", f"/v1.55/containers/{cid}/wait")
    request(conn, "GET", f"/v1.55/containers/{cid}/logs?stdout=1&stderr=1")
    request(conn, "DELETE", f"/v1.55/containers/{cid}")


def event_latencies(socket_path: str, count: int) -> list[float]:
    """From the moment a pause (then an unpause) is sent to the moment its event line reaches a listener that
    holds `GET /events` open: `count` actions on one running container."""
    setup = UnixConnection(socket_path)
    created = json.loads(request(setup, "POST", "/v1.55/containers/create",
                                 {"Image": "alpine", "Cmd": ["sleep", "600"]}))
    cid = created["Id"]
    request(setup, "POST", f"/v1.55/containers/{cid}/start")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.settimeout(30)  # a lost event ends the run with an error instead of waiting for ever
    listener.connect(socket_path)
    listener.sendall(b"GET /v1.55/events?filters=%7B%22event%22%3A%5B%22pause%22%2C%22unpause%22%5D%7D HTTP/1.1\r\n"
                     b"Host: localhost\r\n\r\n")
    reader = listener.makefile("rb")
    while reader.readline() not in (b"\r\n", b""):
        pass  # the head
    latencies = []
    for index in range(count):
        action = "pause" if index % 2 == 0 else "unpause"
        started = time.perf_counter()
        request(setup, "POST", f"/v1.55/containers/{cid}/{action}")
        while True:  # chunk size line, then the JSON line
            line = reader.readline()
            if line.startswith(b"{"):
                break
        latencies.append(time.perf_counter() - started)
    listener.close()
    request(setup, "DELETE", f"/v1.55/containers/{cid}?force=1")
    setup.close()
    return latencies


def time_once(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, timeout=60, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {result.stderr.decode()}")
    return elapsed


def time_commands(commands: list[list[str]], env: dict[str, str], runs: int) -> list[list[float]]:
    """Each command `runs` times, taking turns, so that a slow moment of the machine hits all of them alike;
    one untimed round first (the CLI writes its config on first use)."""
    for command in commands:
        time_once(command, env)
    times: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for command, mine in zip(commands, times, strict=True):
            mine.append(time_once(command, env))
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each load phase")
    parser.add_argument("--clients", type=int, default=4, help="concurrent keep-alive connections in all")
    parser.add_argument("--processes", type=int, default=2, help="client processes the connections are spread over")
    parser.add_argument("--docker-runs", type=int, default=30,
                        help="runs of each docker command (each run leaves one exited container, at most 99)")
    parser.add_argument("--events", type=int, default=200, help="actions timed until their event arrives")
    args = parser.parse_args()
    if args.clients < 1 or args.processes < 1 or not 1 <= args.docker_runs <= 98 or not 1 <= args.events <= 10_000:
        parser.error("--clients and --processes must be at least 1, --docker-runs between 1 and 98, --events "
                     "between 1 and 10000")

    with running_mock_engine() as (engine, folder):
        process, socket_path = engine.process, engine.unix_path
        print(f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.2f} "
              f"before the run; mock engine pid {process.pid}; "
              f"{args.clients} keep-alive connections over {args.processes} client processes, {args.seconds:g} s "
              "per phase")
        print(f"GET /_ping: {run_phase(process.pid, socket_path, args, ping).summary('request')}")

        setup = UnixConnection(socket_path)
        request(setup, "POST", "/images/create?fromImage=hello-world&tag=latest")
        request(setup, "POST", "/images/create?fromImage=alpine&tag=latest")
        setup.close()
        cycles = run_phase(process.pid, socket_path, args, full_cycle)
        print(f"create→start→wait→logs→delete: {cycles.summary('cycle')}")
        waits = event_latencies(socket_path, args.events)
        print(f"action → its docker events line: p50 {percentile(waits, .5) * 1000:.2f} ms, "
              f"p99 {percentile(waits, .99) * 1000:.2f} ms over {len(waits)} actions (the action's own round trip "
              "included)")

        docker = shutil.which("docker")
        if docker is None:
            print("docker CLI not found: skipping the docker run / docker version comparison")
            return 0
        config_dir = os.path.join(folder, "docker-config")  # a clean client configuration, removed with the folder
        os.mkdir(config_dir)
        env = {"PATH": os.environ.get("PATH", ""), "HOME": config_dir, "DOCKER_CONFIG": config_dir,
               "DOCKER_HOST": f"unix://{socket_path}"}
        time_once([docker, "run", "-d", "--name", "bench-exec", "alpine", "sleep", "3600"], env)
        floor, run, exec_run = time_commands([[docker, "version"], [docker, "run", "hello-world"],
                                              [docker, "exec", "bench-exec", "true"]], env, args.docker_runs)
        floor_median, run_median, exec_median = (statistics.median(floor), statistics.median(run),
                                                 statistics.median(exec_run))
        print(f"docker version (the CLI's floor): median {floor_median * 1000:.1f} ms over {len(floor)} runs")
        print(f"docker run hello-world (image present): median {run_median * 1000:.1f} ms over {len(run)} runs "
              f"= {run_median / floor_median:.2f}x the floor")
        print(f"docker exec (a running container, true): median {exec_median * 1000:.1f} ms over {len(exec_run)} "
              f"runs = {exec_median / floor_median:.2f}x the floor")
    return 0


if __name__ == "__main__":
    sys.exit(main())
