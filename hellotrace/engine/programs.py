"""The programs a mock container runs, simulated: what they write, when, and how they exit.

``plan(ctx)`` turns a container's command into a ``Script``: ordered writes to stdout or
stderr, pauses, and an exit code. The caller plays it (framing, pacing, TTY handling).

hello-world holds a single program, ``/hello``. The alpine and busybox images run BusyBox,
so their commands follow BusyBox 1.37's applets and its ``ash`` shell: ``echo``, ``printf``,
``cat``, ``ls``, ``env``, ``printenv``, ``id``, ``whoami``, ``uname``, ``arch``, ``hostname``,
``date``, ``pwd``, ``sleep``, ``true``, ``false``, ``busybox APPLET`` and ``sh``/``ash``.
The shell runs simple commands joined by ``;``, ``&&``, ``||`` and newlines, with quoting,
``$VAR``/``${VAR}``/``$?``/``$$``/``$1``… expansion, assignments, globbing of ``/``, and the
builtins ``cd``, ``exit``, ``export``, ``unset`` and ``:``. Error texts are the real ones,
usage errors aside (only their "Usage:" line is written). Anything else that exists in the
image (``ps``, pipes, redirections, ``if``…) is not pretended: it says it is not simulated.
A command that does not exist fails like Docker 29 fails it (``ExecutableNotFound``).
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from hellotrace.engine.catalog import DEFAULT_PATH_ENV, CatalogImage
from hellotrace.engine.hello import HELLO_MESSAGE

# The simulated host's kernel (Debian 12), also what the engine reports as KernelVersion.
KERNEL_VERSION = "6.1.0-39-amd64"
KERNEL_BUILD = "#1 SMP PREEMPT_DYNAMIC Debian 6.1.148-1 (2025-08-26)"
MACHINE = "x86_64"

STDOUT = 1
STDERR = 2


@dataclass(frozen=True)
class Write:
    """One write(2) of the container process: one stdcopy frame when attached without a TTY."""

    stream: int  # 1 stdout, 2 stderr
    data: bytes


@dataclass(frozen=True)
class Sleep:
    """A pause in the program's output (``sleep N``)."""

    seconds: float


@dataclass(frozen=True)
class Script:
    """What a container's process does, in order, and the exit code it ends with."""

    steps: tuple[Write | Sleep, ...]
    exit_code: int


@dataclass(frozen=True)
class ProcessContext:
    """What a process starts with; ``argv`` is Entrypoint + Cmd, ``env`` image + container Env."""

    image: CatalogImage
    argv: tuple[str, ...]
    env: tuple[str, ...]
    hostname: str
    working_dir: str
    now: datetime


class ExecutableNotFound(Exception):
    """``argv[0]`` cannot be started: the text Docker 29's start returns (400).

    Missing commands say "executable file not found in $PATH" or "no such file or
    directory" (the CLI then exits 127); a directory or a non-executable file says
    "permission denied" (126).
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


_OCI_EXEC_ERROR = (
    "failed to create task for container: failed to create shim task: OCI runtime create "
    "failed: runc create failed: unable to start container process: error during container "
    "init: exec: "
)


def plan(ctx: ProcessContext) -> Script:
    """Simulate the container's process from start to exit; raise if it cannot start."""
    if not ctx.argv:
        raise ValueError("no command: the daemon refuses such a container at create time")
    machine = _Machine(ctx)
    env = _process_env(ctx)
    cwd = ctx.working_dir or "/"
    command = _exec_lookup(machine.rootfs, ctx.argv[0], _env_value(env, "PATH"), cwd)
    code = machine.run(command, _Proc(list(ctx.argv), env, cwd))
    return Script(tuple(machine.steps), code & 0xFF)


# --------------------------------------------------------------------------- the images


_BIN = (
    "arch ash base64 busybox cat chmod chown cp date dd df dmesg echo false grep gunzip gzip "
    "hostname kill ln ls mkdir mktemp more mount mv netstat ping printenv ps pwd rm rmdir "
    "sed sh sleep stat tar touch true uname vi watch"
).split()
_USR_BIN = (
    "[ awk basename cut diff dirname du env expr find free head hexdump id less md5sum nc "
    "nproc nslookup od printf readlink realpath seq sha256sum sort tail tee test top tr "
    "traceroute uniq uptime wc wget which whoami xargs yes"
).split()
_SBIN = ("ifconfig", "ip")

_ALPINE_TOP = (
    "bin dev etc home lib media mnt opt proc root run sbin srv sys tmp usr var".split()
)
_BUSYBOX_TOP = "bin dev etc home proc root sys tmp usr var".split()
_ALPINE_GROUPS = (
    (0, "root"), (1, "bin"), (2, "daemon"), (3, "sys"), (4, "adm"), (6, "disk"),
    (10, "wheel"), (11, "floppy"), (20, "dialout"), (26, "tape"), (27, "video"),
)
_BUSYBOX_GROUPS = ((0, "root"), (10, "wheel"))
# Docker bind-mounts these into every container; their content is not simulated.
_DOCKER_FILES = ("/etc/hosts", "/etc/resolv.conf")


@dataclass(frozen=True)
class _Rootfs:
    """Just enough of an image's filesystem to answer the simulated commands truthfully."""

    dirs: frozenset[str]
    programs: dict[str, str]  # absolute path -> program
    files: dict[str, bytes]  # regular files whose content is simulated
    opaque_files: frozenset[str]  # regular files that exist, content not simulated
    empty_dirs: frozenset[str]
    groups: tuple[tuple[int, str], ...] = ()
    os_name: str = "Linux"  # uname -o
    getopt_style: str = "musl"

    def kind(self, path: str) -> str | None:
        if path in self.programs:
            return "program"
        if path in self.dirs:
            return "dir"
        if path in self.files or path in self.opaque_files:
            return "file"
        return None

    def top_level(self) -> list[str]:
        names = {p[1:] for p in (*self.dirs, *self.programs, *self.files, *self.opaque_files)}
        return sorted(name for name in names if name and "/" not in name)


def _rootfs(image: CatalogImage, hostname: str) -> _Rootfs:
    hostname_file = {"/etc/hostname": f"{hostname}\n".encode()}
    if image.repository == "library/hello-world":
        return _Rootfs(
            dirs=frozenset({"/", "/dev", "/etc", "/proc", "/sys"}),
            programs={"/hello": "hello"},
            files=hostname_file,
            opaque_files=frozenset({*_DOCKER_FILES, "/.dockerenv"}),
            empty_dirs=frozenset(),
        )
    if image.repository == "library/alpine":
        programs = {
            f"/{where}/{name}": name
            for where, names in (("bin", _BIN), ("usr/bin", _USR_BIN), ("sbin", _SBIN))
            for name in names
        }
        programs["/sbin/apk"] = "apk"
        release = image.release
        edge = "_alpha" in release
        os_release = (
            'NAME="Alpine Linux"\nID=alpine\n'
            f"VERSION_ID={release}\n"
            f'PRETTY_NAME="Alpine Linux {"edge" if edge else "v" + ".".join(release.split(".")[:2])}"\n'
            'HOME_URL="https://alpinelinux.org/"\n'
            'BUG_REPORT_URL="https://gitlab.alpinelinux.org/alpine/aports/-/issues"\n'
        )
        etc = "fstab group hostname inittab issue motd nsswitch.conf passwd profile protocols"
        etc += " services shadow shells"
        return _Rootfs(
            dirs=frozenset(
                {"/", *(f"/{d}" for d in _ALPINE_TOP), "/usr/bin", "/usr/sbin", "/usr/lib",
                 "/usr/local", "/usr/share", "/etc/apk"}
            ),
            programs=programs,
            files={
                **hostname_file,
                "/etc/os-release": os_release.encode(),
                "/etc/alpine-release": f"{release}\n".encode(),
            },
            opaque_files=frozenset(
                {*(f"/etc/{f}" for f in etc.split()), *_DOCKER_FILES, "/.dockerenv"}
            )
            - {"/etc/hostname"},
            empty_dirs=frozenset({"/home", "/mnt", "/opt", "/root", "/srv", "/tmp"}),
            groups=_ALPINE_GROUPS,
        )
    # busybox: every applet is installed in /bin; glibc builds add the C library.
    top = [*_BUSYBOX_TOP, *(["lib", "lib64"] if image.variant == "glibc" else [])]
    programs = {f"/bin/{name}": name for name in (*_BIN, *_USR_BIN, *_SBIN)}
    programs["/usr/bin/env"] = "env"
    opaque = {"/etc/group", "/etc/passwd", "/etc/shadow", "/etc/localtime", "/.dockerenv"}
    if image.variant == "glibc":
        opaque.add("/etc/nsswitch.conf")
    return _Rootfs(
        dirs=frozenset({"/", *(f"/{d}" for d in top), "/usr/bin", "/etc/network"}),
        programs=programs,
        files=hostname_file,
        opaque_files=frozenset({*opaque, *_DOCKER_FILES}),
        empty_dirs=frozenset({"/home", "/root", "/tmp"}),
        groups=_BUSYBOX_GROUPS,
        os_name="GNU/Linux",
        getopt_style="musl" if image.variant == "musl" else "glibc",
    )


def _process_env(ctx: ProcessContext) -> list[str]:
    """The daemon's environment (PATH, HOSTNAME, then Env), and runc's HOME when missing."""
    env = [DEFAULT_PATH_ENV, f"HOSTNAME={ctx.hostname}"]
    for entry in ctx.env:
        name = entry.split("=", 1)[0]
        for index, current in enumerate(env):
            if current.split("=", 1)[0] == name:
                env[index] = entry
                break
        else:
            env.append(entry)
    if _env_value(env, "HOME") is None:
        env.append("HOME=/root")
    return env


def _env_value(env: list[str], name: str) -> str | None:
    for entry in env:
        key, sep, value = entry.partition("=")
        if key == name and sep:
            return value
    return None


def _exec_lookup(rootfs: _Rootfs, arg0: str, path_env: str | None, cwd: str) -> str:
    """runc's exec: a path is used as given, a bare name is searched in the process's PATH."""
    if "/" in arg0:
        kind = rootfs.kind(_resolve(cwd, arg0))
        if kind == "program":
            return rootfs.programs[_resolve(cwd, arg0)]
        if kind == "dir":
            raise ExecutableNotFound(f'{_OCI_EXEC_ERROR}"{arg0}": is a directory: permission denied')
        if kind == "file":
            raise ExecutableNotFound(f'{_OCI_EXEC_ERROR}"{arg0}": permission denied')
        raise ExecutableNotFound(
            f'{_OCI_EXEC_ERROR}"{arg0}": stat {arg0}: no such file or directory'
        )
    found = _path_search(rootfs, arg0, path_env, cwd)
    if found is None:
        raise ExecutableNotFound(f'{_OCI_EXEC_ERROR}"{arg0}": executable file not found in $PATH')
    return found


def _path_search(rootfs: _Rootfs, name: str, path_env: str | None, cwd: str) -> str | None:
    for directory in (path_env or "").split(":"):
        candidate = _resolve(cwd, posixpath.join(directory or ".", name))
        if candidate in rootfs.programs:
            return rootfs.programs[candidate]
    return None


def _resolve(cwd: str, path: str) -> str:
    return posixpath.normpath(posixpath.join(cwd, path)).replace("//", "/")


# ------------------------------------------------------------------------ the machine


@dataclass
class _Proc:
    """One process: its arguments, environment and directory; ``applet`` names it in errors."""

    argv: list[str]
    env: list[str]
    cwd: str
    applet: str = ""

    def __post_init__(self) -> None:
        if not self.applet:
            self.applet = posixpath.basename(self.argv[0])


class _Machine:
    """Collects the steps of the simulated process tree."""

    def __init__(self, ctx: ProcessContext) -> None:
        self.ctx = ctx
        self.rootfs = _rootfs(ctx.image, ctx.hostname)
        self.steps: list[Write | Sleep] = []
        self.now = ctx.now if ctx.now.tzinfo else ctx.now.replace(tzinfo=UTC)
        self._last_pid = 0

    def new_pid(self) -> int:
        self._last_pid += 1
        return self._last_pid

    def out(self, text: str | bytes) -> None:
        self._write(STDOUT, text)

    def err(self, text: str | bytes) -> None:
        self._write(STDERR, text)

    def _write(self, stream: int, text: str | bytes) -> None:
        data = text.encode("utf-8", "surrogateescape") if isinstance(text, str) else text
        if data:
            self.steps.append(Write(stream, data))

    def run(self, program: str, proc: _Proc) -> int:
        self.new_pid()
        handler = _PROGRAMS.get(program)
        if handler is None:
            return _not_simulated(self, proc.applet)
        return handler(self, proc)


def _not_simulated(machine: _Machine, name: str) -> int:
    machine.err(f"{name}: not simulated by hellotrace's mock engine\n")
    return 1


def _usage(machine: _Machine, synopsis: str) -> int:
    """BusyBox's usage screen, reduced to its "Usage:" line."""
    machine.err(f"Usage: {synopsis}\n")
    return 1


def _bad_option(machine: _Machine, proc: _Proc, option: str, synopsis: str) -> int:
    if machine.rootfs.getopt_style == "glibc":
        machine.err(f"{proc.applet}: invalid option -- '{option}'\n")
    else:
        machine.err(f"{proc.applet}: unrecognized option: {option}\n")
    return _usage(machine, synopsis)


def _short_options(
    machine: _Machine, proc: _Proc, allowed: str, synopsis: str
) -> tuple[set[str], list[str]] | int:
    """getopt for single-letter flags; returns (flags, operands) or the exit code of an error."""
    flags: set[str] = set()
    args = proc.argv[1:]
    while args and args[0].startswith("-") and args[0] != "-":
        arg = args.pop(0)
        if arg == "--":
            break
        for letter in arg[1:]:
            if letter not in allowed:
                return _bad_option(machine, proc, letter, synopsis)
            flags.add(letter)
    return flags, args


# ------------------------------------------------------------------------ the programs


def _hello(machine: _Machine, proc: _Proc) -> int:
    machine.out(HELLO_MESSAGE)
    return 0


def _true(machine: _Machine, proc: _Proc) -> int:
    return 0


def _false(machine: _Machine, proc: _Proc) -> int:
    return 1


def _echo(machine: _Machine, proc: _Proc) -> int:
    """BusyBox echo: leading -n/-e/-E clusters are options, ``-e`` enables backslash escapes."""
    args = proc.argv[1:]
    newline, escapes = True, False
    while args and args[0].startswith("-") and len(args[0]) > 1 and set(args[0][1:]) <= set("neE"):
        for letter in args.pop(0)[1:]:
            if letter == "n":
                newline = False
            else:
                escapes = letter == "e"
    out = bytearray()
    for index, arg in enumerate(args):
        if escapes:
            text, stop = _unescape(arg, echo=True)
            out += text
            if stop:
                machine.out(bytes(out))
                return 0
        else:
            out += arg.encode("utf-8", "surrogateescape")
        if index < len(args) - 1:
            out += b" "
    if newline:
        out += b"\n"
    machine.out(bytes(out))
    return 0


_ESCAPES = {"a": 7, "b": 8, "e": 27, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11, "\\": 92}


def _escape_sequence(text: str, pos: int) -> tuple[int, int]:
    """BusyBox's ``bb_process_escape_sequence``: the byte for the escape at ``pos``, new pos."""
    start, base, digits, value = pos, 8, 0, 0
    if pos < len(text) and text[pos] == "x":
        pos, base, digits = pos + 1, 16, 1
    while True:
        char = text[pos] if pos < len(text) else ""
        digit = int(char, 16) if char and char in "0123456789abcdefABCDEF" else 99
        if digit >= base:
            if base == 16:
                digits -= 1
                if digits == 0:
                    return 92, start  # "\x" without hex digits: a backslash, then "x"
            break
        if value * base + digit > 255:
            break
        value, pos, digits = value * base + digit, pos + 1, digits + 1
        if digits >= 3:
            break
    if digits == 0:
        char = text[pos] if pos < len(text) else ""
        if char in _ESCAPES:
            return _ESCAPES[char], pos + 1
        return 92, pos
    return value, pos


def _unescape(text: str, *, echo: bool) -> tuple[bytes, bool]:
    """Process backslash escapes (echo -e, printf formats); True when ``\\c`` stops output."""
    out = bytearray()
    pos = 0
    while pos < len(text):
        char = text[pos]
        pos += 1
        if char != "\\":
            out += char.encode("utf-8", "surrogateescape")
            continue
        if pos < len(text) and text[pos] == "c":
            return bytes(out), True
        if echo and pos + 1 < len(text) and text[pos] == "0" and text[pos + 1] in "01234567":
            pos += 1
        byte, pos = _escape_sequence(text, pos)
        out.append(byte)
    return bytes(out), False


_PRINTF_DIRECTIVE = re.compile(r"%([-+ #0]*)(\*|\d*)(?:\.(\*|\d*))?[lhz]*(.?)")


def _parse_number(text: str) -> int | None:
    """strtoll(text, 0): decimal, 0x hex or 0 octal, or a 'c character constant."""
    if text[:1] in ("'", '"'):
        return ord(text[1]) if len(text) > 1 else 0
    body = text.strip(" \t\n")
    sign = -1 if body.startswith("-") else 1
    body = body.lstrip("+-") if body[:1] in "+-" else body
    try:
        if body[:2].lower() == "0x":
            return sign * int(body[2:], 16)
        if body.startswith("0") and len(body) > 1:
            return sign * int(body[1:], 8)
        return sign * int(body, 10) if body.isdigit() else None
    except ValueError:
        return None


def _printf(machine: _Machine, proc: _Proc) -> int:
    """BusyBox printf: %s %b %c %d %i %o %u %x %X %f %e %g %%, width, precision, reuse."""
    args = proc.argv[1:]
    if args[:1] == ["--"]:
        args = args[1:]
    if not args:
        if proc.applet != "printf":  # the shell builtin
            machine.err(f"{proc.applet}: usage: printf FORMAT [ARGUMENT...]\n")
            return 2
        return _usage(machine, "printf FORMAT [ARG]...")
    fmt, rest = args[0], args[1:]
    out = bytearray()
    failed = False

    def number(arg: str, conversion: str) -> int | float:
        nonlocal failed
        if conversion in "feEgG":
            try:
                return float(arg) if arg.strip() else 0.0
            except ValueError:
                failed = True
                machine.err(f"{proc.applet}: invalid number '{arg}'\n")
                return 0.0
        value = _parse_number(arg) if arg else 0
        if value is None:
            failed = True
            machine.err(f"{proc.applet}: invalid number '{arg}'\n")
            return 0
        return value & 0xFFFFFFFFFFFFFFFF if conversion in "ouxX" else value

    while True:
        consumed_from = len(rest)
        pos = 0
        while pos < len(fmt):
            char = fmt[pos]
            if char == "\\":
                if fmt[pos + 1 : pos + 2] == "c":
                    machine.out(bytes(out))
                    return 1 if failed else 0
                byte, pos = _escape_sequence(fmt, pos + 1)
                out.append(byte)
                continue
            if char != "%":
                out += char.encode("utf-8", "surrogateescape")
                pos += 1
                continue
            if fmt[pos + 1 : pos + 2] == "%":
                out += b"%"
                pos += 2
                continue
            if fmt[pos + 1 : pos + 2] == "b":
                if rest:
                    text, stop = _unescape(rest.pop(0), echo=True)
                    out += text
                    if stop:
                        machine.out(bytes(out))
                        return 1 if failed else 0
                pos += 2
                continue
            match = _PRINTF_DIRECTIVE.match(fmt, pos)
            assert match is not None  # the pattern matches any "%…"
            flags, width, precision, conversion = match.groups()
            if not conversion or conversion not in "diouxXfeEgGcs":
                machine.out(bytes(out))
                machine.err(f"{proc.applet}: {fmt[pos:]}: invalid format\n")
                return 1
            if width == "*":
                width = str(number(rest.pop(0), "d")) if rest else "0"
            if precision == "*":
                precision = str(number(rest.pop(0), "d")) if rest else "0"
            arg = rest.pop(0) if rest else ""
            spec = "%" + flags + width + ("." + precision if precision is not None else "")
            if conversion == "c":
                out += (spec + "c").encode() % (arg.encode("utf-8", "surrogateescape")[:1] or b"\0")
            elif conversion == "s":
                out += (spec + "s").encode() % arg.encode("utf-8", "surrogateescape")
            else:
                value = number(arg, conversion)
                out += ((spec + conversion.replace("u", "d")) % value).encode()
            pos = match.end()
        if not rest or len(rest) == consumed_from:
            break
    machine.out(bytes(out))
    return 1 if failed else 0


def _cat(machine: _Machine, proc: _Proc) -> int:
    code = 0
    for name in proc.argv[1:] or ["-"]:
        if name == "-":
            continue  # no stdin: nothing to copy
        if name.startswith("-"):
            return _not_simulated(machine, f"{proc.applet} {name}")
        path = _resolve(proc.cwd, name)
        kind = machine.rootfs.kind(path)
        if path in machine.rootfs.files:
            machine.out(machine.rootfs.files[path])
        elif kind == "file":
            return _not_simulated(machine, f"{proc.applet} {name}")
        elif kind is not None:
            machine.err(f"{proc.applet}: read error: Is a directory\n")
            code = 1
        else:
            machine.err(f"{proc.applet}: can't open '{name}': No such file or directory\n")
            code = 1
    return code


def _ls(machine: _Machine, proc: _Proc) -> int:
    """``ls`` one name per line (output is not a terminal), for what the model knows."""
    parsed = _short_options(machine, proc, "1aA", "ls [-1aA] [FILE]...")
    if isinstance(parsed, int):
        return parsed
    flags, names = parsed
    rootfs = machine.rootfs
    code, files, dirs = 0, [], []
    for name in names or ["."]:
        path = _resolve(proc.cwd, name)
        kind = rootfs.kind(path)
        if kind is None:
            machine.err(f"{proc.applet}: {name}: No such file or directory\n")
            code = 1
        elif kind == "dir":
            if path != "/" and path not in rootfs.empty_dirs:
                return _not_simulated(machine, f"{proc.applet} {name}")
            dirs.append((name, path))
        else:
            files.append(name)
    blocks = ["".join(f"{name}\n" for name in sorted(files))] if files else []
    for name, path in sorted(dirs):
        entries = rootfs.top_level() if path == "/" else []
        if "a" in flags or "A" in flags:
            entries = sorted({*entries, *([".dockerenv"] if path == "/" else [])})
        if "a" in flags:
            entries = [".", "..", *entries]
        else:
            entries = [e for e in entries if "a" in flags or "A" in flags or not e.startswith(".")]
        header = f"{name}:\n" if len(files) + len(dirs) > 1 else ""
        blocks.append(header + "".join(f"{entry}\n" for entry in entries))
    machine.out("\n".join(blocks))
    return code


def _uname(machine: _Machine, proc: _Proc) -> int:
    parsed = _short_options(machine, proc, "snrvmpioa", "uname [-amnrspvio]")
    if isinstance(parsed, int):
        return parsed
    flags, _ = parsed
    everything = "a" in flags
    fields = [
        ("s", "Linux"), ("n", machine.ctx.hostname), ("r", KERNEL_VERSION), ("v", KERNEL_BUILD),
        ("m", MACHINE), ("p", "" if everything else "unknown"), ("i", "" if everything else "unknown"),
        ("o", machine.rootfs.os_name),
    ]
    chosen = [value for letter, value in fields if (everything or letter in flags) and value]
    machine.out(" ".join(chosen or ["Linux"]) + "\n")
    return 0


def _arch(machine: _Machine, proc: _Proc) -> int:
    machine.out(f"{MACHINE}\n")
    return 0


def _hostname(machine: _Machine, proc: _Proc) -> int:
    parsed = _short_options(machine, proc, "s", "hostname [-sidf] [HOSTNAME | -F FILE]")
    if isinstance(parsed, int):
        return parsed
    flags, names = parsed
    if names:
        machine.err(f"{proc.applet}: sethostname: Operation not permitted\n")
        return 1
    name = machine.ctx.hostname
    machine.out((name.split(".")[0] if "s" in flags else name) + "\n")
    return 0


def _date(machine: _Machine, proc: _Proc) -> int:
    """``date`` in UTC (the container has no other zone): default, +FORMAT, -u, -R, -I."""
    fmt = "%a %b %e %H:%M:%S %Z %Y"
    args = proc.argv[1:]
    while args and args[0].startswith("-") and args[0] != "-":
        option = args.pop(0)
        if option == "-R":
            fmt = "%a, %d %b %Y %H:%M:%S %z"
        elif option == "-I":
            fmt = "%Y-%m-%d"
        elif option != "-u":
            return _bad_option(machine, proc, option[1:2], "date [OPTIONS] [+FMT] [[-s] TIME]")
    if args and args[0].startswith("+"):
        fmt = args.pop(0)[1:]
    if args:
        return _not_simulated(machine, f"{proc.applet} {args[0]}")
    machine.out(_strftime(machine.now, fmt) + "\n")
    return 0


def _strftime(moment: datetime, fmt: str) -> str:
    """C strftime in the C locale, UTC; %e and %s done here so no platform quirk leaks in."""

    def replace(match: re.Match[str]) -> str:
        spec = match.group(1)
        if spec == "e":
            return f"{moment.day:2d}"
        if spec == "s":
            return str(int(moment.timestamp()))
        if spec in "aAbBcdDFHIjmMnprRStTuwxXyYzZ%h":
            return moment.strftime("%" + spec)
        return match.group(0)

    return re.sub(r"%(.)", replace, fmt)


def _env(machine: _Machine, proc: _Proc) -> int:
    """``env [-i] [-u NAME] [NAME=VALUE]... [COMMAND [ARG]...]``."""
    args = proc.argv[1:]
    env = list(proc.env)
    while args and args[0].startswith("-") and args[0] != "-":
        option = args.pop(0)
        if option == "-i":
            env = []
        elif option == "-u" and args:
            name = args.pop(0)
            env = [entry for entry in env if entry.split("=", 1)[0] != name]
        else:
            return _bad_option(machine, proc, option[1:2], "env [-i] [-u NAME]... [-] [NAME=VALUE]... [PROG ARGS]")
    if args[:1] == ["-"]:
        env, args = [], args[1:]
    while args and "=" in args[0]:
        assignment = args.pop(0)
        name = assignment.split("=", 1)[0]
        env = [entry for entry in env if entry.split("=", 1)[0] != name] + [assignment]
    if not args:
        machine.out("".join(f"{entry}\n" for entry in env))
        return 0
    program = _lookup_command(machine.rootfs, args[0], _env_value(env, "PATH"), proc.cwd)
    if program is None:
        machine.err(f"{proc.applet}: can't execute '{args[0]}': No such file or directory\n")
        return 127
    return machine.run(program, _Proc(args, env, proc.cwd))


def _printenv(machine: _Machine, proc: _Proc) -> int:
    names = proc.argv[1:]
    if not names:
        machine.out("".join(f"{entry}\n" for entry in proc.env))
        return 0
    values = [_env_value(proc.env, name) for name in names]
    machine.out("".join(f"{value}\n" for value in values if value is not None))
    return 0 if all(value is not None for value in values) else 1


def _id(machine: _Machine, proc: _Proc) -> int:
    parsed = _short_options(machine, proc, "ugGnr", "id [-ugGnr] [USER]")
    if isinstance(parsed, int):
        return parsed
    flags, users = parsed
    if users and users != ["root"]:
        machine.err(f"{proc.applet}: unknown user {users[0]}\n")
        return 1
    groups = machine.rootfs.groups
    names = "n" in flags
    if "u" in flags or "g" in flags:
        machine.out(("root" if names else "0") + "\n")
    elif "G" in flags:
        machine.out(" ".join(name if names else str(gid) for gid, name in groups) + "\n")
    else:
        listed = ",".join(f"{gid}({name})" for gid, name in groups)
        machine.out(f"uid=0(root) gid=0(root) groups={listed}\n")
    return 0


def _whoami(machine: _Machine, proc: _Proc) -> int:
    machine.out("root\n")
    return 0


def _pwd(machine: _Machine, proc: _Proc) -> int:
    machine.out(proc.cwd + "\n")
    return 0


_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)([smhd]?)")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def _sleep(machine: _Machine, proc: _Proc) -> int:
    if len(proc.argv) < 2:
        return _usage(machine, "sleep [N]...")
    total = 0.0
    for arg in proc.argv[1:]:
        match = _DURATION.fullmatch(arg)
        if match is None:
            machine.err(f"{proc.applet}: invalid number '{arg}'\n")
            return 1
        total += float(match.group(1)) * _UNITS[match.group(2)]
    if total > 0:
        machine.steps.append(Sleep(total))
    return 0


def _busybox(machine: _Machine, proc: _Proc) -> int:
    if len(proc.argv) < 2 or proc.argv[1].startswith("-"):
        return _not_simulated(machine, " ".join(proc.argv[:2]))
    applet = proc.argv[1]
    if applet not in {*_BIN, *_USR_BIN, *_SBIN}:
        machine.err(f"{applet}: applet not found\n")
        return 127
    return machine.run(applet, _Proc(proc.argv[1:], proc.env, proc.cwd))


def _sh(machine: _Machine, proc: _Proc) -> int:
    return _Shell(machine, proc).main()


def _lookup_command(rootfs: _Rootfs, name: str, path_env: str | None, cwd: str) -> str | None:
    if "/" in name:
        return rootfs.programs.get(_resolve(cwd, name))
    return _path_search(rootfs, name, path_env, cwd)


_PROGRAMS: dict[str, Callable[[_Machine, _Proc], int]] = {
    "hello": _hello,
    "true": _true,
    "false": _false,
    "echo": _echo,
    "printf": _printf,
    "cat": _cat,
    "ls": _ls,
    "uname": _uname,
    "arch": _arch,
    "hostname": _hostname,
    "date": _date,
    "env": _env,
    "printenv": _printenv,
    "id": _id,
    "whoami": _whoami,
    "pwd": _pwd,
    "sleep": _sleep,
    "busybox": _busybox,
    "sh": _sh,
    "ash": _sh,
}


# --------------------------------------------------------------------------- the shell


class _Unsupported(Exception):
    """Shell syntax the simulation does not run (said so, never faked)."""


class _SyntaxError(Exception):
    """A real ash syntax error; the message is ash's."""


@dataclass
class _Part:
    kind: str  # "lit" or "var"
    text: str
    quoted: bool


@dataclass
class _Word:
    parts: list[_Part]
    line: int

    def plain(self) -> str | None:
        """The word's text when it is a single unquoted literal (keywords, assignments)."""
        if len(self.parts) == 1 and self.parts[0].kind == "lit" and not self.parts[0].quoted:
            return self.parts[0].text
        return None


@dataclass
class _Command:
    words: list[_Word]
    line: int


@dataclass
class _AndOr:
    first: _Command
    rest: list[tuple[str, _Command]] = field(default_factory=list)


_KEYWORDS = {
    "if", "then", "else", "elif", "fi", "for", "while", "until", "do", "done", "case",
    "esac", "{", "}", "!", "[[", "function", "select",
}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ASSIGNMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=")


def _tokenize(script: str) -> list[_Word | str]:
    """Words and operators (``;`` ``&&`` ``||`` newline); raises on what is not simulated."""
    tokens: list[_Word | str] = []
    word: _Word | None = None
    line, pos, size = 1, 0, len(script)

    def add(kind: str, text: str, quoted: bool) -> None:
        nonlocal word
        if word is None:
            word = _Word([], line)
        word.parts.append(_Part(kind, text, quoted))

    def end_word() -> None:
        nonlocal word
        if word is not None:
            tokens.append(word)
            word = None

    def variable(at: int, quoted: bool) -> int:
        """Parse ``$…`` at ``at``; returns the position after it."""
        following = script[at + 1 : at + 2]
        if following == "{":
            close = script.find("}", at + 2)
            name = script[at + 2 : close] if close >= 0 else ""
            if close < 0 or not (_NAME.fullmatch(name) or name in "?$#@*" or name.isdigit()):
                raise _Unsupported("this ${...} parameter expansion")
            add("var", name, quoted)
            return close + 1
        if following == "(":
            raise _Unsupported("command substitution $(...)")
        name_match = _NAME.match(script, at + 1)
        if name_match:
            add("var", name_match.group(0), quoted)
            return name_match.end()
        if following and following in "?$#@*0123456789":
            add("var", following, quoted)
            return at + 2
        if following and following in "!-":
            raise _Unsupported(f"${following}")
        add("lit", "$", quoted)
        return at + 1

    while pos < size:
        char = script[pos]
        if char in " \t":
            end_word()
            pos += 1
        elif char == "\n":
            end_word()
            tokens.append("\n")
            line += 1
            pos += 1
        elif char == "#" and word is None:
            while pos < size and script[pos] != "\n":
                pos += 1
        elif char == ";":
            end_word()
            if script[pos + 1 : pos + 2] == ";":
                raise _Unsupported("';;'")
            tokens.append(";")
            pos += 1
        elif char in "&|":
            end_word()
            if script[pos + 1 : pos + 2] == char:
                tokens.append(char * 2)
                pos += 2
            else:
                raise _Unsupported("pipes (|)" if char == "|" else "background jobs (&)")
        elif char in "<>":
            raise _Unsupported("redirections (< >)")
        elif char in "()":
            raise _Unsupported("subshells ( )")
        elif char == "`":
            raise _Unsupported("command substitution `...`")
        elif char == "\\":
            if script[pos + 1 : pos + 2] == "\n":
                line += 1
            elif pos + 1 < size:
                add("lit", script[pos + 1], True)
            else:
                add("lit", "\\", False)
            pos += 2
        elif char == "'":
            close = script.find("'", pos + 1)
            if close < 0:
                raise _SyntaxError("unterminated quoted string")
            add("lit", script[pos + 1 : close], True)
            line += script.count("\n", pos, close)
            pos = close + 1
        elif char == '"':
            add("lit", "", True)
            pos += 1
            while True:
                if pos >= size:
                    raise _SyntaxError("unterminated quoted string")
                char = script[pos]
                if char == '"':
                    pos += 1
                    break
                if char == "\\" and script[pos + 1 : pos + 2] in ('"', "\\", "$", "`", "\n"):
                    if script[pos + 1] != "\n":
                        add("lit", script[pos + 1], True)
                    pos += 2
                elif char == "$":
                    pos = variable(pos, True)
                elif char == "`":
                    raise _Unsupported("command substitution `...`")
                else:
                    line += char == "\n"
                    add("lit", char, True)
                    pos += 1
        elif char == "$":
            pos = variable(pos, False)
        else:
            add("lit", char, False)
            pos += 1
    end_word()
    return tokens


def _merge(word: _Word) -> _Word:
    """Join adjacent literal parts of the same quoting (the tokenizer adds them one by one)."""
    merged: list[_Part] = []
    for part in word.parts:
        if merged and part.kind == "lit" == merged[-1].kind and part.quoted == merged[-1].quoted:
            merged[-1] = _Part("lit", merged[-1].text + part.text, part.quoted)
        else:
            merged.append(part)
    return _Word(merged, word.line)


def _parse(script: str) -> tuple[list[list[_AndOr]], Exception | None]:
    """Split a script into lines of and-or lists; a later line's error waits for its turn.

    ash reads a ``-c`` script one line at a time: the lines before an error still run.
    """
    try:
        tokens = _tokenize(script)
        error: Exception | None = None
    except (_Unsupported, _SyntaxError) as exc:
        error = exc
        bad_line = script.count("\n", 0, _error_offset(script, exc)) + 1
        tokens = _tokenize_lines(script, bad_line)
    lines: list[list[_AndOr]] = []
    current: list[_AndOr] = []
    pending: _AndOr | None = None
    operator: str | None = None
    words: list[_Word] = []

    def finish_command(token: str) -> None:
        nonlocal pending, operator, words
        if not words:
            raise _SyntaxError(f'unexpected "{token}"' if token != "\n" else "unexpected newline")
        plain = words[0].plain()
        if plain in _KEYWORDS:
            raise _Unsupported(f"the shell keyword '{plain}'")
        command = _Command([_merge(w) for w in words], words[0].line)
        if pending is None:
            pending = _AndOr(command)
        else:
            assert operator is not None
            pending.rest.append((operator, command))
        words = []

    try:
        for token in tokens:
            if isinstance(token, _Word):
                words.append(token)
                continue
            if token in ("&&", "||"):
                finish_command(token)
                operator = token
                continue
            if token == "\n" and not words and operator is not None:
                continue  # "a &&" newline "b"
            if token == ";" or words or pending is not None:
                finish_command(token)
            if pending is not None:
                current.append(pending)
                pending, operator = None, None
            if token == "\n":
                lines.append(current)
                current = []
        if words:
            finish_command("end of file")
        elif operator is not None:
            raise _SyntaxError("unexpected end of file")
        if pending is not None:
            current.append(pending)
        lines.append(current)
    except (_Unsupported, _SyntaxError) as exc:
        lines.append(current)
        return lines, exc
    return lines, error


def _error_offset(script: str, error: Exception) -> int:
    """Where the tokenizer stopped: found again by tokenizing growing prefixes of lines."""
    offset = 0
    for piece in script.split("\n"):
        try:
            _tokenize(script[: offset + len(piece)])
        except (_Unsupported, _SyntaxError):
            return offset
        offset += len(piece) + 1
    return offset


def _tokenize_lines(script: str, bad_line: int) -> list[_Word | str]:
    """Tokens of the lines before ``bad_line`` (they run before the error is reported)."""
    head = "\n".join(script.split("\n")[: bad_line - 1])
    return [*_tokenize(head), "\n"] if head else []


class _ShellExit(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


_VTABSIZE = 39
# ash's built-in variables, created before the environment is imported (their hash slots
# decide where PATH sits in the output of ``env``). PATH's own default is never exported.
_ASH_VARINIT: tuple[tuple[str, str | None], ...] = (
    ("IFS", " \t\n"), ("MAIL", None), ("MAILPATH", None), ("PATH", "/sbin:/usr/sbin:/bin:/usr/bin"),
    ("PS1", "# "), ("PS2", "> "), ("PS4", "+ "), ("OPTIND", "1"), ("LINENO", ""), ("FUNCNAME", ""),
    ("RANDOM", None), ("EPOCHSECONDS", None), ("EPOCHREALTIME", None), ("LC_ALL", None),
    ("LC_CTYPE", None), ("HISTFILE", None),
)


class _AshVariables:
    """ash's variable table: a 39-slot hash, newest first in each slot.

    Its order is the order of the environment ash gives to the commands it runs, which is
    why ``sh -c env`` lists HOSTNAME, SHLVL, HOME, PATH, PWD in that order.
    """

    def __init__(self) -> None:
        self._slots: list[list[str]] = [[] for _ in range(_VTABSIZE)]
        self._values: dict[str, str | None] = {}
        self._exported: set[str] = set()
        for name, value in _ASH_VARINIT:
            self._slot(name).insert(0, name)
            self._values[name] = value

    @staticmethod
    def _hash(name: str) -> int:
        value = ord(name[0]) << 4 if name else 0
        return (value + sum(ord(c) for c in name)) % _VTABSIZE

    def _slot(self, name: str) -> list[str]:
        return self._slots[self._hash(name)]

    def get(self, name: str) -> str | None:
        return self._values.get(name)

    def set(self, name: str, value: str, *, export: bool = False) -> None:
        if name not in self._values:
            self._slot(name).insert(0, name)
        self._values[name] = value
        if export:
            self._exported.add(name)

    def export(self, name: str) -> None:
        if name not in self._values:
            self._slot(name).insert(0, name)
            self._values[name] = None
        self._exported.add(name)

    def unset(self, name: str) -> None:
        if name in dict(_ASH_VARINIT):
            self._values[name] = None
        elif name in self._values:
            self._slot(name).remove(name)
            del self._values[name]
            self._exported.discard(name)

    def copy(self) -> _AshVariables:
        clone = _AshVariables.__new__(_AshVariables)
        clone._slots = [list(slot) for slot in self._slots]
        clone._values = dict(self._values)
        clone._exported = set(self._exported)
        return clone

    def environment(self) -> list[str]:
        return [
            f"{name}={self._values[name]}"
            for slot in self._slots
            for name in slot
            if name in self._exported and self._values[name] is not None
        ]

    def exported_sorted(self) -> list[tuple[str, str | None]]:
        return sorted((name, self._values[name]) for name in self._exported)


_ASH_BUILTINS_NOT_SIMULATED = {
    ".", "[", "alias", "bg", "break", "chdir", "command", "continue", "eval", "exec", "fg",
    "getopts", "hash", "help", "history", "jobs", "kill", "let", "local", "read", "readonly",
    "return", "set", "shift", "source", "test", "times", "trap", "type", "ulimit", "umask",
    "unalias", "wait",
}


class _Shell:
    """BusyBox ash running ``-c SCRIPT``, a script file, or nothing (no stdin: it exits)."""

    def __init__(self, machine: _Machine, proc: _Proc) -> None:
        self.machine = machine
        self.applet = proc.applet
        self.arg0 = proc.argv[0]
        self.commandname: str | None = None
        self.args = proc.argv[1:]
        self.params: list[str] = []
        self.cwd = proc.cwd
        self.pid = machine._last_pid
        self.status = 0
        self.errexit = self.xtrace = False
        self.line = 1
        self.vars = _AshVariables()
        for entry in proc.env:
            name, sep, value = entry.partition("=")
            if sep:
                self.vars.set(name, value, export=True)
        self.vars.set("PPID", "0" if self.pid == 1 else str(self.pid - 1))
        self.vars.set("SHLVL", str(_atoi(self.vars.get("SHLVL")) + 1), export=True)
        if self.vars.get("HOSTNAME") is None:
            self.vars.set("HOSTNAME", machine.ctx.hostname)
        pwd = self.vars.get("PWD")
        self.vars.set("PWD", pwd if pwd == self.cwd else self.cwd, export=True)

    # ----------------------------------------------------------------- messages
    def _message(self, text: str, builtin: str | None = None) -> None:
        """ash's error prefix: ``arg0: [command: ][line N: ]text``."""
        prefix = f"{self.arg0}: "
        context = builtin or self.commandname
        if context:
            if context != self.arg0:
                prefix += f"{context}: "
            prefix += f"line {self.line}: "
        self.machine.err(prefix + text + "\n")

    # ----------------------------------------------------------------- start
    def main(self) -> int:
        script: str | None = None
        args = list(self.args)
        minus_c = False
        while args and args[0][:1] in ("-", "+") and len(args[0]) > 1:
            option = args.pop(0)
            if option == "--":
                break
            for letter in option[1:]:
                if letter == "c":
                    minus_c = True
                elif letter in "ex" and option[0] == "-":
                    self.errexit |= letter == "e"
                    self.xtrace |= letter == "x"
                else:
                    return _not_simulated(self.machine, f"{self.applet} {option}")
        if minus_c:
            if not args:
                self._message("-c requires an argument")
                return 2
            script = args.pop(0)
            if args:
                self.arg0 = self.commandname = args.pop(0)
        elif args:
            name = args.pop(0)
            kind = self.machine.rootfs.kind(_resolve(self.cwd, name))
            if kind is None:
                self._message(f"can't open '{name}': No such file or directory")
                return 2
            return _not_simulated(self.machine, f"{self.applet} {name}")
        self.params = args
        if script is None:
            return 0  # no script and no stdin to read one from
        try:
            self._run_script(script)
        except _ShellExit as stop:
            return stop.code & 0xFF
        return self.status

    def _run_script(self, script: str) -> None:
        lines, error = _parse(script)
        for line in lines:
            for and_or in line:
                self._run_and_or(and_or)
        if error is not None:
            if isinstance(error, _Unsupported):
                self.machine.err(f"{self.arg0}: {error} not simulated by hellotrace's mock engine\n")
            else:
                self.line = script.count("\n", 0, _error_offset(script, error)) + 1
                self._message(f"syntax error: {error}")
            raise _ShellExit(2)

    def _run_and_or(self, and_or: _AndOr) -> None:
        self._run_command(and_or.first)
        last_ran = and_or.first
        for operator, command in and_or.rest:
            if (operator == "&&") == (self.status == 0):
                self._run_command(command)
                last_ran = command
        final = and_or.rest[-1][1] if and_or.rest else and_or.first
        if self.errexit and self.status != 0 and last_ran is final:
            raise _ShellExit(self.status)

    # ----------------------------------------------------------------- expansion
    def _lookup(self, name: str) -> str:
        if name == "?":
            return str(self.status)
        if name == "$":
            return str(self.pid)
        if name == "#":
            return str(len(self.params))
        if name in ("@", "*"):
            return " ".join(self.params)
        if name.isdigit():
            index = int(name)
            if index == 0:
                return self.arg0
            return self.params[index - 1] if index <= len(self.params) else ""
        return self.vars.get(name) or ""

    def _expand(self, word: _Word) -> list[str]:
        """Parameter expansion, field splitting, tilde and (top-level) pathname expansion."""
        if [(p.kind, p.text, p.quoted) for p in word.parts] == [("var", "@", True)]:
            return list(self.params)
        fields: list[str] = []
        current, started, pattern = "", False, ""
        for index, part in enumerate(word.parts):
            if part.kind == "lit":
                text = part.text
                if index == 0 and not part.quoted and (text == "~" or text.startswith("~/")):
                    text = (self.vars.get("HOME") or "") + text[1:]
                current += text
                started |= part.quoted
                pattern += text if not part.quoted else _glob_escape(text)
                continue
            value = self._lookup(part.text)
            if part.quoted:
                current += value
                pattern += _glob_escape(value)
                started = True
                continue
            pieces = re.split(r"[ \t\n]+", value)
            for position, piece in enumerate(pieces):
                if position:
                    if current or started:
                        fields.append(self._glob(current, pattern))
                    current, started, pattern = "", False, ""
                current += piece
                pattern += _glob_escape(piece)
        if current or started:
            fields.append(self._glob(current, pattern))
        return [item for group in fields for item in (group if isinstance(group, list) else [group])]

    def _glob(self, text: str, pattern: str) -> str | list[str]:
        if not re.search(r"(?<!\\)[*?\[]", pattern):
            return text
        rootfs = self.machine.rootfs
        directory, _, name_pattern = pattern.rpartition("/")
        absolute = _resolve(self.cwd, directory or ("/" if pattern.startswith("/") else "."))
        if "/" in name_pattern or (directory and "/" in directory.strip("/")):
            raise _Unsupported(f"the pattern '{text}'")
        if absolute != "/" and absolute not in rootfs.empty_dirs:
            raise _Unsupported(f"the pattern '{text}'")
        names = rootfs.top_level() + [".dockerenv"] if absolute == "/" else []
        hidden_ok = name_pattern.startswith(".")
        matches = sorted(
            name for name in names
            if fnmatch.fnmatchcase(name, name_pattern) and (hidden_ok or not name.startswith("."))
        )
        if not matches:
            return text
        prefix = directory + "/" if directory or pattern.startswith("/") else ""
        return [prefix + name for name in matches]

    # ----------------------------------------------------------------- commands
    def _run_command(self, command: _Command) -> None:
        self.line = command.line
        assignments: list[tuple[str, str]] = []
        words = list(command.words)
        while words:
            first = words[0].parts[0] if words[0].parts else None
            match = (
                _ASSIGNMENT.match(first.text)
                if first is not None and first.kind == "lit" and not first.quoted
                else None
            )
            if match is None:
                break
            word = words.pop(0)
            value_word = _Word(
                [_Part("lit", first.text[match.end():], True), *word.parts[1:]], word.line
            )
            assignments.append((match.group(1), "".join(self._expand_quoted(value_word))))
        fields = [item for word in words for item in self._expand(word)]
        if self.xtrace:
            shown = [f"{n}={_xtrace_quote(v)}" for n, v in assignments] + [_xtrace_quote(f) for f in fields]
            self.machine.err("+ " + " ".join(shown) + "\n")
        if not fields:
            for name, value in assignments:
                self.vars.set(name, value)
            self.status = 0
            return
        self.status = self._execute(fields, assignments) & 0xFF

    def _expand_quoted(self, word: _Word) -> list[str]:
        return ["".join(p.text if p.kind == "lit" else self._lookup(p.text) for p in word.parts)]

    def _execute(self, argv: list[str], assignments: list[tuple[str, str]]) -> int:
        name = argv[0]
        special = {"exit": self._exit, "export": self._export, "unset": self._unset, ":": _ok}
        if name in special:
            for variable, value in assignments:
                self.vars.set(variable, value)
            return special[name](argv)
        if name == "cd":
            return self._cd(argv)
        env_vars = self.vars.copy()
        for variable, value in assignments:
            env_vars.set(variable, value, export=True)
        proc = _Proc(argv, env_vars.environment(), self.cwd)
        if name in ("echo", "printf", "true", "false", "pwd"):
            # ash builtins: same code as the applets, but errors are signed by the shell.
            builtin = _Proc(argv, proc.env, self.cwd, applet=posixpath.basename(self.applet))
            handler = _PROGRAMS[name] if name != "pwd" else self._pwd
            return handler(self.machine, builtin)
        if name in _ASH_BUILTINS_NOT_SIMULATED:
            return _not_simulated(self.machine, f"{self.applet}: {name}")
        rootfs = self.machine.rootfs
        if "/" in name:
            path = _resolve(self.cwd, name)
            kind = rootfs.kind(path)
            if kind == "program":
                return self.machine.run(rootfs.programs[path], proc)
            if kind is None:
                self.machine.err(f"{self.arg0}: {name}: not found\n")
                return 127
            self.machine.err(f"{self.arg0}: {name}: Permission denied\n")
            return 126
        program = _path_search(rootfs, name, self.vars.get("PATH"), self.cwd)
        if program is None:
            self._not_found(name)
            return 127
        return self.machine.run(program, proc)

    def _not_found(self, name: str) -> None:
        prefix = f"{self.arg0}: " + (f"line {self.line}: " if self.commandname else "")
        self.machine.err(f"{prefix}{name}: not found\n")

    def _pwd(self, machine: _Machine, proc: _Proc) -> int:
        machine.out(self.cwd + "\n")
        return 0

    def _exit(self, argv: list[str]) -> int:
        if len(argv) < 2:
            raise _ShellExit(self.status)
        if not argv[1].isdigit():
            self._message(f"Illegal number: {argv[1]}", "exit")
            raise _ShellExit(2)
        raise _ShellExit(int(argv[1]))

    def _export(self, argv: list[str]) -> int:
        names = [arg for arg in argv[1:] if arg != "-p"]
        if not names:
            self.machine.out(
                "".join(
                    f"export {name}" + (f"={_single_quote(value)}" if value is not None else "") + "\n"
                    for name, value in self.vars.exported_sorted()
                )
            )
            return 0
        for arg in names:
            name, sep, value = arg.partition("=")
            if sep:
                self.vars.set(name, value, export=True)
            else:
                self.vars.export(name)
        return 0

    def _unset(self, argv: list[str]) -> int:
        for name in argv[1:]:
            if name not in ("-v", "-f"):
                self.vars.unset(name)
        return 0

    def _cd(self, argv: list[str]) -> int:
        target = argv[1] if len(argv) > 1 else (self.vars.get("HOME") or "/")
        if target == "-":
            target = self.vars.get("OLDPWD") or self.cwd
        path = _resolve(self.cwd, target)
        kind = self.machine.rootfs.kind(path)
        if kind != "dir":
            reason = "No such file or directory" if kind is None else "Not a directory"
            self._message(f"can't cd to {target}: {reason}", "cd")
            return 2
        self.vars.set("OLDPWD", self.cwd, export=True)
        self.cwd = path
        self.vars.set("PWD", path, export=True)
        if len(argv) > 1 and argv[1] == "-":
            self.machine.out(path + "\n")
        return 0


def _ok(argv: list[str]) -> int:
    return 0


def _atoi(text: str | None) -> int:
    match = re.match(r"\s*[+-]?\d+", text or "")
    return int(match.group(0)) if match else 0


def _glob_escape(text: str) -> str:
    return re.sub(r"([*?\[\\])", r"\\\1", text)


def _single_quote(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"


def _xtrace_quote(text: str) -> str:
    return text if re.fullmatch(r"[A-Za-z0-9_@%+=:,./-]+", text) else _single_quote(text)
