"""How fast /healthz answers (target: under 50 ms), through the whole Flask stack, with the engine in its own
process as the site runs it.

    .venv/bin/python bench/healthz_bench.py [--calls N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time

from mock_engine import ROOT, start_mock_engine_process

sys.path.insert(0, str(ROOT))
from app import create_app  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=500, help="timed calls after one warm-up call")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ht-", dir="/tmp") as folder:
        engine = start_mock_engine_process(folder)
        try:
            client = create_app({"TESTING": True}, engine=engine).test_client()
            client.get("/healthz")  # imports and the first connection are not what a prober sees
            times = []
            for _ in range(args.calls):
                started = time.perf_counter()
                answer = client.get("/healthz")
                times.append((time.perf_counter() - started) * 1000)
                if answer.status_code != 200:
                    sys.exit(f"/healthz answered {answer.status_code}: {answer.get_data(as_text=True)}")
        finally:
            engine.stop()
    times.sort()
    p95 = times[max(0, int(len(times) * 0.95) - 1)]
    print(f"/healthz over {len(times)} calls: median {statistics.median(times):.2f} ms, p95 {p95:.2f} ms, "
          f"max {times[-1]:.2f} ms (target: under 50 ms)")


if __name__ == "__main__":
    main()
