"""A docker command line, split like a shell and parsed like the docker CLI (cobra + pflag), for the lab.

It knows the global options of docker 28.2.2 and the options of the commands whose settings the lab shows
(`ps`, `images`, `run`, `create`, `start`, `attach`, `exec`, `version`, `info`, and `stack`'s deprecated
`--orchestrator`), with pflag's rules: `--name value`, `--name=value`, bundled short options (`-itd`,
`-eKEY=v`), `--` to end options, booleans only taking `=value`. Global options must come before the command
(the root command does not intersperse), and `run`, `create` and `exec` stop at the image or container.
Errors carry the CLI's first line (`unknown flag: --foo`, `flag needs an argument: 'H' in -H`, …) and its
exit status. Leading `NAME=value` words are environment assignments for that one command, as in a shell.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

from hellotrace.protocol.gostrconv import parse_int, quote

MAX_LINE = 2048

# Docker 28.2.2's commands (`docker --help`), so that a real command the lab does not model is not "unknown".
DOCKER_COMMANDS = frozenset(
    "run exec ps build pull push images login logout search version info builder buildx compose container "
    "context image manifest network plugin system trust volume swarm attach commit cp create diff events export "
    "history import inspect kill load logs pause port rename restart rm rmi save start stats stop tag top "
    "unpause update wait config node secret service stack checkpoint".split()
)

_BOOL_VALUES = {"1": True, "t": True, "T": True, "TRUE": True, "true": True, "True": True,
                "0": False, "f": False, "F": False, "FALSE": False, "false": False, "False": False}
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def _specs(text: str) -> dict[str, FlagSpec]:
    """`"a,all:bool format:string"` → {"all": FlagSpec(...)}; kinds: bool, int, filter, env, value."""
    specs = {}
    for item in text.split():
        names, _, kind = item.partition(":")
        short, _, long = names.rpartition(",")
        specs[long] = FlagSpec(long, short or None, kind)
    return specs


@dataclass(frozen=True)
class FlagSpec:
    long: str
    short: str | None
    kind: str

    @property
    def label(self) -> str:
        """How pflag names the flag in an `invalid argument` error: `"-n, --last"` or `"--format"`."""
        return f"-{self.short}, --{self.long}" if self.short else f"--{self.long}"


GLOBAL_FLAGS = _specs(
    "config:value c,context:value D,debug:bool H,host:value l,log-level:value tls:bool tlscacert:value "
    "tlscert:value tlskey:value tlsverify:bool v,version:bool h,help:bool"
)
_RUN_FLAGS = (
    "add-host:value annotation:value a,attach:value blkio-weight:value blkio-weight-device:value cap-add:value "
    "cap-drop:value cgroup-parent:value cgroupns:value cidfile:value cpu-count:value cpu-percent:value "
    "cpu-period:value cpu-quota:value cpu-rt-period:value cpu-rt-runtime:value c,cpu-shares:value cpus:value "
    "cpuset-cpus:value cpuset-mems:value device:value device-cgroup-rule:value device-read-bps:value "
    "device-read-iops:value device-write-bps:value device-write-iops:value disable-content-trust:bool dns:value "
    "dns-option:value dns-search:value domainname:value entrypoint:value e,env:env env-file:value expose:value "
    "gpus:value group-add:value health-cmd:value health-interval:value health-retries:value "
    "health-start-interval:value health-start-period:value health-timeout:value help:bool h,hostname:value "
    "init:bool i,interactive:bool io-maxbandwidth:value io-maxiops:value ip:value ip6:value ipc:value "
    "isolation:value kernel-memory:value l,label:value label-file:value link:value link-local-ip:value "
    "log-driver:value log-opt:value mac-address:value m,memory:value memory-reservation:value memory-swap:value "
    "memory-swappiness:value mount:value name:value network:value network-alias:value no-healthcheck:bool "
    "oom-kill-disable:bool oom-score-adj:value pid:value pids-limit:value platform:value privileged:bool "
    "p,publish:value P,publish-all:bool pull:value q,quiet:bool read-only:bool restart:value rm:bool "
    "runtime:value security-opt:value shm-size:value stop-signal:value stop-timeout:value storage-opt:value "
    "sysctl:value tmpfs:value t,tty:bool ulimit:value use-api-socket:bool u,user:value userns:value uts:value "
    "v,volume:value volume-driver:value volumes-from:value w,workdir:value"
)


@dataclass(frozen=True)
class CommandSpec:
    name: str
    flags: dict[str, FlagSpec]
    min_args: int = 0
    max_args: int | None = None  # None: no limit
    interspersed: bool = True


COMMANDS = {
    "ps": CommandSpec("ps", _specs(
        "a,all:bool f,filter:filter format:value n,last:int l,latest:bool no-trunc:bool q,quiet:bool s,size:bool "
        "h,help:bool"), max_args=0),
    "images": CommandSpec("images", _specs(
        "a,all:bool digests:bool f,filter:filter format:value no-trunc:bool q,quiet:bool tree:bool h,help:bool"),
        max_args=1),
    "run": CommandSpec("run", _specs(_RUN_FLAGS + " d,detach:bool detach-keys:value sig-proxy:bool"),
                       min_args=1, interspersed=False),
    "create": CommandSpec("create", _specs(_RUN_FLAGS), min_args=1, interspersed=False),
    "start": CommandSpec("start", _specs(
        "a,attach:bool checkpoint:value checkpoint-dir:value detach-keys:value i,interactive:bool h,help:bool"),
        min_args=1),
    "attach": CommandSpec("attach", _specs("detach-keys:value no-stdin:bool sig-proxy:bool h,help:bool"),
                          min_args=1, max_args=1),
    "exec": CommandSpec("exec", _specs(
        "d,detach:bool detach-keys:value e,env:env env-file:value i,interactive:bool privileged:bool t,tty:bool "
        "u,user:value w,workdir:value h,help:bool"), min_args=2, interspersed=False),
    "version": CommandSpec("version", _specs("f,format:value h,help:bool"), max_args=0),
    "info": CommandSpec("info", _specs("f,format:value h,help:bool"), max_args=0),
}
# `docker container ls` and friends: the words as typed → the command the lab models.
ALIASES = {
    ("ps",): "ps", ("container", "ls"): "ps", ("container", "ps"): "ps", ("container", "list"): "ps",
    ("images",): "images", ("image", "ls"): "images", ("image", "list"): "images",
    ("run",): "run", ("container", "run"): "run", ("create",): "create", ("container", "create"): "create",
    ("start",): "start", ("container", "start"): "start", ("attach",): "attach", ("container", "attach"): "attach",
    ("exec",): "exec", ("container", "exec"): "exec", ("version",): "version", ("info",): "info",
    ("system", "info"): "info",
}


@dataclass(frozen=True)
class FlagUse:
    """One option as given: its long name, how it was spelled, and its value ("true"/"false" for booleans)."""

    name: str
    spelled: str
    value: str


@dataclass(frozen=True)
class CommandLineError:
    """The first line the CLI prints (a usage reminder follows it) and its exit status; `code` says which
    kind of error, for the lab's words."""

    code: str
    cli_text: str
    exit_status: int = 125


@dataclass
class CommandLine:
    text: str
    words: list[str] = field(default_factory=list)
    assignments: dict[str, str] = field(default_factory=dict)  # `NAME=value docker …`
    global_flags: list[FlagUse] = field(default_factory=list)
    command_words: tuple[str, ...] = ()
    command: str | None = None  # the modelled command (ps, images, run, …), None when not modelled
    flags: list[FlagUse] = field(default_factory=list)
    args: list[str] = field(default_factory=list)
    error: CommandLineError | None = None

    def global_values(self, name: str) -> list[str]:
        return [use.value for use in self.global_flags if use.name == name]

    def global_value(self, name: str) -> str | None:
        """The last value of a global option (pflag keeps the last), None when absent."""
        values = self.global_values(name)
        return values[-1] if values else None

    def has_global(self, name: str) -> bool:
        return any(use.name == name for use in self.global_flags)

    def values(self, name: str) -> list[str]:
        return [use.value for use in self.flags if use.name == name]

    def value(self, name: str) -> str | None:
        values = self.values(name)
        return values[-1] if values else None

    def flag_on(self, name: str) -> bool:
        value = self.value(name)
        return value is not None and value == "true"

    @property
    def is_empty(self) -> bool:
        return not self.words


class _Stop(Exception):
    def __init__(self, error: CommandLineError) -> None:
        super().__init__(error.cli_text)
        self.error = error


def parse_command_line(text: str) -> CommandLine:
    """Parse `docker …` (or nothing); errors are kept in `.error`, never raised."""
    line = CommandLine(text)
    if len(text) > MAX_LINE:
        line.error = CommandLineError("too_long", "", 0)
        return line
    try:
        words = shlex.split(text, posix=True)
    except ValueError:
        line.error = CommandLineError("unbalanced_quotes", "", 0)
        return line
    while words and _ASSIGNMENT.match(words[0]):
        name, _, value = words.pop(0).partition("=")
        line.assignments[name] = value
    line.words = words
    if not words:
        return line
    if words[0] != "docker":
        line.error = CommandLineError("not_docker", "", 0)
        return line
    try:
        rest = _parse_flags(words[1:], GLOBAL_FLAGS, line.global_flags, interspersed=False, args=[])
    except _Stop as stop:
        line.error = stop.error
        return line
    if line.has_global("help") or line.has_global("version") or not rest:
        return line
    try:
        _parse_command(line, rest)
    except _Stop as stop:
        line.error = stop.error
    return line


def _parse_command(line: CommandLine, rest: list[str]) -> None:
    head = rest[0]
    if head not in DOCKER_COMMANDS:
        raise _Stop(CommandLineError(
"unknown_command", f"docker: unknown command: docker {head}", 1))
    two = tuple(rest[:2])
    words, name = (two, ALIASES[two]) if two in ALIASES else ((head,), ALIASES.get((head,)))
    line.command_words = words
    tail = rest[len(words):]
    if name is None:
        if head == "stack":
            _scan_orchestrator(line, tail)
        else:
            line.args = tail
        return
    spec = COMMANDS[name]
    line.command = name
    path = "docker " + " ".join(words)
    args: list[str] = []
    remaining = _parse_flags(tail, spec.flags, line.flags, interspersed=spec.interspersed, args=args)
    line.args = args + remaining
    if line.values("help"):
        return
    count = len(line.args)
    problem = None
    if spec.max_args == 0 and count:
        problem = "accepts no arguments"
    elif spec.max_args is not None and spec.max_args == spec.min_args and count != spec.min_args:
        problem = f"requires {spec.min_args} argument{'s' if spec.min_args != 1 else ''}"
    elif count < spec.min_args:
        problem = f"requires at least {spec.min_args} argument{'s' if spec.min_args != 1 else ''}"
    elif spec.max_args is not None and count > spec.max_args:
        problem = f"requires at most {spec.max_args} argument{'s' if spec.max_args != 1 else ''}"
    if problem:
        raise _Stop(CommandLineError("wrong_arguments", f"docker: '{path}' {problem}", 1))


def _scan_orchestrator(line: CommandLine, tail: list[str]) -> None:
    """`docker stack …`: only the deprecated --orchestrator matters here (any value, ignored since 23.0)."""
    line.args = tail
    for index, word in enumerate(tail):
        if word == "--":
            return
        if word.startswith("--orchestrator="):
            line.flags.append(FlagUse("orchestrator", "--orchestrator", word.split("=", 1)[1]))
        elif word == "--orchestrator" and index + 1 < len(tail):
            line.flags.append(FlagUse("orchestrator", "--orchestrator", tail[index + 1]))


def _parse_flags(
    words: list[str], specs: dict[str, FlagSpec], uses: list[FlagUse], *, interspersed: bool, args: list[str]
) -> list[str]:
    """pflag's parse loop; returns the words left once options stop (the command and its arguments)."""
    shorts = {spec.short: spec for spec in specs.values() if spec.short}
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        if word == "--":
            if interspersed:
                args.extend(words[index:])
                return []
            return words[index:]
        if not word.startswith("-") or word == "-":
            if not interspersed:
                return words[index - 1:]
            args.append(word)
            continue
        if word.startswith("--"):
            name, has_value, value = word[2:].partition("=")
            spec = specs.get(name)
            if spec is None:
                raise _Stop(CommandLineError("unknown_flag", f"unknown flag: --{name}"))
            if spec.kind == "bool":
                uses.append(FlagUse(name, f"--{name}", _bool(spec, value if has_value else "true")))
                continue
            if not has_value:
                if index >= len(words):
                    raise _Stop(CommandLineError("missing_value", f"flag needs an argument: --{name}"))
                value = words[index]
                index += 1
            uses.append(FlagUse(name, f"--{name}", _check(spec, value)))
            continue
        letters = word[1:]
        while letters:
            letter = letters[0]
            spec = shorts.get(letter)
            if spec is None:
                raise _Stop(CommandLineError("unknown_flag", f"unknown shorthand flag: '{letter}' in -{letters}"))
            if len(letters) > 2 and letters[1] == "=":
                value, letters = letters[2:], ""
            elif spec.kind == "bool":
                value, letters = "true", letters[1:]
            elif len(letters) > 1:
                value, letters = letters[1:], ""
            elif index < len(words):
                value, letters = words[index], ""
                index += 1
            else:
                raise _Stop(CommandLineError("missing_value", f"flag needs an argument: '{letter}' in -{letter}"))
            value = _bool(spec, value) if spec.kind == "bool" else _check(spec, value)
            uses.append(FlagUse(spec.long, f"-{letter}", value))
    return []


def _invalid(spec: FlagSpec, value: str, reason: str) -> _Stop:
    return _Stop(CommandLineError(
        "invalid_value", f"invalid argument {quote(value)} for {quote(spec.label)} flag: {reason}"))


def _bool(spec: FlagSpec, value: str) -> str:
    if value not in _BOOL_VALUES:
        raise _invalid(spec, value, f"strconv.ParseBool: parsing {quote(value)}: invalid syntax")
    return "true" if _BOOL_VALUES[value] else "false"


def _check(spec: FlagSpec, value: str) -> str:
    """The validations pflag runs when the option is set (Docker's own types for filters and env)."""
    if spec.kind == "int" and parse_int(value) is None:
        raise _invalid(spec, value, f"strconv.ParseInt: parsing {quote(value)}: invalid syntax")
    if spec.kind == "filter" and "=" not in value:
        raise _invalid(spec, value, "bad format of filter (expected name=value)")
    if spec.kind == "env" and value.partition("=")[0] == "":
        raise _invalid(spec, value, f"invalid environment variable: {value}")
    return value
