"""Every benchmark script still runs: each one once, at its smallest size (its figures mean nothing here).

A refactor that breaks a benchmark fails the suite instead of being found at the next `make bench`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.real_daemon import unavailable_reason

BENCH = Path(__file__).resolve().parents[1] / "bench"

# The smallest run of each script: a few seconds, every phase still exercised once.
QUICK_ARGUMENTS = {
    "engine_bench.py": ["--seconds", "0.2", "--clients", "1", "--processes", "1", "--docker-runs", "1",
                        "--events", "4"],
    "replay_bench.py": ["--runs", "1", "--students", "1", "--client-processes", "1"],
    "real_daemon_bench.py": ["--runs", "1"],
    "engine_restart_bench.py": ["--rounds", "1"],
    "hostile_client_bench.py": ["--slow", "0,5", "--pings", "3", "--creates", "2", "--cmd-mb", "0.1"],
    "page_weight_bench.py": ["--visits", "1"],
    "healthz_bench.py": ["--calls", "3"],
    "scale_bench.py": ["--students", "2", "--client-processes", "1", "--mode", "class", "--arrival", "0.5",
                       "--reaction", "0.2", "--cue-every", "0.5", "--cpu-by-thread"],
    "class_bench.py": ["--followers", "2", "--moves", "2", "--interval", "0.1"],
    "trace_bench.py": ["--seconds", "0.2", "--clients", "1", "--processes", "1", "--rounds", "1", "--students", "2",
                       "--requests", "2", "--interval", "0.2", "--sandboxes", "20"],
}
# Scripts that the others import; they have no command line of their own.
HELPERS = {"mock_engine.py"}


def test_every_bench_script_has_a_quick_run() -> None:
    scripts = {path.name for path in BENCH.glob("*.py")} - HELPERS
    assert scripts == set(QUICK_ARGUMENTS), "give each script in bench/ its quick arguments here"


@pytest.mark.parametrize("script", sorted(QUICK_ARGUMENTS))
def test_bench_script_runs(script: str) -> None:
    reason = None
    if script == "real_daemon_bench.py":
        reason = unavailable_reason()
    elif script == "page_weight_bench.py" and shutil.which("chromium") is None:
        reason = "chromium is not installed (apt-get install chromium)"
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true requires {script} to run: {reason}", pytrace=False)
        pytest.skip(reason)
    env = {key: value for key, value in os.environ.items() if key != "DOCKER_HOST"}
    result = subprocess.run([sys.executable, str(BENCH / script), *QUICK_ARGUMENTS[script]], env=env,
                            capture_output=True, text=True, timeout=110, check=False)
    assert result.returncode == 0, f"{script} failed:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
    if script == "scale_bench.py":
        # --cpu-by-thread: the site process's CPU split by its threads and by the requests they served.
        probed = result.stdout.split("by request and by thread", 1)[-1]
        assert "hellotrace-replay" in probed and "GET /{lang}/replay " in probed.split("; requests ", 1)[-1], \
            result.stdout[-2000:]
