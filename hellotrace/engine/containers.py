"""A simulated container: its configuration, its state machine, and the output it writes.

Output is kept twice, as Docker does: as the writes the process made (what attach relays, one stdcopy
frame per write) and as log lines (what the json-file driver stores and `logs` replays, one frame per line).
All mutation happens under the owning sandbox's condition, which is notified on every change.
"""

from __future__ import annotations

import secrets
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hellotrace.engine.budget import CHUNK_OVERHEAD, ByteBudget
from hellotrace.engine.catalog import CatalogImage
from hellotrace.engine.filetree import Layer
from hellotrace.engine.stdio import Stdio
from hellotrace.protocol.units import human_duration

# The daemon's log copier hands a driver at most this much of one line at a time (partial messages).
LOG_MESSAGE_BYTES = 16 * 1024


STDIN_PIPE_BYTES = 64 * 1024  # a Linux pipe's capacity


def utc_now() -> datetime:
    return datetime.now(UTC)


def rfc3339_nano(moment: datetime | None) -> str:
    """Go's RFC 3339 with nanoseconds, as the daemon writes times; the zero time when unset."""
    if moment is None:
        return "0001-01-01T00:00:00Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}000Z"


@dataclass
class OutputChunk:
    seq: int
    time: datetime
    stream: int
    data: bytes


@dataclass
class Container:
    id: str
    name: str  # without the leading slash
    image: CatalogImage
    image_name: str  # Config.Image as the client gave it
    config: dict[str, Any]
    host_config: dict[str, Any]
    created: datetime = field(default_factory=utc_now)
    status: str = "created"  # created | running | paused | restarting | exited | removing
    pid: int = 0
    exit_code: int = 0
    error: str = ""
    started_at: datetime | None = None
    finished_at: datetime | None = None
    exit_count: int = 0
    removed: bool = False
    # Bumped whenever a run is started or killed, so that stale scheduled steps do nothing.
    run_generation: int = 0
    writes: deque[OutputChunk] = field(default_factory=deque)
    log_lines: deque[OutputChunk] = field(default_factory=deque)
    next_seq: int = 0
    kept_bytes: int = 0
    dropped_bytes: int = 0
    # Bytes of configuration charged to the sandbox's budget when the container was created.
    config_bytes: int = 0
    partial_lines: dict[int, bytes] = field(default_factory=dict)
    restart_count: int = 0
    # Stopped or killed through the API: no restart policy brings it back (until the next start).
    manually_stopped: bool = False
    # The wait before the restart policy's next restart; it doubles each time, as the daemon backs off.
    restart_delay: float = 0.1
    # A paused process's pending continuation, run again on unpause.
    frozen: object = None
    console_size: tuple[int, int] = (0, 0)  # the TTY's height and width, as the last resize set them
    # The standard streams of a process that reads its input (None: it runs a precomputed script).
    stdio: Stdio | None = None
    # Input that arrived before the process started (attach comes before start), and its end.
    stdin_early: bytearray = field(default_factory=bytearray)
    stdin_ended: bool = False
    execs: dict[str, Any] = field(default_factory=dict)  # exec ID -> ExecInstance
    layer: Layer = field(default_factory=Layer)  # the container's own files (docker cp, diff, export)
    # The host ports its latest start published (ports.py), by container port: {"80/tcp": [{"HostIp", "HostPort"}]}.
    published: dict[str, list[dict[str, str]]] = field(default_factory=dict)

    @property
    def short_id(self) -> str:
        return self.id[:12]

    @property
    def running(self) -> bool:
        """The process is executing (not paused, not waiting for a restart)."""
        return self.status == "running"

    @property
    def alive(self) -> bool:
        """Docker's State.Running: true while running, paused, or between two runs of a restart policy."""
        return self.status in ("running", "paused", "restarting")

    @property
    def log_driver(self) -> str:
        return self.host_config["LogConfig"]["Type"]

    @property
    def restart_policy(self) -> str:
        return self.host_config["RestartPolicy"]["Name"] or "no"

    def restarts_after(self, exit_code: int) -> bool:
        """The restart policy brings the process back after this exit (restartmanager.ShouldRestart)."""
        if self.manually_stopped:
            return False
        policy = self.restart_policy
        if policy in ("always", "unless-stopped"):
            return True
        if policy == "on-failure":
            limit = self.host_config["RestartPolicy"]["MaximumRetryCount"]
            return exit_code != 0 and (limit == 0 or self.restart_count < limit)
        return False

    @property
    def auto_remove(self) -> bool:
        return bool(self.host_config.get("AutoRemove"))

    @property
    def argv(self) -> tuple[str, ...]:
        return tuple(self.entrypoint or []) + tuple(self.cmd or [])

    @property
    def entrypoint(self) -> list[str] | None:
        value = self.config.get("Entrypoint")
        if value is None:
            image_entrypoint = self.image.config.entrypoint
            return list(image_entrypoint) if image_entrypoint is not None else None
        return _as_list(value)

    @property
    def cmd(self) -> list[str] | None:
        """The container's Cmd; the image's only when the client set neither Cmd nor Entrypoint."""
        value = self.config.get("Cmd")
        if value is None:
            if self.config.get("Entrypoint") is None:
                return list(self.image.config.cmd)
            return None
        return _as_list(value)

    @property
    def env(self) -> list[str]:
        """The user's variables first, then the image's that the user did not set (daemon/commit.go merge)."""
        user = [str(item) for item in (self.config.get("Env") or [])]
        names = {item.partition("=")[0] for item in user}
        return user + [item for item in self.image.config.env if item.partition("=")[0] not in names]

    @property
    def working_dir(self) -> str:
        return self.config.get("WorkingDir") or self.image.config.working_dir or ""

    @property
    def hostname(self) -> str:
        return self.config.get("Hostname") or self.short_id

    @property
    def tty(self) -> bool:
        return bool(self.config.get("Tty"))

    def record_output(self, stream: int, data: bytes, max_bytes: int, budget: ByteBudget | None = None) -> None:
        """Keep a write for attach and split it into log lines, within `max_bytes` and the sandbox's budget.

        Past either, the oldest output goes first, as a log driver rotates its files, and the first kept log
        line becomes a note that says how much was dropped.
        """
        now = utc_now()
        if self.log_driver == "none":
            lines: list[bytes] = []  # the none driver keeps no log
        else:
            pending = self.partial_lines.get(stream, b"") + data
            *whole, rest = pending.split(b"\n")
            lines = [line + b"\n" for line in whole]
            while len(rest) >= LOG_MESSAGE_BYTES:  # Docker's loggers cut a line this long into partial messages
                lines.append(rest[:LOG_MESSAGE_BYTES])
                rest = rest[LOG_MESSAGE_BYTES:]
            self.partial_lines[stream] = rest
        size = _chunk_weight(data) + sum(_chunk_weight(line) for line in lines)
        while self.kept_bytes + size > max_bytes or (budget is not None and not budget.try_charge(size)):
            if not self._drop_oldest(budget):
                self._note_dropped(stream, len(data), now)
                return
        self.kept_bytes += size
        self.writes.append(OutputChunk(self._seq(), now, stream, data))
        for line in lines:
            self.log_lines.append(OutputChunk(self._seq(), now, stream, line))

    def _drop_oldest(self, budget: ByteBudget | None) -> bool:
        """Forget the oldest kept write or log line; False when nothing is left to forget."""
        lines = self.log_lines
        index = 1 if lines and lines[0].seq == 0 else 0  # a note stays first
        line = lines[index] if len(lines) > index else None
        write = self.writes[0] if self.writes else None
        if line is None and write is None:
            return False
        if write is None or (line is not None and line.seq < write.seq):
            del lines[index]
            dropped, was_log_line = line, True
        else:
            self.writes.popleft()
            dropped, was_log_line = write, False
        assert dropped is not None
        weight = _chunk_weight(dropped.data)
        self.kept_bytes -= weight
        if budget is not None:
            budget.release(weight)
        if was_log_line:
            self._note_dropped(dropped.stream, len(dropped.data), dropped.time)
        return True

    def _note_dropped(self, stream: int, size: int, moment: datetime) -> None:
        """Count dropped log bytes in a note kept as the first log line (sequence 0: followers never resend it)."""
        self.dropped_bytes += size
        if self.log_lines and self.log_lines[0].seq == 0:
            self.log_lines.popleft()
        note = (f"[mock engine: {self.dropped_bytes} bytes of this container's earlier output were dropped; "
                "it keeps only the most recent output of each container]\n").encode()
        self.log_lines.appendleft(OutputChunk(0, moment, stream, note))

    def release_output(self, budget: ByteBudget | None) -> None:
        """The container is gone: give its kept output back to the budget."""
        if budget is not None:
            budget.release(self.kept_bytes)
        self.kept_bytes = 0

    def stdin_full(self) -> bool:
        """Input sent before the process started fills a pipe's worth, then the sender waits (as with a pipe)."""
        return len(self.stdin_early) >= STDIN_PIPE_BYTES and not self.alive and not self.removed

    def write_stdin(self, data: bytes) -> None:
        """Input from an attached client: to the process, or kept until it starts."""
        if not self.config.get("OpenStdin"):
            return
        if self.stdio is not None and self.running:
            self.stdio.write(data)
        elif not self.alive:
            self.stdin_early += data

    def end_stdin(self) -> None:
        """An attached client closed its input: with StdinOnce the process's input ends too, but never through a
        TTY (container/stream/attach.go: a terminal outlives the clients attached to it)."""
        if not self.config.get("StdinOnce") or self.tty:
            return
        if self.stdio is not None and self.running:
            self.stdio.close_input()
        elif not self.alive:
            self.stdin_ended = True

    def flush_partial_lines(self) -> None:
        """A process that exits mid-line still gets its last line logged (without a newline, as json-file does)."""
        for stream, rest in sorted(self.partial_lines.items()):
            if rest:
                self.log_lines.append(OutputChunk(self._seq(), utc_now(), stream, rest))
        self.partial_lines.clear()

    @staticmethod
    def after(chunks: deque[OutputChunk], seq: int) -> list[OutputChunk]:
        """The chunks written after `seq`, found from the end: a follower only wants the newest few."""
        fresh: list[OutputChunk] = []
        for chunk in reversed(chunks):
            if chunk.seq <= seq:
                break
            fresh.append(chunk)
        fresh.reverse()
        return fresh

    def _seq(self) -> int:
        self.next_seq += 1
        return self.next_seq

    def status_text(self, now: datetime | None = None) -> str:
        """The `Status` column of `docker ps`, from daemon/container/state.go State.String()."""
        now = now or utc_now()
        if self.status == "paused" and self.started_at:
            return f"Up {human_duration(now - self.started_at)} (Paused)"
        if self.status == "restarting" and self.finished_at:
            return f"Restarting ({self.exit_code}) {human_duration(now - self.finished_at)} ago"
        if self.status == "running" and self.started_at:
            return f"Up {human_duration(now - self.started_at)}"
        if self.status == "removing":
            return "Removal In Progress"
        if self.status == "exited" and self.finished_at:
            return f"Exited ({self.exit_code}) {human_duration(now - self.finished_at)} ago"
        return "Created"


def _chunk_weight(data: bytes) -> int:
    return len(data) + CHUNK_OVERHEAD


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(item) for item in value]


def new_container_id() -> str:
    return secrets.token_hex(32)


# Docker names containers adjective_surname (pkg/namesgenerator); these lists are hellotrace's own.
_ADJECTIVES = (
    "brave", "calm", "clever", "curious", "eager", "gentle", "happy", "jolly", "keen", "kind", "lucid",
    "merry", "nimble", "patient", "quiet", "sharp", "steady", "swift", "tender", "vivid", "witty", "zealous",
)
_SURNAMES = (
    "babbage", "curie", "dijkstra", "euler", "fermat", "germain", "hopper", "hypatia", "kepler", "knuth",
    "lamarr", "lovelace", "meitner", "noether", "pascal", "ritchie", "shannon", "thompson", "turing", "wozniak",
)


def random_name(taken: set[str]) -> str:
    """A free adjective_surname name; a numeric suffix once the plain pairs run out, as Docker retries."""
    for attempt in range(100):
        name = f"{secrets.choice(_ADJECTIVES)}_{secrets.choice(_SURNAMES)}"
        if attempt >= 10:
            name += str(secrets.randbelow(10))
        if name not in taken:
            return name
    return f"container_{secrets.token_hex(4)}"
