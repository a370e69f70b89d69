"""Steps run, written by group commit: the runs that arrive together are written in one transaction.

A class clicks a step within the same few seconds, and each click records a row. One transaction per click made
every request wait its turn for the database's one writer (SQLite: behind a busy handler that sleeps between
tries) and pay a transaction of its own. Here each request hands its rows to one writer thread and waits until
they are committed: what a request recorded is in the database when it answers (the progress page, the teacher's
roster read it at once), a batch is one transaction, and the classes whose roster changed are looked up and told
once per batch. A batch that fails is written again one request at a time, so that a bad row fails only its own
request and loses nobody else's. When a crowd clicks (several requests' rows wait at once, or the writer is late to
them), it waits up to a tenth of a second for the clicks that follow before writing, as long as they keep coming: a
crowd's rows then share transactions (0.05 ms of CPU per row in batches of eight, 0.3 ms alone), and a step run
alone is written at once. The replay records a step once its run has begun, so that the run goes on while its row
waits for company.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine, insert, select

from hellotrace.storage.models import Classroom, StepRun, Student, utcnow
from hellotrace.turns import aside

log = logging.getLogger("hellotrace")

# The writer thread ends after this long with nothing to write, and starts again with the next step run.
IDLE_SECONDS = 5.0
# A crowd: when the writer starts a batch, several requests' rows are waiting, or the oldest waited LATE_SECONDS
# for the writer to get the interpreter (every core is busy), or a batch of several was written less than
# CROWD_SECONDS ago. It then gathers rows for up to GATHER_SECONDS, until GATHER_ROWS are waiting, or until
# QUIET_SECONDS pass without a new one (a click waits that much longer for its answer, while its run goes on).
# Students one at a time, or a class clicking over a few seconds, are written at once. A stampede of 100
# students a node clicks about 70 steps a second: gathering for 10 ms made batches of one or two rows, whose
# transactions cost a node 4 ms of CPU per student in a 200-student stampede.
CROWD_SECONDS = 0.25
LATE_SECONDS = 0.005
GATHER_SECONDS = 0.1
QUIET_SECONDS = 0.03
GATHER_ROWS = 32


@dataclass
class _Pending:
    rows: list[dict[str, object]]
    queued_at: float = field(default_factory=time.monotonic)
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None


class StepRunWriter:
    """Records steps run for the site's requests; `roster_changed(class_ids)` is called after each commit with
    the open classes the learners of that commit are in."""

    def __init__(self, engine: Engine, roster_changed: Callable[[Iterable[int]], None]) -> None:
        self.engine = engine
        self.roster_changed = roster_changed
        self._ready = threading.Condition()
        self._queue: list[_Pending] = []
        self._running = False
        self._gathering = False
        self._crowd_until = float("-inf")  # a crowd's batch was written less than CROWD_SECONDS before this

    def record(self, learner_id: int, steps: Iterable[int], at: datetime | None = None) -> None:
        """A learner ran these steps; returns once they are committed, raises what writing them raised."""
        when = at or utcnow()
        pending = _Pending([{"learner_id": learner_id, "step": step, "run_at": when} for step in steps])
        with self._ready:
            self._queue.append(pending)
            if not self._running:
                self._running = True
                threading.Thread(target=self._write_batches, name="step-run-writer", daemon=True).start()
            elif not self._gathering or self._rows_waiting() >= GATHER_ROWS:
                # A gathering writer is woken once, when the batch is full, not by every row: each waking takes
                # the interpreter from the requests (about 0.1 ms of CPU in a crowd).
                self._ready.notify()
        with aside():  # the writer's batch: other requests go on meanwhile
            pending.done.wait()
        if pending.error is not None:
            raise pending.error

    def _write_batches(self) -> None:
        while True:
            with self._ready:
                if not self._queue:
                    self._ready.wait(IDLE_SECONDS)
                if not self._queue:
                    self._running = False
                    return
                if self._crowd():
                    self._gather()
                # The queue itself is kept: a new list, made as a class ends, would keep some of its memory.
                batch = self._queue.copy()
                self._queue.clear()
            classes: set[int] = set()
            told = False
            try:
                try:
                    classes = self._write(batch)
                except Exception:  # noqa: BLE001 - one bad row must not fail the others: each is written alone
                    for pending in batch:
                        try:
                            classes |= self._write([pending])
                        except Exception as exc:  # noqa: BLE001 - handed to the request that recorded it
                            pending.error = exc
                told = True
            finally:
                for pending in batch:  # no request waits forever, whatever happened
                    if not told and pending.error is None:
                        pending.error = RuntimeError("the writer of step runs stopped")
                    pending.done.set()
            if len(batch) > 1:
                self._crowd_until = time.monotonic() + CROWD_SECONDS
            if classes:
                try:
                    self.roster_changed(sorted(classes))
                except Exception:  # noqa: BLE001 - the rows are written; a roster shows them when reloaded
                    log.exception("could not tell the classes' rosters that steps were run")

    def _crowd(self) -> bool:
        """Several requests' rows are waiting, or one waited long, or several were written together moments ago
        (the condition held, rows waiting)."""
        now = time.monotonic()
        return len(self._queue) > 1 or now - self._queue[0].queued_at >= LATE_SECONDS or now < self._crowd_until

    def _gather(self) -> None:
        """Wait (the condition held) for more rows, up to GATHER_SECONDS or GATHER_ROWS, while they keep coming
        (a new one at least every QUIET_SECONDS)."""
        deadline = time.monotonic() + GATHER_SECONDS
        self._gathering = True
        try:
            waiting = self._rows_waiting()
            while waiting < GATHER_ROWS:
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                self._ready.wait(min(left, QUIET_SECONDS))
                before, waiting = waiting, self._rows_waiting()
                if waiting == before:
                    return
        finally:
            self._gathering = False

    def _rows_waiting(self) -> int:
        """Rows queued for the next batch (the condition held)."""
        return sum(len(pending.rows) for pending in self._queue)

    def _write(self, batch: list[_Pending]) -> set[int]:
        """One transaction for the batch; the open classes its learners are in."""
        learners = {row["learner_id"] for pending in batch for row in pending.rows}
        with self.engine.begin() as connection:
            connection.execute(insert(StepRun), [row for pending in batch for row in pending.rows])
            return set(connection.scalars(
                select(Student.class_id).join(Classroom)
                .where(Student.learner_id.in_(learners), Classroom.ended_at.is_(None))
            ))
