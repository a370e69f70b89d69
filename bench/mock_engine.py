"""The mock engine in its own process, as the site runs it, for the benchmarks (pulls not paced)."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: the packages sit at the root

from hellotrace.engine.service import EngineProcess  # noqa: E402


def start_mock_engine_process(folder: str, pull_pace: float = 0, app: Path = ROOT / "app.py") -> EngineProcess:
    """`python app.py mock-daemon`, supervised, on a unix socket in `folder` and a free TCP port;
    `.unix_path`, `.process`, `.stop()`. `app` may be another checkout's, to measure it the same way."""
    command = [sys.executable, str(app), "mock-daemon", "--quiet", "--pull-pace", f"{pull_pace:g}"]
    return EngineProcess(command, os.path.join(folder, "docker.sock"), ("127.0.0.1", 0)).start()


@contextmanager
def running_mock_engine() -> Iterator[tuple[EngineProcess, str]]:
    """The engine process and its fresh folder under /tmp; both gone when the block ends, however it ends."""
    folder = tempfile.mkdtemp(prefix="ht-bench-", dir="/tmp")
    engine = start_mock_engine_process(folder)
    try:
        yield engine, folder
    finally:
        engine.stop()
        shutil.rmtree(folder, ignore_errors=True)
