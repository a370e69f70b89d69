"""A Docker Engine API client that records every exchange and reports it live.

It behaves like the Docker client where the lessons need it to (moby `client/`, docker CLI 29):
- version negotiation: `HEAD /_ping` (then `GET /_ping` if that fails), unversioned and under the base path;
  the API version becomes min(the client's own, the daemon's `Api-Version`); below 1.40 is refused; until
  negotiation succeeds, calls use the client's own and negotiation is tried again before each of them. The
  client's own is 1.55 (docker CLI 29.7) unless told otherwise: the replay's sequence "what the docker CLI
  really sends" follows docker CLI 28.2.2, whose own is 1.50;
- paths: `<base path>/v<version>/<endpoint>`, queries encoded like Go's `url.Values.Encode()` (sorted keys);
- headers, in Go's order: `Host` (`api.moby.localhost` over a unix socket, `host:port` over TCP: of the
  public address when the client dials a daemon behind a proxy that passes connections on as they are),
  `User-Agent`, `Content-Length` (`0` on a bodiless POST or DELETE), then the others sorted by name;
  `Content-Type: application/json` with a JSON body; attach adds `Connection: Upgrade`, `Upgrade: tcp`
  and `Content-Type: text/plain`; a pull sends `X-Registry-Auth: e30=` (that is `{}`, no credentials).
Deliberate differences, so that what is shown stays readable and honest: the User-Agent names hellotrace;
no `Accept-Encoding` is sent, over TCP either (the CLI asks for gzip there), so bodies arrive uncompressed;
JSON bodies are compact and have no trailing newline (Go's encoder adds one).
"""

from __future__ import annotations

import itertools
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote_plus

import h11
from requests.utils import requote_uri

from hellotrace.container_quota import ContainerKeeper, KeptContainer
from hellotrace.docker_host import DaemonAddress
from hellotrace.policy import DaemonPolicy
from hellotrace.protocol.jsonwire import encode_json
from hellotrace.protocol.versions import (
    MAX_API_VERSION,
    MIN_API_VERSION,
    InvalidApiVersion,
    api_version_less,
    client_api_version,
    negotiate,
    parse_api_version_text,
)
from hellotrace.tracing import errors
from hellotrace.tracing.errors import ErrorKind, TraceError, classify, stream_cut
from hellotrace.tracing.exchange import Exchange, ResponseHead, StreamKind, Timings, TraceEvent
from hellotrace.tracing.hijack import run_hijacked
from hellotrace.tracing.recorder import ExchangeRecorder, Listener, TraceLimits
from hellotrace.tracing.transport import DaemonPool, Response, dial
from hellotrace.tracing.wire import bound_capture

CLIENT_VERSION = "0.1.0"
USER_AGENT = f"hellotrace/{CLIENT_VERSION} ({sys.platform})"
# `{}` in base64: the CLI sends it on a pull when it has no credentials for the registry.
NO_REGISTRY_AUTH = "e30="
# What the transports can raise; anything else is a bug and is left to surface.
_TRANSPORT_ERRORS = (OSError, h11.ProtocolError)

Query = Mapping[str, str | Sequence[str]]


def encode_query(query: Query | None) -> str:
    """Go's url.Values.Encode(): keys sorted, each value escaped with QueryEscape (`/` → %2F, space → +)."""
    if not query:
        return ""
    parts = []
    for key in sorted(query):
        values = query[key]
        for value in [values] if isinstance(values, str) else values:
            parts.append(f"{quote_plus(key, safe='')}={quote_plus(value, safe='')}")
    return "&".join(parts)


@dataclass
class Negotiation:
    """The outcome of the version handshake, with the pings that made it."""

    exchanges: list[Exchange]
    client_max: str = MAX_API_VERSION  # the highest version the client speaks
    server_api_version: str | None = None  # the daemon's Api-Version header, None when absent
    api_version: str | None = None  # the version now used in paths; None when negotiation failed
    error: TraceError | None = None
    daemon_headers: dict[str, str] = field(default_factory=dict)  # Server, Ostype, Docker-Experimental, …

    @property
    def ok(self) -> bool:
        return self.error is None


class BackgroundCall:
    """A call running in its own thread (the CLI keeps attach and wait open while it starts the container)."""

    def __init__(self, on_event: Listener | None = None) -> None:
        self.exchange: Exchange | None = None
        self._on_event = on_event
        self._head = threading.Event()
        self._done = threading.Event()

    def wait_for_head(self, timeout: float | None = None) -> bool:
        """Block until the response head arrived (or the call ended); True when there is a head."""
        self._head.wait(timeout)
        return self.exchange is not None and self.exchange.response is not None

    def join(self, timeout: float | None = None) -> Exchange | None:
        """Wait for the end of the call; the finished Exchange, or None if it is still running."""
        self._done.wait(timeout)
        return self.exchange if self._done.is_set() else None

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def _observe(self, exchange: Exchange, event: TraceEvent) -> None:
        self.exchange = exchange
        if self._on_event is not None:
            self._on_event(exchange, event)
        if isinstance(event, ResponseHead):
            self._head.set()

    def _run(self, call: Callable[..., Exchange], args: tuple, kwargs: dict) -> None:
        try:
            self.exchange = call(*args, on_event=self._observe, **kwargs)
        finally:
            self._head.set()
            self._done.set()


class TracedClient:
    """Talks to one daemon address; every call returns a finished Exchange (errors included, never raised)."""

    def __init__(
        self,
        address: DaemonAddress,
        *,
        listener: Listener | None = None,
        limits: TraceLimits | None = None,
        api_version: str | None = None,
        max_api_version: str = MAX_API_VERSION,
        host_header: str | None = None,
        user_agent: str = USER_AGENT,
        policy: DaemonPolicy | None = None,
        containers: ContainerKeeper | None = None,
        gate: Callable[[], None] | None = None,
        numbered_after: tuple[int, int] = (0, 0),
    ) -> None:
        """`api_version` fixes the version as DOCKER_API_VERSION does (no negotiation); one the moby client
        would refuse raises InvalidApiVersion, with its text. `max_api_version` is the highest version this
        client speaks, the one negotiation lowers to the daemon's (1.55 for docker CLI 29.7, 1.50 for 28.2).
        `host_header` is the Host every request carries instead of the address's own: the public address a proxy
        passes on byte for byte (nginx's engine port in a group of nodes) while this client dials the daemon
        behind it, so that its requests are those a client of the public address sends.
        `listener` gets every event of every exchange,
        from whichever thread runs the call. `containers` is the visitor's share of the site's container
        quota: each container this client creates is admitted there, and the ones past the quota removed.
        `gate` is called once each exchange is announced and before it is sent, and may block (a paced
        replay waits there). `numbered_after`: the last exchange and connection numbers shown before this
        client's (a replay's later steps run by a client of their own go on from the earlier steps')."""
        self.address = address
        self.containers = containers
        self.listener = listener
        self.limits = limits or TraceLimits()
        self.user_agent = user_agent
        self.policy = policy
        self.gate = gate
        self.max_api_version = parse_api_version_text(max_api_version)
        self.host_header = host_header or address.http_host
        self._api_version: str | None = None
        self.api_version = api_version
        self._negotiated = self.api_version is not None
        self._negotiate_lock = threading.Lock()
        self._numbers = itertools.count(numbered_after[0] + 1)
        self._connection_numbers = itertools.count(numbered_after[1] + 1)
        self._lock = threading.Lock()
        self._pool = DaemonPool(address, self._next_connection_number)

    @property
    def api_version(self) -> str | None:
        """The version written into every versioned path; None until negotiated."""
        return self._api_version

    @api_version.setter
    def api_version(self, value: str | None) -> None:
        # Whoever sets it (an option, DOCKER_API_VERSION, the lab, negotiation), it goes into the path as the
        # moby client would write it, or not at all.
        self._api_version = None if value is None else client_api_version(value)

    def __enter__(self) -> TracedClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the kept-alive connections."""
        self._pool.close()

    # --- version negotiation --------------------------------------------------------------------------------

    def negotiate(self, *, on_event: Listener | None = None) -> Negotiation:
        """Ping and settle the API version, as the CLI does at start-up."""
        with self._negotiate_lock:
            result = self._negotiate(on_event)
            if result.api_version is not None:
                self.api_version = result.api_version
                self._negotiated = True
            return result

    def _negotiate(self, on_event: Listener | None) -> Negotiation:
        ping = self.ping("HEAD", on_event=on_event)
        result = Negotiation([ping], client_max=self.max_api_version)
        if ping.error is not None or ping.status != 200:
            ping = self.ping("GET", on_event=on_event)
            result.exchanges.append(ping)
            if ping.error is not None:
                result.error = ping.error
                return result
            if ping.response is not None and ping.response.status >= 400:
                result.error = errors.ping_failed(ping.response.status, ping.daemon_message or "")
                return result
        response = ping.response
        if response is None:
            result.error = ping.error
            return result
        result.daemon_headers = {
            name: value for name, value in response.headers
            if name.lower() in ("server", "api-version", "ostype", "docker-experimental", "builder-version", "swarm")
        }
        advertised = response.header("Api-Version") or None
        result.server_api_version = advertised
        if advertised is None:
            result.api_version = self.max_api_version
            return result
        try:
            version = parse_api_version_text(advertised)
        except InvalidApiVersion as error:
            result.error = errors.api_version_invalid(advertised, error.reason)
            return result
        # Compared as moby compares them, number by number (the version may be negative: "-1.5").
        if api_version_less(version, MIN_API_VERSION):
            result.error = errors.api_version_unsupported(advertised)
            return result
        result.api_version = negotiate(self.max_api_version, version)
        return result

    # --- calls ------------------------------------------------------------------------------------------------

    def ping(self, method: str = "HEAD", *, on_event: Listener | None = None) -> Exchange:
        """`HEAD|GET <base path>/_ping`, unversioned, as the client always pings."""
        return self.request(method, "/_ping", versioned=False, label="ping", on_event=on_event)

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Query | None = None,
        json_body: object = None,
        body: bytes | None = None,
        headers: Sequence[tuple[str, str]] = (),
        stream: StreamKind = "none",
        versioned: bool = True,
        label: str = "",
        on_event: Listener | None = None,
    ) -> Exchange:
        """One traced call. `path` is the endpoint (`/containers/create`); the base path and `/v<version>`
        are added. `json_body` is sent as compact JSON with `Content-Type: application/json`."""
        if json_body is not None:
            body = encode_json(json_body).rstrip(b"\n")
            headers = [("Content-Type", "application/json"), *headers]
        exchange = self._new_exchange(method, path, query, body, headers, stream, versioned, label)
        recorder, refusal = self._begin(exchange, on_event)
        if refusal is not None:
            return recorder.finish(refusal)
        with bound_capture(recorder.capture):
            error = self._send(recorder)
        return self._observed(recorder.finish(error))

    def hijack(
        self,
        path: str,
        *,
        query: Query | None = None,
        tty: bool = False,
        label: str = "",
        on_event: Listener | None = None,
    ) -> Exchange:
        """`POST` with `Upgrade: tcp` on a new connection: expects `101 UPGRADED`, then reads the raw stream to
        EOF (decoded as stdcopy frames unless `tty`)."""
        headers = [
            ("Connection", "Upgrade"),
            ("Content-Type", "text/plain"),
            ("Upgrade", "tcp"),
        ]
        exchange = self._new_exchange(
            "POST", path, query, None, headers, "raw" if tty else "stdcopy", True, label
        )
        recorder, refusal = self._begin(exchange, on_event)
        if refusal is not None:
            return recorder.finish(refusal)
        with bound_capture(recorder.capture):
            try:
                sock = dial(self.address, self.limits.connect_timeout, self._next_connection_number)
            except _TRANSPORT_ERRORS as exc:
                return recorder.finish(classify(exc, self.address, connected=False))
            try:
                error = run_hijacked(sock, recorder, self.limits.read_timeout)
            except _TRANSPORT_ERRORS as exc:
                error = classify(exc, self.address, connected=True)
            finally:
                sock.close()
        return recorder.finish(error)

    def _begin(self, exchange: Exchange, on_event: Listener | None) -> tuple[ExchangeRecorder, TraceError | None]:
        """Every call passes here before anything is dialled: the exchange starts being recorded, and the
        reason it may not leave, if any. A real daemon's policy judges the request exactly as it will be
        written (method, whole target with base path and version, headers, body); a refusal is recorded
        like any error. A call that may leave waits at the gate, if there is one."""
        recorder = ExchangeRecorder(exchange, (self.listener, on_event), self.limits)
        recorder.start()
        if not self.address.dialable:
            return recorder, errors.not_dialable(self.address)
        refusal = self._refusal(exchange)
        if refusal is None and self.gate is not None:
            self.gate()
            recorder.restart_clock()
        return recorder, refusal

    def _refusal(self, exchange: Exchange) -> TraceError | None:
        if self.policy is None:
            return None
        refusal = self.policy.check(exchange.method, exchange.target, exchange.request_body,
                                    exchange.request_headers, base_path=self.address.request_path("/").rstrip("/"))
        return None if refusal is None else errors.refused_by_policy(refusal.code, refusal.detail)

    def _observed(self, exchange: Exchange) -> Exchange:
        """Learn from the daemon's answers which containers hellotrace created (and removed): the policy may
        then touch them, the quota counts them and removes the oldest past its bounds."""
        if exchange.response is None:
            return exchange
        path = exchange.target.split("?", 1)[0]
        if exchange.method == "POST" and path.endswith("/containers/create") and exchange.status == 201:
            body = exchange.response.json()
            if isinstance(body, dict) and isinstance(body.get("Id"), str):
                if self.policy is not None:
                    self.policy.remember(body["Id"])
                if self.containers is not None:
                    for kept in self.containers.created(self.address, body["Id"]):
                        self._remove_evicted(kept)
        elif exchange.method == "DELETE" and "/containers/" in path and exchange.status in (204, 404):
            container_id = path.rsplit("/", 1)[-1]
            if self.policy is not None:
                self.policy.forget(container_id)
            if self.containers is not None:
                self.containers.removed(container_id)
        return exchange

    def _remove_evicted(self, kept: KeptContainer) -> None:
        """Remove a container past the quota, on its own daemon (another visitor's sandbox, with the mock)."""
        with TracedClient(kept.address, limits=self.limits, policy=self.policy,
                          max_api_version=self.max_api_version) as client:
            client.remove_container(kept.container_id, force=True)

    def in_background(
        self, call: Callable[..., Exchange], *args: object, on_event: Listener | None = None, **kwargs: object
    ) -> BackgroundCall:
        """Start `call` (a method of this client) in a thread; `wait_for_head()` / `join()` on the result.
        `on_event` sees the call's events as they happen, from that thread."""
        background = BackgroundCall(on_event)
        threading.Thread(
            target=background._run, args=(call, args, kwargs), name="hellotrace-call", daemon=True
        ).start()
        return background

    # --- the endpoints of `docker run hello-world` and of the lessons -------------------------------------------

    def version(self, *, on_event: Listener | None = None) -> Exchange:
        return self.request("GET", "/version", label="version", on_event=on_event)

    def info(self, *, on_event: Listener | None = None) -> Exchange:
        return self.request("GET", "/info", label="info", on_event=on_event)

    def list_images(self, *, on_event: Listener | None = None) -> Exchange:
        return self.request("GET", "/images/json", label="images", on_event=on_event)

    def inspect_image(self, name: str, *, on_event: Listener | None = None) -> Exchange:
        return self.request("GET", f"/images/{name}/json", label="inspect-image", on_event=on_event)

    def pull_image(self, from_image: str, tag: str, *, on_event: Listener | None = None) -> Exchange:
        """`POST /images/create?fromImage=…&tag=…`: the progress stream, one JSON object per line."""
        return self.request(
            "POST", "/images/create", query={"fromImage": from_image, "tag": tag},
            headers=[("X-Registry-Auth", NO_REGISTRY_AUTH)], stream="json-lines", label="pull", on_event=on_event,
        )

    def remove_image(self, name: str, *, force: bool = False, on_event: Listener | None = None) -> Exchange:
        query = {"force": "1"} if force else None
        return self.request("DELETE", f"/images/{name}", query=query, label="remove-image", on_event=on_event)

    def create_container(
        self, config: Mapping[str, object], *, name: str | None = None, on_event: Listener | None = None
    ) -> Exchange:
        query = {"name": name} if name else None
        return self.request(
            "POST", "/containers/create", query=query, json_body=config, label="create", on_event=on_event
        )

    def list_containers(self, *, show_all: bool = False, on_event: Listener | None = None) -> Exchange:
        query = {"all": "1"} if show_all else None
        return self.request("GET", "/containers/json", query=query, label="containers", on_event=on_event)

    def inspect_container(self, container: str, *, on_event: Listener | None = None) -> Exchange:
        return self.request("GET", f"/containers/{container}/json", label="inspect", on_event=on_event)

    def attach_container(
        self,
        container: str,
        *,
        stdout: bool = True,
        stderr: bool = True,
        logs: bool = False,
        tty: bool = False,
        on_event: Listener | None = None,
    ) -> Exchange:
        """What `docker run` sends before starting the container: `attach?stderr=1&stdout=1&stream=1`."""
        query = _flags(stdout=stdout, stderr=stderr, stream=True, logs=logs)
        return self.hijack(f"/containers/{container}/attach", query=query, tty=tty, label="attach", on_event=on_event)

    def wait_container(
        self, container: str, condition: str = "next-exit", *, on_event: Listener | None = None
    ) -> Exchange:
        """The answer's head comes at once, its body when the condition is met (start this in the background)."""
        return self.request(
            "POST", f"/containers/{container}/wait", query={"condition": condition}, label="wait", on_event=on_event
        )

    def start_container(self, container: str, *, on_event: Listener | None = None) -> Exchange:
        return self.request("POST", f"/containers/{container}/start", label="start", on_event=on_event)

    def container_logs(
        self,
        container: str,
        *,
        stdout: bool = True,
        stderr: bool = True,
        follow: bool = False,
        tty: bool = False,
        on_event: Listener | None = None,
    ) -> Exchange:
        """`GET …/logs?stderr=1&stdout=1&tail=all`, as `docker logs` asks; stdcopy frames unless `tty`."""
        query = {**_flags(stdout=stdout, stderr=stderr, follow=follow), "tail": "all"}
        return self.request(
            "GET", f"/containers/{container}/logs", query=query, stream="raw" if tty else "stdcopy",
            label="logs", on_event=on_event,
        )

    def remove_container(self, container: str, *, force: bool = False, on_event: Listener | None = None) -> Exchange:
        query = {"force": "1"} if force else None
        return self.request("DELETE", f"/containers/{container}", query=query, label="remove", on_event=on_event)

    # --- internals ----------------------------------------------------------------------------------------------

    def _next_connection_number(self) -> int:
        with self._lock:
            return next(self._connection_numbers)

    def _new_exchange(
        self,
        method: str,
        path: str,
        query: Query | None,
        body: bytes | None,
        headers: Sequence[tuple[str, str]],
        stream: StreamKind,
        versioned: bool,
        label: str,
    ) -> Exchange:
        version = self._version_for_path() if versioned else None
        encoded = encode_query(query)
        if encoded and "?" in path:
            encoded = "&" + encoded
        elif encoded:
            encoded = "?" + encoded
        # Characters a request line cannot carry are quoted (requests' rule): the recorded target is the one on
        # the wire.
        target = requote_uri(self.address.request_path(path, version) + encoded)
        ordered = self._ordered_headers(method, body, headers)
        with self._lock:
            number = next(self._numbers)
        exchange = Exchange(
            number=number, label=label, address=self.address, method=method, target=target,
            request_headers=ordered, request_body=body, stream=stream, timings=Timings(started_at=time.time()),
        )
        return exchange

    def _version_for_path(self) -> str:
        """The negotiated version; before that, negotiate (each time, until it works) and fall back to ours."""
        if not self._negotiated and self.address.dialable:
            self.negotiate()
        return self.api_version or self.max_api_version

    def _ordered_headers(
        self, method: str, body: bytes | None, extra: Sequence[tuple[str, str]]
    ) -> tuple[tuple[str, str], ...]:
        """Go's order: Host, User-Agent, Content-Length, then the rest sorted by name."""
        ordered = [("Host", self.host_header), ("User-Agent", self.user_agent)]
        if body:
            ordered.append(("Content-Length", str(len(body))))
        elif method not in ("GET", "HEAD"):
            ordered.append(("Content-Length", "0"))
        return (*ordered, *sorted(extra, key=lambda item: item[0]))

    def _send(self, recorder: ExchangeRecorder) -> TraceError | None:
        exchange = recorder.exchange
        response: Response | None = None
        complete = False
        try:
            response = self._pool.send(exchange.method, exchange.target, exchange.request_headers,
                                       exchange.request_body, connect_timeout=self.limits.connect_timeout,
                                       read_timeout=self.limits.read_timeout)
            recorder.head_received()
            error = self._read_body(response, recorder)
            complete = error is None
            return error
        except _TRANSPORT_ERRORS as exc:
            error = classify(exc, self.address, connected=recorder.capture.connection is not None)
            if response is not None and error.kind == ErrorKind.CONNECTION_CLOSED:
                return stream_cut()  # the head had arrived: the body was cut
            return error
        finally:
            if response is not None:
                if complete:
                    response.release()  # keep-alive: the next call may reuse this connection
                else:
                    response.close()

    @staticmethod
    def _read_body(response: Response, recorder: ExchangeRecorder) -> TraceError | None:
        for piece in response.body():
            recorder.body_received(piece)
            if limit := recorder.over_limit():
                return limit
        return None


def _flags(**flags: bool) -> dict[str, str]:
    """Boolean query parameters as the CLI sends them: `1` when set, absent otherwise."""
    return {name: "1" for name, value in flags.items() if value}
