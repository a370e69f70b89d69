"""What an exchange is for: which docker command sends it, what its answer means, which lesson explains it.

Returns English interface messages (marked with N_) and plain facts; the web layer translates them. Commands come
from the docker CLI's own code paths (cli/command/…; engine-api-notes §5 for `docker run`).
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from hellotrace.engine.catalog import repository_names, repository_tags
from hellotrace.messages import N_
from hellotrace.protocol.reference import InvalidReference, pull_reference
from hellotrace.tracing.client import USER_AGENT
from hellotrace.wiretap.record import TracedExchange

_ID = r"[^/]+"
# The docker CLI's User-Agent starts so ("Docker-Client/28.2.2 (linux)"): its requests are named as its commands.
DOCKER_CLI_AGENT = "Docker-Client/"

_TRACE_DOES = {  # what each request asks for, as the reader is told (translated where shown)
    "ping": N_("Every docker command starts with this ping: it learns the daemon's API version and negotiates its "
               "own."),
    "version": N_("Asks the daemon for its versions."),
    "info": N_("Asks the daemon to describe itself."),
    "list_containers": N_("Lists containers (only running ones unless all=1)."),
    "create": N_("Creates a container from an image, with the configuration in the JSON body."),
    "start": N_("Starts the container."),
    "attach": N_("Asks to take over the connection to carry the container's input and output."),
    "wait": N_("Waits for the container to stop; the answer carries its exit code."),
    "logs": N_("Reads the container's output."),
    "inspect": N_("Reads the container's full description."),
    "remove": N_("Removes the container."),
    "stop": N_("Stops the container (SIGTERM, then SIGKILL after the timeout)."),
    "kill": N_("Sends a signal to the container."),
    "restart": N_("Restarts the container."),
    "resize": N_("Tells the daemon the size of your terminal."),
    "rename": N_("Renames the container."),
    "top": N_("Lists the processes running in the container."),
    "stats": N_("Reads the container's resource usage."),
    "pause": N_("Freezes every process of the container."),
    "unpause": N_("Lets the container's frozen processes run again."),
    "update": N_("Changes the container's resource limits or restart policy."),
    "stat_path": N_("Asks about a path in the container (in a header, before copying to or from it)."),
    "copy_from": N_("Reads a path of the container as a tar archive."),
    "copy_to": N_("Writes a tar archive into a path of the container."),
    "export": N_("Reads the container's whole file system as a tar archive."),
    "changes": N_("Lists the files added, changed or deleted in the container since it was created."),
    "commit": N_("Makes an image of the container's current files."),
    "exec_create": N_("Prepares a command to run inside the container."),
    "exec_start": N_("Runs the prepared command."),
    "exec_inspect": N_("Reads how the command ended (its exit code)."),
    "prune_containers": N_("Removes every stopped container."),
    "pull": N_("Asks the daemon to pull an image from its registry; progress comes back line by line."),
    "list_images": N_("Lists the images the daemon has."),
    "inspect_image": N_("Reads an image's description."),
    "remove_image": N_("Removes an image."),
    "tag": N_("Gives an image another name."),
    "history": N_("Lists an image's layers."),
    "prune_images": N_("Removes unused images."),
    "save": N_("Reads images as a tar archive."),
    "load": N_("Loads images from a tar archive."),
    "events": N_("Follows the daemon's events as they happen."),
    "df": N_("Reads the daemon's disk usage."),
    "networks": N_("Lists networks."),
    "create_network": N_("Creates a network."),
    "inspect_network": N_("Reads a network's description."),
    "remove_network": N_("Removes a network."),
    "connect": N_("Connects a container to a network."),
    "disconnect": N_("Disconnects a container from a network."),
    "prune_networks": N_("Removes unused networks."),
    "volumes": N_("Lists volumes."),
    "create_volume": N_("Creates a volume."),
    "inspect_volume": N_("Reads a volume's description."),
    "remove_volume": N_("Removes a volume."),
    "prune_volumes": N_("Removes unused volumes."),
    "build": N_("Builds an image from a context."),
    "login": N_("Checks registry credentials through the daemon."),
    "unknown": N_("hellotrace has no note on this endpoint; the Engine API reference describes it."),
    "no_route": N_("No endpoint of the Engine API has this method and path."),
}
_TRACE_ANSWER = {  # what an answer means, by case (translated where shown)
    "waiting": N_("The answer has not come yet."),
    "none": N_("No answer came before the connection ended."),
    "ping_200": N_("200: the daemon is there; its Api-Version header sets the version used from now on."),
    "create_404": N_("404: the image is not there. The CLI prints “Unable to find image … locally”, pulls it, then "
                     "creates again."),
    "create_201": N_("201: the container exists (created, not yet started); the body gives its ID."),
    "pull_200": N_("200 at once, then the pull's progress as JSON lines; an error would come inside the stream."),
    "pull_404": N_("404: the registry has no such repository. hellotrace's mock engine pulls from a registry of its "
                   "own that holds only %(repositories)s; a real daemon would ask Docker Hub, which answers this "
                   "same message for a name it does not have."),
    "pull_404_tag": N_("404: the registry has this repository, but not this tag or digest. hellotrace's mock engine "
                       "pulls from a registry of its own, whose tags of this repository are %(tags)s; a real daemon "
                       "would ask Docker Hub, which has many more."),
    "wait_200": N_("200: the container stopped; StatusCode is its exit code, which the CLI exits with."),
    "start_204": N_("204: started; nothing to say back."),
    "101": N_("101: the daemon took over the connection; from here on it carries the container's raw streams."),
    "204": N_("204: done; nothing to say back."),
    "304": N_("304: nothing to do, it was already in that state."),
    "400": N_("400: the daemon refused the request as it was written (a parameter, its body or a header: the "
              "message says which)."),
    "404": N_("404: no such object."),
    "404_no_route": N_("404, page not found: the daemon has no such endpoint. Check the path, and the version in it."),
    "409": N_("409: conflict with the object's current state (a name in use, a running container…)."),
    "500": N_("500: the daemon failed while handling the request."),
    "501": N_("501: the daemon does not do this (hellotrace's mock engine answers so for what it does not simulate; "
              "its message says what)."),
    "2xx": N_("%(status)s: done."),
    "3xx": N_("%(status)s: a redirection."),
    "4xx": N_("%(status)s: the request was refused."),
    "5xx": N_("%(status)s: the daemon failed."),
    "other": N_("%(status)s: an unusual status."),
}


@dataclass(frozen=True)
class Endpoint:
    method: str
    pattern: re.Pattern[str]
    commands: tuple[str, ...]  # what sends it, most common first
    action: str  # what the request asks for, as a code (`create`, `pull`…)
    lesson: str | None  # lesson slug

    @property
    def does(self) -> str:
        """What the request asks for, as the reader is told."""
        return _TRACE_DOES[self.action]

    @property
    def names_an_object(self) -> bool:
        """Its path names a container, image, network… (`/containers/{id}/logs`), not a collection."""
        return _ID in self.pattern.pattern


def _e(method: str, path: str, commands: tuple[str, ...], action: str, lesson: str | None) -> Endpoint:
    return Endpoint(method, re.compile(f"^{path}$"), commands, action, lesson)


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
    _e("GET", f"/containers/{_ID}/json", ("docker inspect", "docker logs", "docker start -a", "docker exec",
                                           "docker port"), "inspect", "container-endpoints"),
    _e("DELETE", f"/containers/{_ID}", ("docker rm",), "remove", "container-endpoints"),
    _e("POST", f"/containers/{_ID}/stop", ("docker stop",), "stop", "container-endpoints"),
    _e("POST", f"/containers/{_ID}/kill", ("docker kill", "docker run (Ctrl+C)"), "kill", "container-endpoints"),
    _e("POST", f"/containers/{_ID}/restart", ("docker restart",), "restart", "container-endpoints"),
    _e("POST", f"/containers/{_ID}/resize", ("docker run -t", "docker attach"), "resize", "cli-on-the-wire"),
    _e("POST", f"/containers/{_ID}/rename", ("docker rename",), "rename", "container-endpoints"),
    _e("GET", f"/containers/{_ID}/top", ("docker top",), "top", "container-endpoints"),
    _e("GET", f"/containers/{_ID}/stats", ("docker stats",), "stats", "container-endpoints"),
    _e("POST", f"/containers/{_ID}/pause", ("docker pause",), "pause", "container-endpoints"),
    _e("POST", f"/containers/{_ID}/unpause", ("docker unpause",), "unpause", "container-endpoints"),
    _e("POST", f"/containers/{_ID}/update", ("docker update",), "update", "container-endpoints"),
    # docker cp stats the path it was given in the container first (always to it, with -L from it).
    _e("HEAD", f"/containers/{_ID}/archive", ("docker cp",), "stat_path", "container-endpoints"),
    _e("GET", f"/containers/{_ID}/archive", ("docker cp",), "copy_from", "container-endpoints"),
    _e("PUT", f"/containers/{_ID}/archive", ("docker cp",), "copy_to", "container-endpoints"),
    _e("GET", f"/containers/{_ID}/export", ("docker export",), "export", "container-endpoints"),
    _e("GET", f"/containers/{_ID}/changes", ("docker diff",), "changes", "container-endpoints"),
    _e("POST", "/commit", ("docker commit",), "commit", "container-endpoints"),
    _e("POST", f"/containers/{_ID}/exec", ("docker exec",), "exec_create", "container-endpoints"),
    _e("POST", f"/exec/{_ID}/start", ("docker exec",), "exec_start", "container-endpoints"),
    _e("GET", f"/exec/{_ID}/json", ("docker exec",), "exec_inspect", "container-endpoints"),
    _e("POST", f"/exec/{_ID}/resize", ("docker exec -t",), "resize", "cli-on-the-wire"),
    _e("POST", "/containers/prune", ("docker container prune",), "prune_containers", "container-endpoints"),
    _e("POST", "/images/create", ("docker pull", "docker run"), "pull", "pull-endpoint"),
    _e("GET", "/images/json", ("docker images",), "list_images", "pull-endpoint"),
    _e("GET", f"/images/{_ID}(?:/{_ID})*/json", ("docker image inspect",), "inspect_image", "pull-endpoint"),
    _e("DELETE", f"/images/{_ID}(?:/{_ID})*", ("docker rmi",), "remove_image", "pull-endpoint"),
    _e("POST", f"/images/{_ID}(?:/{_ID})*/tag", ("docker tag",), "tag", "pull-endpoint"),
    _e("GET", f"/images/{_ID}(?:/{_ID})*/history", ("docker history",), "history", "pull-endpoint"),
    _e("POST", "/images/prune", ("docker image prune",), "prune_images", "pull-endpoint"),
    _e("GET", "/images/get", ("docker save",), "save", "pull-endpoint"),
    _e("POST", "/images/load", ("docker load",), "load", "pull-endpoint"),
    _e("GET", "/events", ("docker events",), "events", "engine-api"),
    _e("GET", "/system/df", ("docker system df",), "df", "engine-api"),
    _e("GET", "/networks", ("docker network ls",), "networks", "engine-api"),
    _e("POST", "/networks/create", ("docker network create",), "create_network", "engine-api"),
    _e("POST", "/networks/prune", ("docker network prune",), "prune_networks", "engine-api"),
    # docker network rm inspects the network first (it asks before removing the swarm's ingress network).
    _e("GET", f"/networks/{_ID}", ("docker network inspect", "docker network rm"), "inspect_network", "engine-api"),
    _e("DELETE", f"/networks/{_ID}", ("docker network rm",), "remove_network", "engine-api"),
    _e("POST", f"/networks/{_ID}/connect", ("docker network connect",), "connect", "engine-api"),
    _e("POST", f"/networks/{_ID}/disconnect", ("docker network disconnect",), "disconnect", "engine-api"),
    _e("GET", "/volumes", ("docker volume ls",), "volumes", "engine-api"),
    _e("POST", "/volumes/create", ("docker volume create",), "create_volume", "engine-api"),
    _e("POST", "/volumes/prune", ("docker volume prune",), "prune_volumes", "engine-api"),
    _e("GET", f"/volumes/{_ID}", ("docker volume inspect",), "inspect_volume", "engine-api"),
    _e("DELETE", f"/volumes/{_ID}", ("docker volume rm",), "remove_volume", "engine-api"),
    _e("POST", "/build", ("docker build",), "build", "engine-api"),
    _e("POST", "/auth", ("docker login",), "login", "client-config"),
)


@dataclass(frozen=True)
class QueryOption:
    """A docker command's option that its request's query shows: `param=value` → `flag value`."""

    param: str
    flag: str
    kind: str = "switch"  # switch: a boolean, the flag alone; value: the flag and the value; filters: --filter k=v
    default: str = ""  # a value the CLI sends when the option is not given (logs' tail=all): not shown


# The options shown in a command's heading, per endpoint, for its first command (`docker ps`…), in the order
# given here: the CLI's own flag for each parameter it sets (cli/command/container/*.go, cli/command/image/*.go).
# Options that only change what the CLI prints (-q, --format) or that only the body carries are not here.
QUERY_OPTIONS: dict[str, tuple[QueryOption, ...]] = {
    "list_containers": (QueryOption("all", "-a"), QueryOption("filters", "--filter", "filters"),
                        QueryOption("limit", "--last", "value"), QueryOption("size", "-s")),
    "list_images": (QueryOption("all", "-a"), QueryOption("filters", "--filter", "filters")),
    "logs": (QueryOption("follow", "-f"), QueryOption("timestamps", "-t"), QueryOption("details", "--details"),
             QueryOption("since", "--since", "value"), QueryOption("until", "--until", "value"),
             QueryOption("tail", "-n", "value", default="all")),
    "remove": (QueryOption("force", "-f"), QueryOption("v", "-v"), QueryOption("link", "-l")),
    "stop": (QueryOption("signal", "-s", "value"), QueryOption("t", "-t", "value")),
    "restart": (QueryOption("signal", "-s", "value"), QueryOption("t", "-t", "value")),
    "kill": (QueryOption("signal", "-s", "value"),),
    "remove_image": (QueryOption("force", "-f"), QueryOption("noprune", "--no-prune")),
}


@dataclass(frozen=True)
class Explanation:
    commands: tuple[str, ...]  # empty when hellotrace has no note on this endpoint
    by_cli: bool  # sent by the docker CLI (else the commands send the same request: curl, an SDK)
    action: str  # interface message: what the request asks for
    answer: str  # interface message: what the status means here, its placeholders filled by `answer_params`
    answer_params: dict[str, object]
    lesson: str | None
    daemon_message: str | None  # the daemon's own words on an error


def sent_by_docker_cli(user_agent: str | None) -> bool:
    return (user_agent or "").startswith(DOCKER_CLI_AGENT)


def endpoint_for(method: str, path: str) -> Endpoint | None:
    return next((e for e in ENDPOINTS if e.method == method and e.pattern.match(path)), None)


def explain(record: TracedExchange) -> Explanation:
    endpoint = endpoint_for(record.method, record.path)
    no_route = endpoint is None and record.status == 404 and record.exchange.daemon_message == "page not found"
    answer = _TRACE_ANSWER["404_no_route"] if no_route else _answer(record, endpoint)
    params = {"status": record.status, "repositories": ", ".join(repository_names())}
    if answer == _TRACE_ANSWER["pull_404_tag"]:  # the only answer that names them: not looked up for the others
        params["tags"] = ", ".join(_registry_tags(record))
    return Explanation(
        commands=commands_for(record, endpoint),
        by_cli=sent_by_docker_cli(record.user_agent),
        action=endpoint.does if endpoint else _TRACE_DOES["no_route" if no_route else "unknown"],
        answer=answer,
        answer_params=params,
        lesson=endpoint.lesson if endpoint else None,
        daemon_message=record.exchange.daemon_message,
    )


def _registry_tags(pull: TracedExchange) -> tuple[str, ...]:
    """The tags the mock registry holds of the repository a pull asks for."""
    image = query_value(pull, "fromImage")
    try:
        return repository_tags(pull_reference(image, "").path) if image else ()
    except InvalidReference:
        return ()


def commands_for(record: TracedExchange, endpoint: Endpoint | None) -> tuple[str, ...]:
    """The docker commands that send this request (from its method, path and query: the bytes stay packed).
    None of them for the replay's own requests: no docker command sent those."""
    if record.user_agent == USER_AGENT or endpoint is None:
        return ()
    options = _query_options(record, QUERY_OPTIONS.get(endpoint.action, ()))
    if not options:
        return endpoint.commands
    first, *others = endpoint.commands
    return (" ".join([first, *options]), *others)


def _query_options(record: TracedExchange, known: Sequence[QueryOption]) -> list[str]:
    """The options (`-a`, `-t 1`, `--filter status=exited`) that `record`'s query shows, values shell-quoted."""
    options: list[str] = []
    for option in known:
        if option.kind == "switch":
            options += [option.flag] if query_flag(record, option.param) else []
            continue
        value = query_value(record, option.param)
        if option.kind == "filters":
            options += [part for term in _filter_terms(value) for part in (option.flag, shlex.quote(term))]
        elif value and value != option.default:
            options += [option.flag, shlex.quote(value)]
    return options


def _filter_terms(value: str) -> list[str]:
    """A `filters` query's terms as --filter takes them: `{"status":{"exited":true}}` → `status=exited` (the
    older `{"status":["exited"]}` too)."""
    try:
        filters = json.loads(value) if value else {}
    except ValueError:
        return []
    if not isinstance(filters, dict):
        return []
    terms = []
    for key, values in filters.items():
        if isinstance(values, dict):
            values = [v for v, on in values.items() if on is True]
        if isinstance(values, list):
            terms += [f"{key}={v}" for v in values if isinstance(v, str)]
    return terms


def _answer(record: TracedExchange, endpoint: Endpoint | None) -> str:
    status = record.status
    if status is None:
        return _TRACE_ANSWER["none" if record.finished else "waiting"]
    action = endpoint.action if endpoint else ""
    specific = f"{action}_{status}"
    if specific == "pull_404" and "repository does not exist" not in (record.exchange.daemon_message or ""):
        specific = "pull_404_tag"  # the repository is there, the tag is not: "<reference>: not found"
    if specific in _TRACE_ANSWER:
        return _TRACE_ANSWER[specific]
    if status in (101, 204, 304, 400, 404, 409, 500, 501):
        return _TRACE_ANSWER[str(status)]
    return _TRACE_ANSWER[f"{status // 100}xx" if 200 <= status < 600 else "other"]


def query_value(record: TracedExchange, name: str) -> str:
    """A query parameter's first value ("" when absent)."""
    return (record.query.get(name) or [""])[0]


def query_flag(record: TracedExchange, name: str) -> bool:
    """Whether a query parameter is on, as the daemon reads a boolean (`all=1`, `force=true`)."""
    value = query_value(record, name)
    return value.strip().lower() not in ("", "0", "no", "false", "none")
