"""Which value each client setting takes, and why: command line > environment > config.json > default.

The order is the docker CLI's (28.2.2), read in `cli/command/cli.go`, `cli/flags/options.go`,
`cli/command/cli_options.go` and `cli/config/`, and checked by running the real CLI:
- the configuration directory: `--config`, else `DOCKER_CONFIG`, else `~/.docker`;
- the context (`resolveContextName`): `--context`, `-H` (default context), `DOCKER_HOST` (default context),
  `DOCKER_CONTEXT`, `currentContext` in config.json, `default`; `--context` with `-H` is an error;
- the daemon address of the default context: `-H` (only one), else `DOCKER_HOST`, else the unix socket
  (`tcp://localhost:2376` with TLS);
- TLS: `--tlsverify`, `--tls`, else `DOCKER_TLS_VERIFY` (any non-empty value, even `0`) or `DOCKER_TLS`;
  certificates from `--tlscacert`… or `DOCKER_CERT_PATH`, else `DOCKER_CONFIG` or `~/.docker` — never `--config`,
  which is read after that default is fixed;
- the API version: `DOCKER_API_VERSION` (no flag, no file), else negotiated with the daemon;
- HTTP headers: `DOCKER_CUSTOM_HEADERS` replaces `HttpHeaders` as a whole;
- per command: `--format` > `psFormat`/`imagesFormat`; `--detach-keys` > `detachKeys`; `proxies` has no
  flag and no variable (`-e NAME` only keeps one variable from being set);
- `stackOrchestrator`, `DOCKER_STACK_ORCHESTRATOR` and `--orchestrator` are ignored since 23.0.
Results are values, layers and reason codes with parameters; the web layer words them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from hellotrace.client_config.command_line import CommandLine, parse_command_line
from hellotrace.client_config.configfile import (
    DEFAULT_CONFIG_DIR,
    SYNTAX_ERROR,
    ConfigLoad,
    config_file_path,
    go_clean,
    load_config,
)
from hellotrace.client_config.headers import DROPPED_BY_GO, REPLACED_BY_CLI, HeaderPlan, plan_headers
from hellotrace.client_config.proxies import ProxyPlan, daemon_host_for, plan_proxies
from hellotrace.docker_host import DaemonAddress, InvalidDaemonAddress, parse_docker_host
from hellotrace.formatting import ps_format_refusal
from hellotrace.messages import N_
from hellotrace.protocol.versions import CLI_API_VERSION, InvalidApiVersion, client_api_version

DEFAULT_DETACH_KEYS = "ctrl-p,ctrl-q"
ENV_NAMES = (
    "DOCKER_CONFIG", "DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_API_VERSION", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH",
    "DOCKER_CUSTOM_HEADERS", "DOCKER_STACK_ORCHESTRATOR",
)

FLAG, ENV, FILE, DEFAULT = "flag", "env", "file", "default"
LOG_LEVELS = ("panic", "fatal", "error", "warn", "warning", "info", "debug", "trace")
# The config.json property holding the default --format of each command the lab models.
FORMAT_PROPERTY = {"ps": "psFormat", "images": "imagesFormat"}
_ATTACHING = ("run", "start", "attach", "exec")
# moby/term ToBytes: the accepted detach keys.
_CTRL_KEYS = {f"ctrl-{c}" for c in "@abcdefghijklmnopqrstuvwxyz[\\]^_"}


@dataclass(frozen=True)
class Reason:
    code: str
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Candidate:
    """A value given in some layer that did not win."""

    layer: str
    source: str
    value: str


@dataclass(frozen=True)
class Setting:
    """One setting: the value the CLI ends up with, which layer gave it, and why."""

    key: str
    value: str | None  # shown as is
    layer: str | None  # flag, env, file, default; None when the setting is ignored or does not apply
    source: str | None  # `--config`, `DOCKER_CONFIG`, `psFormat`…
    reason: Reason
    shadowed: tuple[Candidate, ...] = ()
    value_text: str | None = None  # an interface message (on/off…) shown instead of `value`, translated
    notes: tuple[Reason, ...] = ()


@dataclass(frozen=True)
class CliStop:
    """The CLI gives up with this text. `conditional`: only on a machine without that context or file."""

    code: str
    text: str
    exit_status: int = 1
    conditional: bool = False


@dataclass
class Resolution:
    command: CommandLine
    environment: dict[str, str]
    config_dir: str
    config: ConfigLoad | None  # None when the CLI stops before reading it
    settings: list[Setting]
    headers: HeaderPlan
    proxies: ProxyPlan | None
    address: DaemonAddress | None = None
    stops: list[CliStop] = field(default_factory=list)
    flag_warnings: list[str] = field(default_factory=list)  # printed while options are parsed
    run_warnings: list[str] = field(default_factory=list)  # printed by the command itself

    def setting(self, key: str) -> Setting:
        return next(s for s in self.settings if s.key == key)

    @property
    def stop(self) -> CliStop | None:
        """The first thing that makes the CLI give up on a machine like the lab's."""
        return self.stops[0] if self.stops else None

    @property
    def stderr(self) -> list[str]:
        """What the CLI writes on stderr, in order, up to the line it stops on."""
        error = self.command.error
        if error is not None and error.cli_text:
            return [error.cli_text]
        lines = list(self.flag_warnings)
        if self.config is not None and self.config.warning:
            lines.append(self.config.warning)
        if self.stop is not None:
            return [*lines, self.stop.text]
        return lines + self.run_warnings

    @property
    def blocking_stop(self) -> CliStop | None:
        """The first stop that does not depend on the reader's own files and contexts."""
        return next((s for s in self.stops if not s.conditional), None)


def resolve(config_text: str, environment: Mapping[str, str], command_text: str) -> Resolution:
    """Everything the lab shows for one set of inputs."""
    command = parse_command_line(command_text)
    env = {name: value for name, value in environment.items() if value}
    env.update({name: value for name, value in command.assignments.items() if value})
    resolver = _Resolver(command, env)
    return resolver.run(config_text)


class _Resolver:
    def __init__(self, command: CommandLine, env: dict[str, str]) -> None:
        self.cmd = command
        self.env = env
        self.settings: list[Setting] = []
        self.stops: list[CliStop] = []
        # Refusals met while the API client is built, after the endpoint and its TLS files were resolved.
        self.client_stops: list[CliStop] = []

    def run(self, config_text: str) -> Resolution:
        cmd = self.cmd
        if cmd.error is not None and cmd.error.cli_text:
            self.stops.append(CliStop(cmd.error.code, cmd.error.cli_text, cmd.error.exit_status))
        self.log_level()
        config_dir = self.config_dir()
        conflict = bool(cmd.global_value("context")) and bool(cmd.global_values("host"))
        if conflict:
            self.stops.append(CliStop("conflict", "conflicting options: cannot specify both --host and --context"))
        # The conflict is checked before the file is read: then there is no warning either.
        config = None if conflict else load_config(config_text, config_file_path(config_dir))
        usable = config if config is not None and config.used else None
        context = self.context(usable)
        tls_on = self.tls()
        address = self.host(context, tls_on, config_dir)
        self.cert_path(tls_on, config_dir)
        self.stops += self.client_stops
        self.api_version()
        headers = self.headers(usable)
        self.format(usable)
        self.detach_keys(usable)
        proxies = self.proxies(usable, address, context)
        self.plugins(usable)
        self.orchestrator(config)
        flag_warnings, run_warnings = [], []
        if cmd.values("orchestrator"):
            flag_warnings.append("Flag --orchestrator has been deprecated, option will be ignored")
        format_setting = next(s for s in self.settings if s.key == "format")
        if format_setting.reason.code == "format.flag_quiet":
            run_warnings.append("WARNING: Ignoring custom format, because both --format and --quiet are set.")
        return Resolution(cmd, self.env, config_dir, config, self.settings, headers, proxies, address,
                          self.stops, flag_warnings, run_warnings)

    def add(
        self,
        key: str,
        value: str | None,
        layer: str | None,
        source: str | None,
        reason: Reason,
        shadowed: tuple[Candidate, ...] = (),
        *,
        value_text: str | None = None,
        notes: tuple[Reason, ...] = (),
    ) -> None:
        self.settings.append(Setting(key, value, layer, source, reason, shadowed, value_text, notes))

    # --- global settings --------------------------------------------------------------------------------------

    def log_level(self) -> None:
        level = self.cmd.global_value("log-level")
        debug = self.cmd.global_value("debug") == "true"
        if level is not None and level.lower() not in LOG_LEVELS:
            self.stops.append(CliStop("log_level", f"Unable to parse logging level: {level}"))
        if debug:
            shadowed = (Candidate(FLAG, "--log-level", level),) if level is not None else ()
            self.add("log_level", "debug", FLAG, "-D", Reason("log_level.debug"), shadowed)
        elif level is not None:
            self.add("log_level", level, FLAG, "--log-level", Reason("log_level.flag"))
        else:
            self.add("log_level", "info", DEFAULT, None, Reason("log_level.default"))

    def config_dir(self) -> str:
        flag = self.cmd.global_value("config")
        env = self.env.get("DOCKER_CONFIG")
        if flag:
            shadowed = (Candidate(ENV, "DOCKER_CONFIG", env),) if env else ()
            value = go_clean(flag)  # config.SetDir cleans the path
            self.add("config_dir", value, FLAG, "--config", Reason("config_dir.flag"), shadowed)
            return value
        if env:
            self.add("config_dir", env, ENV, "DOCKER_CONFIG", Reason("config_dir.env"))
            return env
        self.add("config_dir", DEFAULT_CONFIG_DIR, DEFAULT, None, Reason("config_dir.default"))
        return DEFAULT_CONFIG_DIR

    def context(self, config: ConfigLoad | None) -> str:
        """resolveContextName, with every lower-priority value that was given listed as shadowed."""
        cmd, env = self.cmd, self.env
        current = config.text("currentContext") if config is not None else ""
        layers: list[tuple[str, str, str, str, str]] = []  # (layer, source, value, context name, reason)
        if cmd.global_value("context"):
            name = cmd.global_value("context") or ""
            layers.append((FLAG, "--context", name, name, "context.flag"))
        if cmd.global_values("host"):
            layers.append((FLAG, "-H", cmd.global_values("host")[-1], "default", "context.host_flag"))
        if env.get("DOCKER_HOST"):
            layers.append((ENV, "DOCKER_HOST", env["DOCKER_HOST"], "default", "context.docker_host"))
        if env.get("DOCKER_CONTEXT"):
            layers.append((ENV, "DOCKER_CONTEXT", env["DOCKER_CONTEXT"], env["DOCKER_CONTEXT"], "context.env"))
        if current:
            layers.append((FILE, "currentContext", current, current, "context.file"))
        if not layers:
            self.add("context", "default", DEFAULT, None, Reason("context.default"))
            return "default"
        layer, source, _, name, code = layers[0]
        shadowed = tuple(Candidate(lay, src, val) for lay, src, val, _, _ in layers[1:])
        self.add("context", name, layer, source, Reason(code, {"name": name}), shadowed)
        return name

    def tls(self) -> bool:
        """TLS as SetDefaultOptions leaves it: the flags' defaults come from the environment."""
        cmd, env = self.cmd, self.env
        tls_flag, verify_flag = cmd.global_value("tls"), cmd.global_value("tlsverify")
        env_tls, env_verify = env.get("DOCKER_TLS", ""), env.get("DOCKER_TLS_VERIFY", "")
        tls = tls_flag == "true" if tls_flag is not None else bool(env_tls)
        verify = verify_flag == "true" if verify_flag is not None else bool(env_verify)
        on = tls or verify_flag is not None or verify
        value_text = N_("off") if not on else (N_("on, server verified") if verify else N_("on, server not verified"))
        if verify_flag is not None:
            code = "tls.flag_tlsverify" if verify_flag == "true" else "tls.flag_tlsverify_false"
            layer, source = FLAG, "--tlsverify"
        elif tls_flag == "true":
            layer, source, code = FLAG, "--tls", "tls.flag_tls"
        elif env_verify:
            code = "tls.env_verify_forced" if tls_flag == "false" else "tls.env_verify"
            layer, source = ENV, "DOCKER_TLS_VERIFY"
        elif tls_flag == "false":
            layer, source, code = FLAG, "--tls", "tls.flag_tls_false"
        elif env_tls:
            layer, source, code = ENV, "DOCKER_TLS", "tls.env_tls"
        else:
            layer, source, code = DEFAULT, None, "tls.default"
        shadowed = tuple(
            Candidate(ENV, name, env[name]) for name in ("DOCKER_TLS_VERIFY", "DOCKER_TLS")
            if env.get(name) and name != source
        )
        notes: tuple[Reason, ...] = ()
        if env_verify.lower() in ("0", "false", "no", "off"):
            notes = (Reason("tls.any_value", {"value": env_verify}),)
        self.add("tls", None, layer, source, Reason(code), shadowed, value_text=value_text, notes=notes)
        return on

    def host(self, context: str, tls_on: bool, config_dir: str) -> DaemonAddress | None:
        cmd, env = self.cmd, self.env
        if context != "default":
            digest = hashlib.sha256(context.encode()).hexdigest()
            meta = go_clean(f"{config_dir}/contexts/meta/{digest}/meta.json")
            self.stops.append(CliStop(
                "context_not_found",
                f'Failed to initialize: unable to resolve docker endpoint: context "{context}": context not found: '
                f"open {meta}: no such file or directory", conditional=True,
            ))
            ignored = (Candidate(ENV, "DOCKER_HOST", env["DOCKER_HOST"]),) if env.get("DOCKER_HOST") else ()
            self.add("host", None, None, None, Reason("host.from_context", {"name": context}), ignored)
            return None
        hosts = cmd.global_values("host")
        if len(hosts) > 1:
            self.stops.append(CliStop(
                "several_hosts", "Failed to initialize: unable to resolve docker endpoint: Specify only one -H"))
            self.add("host", None, FLAG, "-H", Reason("host.several", {"count": str(len(hosts))}))
            return None
        if hosts:
            text, layer, source = hosts[0], FLAG, "-H"
        elif env.get("DOCKER_HOST"):
            text, layer, source = env["DOCKER_HOST"], ENV, "DOCKER_HOST"
        else:
            text, layer, source = "", DEFAULT, None
        shadowed = (Candidate(ENV, "DOCKER_HOST", env["DOCKER_HOST"]),) if hosts and env.get("DOCKER_HOST") else ()
        try:
            address = parse_docker_host(text, tls=tls_on)
        except InvalidDaemonAddress as error:
            (self.client_stops if error.client_stage else self.stops).append(CliStop("invalid_host", error.cli_output))
            self.add("host", text, layer, source, Reason("host.invalid", {"error": error.message}), shadowed)
            return None
        code = {FLAG: "host.flag", ENV: "host.env"}.get(layer, "host.default_tls" if tls_on else "host.default")
        self.add("host", address.normalized, layer, source, Reason(code), shadowed)
        # Accepted by the parser, refused when the API client is built (probed with CLI 28.2.2 on Linux).
        if address.normalized == "fd://":
            self.client_stops.append(CliStop("fd_host", "Failed to initialize: unable to parse docker host `fd://`"))
        elif address.scheme == "npipe":
            self.client_stops.append(CliStop("npipe_host", "Failed to initialize: protocol not available"))
        return address

    def cert_path(self, tls_on: bool, config_dir: str) -> None:
        cmd, env = self.cmd, self.env
        if env.get("DOCKER_CERT_PATH"):
            folder, layer, source, code = env["DOCKER_CERT_PATH"], ENV, "DOCKER_CERT_PATH", "cert_path.env"
        else:
            folder = env.get("DOCKER_CONFIG") or DEFAULT_CONFIG_DIR
            layer, source, code = DEFAULT, None, "cert_path.default"
        files = {}
        for flag, name in (("tlscacert", "ca.pem"), ("tlscert", "cert.pem"), ("tlskey", "key.pem")):
            given = cmd.global_value(flag)
            files[flag] = given if given is not None else go_clean(f"{folder}/{name}")
        notes = [Reason("cert_path.files", {"ca": files["tlscacert"], "cert": files["tlscert"],
                                            "keyfile": files["tlskey"]})]
        if cmd.global_value("config") and not env.get("DOCKER_CERT_PATH"):
            notes.append(Reason("cert_path.not_config_flag"))
        if any(cmd.global_value(flag) is not None for flag in files):
            notes.append(Reason("cert_path.file_flags"))
        if not tls_on:
            code, layer = "cert_path.unused", None
        else:
            self.stops.append(CliStop(
                "tls_files", f"Failed to initialize: unable to resolve docker endpoint: open {files['tlscacert']}: "
                "no such file or directory", conditional=True))
        self.add("cert_path", go_clean(folder), layer, source, Reason(code), notes=tuple(notes))

    def api_version(self) -> None:
        raw = self.env.get("DOCKER_API_VERSION", "")
        try:
            value = client_api_version(raw)
        except InvalidApiVersion as error:
            # The client is built after the endpoint is resolved, and its version option comes after the host.
            self.stops.append(CliStop("api_version", error.cli_output))
            value = raw.strip()
        if value:
            self.add("api_version", value, ENV, "DOCKER_API_VERSION", Reason("api_version.env"))
        else:
            self.add("api_version", None, DEFAULT, None, Reason("api_version.negotiated", {"max": CLI_API_VERSION}),
                     value_text=N_("negotiated"))

    def headers(self, config: ConfigLoad | None) -> HeaderPlan:
        file_headers = config.mapping("HttpHeaders") if config is not None else {}
        env_value = self.env.get("DOCKER_CUSTOM_HEADERS")
        plan = plan_headers(file_headers, env_value)
        if plan.error:
            self.stops.append(CliStop("custom_headers", plan.error))
        # The value is what goes on the wire; a header that never leaves is named in a note, not counted.
        sent = [] if plan.request_error else plan.wire_headers()
        value = "\n".join(f"{name}: {text}" for name, text in sent) or None
        notes = []
        if plan.request_error:
            notes.append(Reason("headers.blocked"))
        unsent = sorted({f.wire_name for f in plan.fates if f.fate in (REPLACED_BY_CLI, DROPPED_BY_GO)})
        if unsent:
            notes.append(Reason("headers.unsent", {"names": ", ".join(unsent)}))
        count = {"count": str(len(sent))}
        if plan.source == "env":
            shadowed = tuple(Candidate(FILE, "HttpHeaders", f"{k}: {v}") for k, v in file_headers.items())
            reason = Reason("headers.env_error") if plan.error else Reason("headers.env", count)
            self.add("http_headers", value, ENV, "DOCKER_CUSTOM_HEADERS", reason, shadowed, notes=tuple(notes))
        elif plan.source == "file":
            reason = Reason("headers.file", count) if sent else Reason("headers.file_unsent")
            self.add("http_headers", value, FILE, "HttpHeaders", reason, notes=tuple(notes))
        else:
            self.add("http_headers", None, DEFAULT, None, Reason("headers.none"))
        if plan.request_error:
            self.stops.append(CliStop("invalid_header", f"error during connect: {plan.request_error}"))
        return plan

    # --- per command ------------------------------------------------------------------------------------------

    def format(self, config: ConfigLoad | None) -> None:
        cmd = self.cmd
        name = cmd.command
        prop = FORMAT_PROPERTY.get(name or "")
        flag = cmd.value("format") if name in ("ps", "images", "version", "info") else None
        quiet = cmd.flag_on("quiet")
        file_value = config.text(prop) if config is not None and prop else ""
        if prop is None:
            if flag:
                self.add("format", flag, FLAG, "--format", Reason("format.flag_only", {"command": name or ""}))
            else:
                self.add("format", None, None, None, Reason("format.not_applicable"))
            return
        shadowed = (Candidate(FILE, prop, file_value),) if file_value and flag else ()
        if flag:
            if quiet and name == "ps":
                self.add("format", "{{.ID}}", FLAG, "--format", Reason("format.flag_quiet"), shadowed)
            else:
                self.add("format", flag, FLAG, "--format", Reason("format.flag", {"property": prop}), shadowed)
        elif file_value:
            if quiet:
                self.add("format", "{{.ID}}", FLAG, "-q", Reason("format.quiet_over_file", {"property": prop}),
                         (Candidate(FILE, prop, file_value),))
            else:
                self.add("format", file_value, FILE, prop, Reason("format.file", {"property": prop}))
        else:
            code = "format.quiet" if quiet else "format.default"
            self.add("format", "{{.ID}}" if quiet else "table", DEFAULT, None, Reason(code, {"property": prop}))
        # docker ps executes its format (given, or psFormat, even with -q) once, on no container, before any
        # request: a bad one stops it there (as listing_request finds when the lab sends docker ps).
        given = flag or file_value
        if name == "ps" and given and (refusal := ps_format_refusal(given, now=datetime.now(UTC))) is not None:
            self.stops.append(CliStop("format_template", str(refusal)))

    def detach_keys(self, config: ConfigLoad | None) -> None:
        cmd = self.cmd
        file_value = config.text("detachKeys") if config is not None else ""
        attaching = cmd.command in _ATTACHING and not (
            cmd.command in ("run", "exec") and cmd.flag_on("detach")
            or cmd.command == "start" and not cmd.flag_on("attach")
        )
        flag = cmd.value("detach-keys") if cmd.command in _ATTACHING else None
        if flag:
            value, layer, source, code = flag, FLAG, "--detach-keys", "detach.flag"
        elif file_value:
            value, layer, source, code = file_value, FILE, "detachKeys", "detach.file"
        else:
            value, layer, source, code = DEFAULT_DETACH_KEYS, DEFAULT, None, "detach.default"
        shadowed = (Candidate(FILE, "detachKeys", file_value),) if flag and file_value else ()
        notes = []
        if value != DEFAULT_DETACH_KEYS and not detach_keys_valid(value):
            notes.append(Reason("detach.invalid", {"value": value,
                                                    "daemon": f"Invalid detach keys ({value}) provided"}))
        if not attaching:
            notes.append(Reason("detach.not_attaching"))
            layer = None
        self.add("detach_keys", value, layer, source, Reason(code), shadowed, notes=tuple(notes))

    def proxies(self, config: ConfigLoad | None, address: DaemonAddress | None, context: str) -> ProxyPlan | None:
        proxies = config.mapping("proxies") if config is not None else {}
        if not proxies:
            self.add("proxies", None, DEFAULT, None, Reason("proxies.none"))
            return None
        daemon_host = daemon_host_for(address.normalized, address.scheme) if address is not None else None
        user_env = self.cmd.values("env") if self.cmd.command in ("run", "create") else []
        plan = plan_proxies(proxies, daemon_host, user_env)
        applies = self.cmd.command in ("run", "create")
        if plan.chosen_key is None:
            code = "proxies.no_match"
        elif plan.chosen_key == "default":
            code = "proxies.default"
        else:
            code = "proxies.host"
        notes = () if applies else (Reason("proxies.not_this_command"),)
        self.add("proxies", plan.chosen_key, FILE if plan.chosen_key else None, "proxies",
                 Reason(code, {"host": daemon_host or context}), notes=notes)
        return plan

    def plugins(self, config: ConfigLoad | None) -> None:
        plugins = config.mapping("plugins") if config is not None else {}
        if plugins:
            reason = Reason("plugins.file", {"count": str(len(plugins))})
            self.add("plugins", ", ".join(plugins), FILE, "plugins", reason)
        else:
            self.add("plugins", None, DEFAULT, None, Reason("plugins.none"))

    def orchestrator(self, config: ConfigLoad | None) -> None:
        given = []
        if self.cmd.value("orchestrator") is not None:
            given.append(Candidate(FLAG, "--orchestrator", self.cmd.value("orchestrator") or ""))
        if self.env.get("DOCKER_STACK_ORCHESTRATOR"):
            given.append(Candidate(ENV, "DOCKER_STACK_ORCHESTRATOR", self.env["DOCKER_STACK_ORCHESTRATOR"]))
        if config is not None and config.status != SYNTAX_ERROR:
            for use in config.keys:
                if use.code == "removed":
                    given.append(Candidate(FILE, use.key, use.text or ""))
        code = "orchestrator.ignored" if given else "orchestrator.none"
        self.add("stack_orchestrator", "swarm", None, None, Reason(code), tuple(given))


def detach_keys_valid(value: str) -> bool:
    """moby/term ToBytes: single characters, `ctrl-<x>` or `DEL`, separated by commas."""
    return all(len(key) == 1 or key in _CTRL_KEYS or key == "DEL" for key in value.split(","))
