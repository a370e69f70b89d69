"""A running process's standard streams: input from attached clients, output in order, sleeps honoured.

`Stdio` drives one `programs.Session` (a process that reads its input) or a finished `programs.Script`:
what the process answers is queued and played in order, a `Sleep` hands the rest to the scheduler, input
goes through the TTY's line discipline when there is one, and the owner hears of each write and of the exit.
Everything runs under the sandbox's condition.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from hellotrace.engine import programs
from hellotrace.engine.scheduler import Scheduler
from hellotrace.engine.terminal import Terminal, onlcr


@dataclass(frozen=True)
class _Echo:
    """What the terminal itself writes back (echo of typed keys): never translated, never a process write."""

    data: bytes


@dataclass
class Stdio:
    cond: threading.Condition
    scheduler: Scheduler
    tty: bool
    on_output: Callable[[int, bytes], None]
    on_exit: Callable[[int], None]
    session: programs.Session | None = None
    exit_code: int | None = None  # a Script's code, known in advance
    queue: deque = field(default_factory=deque)
    terminal: Terminal = field(default_factory=Terminal)
    stdin_closed: bool = False
    waiting: bool = False  # a Sleep is being waited out
    done: bool = False
    kept_bytes: int = 0  # queued output not yet played, for the byte budget

    def begin(self, steps: tuple | list = ()) -> None:
        """Start: a session's first words (a prompt) or a script's whole output."""
        if self.session is not None:
            self._enqueue(self.session.start())
        else:
            self._enqueue(steps)
        self.pump()

    def write(self, data: bytes) -> None:
        """Bytes from an attached client's input."""
        if self.done or self.stdin_closed or self.session is None:
            return
        if not self.tty:
            self._enqueue(self.session.feed(data))
        else:
            for kind, payload in self.terminal.feed(data):
                if kind == "echo":
                    self.queue.append(_Echo(payload))
                elif kind == "line":
                    self._enqueue(self.session.feed(payload))
                elif kind == "intr":
                    self._enqueue(self.session.interrupt())
                else:
                    self._enqueue(self.session.end())
        self.pump()

    def close_input(self) -> None:
        """The input reached its end (the client closed its side and StdinOnce is set)."""
        if self.stdin_closed or self.done:
            return
        self.stdin_closed = True
        if self.session is not None:
            self._enqueue(self.session.end())
        self.pump()

    def stop(self) -> None:
        """The process was killed: nothing more is played."""
        self.done = True
        self.queue.clear()
        self.kept_bytes = 0

    def _enqueue(self, steps) -> None:
        for step in steps:
            self.queue.append(step)
            if isinstance(step, programs.Write):
                self.kept_bytes += len(step.data)

    def pump(self) -> None:
        """Play the queue up to the next Sleep; at the end of a finished process, report its exit."""
        if self.waiting or self.done:
            return
        while self.queue:
            step = self.queue.popleft()
            if isinstance(step, programs.Sleep):
                self.waiting = True
                self.scheduler.call_later(step.seconds, self._wake)
                return
            if isinstance(step, _Echo):
                self.on_output(programs.STDOUT, step.data)
                continue
            self.kept_bytes -= len(step.data)
            if self.tty:
                self.on_output(programs.STDOUT, onlcr(step.data))
            else:
                self.on_output(step.stream, step.data)
        code = self.session.exit_code if self.session is not None else self.exit_code
        if code is not None:
            self.done = True
            self.on_exit(code)
        self.cond.notify_all()

    def _wake(self) -> None:
        with self.cond:
            self.waiting = False
            self.pump()
