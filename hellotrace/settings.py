"""hellotrace's settings: one table, read in Flask's order, checked once.

Each setting has a default here; `instance/config.py` may set it, then an environment variable
`HELLOTRACE_<NAME>` (read with Flask's `from_prefixed_env`, so values may be JSON: `true`, `0.5`), then a
command-line option. The same table feeds `--help`, the README's table (a test compares them) and the checks:
a wrong value stops the start with one line naming the setting, whatever layer it came from.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass

from hellotrace.container_quota import DEFAULT_PER_VISITOR, DEFAULT_TOTAL
from hellotrace.docker_host import DaemonAddress, InvalidDaemonAddress, parse_docker_host
from hellotrace.engine.service import default_unix_path
from hellotrace.pacing import DEFAULT_PACE, PACES
from hellotrace.protocol.units import parse_go_duration, ram_in_bytes
from hellotrace.trusted_hosts import host_name
from hellotrace.whole_numbers import whole_number

ENV_PREFIX = "HELLOTRACE"
# Students one class holds unless CLASS_CAPACITY says otherwise: a large lecture room.
DEFAULT_CLASS_CAPACITY = 200
LOG_FORMATS = ("text", "json")
NODE_NAME = re.compile(r"[a-z0-9]{1,16}")


class SettingError(ValueError):
    """A setting's value cannot be used; the message names the setting and says what is expected."""


def parse_address(value: object) -> tuple[str, int]:
    """HOST:PORT (IPv6 in brackets); the port may be 0 for a free one."""
    if isinstance(value, tuple | list) and len(value) == 2:
        value = f"{value[0]}:{value[1]}"
    text = str(value)
    host, sep, port_text = text.rpartition(":")
    port = whole_number(port_text, 5)
    if not sep or port is None or port > 65535:
        raise ValueError(f"expected HOST:PORT, for example 127.0.0.1:2375, not {text!r}")
    return host.strip("[]") or "127.0.0.1", port


def parse_flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"expected true or false, not {value!r}")


def parse_factor(value: object) -> float:
    try:
        factor = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"expected a number such as 0.5, not {value!r}") from None
    if not 0 <= factor <= 100:
        raise ValueError(f"expected a number from 0 to 100, not {value!r}")
    return factor


def parse_daemon(value: object) -> DaemonAddress | None:
    if value is None or value == "":
        return None
    if isinstance(value, DaemonAddress):
        return value
    try:
        return parse_docker_host(str(value))
    except InvalidDaemonAddress as exc:
        raise ValueError(f"cannot use that daemon address: {exc.message}") from None


def parse_count(value: object) -> int:
    count = None if isinstance(value, bool) else whole_number(str(value))
    if count is None or count < 1:
        raise ValueError(f"expected a whole number of at least 1, not {value!r}")
    return count


def parse_host_names(value: object) -> tuple[str, ...]:
    """Names as a list (instance/config.py, JSON in the environment, repeated options) or one comma-separated
    text; each checked as Werkzeug will compare it."""
    if value is None or value == "":
        return ()
    items = value.split(",") if isinstance(value, str) else list(value)  # type: ignore[call-overload]
    return tuple(host_name(str(item)) for item in items if str(item).strip())


def parse_optional_text(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


def parse_workers(value: object) -> int | None:
    """None until given: one per core, as far as the machine allows (hellotrace/deploy/workers.py)."""
    return None if value is None or value == "" else parse_count(value)


def parse_node(value: object) -> str:
    """A node's name goes into its sandboxes' names and nginx's routing of the engine port: short and plain."""
    text = "" if value is None else str(value)
    if text and not NODE_NAME.fullmatch(text):
        raise ValueError(f"expected 1 to 16 lower-case letters or digits, such as n1, not {value!r}")
    return text


def parse_sandbox_url(value: object) -> str | None:
    """tcp://HOST:PORT, as visitors' terminals reach the engines (no path: the sandbox's is added)."""
    if value is None or value == "":
        return None
    text = str(value).rstrip("/")
    try:
        address = parse_docker_host(text)
    except InvalidDaemonAddress as exc:
        raise ValueError(f"expected tcp://HOST:PORT, not {value!r}: {exc.message}") from None
    if address.scheme != "tcp" or address.path_prefix:
        raise ValueError(f"expected tcp://HOST:PORT (no path), not {value!r}")
    return address.normalized


def parse_pace(value: object) -> str:
    if value not in PACES:
        raise ValueError(f"expected one of {', '.join(PACES)}, not {value!r}")
    return str(value)


def parse_duration(value: object) -> float:
    """A Go duration (`30m`, `2h`, `90s`) or a number of seconds; above zero."""
    try:
        seconds = float(value) if isinstance(value, int | float) else parse_go_duration(str(value))
    except ValueError:
        raise ValueError(f"expected a duration such as 30m, 2h or 90s, not {value!r}") from None
    if seconds <= 0:
        raise ValueError(f"expected a duration above zero, such as 30m, not {value!r}")
    return seconds


def parse_size(value: object) -> int:
    """A size as `docker run --memory` reads it (`256m`, `1g`, `512MiB`) or a number of bytes; at least 1 MiB."""
    try:
        size = int(value) if isinstance(value, int) else ram_in_bytes(str(value))
    except ValueError:
        raise ValueError(f"expected a size such as 256MiB, 512m or 1g, not {value!r}") from None
    if size < 1 << 20:
        raise ValueError(f"expected at least 1MiB, not {value!r}")
    return size


def parse_log_format(value: object) -> str:
    if value not in LOG_FORMATS:
        raise ValueError(f"expected one of {', '.join(LOG_FORMATS)}, not {value!r}")
    return str(value)


@dataclass(frozen=True)
class Setting:
    name: str  # the config key; the environment variable is HELLOTRACE_<name>
    default: Callable[[], object]
    parse: Callable[[object], object]
    help: str
    shown_default: str  # the default as the README and --help show it
    option: str | None = None  # the command-line option, if any
    metavar: str | None = None
    engine: bool = False  # the mock engine's own setting (also an option of `mock-daemon`)
    multiple: bool = False  # the option may be repeated

    @property
    def env(self) -> str:
        return f"{ENV_PREFIX}_{self.name}"


SETTINGS: tuple[Setting, ...] = (
    Setting("LISTEN", lambda: ("127.0.0.1", 5000), parse_address,
            "where the site listens; a non-loopback address (0.0.0.0) lets a class reach it",
            "127.0.0.1:5000", "--listen", "HOST:PORT"),
    Setting("ALLOW_REMOTE", lambda: False, parse_flag,
            "let other machines reach the site: it then also answers to the TRUSTED_HOST_NAMES and the listening "
            "addresses (each interface's for 0.0.0.0); with a real daemon, visitors also need the presenter token",
            "false", "--allow-remote"),
    Setting("TRUSTED_HOST_NAMES", tuple, parse_host_names,
            "with ALLOW_REMOTE or BEHIND_PROXY, the host names visitors use to reach the site (repeatable option; "
            ".example.org trusts its subdomains); a request naming any other host gets 400 (403 from the mock "
            "engine, which answers to these names too)",
            "(none)", "--trusted-host", "NAME", multiple=True, engine=True),
    Setting("DAEMON", lambda: None, parse_daemon,
            "replay against this daemon (a DOCKER_HOST value, e.g. unix:///var/run/docker.sock) instead of the "
            "embedded mock engine; when unset, DOCKER_HOST is used unless it names the mock engine itself",
            "(the embedded mock engine)", "--daemon", "DOCKER_HOST"),
    Setting("TRACE_SOCKET", lambda: None, parse_optional_text,
            "with a real daemon: a unix socket (mode 0600) that forwards your own docker CLI to it byte for byte "
            "and shows every exchange on the trace page",
            "(none)", "--trace-socket", "PATH"),
    Setting("ENGINE_UNIX", lambda: None, parse_optional_text,
            "the mock engine's unix socket",
            "$XDG_RUNTIME_DIR/hellotrace/docker.sock, else /tmp/hellotrace-UID/docker.sock",
            "--unix", "PATH", engine=True),
    Setting("ENGINE_TCP", lambda: ("127.0.0.1", 2375), parse_address,
            "the mock engine's TCP address (plain text, no TLS); 0.0.0.0:2375 lets students' terminals reach it",
            "127.0.0.1:2375", "--tcp", "HOST:PORT", engine=True),
    Setting("PULL_PACE", lambda: 1.0, parse_factor,
            "scale of the pauses between the mock engine's pull progress lines (0: no pauses)",
            "1", "--pull-pace", "FACTOR", engine=True),
    Setting("SANDBOX_IDLE", lambda: 30 * 60.0, parse_duration,
            "a sandbox with no request for this long is removed, and may be evicted sooner to make room for a new "
            "one (Go duration); a new sandbox is always granted",
            "30m", "--sandbox-idle", "DURATION", engine=True),
    Setting("SANDBOX_QUIET", lambda: 60.0, parse_duration,
            "a sandbox with no request for this long, and nothing running in it, is packed (compressed) until its "
            "next request; at most a third of SANDBOX_IDLE (Go duration)",
            "1m", "--sandbox-quiet", "DURATION", engine=True),
    Setting("VISITOR_IDLE", lambda: 2 * 3600.0, parse_duration,
            "a visitor with no request for this long is forgotten by the site (their replay's results; their "
            "sandbox follows SANDBOX_IDLE); a periodic sweep frees them (Go duration)",
            "2h"),
    Setting("VISITOR_QUIET", lambda: 60.0, parse_duration,
            "a visitor with no request for this long has the events of their finished runs released and their "
            "replay packed (compressed) until they return; at most a third of VISITOR_IDLE (Go duration)",
            "1m"),
    Setting("MEMORY_BUDGET", lambda: 256 << 20, parse_size,
            "bytes the mock engine keeps for all sandboxes together (configuration, kept output, logs, request "
            "bodies being read), a sixteenth of it for each sandbox; past it, Docker-like errors",
            "256MiB", "--memory-budget", "SIZE", engine=True),
    Setting("PRESENTER_TOKEN", lambda: None, parse_optional_text,
            "the token visitors present once when a real daemon is shared beyond loopback "
            "(random when unset; environment or instance/config.py only, so that it stays out of `ps`)",
            "(random)"),
    Setting("CONTAINERS_PER_VISITOR", lambda: DEFAULT_PER_VISITOR, parse_count,
            "with a real daemon, the containers one visitor keeps; their oldest is removed first",
            str(DEFAULT_PER_VISITOR)),
    Setting("CONTAINERS_TOTAL", lambda: DEFAULT_TOTAL, parse_count,
            "with a real daemon, the containers the whole site keeps; the oldest is removed first",
            str(DEFAULT_TOTAL)),
    Setting("PACE", lambda: DEFAULT_PACE, parse_pace,
            "how fast a visitor's replay runs until they choose on the page (step, slow, normal, instant)",
            DEFAULT_PACE),
    Setting("LOG_FORMAT", lambda: "text", parse_log_format,
            "one log line per request, as text or as JSON objects (for log collectors)",
            "text", "--log-format", "text|json"),
    Setting("SECRET_KEY", lambda: None, parse_optional_text,
            "signs the session cookie; when unset, a random key kept in the instance folder (secret_key, mode "
            "0600), so that sessions survive a restart and processes sharing the folder agree",
            "(kept in the instance folder)"),
    Setting("INSTANCE", lambda: None, parse_optional_text,
            "the instance folder: config.py, the SQLite database, the secret key (environment or the app's "
            "configuration only: config.py is read from it)",
            "instance/ beside app.py"),
    # Both also read the plain DATABASE_URL and REDIS_URL variables that hosting platforms set.
    Setting("DATABASE_URL", lambda: os.environ.get("DATABASE_URL") or None, parse_optional_text,
            "where classes and learners' progress are kept: an SQLAlchemy URL (postgresql+psycopg://…); the plain "
            "DATABASE_URL variable is read too; when unset, hellotrace.sqlite3 in the instance folder",
            "(SQLite in the instance folder)"),
    Setting("REDIS_URL", lambda: os.environ.get("REDIS_URL") or None, parse_optional_text,
            "a class's live updates through Redis pub/sub (redis://…, unix://…), so that several site processes "
            "can serve one class; the plain REDIS_URL variable is read too; when unset, through the site's own "
            "process",
            "(in-process)"),
    Setting("CLASS_CAPACITY", lambda: DEFAULT_CLASS_CAPACITY, parse_count,
            "the students one class holds; past it, joining is refused with an explanation",
            str(DEFAULT_CLASS_CAPACITY)),
    Setting("NODE", lambda: "", parse_node,
            "this site process's name in a group of nodes behind nginx (1 to 16 lower-case letters or digits); "
            "its visitors' sandboxes are then named <NODE>-<token>, which routes their terminals to its engine",
            "(none: alone)", "--node", "NAME", engine=True),
    Setting("BEHIND_PROXY", lambda: False, parse_flag,
            "the site is reached only through hellotrace's nginx configuration: it trusts one hop of "
            "X-Forwarded-For/-Proto/-Host and gives a new visitor a token that nginx's hash ring (X-Hellotrace-Ring) "
            "routes back to it",
            "false", "--behind-proxy"),
    Setting("SANDBOX_URL", lambda: None, parse_sandbox_url,
            "where visitors' terminals reach the sandboxes (nginx's engine port), tcp://HOST:PORT; visitors are "
            "shown DOCKER_HOST=tcp://HOST:PORT/sandboxes/<their sandbox>",
            "(the mock engine's own TCP address)", "--sandbox-url", "tcp://HOST:PORT"),
    Setting("WORKERS", lambda: None, parse_workers,
            "site processes, each with its own mock engine, behind a private nginx on LISTEN and ENGINE_TCP "
            "(needs nginx and Redis: REDIS_URL, or redis-server, started privately); with a real daemon, one",
            "the number of cores", "--workers", "N"),
    Setting("PIN_WORKERS", lambda: True, parse_flag,
            "with several workers, keep each on one core (its engine with it), in turn over the cores the site may "
            "use: a node's threads hand its interpreter to one another far more cheaply on one core; false leaves "
            "them to the kernel (a machine shared with other busy work)",
            "true"),
)


def defaults() -> dict[str, object]:
    return {setting.name: setting.default() for setting in SETTINGS}


def check(config: MutableMapping[str, object]) -> None:
    """Parse every setting in place; the first unusable one raises SettingError."""
    for key in config:
        if isinstance(key, str) and key.startswith(f"{ENV_PREFIX}_"):
            # Environment variables carry the prefix; config keys do not (HELLOTRACE_DAEMON sets DAEMON).
            raise SettingError(f"unknown setting {key}: settings are named without the {ENV_PREFIX}_ prefix "
                               f"({key.removeprefix(ENV_PREFIX + '_')})")
    for setting in SETTINGS:
        try:
            config[setting.name] = setting.parse(config.get(setting.name))
        except ValueError as exc:
            where = f" ({setting.option})" if setting.option else f" ({setting.env})"
            raise SettingError(f"setting {setting.name}{where}: {exc}") from None
    if config["DAEMON"] is None:
        config["DAEMON"] = daemon_from_environment(config)


def daemon_from_environment(config: MutableMapping[str, object]) -> DaemonAddress | None:
    """DOCKER_HOST, as the docker CLI reads it, unless it points at this site's own mock engine (directly, or
    through SANDBOX_URL, as a visitor's page shows it)."""
    given = os.environ.get("DOCKER_HOST")
    if not given:
        return None
    host, port = config["ENGINE_TCP"]  # type: ignore[misc]
    own_tcp = f"tcp://{host}:{port}"
    own_unix = f"unix://{config['ENGINE_UNIX'] or default_unix_path()}"
    sandboxes = [f"{own_tcp}/sandboxes/"] + ([f"{config['SANDBOX_URL']}/sandboxes/"] if config["SANDBOX_URL"] else [])
    if given in (own_unix, own_tcp) or given.startswith(tuple(sandboxes)):
        return None
    try:
        return parse_docker_host(given)
    except InvalidDaemonAddress as exc:
        raise SettingError(f"DOCKER_HOST: {exc.message}") from None


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"
