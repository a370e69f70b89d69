"""The programs a mock container runs, simulated: what they write, when, and how they exit.

``plan(ctx)`` turns a container's command into a ``Script``: ordered writes to stdout or
stderr, pauses, and an exit code. The caller plays it (framing, pacing, TTY handling).

hello-world holds one program, ``/hello``. alpine and busybox run BusyBox, so their commands
follow BusyBox's applets and its ``ash`` shell: ``echo``, ``printf``, ``cat``, ``ls``,
``env``, ``printenv``, ``id``, ``whoami``, ``uname``, ``hostname``, ``date``, ``pwd``,
``sleep``, ``true``, ``false``, ``touch``, ``mkdir``, ``rm`` and ``sh``/``ash``; ``cat`` and ``sh`` also
read their standard input when a client attaches it (``Session``). The shell runs simple commands joined by
``;``, ``&&``, ``||`` and newlines, with quoting, ``$VAR``/``${VAR}``/``$?``/``$$``/``$1``
expansion, assignments, globbing in ``/``, output redirections between stdout, stderr and
``/dev/null`` (``>&2``, ``2>&1``, ``2>/dev/null``) and to files (``>``, ``>>``), and the builtins ``cd``, ``exit``,
``export``, ``unset`` and ``:``. Error texts are the real ones, except usage errors (only
their "Usage:" line is written). What the images hold but the simulation does not run
(``ps``, pipes, ``if``…) says so instead of pretending. A command that does not exist fails
as Docker 29 fails it (``ExecutableNotFound``).
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from hellotrace.engine import users
from hellotrace.engine.catalog import DEFAULT_PATH_ENV, CatalogImage
from hellotrace.engine.filetree import FileSystem, Layer, NoSpace
from hellotrace.engine.hello import HELLO_MESSAGE
from hellotrace.whole_numbers import whole_number

# The simulated host's kernel (Debian 12); the engine reports the same KernelVersion.
KERNEL_VERSION = "6.1.0-39-amd64"
KERNEL_BUILD = "#1 SMP PREEMPT_DYNAMIC Debian 6.1.148-1 (2025-08-26)"
MACHINE = "x86_64"

STDOUT = 1
STDERR = 2


@dataclass(frozen=True)
class Write:
    """One write(2) of the process: one stdcopy frame when attached without a TTY."""

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
    group_add: tuple[str, ...] = ()  # HostConfig.GroupAdd: more supplementary groups, by name or number
    user: users.ExecUser | None = None  # Config.User as the start resolved it; None: the image's root
    layer: Layer | None = None  # the container's own files, which its processes change


class ExecutableNotFound(Exception):
    """``argv[0]`` cannot be started; ``message`` is what Docker 29's start answers (400).

    A missing command says "executable file not found in $PATH" or "no such file or
    directory" (the CLI exits 127); a directory or a plain file says "permission denied"
    (the CLI exits 126).
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
    program = _exec_lookup(machine.rootfs, ctx.argv[0], _env_value(env, "PATH"), cwd)
    code = machine.run(program, _Proc(list(ctx.argv), env, cwd))
    return Script(tuple(machine.steps), code & 0xFF)


MAX_PENDING_LINE = 64 * 1024


class Session:
    """A process that reads its standard input as it arrives: `cat` copying it out, or ash reading commands.

    `start`, `feed` and `end` each return what the process wrote in answer; `exit_code` is set once it has
    exited. With a TTY, ash shows its prompt before each command.
    """

    def __init__(self, machine: _Machine, proc: _Proc, program: str, tty: bool) -> None:
        self.machine = machine
        self.program = program
        self.tty = tty
        self.exit_code: int | None = None
        self.shell: _Shell | None = None
        self.pending = b""
        if program in ("sh", "ash"):
            machine.last_pid += 1
            self.shell = _Shell(machine, proc)
            self.shell.interactive = True

    def _take(self) -> list[Write | Sleep]:
        steps, self.machine.steps = self.machine.steps, []
        return steps

    def start(self) -> list[Write | Sleep]:
        if self.shell is not None and self.tty:
            self.machine.err(self.shell.prompt())
        return self._take()

    def feed(self, data: bytes) -> list[Write | Sleep]:
        """Input: for cat, bytes as they come; for the shell, each complete line is run."""
        if self.exit_code is not None:
            return []
        if self.shell is None:
            self.machine.out(data)
            return self._take()
        self.pending += data
        while b"\n" in self.pending and self.exit_code is None:
            line, _, self.pending = self.pending.partition(b"\n")
            self._run(line)
        if len(self.pending) > MAX_PENDING_LINE and self.exit_code is None:
            line, self.pending = self.pending, b""  # a line this long is run as it stands, not kept growing
            self._run(line)
        return self._take()

    def _run(self, line: bytes) -> None:
        assert self.shell is not None
        code = self.shell.run_line(line.decode("utf-8", "surrogateescape"))
        if code is not None:
            self.exit_code = code
        elif self.tty:
            self.machine.err(self.shell.prompt())

    def interrupt(self) -> list[Write | Sleep]:
        """ctrl-C: the shell drops the line and prompts again; cat dies of SIGINT."""
        if self.shell is None:
            self.exit_code = 130
        else:
            self.pending = b""
            self.shell.status = 130
            self.machine.err(self.shell.prompt())
        return self._take()

    def end(self) -> list[Write | Sleep]:
        """End of input: what is left of a line is run, then the process exits."""
        if self.exit_code is None:
            if self.shell is not None and self.pending:
                self._run(self.pending)
                self.pending = b""
            if self.exit_code is None:
                self.exit_code = self.shell.status if self.shell is not None else 0
        return self._take()


def open_session(ctx: ProcessContext, tty: bool) -> Session | None:
    """A Session when the command reads its standard input (cat with no file, sh with no script); None when it
    does not, and `plan` simulates it whole. Raises ExecutableNotFound as `plan` does."""
    if not ctx.argv:
        return None
    machine = _Machine(ctx)
    env = _process_env(ctx)
    cwd = ctx.working_dir or "/"
    program = _exec_lookup(machine.rootfs, ctx.argv[0], _env_value(env, "PATH"), cwd)
    operands = [arg for arg in ctx.argv[1:] if arg not in ("-", "-i")]
    if program not in ("cat", "sh", "ash") or operands:
        return None
    return Session(machine, _Proc(list(ctx.argv), env, cwd), program, tty)


# --------------------------------------------------------------------------- the images

# Where BusyBox installs its applets (its applet table); both images have these.
_BIN = (
    "ash base64 cat chmod chown cp date dd df dmesg echo false grep gunzip gzip hostname kill "
    "ln ls mkdir mktemp more mount mv netstat ping printenv ps pwd rm rmdir sed sh sleep stat "
    "tar touch true uname vi watch"
).split()
_USR_BIN = (
    "[ awk basename cut diff dirname du env expr find free head hexdump id less md5sum nc "
    "nproc nslookup od printf readlink realpath seq sha256sum sort tail tee test top tr "
    "traceroute uniq uptime wc wget which whoami xargs yes"
).split()
_SBIN = ("ifconfig", "ip")

_ALPINE_TOP = "bin dev etc home lib media mnt opt proc root run sbin srv sys tmp usr var"
_BUSYBOX_TOP = "bin dev etc home proc root sys tmp usr var"
_ALPINE_ETC = (
    "fstab group inittab issue motd nsswitch.conf passwd profile protocols services shadow shells"
)
_ALPINE_GROUPS = (
    (0, "root"), (1, "bin"), (2, "daemon"), (3, "sys"), (4, "adm"), (6, "disk"),
    (10, "wheel"), (11, "floppy"), (20, "dialout"), (26, "tape"), (27, "video"),
)
_BUSYBOX_GROUPS = ((0, "root"), (10, "wheel"))
# Docker puts these in every container; their content is not simulated.
_DOCKER_FILES = ("/etc/hosts", "/etc/resolv.conf", "/.dockerenv")


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
    glibc: bool = False  # glibc's getopt words its errors differently from musl's

    def kind(self, path: str) -> str | None:
        if path in self.programs:
            return "program"
        if path in self.dirs:
            return "dir"
        if path in self.files or path in self.opaque_files:
            return "file"
        return None

    def paths(self) -> list[str]:
        return [*self.dirs, *self.programs, *self.files, *self.opaque_files]

    def listable(self, path: str) -> bool:
        return path == "/" or path in self.empty_dirs

    def top_level(self) -> list[str]:
        """Names in ``/``, hidden ones (``.dockerenv``) included."""
        paths = (*self.dirs, *self.programs, *self.files, *self.opaque_files)
        return sorted({p[1:] for p in paths if p != "/" and p.count("/") == 1})


def _rootfs(image: CatalogImage, hostname: str) -> _Rootfs:
    """The image's files: its base (by repository), then what `docker commit` added or removed on top."""
    base = _base_rootfs(image, hostname)
    if not (image.added_files or image.added_dirs or image.removed_paths):
        return base
    gone = set(image.removed_paths)

    def kept(path: str) -> bool:
        return not any(path == g or path.startswith(g.rstrip("/") + "/") for g in gone)

    files = {path: data for path, data in base.files.items() if kept(path)}
    files.update(dict(image.added_files))
    return dataclasses.replace(
        base,
        dirs=frozenset({d for d in base.dirs if kept(d)} | set(image.added_dirs)),
        programs={path: name for path, name in base.programs.items() if kept(path)},
        files=files,
        opaque_files=frozenset(p for p in base.opaque_files if kept(p) and p not in files),
        # a directory the commit added holds only what the commit recorded: it can be listed
        empty_dirs=frozenset({d for d in base.empty_dirs if kept(d)} | set(image.added_dirs)),
    )


def _base_rootfs(image: CatalogImage, hostname: str) -> _Rootfs:
    hostname_file = {"/etc/hostname": f"{hostname}\n".encode()}
    if image.repository == "library/hello-world":
        return _Rootfs(
            dirs=frozenset({"/", "/dev", "/etc", "/proc", "/sys"}),
            programs={"/hello": "hello"},
            files=hostname_file,
            opaque_files=frozenset(_DOCKER_FILES),
            empty_dirs=frozenset(),
        )
    if image.repository == "library/alpine":
        programs = {
            f"{where}/{name}": name
            for where, names in (("/bin", _BIN), ("/usr/bin", _USR_BIN), ("/sbin", _SBIN))
            for name in names
        }
        programs["/sbin/apk"] = "apk"
        return _Rootfs(
            dirs=frozenset(
                {"/", *(f"/{d}" for d in _ALPINE_TOP.split()), "/etc/apk", "/usr/bin",
                 "/usr/lib", "/usr/local", "/usr/sbin", "/usr/share"}
            ),
            programs=programs,
            files={
                **hostname_file,
                "/etc/os-release": _alpine_os_release(image.release),
                "/etc/alpine-release": f"{image.release}\n".encode(),
            },
            opaque_files=frozenset({*(f"/etc/{n}" for n in _ALPINE_ETC.split()), *_DOCKER_FILES}),
            empty_dirs=frozenset({"/home", "/mnt", "/opt", "/root", "/srv", "/tmp"}),
            groups=_ALPINE_GROUPS,
        )
    # busybox: every applet in /bin, /usr/bin/env as a link; glibc builds add the C library.
    glibc = image.variant == "glibc"
    programs = {f"/bin/{name}": name for name in (*_BIN, *_USR_BIN, *_SBIN)}
    programs["/usr/bin/env"] = "env"
    opaque = {"/etc/group", "/etc/passwd", "/etc/shadow", "/etc/localtime", *_DOCKER_FILES}
    return _Rootfs(
        dirs=frozenset(
            {"/", *(f"/{d}" for d in _BUSYBOX_TOP.split()), "/etc/network", "/usr/bin",
             *(("/lib", "/lib64") if glibc else ())}
        ),
        programs=programs,
        files=hostname_file,
        opaque_files=frozenset({*opaque, *(("/etc/nsswitch.conf",) if glibc else ())}),
        empty_dirs=frozenset({"/home", "/root", "/tmp"}),
        groups=_BUSYBOX_GROUPS,
        os_name="GNU/Linux",  # BusyBox's default; Alpine configures "Linux"
        glibc=glibc or image.variant == "uclibc",
    )


def _alpine_os_release(release: str) -> bytes:
    """Alpine's /etc/os-release; edge releases are "3.25_alpha20260805"-style."""
    pretty = "edge" if "_alpha" in release else "v" + ".".join(release.split(".")[:2])
    return (
        'NAME="Alpine Linux"\nID=alpine\n'
        f"VERSION_ID={release}\n"
        f'PRETTY_NAME="Alpine Linux {pretty}"\n'
        'HOME_URL="https://alpinelinux.org/"\n'
        'BUG_REPORT_URL="https://gitlab.alpinelinux.org/alpine/aports/-/issues"\n'
    ).encode()


def _process_env(ctx: ProcessContext) -> list[str]:
    """The daemon's environment (PATH, HOSTNAME, then Env), plus runc's HOME when missing."""
    env = [DEFAULT_PATH_ENV, f"HOSTNAME={ctx.hostname}"]
    for entry in ctx.env:
        name = entry.split("=", 1)[0]
        names = [current.split("=", 1)[0] for current in env]
        if name in names:
            env[names.index(name)] = entry
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
    if "/" not in arg0:
        found = _path_search(rootfs, arg0, path_env, cwd)
        if found is None:
            raise ExecutableNotFound(
                f'{_OCI_EXEC_ERROR}"{arg0}": executable file not found in $PATH'
            )
        return found
    path = _resolve(cwd, arg0)
    kind = rootfs.kind(path)
    if kind == "program":
        return rootfs.programs[path]
    if kind == "dir":
        raise ExecutableNotFound(f'{_OCI_EXEC_ERROR}"{arg0}": is a directory: permission denied')
    if kind == "file":
        raise ExecutableNotFound(f'{_OCI_EXEC_ERROR}"{arg0}": permission denied')
    raise ExecutableNotFound(f'{_OCI_EXEC_ERROR}"{arg0}": stat {arg0}: no such file or directory')


def _path_search(rootfs: _Rootfs, name: str, path_env: str | None, cwd: str) -> str | None:
    for directory in (path_env or "").split(":"):
        candidate = _resolve(cwd, posixpath.join(directory or ".", name))
        if candidate in rootfs.programs:
            return rootfs.programs[candidate]
    return None


def parent_dir(path: str) -> str:
    return posixpath.dirname(path) or "/"


def _resolve(cwd: str, path: str) -> str:
    resolved = posixpath.normpath(posixpath.join(cwd, path))
    return "/" + resolved.lstrip("/")


# ------------------------------------------------------------------------ the machine


@dataclass
class _Proc:
    """One process: arguments, environment, directory; ``applet`` signs its error messages."""

    argv: list[str]
    env: list[str]
    cwd: str
    applet: str = ""

    def __post_init__(self) -> None:
        self.applet = self.applet or posixpath.basename(self.argv[0])


class _Machine:
    """Runs simulated programs and collects what they do, in order."""

    def __init__(self, ctx: ProcessContext) -> None:
        self.ctx = ctx
        self.rootfs = _rootfs(ctx.image, ctx.hostname)
        self.fs = FileSystem(self.rootfs, ctx.layer if ctx.layer is not None else Layer())
        self.steps: list[Write | Sleep] = []
        self.now = ctx.now if ctx.now.tzinfo else ctx.now.replace(tzinfo=UTC)
        self.last_pid = 0
        # Where file descriptors 1 and 2 lead (a shell redirection changes it); None: /dev/null; a path: a file.
        self.streams: dict[int, int | str | None] = {STDOUT: STDOUT, STDERR: STDERR}

    def out(self, text: str | bytes) -> None:
        self._write(STDOUT, text)

    def err(self, text: str | bytes) -> None:
        self._write(STDERR, text)

    def _write(self, stream: int, text: str | bytes) -> None:
        data = text.encode("utf-8", "surrogateescape") if isinstance(text, str) else text
        target = self.streams[stream]
        if isinstance(target, str):
            try:
                self.fs.write(target, data, append=True)
            except NoSpace:
                self.streams[stream] = None
                self._write(STDERR, "write error: No space left on device\n")
        elif data and target is not None:
            self.steps.append(Write(target, data))

    def run(self, program: str, proc: _Proc) -> int:
        """Start ``program`` as a new process (the first one is PID 1)."""
        self.last_pid += 1
        handler = _PROGRAMS.get(program)
        if handler is None:
            return _not_simulated(self, proc.applet)
        return handler(self, proc)


def _not_simulated(machine: _Machine, what: str) -> int:
    machine.err(f"{what}: not simulated by hellotrace's mock engine\n")
    return 1


def _usage(machine: _Machine, synopsis: str) -> int:
    """BusyBox's usage screen, reduced to its "Usage:" line."""
    machine.err(f"Usage: {synopsis}\n")
    return 1


def _options(
    machine: _Machine, proc: _Proc, allowed: str, synopsis: str, known: str = ""
) -> tuple[set[str], list[str]] | int:
    """getopt for clustered one-letter flags: (flags, operands), or the exit code of an error.

    ``allowed`` flags are simulated; ``known`` ones exist in BusyBox but are not.
    """
    flags: set[str] = set()
    args = proc.argv[1:]
    while args and args[0].startswith("-") and args[0] != "-":
        arg = args.pop(0)
        if arg == "--":
            break
        for letter in arg[1:]:
            if letter in known:
                return _not_simulated(machine, f"{proc.applet} -{letter}")
            if letter not in allowed:
                if machine.rootfs.glibc:
                    machine.err(f"{proc.applet}: invalid option -- '{letter}'\n")
                else:
                    machine.err(f"{proc.applet}: unrecognized option: {letter}\n")
                return _usage(machine, synopsis)
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
    """BusyBox echo: leading -n/-e/-E clusters are options; -e turns on backslash escapes."""
    args = proc.argv[1:]
    newline, escapes = True, False
    while args and len(args[0]) > 1 and args[0][0] == "-" and set(args[0][1:]) <= set("neE"):
        for letter in args.pop(0)[1:]:
            if letter == "n":
                newline = False
            else:
                escapes = letter == "e"
    out = bytearray()
    for index, arg in enumerate(args):
        if index:
            out += b" "
        if not escapes:
            out += arg.encode("utf-8", "surrogateescape")
            continue
        text, stop = _unescape(arg)
        out += text
        if stop:
            machine.out(bytes(out))
            return 0
    machine.out(bytes(out + b"\n" if newline else out))
    return 0


_ESCAPES = {"a": 7, "b": 8, "e": 27, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11, "\\": 92}


def _escape_sequence(text: str, pos: int) -> tuple[int, int]:
    """BusyBox's ``bb_process_escape_sequence`` for the escape after a backslash at pos-1.

    Octal (up to 3 digits), ``\\x`` hex (up to 2), or one letter; anything else yields a
    backslash and leaves ``pos`` where it was. Returns (byte, new position).
    """
    start, base, digits, value = pos, 8, 0, 0
    if text[pos : pos + 1] == "x":
        pos, base, digits = pos + 1, 16, 1
    while True:
        char = text[pos : pos + 1]
        digit = int(char, 16) if char and char in "0123456789abcdefABCDEF" else base
        if digit >= base:
            if base == 16:
                digits -= 1
                if digits == 0:
                    return 92, start
            break
        if value * base + digit > 255:
            break
        value, pos, digits = value * base + digit, pos + 1, digits + 1
        if digits >= 3:
            break
    if digits == 0:
        char = text[pos : pos + 1]
        return (_ESCAPES[char], pos + 1) if char in _ESCAPES and char else (92, pos)
    return value, pos


def _unescape(text: str) -> tuple[bytes, bool]:
    """echo -e and printf %b: escapes, ``\\0NNN`` octals; True when ``\\c`` stops all output."""
    out = bytearray()
    pos = 0
    while pos < len(text):
        char = text[pos]
        pos += 1
        if char != "\\":
            out += char.encode("utf-8", "surrogateescape")
            continue
        if text[pos : pos + 1] == "c":
            return bytes(out), True
        if text[pos : pos + 1] == "0" and text[pos + 1 : pos + 2] in tuple("01234567"):
            pos += 1
        byte, pos = _escape_sequence(text, pos)
        out.append(byte)
    return bytes(out), False


_PRINTF_DIRECTIVE = re.compile(r"%([-+ #0]*)(\*|\d*)(?:\.(\*|\d*))?[lLhz]*(.?)")


def _parse_integer(text: str) -> int | None:
    """strtoll(text, 0) that must consume everything: 12, -3, 0x1f, 017, or 'c (a char code)."""
    if text[:1] in ("'", '"'):
        return ord(text[1]) if len(text) > 1 else 0
    body = text.lstrip(" \t\n")
    sign = -1 if body[:1] == "-" else 1
    body = body[1:] if body[:1] in ("+", "-") else body
    for pattern, base in ((r"0[xX]([0-9a-fA-F]+)", 16), (r"0([0-7]+)", 8), (r"([0-9]+)", 10)):
        match = re.fullmatch(pattern, body)
        if match:
            return sign * int(match.group(1), base)
    return None


def _printf(machine: _Machine, proc: _Proc) -> int:
    """BusyBox printf: %s %b %c %d %i %o %u %x %X %f %e %g %%, flags, width, precision.

    The format is reused while arguments remain. stdout is buffered until exit, so error
    messages (stderr) come out first, as with the real program on a pipe.
    """
    args = proc.argv[1:]
    if args[:1] == ["--"]:
        args = args[1:]
    if not args:
        if proc.applet != "printf":  # the ash builtin
            machine.err(f"{proc.applet}: usage: printf FORMAT [ARGUMENT...]\n")
            return 2
        return _usage(machine, "printf FORMAT [ARG]...")
    fmt, rest = args[0], args[1:]
    out = bytearray()
    failed = False

    def convert(arg: str, conversion: str) -> int | float:
        nonlocal failed
        value: int | float | None
        if conversion in "feEgG":
            try:
                value = float(arg.lstrip()) if arg.strip() else 0.0
            except ValueError:
                value = None
        else:
            value = _parse_integer(arg) if arg else 0
        if value is None:
            failed = True
            machine.err(f"{proc.applet}: invalid number '{arg}'\n")
            return 0
        return value & 0xFFFFFFFFFFFFFFFF if conversion in "ouxX" else value

    def finish(code: int) -> int:
        machine.out(bytes(out))
        return code

    while True:
        remaining = len(rest)
        pos = 0
        while pos < len(fmt):
            char = fmt[pos]
            if char == "\\":
                if fmt[pos + 1 : pos + 2] == "c":
                    return finish(int(failed))
                byte, pos = _escape_sequence(fmt, pos + 1)
                out.append(byte)
                continue
            if char != "%":
                out += char.encode("utf-8", "surrogateescape")
                pos += 1
                continue
            if fmt[pos + 1 : pos + 2] in ("%", "b"):
                if fmt[pos + 1] == "%":
                    out += b"%"
                elif rest:
                    text, stop = _unescape(rest.pop(0))
                    out += text
                    if stop:
                        return finish(int(failed))
                pos += 2
                continue
            match = _PRINTF_DIRECTIVE.match(fmt, pos)
            assert match is not None  # matches any "%"
            flags, width, precision, conversion = match.groups()
            if not conversion or conversion not in "diouxXfeEgGcs":
                machine.err(f"{proc.applet}: {fmt[pos:]}: invalid format\n")
                return finish(1)
            if width == "*":
                width = str(convert(rest.pop(0), "d")) if rest else "0"
            if precision == "*":
                precision = str(convert(rest.pop(0), "d")) if rest else "0"
            spec = "%" + flags + width + ("" if precision is None else "." + precision)
            arg = rest.pop(0) if rest else ""
            raw = arg.encode("utf-8", "surrogateescape")
            if conversion == "s":
                out += (spec + "s").encode() % raw
            elif conversion == "c":
                out += (spec + "c").encode() % (raw[:1] or b"\0")
            else:
                text = (spec + conversion.replace("u", "d")) % convert(arg, conversion)
                out += (text.replace("0o", "0", 1) if conversion == "o" else text).encode()
            pos = match.end()
        if not rest or len(rest) == remaining:
            return finish(int(failed))


def _cat(machine: _Machine, proc: _Proc) -> int:
    code = 0
    for name in proc.argv[1:]:
        if name == "-":
            continue  # stdin: the container has none
        if name.startswith("-"):
            return _not_simulated(machine, f"{proc.applet} {name}")
        path = _resolve(proc.cwd, name)
        kind = machine.fs.kind(path)
        content = machine.fs.read(path) if kind == "file" else None
        if content is not None:
            machine.out(content)
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
    """``ls`` of what the model knows, one name per line (the output is not a terminal)."""
    parsed = _options(
        machine, proc, "1aA", "ls [-1AaCxdLHRFplinshrSXvctu] [FILE]...", "CxdLHRFplinshrSXvctue"
    )
    if isinstance(parsed, int):
        return parsed
    flags, names = parsed
    fs = machine.fs
    code, files, dirs = 0, [], []
    for name in names or ["."]:
        path = _resolve(proc.cwd, name)
        kind = fs.kind(path)
        if kind is None:
            machine.err(f"{proc.applet}: {name}: No such file or directory\n")
            code = 1
        elif kind != "dir":
            files.append(name)
        elif fs.listable(path):
            dirs.append((name, path))
        else:
            return _not_simulated(machine, f"{proc.applet} {name}")
    blocks = ["".join(f"{name}\n" for name in sorted(files))] if files else []
    for name, path in sorted(dirs):
        entries = fs.children(path)
        if "a" in flags:
            entries = sorted([".", "..", *entries])
        elif "A" not in flags:
            entries = [entry for entry in entries if not entry.startswith(".")]
        header = f"{name}:\n" if len(names) > 1 else ""
        blocks.append(header + "".join(f"{entry}\n" for entry in entries))
    machine.out("\n".join(blocks))
    return code


def _uname(machine: _Machine, proc: _Proc) -> int:
    parsed = _options(machine, proc, "snrvmpioa", "uname [-amnrspvio]")
    if isinstance(parsed, int):
        return parsed
    flags, _ = parsed
    everything = "a" in flags
    fields = (
        ("s", "Linux"), ("n", machine.ctx.hostname), ("r", KERNEL_VERSION),
        ("v", KERNEL_BUILD), ("m", MACHINE), ("p", "unknown"), ("i", "unknown"),
        ("o", machine.rootfs.os_name),
    )
    chosen = [
        value for letter, value in fields
        if letter in flags or (everything and letter not in "pi")
    ]
    machine.out(" ".join(chosen or ["Linux"]) + "\n")
    return 0


def _hostname(machine: _Machine, proc: _Proc) -> int:
    args = proc.argv[1:]
    if not args:
        machine.out(machine.ctx.hostname + "\n")
        return 0
    if args[0].startswith("-"):
        return _not_simulated(machine, f"{proc.applet} {args[0]}")
    machine.err(f"{proc.applet}: sethostname: Operation not permitted\n")
    return 1


def _date(machine: _Machine, proc: _Proc) -> int:
    """``date`` in UTC (the container has no other zone): default, +FORMAT, -u, -R, -I."""
    parsed = _options(machine, proc, "uRI", "date [OPTIONS] [+FMT] [[-s] TIME]", "sdrD")
    if isinstance(parsed, int):
        return parsed
    flags, args = parsed
    fmt = "%a %b %e %H:%M:%S %Z %Y"
    if "R" in flags:
        fmt = "%a, %d %b %Y %H:%M:%S %z"
    elif "I" in flags:
        fmt = "%Y-%m-%d"
    if args and args[0].startswith("+"):
        fmt = args.pop(0)[1:]
    if args:
        return _not_simulated(machine, f"{proc.applet} {args[0]}")
    machine.out(_strftime(machine.now, fmt) + "\n")
    return 0


def _strftime(moment: datetime, fmt: str) -> str:
    """C strftime, C locale, UTC; %e and %s are done here so no platform quirk leaks in."""

    def replace(match: re.Match[str]) -> str:
        spec = match.group(1)
        if spec == "e":
            return f"{moment.day:2d}"
        if spec == "s":
            return str(int(moment.timestamp()))
        if spec in "aAbBcdDFhHIjmMnprRStTuwxXyYzZ%":
            return moment.strftime("%" + spec)
        return match.group(0)

    return re.sub(r"%(.)", replace, fmt)


def _env(machine: _Machine, proc: _Proc) -> int:
    """``env [-i] [-u NAME] [-] [NAME=VALUE]... [COMMAND [ARG]...]``."""
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
            return _not_simulated(machine, f"{proc.applet} {option}")
    if args[:1] == ["-"]:
        env, args = [], args[1:]
    while args and "=" in args[0]:
        assignment = args.pop(0)
        name = assignment.split("=", 1)[0]
        env = [entry for entry in env if entry.split("=", 1)[0] != name] + [assignment]
    if not args:
        machine.out("".join(f"{entry}\n" for entry in env))
        return 0
    rootfs = machine.rootfs
    if "/" in args[0]:
        program = rootfs.programs.get(_resolve(proc.cwd, args[0]))
    else:
        program = _path_search(rootfs, args[0], _env_value(env, "PATH") or _EXECVP_DEFAULT_PATH, proc.cwd)
    if program is None:
        machine.err(f"{proc.applet}: can't execute '{args[0]}': No such file or directory\n")
        return 127
    return machine.run(program, _Proc(args, env, proc.cwd))


# What execvp searches when the environment has no PATH (musl's default).
_EXECVP_DEFAULT_PATH = "/usr/local/bin:/bin:/usr/bin"


def _printenv(machine: _Machine, proc: _Proc) -> int:
    names = proc.argv[1:]
    if not names:
        machine.out("".join(f"{entry}\n" for entry in proc.env))
        return 0
    values = [_env_value(proc.env, name) for name in names]
    machine.out("".join(f"{value}\n" for value in values if value is not None))
    return 0 if None not in values else 1


def _id(machine: _Machine, proc: _Proc) -> int:
    """``id`` for the user the container runs as; root's supplementary groups come from the image's /etc/group."""
    parsed = _options(machine, proc, "ugGnr", "id [-ugGnrZ] [USER]", "Z")
    if isinstance(parsed, int):
        return parsed
    flags, users_given = parsed
    if users_given and users_given != ["root"]:
        machine.err(f"{proc.applet}: unknown user {users_given[0]}\n")
        return 1
    user = users.resolve(machine.ctx.image.repository, "") if users_given else _user(machine)
    groups = _process_groups(machine, user)
    names = "n" in flags
    if "u" in flags or "g" in flags:
        number, name = (user.uid, user.user_name) if "u" in flags else (user.gid, user.group_name)
        machine.out((name if names and name else str(number)) + "\n")
    elif "G" in flags:
        machine.out(" ".join(name if names and name else str(gid) for gid, name in groups) + "\n")
    else:
        listed = ",".join(_named(gid, name) for gid, name in groups)
        machine.out(f"uid={_named(user.uid, user.user_name)} gid={_named(user.gid, user.group_name)} "
                    f"groups={listed}\n")
    return 0


def _user(machine: _Machine) -> users.ExecUser:
    """Who the process runs as: the context's user, or the image's root."""
    return machine.ctx.user or users.resolve(machine.ctx.image.repository, "")


def _named(number: int, name: str | None) -> str:
    return f"{number}({name})" if name else str(number)


def _process_groups(machine: _Machine, user: users.ExecUser) -> list[tuple[int, str]]:
    """The primary group, the user's groups in /etc/group (root's only, here), then GroupAdd's (a number with no
    name in /etc/group shows bare)."""
    groups = [(user.gid, user.group_name or "")]
    if user.uid == 0 and user.from_group_file:
        groups += [group for group in machine.rootfs.groups if group[0] != user.gid]
    by_name = {name: gid for gid, name in machine.rootfs.groups}
    for wanted in machine.ctx.group_add:
        gid = whole_number(wanted)
        if gid is None:
            gid = by_name.get(wanted)
        if gid is not None and all(gid != known for known, _ in groups):
            groups.append((gid, ""))
    return groups


def _whoami(machine: _Machine, proc: _Proc) -> int:
    user = _user(machine)
    if user.user_name is None:
        machine.err(f"{proc.applet}: unknown uid {user.uid}\n")
        return 1
    machine.out(user.user_name + "\n")
    return 0


def _pwd(machine: _Machine, proc: _Proc) -> int:
    machine.out(proc.cwd + "\n")
    return 0


_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)([smhd]?)")
_SECONDS_PER_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def _sleep(machine: _Machine, proc: _Proc) -> int:
    """``sleep N[smhd]...``: one pause for the sum, as BusyBox adds its arguments up."""
    if len(proc.argv) < 2:
        return _usage(machine, "sleep [N]...")
    total = 0.0
    for arg in proc.argv[1:]:
        match = _DURATION.fullmatch(arg)
        if match is None:
            machine.err(f"{proc.applet}: invalid number '{arg}'\n")
            return 1
        total += float(match.group(1)) * _SECONDS_PER_UNIT[match.group(2)]
    if total > 0:
        machine.steps.append(Sleep(total))
    return 0


def _touch(machine: _Machine, proc: _Proc) -> int:
    parsed = _options(machine, proc, "c", "touch [-c] [-d DATE] [-t DATE] [-r FILE] FILE...", "dtrham")
    if isinstance(parsed, int):
        return parsed
    flags, names = parsed
    if not names:
        return _usage(machine, "touch [-c] [-d DATE] [-t DATE] [-r FILE] FILE...")
    code = 0
    for name in names:
        path = _resolve(proc.cwd, name)
        kind = machine.fs.kind(path)
        if kind is None and "c" not in flags:
            if machine.fs.kind(parent_dir(path)) != "dir":
                machine.err(f"{proc.applet}: {name}: No such file or directory\n")
                code = 1
                continue
            try:
                machine.fs.write(path, b"")
            except NoSpace:
                machine.err(f"{proc.applet}: {name}: No space left on device\n")
                code = 1
        elif kind == "file" and machine.fs.read(path) is not None:
            machine.fs.write(path, machine.fs.read(path) or b"")
    return code


def _mkdir(machine: _Machine, proc: _Proc) -> int:
    parsed = _options(machine, proc, "p", "mkdir [-m MODE] [-p] DIRECTORY...", "m")
    if isinstance(parsed, int):
        return parsed
    flags, names = parsed
    if not names:
        return _usage(machine, "mkdir [-m MODE] [-p] DIRECTORY...")
    code = 0
    for name in names:
        path = _resolve(proc.cwd, name)
        kind = machine.fs.kind(path)
        if kind is not None:
            if "p" not in flags or kind != "dir":
                machine.err(f"{proc.applet}: can't create directory '{name}': File exists\n")
                code = 1
            continue
        missing = []
        probe = path
        while machine.fs.kind(probe) is None:
            missing.append(probe)
            probe = parent_dir(probe)
        if machine.fs.kind(probe) != "dir" or (len(missing) > 1 and "p" not in flags):
            machine.err(f"{proc.applet}: can't create directory '{name}': No such file or directory\n")
            code = 1
            continue
        try:
            for directory in reversed(missing):
                machine.fs.mkdir(directory)
        except NoSpace:
            machine.err(f"{proc.applet}: can't create directory '{name}': No space left on device\n")
            code = 1
    return code


def _rm(machine: _Machine, proc: _Proc) -> int:
    parsed = _options(machine, proc, "rRf", "rm [-irf] FILE...", "iv")
    if isinstance(parsed, int):
        return parsed
    flags, names = parsed
    recursive, force = bool({"r", "R"} & set(flags)), "f" in flags
    if not names and not force:
        return _usage(machine, "rm [-irf] FILE...")
    code = 0
    for name in names:
        path = _resolve(proc.cwd, name)
        kind = machine.fs.kind(path)
        if kind is None:
            if not force:
                machine.err(f"{proc.applet}: can't remove '{name}': No such file or directory\n")
                code = 1
        elif kind == "dir" and not recursive:
            machine.err(f"{proc.applet}: '{name}' is a directory\n")
            code = 1
        elif path == "/":
            machine.err(f"{proc.applet}: can't remove '/'\n")
            code = 1
        else:
            machine.fs.remove(path)
    return code


def _sh(machine: _Machine, proc: _Proc) -> int:
    return _Shell(machine, proc).main()


_PROGRAMS: dict[str, Callable[[_Machine, _Proc], int]] = {
    "hello": _hello,
    "true": _true,
    "false": _false,
    "echo": _echo,
    "printf": _printf,
    "cat": _cat,
    "ls": _ls,
    "uname": _uname,
    "hostname": _hostname,
    "date": _date,
    "env": _env,
    "printenv": _printenv,
    "id": _id,
    "whoami": _whoami,
    "pwd": _pwd,
    "sleep": _sleep,
    "sh": _sh,
    "ash": _sh,
    "touch": _touch,
    "mkdir": _mkdir,
    "rm": _rm,
}


# --------------------------------------------------------------------- the shell: syntax


class _ShellError(Exception):
    """A script the shell stops at; ``line`` is where ash would say it happened."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class _Unsupported(_ShellError):
    """Real shell syntax the simulation does not run: said so, never faked."""


class _Redirection(_ShellError):
    """A redirection the shell cannot open: the command is not run, its status is 1."""


class _SyntaxError(_ShellError):
    """A real ash syntax error; ``message`` is ash's."""


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
        """The text of a word made of unquoted literal characters only (keywords)."""
        if all(part.kind == "lit" and not part.quoted for part in self.parts):
            return "".join(part.text for part in self.parts)
        return None


@dataclass(frozen=True)
class _Operator:
    text: str  # ";", "&&", "||" or "\n"
    line: int


@dataclass(frozen=True)
class _Redirect:
    fd: int  # 1 or 2
    duplicate: int | None  # ">&N": the descriptor to copy; None: a file named by ``target``
    line: int
    append: bool = False  # ">>"


@dataclass
class _Command:
    words: list[_Word]
    line: int
    redirects: list[tuple[_Redirect, _Word | None]] = field(default_factory=list)


@dataclass
class _AndOr:
    first: _Command
    rest: list[tuple[str, _Command]] = field(default_factory=list)


_KEYWORDS = {
    "if", "then", "else", "elif", "fi", "for", "while", "until", "do", "done", "case",
    "esac", "{", "}", "!", "[[", "function", "select",
}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _tokenize(script: str) -> tuple[list[_Word | _Operator | _Redirect], _ShellError | None]:
    """Words and operators, up to the first error (returned, not raised)."""
    tokens: list[_Word | _Operator | _Redirect] = []
    word: _Word | None = None
    line, pos, size = 1, 0, len(script)

    def add(kind: str, text: str, quoted: bool) -> None:
        nonlocal word
        if word is None:
            word = _Word([], line)
        if word.parts and kind == "lit" == word.parts[-1].kind and word.parts[-1].quoted == quoted:
            word.parts[-1].text += text
        else:
            word.parts.append(_Part(kind, text, quoted))

    def end_word() -> None:
        nonlocal word
        if word is not None:
            tokens.append(word)
            word = None

    def variable(at: int, quoted: bool) -> int:
        """Parse the ``$…`` at ``at``; return the position after it."""
        following = script[at + 1 : at + 2]
        if following == "{":
            close = script.find("}", at + 2)
            name = script[at + 2 : close] if close >= 0 else ""
            if not (_NAME.fullmatch(name) or name.isdigit() or name in ("?", "$", "#", "@", "*")):
                raise _Unsupported("this ${...} parameter expansion", line)
            add("var", name, quoted)
            return close + 1
        if following == "(":
            raise _Unsupported("command substitution $(...)", line)
        name_match = _NAME.match(script, at + 1)
        if name_match:
            add("var", name_match.group(0), quoted)
            return name_match.end()
        if following and following in "?$#@*0123456789":
            add("var", following, quoted)
            return at + 2
        if following and following in "!-":
            raise _Unsupported(f"${following}", line)
        add("lit", "$", quoted)
        return at + 1

    try:
        while pos < size:
            char = script[pos]
            if char in " \t":
                end_word()
                pos += 1
            elif char == "\n":
                end_word()
                tokens.append(_Operator("\n", line))
                line += 1
                pos += 1
            elif char == "#" and word is None:
                while pos < size and script[pos] != "\n":
                    pos += 1
            elif char == ";":
                end_word()
                if script[pos + 1 : pos + 2] == ";":
                    raise _SyntaxError('unexpected ";;"', line)
                tokens.append(_Operator(";", line))
                pos += 1
            elif char in "&|":
                end_word()
                if script[pos + 1 : pos + 2] != char:
                    raise _Unsupported("pipes (|)" if char == "|" else "background jobs (&)", line)
                tokens.append(_Operator(char * 2, line))
                pos += 2
            elif char == "<":
                raise _Unsupported("input redirections (<)", line)
            elif char == ">":
                fd = STDOUT
                if word is not None and [(p.kind, p.text, p.quoted) for p in word.parts] in (
                    [("lit", "1", False)],
                    [("lit", "2", False)],
                ):
                    fd, word = int(word.parts[0].text), None
                elif word is not None and len(word.parts) == 1 and not word.parts[0].quoted and \
                        word.parts[0].kind == "lit" and word.parts[0].text.isdigit():
                    raise _Unsupported(f"the redirection {word.parts[0].text}>", line)
                end_word()
                append = script[pos + 1 : pos + 2] == ">"
                pos += 1 + append
                duplicate = None
                if script[pos : pos + 1] == "&":
                    target = script[pos + 1 : pos + 2]
                    if target not in ("1", "2"):
                        raise _Unsupported(f"the redirection >&{target}", line)
                    duplicate, pos = int(target), pos + 2
                tokens.append(_Redirect(fd, duplicate, line, append))
            elif char in "()":
                raise _Unsupported("subshells ( )", line)
            elif char == "`":
                raise _Unsupported("command substitution `...`", line)
            elif char == "\\":
                if script[pos + 1 : pos + 2] == "\n":
                    line += 1
                else:
                    add("lit", script[pos + 1 : pos + 2] or "\\", pos + 1 < size)
                pos += 2
            elif char == "'":
                close = script.find("'", pos + 1)
                if close < 0:
                    raise _SyntaxError("unterminated quoted string", line + script.count("\n", pos))
                add("lit", script[pos + 1 : close], True)
                line += script.count("\n", pos, close)
                pos = close + 1
            elif char == '"':
                start = pos
                pos = _double_quoted(script, pos + 1, line, add, variable)
                line += script.count("\n", start, pos)
            elif char == "$":
                pos = variable(pos, False)
            else:
                add("lit", char, False)
                pos += 1
    except _ShellError as error:
        return tokens, error
    end_word()
    return tokens, None


def _double_quoted(
    script: str,
    pos: int,
    start_line: int,
    add: Callable[[str, str, bool], None],
    variable: Callable[[int, bool], int],
) -> int:
    """The inside of "…" from ``pos``: ``\\`` escapes only ``$ ` " \\`` and newline."""
    add("lit", "", True)
    begin = pos
    while pos < len(script):
        char = script[pos]
        if char == '"':
            return pos + 1
        if char == "\\" and script[pos + 1 : pos + 2] in ('"', "\\", "$", "`", "\n"):
            if script[pos + 1] != "\n":
                add("lit", script[pos + 1], True)
            pos += 2
        elif char == "$":
            pos = variable(pos, True)
        elif char == "`":
            raise _Unsupported("command substitution `...`", start_line)
        else:
            add("lit", char, True)
            pos += 1
    raise _SyntaxError("unterminated quoted string", start_line + script.count("\n", begin))


def _parse(script: str) -> tuple[list[list[_AndOr]], _ShellError | None]:
    """Lines of and-or lists, and the error that stops the script, if any.

    ash reads a script one line at a time: lines before an error run, the line holding it
    does not.
    """
    tokens, error = _tokenize(script)
    lines: list[list[_AndOr]] = []
    current: list[_AndOr] = []
    pending: _AndOr | None = None
    operator: str | None = None
    words: list[_Word] = []
    redirects: list[tuple[_Redirect, _Word | None]] = []
    wants_target: _Redirect | None = None

    def end_command(token: str, line: int) -> None:
        nonlocal pending, words, redirects
        if (wants_target is not None) or not (words or redirects):
            raise _SyntaxError(f"unexpected {_token_name(token)}", line)
        keyword = words[0].plain() if words else None
        if keyword in _KEYWORDS:
            raise _Unsupported(f"the shell keyword '{keyword}'", words[0].line)
        command = _Command(words, (words or [_Word([], line)])[0].line, redirects)
        if pending is None:
            pending = _AndOr(command)
        else:
            assert operator is not None  # the "&&" or "||" that kept the list open
            pending.rest.append((operator, command))
        words, redirects = [], []

    try:
        for token in tokens:
            if isinstance(token, _Redirect):
                if wants_target is not None:
                    raise _SyntaxError("unexpected redirection", token.line)
                if token.duplicate is None:
                    wants_target = token
                else:
                    redirects.append((token, None))
            elif isinstance(token, _Word) and wants_target is not None:
                redirects.append((wants_target, token))
                wants_target = None
            elif isinstance(token, _Word):
                words.append(token)
            elif token.text in ("&&", "||"):
                end_command(token.text, token.line)
                operator = token.text
            elif token.text == "\n" and not words and pending is not None:
                continue  # "a &&" then a newline: the list goes on
            else:
                if token.text == ";" or words or redirects or wants_target is not None:
                    end_command(token.text, token.line)
                if pending is not None:
                    current.append(pending)
                    pending, operator = None, None
                if token.text == "\n":
                    lines.append(current)
                    current = []
        if error is not None:
            return lines, error
        if words or redirects or wants_target is not None:
            end_command("end of file", script.count("\n") + 1)
        elif pending is not None:
            raise _SyntaxError("unexpected end of file", script.count("\n") + 1)
        if pending is not None:
            current.append(pending)
    except _ShellError as problem:
        return lines, problem
    lines.append(current)
    return lines, None


def _token_name(token: str) -> str:
    """How ash names a token in "unexpected …": words for the special ones, quotes otherwise."""
    names = {"\n": "newline", "end of file": "end of file"}
    return names.get(token, f'"{token}"')


# ------------------------------------------------------------------- the shell: running


class _ShellExit(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


_VTABSIZE = 39
# ash's own variables exist before the environment is imported: their hash slots decide
# where an imported PATH sits. Their values are never exported.
_ASH_VARINIT: tuple[tuple[str, str | None], ...] = (
    ("IFS", " \t\n"), ("MAIL", None), ("MAILPATH", None),
    ("PATH", "/sbin:/usr/sbin:/bin:/usr/bin"), ("PS1", "# "), ("PS2", "> "), ("PS4", "+ "),
    ("OPTIND", "1"), ("LINENO", ""), ("FUNCNAME", ""), ("RANDOM", None),
    ("EPOCHSECONDS", None), ("EPOCHREALTIME", None), ("LC_ALL", None), ("LC_CTYPE", None),
    ("HISTFILE", None),
)
_ASH_FIXED = {name for name, _ in _ASH_VARINIT}


class _AshVariables:
    """ash's variable table: 39 hash slots, newest name first in each.

    That order is the order of the environment ash hands to its commands, which is why
    ``sh -c env`` lists HOSTNAME, SHLVL, HOME, PATH, PWD.
    """

    def __init__(self) -> None:
        self._slots: list[list[str]] = [[] for _ in range(_VTABSIZE)]
        self._values: dict[str, str | None] = {}
        self._exported: set[str] = set()
        for name, value in _ASH_VARINIT:
            self._slot(name).insert(0, name)
            self._values[name] = value

    def _slot(self, name: str) -> list[str]:
        hashed = (ord(name[0]) << 4) + sum(ord(char) for char in name)
        return self._slots[hashed % _VTABSIZE]

    def get(self, name: str) -> str | None:
        return self._values.get(name)

    def set(self, name: str, value: str | None, *, export: bool = False) -> None:
        if name not in self._values:
            self._slot(name).insert(0, name)
        if value is not None or name not in self._values:
            self._values[name] = value
        if export:
            self._exported.add(name)

    def unset(self, name: str) -> None:
        if name in _ASH_FIXED:
            self._values[name] = None
        elif name in self._values:
            self._slot(name).remove(name)
            del self._values[name]
            self._exported.discard(name)

    def copy(self) -> _AshVariables:
        clone = _AshVariables()
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

    def exports(self) -> list[tuple[str, str | None]]:
        return sorted((name, self._values[name]) for name in self._exported)


_ASH_BUILTINS_NOT_SIMULATED = {
    ".", "[", "alias", "bg", "break", "chdir", "command", "continue", "eval", "exec", "fg",
    "getopts", "hash", "help", "history", "jobs", "kill", "let", "local", "read", "readonly",
    "return", "set", "shift", "source", "test", "times", "trap", "type", "ulimit", "umask",
    "unalias", "wait",
}
_ASSIGNMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=")


class _Shell:
    """BusyBox ash with ``-c SCRIPT [NAME [ARG]...]``, or nothing to read (it just exits)."""

    def __init__(self, machine: _Machine, proc: _Proc) -> None:
        self.machine = machine
        self.applet = proc.applet
        self.arg0 = proc.argv[0]
        self.commandname: str | None = None
        self.args = proc.argv[1:]
        self.params: list[str] = []
        self.cwd = proc.cwd
        self.pid = machine.last_pid
        self.status = 0
        self.line = 1
        self.vars = _AshVariables()
        for entry in proc.env:
            name, sep, value = entry.partition("=")
            if sep:
                self.vars.set(name, value, export=True)
        self.vars.set("PPID", str(self.pid - 1))
        self.vars.set("SHLVL", str(_atoi(self.vars.get("SHLVL")) + 1), export=True)
        if self.vars.get("HOSTNAME") is None:
            self.vars.set("HOSTNAME", machine.ctx.hostname)
        self.vars.set("PWD", self.cwd, export=True)
        self.interactive = False  # reading commands from a terminal or a pipe: errors do not end it

    def _message(self, text: str, builtin: str | None = None) -> None:
        """An error as ash words it: ``ARG0: [COMMAND: ][line N: ]TEXT``."""
        prefix = f"{self.arg0}: "
        context = builtin or self.commandname
        if context:
            prefix += f"{context}: " if context != self.arg0 else ""
            prefix += f"line {self.line}: "
        self.machine.err(prefix + text + "\n")

    def main(self) -> int:
        args = list(self.args)
        minus_c = False
        while args and args[0][:1] == "-" and args[0] not in ("-", "--"):
            option = args.pop(0)
            if set(option[1:]) != {"c"}:
                return _not_simulated(self.machine, f"{self.applet} {option}")
            minus_c = True
        if args[:1] in (["-"], ["--"]):
            args.pop(0)
        if not minus_c:
            if not args:
                return 0  # no script, and no stdin to read one from
            name = args[0]
            if self.machine.fs.kind(_resolve(self.cwd, name)) is None:
                self._message(f"can't open '{name}': No such file or directory")
                return 2
            return _not_simulated(self.machine, f"{self.applet} {name}")
        if not args:
            self._message("-c requires an argument")
            return 2
        script = args.pop(0)
        if args:
            self.arg0 = self.commandname = args.pop(0)
        self.params = args
        try:
            self._run_script(script)
        except _ShellExit as stop:
            return stop.code & 0xFF
        return self.status

    def _run_script(self, script: str) -> None:
        lines, error = _parse(script)
        for line in lines:
            for and_or in line:
                self._run_command(and_or.first)
                for operator, command in and_or.rest:
                    if (operator == "&&") == (self.status == 0):
                        self._run_command(command)
        if error is not None:
            self._fail(error)

    def _fail(self, error: _ShellError) -> None:
        self.line = error.line
        if isinstance(error, _Unsupported):
            self.machine.err(f"{self.arg0}: {error.message} not simulated by hellotrace's mock engine\n")
        else:
            self._message(f"syntax error: {error.message}")
        if self.interactive:
            self.status = 2
            return
        raise _ShellExit(2)

    def prompt(self) -> str:
        """ash's default PS1 for root, `\\w \\$ `: the directory (~ for HOME), then `# `."""
        home = self.vars.get("HOME") or ""
        where = "~" + self.cwd[len(home):] if home and (self.cwd + "/").startswith(home + "/") else self.cwd
        return f"{where} # "

    def run_line(self, text: str) -> int | None:
        """One line read interactively; the exit code once the shell has exited."""
        try:
            self._run_script(text)
        except _ShellExit as stop:
            return stop.code & 0xFF
        return None

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
        if name.isdigit():  # a positional parameter; past any that was given, empty
            index = whole_number(name, 6)
            if index is None:
                return ""
            if index == 0:
                return self.arg0
            return self.params[index - 1] if index <= len(self.params) else ""
        return self.vars.get(name) or ""

    def _expand(self, word: _Word) -> list[str]:
        """Tilde, parameter expansion, field splitting, then pathname expansion."""
        meaningful = [(p.kind, p.text, p.quoted) for p in word.parts if p.kind == "var" or p.text]
        if meaningful == [("var", "@", True)]:
            return list(self.params)
        fields: list[str] = []
        text, pattern, started = "", "", False
        for index, part in enumerate(word.parts):
            value = part.text if part.kind == "lit" else self._lookup(part.text)
            if index == 0 and part.kind == "lit" and not part.quoted and re.match(r"~(/|$)", value):
                value = (self.vars.get("HOME") or "") + value[1:]
            if part.quoted or part.kind == "lit":
                text += value
                pattern += value if part.kind == "lit" and not part.quoted else _glob_escape(value)
                started |= part.quoted
                continue
            for position, piece in enumerate(re.split(r"[ \t\n]+", value)):
                if position and (text or started):
                    fields += self._glob(text, pattern)
                if position:
                    text, pattern, started = "", "", False
                text += piece
                pattern += piece
        if text or started:
            fields += self._glob(text, pattern)
        return fields

    def _glob(self, text: str, pattern: str) -> list[str]:
        """Pathname expansion, for patterns in ``/`` (the one directory the model lists)."""
        if not re.search(r"(?<!\\)[*?\[]", pattern):
            return [text]
        directory, slash, name_pattern = pattern.rpartition("/")
        if "/" in directory.strip("/") or self._unescaped(directory) != directory:
            raise _Unsupported(f"the pattern '{text}'", self.line)
        base = _resolve(self.cwd, directory or ("/" if slash else "."))
        if base != "/":
            raise _Unsupported(f"the pattern '{text}'", self.line)
        matcher = _glob_regex(name_pattern)
        hidden = name_pattern.startswith(".")
        matches = [
            name for name in self.machine.fs.children("/")
            if matcher.fullmatch(name) and (hidden or not name.startswith("."))
        ]
        prefix = directory + slash
        return [prefix + name for name in matches] if matches else [text]

    @staticmethod
    def _unescaped(text: str) -> str:
        return re.sub(r"\\(.)", r"\1", text)

    # ----------------------------------------------------------------- commands
    def _run_command(self, command: _Command) -> None:
        self.line = command.line
        words = list(command.words)
        assignments: list[tuple[str, str]] = []
        while words and words[0].parts[0].kind == "lit" and not words[0].parts[0].quoted:
            first = words[0].parts[0]
            match = _ASSIGNMENT.match(first.text)
            if match is None:
                break
            parts = [_Part("lit", first.text[match.end() :], True), *words.pop(0).parts[1:]]
            value = "".join(p.text if p.kind == "lit" else self._lookup(p.text) for p in parts)
            assignments.append((match.group(1), value))
        streams = dict(self.machine.streams)
        try:
            argv = [item for word in words for item in self._expand(word)]
            for redirect, target in command.redirects:
                self.machine.streams[redirect.fd] = self._redirection(redirect, target)
        except _Redirection as error:
            self.machine.streams = streams
            self._message(error.message)
            self.status = 1
            return
        except _Unsupported as error:
            self.machine.streams = streams
            self._fail(error)
        try:
            if not argv:
                for name, value in assignments:
                    self.vars.set(name, value)
                self.status = 0
                return
            self.status = self._execute(argv, assignments) & 0xFF
        finally:
            self.machine.streams = streams

    def _redirection(self, redirect: _Redirect, target: _Word | None) -> int | str | None:
        """Where a redirected descriptor now leads: another stream, None for /dev/null, or a file's path (`>`
        empties it first, `>>` appends)."""
        current = self.machine.streams
        if redirect.duplicate is not None:
            return current[redirect.duplicate]
        assert target is not None  # the parser pairs a file redirection with its word
        name = "".join(self._expand(target))
        devices = {"/dev/null": None, "/dev/stdout": current[STDOUT], "/dev/stderr": current[STDERR]}
        if name in devices:
            return devices[name]
        path = _resolve(self.cwd, name)
        fs = self.machine.fs
        if fs.kind(parent_dir(path)) != "dir":
            raise _Redirection(f"can't create {name}: nonexistent directory", self.line)
        if fs.kind(path) == "dir":
            raise _Redirection(f"can't create {name}: Is a directory", self.line)
        if not redirect.append:
            try:
                fs.write(path, b"")
            except NoSpace:
                raise _Redirection(f"can't create {name}: No space left on device", self.line) from None
        return path

    def _execute(self, argv: list[str], assignments: list[tuple[str, str]]) -> int:
        name = argv[0]
        special = {"exit": self._exit, "export": self._export, "unset": self._unset}
        if name in special or name == ":":
            for variable, value in assignments:
                self.vars.set(variable, value)
            return special[name](argv) if name in special else 0
        if name == "cd":
            return self._cd(argv)
        scope = self.vars.copy()
        for variable, value in assignments:
            scope.set(variable, value, export=True)
        proc = _Proc(argv, scope.environment(), self.cwd)
        if name in ("echo", "printf", "true", "false", "pwd"):
            # ash builtins run the applets' code, signed with the shell's name.
            builtin = _Proc(argv, proc.env, self.cwd, applet=self.applet)
            return _PROGRAMS[name](self.machine, builtin)
        if name in _ASH_BUILTINS_NOT_SIMULATED:
            return _not_simulated(self.machine, f"{self.applet}: {name}")
        rootfs = self.machine.rootfs
        if "/" not in name:
            program = _path_search(rootfs, name, self.vars.get("PATH"), self.cwd)
            if program is None:
                where = f"line {self.line}: " if self.commandname else ""
                self.machine.err(f"{self.arg0}: {where}{name}: not found\n")
                return 127
            return self.machine.run(program, proc)
        path = _resolve(self.cwd, name)
        kind = rootfs.kind(path)
        if kind == "program":
            return self.machine.run(rootfs.programs[path], proc)
        if kind is None:
            self.machine.err(f"{self.arg0}: {name}: not found\n")
            return 127
        self.machine.err(f"{self.arg0}: {name}: Permission denied\n")
        return 126

    def _exit(self, argv: list[str]) -> int:
        if len(argv) < 2:
            raise _ShellExit(self.status)
        if not re.fullmatch(r"[0-9]+", argv[1]):
            self._message(f"Illegal number: {argv[1]}", "exit")
            raise _ShellExit(2)
        raise _ShellExit(int(argv[1]))

    def _export(self, argv: list[str]) -> int:
        names = [arg for arg in argv[1:] if arg != "-p"]
        for arg in names:
            name, sep, value = arg.partition("=")
            self.vars.set(name, value if sep else None, export=True)
        if not names:
            self.machine.out(
                "".join(
                    f"export {name}" + ("" if value is None else "=" + _single_quote(value)) + "\n"
                    for name, value in self.vars.exports()
                )
            )
        return 0

    def _unset(self, argv: list[str]) -> int:
        for name in argv[1:]:
            if name not in ("-v", "-f"):
                self.vars.unset(name)
        return 0

    def _cd(self, argv: list[str]) -> int:
        target = argv[1] if len(argv) > 1 else (self.vars.get("HOME") or "/")
        path = _resolve(self.cwd, target)
        kind = self.machine.fs.kind(path)
        if kind != "dir":
            reason = "No such file or directory" if kind is None else "Not a directory"
            self._message(f"can't cd to {target}: {reason}", "cd")
            return 2
        self.vars.set("OLDPWD", self.cwd, export=True)
        self.cwd = path
        self.vars.set("PWD", path, export=True)
        return 0


def _atoi(text: str | None) -> int:
    """What a shell's arithmetic reads at the start of `text` (SHLVL): 0 when no number is there."""
    match = re.match(r"\s*([+-]?)([0-9]+)", text or "")
    value = whole_number(match.group(2)) if match else None
    return 0 if value is None else -value if match.group(1) == "-" else value


def _glob_escape(text: str) -> str:
    return re.sub(r"([*?\[\\])", r"\\\1", text)


def _glob_regex(pattern: str) -> re.Pattern[str]:
    """A shell pattern (``*``, ``?``, ``[...]``, ``\\`` escapes) as a regular expression."""
    regex, pos = "", 0
    while pos < len(pattern):
        char = pattern[pos]
        pos += 1
        if char == "\\" and pos < len(pattern):
            regex += re.escape(pattern[pos])
            pos += 1
        elif char == "*":
            regex += ".*"
        elif char == "?":
            regex += "."
        elif char == "[" and "]" in pattern[pos + 1 :]:
            close = pattern.index("]", pos + 1)
            members = pattern[pos:close]
            negate = members[:1] in ("!", "^")
            members = members[1:] if negate else members
            regex += "[" + ("^" if negate else "") + members.replace("\\", "\\\\") + "]"
            pos = close + 1
        else:
            regex += re.escape(char)
    return re.compile(regex, re.DOTALL)


def _single_quote(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"


def container_files(image: CatalogImage, hostname: str, layer: Layer) -> FileSystem:
    """The files a container of `image` sees (what `docker cp`, `docker diff` and `docker export` read)."""
    return FileSystem(_rootfs(image, hostname), layer)
