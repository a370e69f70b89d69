"""A private, real Docker daemon for the suite: Debian's dockerd 20.10 (API 1.41), isolated and offline.

Why each piece:
- dockerd runs in its own network namespace holding only loopback (and its own mount namespace, so the
  layers it mounts vanish with it): nothing it does can reach another machine. Its socket, data root, exec
  root, pidfile and log live in one short temporary folder; a unix socket stays reachable from outside.
- A local registry (`docker-registry`, from Debian) listens on 127.0.0.1:5000 *inside* that namespace and
  is the daemon's registry mirror, so `docker pull hello-world` is a genuine pull, with a genuine progress
  stream, without Docker Hub.
- The hello-world image is the project's own: a tiny static program, compiled here from
  `HELLO_MESSAGE`, that prints the mock's message in one `write(1, …)` and exits 0. It is pushed to the
  mirror as `library/hello-world:latest` and removed locally, so the next pull really transfers it.
- `alpine` and `busybox` stand-ins (one static BusyBox, as Debian's busybox-static ships it) give
  containers that keep running (`sleep`), which the error cases need.

Everything is stopped by PID: the daemon (which stops its containerd and containers) and the registry;
`stop()` then checks that no process mentioning the folder is left, and removes the folder. Should the test
run die first, Linux sends both SIGTERM (PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import ctypes
import http.client
import io
import os
import shutil
import signal
import struct
import subprocess
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from hellotrace.engine.hello import HELLO_MESSAGE
from tests.wire import UnixHTTPConnection

MIRROR = "127.0.0.1:5000"
# The mock's catalog names; the real daemon gets images of the same names through its mirror.
IMAGES = ("hello-world", "alpine", "busybox")
START_TIMEOUT = 30.0
STOP_TIMEOUT = 20.0
# What the fixture runs, and the Debian package each comes from (`.ci/run` installs them).
TOOLS = {
    "dockerd": "docker.io",
    "docker-registry": "docker-registry",
    "docker": "docker.io",
    "busybox": "busybox-static",
    "gcc": "gcc",
    "ip": "iproute2",
    "unshare": "util-linux",
    "nsenter": "util-linux",
}
# If a system containerd listens here, dockerd 20.10 uses it instead of starting its own, and the
# daemon would no longer be private.
SYSTEM_CONTAINERD = "/run/containerd/containerd.sock"
DEFAULT_PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class RealDaemonError(RuntimeError):
    """The private daemon could not be started (the message carries the logs' last lines)."""


def unavailable_reason() -> str | None:
    """Why a private real daemon cannot run on this machine, or None when it can."""
    missing = [f"{tool} ({package})" for tool, package in TOOLS.items() if shutil.which(tool) is None]
    if missing:
        return "a private real dockerd needs " + ", ".join(missing) + " (.ci/run installs them)"
    if _needs_interpreter(shutil.which("busybox") or ""):
        return "the busybox found is dynamically linked: the test images need busybox-static's"
    if os.geteuid() != 0:
        return "a private real dockerd needs root (network namespace, mounts, runc)"
    if os.path.exists(SYSTEM_CONTAINERD):
        return f"a system containerd is running ({SYSTEM_CONTAINERD}): dockerd would share it"
    return None


def _needs_interpreter(path: str) -> bool:
    """True unless `path` is a 64-bit ELF without PT_INTERP: only a static program runs in a `FROM scratch` image."""
    with open(path, "rb") as binary:
        head = binary.read(4096)
    if head[:5] != b"\x7fELF\x02":
        return True
    (table,) = struct.unpack_from("<Q", head, 0x20)
    entry_size, entries = struct.unpack_from("<HH", head, 0x36)
    pt_interp = 3
    return any(struct.unpack_from("<I", head, table + i * entry_size)[0] == pt_interp for i in range(entries))


@dataclass
class RealDaemon:
    """A running private dockerd; `unix_path` is its socket (what tests/wire.py's `call` dials)."""

    folder: Path
    unix_path: str
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def docker_host(self) -> str:
        return f"unix://{self.unix_path}"

    @property
    def log_path(self) -> Path:
        return self.folder / "dockerd.log"

    def docker(self, *args: str, stdin: bytes | None = None, timeout: float = 60) -> subprocess.CompletedProcess[bytes]:
        """Run the docker CLI against this daemon, with a private client configuration; raise if it fails."""
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.folder / "client"),
            "DOCKER_CONFIG": str(self.folder / "client"),
            "DOCKER_HOST": self.docker_host,
            "DOCKER_CLI_HINTS": "false",
        }
        result = subprocess.run([shutil.which("docker") or "docker", *args], input=stdin, capture_output=True,
                                env=env, timeout=timeout, check=False)
        if result.returncode != 0:
            raise RealDaemonError(
                f"`docker {' '.join(args)}` failed ({result.returncode}): {result.stderr.decode(errors='replace')}"
                + self.logs_tail()
            )
        return result

    def forget(self) -> None:
        """Back to a daemon that has pulled nothing: remove every container and the local test images
        (the mirror keeps them, so they can be pulled again)."""
        containers = self.docker("ps", "-aq").stdout.split()
        if containers:
            self.docker("rm", "-f", *[c.decode() for c in containers])
        present = {line.decode() for line in self.docker("images", "--format", "{{.Repository}}").stdout.split()}
        wanted = [name for name in IMAGES if name in present]
        if wanted:
            self.docker("rmi", "-f", *wanted)

    def logs_tail(self, lines: int = 25) -> str:
        """The last lines of the daemon's and the registry's logs, for error messages."""
        parts = []
        for name in ("dockerd.log", "registry.log"):
            path = self.folder / name
            if path.exists():
                tail = path.read_text(errors="replace").splitlines()[-lines:]
                parts.append(f"\n--- last lines of {name} ---\n" + "\n".join(tail))
        return "".join(parts)

    def stop(self) -> None:
        """Stop the registry, then the daemon (it stops its containers and containerd), all by PID;
        check nothing started for this folder is left; remove the folder."""
        for name in ("registry", "dockerd"):
            process = self.processes.get(name)
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(5)
        # containerd and its shims end shortly after dockerd: give them a moment before calling them leftovers.
        deadline = time.monotonic() + 5
        while (leftovers := _processes_mentioning(str(self.folder))) and time.monotonic() < deadline:
            time.sleep(0.1)
        for pid in leftovers:  # only processes our daemon started (they name our private folder)
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        shutil.rmtree(self.folder, ignore_errors=True)
        if leftovers:
            raise RealDaemonError(f"processes outlived the private dockerd and were killed: {leftovers}")


def start_real_daemon() -> RealDaemon:
    """Start the private daemon and its mirror, and publish the test images there; raise RealDaemonError
    (with the logs' last lines) if anything fails, after stopping what was started."""
    # Unix socket paths are limited to ~108 bytes, and containerd's sockets live under the exec root.
    folder = Path(tempfile.mkdtemp(prefix="htd-", dir="/tmp"))
    daemon = RealDaemon(folder, str(folder / "docker.sock"))
    try:
        _start_dockerd(daemon)
        _start_registry(daemon)
        _publish_images(daemon)
    except BaseException:
        daemon.stop()
        raise
    return daemon


def _start_dockerd(daemon: RealDaemon) -> None:
    folder = daemon.folder
    (folder / "client").mkdir()
    (folder / "daemon.json").write_text(
        f'{{"registry-mirrors": ["http://{MIRROR}"], "insecure-registries": ["{MIRROR}"]}}\n'
    )
    dockerd = [
        "dockerd", "--config-file", str(folder / "daemon.json"),
        "--host", daemon.docker_host, "--pidfile", str(folder / "dockerd.pid"),
        "--data-root", str(folder / "data"), "--exec-root", str(folder / "x"),
        "--iptables=false", "--ip6tables=false", "--bridge=none",
    ]
    # `unshare` execs the shell in the new namespaces, and the shell execs dockerd: one PID throughout.
    command = ["unshare", "--net", "--mount", "--", "sh", "-c", 'ip link set lo up && exec "$@"', "sh", *dockerd]
    with open(daemon.log_path, "wb") as log:
        daemon.processes["dockerd"] = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                                       stdin=subprocess.DEVNULL, preexec_fn=_end_with_us)
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if daemon.processes["dockerd"].poll() is not None:
            raise RealDaemonError("dockerd exited during start-up" + daemon.logs_tail())
        if _ping(daemon.unix_path):
            return
        if time.monotonic() > deadline:
            raise RealDaemonError(f"dockerd did not answer /_ping within {START_TIMEOUT:.0f} s" + daemon.logs_tail())
        time.sleep(0.05)


def _end_with_us() -> None:
    """In the child, before exec: have Linux send it SIGTERM if the test run dies without stopping it."""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


def _ping(unix_path: str) -> bool:
    if not os.path.exists(unix_path):
        return False
    conn = UnixHTTPConnection(unix_path, timeout=2)
    try:
        conn.request("GET", "/_ping")
        return conn.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


def _start_registry(daemon: RealDaemon) -> None:
    folder = daemon.folder
    config = folder / "registry.yml"
    config.write_text(
        "version: 0.1\n"
        "log:\n  level: info\n  accesslog:\n    disabled: true\n"
        f"storage:\n  filesystem:\n    rootdirectory: {folder / 'registry'}\n"
        f"http:\n  addr: {MIRROR}\n  secret: hellotrace-tests\n"
    )
    dockerd_pid = daemon.processes["dockerd"].pid
    log_path = folder / "registry.log"
    with open(log_path, "wb") as log:
        daemon.processes["registry"] = subprocess.Popen(
            ["nsenter", "--target", str(dockerd_pid), "--net", "--", "docker-registry", "serve", str(config)],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, preexec_fn=_end_with_us,
        )
    deadline = time.monotonic() + START_TIMEOUT
    while b"listening on" not in log_path.read_bytes():
        if daemon.processes["registry"].poll() is not None:
            raise RealDaemonError("the registry exited during start-up" + daemon.logs_tail())
        if time.monotonic() > deadline:
            raise RealDaemonError(f"the registry did not listen within {START_TIMEOUT:.0f} s" + daemon.logs_tail())
        time.sleep(0.05)


def hello_source(message: bytes) -> str:
    """C source of a program printing `message` with one write(2), then exiting 0 (no libc: ~9 kB static)."""
    data = ",".join(str(byte) for byte in message)
    return f"""/* Generated by the hellotrace test suite from hellotrace.engine.hello.HELLO_MESSAGE. */
static const char message[] = {{{data}}};

void _start(void)
{{
#if defined(__x86_64__)
    long result;
    __asm__ volatile ("syscall" : "=a"(result)
                      : "a"(1L), "D"(1L), "S"(message), "d"((long)sizeof message) : "rcx", "r11", "memory");
    __asm__ volatile ("syscall" : : "a"(60L), "D"(0L) : "rcx", "r11", "memory");
#else
#error "the test hello program is written for x86_64"
#endif
    for (;;) {{
    }}
}}
"""


def _build_hello(folder: Path) -> bytes:
    source = folder / "hello.c"
    binary = folder / "hello"
    source.write_text(hello_source(HELLO_MESSAGE))
    compiled = subprocess.run(
        ["gcc", "-static", "-nostdlib", "-Os", "-fno-stack-protector", "-fno-asynchronous-unwind-tables",
         "-Wl,--build-id=none", "-s", "-o", str(binary), str(source)],
        capture_output=True, timeout=60, check=False,
    )
    if compiled.returncode != 0:
        raise RealDaemonError("could not compile the hello program: " + compiled.stderr.decode(errors="replace"))
    return binary.read_bytes()


def _rootfs_tar(files: dict[str, bytes], links: dict[str, str], dirs: tuple[str, ...] = ()) -> bytes:
    """A root filesystem as a tar: executables (mode 755), symbolic links and empty directories."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name in dirs:
            info = tarfile.TarInfo(name)
            info.type, info.mode = tarfile.DIRTYPE, 0o755
            tar.addfile(info)
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o755
            tar.addfile(info, io.BytesIO(data))
        for name, target in links.items():
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            tar.addfile(info)
    return buffer.getvalue()


def _busybox_rootfs() -> bytes:
    busybox = shutil.which("busybox") or "busybox"
    applets = subprocess.run([busybox, "--list"], capture_output=True, text=True, timeout=10, check=True).stdout
    links = {f"bin/{name}": "busybox" for name in applets.split() if name != "busybox"}
    return _rootfs_tar({"bin/busybox": Path(busybox).read_bytes()}, links,
                       dirs=("bin", "dev", "etc", "proc", "sys", "tmp"))


def _publish_images(daemon: RealDaemon) -> None:
    """Import each image, push it to the mirror as library/<name>:latest, and drop the local copy."""
    hello = _rootfs_tar({"hello": _build_hello(daemon.folder)}, {})
    busybox = _busybox_rootfs()
    images = {
        "hello-world": (hello, ['CMD ["/hello"]']),
        "alpine": (busybox, ['CMD ["/bin/sh"]', f"ENV {DEFAULT_PATH_ENV}"]),
        "busybox": (busybox, ['CMD ["sh"]', f"ENV {DEFAULT_PATH_ENV}"]),
    }
    for name, (rootfs, changes) in images.items():
        tag = f"{MIRROR}/library/{name}:latest"
        options = [option for change in changes for option in ("--change", change)]
        daemon.docker("import", *options, "-", tag, stdin=rootfs)
        daemon.docker("push", "--quiet", tag)
        daemon.docker("rmi", tag)


def _processes_mentioning(text: str) -> list[int]:
    """PIDs whose command line contains `text` (our private folder): what our daemon left behind."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if text.encode() in cmdline:
            found.append(int(entry.name))
    return found
