"""Simulated programs: what hello-world, alpine and busybox commands write, and how they exit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from hellotrace.engine.catalog import resolve
from hellotrace.engine.hello import HELLO_MESSAGE
from hellotrace.engine.programs import (
    KERNEL_VERSION,
    ExecutableNotFound,
    ProcessContext,
    Script,
    Sleep,
    Write,
    plan,
)
from hellotrace.protocol.reference import parse_reference

HOST = "3f2c1e0b9a7d"
NOW = datetime(2026, 11, 29, 20, 41, 5, tzinfo=UTC)
OCI = (
    "failed to create task for container: failed to create shim task: OCI runtime create failed: "
    "runc create failed: unable to start container process: error during container init: exec: "
)
PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
NOT_SIMULATED = "not simulated by hellotrace's mock engine"


@dataclass
class Run:
    script: Script

    @property
    def out(self) -> str:
        return b"".join(s.data for s in self.script.steps if isinstance(s, Write) and s.stream == 1).decode()

    @property
    def err(self) -> str:
        return b"".join(s.data for s in self.script.steps if isinstance(s, Write) and s.stream == 2).decode()

    @property
    def code(self) -> int:
        return self.script.exit_code


def context(image: str, argv: tuple[str, ...], env: tuple[str, ...] = (), working_dir: str | None = None,
            now: datetime = NOW) -> ProcessContext:
    img = resolve(parse_reference(image))
    directory = img.config.working_dir if working_dir is None else working_dir
    return ProcessContext(img, argv, img.config.env + env, HOST, directory, now)


def run(image: str, *argv: str, env: tuple[str, ...] = (), working_dir: str | None = None) -> Run:
    return Run(plan(context(image, argv, env, working_dir)))


def sh(script: str, image: str = "alpine", *extra: str, env: tuple[str, ...] = ()) -> Run:
    return run(image, "sh", "-c", script, *extra, env=env)


# ------------------------------------------------------------------ hello-world


def test_hello_writes_its_message_in_one_write() -> None:
    script = plan(context("hello-world", ("/hello",)))
    assert script == Script((Write(1, HELLO_MESSAGE),), 0)


def test_hello_message_shape() -> None:
    text = HELLO_MESSAGE.decode("ascii")
    lines = text.split("\n")
    assert len(HELLO_MESSAGE) < 900
    assert max(len(line) for line in lines) < 80
    assert lines[0] == "" and text.endswith("\n")
    assert "hellotrace" in lines[1] and "Hello from Docker" not in text
    numbered = [line[:4] for line in lines if line[:4] in (" 1. ", " 2. ", " 3. ", " 4. ")]
    assert numbered == [" 1. ", " 2. ", " 3. ", " 4. "]
    step2 = next(i for i, line in enumerate(lines) if line.startswith(" 2. "))
    assert '"hello-world"' in lines[step2] and lines[step2 + 1] == "    (amd64)"
    assert "docker run --rm alpine echo hello world" in text


@pytest.mark.parametrize(
    ("image", "argv0", "reason"),
    [
        ("hello-world", "ls", '"ls": executable file not found in $PATH'),
        ("hello-world", "hello", '"hello": executable file not found in $PATH'),
        ("hello-world", "/bin/sh", '"/bin/sh": stat /bin/sh: no such file or directory'),
        ("hello-world", "/etc", '"/etc": is a directory: permission denied'),
        ("hello-world", "/etc/hostname", '"/etc/hostname": permission denied'),
        ("alpine", "foo", '"foo": executable file not found in $PATH'),
        ("alpine", "/nope", '"/nope": stat /nope: no such file or directory'),
        ("alpine", "./nope", '"./nope": stat ./nope: no such file or directory'),
        ("alpine", "/tmp", '"/tmp": is a directory: permission denied'),
        ("alpine", "/etc/os-release", '"/etc/os-release": permission denied'),
        ("busybox", "bash", '"bash": executable file not found in $PATH'),
    ],
)
def test_what_cannot_start_fails_like_docker_29(image: str, argv0: str, reason: str) -> None:
    with pytest.raises(ExecutableNotFound) as caught:
        plan(context(image, (argv0,)))
    assert caught.value.message == str(caught.value) == OCI + reason


def test_the_search_uses_the_containers_path() -> None:
    with pytest.raises(ExecutableNotFound, match='"echo": executable file not found'):
        plan(context("alpine", ("echo", "hi"), env=("PATH=/nowhere",)))
    assert run("alpine", "/bin/echo", "hi", env=("PATH=/nowhere",)).out == "hi\n"


def test_an_empty_command_is_the_callers_error() -> None:
    with pytest.raises(ValueError):
        plan(context("alpine", ()))


# ------------------------------------------------------------------ applets


@pytest.mark.parametrize(
    ("image", "argv", "out"),
    [
        ("alpine", ("echo", "hello", "world"), "hello world\n"),
        ("alpine", ("echo",), "\n"),
        ("alpine", ("echo", "-n", "a", "b"), "a b"),
        ("alpine", ("echo", "-e", r"a\tb\nc"), "a\tb\nc\n"),
        ("alpine", ("echo", r"a\tb"), "a\\tb\n"),
        ("alpine", ("echo", "-ne", r"x\x41\0101\101\e\z"), "xAAA\x1b\\z"),
        ("alpine", ("echo", "-e", r"stop\c here"), "stop"),
        ("alpine", ("echo", "-e", "-n", "x"), "x"),
        ("alpine", ("echo", "-x", "y"), "-x y\n"),
        ("alpine", ("echo", "-", "--"), "- --\n"),
        ("alpine", ("echo", "-E", r"\n"), "\\n\n"),
        ("busybox", ("/bin/echo", "hi"), "hi\n"),
        ("alpine", ("true",), ""),
        ("alpine", ("pwd",), "/\n"),
        ("alpine", ("hostname",), f"{HOST}\n"),
        ("alpine", ("whoami",), "root\n"),
        ("alpine", ("uname",), "Linux\n"),
        ("alpine", ("uname", "-r"), f"{KERNEL_VERSION}\n"),
        ("alpine", ("uname", "-sm"), "Linux x86_64\n"),
        ("alpine", ("uname", "-p"), "unknown\n"),
        (
            "alpine",
            ("uname", "-a"),
            f"Linux {HOST} 6.1.0-39-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.148-1 (2025-08-26) x86_64 Linux\n",
        ),
        (
            "busybox",
            ("uname", "-a"),
            f"Linux {HOST} 6.1.0-39-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.148-1 (2025-08-26) x86_64 GNU/Linux\n",
        ),
        ("busybox", ("date",), "Sun Nov 29 20:41:05 UTC 2026\n"),
        ("alpine", ("date", "-u"), "Sun Nov 29 20:41:05 UTC 2026\n"),
        ("alpine", ("date", "+%Y-%m-%d %H:%M:%S %s"), "2026-11-29 20:41:05 1795984865\n"),
        ("alpine", ("date", "-R"), "Sun, 29 Nov 2026 20:41:05 +0000\n"),
        ("alpine", ("date", "-I"), "2026-11-29\n"),
        (
            "alpine",
            ("id",),
            "uid=0(root) gid=0(root) groups=0(root),1(bin),2(daemon),3(sys),4(adm),6(disk),10(wheel),"
            "11(floppy),20(dialout),26(tape),27(video)\n",
        ),
        ("busybox", ("id",), "uid=0(root) gid=0(root) groups=0(root),10(wheel)\n"),
        ("busybox", ("id", "-u"), "0\n"),
        ("busybox", ("id", "-un"), "root\n"),
        ("busybox", ("id", "-G"), "0 10\n"),
        ("alpine", ("id", "-Gn"), "root bin daemon sys adm disk wheel floppy dialout tape video\n"),
        ("alpine", ("cat", "/etc/alpine-release"), "3.24.2\n"),
        ("alpine:3.21", ("cat", "/etc/alpine-release"), "3.21.8\n"),
        ("busybox", ("cat", "/etc/hostname"), f"{HOST}\n"),
        ("alpine", ("cat",), ""),
        ("alpine", ("printenv", "HOME"), "/root\n"),
        ("alpine", ("sleep", "0"), ""),
    ],
)
def test_applet_output(image: str, argv: tuple[str, ...], out: str) -> None:
    result = run(image, *argv)
    assert (result.out, result.err, result.code) == (out, "", 0)


def test_date_pads_the_day_with_a_space() -> None:
    early = Run(plan(context("busybox", ("date",), now=datetime(2026, 12, 1, 8, 5, 9, tzinfo=UTC))))
    assert early.out == "Tue Dec  1 08:05:09 UTC 2026\n"


@pytest.mark.parametrize(
    ("image", "release"),
    [("alpine", "3.24.2"), ("alpine:3.23", "3.23.6"), ("alpine:3.22", "3.22.6"), ("alpine:3.21", "3.21.8")],
)
def test_alpine_os_release(image: str, release: str) -> None:
    minor = ".".join(release.split(".")[:2])
    assert run(image, "cat", "/etc/os-release").out == (
        'NAME="Alpine Linux"\n'
        "ID=alpine\n"
        f"VERSION_ID={release}\n"
        f'PRETTY_NAME="Alpine Linux v{minor}"\n'
        'HOME_URL="https://alpinelinux.org/"\n'
        'BUG_REPORT_URL="https://gitlab.alpinelinux.org/alpine/aports/-/issues"\n'
    )


def test_alpine_edge_os_release() -> None:
    text = run("alpine:edge", "cat", "/etc/os-release").out
    assert "VERSION_ID=3.25_alpha20260805\n" in text and 'PRETTY_NAME="Alpine Linux edge"\n' in text


@pytest.mark.parametrize(
    ("image", "argv", "err", "code"),
    [
        ("busybox", ("cat", "/etc/os-release"), "cat: can't open '/etc/os-release': No such file or directory\n", 1),
        ("alpine", ("cat", "x"), "cat: can't open 'x': No such file or directory\n", 1),
        ("alpine", ("cat", "/etc"), "cat: read error: Is a directory\n", 1),
        ("alpine", ("ls", "/nope"), "ls: /nope: No such file or directory\n", 1),
        ("alpine", ("false",), "", 1),
        ("alpine", ("sleep", "abc"), "sleep: invalid number 'abc'\n", 1),
        ("alpine", ("sleep",), "Usage: sleep [N]...\n", 1),
        ("alpine", ("uname", "-z"), "uname: unrecognized option: z\nUsage: uname [-amnrspvio]\n", 1),
        ("busybox", ("uname", "-z"), "uname: invalid option -- 'z'\nUsage: uname [-amnrspvio]\n", 1),
        ("busybox:musl", ("uname", "-z"), "uname: unrecognized option: z\nUsage: uname [-amnrspvio]\n", 1),
        ("alpine", ("hostname", "other"), "hostname: sethostname: Operation not permitted\n", 1),
        ("alpine", ("id", "nobody2"), "id: unknown user nobody2\n", 1),
        ("alpine", ("printenv", "NOPE"), "", 1),
        ("alpine", ("printf",), "Usage: printf FORMAT [ARG]...\n", 1),
        ("alpine", ("env", "nope"), "env: can't execute 'nope': No such file or directory\n", 127),
    ],
)
def test_applet_errors(image: str, argv: tuple[str, ...], err: str, code: int) -> None:
    result = run(image, *argv)
    assert (result.err, result.code) == (err, code)


@pytest.mark.parametrize(
    ("image", "argv"),
    [
        ("alpine", ("ps",)),
        ("busybox", ("wget", "http://example.com")),
        ("alpine", ("apk", "add", "curl")),
        ("alpine", ("ls", "-l")),
        ("alpine", ("ls", "/etc")),
        ("alpine", ("cat", "/etc/passwd")),
        ("alpine", ("cat", "-n", "/etc/hostname")),
        ("alpine", ("sh", "-x", "-c", "true")),
        ("alpine", ("sh", "/etc/profile")),
    ],
)
def test_what_exists_but_is_not_simulated_says_so(image: str, argv: tuple[str, ...]) -> None:
    result = run(image, *argv)
    assert NOT_SIMULATED in result.err
    assert (result.out, result.code) == ("", 1)


def test_sleep_is_a_pause_step() -> None:
    script = plan(context("alpine", ("sleep", "1.5", "1m")))
    assert script == Script((Sleep(61.5),), 0)


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("alpine", "bin dev etc home lib media mnt opt proc root run sbin srv sys tmp usr var"),
        ("busybox", "bin dev etc home lib lib64 proc root sys tmp usr var"),
        ("busybox:musl", "bin dev etc home proc root sys tmp usr var"),
        ("busybox:uclibc", "bin dev etc home proc root sys tmp usr var"),
    ],
)
def test_ls_root_lists_the_images_directories_one_per_line(image: str, expected: str) -> None:
    assert run(image, "ls", "/").out == expected.replace(" ", "\n") + "\n"
    assert run(image, "ls").out == run(image, "ls", "-1", "/").out


def test_ls_variants() -> None:
    assert run("busybox", "ls", "-a", "/").out.startswith(".\n..\n.dockerenv\nbin\n")
    assert run("busybox", "ls", "-A", "/").out.startswith(".dockerenv\nbin\n")
    assert run("alpine", "ls", "/tmp").out == ""
    assert run("alpine", "ls", "/etc/os-release", "/bin/sh").out == "/bin/sh\n/etc/os-release\n"
    both = run("busybox", "ls", "/tmp", "/root")
    assert both.out == "/root:\n\n/tmp:\n"
    mixed = run("busybox", "ls", "/nope", "/tmp")
    assert (mixed.err, mixed.out, mixed.code) == ("ls: /nope: No such file or directory\n", "/tmp:\n", 1)


def test_ls_runs_in_the_working_directory() -> None:
    assert run("alpine", "ls", working_dir="/tmp").out == ""
    assert run("alpine", "pwd", working_dir="/tmp").out == "/tmp\n"


def test_env_lists_path_hostname_env_then_home() -> None:
    result = run("alpine", "env", env=("FOO=bar", "PATH=/bin:/usr/bin"))
    assert result.out == f"PATH=/bin:/usr/bin\nHOSTNAME={HOST}\nFOO=bar\nHOME=/root\n"
    assert run("busybox", "env", env=("HOME=/tmp",)).out == f"{PATH}\nHOSTNAME={HOST}\nHOME=/tmp\n"


def test_env_options_and_command() -> None:
    assert run("alpine", "env", "-i", "A=1").out == "A=1\n"
    assert run("alpine", "env", "-u", "HOME", "-u", "HOSTNAME").out == f"{PATH}\n"
    assert run("alpine", "env", "-", "B=2", "env").out == "B=2\n"
    assert run("alpine", "env", "X=1", "printenv", "X").out == "1\n"


@pytest.mark.parametrize(
    ("argv", "out", "err", "code"),
    [
        (("printf", "%s-%d\\n", "a", "1", "b", "2"), "a-1\nb-2\n", "", 0),
        (("printf", "[%5s|%-5s|%.2s]\\n", "ab", "cd", "xyz"), "[   ab|cd   |xy]\n", "", 0),
        (("printf", "%05d %x %X %o %#o %u\\n", "42", "255", "255", "8", "8", "-1"),
         "00042 ff FF 10 010 18446744073709551615\n", "", 0),
        (("printf", "%d %d %d\\n", "0x1f", "017", "'A"), "31 15 65\n", "", 0),
        (("printf", "%.3f %e\\n", "3.14159", "1500"), "3.142 1.500000e+03\n", "", 0),
        (("printf", "%c%c\\n", "hello", "w"), "hw\n", "", 0),
        (("printf", "%b|%s\\n", "a\\tb", "a\\tb"), "a\tb|a\\tb\n", "", 0),
        (("printf", "100%%\\n"), "100%\n", "", 0),
        (("printf", "%s\\n"), "\n", "", 0),
        (("printf", "%d|%d\\n", "12", "abc"), "12|0\n", "printf: invalid number 'abc'\n", 1),
        (("printf", "no newline"), "no newline", "", 0),
        (("printf", "a\\cb"), "a", "", 0),
        (("printf", "x%qy", "1"), "x", "printf: %qy: invalid format\n", 1),
        (("printf", "--", "%s\\n", "z"), "z\n", "", 0),
    ],
)
def test_printf(argv: tuple[str, ...], out: str, err: str, code: int) -> None:
    result = run("alpine", *argv)
    assert (result.out, result.err, result.code) == (out, err, code)


def test_printf_writes_errors_before_its_buffered_output() -> None:
    steps = plan(context("alpine", ("printf", "%d\\n", "x"))).steps
    assert steps == (Write(2, b"printf: invalid number 'x'\n"), Write(1, b"0\n"))


# ------------------------------------------------------------------ the shell


def test_bare_shell_without_stdin_exits_quietly() -> None:
    for image, argv in (("alpine", ("/bin/sh",)), ("busybox", ("sh",)), ("alpine", ("ash",))):
        assert plan(context(image, argv)) == Script((), 0)


def test_shell_env_is_in_ash_order() -> None:
    assert sh("env").out == f"HOSTNAME={HOST}\nSHLVL=1\nHOME=/root\n{PATH}\nPWD=/\n"
    assert sh("sh -c env").out == f"HOSTNAME={HOST}\nSHLVL=2\nHOME=/root\n{PATH}\nPWD=/\n"
    assert sh("FOO=1 env", env=("TERM=xterm",)).out.splitlines() == [
        f"HOSTNAME={HOST}", "SHLVL=1", "HOME=/root", "TERM=xterm", PATH, "FOO=1", "PWD=/",
    ]


@pytest.mark.parametrize(
    ("script", "out"),
    [
        ("echo hello world", "hello world\n"),
        ("echo a; echo b", "a\nb\n"),
        ("echo a\necho b", "a\nb\n"),
        ("true && echo yes", "yes\n"),
        ("false && echo yes; true", ""),
        ("false || echo fallback", "fallback\n"),
        ("true || echo no; echo next", "next\n"),
        ("false && echo a || echo b", "b\n"),
        ("true &&\necho continued", "continued\n"),
        ("echo 'single  $HOME'", "single  $HOME\n"),
        ('echo "double  $HOME"', "double  /root\n"),
        ("echo $HOSTNAME ${HOME}x", f"{HOST} /rootx\n"),
        ('echo "a\\"b\\$c\\\\d\\e"', 'a"b$c\\d\\e\n'),
        ("echo a\\ b c\\$d", "a b c$d\n"),
        ("echo $NOPE end", "end\n"),
        ("echo \"$NOPE\" end", " end\n"),
        ("X='a   b'; echo $X; echo \"$X\"", "a b\na   b\n"),
        ("false; echo $?; echo $?", "1\n0\n"),
        ("echo $$", "1\n"),
        ("echo $0 $# $1", "sh 0\n"),
        ("echo # a comment", "\n"),
        ("echo a#b", "a#b\n"),
        ("echo ~ ~/x '~'", "/root /root/x ~\n"),
        ("A=1; B=$A$A; echo $B", "11\n"),
        ("export X=1; printenv X", "1\n"),
        ("export Y=2; printenv Y", "2\n"),
        ("Z=3; printenv Z; echo $Z", "3\n"),
        ("unset HOME; echo \"[$HOME]\"", "[]\n"),
        ("cd /tmp && pwd && ls", "/tmp\n"),
        ("cd; pwd", "/root\n"),
        ("echo *", "bin dev etc home lib media mnt opt proc root run sbin srv sys tmp usr var\n"),
        ("echo /s* /nomatch*", "/sbin /srv /sys /nomatch*\n"),
        ("echo '*' \"/s*\"", "* /s*\n"),
        ("echo [ab]in ?ev", "bin dev\n"),
        ("X='/e*'; echo $X \"$X\"", "/etc /e*\n"),
        ("sleep 2; echo done", "done\n"),
        ("printf '%s\\n' a b", "a\nb\n"),
        ("uname -n", f"{HOST}\n"),
        ("/bin/echo path", "path\n"),
        ("busybox_is_not_here=1", ""),
    ],
)
def test_shell_scripts(script: str, out: str) -> None:
    result = sh(script)
    assert (result.out, result.err, result.code) == (out, "", 0)


def test_shell_positional_parameters() -> None:
    result = run("alpine", "sh", "-c", 'echo "$0|$1|$2|$#|$@"', "name", "one", "two words")
    assert result.out == "name|one|two words|2|one two words\n"
    quoted_all = run("alpine", "sh", "-c", 'printf "[%s]" "$@"', "n", "a b", "c")
    assert quoted_all.out == "[a b][c]"


def test_shell_sleep_becomes_a_step_between_writes() -> None:
    steps = plan(context("alpine", ("sh", "-c", "echo start; sleep 2; echo end"))).steps
    assert steps == (Write(1, b"start\n"), Sleep(2.0), Write(1, b"end\n"))


def test_each_command_writes_separately() -> None:
    steps = plan(context("busybox", ("sh", "-c", "echo out; nope; echo again"))).steps
    assert steps == (Write(1, b"out\n"), Write(2, b"sh: nope: not found\n"), Write(1, b"again\n"))


@pytest.mark.parametrize(
    ("script", "code"),
    [
        ("exit 3", 3),
        ("exit", 0),
        ("false; exit", 1),
        ("exit 300", 44),
        ("true; false", 1),
        ("false; true", 0),
        ("exit 5; echo never", 5),
        ("nope", 127),
        ("/nope", 127),
        ("/etc", 126),
        ("sh -c 'exit 7'", 7),
        ("echo ok", 0),
    ],
)
def test_shell_exit_codes(script: str, code: int) -> None:
    assert sh(script).code == code


@pytest.mark.parametrize(
    ("argv", "err", "code"),
    [
        (("sh", "-c", "foo"), "sh: foo: not found\n", 127),
        (("/bin/sh", "-c", "foo"), "/bin/sh: foo: not found\n", 127),
        (("sh", "-c", "echo a\nfoo", "myname"), "myname: line 2: foo: not found\n", 127),
        (("sh", "-c", "/nope"), "sh: /nope: not found\n", 127),
        (("sh", "-c", "/etc"), "sh: /etc: Permission denied\n", 126),
        (("sh", "-c"), "sh: -c requires an argument\n", 2),
        (("sh", "script.sh"), "sh: can't open 'script.sh': No such file or directory\n", 2),
        (("sh", "-c", "exit abc"), "sh: exit: line 1: Illegal number: abc\n", 2),
        (("sh", "-c", "cd /nope"), "sh: cd: line 1: can't cd to /nope: No such file or directory\n", 2),
        (("sh", "-c", "cd /etc/hostname"), "sh: cd: line 1: can't cd to /etc/hostname: Not a directory\n", 2),
        (("sh", "-c", "echo 'open"), "sh: syntax error: unterminated quoted string\n", 2),
        (("sh", "-c", 'echo "open'), "sh: syntax error: unterminated quoted string\n", 2),
        (("sh", "-c", "; echo"), 'sh: syntax error: unexpected ";"\n', 2),
        (("sh", "-c", "echo a &&"), "sh: syntax error: unexpected end of file\n", 2),
        (("sh", "-c", "&& echo"), 'sh: syntax error: unexpected "&&"\n', 2),
        (("sh", "-c", "echo a;;"), 'sh: syntax error: unexpected ";;"\n', 2),
        (("sh", "-c", "echo\n'x", "n"), "n: line 2: syntax error: unterminated quoted string\n", 2),
        (("sh", "-c", "printf"), "sh: usage: printf FORMAT [ARGUMENT...]\n", 2),
        (("sh", "-c", "printf %d x"), "sh: invalid number 'x'\n", 1),
    ],
)
def test_shell_errors_are_ashs(argv: tuple[str, ...], err: str, code: int) -> None:
    result = run("alpine", *argv)
    assert (result.err, result.code) == (err, code)


def test_lines_before_a_syntax_error_run_but_not_its_own_line() -> None:
    result = sh("echo first\necho second; echo 'broken")
    assert (result.out, result.code) == ("first\n", 2)
    assert result.err == "sh: syntax error: unterminated quoted string\n"


def test_a_failing_cd_does_not_stop_the_script() -> None:
    result = sh("cd /nope; echo after")
    assert (result.out, result.code) == ("after\n", 0)


@pytest.mark.parametrize(
    ("script", "feature"),
    [
        ("echo a | wc -l", "pipes (|)"),
        ("sleep 10 &", "background jobs (&)"),
        ("echo a 3>x", "the redirection 3>"),
        ("cat < /etc/hostname", "input redirections (<)"),
        ("echo a >&3", "the redirection >&3"),
        ("(echo a)", "subshells ( )"),
        ("echo `date`", "command substitution `...`"),
        ("echo $(date)", "command substitution $(...)"),
        ("echo ${X:-y}", "this ${...} parameter expansion"),
        ("if true; then echo a; fi", "the shell keyword 'if'"),
        ("for i in 1 2; do echo $i; done", "the shell keyword 'for'"),
        ("echo /etc/*", "the pattern '/etc/*'"),
    ],
)
def test_unsupported_shell_syntax_is_named_not_faked(script: str, feature: str) -> None:
    result = sh(script)
    assert (result.err, result.code) == (f"sh: {feature} {NOT_SIMULATED}\n", 2)


@pytest.mark.parametrize("builtin", ["set -e", "read x", "test 1 = 1", "[ -f /x ]", "trap 'x' EXIT"])
def test_unsimulated_builtins_say_so(builtin: str) -> None:
    result = sh(builtin)
    assert result.err == f"sh: {builtin.split()[0]}: {NOT_SIMULATED}\n"
    assert result.code == 1


def test_export_lists_exported_variables() -> None:
    assert sh("export -p").out == (
        f"export HOME='/root'\nexport HOSTNAME='{HOST}'\nexport PATH='{PATH[5:]}'\nexport PWD='/'\nexport SHLVL='1'\n"
    )


def test_busybox_and_alpine_run_the_same_shell() -> None:
    for image in ("alpine", "busybox", "busybox:uclibc"):
        result = run(image, "sh", "-c", "echo $HOSTNAME && uname -s; exit 4")
        assert (result.out, result.code) == (f"{HOST}\nLinux\n", 4)


@pytest.mark.parametrize(
    ("script", "err"),
    [
        ("echo ok\necho 'a\nb", "n: line 3: syntax error: unterminated quoted string\n"),
        ('echo ok\necho "a\nb', "n: line 3: syntax error: unterminated quoted string\n"),
        ("echo 'a\nb'\nnope", "n: line 3: nope: not found\n"),
        ('echo "a\nb"\nnope', "n: line 3: nope: not found\n"),
        ("echo a \\\nb\nnope", "n: line 3: nope: not found\n"),
    ],
)
def test_line_numbers_follow_multi_line_words(script: str, err: str) -> None:
    assert run("alpine", "sh", "-c", script, "n").err == err


def test_redirections_move_output_between_streams() -> None:
    steps = plan(context("busybox", ("sh", "-c", "echo out; echo err >&2; exit 3"))).steps
    assert steps == (Write(1, b"out\n"), Write(2, b"err\n"))
    assert sh("echo a 1>&2").err == "a\n"
    assert sh("echo >&2 first words").err == "first words\n"
    assert sh("echo b > /dev/stderr; echo c >/dev/stdout").err == "b\n"


@pytest.mark.parametrize(
    ("script", "out", "err"),
    [
        ("nope 2>/dev/null; echo $?", "127\n", ""),
        ("nope 2>&1", "sh: nope: not found\n", ""),
        ("echo x >/dev/null; echo y >> /dev/null", "", ""),
        ("ls /nope 2>&1 >/dev/null", "ls: /nope: No such file or directory\n", ""),
        ("ls /nope >/dev/null 2>&1", "", ""),
        (">/dev/null", "", ""),
        ("echo kept; echo gone >/dev/null; echo kept too", "kept\nkept too\n", ""),
    ],
)
def test_redirections(script: str, out: str, err: str) -> None:
    result = sh(script)
    assert (result.out, result.err) == (out, err)


@pytest.mark.parametrize(
    ("script", "message"),
    [("echo >", "unexpected end of file"), ("echo > > x", "unexpected redirection"), ("echo >;", 'unexpected ";"')],
)
def test_redirection_syntax_errors(script: str, message: str) -> None:
    result = sh(script)
    assert (result.err, result.code) == (f"sh: syntax error: {message}\n", 2)


@pytest.mark.parametrize("name", ["5" * 5000, "²"])  # past what int() reads; a digit int() does not read
def test_positional_parameters_past_any_given_are_empty(name) -> None:
    assert sh('echo "[${' + name + '}]"').out == "[]\n"


def test_a_shlvl_that_is_no_number_starts_again_from_zero() -> None:
    assert sh("echo $SHLVL", env=("SHLVL=" + "5" * 5000,)).out == "1\n"
