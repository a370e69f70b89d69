"""hellotrace's composition root: `create_app(config)` for Flask, and the command line.

    python app.py                      the site on http://127.0.0.1:5000 with the embedded mock engine
    python app.py mock-daemon          the mock Docker engine alone, in the foreground
    python app.py --help               every option
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import secrets
import signal
import sys
import threading
from typing import Any

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from hellotrace.docker_host import DaemonAddress, InvalidDaemonAddress, parse_docker_host
from hellotrace.engine.api import EngineSettings
from hellotrace.engine.server import AddressInUse
from hellotrace.engine.service import DEFAULT_TCP, EngineOptions, EngineProcess, MockEngine, default_unix_path
from hellotrace.engine.tap import TapPublisher
from hellotrace.protocol.versions import MAX_API_VERSION
from hellotrace.tracing import TracedClient
from hellotrace.trusted_hosts import LOOPBACK_NAMES, InvalidHostName, trusted_hosts
from hellotrace.web import init_web
from hellotrace.wiretap import MemoryTraceStore
from hellotrace.wiretap.service import InvalidTraceSocket, TraceService

DEFAULT_SITE = ("127.0.0.1", 5000)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the Flask site. `config` overrides defaults: HELLOTRACE_ENGINE (the embedded MockEngine) or
    HELLOTRACE_DAEMON (a DaemonAddress of another daemon) says whom the replay talks to."""
    app = Flask(__name__, template_folder="templates", static_folder="static")
    app.config.from_mapping(
        # Sessions only hold a visitor token; a key per process is enough (visitors restart with the site).
        SECRET_KEY=secrets.token_hex(32),
        SESSION_COOKIE_SAMESITE="Lax",
        # Forms carry at most a config.json of 64 KiB and a few lines: anything far bigger is refused (413).
        MAX_CONTENT_LENGTH=256 * 1024,
        HELLOTRACE_ENGINE=None,
        HELLOTRACE_DAEMON=None,
        # Set when a real daemon is shared beyond loopback: visitors must present it once (?token=…).
        HELLOTRACE_PRESENTER_TOKEN=None,
        # What the engine's tap and the recording proxy saw (the trace page); its own when not given.
        HELLOTRACE_TRACE=None,
        # The recording proxy's socket path in front of a real daemon (--trace-socket), for the trace page.
        HELLOTRACE_TRACE_SOCKET=None,
        # Only these names are served (DNS rebinding); `python app.py` widens it from --listen and --trusted-host.
        TRUSTED_HOSTS=list(LOOPBACK_NAMES),
        # A replay page stays open through a whole lesson: its CSRF token lives as long as the session it is
        # bound to, rather than Flask-WTF's default hour.
        WTF_CSRF_TIME_LIMIT=None,
    )
    if config:
        app.config.update(config)
    init_web(app, app.config["HELLOTRACE_ENGINE"], app.config["HELLOTRACE_DAEMON"],
             app.config["HELLOTRACE_TRACE"] or MemoryTraceStore())
    # Every state-changing request carries the session's CSRF token: a hidden `csrf_token` field in forms,
    # the X-CSRFToken header on htmx requests (set once on <body> in base.html). Checked after the site's own
    # gates (an untrusted Host, the presenter's link), so that those are what a refused visitor is told.
    CSRFProtect(app)
    return app


def parse_address(text: str) -> tuple[str, int]:
    """HOST:PORT for --tcp and --listen; a clear argparse error otherwise."""
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, for example 127.0.0.1:2375, not {text!r}")
    return host.strip("[]") or "127.0.0.1", int(port)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python app.py",
        description="hellotrace: replay `docker run hello-world` and see what travels between client and daemon.",
    )
    add_site_options(parser)
    add_engine_options(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    # Options may come before or after the command; SUPPRESS keeps a subcommand from resetting them.
    serve = commands.add_parser("serve", help="run the site with the embedded mock engine (the default command)")
    add_site_options(serve, argparse.SUPPRESS)
    add_engine_options(serve, argparse.SUPPRESS)
    mock = commands.add_parser("mock-daemon", help="run the mock Docker engine alone, in the foreground")
    add_engine_options(mock, argparse.SUPPRESS)
    mock.add_argument("--quiet", action="store_true", default=False, help="do not log one line per request")
    mock.add_argument("--trace-to", metavar="PATH", default=None,
                      help="publish every byte of every connection to the site listening on this unix socket "
                           "(the site sets it for its child engine)")
    return parser


def add_site_options(parser: argparse.ArgumentParser, default: object = None) -> None:
    """`default` is None on the main parser (real defaults apply) and SUPPRESS on subcommands."""
    parser.add_argument("--listen", type=parse_address, default=default or DEFAULT_SITE, metavar="HOST:PORT",
                        help="where the site listens (default 127.0.0.1:5000)")
    parser.add_argument("--allow-remote", action="store_true", default=default or False,
                        help="let other machines reach the site: it then also answers to the --trusted-host names and "
                             "the listening addresses (each interface's for 0.0.0.0). Needed with a real daemon to "
                             "listen beyond loopback; visitors then need the presenter token printed at start-up "
                             "(HELLOTRACE_PRESENTER_TOKEN sets it)")
    parser.add_argument("--trusted-host", action="append", metavar="NAME", default=default,
                        help="with --allow-remote, a host name visitors use to reach the site (repeatable; "
                             ".example.org trusts its subdomains); requests naming any other host get 400")
    parser.add_argument("--daemon", metavar="DOCKER_HOST", default=default,
                        help="replay against this daemon (e.g. unix:///var/run/docker.sock) instead of the "
                             "embedded mock; DOCKER_HOST is used when set")
    parser.add_argument("--trace-socket", metavar="PATH", default=default,
                        help="with a real daemon: open a unix socket (mode 0600) that forwards your own docker "
                             "CLI to it byte for byte and shows every exchange on the trace page")


def add_engine_options(parser: argparse.ArgumentParser, default: object = None) -> None:
    parser.add_argument("--unix", metavar="PATH", default=default,
                        help="the mock engine's unix socket (default: a socket in your runtime directory)")
    parser.add_argument("--tcp", type=parse_address, metavar="HOST:PORT", default=default or DEFAULT_TCP,
                        help="the mock engine's TCP address (default 127.0.0.1:2375, Docker's plain-text port)")
    parser.add_argument("--pull-pace", type=float, default=default or 1.0, metavar="FACTOR",
                        help="scale the pauses between pull progress lines (0 = no pauses; default 1)")


def start_engine(args: argparse.Namespace, log_requests: bool) -> MockEngine:
    trace_to = getattr(args, "trace_to", None)
    options = EngineOptions(
        unix_path=args.unix,
        tcp_address=args.tcp,
        settings=EngineSettings(pull_pace=args.pull_pace),
        log_requests=log_requests,
        tap=TapPublisher(trace_to).start() if trace_to else None,
    )
    return MockEngine(options).start()


def start_engine_process(args: argparse.Namespace, trace_to: str) -> EngineProcess:
    """The site runs the engine as `python app.py mock-daemon` in a child process (it gets its own core);
    the engine publishes what its connections carry to the site's trace (`trace_to`, a unix socket)."""
    unix_path = args.unix
    host, port = args.tcp
    command = [sys.executable, os.path.abspath(__file__), "mock-daemon", "--quiet", "--unix", unix_path,
               "--tcp", f"{host}:{port}", "--pull-pace", str(args.pull_pace), "--trace-to", trace_to]
    return EngineProcess(command, unix_path).start()


def print_engine_addresses(engine: MockEngine | EngineProcess) -> None:
    print(f"Mock Docker engine (API {MAX_API_VERSION}) on unix socket {engine.unix_path}")
    print(f"                              and TCP {engine.docker_host_tcp}")
    print("Point your own docker CLI or curl at it:")
    print(f"    export DOCKER_HOST={engine.docker_host_unix}")
    print(f"    curl --unix-socket {engine.unix_path} http://localhost/v{MAX_API_VERSION}/version")


def wait_for_signal() -> None:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()


def run_mock_daemon(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stdout)
    engine = start_engine(args, log_requests=not args.quiet)
    print_engine_addresses(engine)
    print("Press Ctrl+C to stop.", flush=True)
    try:
        wait_for_signal()
    finally:
        engine.stop()
    return 0


def chosen_daemon(args: argparse.Namespace) -> DaemonAddress | None:
    """--daemon, else DOCKER_HOST (unless it points at our own mock engine's default addresses)."""
    given = args.daemon or os.environ.get("DOCKER_HOST")
    if not given:
        return None
    own_tcp = f"tcp://{args.tcp[0]}:{args.tcp[1]}"
    if not args.daemon and (given in (f"unix://{args.unix}", own_tcp) or given.startswith(f"{own_tcp}/sandboxes/")):
        return None
    return parse_docker_host(given)


def run_site(args: argparse.Namespace) -> int:
    import waitress

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    daemon = chosen_daemon(args)
    host, port = args.listen
    token = None
    if daemon is not None and not is_loopback(host):
        if not args.allow_remote:
            print("hellotrace: with a real Docker daemon the site listens on loopback only, because a Docker "
                  "socket is root on its host. To let a class reach it, add --allow-remote: visitors will then "
                  "need the presenter token printed at start-up.", file=sys.stderr)
            return 2
        token = os.environ.get("HELLOTRACE_PRESENTER_TOKEN") or secrets.token_urlsafe(12)
    if args.trusted_host and not args.allow_remote:
        print("hellotrace: --trusted-host names a host other machines use to reach the site; it needs "
              "--allow-remote.", file=sys.stderr)
        return 2
    hosts = trusted_hosts(host, allow_remote=args.allow_remote, names=args.trusted_host or ())
    trace = TraceService(daemon, args.trace_socket).start()
    try:
        engine = start_engine_process(args, trace.tap_path)
    except BaseException:
        trace.stop()
        raise
    proxy = trace.proxy
    app = create_app({"HELLOTRACE_ENGINE": engine, "HELLOTRACE_DAEMON": daemon,
                      "HELLOTRACE_PRESENTER_TOKEN": token, "HELLOTRACE_TRACE": trace.store,
                      "HELLOTRACE_TRACE_SOCKET": proxy.path if proxy else None, "TRUSTED_HOSTS": hosts})
    print(f"hellotrace is on http://{host}:{port}/")
    print(f"It answers to these host names only: {', '.join(hosts)}")
    if not args.allow_remote and is_wildcard(host):
        print("Other machines reaching it by this machine's address get 400: add --allow-remote to let them in.")
    if daemon is not None:
        print(f"The replay talks to the daemon at {daemon.normalized} (the mock engine runs too, for your terminal).")
        print("Only the calls the lessons need are sent to it; the containers hellotrace creates are removed on exit.")
    if token is not None:
        print(f"Listening beyond loopback: visitors open http://{host}:{port}/?token={token} once (presenter token).")
    print_engine_addresses(engine)
    if proxy is not None:
        print(f"Trace your own docker CLI on http://{host}:{port}/en/trace (forwarded to {proxy.daemon.normalized}):")
        print(f"    export DOCKER_HOST={proxy.docker_host}")
    print("Press Ctrl+C to stop.", flush=True)
    # SIGTERM must unwind like Ctrl+C, so that the engine's child process is stopped with the site.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    # Dozens of threads (one per live stream) share one interpreter: switching every 1 ms instead of 5 ms
    # keeps a class's pages and streams flowing (bench/replay_bench.py: 50-student p95 1.5 s -> 1.1 s).
    sys.setswitchinterval(0.001)
    try:
        # Enough threads for a class of ~50 following live streams at once; the default 4 would starve them.
        waitress.serve(app, host=host, port=port, threads=64, channel_timeout=120, ident="hellotrace")
    finally:
        remove_our_containers(app)
        engine.stop()
        trace.stop()
    return 0


def is_wildcard(host: str) -> bool:
    """0.0.0.0 or ::, every interface."""
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def remove_our_containers(app: Flask) -> None:
    """On exit, remove from a real daemon the containers hellotrace created there."""
    policy = app.extensions["hellotrace.visitors"].policy
    daemon = app.config["HELLOTRACE_DAEMON"]
    if policy is None or daemon is None or not policy.ours():
        return
    with TracedClient(daemon, policy=policy) as client:
        for container_id in policy.ours():
            client.remove_container(container_id, force=True)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.unix = args.unix or default_unix_path()  # resolved once: it may create the runtime folder
    try:
        if args.command == "mock-daemon":
            return run_mock_daemon(args)
        return run_site(args)
    except AddressInUse as exc:
        print(f"hellotrace: {exc}", file=sys.stderr)
        return 2
    except InvalidTraceSocket as exc:
        print(f"hellotrace: {exc}", file=sys.stderr)
    except InvalidHostName as exc:
        print(f"hellotrace: --trusted-host {exc}", file=sys.stderr)
        return 2
    except InvalidDaemonAddress as exc:
        print(f"hellotrace: cannot use that daemon address: {exc.message}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"hellotrace: cannot start: {exc.strerror or exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
