"""CPU by thread and by request, inside every Python process of a site under `bench/scale_bench.py --cpu-by-thread`.

The bench puts this folder first on the site's PYTHONPATH and names a folder in HELLOTRACE_CPU_PROBE; Python then
imports this module at start-up in the site, its nodes and their engines (a `sitecustomize` shadows the system's,
which only matters for the bench's run). Without HELLOTRACE_CPU_PROBE it does nothing.

Each process writes `<pid>.json` into that folder four times a second: the CPU seconds its threads spent, by kind
(the thread's name without its number: `waitress`, `hellotrace-replay`, `trace-tap`, `MainThread`…; a thread that
ended is counted at its end, so a step's short-lived replay thread counts too), and the CPU seconds of the requests
its waitress threads served, by method and path (`GET /{lang}/replay/runs/{run}/events`). The kernel counts a
thread's CPU; Python does not name its threads for the kernel, so /proc alone cannot tell them apart."""

from __future__ import annotations

import os

_FOLDER = os.environ.get("HELLOTRACE_CPU_PROBE")

if _FOLDER:
    import collections
    import json
    import re
    import sys
    import threading
    import time

    _lock = threading.Lock()
    _ended: collections.Counter[str] = collections.Counter()  # CPU seconds of threads that ended, and of requests

    def _kind(name: str) -> str:
        """`waitress-12` → `waitress`; `Thread-3 (run)` → `Thread`."""
        return re.sub(r"[-_ ]?\d+$", "", name.split(" (", 1)[0]) or name

    def _request_kind(method: str, path: str) -> str:
        path = re.sub(r"^/[a-z]{2}(/|$)", r"/{lang}\1", path)
        path = re.sub(r"/runs/[^/]+", "/runs/{run}", path)
        return f"request {method} {path}"

    _bootstrap_inner = threading.Thread._bootstrap_inner

    def _counted_bootstrap_inner(self: threading.Thread) -> None:
        try:
            _bootstrap_inner(self)
        finally:
            spent = time.thread_time()
            with _lock:
                _ended[_kind(self.name)] += spent

    threading.Thread._bootstrap_inner = _counted_bootstrap_inner  # type: ignore[method-assign]

    def _count_requests() -> None:
        """Wrap waitress's task execution (once waitress is imported): the CPU of the thread while it served."""
        from waitress.task import WSGITask

        execute = WSGITask.execute

        def counted_execute(task: WSGITask) -> None:
            began = time.thread_time()
            try:
                execute(task)
            finally:
                spent = time.thread_time() - began
                with _lock:
                    _ended[_request_kind(task.request.command or "?", task.request.path or "")] += spent

        WSGITask.execute = counted_execute  # type: ignore[method-assign]

    def _write_forever() -> None:
        path = os.path.join(_FOLDER, f"{os.getpid()}.json")
        counting_requests = False
        while True:
            time.sleep(0.25)
            if not counting_requests and "waitress.task" in sys.modules:
                _count_requests()
                counting_requests = True
            alive: collections.Counter[str] = collections.Counter()
            for thread in threading.enumerate():
                try:
                    alive[_kind(thread.name)] += time.clock_gettime(time.pthread_getcpuclockid(thread.ident))
                except (OSError, TypeError):  # ended meanwhile, or not started yet
                    continue
            with _lock:
                figures = dict(_ended + alive)
            figures["process"] = time.process_time()
            with open(f"{path}.new", "w") as out:
                json.dump(figures, out)
            os.replace(f"{path}.new", path)

    threading.Thread(target=_write_forever, name="cpu-probe", daemon=True).start()
