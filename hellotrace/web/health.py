"""`/healthz` for process managers and load balancers: the site answers, and what it depends on is reachable.

It creates no visitor, sets no cookie and sends nothing through the traced client, so it shows in no trace
and no visitor count. Each dependency registers one check (the engine here; a database adds its own).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import Flask, current_app, jsonify

from hellotrace.engine.service import ping

# A dead engine refuses the connection at once; only a hung one waits this long. Kept well above the usual
# answer (about a millisecond, bench/healthz_bench.py) so that a busy machine is not reported as a dead engine.
ENGINE_PING_TIMEOUT = 1.0

HealthCheck = Callable[[], bool]


def add_health_check(app: Flask, name: str, check: HealthCheck) -> None:
    """`check` returns whether the dependency is reachable; it must answer within a few tens of milliseconds."""
    app.extensions.setdefault("hellotrace.health", {})[name] = check


def init_health(app: Flask) -> None:
    engine = app.extensions["hellotrace.engine"]
    daemon = app.config["DAEMON"]
    if daemon is None:
        # Started here if no visitor needed it yet: a process manager's first check must not fail for that.
        add_health_check(app, "engine", lambda: ping(engine.start().unix_path, ENGINE_PING_TIMEOUT))
    elif daemon.scheme == "unix" and daemon.socket_path:
        # A real daemon: `GET /_ping` is among the calls the policy allows, and this one is not traced.
        add_health_check(app, "daemon", lambda: ping(daemon.socket_path, ENGINE_PING_TIMEOUT))
    app.add_url_rule("/healthz", "healthz", healthz)


def healthz():
    started = time.perf_counter()
    checks = {name: "ok" if check() else "unreachable"
              for name, check in current_app.extensions.get("hellotrace.health", {}).items()}
    healthy = all(state == "ok" for state in checks.values())
    body = {"status": "ok" if healthy else "unhealthy", "checks": checks,
            "ms": round((time.perf_counter() - started) * 1000, 1)}
    response = jsonify(body)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response
