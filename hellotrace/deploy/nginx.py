"""The nginx configuration in front of a group of nodes, for one machine (`--workers`) or several (`deploy/`).

Each visitor is pinned to one node by a consistent hash of the `hellotrace_visitor` cookie: their replay's live
connections and event log stay in that node's memory. A first request, without the cookie, goes to the nodes in
turn. Every request carries the hash ring in the X-Hellotrace-Ring header: a node chooses a new visitor's token
that the ring gives to itself (hellotrace/deploy/ring.py), which the cookie then carries, and gives a visitor that
nginx failed over to it a cookie that keeps them there.
Engine traffic on the public engine port goes, as TCP streams, to the node named by the sandbox path of a
connection's first request, `/sandboxes/<node>-<token>/…` (engine_route.js); a path with no node's sandbox
goes to the first node's engine (the others stand by), so that the calls of one `docker run` all reach the
same engine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from hellotrace.deploy.ring import ring_header
from hellotrace.settings import NODE_NAME
from hellotrace.whole_numbers import whole_number

# What may stand in an nginx directive unquoted: a name or IPv4, a bracketed IPv6, a plain path.
HOST = re.compile(r"[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]")
UNIX_PATH = re.compile(r"unix:/[A-Za-z0-9._/+@-]*")
# A `docker wait`, `logs -f`, `events` or attached container stays silent for as long as the container runs;
# a class's live stream for as long as the class lasts.
LONG_TIMEOUT = "1h"
# The hash ring nginx tells a node with every request (hellotrace/deploy/ring.py).
RING_HEADER = "X-Hellotrace-Ring"
# How long a node that did not answer is passed over, and how long nginx waits to connect to one. Short, so that a
# node back from a restart soon has its share of new visitors again (nginx keeps first visits and the others in two
# upstream blocks, which each learn on their own that a node answers again).
FAIL_SECONDS = 3
# nginx's limit on a request's body: above the largest the site takes (MAX_IMPORT_BYTES, a HAR file to show, and the
# form around it), so that the site itself refuses anything larger, in the visitor's language.
BODY_LIMIT_MIB = 8
ROUTE_SCRIPT = Path(__file__).with_name("engine_route.js")
# Where a host's nginx finds the routing script (deploy/README.md installs it there).
DEPLOYED_ROUTE_SCRIPT = "/etc/nginx/hellotrace/engine_route.js"


@dataclass(frozen=True)
class Node:
    """One site process and its engine, as nginx reaches them: `host:port` or `unix:/path` each. `engine_unix`:
    the engine's own unix socket too, when nginx runs on its host (`--workers`)."""

    name: str
    site: str
    engine: str
    engine_unix: str | None = None

    def __post_init__(self) -> None:
        if not NODE_NAME.fullmatch(self.name):
            raise ValueError(f"a node's name is 1 to 16 lowercase letters or digits, not {self.name!r}")


@dataclass(frozen=True)
class PrivatePaths:
    """Where an nginx run by hellotrace itself keeps its pid file, logs and temporary files (a private
    folder), where its dynamic modules are, and the user its workers run as when started by root (the
    user who started hellotrace: the private folder is theirs only)."""

    folder: str
    modules: str
    user: str | None = None


def parse_node(text: str) -> Node:
    """`NAME=SITE_ADDRESS,ENGINE_ADDRESS`, as `python app.py nginx-config --node` takes it."""
    name, sep, addresses = text.partition("=")
    site, comma, engine = addresses.partition(",")
    if not sep or not comma or not site.strip() or not engine.strip():
        raise ValueError(f"expected NAME=SITE_HOST:PORT,ENGINE_HOST:PORT, for example "
                         f"n1=192.0.2.11:5000,192.0.2.11:2375, not {text!r}")
    return Node(name.strip(), upstream_address(site.strip()), upstream_address(engine.strip()))


def upstream_address(text: str) -> str:
    """`host:port`, `[v6]:port` or `unix:/path`, checked (it goes into the configuration as it is)."""
    if UNIX_PATH.fullmatch(text):
        return text
    host, sep, port = text.rpartition(":")
    if not sep or not HOST.fullmatch(host) or not 0 < (whole_number(port, 5) or 0) <= 65535:
        raise ValueError(f"expected HOST:PORT or unix:/PATH, not {text!r}")
    return text


def listen_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def nginx_config(nodes: list[Node], site_listen: list[str], engine_listen: list[str], *,
                 private: PrivatePaths | None = None, route_script: str = DEPLOYED_ROUTE_SCRIPT) -> str:
    """A whole nginx configuration. Without `private`, for a host's own nginx (Debian's layout: its modules
    from modules-enabled, its log folder); with it, for `nginx -p FOLDER -c FILE` run by hellotrace, every
    path inside FOLDER. `site_listen` and `engine_listen` are nginx `listen` addresses (`HOST:PORT`,
    `unix:/PATH`); `route_script` is where nginx finds engine_route.js."""
    if not nodes:
        raise ValueError("at least one node is needed")
    names = [node.name for node in nodes]
    if len(set(names)) != len(names):
        raise ValueError(f"node names must differ: {', '.join(names)}")
    if private is None:
        head = [
            "# hellotrace: generated by `python app.py nginx-config`; regenerate it rather than edit it.",
            "# Debian's nginx with libnginx-mod-stream and libnginx-mod-stream-js: /etc/nginx/nginx.conf.",
            "user www-data;",
            "worker_processes auto;",
            "pid /run/nginx.pid;",
            "include /etc/nginx/modules-enabled/*.conf;",
            "error_log /var/log/nginx/error.log;",
        ]
        http_head = ["access_log /var/log/nginx/access.log;"]
    else:
        folder = private.folder
        head = [
            "# An nginx of hellotrace's own (`python app.py --workers N`, or `nginx -p FOLDER` beside the host's):",
            "# every path is in its private folder.",
            *([f"user {private.user};"] if private.user else []),
            "worker_processes 1;",
            f"pid {folder}/nginx.pid;",
            f"load_module {private.modules}/ngx_stream_module.so;",
            f"load_module {private.modules}/ngx_stream_js_module.so;",
            f"error_log {folder}/nginx-error.log warn;",
        ]
        http_head = [
            "access_log off;",
            f"client_body_temp_path {folder}/client_body;",
            f"proxy_temp_path {folder}/proxy;",
            f"fastcgi_temp_path {folder}/fastcgi;",
            f"uwsgi_temp_path {folder}/uwsgi;",
            f"scgi_temp_path {folder}/scgi;",
        ]
    lines = [
        *head,
        "",
        "events {",
        "    worker_connections 8192;",
        "}",
        "",
        "http {",
        *_indent(http_head + [""] + _site(nodes, site_listen)),
        "}",
        "",
        "stream {",
        *_indent(_engines(nodes, engine_listen, route_script)),
        "}",
    ]
    return "\n".join(lines) + "\n"


def _indent(lines: list[str]) -> list[str]:
    return [f"    {line}" if line else "" for line in lines]


def _site(nodes: list[Node], site_listen: list[str]) -> list[str]:
    """Pages, htmx steps and live streams, each visitor to their node."""
    servers = [f"    server {node.site} max_fails=1 fail_timeout={FAIL_SECONDS}s;" for node in nodes]
    return [
        "# A visitor is routed by a consistent hash of their cookie. A first visit (no cookie yet) goes to the",
        "# nodes in turn, so that they share new visitors evenly. Every request is told the hash ring: a node",
        "# chooses a new visitor's token that the ring gives to itself, and the cookie carrying it brings the",
        "# visitor back there. A cookie never names a sandbox: the node chooses the token.",
        "map $cookie_hellotrace_visitor $hellotrace_upstream {",
        '    "" hellotrace_first_visits;',
        "    default hellotrace_sites;",
        "}",
        "",
        f"# A node that does not answer is passed over for {FAIL_SECONDS} s; its visitors go to the next node on the",
        "# ring, which gives them a cookie the ring routes to it, so that they stay there.",
        "upstream hellotrace_sites {",
        "    hash $cookie_hellotrace_visitor consistent;",
        *servers,
        "    keepalive 32;",
        "}",
        "",
        "upstream hellotrace_first_visits {",
        *servers,
        "    keepalive 8;",
        "}",
        "",
        "server {",
        *[f"    listen {address};" for address in site_listen],
        "    # The site refuses what is too large itself, with a page in the visitor's language that says why: the",
        "    # largest it takes is a trace to show (a HAR file of 4 MiB at most); this is only a backstop above it.",
        f"    client_max_body_size {BODY_LIMIT_MIB}m;",
        "    location / {",
        "        proxy_pass http://$hellotrace_upstream;",
        "        proxy_http_version 1.1;",
        '        proxy_set_header Connection "";',
        "        proxy_set_header Host $http_host;",
        "        proxy_set_header X-Forwarded-Host $http_host;",
        "        proxy_set_header X-Forwarded-For $remote_addr;",
        "        proxy_set_header X-Forwarded-Proto $scheme;",
        f'        proxy_set_header {RING_HEADER} "{ring_header((node.name, node.site) for node in nodes)}";',
        "        # A node that does not answer within this is passed over (on a host that is down, connecting would",
        "        # otherwise wait for a minute).",
        f"        proxy_connect_timeout {FAIL_SECONDS}s;",
        "        # Live streams answer with X-Accel-Buffering: no, and stay open through a whole class.",
        f"        proxy_read_timeout {LONG_TIMEOUT};",
        "    }",
        "}",
    ]


def _engines(nodes: list[Node], engine_listen: list[str], route_script: str) -> list[str]:
    """The engines' traffic as TCP streams, each connection to the node its first request's sandbox names. What
    comes in on a unix socket goes on to each engine's own unix socket when every node has one: an engine checks
    the `Host` of what reaches it over TCP (a web page may have pointed its own name at this machine), and over a
    unix socket serves any, as dockerd does (`curl --unix-socket … http:/v1.24/…` names the host "v1.24")."""
    by_unix = ([address for address in engine_listen if address.startswith("unix:")]
               if all(node.engine_unix for node in nodes) else [])
    by_tcp = [address for address in engine_listen if address not in by_unix]
    lines = [f"js_import engine_route from {route_script};", "js_var $hellotrace_node;", ""]
    if by_tcp:
        lines += _engine_routes(nodes, by_tcp, [node.engine for node in nodes], "")
    if by_unix:
        lines += [""] + _engine_routes(nodes, by_unix, [f"unix:{node.engine_unix}" for node in nodes], "_unix")
    return lines


def _engine_routes(nodes: list[Node], listen: list[str], engines: list[str], kind: str) -> list[str]:
    """One stream server on `listen`, to the engines at `engines` (one per node, in order); `kind` tells its
    upstreams' names from another server's."""
    (first, *others), names = engines, [f"engine{kind}_{node.name}" for node in nodes]
    lines = [
        "# A sandbox is named <node>-<token>: its node's engine holds it.",
        f"map $hellotrace_node $hellotrace_engine{kind} {{",
        *[f"    {node.name} {name};" for node, name in zip(nodes, names, strict=True)],
        f"    default engines{kind}_any;",
        "}",
        "",
    ]
    for name, engine in zip(names, engines, strict=True):
        lines += [f"upstream {name} {{", f"    server {engine};", "}", ""]
    lines += [
        "# Paths without a node's sandbox (the default sandbox): the first node's engine, the others standing by,",
        "# so that every call of one `docker run` reaches the same engine.",
        f"upstream engines{kind}_any {{",
        f"    server {first};",
        *[f"    server {engine} backup;" for engine in others],
        "}",
        "",
        "server {",
        *[f"    listen {address};" for address in listen],
        "    js_preread engine_route.route;",
        f"    proxy_pass $hellotrace_engine{kind};",
        "    # The docker CLI closes its sending side once its input is sent; the container's output still comes.",
        "    proxy_half_close on;",
        "    # A `docker wait`, `logs -f`, `events` or attached container stays silent while the container runs.",
        f"    proxy_timeout {LONG_TIMEOUT};",
        "}",
    ]
    return lines
