"""Which command line a group of exchanges came from: `docker run -it --rm alpine sh`, `docker logs web`, read back
from the requests the docker CLI sent (their paths, queries and create bodies), as the trace page and the teacher's
roster head them. The requests alone cannot always tell (a `docker port` sends what a `docker inspect` sends): then
every command they fit, the likeliest first.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Sequence
from typing import Any
from urllib.parse import unquote

from hellotrace.protocol.reference import DEFAULT_TAG, InvalidReference, pull_reference
from hellotrace.wiretap.explain import Endpoint, commands_for, endpoint_for, query_flag, query_value, sent_by_docker_cli
from hellotrace.wiretap.record import TracedExchange

_FULL_ID = re.compile(r"^[0-9a-f]{64}$")

# The look-ups the CLI makes before some commands' own call (`docker logs`: the container's, `docker network rm`: the
# network's).
_LOOKUPS = ("inspect", "inspect_network")
# The commands that send nothing but a look-up: `docker port web` asks what `docker inspect web` asks.
_INSPECT_ONLY = ("docker inspect", "docker port", "docker network inspect")


def invocation_commands(records: Sequence[TracedExchange]) -> tuple[str, ...]:
    """The command lines a group of exchanges may have come from, the likeliest first (`docker run -it --rm
    alpine sh`); several when the requests cannot tell (a `docker logs` of a missing container sends only the
    inspect that `docker inspect` sends); none when unknown, and none for another client than the docker CLI: curl's
    `GET /containers/json` is not `docker ps`."""
    if not records or not sent_by_docker_cli(records[0].user_agent):
        return ()
    creates = [r for r in records if r.path == "/containers/create"]
    if creates:
        create = next((r for r in creates if r.status == 201), creates[0])
        config = _json_object(create.request_body)
        arguments = _run_arguments(create, config)
        if any(r.method == "POST" and r.path.endswith("/start") for r in records):
            detached = not (config.get("AttachStdout") is True or config.get("AttachStderr") is True)
            return (" ".join(["docker run", *(["-d"] if detached else []), *arguments]),)
        if any(r.status == 201 for r in creates):
            return (" ".join(["docker create", *arguments]),)
        # No container came of it (no such image, a pull that failed): docker run and docker create stop alike.
        return tuple(" ".join([verb, *arguments]) for verb in ("docker run", "docker create"))
    pull = next((r for r in records if r.path == "/images/create"), None)
    if pull is not None:
        return (" ".join(["docker pull", *_typed_image(query_value(pull, "fromImage"), query_value(pull, "tag"))]),)
    calls = [(record, endpoint_for(record.method, record.path)) for record in records if record.path != "/_ping"]
    if not calls:
        return ()
    # No create before it: a start of an existing container, attached (-a, and -i with stdin) or not.
    start = next(((r, e) for r, e in calls if e is not None and e.action == "start"), None)
    if start is not None:
        attach = next((r for r, e in calls if e is not None and e.action == "attach"), None)
        flags = [] if attach is None else ["-a", *(["-i"] if query_flag(attach, "stdin") else [])]
        return (" ".join(["docker start", *flags, _name_as_typed(calls, *start)]),)
    # docker attach waits and inspects at once, then attaches (unless the container is stopped or missing);
    # docker wait only waits.
    actions = {endpoint.action for _, endpoint in calls if endpoint is not None}
    if "attach" in actions or {"wait", "inspect"} <= actions:
        attach = next((r, e) for r, e in calls if e is not None and e.action in ("attach", "wait"))
        return (f"docker attach {_name_as_typed(calls, *attach)}",)
    # docker inspect without --type looks the name up as each kind of object in turn.
    looked_up = {record.path.split("/")[1] for record, endpoint in calls
                 if endpoint is not None and endpoint.action in ("inspect", "inspect_image")}
    if len(looked_up) > 1:
        return (f"docker inspect {_object_name(*calls[0])}".rstrip(),)
    # The CLI inspects a container before some commands (docker logs, docker start -a, docker exec): the call after
    # says which; when nothing came after (no such container), any of them.
    record, endpoint = next(((r, e) for r, e in calls if e is None or e.action not in _LOOKUPS), calls[0])
    # One command may name several objects (`docker rm -f web db`): a call each, in the order they came.
    named = [(r, e) for r, e in calls if e is endpoint] if endpoint is not None and endpoint.action not in _LOOKUPS \
        else [(record, endpoint)]
    name = " ".join(dict.fromkeys(_name_as_typed(calls, r, e) for r, e in named))
    action = endpoint.action if endpoint is not None else ""
    if action == "exec_create":
        name = " ".join([*_exec_flags(record), name, *_exec_command(record)])
    elif action in ("stat_path", "copy_from", "copy_to"):
        # The first call names the path as typed; the local path is not on the wire.
        typed = f"{name}:{shlex.quote(query_value(record, 'path'))}"
        name = f"{typed} …" if any(e is not None and e.action == "copy_from" for _, e in calls) else f"… {typed}"
    else:
        name = " ".join([name, *_trailing_arguments(record, action)]).strip()
    # No create came before: whatever it was, it was not docker run.
    commands = tuple(command for command in commands_for(record, endpoint) if not command.startswith("docker run"))
    if action in _LOOKUPS and record.status == 200:
        # Found, and nothing after: only the commands whose one call it is (the others go on to their own).
        commands = tuple(command for command in commands if command in _INSPECT_ONLY)
    return tuple(f"{command} {name}".rstrip() for command in commands)


def _trailing_arguments(record: TracedExchange, action: str) -> list[str]:
    """What a command is given besides the object its path names, from the query or body (`docker rename old new`,
    `docker commit web shot:v1`, `docker save alpine busybox`, `docker network connect net web`)."""
    query = {key: [shlex.quote(value) for value in values if value] for key, values in record.query.items()}
    if action == "rename":
        return query.get("name", [])
    if action == "top":
        return [shlex.quote(part) for part in query_value(record, "ps_args").split()]
    if action == "commit":
        return query.get("container", []) + _typed_image(query_value(record, "repo"), query_value(record, "tag"))
    if action == "save":
        return query.get("names", [])
    if action in ("connect", "disconnect", "create_network", "create_volume"):
        given = _json_object(record.request_body).get("Name" if action.startswith("create") else "Container")
        return [shlex.quote(given)] if isinstance(given, str) and given else []
    return []


def _exec_flags(create: TracedExchange) -> list[str]:
    """-i and -t of `docker exec`, from its exec create's body."""
    config = _json_object(create.request_body)
    flags = ("i" if config.get("AttachStdin") is True else "") + ("t" if config.get("Tty") is True else "")
    return [f"-{flags}"] if flags else []


def _exec_command(create: TracedExchange) -> list[str]:
    """The command `docker exec` runs, from its exec create's body (`docker exec web ls -l`)."""
    command = _json_object(create.request_body).get("Cmd")
    return [shlex.quote(part) for part in command if isinstance(part, str)] if isinstance(command, list) else []


def _typed_image(image: str, tag: str) -> list[str]:
    """The image `docker pull` or `docker commit` was given, from the full name the CLI sends
    (`fromImage=docker.io/library/busybox&tag=latest`): the familiar form the user would type (`busybox`,
    `alpine:3.21`), -a for every tag."""
    if not image:
        return []
    try:
        reference = pull_reference(image, tag)
    except InvalidReference:
        return [shlex.quote(f"{image}:{tag}" if tag else image)]
    if reference.is_name_only:
        return ["-a", shlex.quote(reference.familiar_name)]
    familiar = reference.familiar
    if reference.tag == DEFAULT_TAG and reference.digest is None:
        familiar = reference.familiar_name  # the CLI adds :latest to a name given without a tag
    return [shlex.quote(familiar)]


def _name_as_typed(calls: Sequence[tuple[TracedExchange, Endpoint | None]], record: TracedExchange,
                   endpoint: Endpoint | None) -> str:
    """The object `record` calls, as the user named it: the CLI inspects a container by the name it was given,
    then goes on with the ID the inspect answered (`docker logs web`: `/containers/web/json`, then
    `/containers/<ID>/logs`), so an earlier inspect that answered that ID tells the name typed."""
    called = _object_ref(record, endpoint)
    if _FULL_ID.match(called):
        for earlier, kind in calls:
            if earlier is record:
                break
            if kind is not None and kind.action == "inspect" and earlier.status == 200 \
                    and earlier.answered_id == called:
                return _object_name(earlier, kind)
    return _object_name(record, endpoint)


def _object_ref(record: TracedExchange, endpoint: Endpoint | None) -> str:
    """The container or image a call names, as in its path (`/containers/web/logs` → `web`,
    `/images/library/alpine/json` → `library/alpine`); empty for a call that names none (`/containers/json`)."""
    if endpoint is None or not endpoint.names_an_object:
        return ""
    name = record.path.split("/", 2)[2]
    suffix = re.search(r"/([a-z]+)\$$", endpoint.pattern.pattern)
    if suffix and name.endswith("/" + suffix.group(1)):
        name = name[:-len(suffix.group(1)) - 1]
    return unquote(name)


def _object_name(record: TracedExchange, endpoint: Endpoint | None) -> str:
    """The container or image a call names, shell-quoted, a full ID cut as docker ps shows it."""
    name = _object_ref(record, endpoint)
    if _FULL_ID.match(name):
        name = name[:12]  # as docker ps shows an ID, and as the CLI accepts it
    return shlex.quote(name) if name else ""


def _run_arguments(create: TracedExchange, config: dict) -> list[str]:
    """The options and arguments of `docker run` or `docker create` that its create request (`config`, its
    body) shows: the name, -i and -t, --rm, -p and -P, -e, -w, --entrypoint, -u, -h, -l, --network, -v and --mount,
    the image and the command (the others are in the request's body). The fields are those the CLI sets for each
    (cli/command/container/opts.go)."""
    host = _of(config.get("HostConfig"), dict)
    arguments = []
    name = query_value(create, "name")
    if name:
        arguments += ["--name", shlex.quote(name)]
    terminal = ("i" if config.get("OpenStdin") is True else "") + ("t" if config.get("Tty") is True else "")
    if terminal:
        arguments.append(f"-{terminal}")
    if host.get("AutoRemove") is True:
        arguments.append("--rm")
    if host.get("PublishAllPorts") is True:
        arguments.append("-P")
    arguments += [part for port, bindings in _of(host.get("PortBindings"), dict).items() if isinstance(bindings, list)
                  for binding in bindings if isinstance(binding, dict) for part in ("-p", _published(port, binding))]
    # The body's Env holds only what the user gave (-e, --env-file): the image's own comes in at the daemon.
    env = config.get("Env")
    if isinstance(env, list):
        arguments += [part for value in env if isinstance(value, str) for part in ("-e", shlex.quote(value))]
    for flag, value in (("-w", config.get("WorkingDir")), ("--entrypoint", _entrypoint(config)),
                        ("-u", config.get("User")), ("-h", config.get("Hostname"))):
        if isinstance(value, str) and (value or flag == "--entrypoint"):
            arguments += [flag, shlex.quote(value)]
    arguments += [part for key, value in _of(config.get("Labels"), dict).items() if isinstance(value, str)
                  for part in ("-l", shlex.quote(f"{key}={value}" if value else key))]
    network = host.get("NetworkMode")
    if isinstance(network, str) and network not in ("", "default"):  # "default" when --network is not given
        arguments += ["--network", shlex.quote(network)]
    # -v: a bind or named volume in Binds as typed, an anonymous volume (`-v /data`) in the Volumes' keys.
    volumes = [*_of(host.get("Binds"), list), *_of(config.get("Volumes"), dict)]
    arguments += [part for volume in volumes if isinstance(volume, str) for part in ("-v", shlex.quote(volume))]
    arguments += [part for mount in _of(host.get("Mounts"), list) if isinstance(mount, dict)
                  for part in ("--mount", _mount(mount))]
    image = config.get("Image")
    if isinstance(image, str) and image:
        arguments.append(shlex.quote(image))
    command = config.get("Cmd")
    if isinstance(command, list):
        arguments += [shlex.quote(part) for part in command if isinstance(part, str)]
    return arguments


def _of(value: object, kind: type[dict] | type[list]) -> Any:
    """A body's field when it has the type the CLI sends, else an empty one: the body is the sender's to write."""
    return value if isinstance(value, kind) else kind()


def _entrypoint(config: dict) -> str | None:
    """--entrypoint as typed: the CLI sends it as a one-item list (`[""]` for `--entrypoint ''`), None when not
    given."""
    entrypoint = config.get("Entrypoint")
    if isinstance(entrypoint, list) and len(entrypoint) == 1 and isinstance(entrypoint[0], str):
        return entrypoint[0]
    return None


def _mount(mount: dict) -> str:
    """--mount as typed: `type=volume,source=data,target=/data,readonly`."""
    fields = [f"{name}={mount[key]}" for name, key in (("type", "Type"), ("source", "Source"), ("target", "Target"))
              if isinstance(mount.get(key), str) and mount[key]]
    return shlex.quote(",".join(fields + (["readonly"] if mount.get("ReadOnly") is True else [])))


def _published(port: str, binding: dict) -> str:
    """`-p` as typed: `8080:80`, `127.0.0.1::443`, `5353:53/udp` (tcp, the default, is left out)."""
    number, _, protocol = str(port).partition("/")
    address, host_port = str(binding.get("HostIp") or ""), str(binding.get("HostPort") or "")
    target = number + (f"/{protocol}" if protocol and protocol != "tcp" else "")
    given = f"{address}:{host_port}:{target}" if address else f"{host_port}:{target}" if host_port else target
    return shlex.quote(given)


def _json_object(body: bytes) -> dict:
    """A request's JSON object body; empty when it is none."""
    try:
        value = json.loads(body) if body else None
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
