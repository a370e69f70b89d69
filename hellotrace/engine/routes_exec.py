"""`docker exec`: create, start (attached and hijacked, or detached), inspect, resize (daemon/exec.go).

An exec runs a second simulated process in a running container, with the container's environment plus its
own; its output goes only to the client that started it (never to the container's log). With AttachStdin it
reads its input from the hijacked connection, through the TTY when it has one.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from hellotrace.engine import apitypes, programs, users
from hellotrace.engine.api import Call, daemon_headers, json_response
from hellotrace.engine.bodies import decode_json_body
from hellotrace.engine.containers import Container, OutputChunk, utc_now
from hellotrace.engine.http import ClientGone, Hijack, RawConnection, Response
from hellotrace.engine.routes_containers import MULTIPLEXED_STREAM, RAW_STREAM, hijack_head, relay_output
from hellotrace.engine.routes_lifecycle import dimension_arg
from hellotrace.engine.stdio import Stdio
from hellotrace.engine.terminal import EscapeWatch, parse_detach_keys
from hellotrace.protocol.errors import EngineError, conflict, invalid_parameter, not_found
from hellotrace.protocol.gotypes import GoType
from hellotrace.protocol.stdcopy import encode_frame
from hellotrace.protocol.versions import MULTIPLEXED_CONTENT_TYPE_SINCE, api_version_less

_POLL_SECONDS = 0.5
# runc takes a few milliseconds to start an exec'd process after the daemon's 101 has gone out; clients that
# parse the head and then read the raw socket (docker-py's exec_run) lose output sent along with the head.
EXEC_START_SECONDS = 0.005
MAX_EXECS = 50  # per container, kept for inspect after they exit


@dataclass
class ExecInstance:
    id: str
    container: Container
    config: dict[str, Any]
    running: bool = False
    started: bool = False
    exit_code: int | None = None
    pid: int = 0
    console_size: tuple[int, int] = (0, 0)
    output: deque[OutputChunk] = field(default_factory=deque)
    next_seq: int = 0
    stdio: Stdio | None = None

    @property
    def tty(self) -> bool:
        return bool(self.config["Tty"])

    @property
    def argv(self) -> list[str]:
        return list(self.config["Cmd"] or [])

    def record(self, stream: int, data: bytes) -> None:
        self.next_seq += 1
        self.output.append(OutputChunk(self.next_seq, utc_now(), stream, data))

    @property
    def kept_bytes(self) -> int:
        """Bytes held for this exec (its config and unread output), for the sandbox's byte budget."""
        return sum(len(chunk.data) for chunk in self.output) + sum(len(arg) for arg in self.argv)


def _exec_config_type() -> GoType:
    return apitypes.body_type("/containers/{id}/exec", "post", "container.ExecOptions")


def _exec_start_type() -> GoType:
    return apitypes.body_type("/exec/{id}/start", "post", "container.ExecStartOptions")


def create_exec(call: Call) -> Response:
    _, config = decode_json_body(call, _exec_config_type(), empty_is_zero=True)
    sandbox = call.sandbox
    with sandbox.cond:
        container = sandbox.find_container(call.params["id"])
        _check_can_exec(container)
        if not config["Cmd"]:
            raise invalid_parameter("No exec command specified")
        if parse_detach_keys(config.get("DetachKeys") or None) is None:
            raise invalid_parameter(f"Invalid detach keys ({config['DetachKeys']}) provided")
        finished = [key for key, other in container.execs.items() if not other.running]
        while len(container.execs) >= MAX_EXECS and finished:
            del container.execs[finished.pop(0)]
        instance = ExecInstance(secrets.token_hex(32), container, config)
        container.execs[instance.id] = instance
        sandbox.container_event(container, "exec_create: " + " ".join(instance.argv), execID=instance.id)
    return json_response(201, {"Id": instance.id})


def _check_can_exec(container: Container) -> None:
    if container.status == "paused":
        raise conflict(f"Container {container.id} is paused, unpause the container before exec")
    if container.status == "restarting":
        raise conflict(f"Container {container.id} is restarting, wait until the container is running")
    if not container.running:
        raise conflict(f"container {container.id} is not running")


def find_exec(call: Call) -> ExecInstance:
    wanted = call.params["id"]
    with call.sandbox.cond:
        for container in call.sandbox.containers.values():
            if wanted in container.execs:
                return container.execs[wanted]
    raise not_found(f"No such exec instance: {wanted}")


def start_exec(call: Call) -> Response | Hijack:
    _, options = decode_json_body(call, _exec_start_type(), empty_is_zero=True)
    sandbox = call.sandbox
    instance = find_exec(call)
    with sandbox.cond:
        if instance.running or instance.started:
            raise conflict(f"Error: Exec command {instance.id} is already running")
        _check_can_exec(instance.container)
        instance.started = True
        if options.get("ConsoleSize"):
            instance.console_size = tuple(options["ConsoleSize"][:2])
    if options["Detach"]:
        with sandbox.cond:
            _launch(sandbox, instance, keep_output=False)
        return Response(200, daemon_headers([("Content-Type", "application/json")]), b"")
    upgrade = call.request.header("Upgrade") is not None
    keys = parse_detach_keys(instance.config.get("DetachKeys") or None) or b""

    def run(conn: RawConnection) -> None:
        content_type = RAW_STREAM if instance.tty or api_version_less(call.api_version,
                                                                      MULTIPLEXED_CONTENT_TYPE_SINCE) \
            else MULTIPLEXED_STREAM
        head = hijack_head(upgrade, content_type, middleware=True)
        detached = threading.Event()
        try:
            conn.write(head.encode())
            time.sleep(EXEC_START_SECONDS)
            with sandbox.cond:
                failure = _launch(sandbox, instance, keep_output=True)
            if failure is not None:
                conn.write(_frame(instance, programs.STDOUT, (failure + "\r\n").encode()))
                conn.close_write()
                return
            if instance.config["AttachStdin"]:
                threading.Thread(target=_pump_input, args=(conn, sandbox, instance, keys, detached),
                                 name="exec-stdin", daemon=True).start()
            _relay(conn, sandbox, instance, detached)
        except ClientGone:
            return
        if detached.is_set():
            conn.close()
            return
        conn.close_write()

    return Hijack(run)


def _launch(sandbox, instance: ExecInstance, keep_output: bool) -> str | None:
    """Start the process; the OCI runtime's refusal (as the stream shows it) when the command cannot start.
    A detached exec's output goes nowhere, as the daemon discards it."""
    container = instance.container
    env = list(container.env)
    for entry in instance.config["Env"] or []:
        env.append(entry)
    context = programs.ProcessContext(
        image=container.image, argv=tuple(instance.argv), env=tuple(env), hostname=container.hostname,
        working_dir=instance.config["WorkingDir"] or container.working_dir or "/", now=utc_now(),
        group_add=tuple(container.host_config.get("GroupAdd") or ()), layer=container.layer,
        user=users.of_container(container),  # the container's (docker exec -u is not modelled)
    )
    name = "exec_start: " + " ".join(instance.argv)
    sandbox.container_event(container, name, execID=instance.id)
    try:
        session = programs.open_session(context, instance.tty) if instance.config["AttachStdin"] else None
        script = programs.plan(context) if session is None else None
    except programs.ExecutableNotFound as exc:
        instance.exit_code = 126 if "permission denied" in exc.message else 127
        sandbox.container_event(container, "exec_die", execID=instance.id, exitCode=str(instance.exit_code))
        sandbox.cond.notify_all()
        reason = exc.message.partition("error during container init: ")[2]
        return f"OCI runtime exec failed: exec failed: unable to start container process: {reason}: unknown"
    instance.running = True
    instance.pid = container.pid + 1 + len(container.execs)

    def exited(code: int) -> None:
        instance.running = False
        instance.exit_code = code
        sandbox.container_event(container, "exec_die", execID=instance.id, exitCode=str(code))
        sandbox.cond.notify_all()

    instance.stdio = Stdio(sandbox.cond, sandbox.scheduler, instance.tty,
                           instance.record if keep_output else (lambda stream, data: None), exited, session=session,
                           exit_code=script.exit_code if script is not None else None)
    instance.stdio.begin(script.steps if script is not None else ())
    return None


def _frame(instance: ExecInstance, stream: int, data: bytes) -> bytes:
    return data if instance.tty else encode_frame(stream, data)


def _relay(conn: RawConnection, sandbox, instance: ExecInstance, detached: threading.Event) -> None:
    wanted = {stream for stream, key in ((1, "AttachStdout"), (2, "AttachStderr")) if instance.config[key]}

    def taken_after(cursor: int) -> list[OutputChunk]:
        fresh = Container.after(instance.output, cursor)
        instance.output.clear()  # nobody else reads an exec's output
        return fresh

    relay_output(conn, sandbox, taken_after, 0, wanted, lambda stream, data: _frame(instance, stream, data),
                 lambda: not instance.running or not instance.container.alive, detached)


def _pump_input(conn: RawConnection, sandbox, instance: ExecInstance, keys: bytes, detached: threading.Event) -> None:
    watch = EscapeWatch(keys)
    while True:
        data = conn.read()
        with sandbox.cond:
            stdio = instance.stdio
            if not data:
                if stdio is not None and not detached.is_set() and not instance.tty:
                    stdio.close_input()
                return
            passed, detach = watch.feed(data)
            if passed and stdio is not None:
                stdio.write(passed)
            if detach:
                detached.set()
                sandbox.container_event(instance.container, "exec_detach", execID=instance.id)
                sandbox.cond.notify_all()
                return


def inspect_exec(call: Call) -> Response:
    instance = find_exec(call)
    with call.sandbox.cond:
        argv = instance.argv
        body = {
            "ID": instance.id,
            "Running": instance.running,
            "ExitCode": instance.exit_code,
            "ProcessConfig": {"tty": instance.tty, "entrypoint": argv[0] if argv else "", "arguments": argv[1:],
                              "privileged": bool(instance.config["Privileged"]),
                              **({"user": instance.config["User"]} if instance.config["User"] else {})},
            "OpenStdin": bool(instance.config["AttachStdin"]),
            "OpenStderr": bool(instance.config["AttachStderr"]),
            "OpenStdout": bool(instance.config["AttachStdout"]),
            "CanRemove": False,
            "ContainerID": instance.container.id,
            "DetachKeys": instance.config.get("DetachKeys") or "",
            "Pid": instance.pid,
        }
    return json_response(200, body)


def resize_exec(call: Call) -> Response:
    sizes = []
    for name in ("h", "w"):
        sizes.append(dimension_arg(call, name))
    instance = find_exec(call)
    with call.sandbox.cond:
        if not instance.running:
            raise EngineError(409, f"exec {instance.id} is not running")
        instance.console_size = (sizes[0], sizes[1])
    return Response(200, daemon_headers(), b"")


ROUTES = [
    ("POST", r"/containers/(?P<id>[^/]+)/exec", create_exec),
    ("POST", r"/exec/(?P<id>[^/]+)/start", start_exec),
    ("POST", r"/exec/(?P<id>[^/]+)/resize", resize_exec),
    ("GET", r"/exec/(?P<id>[^/]+)/json", inspect_exec),
]
