"""`docker ps` / `docker images` as the configured CLI would run them, against the reader's sandbox.

The request follows the resolution: the custom headers that survive (`HeaderPlan.wire_headers`) on the
ping **and** on the listing, `DOCKER_API_VERSION` instead of negotiation, and the query the command's
options make (`-a` → `all=1`, `-n 3` → `limit=3`, `-l` → `limit=1`, `-f k=v` → `filters`, `-s` or a format that
uses `.Size` → `size=1`, the `REPOSITORY` argument of `images` → a `reference` filter). The daemon address is
always the reader's sandbox, whatever `-H` says: the lab shows the address, it does not dial it.

The output is then formatted on the client side, as the CLI does, by `hellotrace.formatting`: the format
is `--format` when the command line is that listing, else `psFormat` / `imagesFormat`, else Docker's
table. `docker ps` checks its format before sending anything; `docker images` only when printing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from hellotrace.client_config.resolve import Resolution
from hellotrace.docker_host import DaemonAddress
from hellotrace.formatting import TemplateError, ps_format_refusal, ps_requests_size, render_images, render_ps
from hellotrace.policy import DaemonPolicy
from hellotrace.protocol.gostrconv import parse_int
from hellotrace.protocol.versions import CLI_API_VERSION, negotiate
from hellotrace.tracing import Exchange, TracedClient, TraceLimits

LISTINGS = {"ps": "/containers/json", "images": "/images/json"}
FORMAT_PROPERTIES = {"ps": "psFormat", "images": "imagesFormat"}


@dataclass(frozen=True)
class ListingRequest:
    kind: str  # ps | images
    path: str
    query: dict[str, str]
    headers: tuple[tuple[str, str], ...]
    api_version: str | None  # fixed by DOCKER_API_VERSION, else negotiated
    format: str  # what the CLI hands its formatter ("" = Docker's default table)
    format_source: str  # "flag", "file" or "default"
    quiet: bool = False
    no_trunc: bool = False
    size: bool = False  # -s
    digests: bool = False
    refused: TemplateError | None = None  # docker ps stops on a bad format before any request


@dataclass
class ListingOutput:
    """What the CLI would print: stdout text, or the stderr line of a template error."""

    stdout: str | None = None
    error: TemplateError | None = None


@dataclass
class Listing:
    request: ListingRequest
    exchanges: list[Exchange] = field(default_factory=list)
    output: ListingOutput | None = None


def listing_request(resolution: Resolution, kind: str, now: datetime | None = None) -> ListingRequest:
    """The request for `docker ps` or `docker images`, options taken from the command line when it is that
    command, and the format from --format or psFormat/imagesFormat."""
    cmd = resolution.command
    same = cmd.command == kind
    flag_format = cmd.value("format") if same else None
    quiet = same and cmd.flag_on("quiet")
    config = resolution.config if resolution.config is not None and resolution.config.used else None
    file_format = config.text(FORMAT_PROPERTIES[kind]) if config is not None else ""
    if flag_format:
        fmt, source = flag_format, "flag"
    elif file_format and not (quiet and kind == "images"):
        fmt, source = file_format, "file"  # docker ps keeps psFormat even with -q (and then prints IDs)
    else:
        fmt, source = "", "default"
    query: dict[str, str] = {}
    filters: dict[str, list[str]] = {}
    if same:
        if cmd.flag_on("all"):
            query["all"] = "1"
        for item in cmd.values("filter"):
            key, _, value = item.partition("=")
            filters.setdefault(key.strip(), []).append(value)
        if kind == "images" and cmd.args:
            filters.setdefault("reference", []).append(cmd.args[0])
    refused = None
    size_given = same and kind == "ps" and cmd.value("size") is not None  # --size=false stops the guess too
    size = size_given and cmd.flag_on("size")
    if kind == "ps":
        if same:
            last = _int(cmd.value("last"))
            if last is None and cmd.flag_on("latest"):
                last = 1
            if last is not None and last > 0:
                query["limit"] = str(last)
        when = now or datetime.now(UTC)
        if fmt:
            refused = ps_format_refusal(fmt, now=when)
        if size or not size_given and refused is None and ps_requests_size(fmt or None, now=when, quiet=quiet):
            query["size"] = "1"
    if filters:
        query["filters"] = json.dumps(
            {key: {value: True for value in sorted(values)} for key, values in sorted(filters.items())},
            separators=(",", ":"),
        )
    api = resolution.setting("api_version")
    fixed = api.value if api.layer == "env" else None
    return ListingRequest(
        kind, LISTINGS[kind], query, tuple(resolution.headers.wire_headers()), fixed, fmt, source, quiet=quiet,
        no_trunc=same and cmd.flag_on("no-trunc"), size=size, digests=same and cmd.flag_on("digests"),
        refused=refused,
    )


def run_listing(address: DaemonAddress, request: ListingRequest, limits: TraceLimits,
                now: datetime | None = None, policy: DaemonPolicy | None = None,
                host_header: str | None = None) -> Listing:
    """Send the listing (unless its format already stops the CLI) and format the answer. `host_header`: the Host
    the visitor's own CLI sends (see TracedClient), when the site reaches the daemon by another address."""
    listing = Listing(request)
    if request.refused is not None:
        listing.output = ListingOutput(error=request.refused)
        return listing
    listing.exchanges = send_listing(address, request, limits, policy, host_header)
    answer = listing.exchanges[-1]
    body = answer.response.json() if answer.response is not None and answer.status == 200 else None
    if isinstance(body, list):
        listing.output = format_listing(request, body, now or datetime.now(UTC))
    return listing


def format_listing(request: ListingRequest, body: list, now: datetime) -> ListingOutput:
    try:
        if request.kind == "ps":
            text = render_ps(body, request.format or None, now=now, no_trunc=request.no_trunc,
                             quiet=request.quiet, size=request.size)
        else:
            text = render_images(body, request.format or None, now=now, no_trunc=request.no_trunc,
                                 quiet=request.quiet, digests=request.digests)
    except TemplateError as error:
        return ListingOutput(error=error)
    return ListingOutput(stdout=text)


def send_listing(address: DaemonAddress, request: ListingRequest, limits: TraceLimits,
                 policy: DaemonPolicy | None = None, host_header: str | None = None) -> list[Exchange]:
    """HEAD /_ping then the listing, both with the custom headers, as the CLI sends them (the lab's CLI,
    docker 28.2.2, negotiates from its own highest API version)."""
    headers = [(name, _wire_text(value)) for name, value in request.headers]
    with TracedClient(address, api_version=CLI_API_VERSION, max_api_version=CLI_API_VERSION, limits=limits,
                      policy=policy, host_header=host_header) as client:
        ping = client.request("HEAD", "/_ping", versioned=False, headers=headers, label="ping")
        version = request.api_version
        if version is None:
            advertised = ping.response.header("Api-Version") if ping.response is not None else None
            try:
                version = negotiate(CLI_API_VERSION, advertised)
            except ValueError:
                version = CLI_API_VERSION
        client.api_version = version
        listing = client.request("GET", request.path, query=request.query or None, headers=headers,
                                 label=request.kind)
    return [ping, listing]


def _int(text: str | None) -> int | None:
    return None if text is None else parse_int(text)


def _wire_text(value: str) -> str:
    """A header value as the bytes Go would send: UTF-8, carried through the traced client's Latin-1 encoding."""
    return value.encode("utf-8", "surrogatepass").decode("latin-1")
