"""The site's process gives memory back: glibc's malloc is set for hundreds of threads from the start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hellotrace.sweeping import LEAN_MALLOC

ROOT = Path(__file__).resolve().parent.parent
PROGRAM = ("import os\nfrom hellotrace.sweeping import restart_with_lean_malloc\nrestart_with_lean_malloc()\n"
           "print(os.getpid(), os.environ['GLIBC_TUNABLES'])\n")


def _run(tunables: str | None) -> tuple[int, str, int]:
    env = {key: value for key, value in os.environ.items() if key != "GLIBC_TUNABLES"}
    if tunables is not None:
        env["GLIBC_TUNABLES"] = tunables
    child = subprocess.Popen([sys.executable, "-c", PROGRAM], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    out, _ = child.communicate(timeout=30)
    pid, _, seen = out.strip().partition(" ")
    return int(pid), seen, child.pid


@pytest.mark.skipif(not hasattr(os, "confstr") or "glibc" not in (os.confstr("CS_GNU_LIBC_VERSION") or ""),
                    reason="glibc's tunables only")
def test_the_program_restarts_itself_in_place_with_glibcs_tunables():
    pid, seen, started = _run(None)
    assert (pid, seen) == (started, LEAN_MALLOC)  # the same process, run once more, the setting in place
    pid, seen, started = _run("glibc.malloc.check=0")
    assert (pid, seen) == (started, f"{LEAN_MALLOC}:glibc.malloc.check=0")  # the caller's own setting last: it wins
