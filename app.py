"""hellotrace's composition root: `create_app()` for Flask and any WSGI server, and the command line.

    python app.py                      the site on http://127.0.0.1:5000 with the embedded mock engine
    python app.py mock-daemon          the mock Docker engine alone, in the foreground
    python app.py nginx-config …       the nginx configuration in front of nodes on several hosts (deploy/)
    python app.py --help               every option, with the name of the setting it sets
    flask --app app run --debug        the same site under Flask's development server and reloader
    waitress-serve --call app:create_app

Settings come from hellotrace/settings.py, then instance/config.py, then HELLOTRACE_* environment variables,
then command-line options. Each concern of the site is set up by its own `init_…` function below.
"""

from __future__ import annotations

if __name__ == "__main__":
    # First of all: the program is run again in place (hellotrace/sweeping.py), and what is imported below
    # would be imported twice.
    from hellotrace.sweeping import restart_with_lean_malloc

    restart_with_lean_malloc()

import contextlib
import errno
import gc
import ipaddress
import logging
import os
import secrets
import signal
import socket
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import click
from flask import Flask
from flask.config import Config

from hellotrace import settings
from hellotrace.deploy.nginx import DEPLOYED_ROUTE_SCRIPT
from hellotrace.deploy.workers import NGINX_PACKAGES, GroupFailed, Tools, WorkerPlan, WorkersUnavailable
from hellotrace.docker_host import parse_docker_host
from hellotrace.engine.api import EngineSettings
from hellotrace.engine.sandbox import SandboxLimits
from hellotrace.engine.server import AddressInUse, raise_file_limit
from hellotrace.engine.service import EngineOptions, EngineProcess, MockEngine, default_unix_path, make_default_folder
from hellotrace.engine.tap import TapPublisher, trace_tap_path
from hellotrace.interfaces import reachable_addresses
from hellotrace.protocol.versions import MAX_API_VERSION
from hellotrace.sweeping import on_give_back

if TYPE_CHECKING:
    from hellotrace.classroom.terminal import TerminalRecorder
    from hellotrace.wiretap import TraceStore

ROOT = Path(__file__).resolve().parent
# The site's waitress: a thread per request being served (a live stream holds one for as long as it is open),
# and the connections it keeps open at most (a student has about two: their page's and their live stream's).
SITE_THREADS = 256
SITE_CONNECTIONS = 1000
# Threads no long live stream may take (a class follower's, the trace page's): pages, steps and forms always
# find one (see hellotrace/web/live_streams.py).
THREADS_KEPT_FOR_REQUESTS = 56


def create_app(config: Mapping[str, Any] | None = None, *, engine: MockEngine | EngineProcess | None = None,
               trace: TraceStore | None = None) -> Flask:
    """Build the site from its settings; `config` overrides them (tests, the command line).

    `engine` is an engine already running (tests pass one); otherwise the embedded mock engine runs in a
    child process started on first use, so that `flask routes` or `flask shell` start nothing.
    `trace` is the store the trace page reads (tests pass the one their engine's tap feeds); otherwise the
    site's own, fed by its engine child through the tap that starts with it, under any WSGI server.
    """
    # Imported here, not at the top: the engine's child process runs this file (`mock-daemon`) and restarts
    # faster without loading the web layer (bench/engine_restart_bench.py).
    from hellotrace.web import init_web
    from hellotrace.web.compressed_pages import init_compressed_pages
    from hellotrace.web.health import init_health
    from hellotrace.web.projector import init_projector
    from hellotrace.web.request_log import init_logging
    from hellotrace.web.static_files import init_static
    from hellotrace.wiretap import MemoryTraceStore

    app = Flask(__name__, instance_path=str(instance_folder(config)))
    app.config.update(load_settings(config, Path(app.instance_path)))
    app.config["INSTANCE"] = app.instance_path
    init_logging(app)
    init_trusted_hosts(app)
    init_trace_owner(app)
    init_secret_key(app)
    init_database(app)
    init_fanout(app)
    app.extensions["hellotrace.trace"] = trace or MemoryTraceStore(idle_seconds=app.config["SANDBOX_IDLE"],
                                                                   quiet_seconds=app.config["VISITOR_QUIET"])
    init_engine(app, engine)
    init_web(app, app.extensions["hellotrace.engine"], app.config["DAEMON"])
    init_terminals(app)
    init_csrf(app)
    init_static(app)
    init_compressed_pages(app)
    init_projector(app)  # after the compression, whose hook must run after its own (see projector.py)
    init_health(app)
    init_commands(app)
    return app


def load_settings(overrides: Mapping[str, Any] | None = None, instance: Path = ROOT / "instance") -> Config:
    """Defaults in code, then `instance`/config.py, then HELLOTRACE_* variables, then `overrides`; all checked."""
    config = Config(str(ROOT))
    config.from_mapping(settings.defaults())
    config.from_mapping(
        SESSION_COOKIE_SAMESITE="Lax",
        # Forms carry at most a config.json of 64 KiB and a few lines: anything far bigger is refused (413).
        MAX_CONTENT_LENGTH=256 * 1024,
        # A replay page stays open through a whole lesson: its CSRF token lives as long as the session it is
        # bound to, rather than Flask-WTF's default hour.
        WTF_CSRF_TIME_LIMIT=None,
    )
    config.from_pyfile(str(instance / "config.py"), silent=True)
    config.from_prefixed_env(settings.ENV_PREFIX)
    config.from_mapping(overrides or {})
    settings.check(config)
    return config


def instance_folder(overrides: Mapping[str, Any] | None) -> Path:
    """INSTANCE from the caller or HELLOTRACE_INSTANCE, else instance/ beside this file: known before the
    settings are read, since instance/config.py is one of them."""
    given = (overrides or {}).get("INSTANCE") or os.environ.get(f"{settings.ENV_PREFIX}_INSTANCE")
    return Path(given).resolve() if given else ROOT / "instance"


def init_secret_key(app: Flask) -> None:
    """SECRET_KEY when set; otherwise a random key kept in the instance folder, so that sessions (a teacher's
    class, a learner's place) survive a restart and every process sharing the folder signs alike."""
    from hellotrace.storage.secret_key import load_or_create_secret_key

    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = load_or_create_secret_key(app.instance_path)


def init_database(app: Flask) -> None:
    """Classes and learners' progress: DATABASE_URL, else SQLite in the instance folder, migrated to the current
    schema before the first request; `/healthz` reports whether it answers."""
    from hellotrace.storage.database import database_url, init_storage, reachable
    from hellotrace.web.health import add_health_check

    init_storage(app, database_url(app, app.config["DATABASE_URL"]), str(ROOT / "migrations"))
    add_health_check(app, "database", lambda: reachable(app))


def init_fanout(app: Flask) -> None:
    """A class's live updates: through Redis pub/sub when REDIS_URL is set (`/healthz` reports whether it answers),
    within this process otherwise."""
    from hellotrace.classroom.fanout import RedisFanOut, make_fanout
    from hellotrace.web.health import add_health_check

    fanout = app.extensions["hellotrace.fanout"] = make_fanout(app.config["REDIS_URL"])
    if isinstance(fanout, RedisFanOut):
        add_health_check(app, "redis", fanout.reachable)


def init_trusted_hosts(app: Flask) -> None:
    """Only these Host names are served (DNS rebinding): loopback and LISTEN's address; with ALLOW_REMOTE,
    also the TRUSTED_HOST_NAMES and the listening addresses (each interface's for 0.0.0.0). With BEHIND_PROXY,
    the TRUSTED_HOST_NAMES are the public names nginx passes on."""
    from hellotrace.trusted_hosts import trusted_hosts

    config = app.config
    config["TRUSTED_HOSTS"] = trusted_hosts(config["LISTEN"][0], allow_remote=config["ALLOW_REMOTE"],
                                            names=config["TRUSTED_HOST_NAMES"],
                                            behind_proxy=config["BEHIND_PROXY"])


def init_trace_owner(app: Flask) -> None:
    """With a trace socket, the secret that shows its traffic (the site owner's own docker commands, which no
    other visitor may read) on the trace page: printed in the start-up banner only, new at each start."""
    if app.config["TRACE_SOCKET"] and not app.config.get("TRACE_OWNER_TOKEN"):
        app.config["TRACE_OWNER_TOKEN"] = secrets.token_urlsafe(16)


def init_terminals(app: Flask) -> None:
    """Where the teacher's roster reads what students' own terminals sent: Redis when REDIS_URL is set (every
    node's engine tap writes there, see terminal_recorder), else this process's trace store."""
    from hellotrace.classroom.terminal import RedisTerminals, StoreTerminals

    url = app.config["REDIS_URL"]
    app.extensions["hellotrace.terminals"] = RedisTerminals(url) if url else StoreTerminals(
        app.extensions["hellotrace.trace"], app.extensions["hellotrace.visitors"].sandbox_for)


def terminal_recorder(config: Mapping[str, Any], trace: TraceStore, boot: str) -> TerminalRecorder | None:
    """With REDIS_URL, the engine tap's receiver also records students' terminal requests there, for the roster
    of whichever node the teacher is on. `boot`: the node's start, in its visitors' sandbox names."""
    from hellotrace.classroom.terminal import RedisTerminals, TerminalRecorder
    from hellotrace.engine.api import visitor_sandbox_prefix

    if not config["REDIS_URL"]:
        return None
    return TerminalRecorder(trace, RedisTerminals(config["REDIS_URL"]), visitor_sandbox_prefix(config["NODE"], boot))


def init_csrf(app: Flask) -> None:
    """Every state-changing request carries the session's CSRF token: a hidden `csrf_token` field in forms,
    the X-CSRFToken header on htmx requests (set once on <body> in base.html). Checked after the site's own
    gates (an untrusted Host, the presenter's link), so that those are what a refused visitor is told. Each page
    carries the token under a fresh mask (hellotrace/web/csrf.py: pages are compressed)."""
    from hellotrace.web.csrf import MaskedCSRFProtect

    MaskedCSRFProtect(app)


def init_engine(app: Flask, engine: MockEngine | EngineProcess | None) -> None:
    """The mock engine the site uses, supervised in its own process unless the caller runs one."""
    if engine is None:
        engine = engine_process(app.config, app.extensions["hellotrace.trace"])
    app.extensions["hellotrace.engine"] = engine


def engine_process(config: Mapping[str, Any], trace: TraceStore | None = None) -> EngineProcess:
    """`python app.py mock-daemon` as the site's child process (not started yet). With a `trace` store, the
    engine publishes what its connections carry to a socket the site listens on, feeding that store."""
    from hellotrace.wiretap.receiver import TapListener, TapReceiver

    unix_path = config["ENGINE_UNIX"] or default_unix_path()
    command = [sys.executable, str(ROOT / "app.py"), "mock-daemon", "--quiet",
               "--pull-pace", f"{config['PULL_PACE']:g}", "--sandbox-idle", f"{config['SANDBOX_IDLE']:g}s",
               "--sandbox-quiet", f"{config['SANDBOX_QUIET']:g}s",
               "--memory-budget", str(config["MEMORY_BUDGET"])]
    boot = secrets.token_hex(4)  # this site process's start: its visitors' sandboxes are named after it
    if config["NODE"]:
        command += ["--node", config["NODE"]]
    for name in engine_host_names(config):
        command += ["--trusted-host", name]
    tap = None
    if trace is not None:
        command += ["--trace-to", trace_tap_path(unix_path)]
        receiver = TapReceiver(trace, observer=terminal_recorder(config, trace, boot))
        tap = TapListener(trace_tap_path(unix_path), receiver)
    return EngineProcess(command, unix_path, config["ENGINE_TCP"], companion=tap, boot=boot)


def engine_host_names(config: Mapping[str, Any]) -> list[str]:
    """The names the engine child answers to besides loopback and its own address (DNS rebinding): those the
    site trusts, since a visitor's terminal reaches the engine by the name they reached the site by, and the
    address nginx listens on for the engines (SANDBOX_URL; every interface's for 0.0.0.0)."""
    from hellotrace.trusted_hosts import LOOPBACK_NAMES, trusted_hosts

    names = [name for name in config.get("TRUSTED_HOSTS") or () if name not in LOOPBACK_NAMES]
    if config["SANDBOX_URL"]:
        host = parse_docker_host(config["SANDBOX_URL"]).host or ""
        names += [name for name in trusted_hosts(host.strip("[]"), allow_remote=True) if name not in LOOPBACK_NAMES]
    return list(dict.fromkeys(names))


def init_commands(app: Flask) -> None:
    """The project's commands under `flask --app app …` too."""
    app.cli.add_command(serve_command)
    app.cli.add_command(mock_daemon_command)
    app.cli.add_command(nginx_config_command)


# -- the command line ---------------------------------------------------------------------------------


def setting_options(chosen: list[settings.Setting]):
    """One click option per setting, named as in the settings table; unset options override nothing."""

    def decorate(command):
        for setting in reversed(chosen):
            text = (f"{setting.help} [setting {setting.name}, environment {setting.env}; "
                    f"default {setting.shown_default}]")
            if setting.metavar is None:
                command = click.option(setting.option, setting.name, is_flag=True, default=None, help=text)(command)
            else:
                command = click.option(setting.option, setting.name, default=None, metavar=setting.metavar,
                                       multiple=setting.multiple, help=text)(command)
        return command

    return decorate


SITE_OPTIONS = [s for s in settings.SETTINGS if s.option and not s.engine]
ENGINE_OPTIONS = [s for s in settings.SETTINGS if s.engine]


SERVE_EPILOG = (
    "Settings without an option, set in instance/config.py or the environment: "
    + "; ".join(f"{s.name} ({s.env}): {s.help}" for s in settings.SETTINGS if not s.option)
    + ".\n\nOther commands: mock-daemon, the mock engine alone (python app.py mock-daemon --help); nginx-config, "
    "the nginx configuration for nodes on several hosts. They also run as `flask --app app serve`, "
    "`flask --app app mock-daemon` and `flask --app app nginx-config`."
)


@click.command("serve", epilog=SERVE_EPILOG)
@setting_options(SITE_OPTIONS + ENGINE_OPTIONS)
def serve_command(**options: Any) -> None:
    """Serve the site with waitress and the embedded mock engine (the default command)."""
    sys.exit(run_or_explain(serve, options))


@click.command("mock-daemon")
@setting_options(ENGINE_OPTIONS)
@click.option("--quiet", is_flag=True, help="do not log one line per request")
@click.option("--trace-to", metavar="PATH", default=None,
              help="publish every byte of every connection to the site listening on this unix socket "
                   "(the site sets it for its child engine)")
@click.option("--node-boot", metavar="HEX", default="",
              help="the node's start, which names its visitors' sandboxes: a visitor's sandbox of an earlier start "
                   "is refused (the site sets it for its child engine)")
def mock_daemon_command(quiet: bool, trace_to: str | None, node_boot: str, **options: Any) -> None:
    """Run the mock Docker engine alone, in the foreground."""
    sys.exit(run_or_explain(lambda given: run_mock_daemon(given, quiet, trace_to, node_boot), options))


@click.command("nginx-config")
@click.option("--listen", "site_listen", multiple=True, default=("0.0.0.0:80",), show_default=True,
              metavar="ADDRESS", help="where visitors reach the site (HOST:PORT or unix:/PATH; repeatable)")
@click.option("--engine-listen", multiple=True, default=("0.0.0.0:2375",), show_default=True, metavar="ADDRESS",
              help="where visitors' terminals reach the sandboxes, the nodes' SANDBOX_URL (repeatable)")
@click.option("--node", "nodes", multiple=True, required=True, metavar="NAME=SITE,ENGINE",
              help="a node (its NODE setting) and where nginx reaches its site and its engine, for example "
                   "n1=192.0.2.11:5000,192.0.2.11:2375 (repeat for each node)")
@click.option("--route-script", default=DEPLOYED_ROUTE_SCRIPT, show_default=True, metavar="PATH",
              help="where nginx finds hellotrace/deploy/engine_route.js")
@click.option("--folder", default=None, metavar="DIR",
              help="for an nginx of its own beside the host's (`nginx -p DIR -c DIR/nginx.conf`): its pid file, logs "
                   "and temporary files in DIR, its stream modules loaded from nginx's own folder of modules")
def nginx_config_command(site_listen: tuple[str, ...], engine_listen: tuple[str, ...], nodes: tuple[str, ...],
                         route_script: str, folder: str | None) -> None:
    """Print the nginx configuration in front of nodes on one or several hosts (deploy/README.md)."""
    from hellotrace.deploy.nginx import PrivatePaths, nginx_config, parse_node, upstream_address

    try:
        private = None
        if folder is not None:
            modules = Tools.find().modules
            if modules is None:
                raise ValueError(f"--folder needs nginx with its stream modules: apt-get install {NGINX_PACKAGES}")
            private = PrivatePaths(os.path.abspath(folder), modules)
        text = nginx_config([parse_node(node) for node in nodes], [upstream_address(a) for a in site_listen],
                            [upstream_address(a) for a in engine_listen], private=private, route_script=route_script)
    except ValueError as exc:
        print(f"hellotrace: {exc}", file=sys.stderr)
        sys.exit(2)
    click.echo(text, nl=False)


def run_or_explain(run, options: Mapping[str, Any]) -> int:
    """Run a command with the options that were given; a problem is one line on stderr and status 2."""
    given = {name: value for name, value in options.items() if value is not None and value != ()}
    try:
        return run(given)
    except (settings.SettingError, AddressInUse, WorkersUnavailable, GroupFailed) as exc:
        print(f"hellotrace: {exc}", file=sys.stderr)
        return 2


def sandbox_limits(config: Mapping[str, Any]) -> SandboxLimits:
    """The engine's settings as its sandbox registry takes them: a sixteenth of the budget per sandbox."""
    total = config["MEMORY_BUDGET"]
    return SandboxLimits(idle_seconds=config["SANDBOX_IDLE"], quiet_seconds=config["SANDBOX_QUIET"],
                         engine_bytes=total, sandbox_bytes=total // 16)


def run_mock_daemon(overrides: Mapping[str, Any], quiet: bool, trace_to: str | None = None,
                    node_boot: str = "") -> int:
    config = load_settings(overrides)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stdout)
    options = EngineOptions(
        unix_path=config["ENGINE_UNIX"] or default_unix_path(),
        tcp_address=config["ENGINE_TCP"],
        settings=EngineSettings(pull_pace=config["PULL_PACE"], node=config["NODE"], node_boot=node_boot),
        sandbox_limits=sandbox_limits(config),
        log_requests=not quiet,
        tap=TapPublisher(trace_to).start() if trace_to else None,
        host_names=config["TRUSTED_HOST_NAMES"],
    )
    make_default_folder(options.unix_path)
    engine = MockEngine(options).start()
    print_engine_addresses(engine)
    print("Press Ctrl+C to stop.", flush=True)
    try:
        wait_for_signal()
    finally:
        engine.stop()
    return 0


def serve(overrides: Mapping[str, Any]) -> int:
    """Check every address before printing anything, then the banner, then serve until Ctrl+C or SIGTERM:
    alone, or as the parent of several workers behind nginx (`--workers`)."""
    from hellotrace.deploy.workers import plan_workers

    config = load_settings(overrides, instance_folder(overrides))
    refuse_unsafe_combinations(config)
    plan = plan_workers(config["WORKERS"], real_daemon=config["DAEMON"] is not None, redis_url=config["REDIS_URL"],
                        cores=os.cpu_count() or 1, node=bool(config["NODE"] or config["BEHIND_PROXY"]))
    if plan.count > 1:
        return serve_workers(overrides, config, plan)
    return serve_alone(overrides, plan)


def refuse_unsafe_combinations(config: Config) -> None:
    """Settings that make sense only together, checked before anything starts (SettingError: one line)."""
    if config["DAEMON"] is not None and not settings.is_loopback(config["LISTEN"][0]) and not config["ALLOW_REMOTE"]:
        raise settings.SettingError(
            "with a real Docker daemon the site listens on loopback only, because a Docker socket is root on its "
            "host. To let a class reach it, add --allow-remote: visitors will then need the presenter token "
            "printed at start-up.")
    if config["TRUSTED_HOST_NAMES"] and not (config["ALLOW_REMOTE"] or config["BEHIND_PROXY"]):
        raise settings.SettingError("--trusted-host names a host other machines use to reach the site; it needs "
                                    "--allow-remote (or --behind-proxy, behind nginx).")
    if config["TRACE_SOCKET"] and config["DAEMON"] is None:
        raise settings.SettingError("--trace-socket records a real daemon's traffic: give --daemon (or "
                                    "DOCKER_HOST) too; the mock engine's own trace needs no socket.")


def serve_alone(overrides: Mapping[str, Any], plan: WorkerPlan) -> int:
    """One site process with its mock engine child."""
    from hellotrace.storage.database import dispose
    from hellotrace.web.learners import forget_learner_ids
    from hellotrace.web.request_log import visitor_hash
    from hellotrace.web.warm_up import warm_up
    from hellotrace.wiretap.proxy import RecordingProxy

    wake_threads_without_preempting()
    app = create_app(overrides)
    config = app.config
    host, port = config["LISTEN"]
    daemon = config["DAEMON"]
    if daemon is not None and not settings.is_loopback(host):
        config["PRESENTER_TOKEN"] = config["PRESENTER_TOKEN"] or secrets.token_urlsafe(12)
    try:
        server = site_server(app, host, port)  # binds now: a taken port is reported before the banner
    except OSError as exc:
        raise site_address_unusable(host, port, exc) from None
    visitors, trace = app.extensions["hellotrace.visitors"], app.extensions["hellotrace.trace"]

    def let_go_of_the_last_class() -> None:
        """Once the site is empty (every visitor left and expired, with their trace), what the process kept of them
        goes: the threads started for them end; the database connections the class opened, with the statements
        each cached, are closed; the learner ids, log hashes, CSRF tokens and session cookies remembered per visitor
        are forgotten. All of it is made again on demand. Once per class, and not while visitors remain: what is
        made again would be made among the objects of the class being freed, and keep that memory after it left
        (docs/benchmarks.md, "Memory after expiry")."""
        if visitors.count() == 0 and trace.count() == 0 and server.task_dispatcher.end_threads_of_the_last_class():
            dispose(app)
            forget_learner_ids(app)
            visitor_hash.cache_clear()
            app.extensions["csrf"].forget_signed()
            app.session_interface.forget_verified()

    on_give_back(let_go_of_the_last_class)
    engine = app.extensions["hellotrace.engine"]
    proxy = None
    # Before the banner (a group's node is put behind nginx once it printed it), while the engine child starts
    # on the other core.
    warming = threading.Thread(target=warm_up, args=(app,), name="warm-up")
    warming.start()
    try:
        engine.start()  # with the trace tap it publishes to (see engine_process)
        if config["TRACE_SOCKET"]:
            proxy = RecordingProxy(config["TRACE_SOCKET"], daemon, app.extensions["hellotrace.trace"]).start()
    except AddressInUse:
        engine.stop()
        server.close()
        raise
    except ValueError as exc:  # a daemon the trace socket cannot forward to (ssh://, TLS)
        engine.stop()
        server.close()
        print(f"hellotrace: --trace-socket: {exc}", file=sys.stderr)
        return 2
    finally:
        warming.join()
    # What the process loaded to serve (lessons, templates, mappers) lives as long as it does: out of the cycle
    # collector's sight, so that each full collection during a crowd looks only at what the visitors made (it
    # paused a node 55-115 ms, three times in a 200-student crowd; 20-35 ms now). A lesson edited while the site
    # runs leaves its first version to reference counting alone.
    gc.freeze()
    # The youngest generation collected every 10,000 new objects rather than 700: a request makes and drops thousands,
    # nearly all freed by their reference count before a collection would look at them. In a 200-student stampede,
    # the collector took 0.37 ms per student in the nodes instead of 0.64 (gc callbacks, two runs of each).
    gc.set_threshold(10_000, 10, 10)
    print_banner(config, server.effective_port, engine, plan.note)
    # SIGTERM and Ctrl+C unwind alike, so that the engine's child process is stopped with the site; SIGINT too is
    # handled here rather than left to Python's default, which a site started with it ignored (a background job
    # of a script) would not have.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: sys.exit(0))
    # Dozens of threads (one per live stream) share one interpreter: switching every 1 ms instead of 5 ms
    # keeps a class's pages and streams flowing (bench/replay_bench.py: 50-student p95 1.5 s -> 1.1 s).
    sys.setswitchinterval(0.001)
    try:
        server.run()  # returns once a signal's SystemExit stopped it (waitress shuts its threads down then)
    finally:
        server.close()
        remove_our_containers(app)
        engine.stop()
        if proxy is not None:
            proxy.stop()
    return 0


def wake_threads_without_preempting() -> None:
    """The site's threads pass one interpreter (the GIL) to each other all the time: a turn handed over
    (hellotrace/turns.py), a connection given to a request thread, the engine's answer read. Under Linux's default
    policy, a thread woken on the core its waker runs on takes that core at once, only to find the GIL still held
    and go back to sleep: two context switches for nothing (and a node of `--workers` keeps to one core, so its
    threads always wake there). As batch work (SCHED_BATCH, no privilege needed), a woken thread waits for the
    waker to let go or for the next tick.
    In a stampede of 200 students each node then switched (voluntarily) 28-36 times per student instead of 44-55,
    and the site spent about 5 % less CPU, within the machine's swings (docs/benchmarks.md, "Woken threads wait
    their turn"). Called first: the threads started after, and the engine's child process, inherit it. Elsewhere
    than Linux, nothing changes."""
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))


def site_server(app: Flask, host: str, port: int):
    """The site's waitress server, bound to host:port.

    Every follower of a class holds one live stream (a thread and a connection) for the whole class: waitress's
    default 4 threads and 100 connections would starve a class. Behind the proxy, waitress leaves the X-Forwarded-*
    headers to the site, which trusts one hop of them (visitor_cookie.trust_one_proxy) under any WSGI server;
    otherwise waitress drops them. poll() rather than waitress's default select(), which raises (and stops the
    whole site) once a socket's number passes 1023: a thousand open connections, a big class or a hostile
    client. Each request thread may also hold a connection to the engine and one to the database: room for those.
    Long live streams are bounded below the thread count.
    """
    import waitress

    from hellotrace.turns import TakeTurns
    from hellotrace.waitress_threads import ElasticDispatcher, PatientChannel
    from hellotrace.web.live_streams import install_stream_slots

    install_stream_slots(app, SITE_THREADS - THREADS_KEPT_FOR_REQUESTS)
    connections = raise_file_limit(SITE_CONNECTIONS + 2 * SITE_THREADS) - 2 * SITE_THREADS
    dispatcher = ElasticDispatcher()
    server = waitress.create_server(TakeTurns(app), host=host, port=port, threads=SITE_THREADS,
                                    _dispatcher=dispatcher,
                                    connection_limit=max(16, min(SITE_CONNECTIONS, connections)),
                                    channel_timeout=120, ident="hellotrace", asyncore_use_poll=True,
                                    clear_untrusted_proxy_headers=not app.config["BEHIND_PROXY"])
    server.channel_class = PatientChannel
    dispatcher.set_thread_count(SITE_THREADS)  # at most; once bound: a taken port leaves no threads behind
    return server


def site_address_unusable(host: str, port: int, exc: OSError) -> AddressInUse:
    if exc.errno == errno.EADDRINUSE:
        return AddressInUse(f"{host}:{port} is already in use (another hellotrace?): stop what listens there, "
                            "or choose another address with --listen HOST:PORT")
    return AddressInUse(f"cannot listen on {host}:{port}: {exc.strerror or exc}")


def serve_workers(overrides: Mapping[str, Any], config: Config, plan: WorkerPlan) -> int:
    """The parent of `--workers N`: a private Redis if needed, the migrations once, N nodes, nginx in front on
    the public addresses; supervises them until Ctrl+C or SIGTERM, then stops each by PID."""
    from hellotrace.deploy.workers import PublicEngine, WorkerGroup, placement
    from hellotrace.trusted_hosts import trusted_hosts
    from hellotrace.web.request_log import log_handler, use_handler

    # The parent's own notices (a worker restarted) look like the nodes' log lines, in the same LOG_FORMAT;
    # other libraries' (the migrations') stay quiet, as they are in a node.
    use_handler(logging.getLogger("hellotrace"), log_handler(config["LOG_FORMAT"]))
    host, port = config["LISTEN"]
    engine_host, engine_port = config["ENGINE_TCP"]
    unix_path = config["ENGINE_UNIX"] or default_unix_path()
    port, engine_port, reserved = reserve_public_addresses((host, port), (engine_host, engine_port), unix_path)
    config["TRUSTED_HOSTS"] = trusted_hosts(host, allow_remote=config["ALLOW_REMOTE"],
                                            names=config["TRUSTED_HOST_NAMES"])
    assert plan.tools is not None
    group = WorkerGroup(plan.count, plan.tools, site=(host, port), engine=(engine_host, engine_port),
                        unix_path=unix_path, node_options=node_options(overrides, config),
                        redis_url=config["REDIS_URL"], app_py=str(ROOT / "app.py"), pinned=config["PIN_WORKERS"])
    # A signal while the group starts (nodes take a second or two) unwinds, so that what started is stopped and the
    # runtime folder removed: left to their defaults, SIGTERM ended this process at once and left both behind.
    # Supervising, the group takes the signals over.
    unwind_on_signals()
    try:
        group.make_folder()
        redis_url = group.start_redis()
        prepare_shared_state_aside({**overrides, "REDIS_URL": redis_url})
        group.start_nodes(dict(os.environ))
        group.start_nginx()
        print_banner(config, port, PublicEngine(unix_path, (engine_host, engine_port)),
                     plan.note + placement(child.core for child in group.children))
        group.supervise()
    except _Stopping:
        pass  # stopped while starting
    finally:
        for held in reserved:
            held.close()
        group.stop()
    return 0


def reserve_public_addresses(site: tuple[str, int], engine: tuple[str, int],
                             unix_path: str) -> tuple[int, int, list[socket.socket]]:
    """Whether nginx will be able to listen where visitors come, with today's messages if not; the ports (a
    port 0 becomes a free port) and the sockets that hold them. They stay bound, never listening, while the
    group runs: no outgoing connection can take a port held that way (Linux skips bound ports when it picks
    one), before nginx listens or while it is started again, and nginx can bind it all the same (both ask for
    address reuse, and ours does not listen)."""
    from hellotrace.engine.server import bind_tcp, bind_unix

    host, port = site
    with contextlib.ExitStack() as if_refused:
        held = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        if_refused.callback(held.close)
        try:
            held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            held.bind((host, port))
        except OSError as exc:
            raise site_address_unusable(host, port, exc) from None
        make_default_folder(unix_path)
        engine_held = bind_tcp(engine, listen=False)  # the engine's own checks and messages
        if_refused.callback(engine_held.close)
        bind_unix(unix_path).close()
        os.unlink(unix_path)
        if_refused.pop_all()
    return held.getsockname()[1], engine_held.getsockname()[1], [held, engine_held]


# Settings a node of a group gets from its parent, not from what the parent was given.
GROUP_SETTINGS = {"LISTEN", "ENGINE_TCP", "ENGINE_UNIX", "WORKERS", "NODE", "BEHIND_PROXY", "SANDBOX_URL",
                  "TRUSTED_HOST_NAMES"}


def node_options(overrides: Mapping[str, Any], config: Config) -> list[str]:
    """The options given to the parent, as each node takes them; with ALLOW_REMOTE, every name and address
    the public site answers to (a node itself listens on loopback)."""
    options: list[str] = []
    for setting in SITE_OPTIONS + ENGINE_OPTIONS:
        value = overrides.get(setting.name)
        if value is None or setting.name in GROUP_SETTINGS or setting.option is None:
            continue
        if setting.metavar is None:
            options += [setting.option] if settings.parse_flag(value) else []
        else:
            values = value if setting.multiple and not isinstance(value, str) else [value]
            for item in values:
                options += [setting.option, str(item)]
    if config["ALLOW_REMOTE"]:
        from hellotrace.trusted_hosts import LOOPBACK_NAMES

        for name in config["TRUSTED_HOSTS"]:
            if name not in LOOPBACK_NAMES:
                options += ["--trusted-host", name]
    return options


def prepare_shared_state_aside(overrides: Mapping[str, Any]) -> None:
    """prepare_shared_state in a process forked for it, its errors raised here: the parent of a group lives as
    long as the group, and would keep what the migrations loaded and made (about 47 MiB) for nothing."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork")) as aside:
        aside.submit(prepare_shared_state, overrides).result()


def prepare_shared_state(overrides: Mapping[str, Any]) -> None:
    """What every node of a group shares, made once before any starts: the secret key (when kept in the
    instance folder) and the database schema."""
    from hellotrace.storage.database import dispose

    app = Flask(__name__, instance_path=str(instance_folder(overrides)))
    app.config.update(load_settings(overrides, Path(app.instance_path)))
    init_secret_key(app)
    init_database(app)
    dispose(app)


def print_banner(config: Config, port: int, engine: Any, workers: str) -> None:
    """`engine` is the one visitors' terminals reach (its unix_path, tcp_address, docker_host_*);
    `workers` the line saying how many workers run."""
    host = config["LISTEN"][0]
    daemon = config["DAEMON"]
    token = config["PRESENTER_TOKEN"] if daemon is not None and not settings.is_loopback(host) else None
    query = f"?token={token}" if token else ""
    shown = f"[{host}]" if ":" in host else host
    allowed = config["ALLOW_REMOTE"]
    wildcard = is_ip(host) and ipaddress.ip_address(host).is_unspecified
    remote = reachable_addresses(host) if allowed and is_ip(host) and not settings.is_loopback(host) else []
    if remote:
        print(f"hellotrace listens on {shown}:{port}; students open one of:")
        for item in remote:
            print(f"    http://{item.url_host}:{port}/{query}    ({item.interface or 'this address'})")
    elif wildcard:
        local = "[::1]" if ":" in host else "127.0.0.1"
        alone = " (no network interface but loopback is up: other machines cannot reach it yet)" if allowed else ""
        print(f"hellotrace is on http://{local}:{port}/{query}{alone}")
    else:
        print(f"hellotrace is on http://{shown}:{port}/{query}")
    print(f"It answers to these host names only: {', '.join(config['TRUSTED_HOSTS'])}")
    print(workers)
    if wildcard and not allowed:
        print("Other machines reaching it by this machine's address get 400: add --allow-remote to let them in.")
    if daemon is not None:
        print(f"The replay talks to the daemon at {daemon.normalized} (the mock engine runs too, for your terminal).")
        print("Only the calls the lessons need are sent to it; the containers hellotrace creates are removed on exit.")
    if token is not None:
        print("Listening beyond loopback with a real daemon: visitors open the link with the presenter token once.")
    print_engine_addresses(engine)
    if config["NODE"]:
        where = f", reached at {config['SANDBOX_URL']}" if config["SANDBOX_URL"] else ""
        print(f"Node {config['NODE']}: its visitors' sandboxes are {config['NODE']}-<token>{where}.")
    if config["TRACE_SOCKET"]:
        print(f"Trace your own docker CLI on the trace page (forwarded to {daemon.normalized}):")
        print(f"    export DOCKER_HOST=unix://{os.path.abspath(config['TRACE_SOCKET'])}")
        site = "127.0.0.1" if wildcard else shown
        owner = urlencode({**({"token": token} if token else {}), "owner": config["TRACE_OWNER_TOKEN"]})
        print("Open your trace with this link, in your own browser only (no other visitor sees that traffic):")
        print(f"    http://{site}:{port}/en/trace?{owner}")
    if remote and daemon is None:
        engine_host, engine_port = engine.tcp_address
        if settings.is_loopback(engine_host):
            print("Students' terminals cannot reach the mock engine on loopback: add --tcp 0.0.0.0:2375 to share "
                  "it (anyone on the network can then use it; each student's sandbox token is all that keeps "
                  "them apart).")
        else:
            print(f"Each student's page shows their own DOCKER_HOST, e.g. tcp://{remote[0].url_host}:{engine_port}"
                  "/sandboxes/<token>. Anyone on the network can use the mock engine: each student's sandbox "
                  "token is all that keeps them apart.")
    print("Press Ctrl+C to stop.", flush=True)


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def print_engine_addresses(engine: MockEngine | EngineProcess) -> None:
    print(f"Mock Docker engine (API {MAX_API_VERSION}) on unix socket {engine.unix_path}")
    print(f"                              and TCP {engine.docker_host_tcp}")
    print("Point your own docker CLI or curl at it:")
    print(f"    export DOCKER_HOST={engine.docker_host_unix}")
    print(f"    curl --unix-socket {engine.unix_path} http://localhost/v{MAX_API_VERSION}/version")


class _Stopping(Exception):
    """SIGINT or SIGTERM arrived."""


def _stop_on_signal(_signum: int, _frame: object) -> None:
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)  # the first is enough: later ones must not interrupt the stop
    raise _Stopping


def unwind_on_signals() -> None:
    """SIGINT and SIGTERM raise _Stopping from now on (the first only), but for one ignored by whoever started
    this process: it stays ignored (the site's engine child ignores SIGINT: its site stops it)."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(sig) is not signal.SIG_IGN:
            signal.signal(sig, _stop_on_signal)


def wait_for_signal() -> None:
    """Until SIGINT or SIGTERM, at once and without a lock: a handler that called Event.set could be entered
    again by a second signal (the site's SIGTERM right after its process group's) while the first held the
    event's lock, and deadlock, leaving the engine running after its site."""
    try:
        unwind_on_signals()
        while True:
            signal.pause()
    except _Stopping:
        pass


def remove_our_containers(app: Flask) -> None:
    """On exit, remove from a real daemon the containers hellotrace created there."""
    from hellotrace.tracing import TracedClient

    policy = app.extensions["hellotrace.visitors"].policy
    daemon = app.config["DAEMON"]
    if policy is None or daemon is None or not policy.ours():
        return
    with TracedClient(daemon, policy=policy) as client:
        for container_id in policy.ours():
            client.remove_container(container_id, force=True)


COMMANDS = {"serve": serve_command, "mock-daemon": mock_daemon_command, "nginx-config": nginx_config_command}


def main(argv: list[str] | None = None) -> int:
    """`python app.py [COMMAND] [OPTIONS]`: without a command (or with only options, --help too), `serve`."""
    args = list(sys.argv[1:] if argv is None else argv)
    name = args[0] if args and args[0] in COMMANDS else "serve"
    if args and args[0] in COMMANDS:
        args = args[1:]
    try:
        COMMANDS[name].main(args, prog_name=f"python app.py {name}" if name != "serve" else "python app.py")
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
