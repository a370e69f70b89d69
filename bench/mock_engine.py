"""The mock engine in its own process, as the site runs it, for the benchmarks (pulls not paced)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: the packages sit at the root

from hellotrace.engine.service import EngineProcess  # noqa: E402


def start_mock_engine_process(folder: str) -> EngineProcess:
    """`python app.py mock-daemon` on a unix socket in `folder` and a free TCP port; `.unix_path`, `.stop()`."""
    socket_path = os.path.join(folder, "docker.sock")
    command = [sys.executable, str(ROOT / "app.py"), "mock-daemon", "--quiet", "--unix", socket_path,
               "--tcp", "127.0.0.1:0", "--pull-pace", "0"]
    return EngineProcess(command, socket_path).start()
