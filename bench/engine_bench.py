"""Benchmark of the mock engine: pings/s, full container cycles/s, and `docker run hello-world` against its floor.

Starts the engine in its own process (as `python app.py mock-daemon` would run), drives it from this one
over keep-alive unix-socket connections, and prints the figures. Bounded: each phase stops after a fixed
duration or count.

    .venv/bin/python bench/engine_bench.py [--seconds 5] [--clients 4] [--docker-runs 10]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

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


def run_load(socket_path: str, clients: int, seconds: float, one_operation) -> tuple[int, list[float]]:
    """`clients` threads, each on its own keep-alive connection, repeat an operation until time is up."""
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
    elapsed = time.perf_counter() - started
    return int(len(latencies) / elapsed), latencies


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


def time_command(command: list[str], env: dict[str, str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = subprocess.run(command, env=env, capture_output=True, timeout=60, check=False)
        times.append(time.perf_counter() - started)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed: {result.stderr.decode()}")
    return times


def start_engine(folder: str) -> tuple[subprocess.Popen, str]:
    socket_path = os.path.join(folder, "docker.sock")
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py"), "mock-daemon", "--quiet", "--unix", socket_path,
         "--tcp", "127.0.0.1:0", "--pull-pace", "0"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT,
    )
    deadline = time.monotonic() + 20
    while not os.path.exists(socket_path):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the engine did not start: {process.stderr.read().decode() if process.stderr else ''}")
        time.sleep(0.05)
    return process, socket_path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each load phase")
    parser.add_argument("--clients", type=int, default=4, help="concurrent keep-alive connections")
    parser.add_argument("--docker-runs", type=int, default=10, help="runs of each docker command")
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="ht-bench-", dir="/tmp")
    process, socket_path = start_engine(folder)
    try:
        print(f"mock engine pid {process.pid}, socket {socket_path}; {args.clients} clients, {args.seconds:g} s each")
        rate, latencies = run_load(socket_path, args.clients, args.seconds, ping)
        print(f"GET /_ping: {rate} requests/s, p50 {percentile(latencies, .5) * 1000:.2f} ms, "
              f"p99 {percentile(latencies, .99) * 1000:.2f} ms")

        setup = UnixConnection(socket_path)
        request(setup, "POST", "/images/create?fromImage=hello-world&tag=latest")
        setup.close()
        rate, latencies = run_load(socket_path, args.clients, args.seconds, full_cycle)
        print(f"create→start→wait→logs→delete: {rate} cycles/s, p50 {percentile(latencies, .5) * 1000:.2f} ms, "
              f"p99 {percentile(latencies, .99) * 1000:.2f} ms")

        docker = shutil.which("docker")
        if docker is None:
            print("docker CLI not found: skipping the docker run / docker version comparison")
            return 0
        config_dir = tempfile.mkdtemp(prefix="ht-bench-docker-")
        env = {"PATH": os.environ.get("PATH", ""), "HOME": config_dir, "DOCKER_CONFIG": config_dir,
               "DOCKER_HOST": f"unix://{socket_path}"}
        floor = time_command([docker, "version"], env, args.docker_runs)
        run = time_command([docker, "run", "hello-world"], env, args.docker_runs)
        shutil.rmtree(config_dir, ignore_errors=True)
        floor_median, run_median = statistics.median(floor), statistics.median(run)
        print(f"docker version (the CLI's floor): median {floor_median * 1000:.0f} ms over {len(floor)} runs")
        print(f"docker run hello-world (image present): median {run_median * 1000:.0f} ms over {len(run)} runs "
              f"= {run_median / floor_median:.2f}x the floor")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
