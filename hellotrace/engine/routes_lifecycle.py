"""Container routes beyond run: kill, restart, pause, unpause, rename, update, top, stats, resize, prune.

Texts and status codes are the daemon's (daemon/kill.go, pause.go, unpause.go, rename.go, update.go,
top_unix.go, stats.go, resize.go, prune.go); every change is also an event on the sandbox's log.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

from hellotrace.engine import apitypes
from hellotrace.engine.api import Call, daemon_headers, empty_response, json_response
from hellotrace.engine.bodies import decode_json_body
from hellotrace.engine.container_config import check_restart_policy
from hellotrace.engine.containers import Container, rfc3339_nano, utc_now
from hellotrace.engine.filter_args import match_labels, unix_time
from hellotrace.engine.http import Response
from hellotrace.engine.routes_containers import timeout_arg
from hellotrace.engine.routes_images import parse_filters
from hellotrace.engine.sandbox import CONTAINER_NAME
from hellotrace.engine.signals import SIGKILL, exit_code_after, parse_signal
from hellotrace.protocol.errors import EngineError, conflict, invalid_parameter
from hellotrace.protocol.gostrconv import quote
from hellotrace.protocol.jsonwire import encode_json

_STATS_INTERVAL = 1.0  # the daemon's stats collector ticks once a second


def _not_running(container: Container) -> EngineError:
    """errNotRunning (daemon/errors.go), lower case since engine 29."""
    return conflict(f"container {container.id} is not running")


def kill(call: Call) -> Response:
    """postContainersKill wraps every error of ContainerKill, the signal's included, keeping its status."""
    name = call.params["id"]
    try:
        _kill(call.sandbox, name, call.request.arg("signal") or "")
    except EngineError as error:
        raise EngineError(error.status, f"cannot kill container: {name}: {error.message}") from None
    return empty_response(204)


def _kill(sandbox, name: str, raw: str) -> None:
    signal = parse_signal(raw) if raw else SIGKILL
    with sandbox.cond:
        container = sandbox.find_container(name)
        if not container.alive:
            raise _not_running(container)
        container.manually_stopped = True
        sandbox.container_event(container, "kill", signal=str(signal))
        if container.status == "restarting":
            container.status = "exited"
            container.run_generation += 1
            sandbox.cond.notify_all()
            return
        code = exit_code_after(signal, bool(container.host_config.get("Init")))
        if code is not None:
            sandbox.finish(container, code)


def restart(call: Call) -> Response:
    timeout = timeout_arg(call)
    sandbox = call.sandbox
    with sandbox.cond:
        container = sandbox.find_container(call.params["id"])
        if container.status == "paused":
            container.status = "running"  # restart thaws the process before it stops it
        if container.alive:
            sandbox.stop_container(container.id, timeout, call.request.arg("signal"))
        container.manually_stopped = False
        try:
            sandbox.launch(container)
        except EngineError as error:
            raise EngineError(500, f"Cannot restart container {call.params['id']}: {error.message}") from None
        sandbox.container_event(container, "restart")
    return empty_response(204)


def pause(call: Call) -> Response:
    sandbox = call.sandbox
    with sandbox.cond:
        container = sandbox.find_container(call.params["id"])
        if not container.alive:
            raise _not_running(container)
        if container.status == "paused":
            raise conflict(f"container {container.id} is already paused")
        if container.status == "restarting":
            raise conflict(f"Container {container.id} is restarting, wait until the container is running")
        container.status = "paused"
        sandbox.container_event(container, "pause")
        sandbox.cond.notify_all()
    return empty_response(204)


def unpause(call: Call) -> Response:
    sandbox = call.sandbox
    with sandbox.cond:
        container = sandbox.find_container(call.params["id"])
        if container.status != "paused":
            # A plain error in the daemon, hence a 500.
            raise EngineError(500, f"Container {container.id} is not paused")
        container.status = "running"
        sandbox.container_event(container, "unpause")
        sandbox.cond.notify_all()
        thaw, container.frozen = container.frozen, None
    if callable(thaw):
        thaw()
    return empty_response(204)


def rename(call: Call) -> Response:
    new_name = call.request.arg("name") or ""
    sandbox = call.sandbox
    with sandbox.cond:
        container = sandbox.find_container(call.params["id"])
        if not new_name or not call.params["id"]:
            raise invalid_parameter("Neither old nor new names may be empty")
        if not CONTAINER_NAME.match(new_name):
            raise invalid_parameter(
                f"Invalid container name ({new_name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"
            )
        new_name = new_name.removeprefix("/")
        if new_name == container.name:
            raise invalid_parameter("Renaming a container with the same name as its current name")
        for other in sandbox.containers.values():
            if other.name == new_name:
                raise conflict(
                    f'Conflict. The container name "/{new_name}" is already in use by container "{other.id}". '
                    "You have to remove (or rename) that container to be able to reuse that name."
                )
        old_name = container.name
        container.name = new_name
        sandbox.container_event(container, "rename", oldName=f"/{old_name}")
        sandbox.cond.notify_all()
    return empty_response(204)


def update(call: Call) -> Response:
    """Resources and the restart policy change at once; the rest of HostConfig stays as created."""
    update_type = apitypes.update_request()
    node, decoded = decode_json_body(call, update_type, empty_is_zero=True)
    sent = {found.key for key, _, _ in node.members if (found := update_type.field_for(key)) is not None}
    sandbox = call.sandbox
    with sandbox.cond:
        container = sandbox.find_container(call.params["id"])
        if "RestartPolicy" in sent:
            check_restart_policy(decoded["RestartPolicy"])
            if container.auto_remove and (decoded["RestartPolicy"]["Name"] or "no") != "no":
                raise invalid_parameter(
                    "Cannot update container " + call.params["id"] + ": Restart policy cannot be updated because "
                    "AutoRemove is enabled for the container"
                )
        host_config = dict(container.host_config)
        for key in sent:
            host_config[key] = decoded[key]
        if "RestartPolicy" in sent:
            host_config["RestartPolicy"] = {**decoded["RestartPolicy"],
                                            "Name": decoded["RestartPolicy"]["Name"] or "no"}
        container.host_config = host_config
        sandbox.container_event(container, "update")
    return json_response(200, {"Warnings": []})


_PS_TITLES = ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]


def top(call: Call) -> Response:
    """`ps -ef` as the daemon runs it on the host, narrowed to the container's processes (its PID 1 here)."""
    sandbox = call.sandbox
    with sandbox.cond:
        container = sandbox.find_container(call.params["id"])
        if not container.alive:
            raise _not_running(container)
        if container.status == "restarting":
            raise conflict(f"Container {container.id} is restarting, wait until the container is running")
        started = (container.started_at or utc_now()).astimezone()
        row = ["root", str(container.pid), str(container.pid - 21), "0", started.strftime("%H:%M"), "?",
               "00:00:00", " ".join(container.argv)]
        sandbox.container_event(container, "top")
    return json_response(200, {"Processes": [row], "Titles": _PS_TITLES})


def stats(call: Call) -> Response:
    """One sample (`stream=false`) or one a second until the container stops or the client leaves."""
    request = call.request
    stream = request.flag("stream", default=True)
    one_shot = request.flag("one-shot")
    if one_shot and stream:
        raise invalid_parameter("cannot have stream=true and one-shot=true")
    sandbox = call.sandbox
    container = sandbox.find_container(call.params["id"])
    if not stream:
        with sandbox.cond:
            return json_response(200, _stats_sample(container, None, first=not one_shot))

    def body() -> Iterator[bytes]:
        previous = None
        while True:
            with sandbox.cond:
                sample = _stats_sample(container, previous, first=previous is None and not one_shot)
                alive = container.alive and not container.removed
            yield encode_json(sample)
            previous = sample
            if not stream or not alive:
                return
            deadline = time.monotonic() + _STATS_INTERVAL
            while time.monotonic() < deadline:
                yield b""  # lets the server notice a client that left
                with sandbox.cond:
                    sandbox.cond.wait(min(0.25, max(0.0, deadline - time.monotonic())))

    return Response(200, daemon_headers([("Content-Type", "application/json")]), body())


def _stats_sample(container: Container, previous: dict | None, first: bool) -> dict:
    """What the collector reports for a simulated process: no CPU time, a few hundred KiB of memory."""
    running = container.alive
    now = utc_now()
    empty_cpu = {"cpu_usage": {"total_usage": 0, "usage_in_kernelmode": 0, "usage_in_usermode": 0},
                 "system_cpu_usage": 0, "online_cpus": 0, "throttling_data": {"periods": 0, "throttled_periods": 0,
                                                                             "throttled_time": 0}}
    cpu = {**empty_cpu}
    if running:
        cpu = {"cpu_usage": {"total_usage": 20_000_000, "usage_in_kernelmode": 5_000_000,
                             "usage_in_usermode": 15_000_000},
               "system_cpu_usage": int(time.time() * 1e9) * 2, "online_cpus": 2,
               "throttling_data": {"periods": 0, "throttled_periods": 0, "throttled_time": 0}}
    memory = {"usage": 405_504, "stats": {"anon": 110_592, "file": 0, "inactive_file": 0, "active_file": 0},
              "limit": container.host_config["Memory"] or 8 * 1024**3} if running else {}
    return {
        "name": "/" + container.name,
        "id": container.id,
        "read": rfc3339_nano(now) if running else "0001-01-01T00:00:00Z",
        "preread": (previous or {}).get("read", "0001-01-01T00:00:00Z") if not first else "0001-01-01T00:00:00Z",
        "pids_stats": {"current": 1, "limit": container.host_config["PidsLimit"] or 4915} if running else {},
        "blkio_stats": {"io_service_bytes_recursive": None, "io_serviced_recursive": None,
                        "io_queue_recursive": None, "io_service_time_recursive": None,
                        "io_wait_time_recursive": None, "io_merged_recursive": None, "io_time_recursive": None,
                        "sectors_recursive": None},
        "num_procs": 0,
        "storage_stats": {},
        "cpu_stats": cpu,
        "precpu_stats": (previous or {}).get("cpu_stats", empty_cpu) if not first else empty_cpu,
        "memory_stats": memory,
        "networks": {"eth0": {"rx_bytes": 796, "rx_packets": 10, "rx_errors": 0, "rx_dropped": 0,
                              "tx_bytes": 0, "tx_packets": 0, "tx_errors": 0, "tx_dropped": 0}} if running else None,
    }


def resize(call: Call) -> Response:
    height, width = dimension_arg(call, "h"), dimension_arg(call, "w")
    sandbox = call.sandbox
    with sandbox.cond:
        container = sandbox.find_container(call.params["id"])
        if not container.alive:
            raise _not_running(container)
        container.console_size = (height, width)
        sandbox.container_event(container, "resize", height=str(height), width=str(width))
    return Response(200, daemon_headers(), b"")


def dimension_arg(call: Call, name: str) -> int:
    """A terminal's height or width (`h`, `w`): required, and not below 0."""
    value = call.request.int_arg(name)
    if value is None or value < 0:
        raise invalid_parameter(f"strconv.Atoi: parsing {quote(call.request.arg(name) or '')}: invalid syntax")
    return value


def prune(call: Call) -> Response:
    """Remove every stopped container the filters (until, label) select; report their IDs."""
    filters = parse_filters(call.request.arg("filters"))
    for key in filters:
        if key not in ("until", "label", "label!"):
            raise invalid_parameter(f"invalid filter '{key}'")
    until_time = unix_time((filters.get("until") or [None])[0])
    until = None if until_time is None else datetime.fromtimestamp(until_time, tz=UTC)
    sandbox = call.sandbox
    deleted = []
    with sandbox.cond:
        for container in list(sandbox.containers.values()):
            if container.alive or (until is not None and container.created >= until):
                continue
            if not _labels_match(container, filters):
                continue
            sandbox.remove_container(container.id, force=False)
            deleted.append(container.id)
        sandbox.events.emit("container", "prune", "", {"reclaimed": "0"})
    return json_response(200, {"ContainersDeleted": deleted or None, "SpaceReclaimed": 0})


def _labels_match(container: Container, filters: dict[str, list[str]]) -> bool:
    """Prune's label filters: every `label` matches, no `label!` does."""
    labels = container.config.get("Labels") or {}
    return match_labels(filters.get("label", []), labels) and \
        not any(match_labels([unwanted], labels) for unwanted in filters.get("label!", []))


ROUTES = [
    ("POST", r"/containers/(?P<id>[^/]+)/kill", kill),
    ("POST", r"/containers/(?P<id>[^/]+)/restart", restart),
    ("POST", r"/containers/(?P<id>[^/]+)/pause", pause),
    ("POST", r"/containers/(?P<id>[^/]+)/unpause", unpause),
    ("POST", r"/containers/(?P<id>[^/]+)/rename", rename),
    ("POST", r"/containers/(?P<id>[^/]+)/update", update),
    ("GET", r"/containers/(?P<id>[^/]+)/top", top),
    ("GET", r"/containers/(?P<id>[^/]+)/stats", stats),
    ("POST", r"/containers/(?P<id>[^/]+)/resize", resize),
    ("POST", r"/containers/prune", prune),
]
