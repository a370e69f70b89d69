"""Container routes (daemon/server/router/container): create, list, inspect, start, stop, wait, attach, logs, delete."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from hellotrace.engine import apitypes, container_filters
from hellotrace.engine.api import Call, daemon_headers, empty_response, json_array_response, json_response
from hellotrace.engine.bodies import decode_json_body
from hellotrace.engine.container_config import apply_daemon_defaults, check_host_config, no_reading
from hellotrace.engine.containers import Container, OutputChunk, rfc3339_nano, utc_now
from hellotrace.engine.http import ClientGone, Hijack, RawConnection, Response, reason_phrase
from hellotrace.engine.ports import inspect_ports, listed_ports
from hellotrace.engine.routes_images import MANIFEST_DESCRIPTOR_SIZE, parse_filters
from hellotrace.engine.routes_networks import find_network, networks_of
from hellotrace.engine.routes_volumes import ensure_volumes, mounts_of
from hellotrace.engine.terminal import EscapeWatch, parse_detach_keys
from hellotrace.protocol import gotypes
from hellotrace.protocol.errors import EngineError, invalid_parameter
from hellotrace.protocol.gostrconv import atoi
from hellotrace.protocol.jsonwire import encode_json
from hellotrace.protocol.stdcopy import encode_frame
from hellotrace.protocol.versions import MULTIPLEXED_CONTENT_TYPE_SINCE, api_version_less

RAW_STREAM = "application/vnd.docker.raw-stream"
MULTIPLEXED_STREAM = "application/vnd.docker.multiplexed-stream"
# How often a waiting stream wakes up to check that its client is still connected.
_POLL_SECONDS = 0.5


# -- create -------------------------------------------------------------------------------------------


def create(call: Call) -> Response:
    """Decode as runconfig does (Go types, Go's errors), check as verifyContainerSettings does, then create."""
    wrapper = apitypes.create_request()
    node, decoded = decode_json_body(call, wrapper)
    config_keys = {field.key for field in apitypes.definition("ContainerConfig").fields}
    sent = {found.key for key, _, _ in node.members if (found := wrapper.field_for(key)) is not None}
    if node.kind != "object" or not sent & config_keys:
        # The embedded *container.Config stays nil unless one of its fields was sent.
        raise invalid_parameter("config cannot be empty in order to create a container")
    config = {key: decoded[key] for key in config_keys}
    host_config = decoded["HostConfig"] or gotypes.zero(apitypes.definition("HostConfig"))
    check_host_config(host_config)
    mode = host_config["NetworkMode"]
    if mode and mode not in ("default", "bridge", "host", "none") and not mode.startswith("container:"):
        with call.sandbox.cond:
            find_network(call.sandbox, mode)
    if not config["Image"]:
        raise invalid_parameter(
            "no image was given: the mock engine creates containers from an image only (set \"Image\")"
        )
    name = call.request.arg("name")
    with call.sandbox.cond:
        ensure_volumes(call.sandbox, host_config)
    container = call.sandbox.create_container(name or None, config, apply_daemon_defaults(host_config))
    return json_response(201, {"Id": container.id, "Warnings": []})


# -- list and inspect ---------------------------------------------------------------------------------


def list_containers(call: Call) -> Response:
    request = call.request
    filters = parse_filters(request.arg("filters"))
    limit = request.int_arg("limit")
    limit = -1 if limit is None else limit
    now = utc_now()
    sandbox = call.sandbox
    with sandbox.cond:
        folded = container_filters.fold(sandbox, filters, request.flag("all") or limit > 0)
        containers = container_filters.select(
            sandbox, sorted(sandbox.containers.values(), key=lambda c: c.created, reverse=True), folded)
    if limit > 0:
        containers = containers[:limit]

    def summaries() -> Iterator[bytes]:
        # One container's summary at a time: a listing never holds every container's JSON at once.
        for container in containers:
            with sandbox.cond:
                summary = _summary(sandbox, container, call.api_version, now, with_size=request.flag("size"))
            yield encode_json(summary)

    return json_array_response(summaries())


def _command(container: Container) -> str:
    """Path, then each argument, quoted in single quotes when it holds a space (daemon/list.go)."""
    if not container.argv:
        return ""
    path, *args = container.argv
    return " ".join([path, *(f"'{arg}'" if " " in arg else arg for arg in args)])


def _summary(sandbox, container: Container, api_version: str, now: datetime, with_size: bool = False) -> dict:
    network_mode = container.host_config.get("NetworkMode") or "default"
    summary: dict[str, object] = {
        "Id": container.id,
        "Names": ["/" + container.name],
        "Image": container.image_name,
        "ImageID": container.image.index_digest,
        "Command": _command(container),
        "Created": int(container.created.timestamp()),
        "Ports": listed_ports(container),
        "Labels": container.config.get("Labels") or {},
        "State": container.status,
        "Status": container.status_text(now),
        "HostConfig": {"NetworkMode": network_mode},
        "NetworkSettings": {"Networks": _endpoints(sandbox, container)},
        "Mounts": mounts_of(sandbox, container),
    }
    if with_size:
        # Simulated programs write no file: nothing in the container's own layer, the image below it.
        summary["SizeRw"] = 0
        summary["SizeRootFs"] = container.image.size
    if not api_version_less(api_version, "1.48"):
        summary["ImageManifestDescriptor"] = {
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": container.image.manifest_digest,
            "size": MANIFEST_DESCRIPTOR_SIZE,
            "platform": {"architecture": container.image.architecture, "os": container.image.os},
        }
    return summary


def _endpoints(sandbox, container: Container) -> dict[str, dict]:
    """One endpoint per network the container is on; only networks with a subnet give it an address."""
    by_name = {network.name: network for network in sandbox.networks.values()}
    return {name: _endpoint(container, by_name[name].gateway if name in by_name else "")
            for name in networks_of(sandbox, container)}


def _endpoint(container: Container, gateway: str) -> dict:
    addressed = container.running and bool(gateway)
    return {
        "IPAMConfig": None, "Links": None, "Aliases": None, "MacAddress": "", "DriverOpts": None,
        "GwPriority": 0, "NetworkID": "", "EndpointID": "",
        "Gateway": gateway if addressed else "", "IPAddress": _ip(container, gateway) if addressed else "",
        "IPPrefixLen": 16 if addressed else 0, "IPv6Gateway": "", "GlobalIPv6Address": "",
        "GlobalIPv6PrefixLen": 0, "DNSNames": None,
    }


def _ip(container: Container, gateway: str) -> str:
    return gateway.rsplit(".", 1)[0] + f".{2 + int(container.id[:2], 16) % 250}"


def inspect(call: Call) -> Response:
    container = call.sandbox.find_container(call.params["id"])
    with call.sandbox.cond:
        body = _inspect_body(call.sandbox, container)
    if not api_version_less(call.api_version, "1.52"):
        # With the containerd image store, API 1.52+ describes the snapshot instead of a graph driver.
        del body["GraphDriver"]
        body["Storage"] = {"RootFS": {"Snapshot": {"Name": "overlayfs"}}}
    if api_version_less(call.api_version, "1.52") and "bridge" in body["NetworkSettings"]["Networks"]:
        # Below API 1.52 the daemon still repeats the bridge endpoint at the top of NetworkSettings.
        bridge = body["NetworkSettings"]["Networks"]["bridge"]
        body["NetworkSettings"].update({key: bridge[key] for key in _LEGACY_BRIDGE_FIELDS})
    return json_response(200, body)


_LEGACY_BRIDGE_FIELDS = ("EndpointID", "Gateway", "GlobalIPv6Address", "GlobalIPv6PrefixLen", "IPAddress",
                         "IPPrefixLen", "IPv6Gateway", "MacAddress")


def _inspect_body(sandbox, container: Container) -> dict[str, Any]:
    # The stored Config, with what the daemon took from the image where the client set nothing.
    full_config = gotypes.marshal({
        **container.config,
        "Hostname": container.hostname,
        "Env": container.env,
        "Cmd": container.cmd,
        "WorkingDir": container.working_dir,
        "Entrypoint": container.entrypoint,
        "Labels": {**dict(container.image.config.labels), **(container.config.get("Labels") or {})},
    }, apitypes.definition("ContainerConfig"))
    status = container.status
    return {
        "Id": container.id,
        "Created": rfc3339_nano(container.created),
        "Path": container.argv[0] if container.argv else "",
        "Args": list(container.argv[1:]),
        "State": {
            "Status": status,
            "Running": container.alive,
            "Paused": status == "paused",
            "Restarting": status == "restarting",
            "OOMKilled": False,
            "Dead": False,
            "Pid": container.pid,
            "ExitCode": container.exit_code,
            "Error": container.error,
            "StartedAt": rfc3339_nano(container.started_at),
            "FinishedAt": rfc3339_nano(container.finished_at),
        },
        "Image": container.image.index_digest,
        "ResolvConfPath": f"/var/lib/docker/containers/{container.id}/resolv.conf",
        "HostnamePath": f"/var/lib/docker/containers/{container.id}/hostname",
        "HostsPath": f"/var/lib/docker/containers/{container.id}/hosts",
        "LogPath": f"/var/lib/docker/containers/{container.id}/{container.id}-json.log",
        "Name": "/" + container.name,
        "RestartCount": container.restart_count,
        "Driver": "overlayfs",
        "Platform": "linux",
        "MountLabel": "",
        "ProcessLabel": "",
        "AppArmorProfile": "",
        "ExecIDs": None,
        "HostConfig": gotypes.marshal(container.host_config, apitypes.definition("HostConfig")),
        "GraphDriver": {"Data": None, "Name": "overlayfs"},
        "Mounts": mounts_of(sandbox, container),
        "Config": full_config,
        "NetworkSettings": {
            "SandboxID": "",
            "SandboxKey": "",
            "Ports": inspect_ports(container),
            "Networks": _endpoints(sandbox, container),
        },
    }


# -- lifecycle ----------------------------------------------------------------------------------------


def start(call: Call) -> Response:
    if len(call.request.body) > 7 or call.request.header("Transfer-Encoding"):
        raise invalid_parameter(
            "starting container with non-empty request body was deprecated since API v1.22 and removed in v1.24"
        )
    call.sandbox.start_container(call.params["id"])
    return empty_response(204)


def timeout_arg(call: Call) -> int | None:
    """The `t` argument of stop and restart: seconds before SIGKILL, None when absent (the default grace applies)."""
    return call.request.int_arg("t")


def stop(call: Call) -> Response:
    timeout = timeout_arg(call)
    signal = call.request.arg("signal")
    call.sandbox.stop_container(call.params["id"], timeout, signal)
    return empty_response(204)


def remove(call: Call) -> Response:
    call.sandbox.remove_container(call.params["id"], call.request.flag("force"))
    return empty_response(204)


_WAIT_CONDITIONS = ("not-running", "next-exit", "removed")


def wait(call: Call) -> Response:
    """Headers go out at once (the CLI waits for them before it starts); the body when the condition is met."""
    condition = call.request.arg("condition") or "not-running"
    if condition not in _WAIT_CONDITIONS:
        raise invalid_parameter(f'invalid condition: "{condition}"')
    sandbox = call.sandbox
    container = sandbox.find_container(call.params["id"])
    exits_seen = container.exit_count

    def condition_met() -> bool:
        if condition == "removed":
            return container.removed
        if condition == "next-exit":
            return container.exit_count > exits_seen
        return not container.alive

    def body() -> Iterator[bytes]:
        yield b""
        while True:
            with sandbox.cond:
                if condition_met():
                    result: dict[str, object] = {"StatusCode": container.exit_code}
                    if container.error:
                        result = {"Error": {"Message": container.error}, "StatusCode": container.exit_code}
                    break
                sandbox.cond.wait(_POLL_SECONDS)
            yield b""
        yield encode_json(result)

    return Response(200, daemon_headers([("Content-Type", "application/json")]), body())


def _stream_content_type(container: Container, api_version: str) -> str:
    if container.tty or api_version_less(api_version, MULTIPLEXED_CONTENT_TYPE_SINCE):
        return RAW_STREAM
    return MULTIPLEXED_STREAM


def _frame(container: Container, stream: int, data: bytes) -> bytes:
    return data if container.tty else encode_frame(stream, data)


def hijack_head(upgrade: bool, content_type: str, middleware: bool) -> str:
    """The head of a hijacked answer: `101 UPGRADED`, or `200 OK` without Upgrade. Exec copies the daemon's
    middleware headers into it (the header map the hijack removed); attach writes its status line alone."""
    extra = "".join(f"{name}: {value}\r\n" for name, value in daemon_headers()) if middleware else ""
    if upgrade:
        return (f"HTTP/1.1 101 UPGRADED\r\nContent-Type: {content_type}\r\nConnection: Upgrade\r\n"
                f"Upgrade: tcp\r\n{extra}\r\n")
    return f"HTTP/1.1 200 OK\r\nContent-Type: {RAW_STREAM}\r\n{extra}\r\n"


def attach(call: Call) -> Hijack:
    """Take over the connection: `101 UPGRADED` (or the old `200 OK`), then the output frames, then EOF."""
    request = call.request
    sandbox = call.sandbox
    upgrade = request.header("Upgrade") is not None
    wanted = {stream for stream, flag in ((1, "stdout"), (2, "stderr")) if request.flag(flag)}
    replay_logs = request.flag("logs")
    follow = request.flag("stream")
    with_stdin = request.flag("stdin")
    detach_keys = request.arg("detachKeys")

    def run(conn: RawConnection) -> None:
        try:
            container = sandbox.find_container(call.params["id"])
            keys = parse_detach_keys(detach_keys)
            if keys is None:
                raise invalid_parameter(f"Invalid detach keys ({detach_keys}) provided")
        except EngineError as error:
            conn.write(
                f"HTTP/1.1 {error.status} {reason_phrase(error.status)}\r\nContent-Type: {RAW_STREAM}\r\n\r\n"
                f"{error.message}\r\n".encode()
            )
            conn.close_write()
            return
        # Take the stream's starting point before the head goes out: once the client has its 101 it may send
        # start at once, and output written in between must not be missed.
        position = _attach_position(sandbox, container, wanted, replay_logs)
        if upgrade:
            content_type = _stream_content_type(container, call.api_version)
        else:
            content_type = RAW_STREAM
        head = hijack_head(upgrade, content_type, middleware=False)
        detached = threading.Event()
        try:
            conn.write(head.encode())
            if with_stdin and follow and container.config.get("OpenStdin"):
                threading.Thread(target=_pump_input, args=(conn, sandbox, container, keys, detached),
                                 name="attach-stdin", daemon=True).start()
            _relay_attach(conn, sandbox, container, wanted, position, follow, detached)
        except ClientGone:
            return
        if detached.is_set():
            conn.close()
            return
        conn.close_write()

    return Hijack(run)


def _pump_input(conn: RawConnection, sandbox, container: Container, keys: bytes, detached: threading.Event) -> None:
    """Copy the client's input to the process, watching for the detach keys (moby's term.EscapeProxy)."""
    watch = EscapeWatch(keys)
    while True:
        with sandbox.cond:
            while container.stdin_full():
                if conn.peer_closed():
                    return
                sandbox.cond.wait(_POLL_SECONDS)  # the pipe is full until the process starts and reads it
        data = conn.read()
        if not data:
            with sandbox.cond:
                if not detached.is_set():
                    container.end_stdin()
            return
        passed, detach = watch.feed(data)
        with sandbox.cond:
            if passed:
                container.write_stdin(passed)
            if detach:
                detached.set()
                sandbox.container_event(container, "detach")
                sandbox.cond.notify_all()
                return


@dataclass
class _AttachPosition:
    backlog: list[OutputChunk]
    cursor: int
    runs_before: int


def _attach_position(sandbox, container: Container, wanted: set[int], replay_logs: bool) -> _AttachPosition:
    with sandbox.cond:
        backlog = [c for c in container.log_lines if c.stream in wanted] if replay_logs else []
        return _AttachPosition(backlog, container.next_seq, container.exit_count)


def _relay_attach(conn: RawConnection, sandbox, container: Container, wanted: set[int], position: _AttachPosition,
                  follow: bool, detached: threading.Event) -> None:
    """Relay each write as it happens until the container's next exit (or its removal), as attach streams do."""
    for chunk in position.backlog:
        conn.write(_frame(container, chunk.stream, chunk.data))
    if not follow:
        return

    def ended() -> bool:
        return container.removed or (not container.running and container.exit_count > position.runs_before)

    relay_output(conn, sandbox, lambda cursor: Container.after(container.writes, cursor), position.cursor, wanted,
                 lambda stream, data: _frame(container, stream, data), ended, detached)


def relay_output(conn: RawConnection, sandbox, chunks_after: Callable[[int], list[OutputChunk]], cursor: int,
                 wanted: set[int], frame: Callable[[int, bytes], bytes], ended: Callable[[], bool],
                 detached: threading.Event) -> None:
    """Write the output of the `wanted` streams as it is made, from after `cursor`, until `ended()` says no more
    can come or the client detaches (an attach, an exec's start). `chunks_after` and `ended` run under the
    sandbox's lock; a client that went away ends the relay with ClientGone."""
    while True:
        with sandbox.cond:
            fresh = chunks_after(cursor)
            if fresh:
                cursor = fresh[-1].seq
            done = not fresh and (ended() or detached.is_set())
            if not fresh and not done:
                sandbox.cond.wait(_POLL_SECONDS)
        if detached.is_set():
            return
        for chunk in fresh:
            if chunk.stream in wanted:
                conn.write(frame(chunk.stream, chunk.data))
        if done:
            return
        if conn.peer_closed():
            raise ClientGone


def logs(call: Call) -> Response:
    request = call.request
    wanted = {stream for stream, flag in ((1, "stdout"), (2, "stderr")) if request.flag(flag)}
    if not wanted:
        raise invalid_parameter("Bad parameters: you must choose at least one stream")
    container = call.sandbox.find_container(call.params["id"])
    if container.log_driver == "none":
        raise no_reading()
    follow = request.flag("follow")
    timestamps = request.flag("timestamps")
    tail = request.arg("tail") or "all"
    since = _unix_time(request.arg("since"), "since")
    until = _unix_time(request.arg("until"), "until")
    sandbox = call.sandbox

    def render(chunk) -> bytes:
        data = chunk.data
        if timestamps:
            data = rfc3339_nano(chunk.time).encode() + b" " + data
        return _frame(container, chunk.stream, data)

    def selected(chunk) -> bool:
        if chunk.stream not in wanted:
            return False
        if since is not None and chunk.time <= since:
            return False
        return until is None or chunk.time <= until

    def body() -> Iterator[bytes]:
        with sandbox.cond:
            lines = [c for c in container.log_lines if selected(c)]
            cursor = container.next_seq
        if tail != "all":
            count = _tail_count(tail)
            lines = lines[-count:] if count > 0 else ([] if count == 0 else lines)
        for chunk in lines:
            yield render(chunk)
        if not follow:
            return
        while True:
            with sandbox.cond:
                fresh = Container.after(container.log_lines, cursor)
                if fresh:
                    cursor = fresh[-1].seq
                finished = not container.alive or container.removed
                if not fresh and not finished:
                    sandbox.cond.wait(_POLL_SECONDS)
            for chunk in fresh:
                if selected(chunk):
                    yield render(chunk)
            if finished and not fresh:
                return
            yield b""

    content_type = _stream_content_type(container, call.api_version)
    return Response(200, daemon_headers([("Content-Type", content_type)]), body())


def _tail_count(tail: str) -> int:
    count = atoi(tail)
    return -1 if count is None else count  # the daemon treats an unparsable tail as "all"


def _unix_time(value: str | None, name: str) -> datetime | None:
    if value in (None, "", "0"):
        return None
    try:
        return datetime.fromtimestamp(float(value), tz=UTC)
    except (ValueError, OverflowError):
        raise invalid_parameter(f"invalid value for {name}: {value}") from None


ROUTES = [
    ("POST", r"/containers/create", create),
    ("GET", r"/containers/json", list_containers),
    ("GET", r"/containers/(?P<id>[^/]+)/json", inspect),
    ("POST", r"/containers/(?P<id>[^/]+)/start", start),
    ("POST", r"/containers/(?P<id>[^/]+)/stop", stop),
    ("POST", r"/containers/(?P<id>[^/]+)/wait", wait),
    ("POST", r"/containers/(?P<id>[^/]+)/attach", attach),
    ("GET", r"/containers/(?P<id>[^/]+)/logs", logs),
    ("DELETE", r"/containers/(?P<id>[^/]+)", remove),
]
