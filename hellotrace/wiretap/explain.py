"""What an exchange is for: which docker command sends it, what its answer means, which lesson explains it.

Returns message keys and plain facts; the web layer words them in the reader's language. Commands come
from the docker CLI's own code paths (cli/command/…; engine-api-notes §5 for `docker run`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from hellotrace.wiretap.record import TracedExchange

_ID = r"[^/]+"


@dataclass(frozen=True)
class Endpoint:
    method: str
    pattern: re.Pattern[str]
    commands: tuple[str, ...]  # what sends it, most common first
    action: str  # message key: what the request asks for
    lesson: str | None  # lesson slug


def _e(method: str, path: str, commands: tuple[str, ...], action: str, lesson: str | None) -> Endpoint:
    return Endpoint(method, re.compile(f"^{path}$"), commands, f"trace.does.{action}", lesson)


ENDPOINTS: tuple[Endpoint, ...] = (
    _e("HEAD", "/_ping", ("docker …",), "ping", "cli-on-the-wire"),
    _e("GET", "/_ping", ("docker …",), "ping", "cli-on-the-wire"),
    _e("GET", "/version", ("docker version",), "version", "engine-api"),
    _e("GET", "/info", ("docker info",), "info", "engine-api"),
    _e("GET", "/containers/json", ("docker ps",), "list_containers", "container-endpoints"),
    _e("POST", "/containers/create", ("docker run", "docker create"), "create", "container-endpoints"),
    _e("POST", f"/containers/{_ID}/start", ("docker run", "docker start"), "start", "container-endpoints"),
    _e("POST", f"/containers/{_ID}/attach", ("docker run", "docker attach"), "attach", "cli-on-the-wire"),
    _e("POST", f"/containers/{_ID}/wait", ("docker run", "docker wait"), "wait", "container-endpoints"),
    _e("GET", f"/containers/{_ID}/logs", ("docker logs",), "logs", "container-endpoints"),
    _e("GET", f"/containers/{_ID}/json", ("docker inspect", "docker logs", "docker start -a"), "inspect",
       "container-endpoints"),
    _e("DELETE", f"/containers/{_ID}", ("docker rm",), "remove", "container-endpoints"),
    _e("POST", f"/containers/{_ID}/stop", ("docker stop",), "stop", "container-endpoints"),
    _e("POST", f"/containers/{_ID}/kill", ("docker kill", "docker run (Ctrl+C)"), "kill", "container-endpoints"),
    _e("POST", f"/containers/{_ID}/restart", ("docker restart",), "restart", "container-endpoints"),
    _e("POST", f"/containers/{_ID}/resize", ("docker run -t", "docker attach"), "resize", "cli-on-the-wire"),
    _e("POST", f"/containers/{_ID}/rename", ("docker rename",), "rename", "container-endpoints"),
    _e("GET", f"/containers/{_ID}/top", ("docker top",), "top", "container-endpoints"),
    _e("GET", f"/containers/{_ID}/stats", ("docker stats",), "stats", "container-endpoints"),
    _e("POST", f"/containers/{_ID}/exec", ("docker exec",), "exec_create", "container-endpoints"),
    _e("POST", f"/exec/{_ID}/start", ("docker exec",), "exec_start", "container-endpoints"),
    _e("GET", f"/exec/{_ID}/json", ("docker exec",), "exec_inspect", "container-endpoints"),
    _e("POST", "/containers/prune", ("docker container prune",), "prune_containers", "container-endpoints"),
    _e("POST", "/images/create", ("docker pull", "docker run"), "pull", "pull-endpoint"),
    _e("GET", "/images/json", ("docker images",), "list_images", "pull-endpoint"),
    _e("GET", f"/images/{_ID}(?:/{_ID})*/json", ("docker image inspect",), "inspect_image", "pull-endpoint"),
    _e("DELETE", f"/images/{_ID}(?:/{_ID})*", ("docker rmi",), "remove_image", "pull-endpoint"),
    _e("POST", f"/images/{_ID}(?:/{_ID})*/tag", ("docker tag",), "tag", "pull-endpoint"),
    _e("GET", f"/images/{_ID}(?:/{_ID})*/history", ("docker history",), "history", "pull-endpoint"),
    _e("POST", "/images/prune", ("docker image prune",), "prune_images", "pull-endpoint"),
    _e("GET", "/events", ("docker events",), "events", "engine-api"),
    _e("GET", "/system/df", ("docker system df",), "df", "engine-api"),
    _e("GET", "/networks", ("docker network ls",), "networks", "engine-api"),
    _e("GET", "/volumes", ("docker volume ls",), "volumes", "engine-api"),
    _e("POST", "/build", ("docker build",), "build", "engine-api"),
    _e("POST", "/auth", ("docker login",), "login", "client-config"),
)


@dataclass(frozen=True)
class Explanation:
    commands: tuple[str, ...]  # empty when hellotrace has no note on this endpoint
    action: str  # message key
    answer: str  # message key for what the status means here
    lesson: str | None
    daemon_message: str | None  # the daemon's own words on an error


def endpoint_for(method: str, path: str) -> Endpoint | None:
    return next((e for e in ENDPOINTS if e.method == method and e.pattern.match(path)), None)


def explain(record: TracedExchange) -> Explanation:
    endpoint = endpoint_for(record.method, record.path)
    commands = endpoint.commands if endpoint else ()
    if endpoint and endpoint.action == "trace.does.list_containers" and _flag(record, "all"):
        commands = ("docker ps -a",)
    return Explanation(
        commands=commands,
        action=endpoint.action if endpoint else "trace.does.unknown",
        answer=_answer(record, endpoint),
        lesson=endpoint.lesson if endpoint else None,
        daemon_message=record.exchange.daemon_message,
    )


def _answer(record: TracedExchange, endpoint: Endpoint | None) -> str:
    status = record.status
    if status is None:
        return "trace.answer.none" if record.finished else "trace.answer.waiting"
    action = endpoint.action.removeprefix("trace.does.") if endpoint else ""
    specific = {
        ("create", 404): "trace.answer.create_404", ("create", 201): "trace.answer.create_201",
        ("pull", 200): "trace.answer.pull_200", ("wait", 200): "trace.answer.wait_200",
        ("ping", 200): "trace.answer.ping_200", ("start", 204): "trace.answer.start_204",
    }.get((action, status))
    if specific:
        return specific
    if status in (101, 204, 304, 400, 404, 409, 500):
        return f"trace.answer.{status}"
    return f"trace.answer.{status // 100}xx" if 200 <= status < 600 else "trace.answer.other"


def _flag(record: TracedExchange, name: str) -> bool:
    value = (record.query.get(name) or [""])[0]
    return value.strip().lower() not in ("", "0", "no", "false", "none")


def invocation_command(records: Sequence[TracedExchange]) -> str | None:
    """The command line a group of exchanges most likely came from (`docker run hello-world`), or None."""
    paths = [(r.method, r.path) for r in records]
    create = next((r for r in records if r.path == "/containers/create"), None)
    started = any(m == "POST" and p.endswith("/start") for m, p in paths)
    if create is not None and started:
        image = _json_field(create.request_body, "Image")
        return "docker run" + (f" {image}" if image else "")
    pull = next((r for r in records if r.path == "/images/create"), None)
    if pull is not None and create is None:
        image = (pull.query.get("fromImage") or [""])[0]
        tag = (pull.query.get("tag") or [""])[0]
        return "docker pull" + (f" {image}{':' + tag if tag else ''}" if image else "")
    for record in records:
        if record.path != "/_ping":
            commands = explain(record).commands
            return commands[0] if commands else None
    return None


def _json_field(body: bytes, name: str) -> str | None:
    try:
        value = json.loads(body) if body else None
    except ValueError:
        return None
    field = value.get(name) if isinstance(value, dict) else None
    return field if isinstance(field, str) else None
