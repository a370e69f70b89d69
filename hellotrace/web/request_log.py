"""One log line per request through Flask's logger, as text or JSON (the LOG_FORMAT setting).

A line names the visitor by a short hash of their sandbox token, so that one student's requests can be
followed without the log holding anything that opens their sandbox. No cookie, no CSRF token, no query
string (a presenter token travels in one) ever reaches the log. `/healthz` is not logged: process managers
call it every few seconds.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import time

from flask import Flask, Response, g, request, session


class JsonFormatter(logging.Formatter):
    """One JSON object per line: what log collectors parse without a pattern."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"), "level": record.levelname.lower(),
                 "logger": record.name, "message": record.getMessage()}
        entry.update(getattr(record, "request", {}))
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


@functools.lru_cache(maxsize=4096)  # a student's dozen requests in a minute hash one token
def visitor_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:12]


def log_handler(log_format: str) -> logging.Handler:
    """Where log lines go (standard error), written as the LOG_FORMAT setting says: text or JSON."""
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    return handler


def use_handler(logger: logging.Logger, handler: logging.Handler) -> None:
    """`handler` as the logger's only one, also when the app is built again in one process."""
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False


def init_logging(app: Flask) -> None:
    """Flask's logger and hellotrace's own (the engine's supervisor) write alike, in the chosen format."""
    handler = log_handler(app.config["LOG_FORMAT"])
    for logger in (app.logger, logging.getLogger("hellotrace")):
        use_handler(logger, handler)

    @app.before_request
    def start_clock() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def log_request(response: Response) -> Response:
        if request.endpoint == "healthz":
            return response
        token = session.get("visitor")
        fields = {
            "remote": request.remote_addr or "-",
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "ms": round((time.perf_counter() - g.get("request_started", time.perf_counter())) * 1000, 1),
            "visitor": visitor_hash(token) if isinstance(token, str) else "-",
        }
        app.logger.info("%(remote)s %(method)s %(path)s %(status)s %(ms)sms visitor=%(visitor)s", fields,
                        extra={"request": fields})
        return response
