"""The engine's request dispatch: sandbox prefix, API version prefix, route table, Docker's middleware headers.

Mirrors the daemon's mux (daemon/server/server.go): each route exists unversioned and as `/v{version}/…`;
anything else is `404 page not found` with no daemon headers; the version middleware refuses versions
outside [MIN, MAX] before the handler runs, and every routed answer carries Server, Api-Version, Ostype
and Docker-Experimental.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from hellotrace.engine.http import Hijack, RawConnection, Request, Response
from hellotrace.engine.sandbox import DEFAULT_SANDBOX, Sandbox, SandboxRegistry
from hellotrace.engine.server import GO_BUFFER_BEFORE_CHUNKING
from hellotrace.protocol.errors import PAGE_NOT_FOUND, EngineError, version_too_new, version_too_old
from hellotrace.protocol.jsonwire import encode_json
from hellotrace.protocol.versions import (
    ABSOLUTE_MIN_API_VERSION,
    ENGINE_VERSION,
    MAX_API_VERSION,
    MIN_API_VERSION,
    api_version_less,
)

log = logging.getLogger("hellotrace.engine")

_SANDBOX_PREFIX = re.compile(r"^/sandboxes/([^/]+)(/.*)$")
_VERSION_PREFIX = re.compile(r"^/v([0-9.]+)(/.*)$")
# A visitor's sandbox in a group of nodes: <node>-<node's boot><visitor token> (hellotrace.web.visitors).
_VISITOR_SANDBOX = re.compile(r"^([a-z0-9]{1,16})-([0-9a-f]{16,32})$")


def visitor_sandbox_prefix(node: str, node_boot: str) -> str:
    """What comes before a visitor's token in the name of their sandbox: `<node>-<node_boot>` in a group of nodes
    (nginx routes by the node, and the engine refuses the sandbox of another start), nothing for a site alone."""
    return f"{node}-{node_boot}" if node else ""


@dataclass(frozen=True)
class EngineSettings:
    """What the engine says about itself and how it paces pulls (0 = as fast as possible, for tests)."""

    pull_pace: float = 1.0
    hostname: str = "hellotrace"
    # The node this engine serves in a group behind nginx: a visitor's sandbox named after another node
    # (`<node>-<token>`) reached it only because nginx does not know that node (see _not_this_nodes_sandbox).
    node: str = ""
    # The node's start (its site process's): its visitors' sandboxes are `<node>-<node_boot><token>`, and one of an
    # earlier start is an address kept from before the node restarted.
    node_boot: str = ""


@dataclass
class Call:
    """One routed request, with everything a handler needs."""

    request: Request
    sandbox: Sandbox
    registry: SandboxRegistry
    settings: EngineSettings
    api_version: str
    params: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Call], Response | Hijack]


def daemon_headers(extra: list[tuple[str, str]] | None = None, experimental: bool = True) -> list[tuple[str, str]]:
    headers = [
        ("Api-Version", MAX_API_VERSION),
        ("Ostype", "linux"),
        ("Server", f"Docker/{ENGINE_VERSION} (linux)"),
    ]
    if experimental:
        headers.append(("Docker-Experimental", "false"))
    return headers + (extra or [])


def json_response(status: int, value: object, experimental: bool = True) -> Response:
    return Response(status, daemon_headers([("Content-Type", "application/json")], experimental), encode_json(value))


def json_array_response(items: Iterator[bytes]) -> Response:
    """200 with a JSON array of already encoded items, written as Go writes it but without holding it all.

    Like Go's net/http, an answer that fits its 2048-byte buffer goes out whole with a Content-Length; a
    longer one is streamed (chunked), one item at a time, so that listing many large items copies none.
    """
    head = bytearray(b"[")
    for item in items:
        if len(head) > 1:
            head += b","
        head += item.removesuffix(b"\n")
        if len(head) > GO_BUFFER_BEFORE_CHUNKING:
            return Response(200, daemon_headers([("Content-Type", "application/json")]), _rest_of_array(head, items))
    head += b"]\n"
    return Response(200, daemon_headers([("Content-Type", "application/json")]), bytes(head))


def _rest_of_array(head: bytearray, items: Iterator[bytes]) -> Iterator[bytes]:
    yield bytes(head)
    for item in items:
        yield b"," + item.removesuffix(b"\n")
    yield b"]\n"


def error_response(error: EngineError, experimental: bool = True) -> Response:
    if error.status == 304:
        return Response(304, daemon_headers(experimental=experimental))  # Go drops a 304's body
    return json_response(error.status, {"message": error.message}, experimental)


def empty_response(status: int = 204) -> Response:
    return Response(status, daemon_headers())


def page_not_found() -> Response:
    return Response(404, [("Content-Type", "application/json")], encode_json({"message": PAGE_NOT_FOUND}))


class EngineApp:
    """Callable by the socket server: Request in, Response or Hijack out. Never raises."""

    def __init__(self, registry: SandboxRegistry | None = None, settings: EngineSettings | None = None) -> None:
        from hellotrace.engine import (
            routes_containers,
            routes_events,
            routes_exec,
            routes_files,
            routes_image_archive,
            routes_image_ops,
            routes_images,
            routes_lifecycle,
            routes_networks,
            routes_out_of_scope,
            routes_system,
            routes_volumes,
        )

        self.registry = registry or SandboxRegistry()
        self.settings = settings or EngineSettings()
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = []
        for module in (routes_system, routes_images, routes_containers, routes_lifecycle, routes_events,
                       routes_exec, routes_files, routes_image_ops, routes_networks, routes_volumes,
                       routes_out_of_scope, routes_image_archive):
            for method, pattern, handler in module.ROUTES:
                self.routes.append((method, re.compile(f"^{pattern}$"), handler))

    def __call__(self, request: Request) -> Response | Hijack:
        try:
            return self._dispatch(request)
        except EngineError as error:
            return error_response(error)
        except Exception:  # noqa: BLE001 - the daemon answers 500, it does not die
            log.exception("handler failed for %s %s", request.method, request.target)
            return json_response(500, {"message": "the mock engine hit an internal error; see its log"})

    def _dispatch(self, request: Request) -> Response | Hijack:
        path = request.path
        token = DEFAULT_SANDBOX
        prefixed = _SANDBOX_PREFIX.match(path)
        if prefixed:
            token, path = prefixed.group(1), prefixed.group(2)
            refused = self._not_this_nodes_sandbox(token)
            if refused is not None:
                return refused
        version = MAX_API_VERSION
        versioned = _VERSION_PREFIX.match(path)
        if versioned:
            version, path = versioned.group(1), versioned.group(2)
        found = self._route(request.method, path)
        if found is None:
            return page_not_found()
        handler, params = found
        if versioned:
            refused = self._check_version(version)
            if refused is not None:
                return refused
        sandbox = self.registry.get(token)
        try:
            result = handler(Call(request, sandbox, self.registry, self.settings, version, params))
        except BaseException:
            sandbox.leave()
            raise
        return _leaving_when_done(result, sandbox)

    def _not_this_nodes_sandbox(self, token: str) -> Response | None:
        """A visitor's sandbox that this engine must not make anew, with what to do:
        - one of another node (a DOCKER_HOST mistyped, or kept from a node the group no longer has): nginx sends
          what it cannot route to the first node's engine, which would quietly give the student a new, empty sandbox;
        - one of this node before it restarted (a DOCKER_HOST kept from then): the page shows another one now, and
          a new, empty sandbox under the old address would leave the student's terminal and page apart.
        Names a student chose (`my-box`) are not visitors' and stay served."""
        node = self.settings.node
        found = _VISITOR_SANDBOX.match(token)
        if not node or found is None:
            return None
        if found.group(1) != node:
            return json_response(404, {"message": f"no such sandbox: {token} belongs to node {found.group(1)}, which "
                                                  f"this group of hellotrace servers does not have (this is node "
                                                  f"{node}); copy DOCKER_HOST again from your hellotrace page"})
        boot = self.settings.node_boot
        if boot and not found.group(2).startswith(boot):
            return json_response(404, {"message": f"no such sandbox: {token} was on node {node} before it restarted, "
                                                  "and is gone; copy DOCKER_HOST again from your hellotrace page"})
        return None

    def _route(self, method: str, path: str) -> tuple[Handler, dict[str, str]] | None:
        for route_method, pattern, handler in self.routes:
            match = pattern.match(path)
            if match and route_method == method:
                return handler, match.groupdict()
        return None

    @staticmethod
    def _check_version(version: str) -> Response | None:
        if api_version_less(version, MIN_API_VERSION):
            error = version_too_old(version, MIN_API_VERSION)
            if api_version_less(version, ABSOLUTE_MIN_API_VERSION):
                # Below 1.24 the daemon answers with net/http's plain-text http.Error.
                return Response(
                    400,
                    daemon_headers(
                        [("Content-Type", "text/plain; charset=utf-8"), ("X-Content-Type-Options", "nosniff")],
                        experimental=False,
                    ),
                    (error.message + "\n").encode(),
                )
            return error_response(error, experimental=False)
        if api_version_less(MAX_API_VERSION, version):
            return error_response(version_too_new(version, MAX_API_VERSION), experimental=False)
        return None


def _leaving_when_done(result: Response | Hijack, sandbox: Sandbox) -> Response | Hijack:
    """The sandbox stays in use (never evicted) until the answer is fully sent: streams and hijacks included."""
    if isinstance(result, Hijack):
        handler = result.handler

        def run(conn: RawConnection) -> None:
            try:
                handler(conn)
            finally:
                sandbox.leave()

        return Hijack(run)
    if result.body is None or isinstance(result.body, (bytes, bytearray)):
        sandbox.leave()
        return result
    result.body = _StreamInUse(result.body, sandbox)
    return result


class _StreamInUse:
    """A streamed body that tells its sandbox when it ends (finished, failed or closed by the server)."""

    def __init__(self, chunks: Iterator[bytes], sandbox: Sandbox) -> None:
        self._chunks = chunks
        self._sandbox: Sandbox | None = sandbox

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        try:
            return next(self._chunks)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()
        if self._sandbox is not None:
            self._sandbox, sandbox = None, self._sandbox
            sandbox.leave()
