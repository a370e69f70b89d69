"""The replay of `docker run hello-world` as its four numbered steps, run for real through the traced client.

Two sequences tell the same story:
- `recipe`: the curl recipe a person types (create → 404 → pull → create → start → wait → logs);
- `cli`: what the docker CLI really sends (ping and negotiation → create → 404 → pull → create →
  attach with the 101 upgrade → wait → start → output frames → wait's status code).

A `Replay` belongs to one visitor and keeps what carries across steps (the negotiated version, the
container created in step 3, the attach and wait connections the CLI keeps open). Running steps produces
`RunEvent`s in an `EventLog`, which the web layer streams as they come. No Flask here.
"""

from __future__ import annotations

import itertools
import pickle
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from hellotrace.container_quota import ContainerKeeper, ContainerQuota
from hellotrace.diagram import PlannedCall, RegistryCall
from hellotrace.docker_host import DaemonAddress
from hellotrace.pacing import DEFAULT_PACE, Pacer
from hellotrace.packing import Packer
from hellotrace.policy import LABEL, DaemonPolicy
from hellotrace.protocol.versions import CLI_API_VERSION, MAX_API_VERSION
from hellotrace.tracing import BackgroundCall, ErrorKind, Exchange, TracedClient, TraceError, TraceEvent
from hellotrace.turns import aside, turn

SEQUENCES = ("recipe", "cli")
# The highest API version each sequence's client speaks, which negotiation lowers to the daemon's: the curl
# recipe writes the lessons' version (that of Docker 29.7, which the mock is); the CLI sequence is docker CLI
# 28.2.2, so against the mock (API 1.55) its paths start with /v1.50/, as a student's CLI's do.
CLIENT_API_VERSION = {"recipe": MAX_API_VERSION, "cli": CLI_API_VERSION}
STEPS = (1, 2, 3, 4)
IMAGE = "hello-world"
TAG = "latest"
# What the docker CLI sends to create hello-world's container (the essentials of its 1.7 kB body).
CREATE_BODY = {
    "AttachStdout": True,
    "AttachStderr": True,
    "Tty": False,
    "OpenStdin": False,
    "Image": IMAGE,
    "HostConfig": {"NetworkMode": "default"},
}
# How long a step may wait for a container to finish or a stream to close.
STEP_TIMEOUT = 30.0
# Packs the steps of the replays of visitors who are away (one dictionary for all: they tell the same story).
_STEPS_PACKER = Packer()

# What each step of each sequence sends, as data: lessons draw their figures from it without a live run
# (`<id>` stands for the container's id). A test checks it against real runs of both sequences.
_PULL_REGISTRY = (RegistryCall("manifest", "library/hello-world:latest"), RegistryCall("blob", "…"))
PLANNED: dict[str, dict[int, tuple[PlannedCall, ...]]] = {
    "recipe": {
        1: (PlannedCall("HEAD", "/_ping", 200, "OK"), PlannedCall("GET", "/v1.55/version", 200, "OK")),
        2: (PlannedCall("POST", "/v1.55/containers/create", 404, "Not Found"),
            PlannedCall("POST", "/v1.55/images/create?fromImage=hello-world&tag=latest", 200, "OK", "json-lines",
                        _PULL_REGISTRY)),
        3: (PlannedCall("POST", "/v1.55/containers/create", 201, "Created"),
            PlannedCall("POST", "/v1.55/containers/<id>/start", 204, "No Content")),
        4: (PlannedCall("POST", "/v1.55/containers/<id>/wait?condition=not-running", 200, "OK"),
            PlannedCall("GET", "/v1.55/containers/<id>/logs?stderr=1&stdout=1&tail=all", 200, "OK", "stdcopy")),
    },
    "cli": {
        1: (PlannedCall("HEAD", "/_ping", 200, "OK"),),
        2: (PlannedCall("POST", "/v1.50/containers/create", 404, "Not Found"),
            PlannedCall("POST", "/v1.50/images/create?fromImage=docker.io%2Flibrary%2Fhello-world&tag=latest", 200,
                        "OK", "json-lines", _PULL_REGISTRY)),
        3: (PlannedCall("POST", "/v1.50/containers/create", 201, "Created"),
            PlannedCall("POST", "/v1.50/containers/<id>/attach?stderr=1&stdout=1&stream=1", 101, "UPGRADED",
                        "stdcopy", part="head"),
            PlannedCall("POST", "/v1.50/containers/<id>/wait?condition=next-exit", 200, "OK", part="head"),
            PlannedCall("POST", "/v1.50/containers/<id>/start", 204, "No Content")),
        4: (PlannedCall("POST", "/v1.50/containers/<id>/attach?stderr=1&stdout=1&stream=1", 101, "UPGRADED",
                        "stdcopy", part="rest"),
            PlannedCall("POST", "/v1.50/containers/<id>/wait?condition=next-exit", 200, "OK", part="rest")),
    },
}


@dataclass
class RunEvent:
    """One thing the page should show. `kind` is one of: step-start, exchange-start, trace, note, step-end, done."""

    kind: str
    step: int = 0
    exchange: Exchange | None = None
    trace: TraceEvent | None = None
    note: str = ""  # a message code the web layer translates
    params: dict[str, object] = field(default_factory=dict)
    ok: bool = True
    error: TraceError | None = None


# The condition of every released log: a reader of a finished run never waits (see EventLog.read_from).
_RELEASED = threading.Condition()


class EventLog:
    """Append-only list of events with a condition, so several readers can follow a run live.
    `target` is what was asked for (a step or "all"), `plan` the steps that run for it."""

    def __init__(self, run_id: str, target: int | str = "all", plan: tuple[int, ...] = STEPS) -> None:
        self.run_id = run_id
        self.target = target
        self.plan = plan
        self.events: list[RunEvent] = []
        self.closed = False
        self.finished_at: float | None = None  # time.monotonic() when the run ended
        lock = threading.Lock()
        self._cond = threading.Condition(lock)  # told of each event
        self._ended = threading.Condition(lock)  # told of the run's end only (and of `wake`)

    @property
    def runs_earlier_steps(self) -> bool:
        """A single step was asked for and the steps before it run first (step 4 on a fresh page)."""
        return self.target != "all" and len(self.plan) > 1

    def append(self, event: RunEvent) -> None:
        with self._cond:
            self.events.append(event)
            if event.kind == "done":
                self.closed = True
                self.finished_at = time.monotonic()
                self._ended.notify_all()
            self._cond.notify_all()

    def release(self) -> bool:
        """Drop the events of a finished run: its live stream is long over, and the page draws the steps from
        the replay's own records. A reader arriving later is told the run is done. True if any were dropped."""
        with self._cond:
            if not self.closed or not self.events:
                return False
            self.events = []
            self._cond = self._ended = _RELEASED  # nobody waits on a finished log: its conditions are not kept
            return True

    def wake(self) -> None:
        """Wake every reader waiting for an event: one of them was told to end (see live_streams.RunStreams)."""
        with self._cond:
            self._cond.notify_all()
            self._ended.notify_all()

    def read_from(self, index: int, timeout: float) -> tuple[list[RunEvent], bool]:
        """Events from `index` on (waiting up to `timeout` for one, or until woken), and whether the log is
        closed."""
        with self._cond:
            if index >= len(self.events) and not self.closed:
                self._cond.wait(timeout)
            return self.events[index:], self.closed and index >= len(self.events)

    def read_at_end(self, index: int, timeout: float) -> tuple[list[RunEvent], bool]:
        """Events from `index` on once the run ended, or `timeout` passed, or a reader was woken; and whether the
        log is closed (they are then its last). One wait for a batch, where `read_from` wakes at every event: a
        step's events come one at a time, and each wake of a live stream's thread takes the interpreter from the
        run that appends them."""
        with self._cond:
            if not self.closed:
                self._ended.wait(timeout)
            return self.events[index:], self.closed


@dataclass
class StepRecord:
    """What the page shows for one step after it ran: its exchanges (in order) and its notes."""

    exchanges: list[Exchange] = field(default_factory=list)
    # Which part of each exchange this step shows: "full", "head" (kept open for a later step) or "rest".
    parts: dict[int, str] = field(default_factory=dict)
    notes: list[RunEvent] = field(default_factory=list)

    def part(self, exchange: Exchange) -> str:
        return self.parts.get(id(exchange), "full")
    ok: bool | None = None  # None: not run yet
    error: TraceError | None = None
    # The run that showed it: its cards are named after that run (web/render.py, dom_id) wherever they are drawn
    # again (a whole page, a later step's diagram), so that the diagram's arrows lead to them.
    run_id: str = ""

    def __getstate__(self) -> dict[str, object]:
        # Parts are keyed by the exchanges' identities, which a copy does not keep: by position instead.
        return {**self.__dict__, "parts": [self.part(exchange) for exchange in self.exchanges]}

    def __setstate__(self, state: dict[str, object]) -> None:
        parts = state.pop("parts")
        self.__dict__.update(state)
        self.parts = {id(exchange): part for exchange, part in zip(self.exchanges, parts, strict=True)}


class Replay:
    """One visitor's replay against one daemon address. Runs are serialized: one at a time."""

    def __init__(self, address: DaemonAddress, sequence: str = "recipe", policy: DaemonPolicy | None = None,
                 containers: ContainerKeeper | None = None, pace: str = DEFAULT_PACE,
                 host_header: str | None = None) -> None:
        """`policy` guards a real daemon (only the calls the lessons need leave); None for the mock.
        `containers` is this visitor's share of the site's container quota (a quota of its own by default).
        `pace` is how fast runs in the background go (a run that finishes before returning is never paced).
        `host_header`: the Host the visitor's own client sends to the public address that leads to `address`
        (nginx's engine port in a group of nodes), which the replay's requests carry too; None: the address's."""
        self.address = address
        self.host_header = host_header
        self.policy = policy
        self.containers = containers if containers is not None else ContainerQuota().keeper("replay")
        self.sequence = sequence if sequence in SEQUENCES else "recipe"
        self.pacer = Pacer(pace)
        self.lock = threading.Lock()
        self._packing = threading.Lock()
        self._packed: bytes | None = None
        self.running: EventLog | None = None
        self.last_run: EventLog | None = None
        self._run_ids = itertools.count(1)
        self._reset_state()

    @property
    def steps(self) -> dict[int, StepRecord]:
        """What each step showed; unpacked again on first use after `pack`."""
        with self._packing:
            if self._packed is not None:
                self._steps = _STEPS_PACKER.unpack(self._packed)  # type: ignore[assignment]
                self._packed = None
            return self._steps

    @steps.setter
    def steps(self, steps: dict[int, StepRecord]) -> None:
        with self._packing:
            self._steps, self._packed = steps, None

    def pack(self) -> bool:
        """Keep what the steps showed as one compressed string while the visitor is away: a finished replay's
        exchanges are thousands of small objects (about 140 KB), their compressed pickle about 5 KB alone and
        about 1 KB with the first replay packed as zlib's dictionary (hellotrace.packing). A replay running, or
        holding the CLI's calls open for step 4, stays as is. True when it was packed now."""
        with self.lock:
            if self.running is not None or (self.open_calls and self.next_step != 1):
                return False
            self.open_calls = {}  # joined by step 4: nothing is left open
            with self._packing:
                if self._packed is not None:
                    return False
                try:
                    packed = _STEPS_PACKER.pack(self._steps)
                except (pickle.PicklingError, TypeError, AttributeError):
                    return False  # something a copy cannot hold: the replay stays as it is
                self._packed, self._steps = packed, {}
                return True

    def _reset_state(self) -> None:
        self.steps = {step: StepRecord() for step in STEPS}
        self.next_step = 1
        self.api_version: str | None = None
        self.daemon: dict[str, str] = {}
        self.container_id: str | None = None
        # The calls the CLI keeps open from step 3 to step 4 (attach, wait), with their held listeners.
        self.open_calls: dict[str, tuple[BackgroundCall, _HeldStream]] = {}
        self.exit_code: int | None = None

    @property
    def output(self) -> list[tuple[int, bytes]]:
        """What the container wrote, (stream, bytes) per frame, as step 4 showed it (the attach stream or the
        logs): read from its exchange rather than kept twice (an idle visitor's replay is packed)."""
        framed = [exchange for exchange in self.steps[4].exchanges if exchange.frames]
        return [(frame.frame.stream, frame.frame.payload) for frame in framed[-1].frames] if framed else []

    def client(self, **options: object) -> TracedClient:
        """A traced client acting for this visitor: guarded by the policy, its containers counted."""
        options.setdefault("max_api_version", CLIENT_API_VERSION[self.sequence])
        options.setdefault("host_header", self.host_header)
        return TracedClient(self.address, policy=self.policy, containers=self.containers, **options)  # type: ignore[arg-type]

    # -- running ------------------------------------------------------------------------------------

    def plan(self, target: int | str) -> list[int]:
        """The steps a click on "Run step N" (or "Run all") performs: missing earlier ones first; a step
        already done starts the story over."""
        if target == "all":
            return list(STEPS)
        step = int(target)
        if step < self.next_step:
            return list(range(1, step + 1))
        return list(range(self.next_step, step + 1))

    def start(self, target: int | str, sequence: str | None = None, *, background: bool = True) -> EventLog:
        """Begin a run; with background=False it finishes before returning (the no-JavaScript path)."""
        with self.lock:
            if self.running is not None and not self.running.closed:
                return self.running
            if sequence in SEQUENCES and sequence != self.sequence:
                self.sequence = sequence
                self._restart()
            steps = self.plan(target)
            if steps and steps[0] == 1:
                self._restart()
            log = EventLog(f"{next(self._run_ids)}-{secrets.token_hex(4)}", target, tuple(steps))
            self.running = log
            self.last_run = log
        if background:
            threading.Thread(target=self._run_in_turn, args=(steps, log, self.pacer), name="hellotrace-replay",
                             daemon=True).start()
        else:
            self._run(steps, log, None)
        return log

    def _run_in_turn(self, steps: list[int], log: EventLog, pacer: Pacer | None) -> None:
        # The rest of the request that started it: it goes before requests that came since (turns.py).
        with turn():
            self._run(steps, log, pacer)

    def release_events(self, finished_before: float) -> bool:
        """Release the last run's event log when it ended before `finished_before` (time.monotonic()); True if
        it held events."""
        log = self.last_run
        return log is not None and log.finished_at is not None and log.finished_at < finished_before \
            and log.release()

    def _restart(self) -> None:
        """Forget the story so far (not the daemon's state: the image stays pulled)."""
        self._close_streams()
        self._reset_state()

    def _close_streams(self) -> None:
        for background, _ in self.open_calls.values():
            background.join(0.5)

    def _run(self, steps: list[int], log: EventLog, pacer: Pacer | None) -> None:
        client = self.client(api_version=self.api_version, gate=pacer.before_exchange if pacer else None,
                             numbered_after=self._numbered_before(steps[0]))
        try:
            for step in steps:
                record = StepRecord(run_id=log.run_id)
                self.steps[step] = record
                runner = _StepRunner(self, client, log, step, record, pacer)
                log.append(RunEvent("step-start", step))
                try:
                    ok = runner.run()
                except Exception as exc:  # noqa: BLE001 - a bug must end the run visibly, not hang the page
                    runner.note("internal-error", ok=False, detail=repr(exc))
                    ok = False
                record.ok = ok
                log.append(RunEvent("step-end", step, ok=ok, error=record.error))
                if not ok:
                    break
                self.next_step = step + 1 if step < 4 else 1
        finally:
            client.close()
            log.append(RunEvent("done"))
            with self.lock:
                self.running = None

    def _numbered_before(self, step: int) -> tuple[int, int]:
        """The last exchange and connection numbers the steps before `step` show: a run from step 3 numbers
        its exchanges and connections after those of steps 1 and 2, as one run of all four would."""
        earlier = [exchange for before in STEPS if before < step for exchange in self.steps[before].exchanges]
        return (max((exchange.number for exchange in earlier), default=0),
                max((exchange.connection.number for exchange in earlier if exchange.connection), default=0))

    # -- reset --------------------------------------------------------------------------------------

    def choose_sequence(self, sequence: str) -> None:
        """Switch sequence between runs; the story starts over."""
        with self.lock:
            if self.running is None and sequence in SEQUENCES and sequence != self.sequence:
                self.sequence = sequence
                self._restart()

    def reset(self) -> list[Exchange] | None:
        """Remove the containers the replay made and the hello-world image, so that the pull happens again.
        None while a run is in progress (nothing is done then)."""
        with self.lock:
            if self.running is not None and not self.running.closed:
                return None
            self._close_streams()
            client = self.client()
            exchanges = []
            try:
                negotiation = client.negotiate()
                exchanges.extend(negotiation.exchanges)
                if negotiation.ok:
                    for container_id in self.containers.owned():
                        exchanges.append(client.remove_container(container_id, force=True))
                    exchanges.append(client.remove_image(f"{IMAGE}:{TAG}", force=True))
            finally:
                client.close()
            self._reset_state()
            return exchanges


class _StepRunner:
    """Performs one step of one sequence and reports what happens as RunEvents."""

    def __init__(
        self, replay: Replay, client: TracedClient, log: EventLog, step: int, record: StepRecord, pacer: Pacer | None
    ) -> None:
        self.replay = replay
        self.pacer = pacer
        self.client = client
        self.log = log
        self.step = step
        self.record = record

    # -- reporting ----------------------------------------------------------------------------------

    def listener(self, part: str = "full") -> Callable[[Exchange, TraceEvent], None]:
        """Records each exchange in this step on its first event, and forwards every event to the log."""
        seen: set[int] = set()

        def on_event(exchange: Exchange, event: TraceEvent) -> None:
            if id(exchange) not in seen:
                seen.add(id(exchange))
                self.record.exchanges.append(exchange)
                self.record.parts[id(exchange)] = part
                self.log.append(RunEvent("exchange-start", self.step, exchange=exchange, params={"part": part}))
            self.log.append(RunEvent("trace", self.step, exchange=exchange, trace=event))
            if event.kind == "json-line" and self.pacer is not None:
                self.pacer.after_item()

        return on_event

    def note(self, code: str, /, *, ok: bool = True, **params: object) -> None:
        event = RunEvent("note", self.step, note=code, params=params, ok=ok)
        self.record.notes.append(event)
        self.log.append(event)

    def failed(self, exchange: Exchange, code: str | None = None) -> bool:
        """Record why the step cannot go on; the web layer explains `code` and shows the raw error beside it.
        Without a code: the call did not complete (transport-error), or its answer was not the expected one."""
        code = code or ("transport-error" if exchange.error is not None else "unexpected-answer")
        self.record.error = exchange.error
        self.note(code, ok=False, status=exchange.status, message=exchange.daemon_message or "",
                  label=exchange.label)
        return False

    # -- the steps ----------------------------------------------------------------------------------

    def run(self) -> bool:
        # Not getattr with a name made here: Python's cache of type attributes would keep each such name, made
        # during a class and kept after it left, among the class's objects.
        return {1: self.step_1, 2: self.step_2, 3: self.step_3, 4: self.step_4}[self.step]()

    def step_1(self) -> bool:
        """The client contacts the daemon: ping, read Api-Version, settle the version prefix."""
        on_event = self.listener()
        negotiation = self.client.negotiate(on_event=on_event)
        if not negotiation.ok:
            self.record.error = negotiation.error
            self.note("contact-failed", ok=False)
            return False
        self.replay.api_version = negotiation.api_version
        self.replay.daemon = dict(negotiation.daemon_headers)
        self.note("negotiated", server=negotiation.server_api_version or "", version=negotiation.api_version or "")
        if self.replay.sequence == "recipe":
            version = self.client.version(on_event=on_event)
            if version.status != 200:
                return self.failed(version, "unexpected-answer")
            body = version.response.json() if version.response else None
            if isinstance(body, dict):
                self.note("daemon-version", version=str(body.get("Version", "")),
                          platform=str((body.get("Platform") or {}).get("Name", "")))
        return True

    def _create(self, on_event) -> Exchange:
        body = dict(CREATE_BODY)
        body["Labels"] = {LABEL: "1"}
        return self.client.create_container(body, on_event=on_event)

    def step_2(self) -> bool:
        """The daemon pulls the image: the client's create fails with 404, which makes it ask for a pull."""
        on_event = self.listener()
        created = self._create(on_event)
        if created.status == 201:
            self._remember_container(created)
            self.note("image-present")
            return True
        if created.status != 404:
            return self.failed(created)
        self.note("image-missing", message=created.daemon_message or "")
        from_image = f"docker.io/library/{IMAGE}" if self.replay.sequence == "cli" else IMAGE
        pulled = self.client.pull_image(from_image, TAG, on_event=on_event)
        if pulled.error is not None and pulled.error.kind == ErrorKind.STREAM_CUT:
            return self.failed(pulled, "pull-cut")
        if pulled.status != 200 or pulled.error is not None:
            return self.failed(pulled, _pull_problem(pulled.daemon_message or ""))
        for line in pulled.json_lines:
            if line.error_message:
                self.record.error = pulled.error
                self.note(_pull_problem(line.error_message), ok=False, message=line.error_message)
                return False
        self.note("pulled")
        return True

    def _remember_container(self, created: Exchange) -> None:
        body = created.response.json() if created.response else None
        container_id = body.get("Id") if isinstance(body, dict) else None
        if isinstance(container_id, str):
            self.replay.container_id = container_id

    def step_3(self) -> bool:
        """The daemon creates a container and starts it (the CLI first opens attach and wait)."""
        on_event = self.listener()
        if self.replay.container_id is None:
            created = self._create(on_event)
            if created.status != 201:
                return self.failed(created)
            self._remember_container(created)
            self.note("created", id=self.replay.container_id)
        else:
            # The image was there: step 2's create answered 201 at once, and the client creates only once.
            self.note("created-in-step-2", id=self.replay.container_id)
        container_id = self.replay.container_id
        assert container_id is not None
        if self.replay.sequence == "cli":
            # Attach and wait before start, as the CLI does: their heads must be back before start is sent.
            for name, call, kwargs in (
                ("attach", self.client.attach_container, {}),
                ("wait", self.client.wait_container, {"condition": "next-exit"}),
            ):
                held = _HeldStream(self.listener("head"))
                background = self.client.in_background(call, container_id, on_event=held, **kwargs)
                self.replay.open_calls[name] = (background, held)
                # No timeout here: a paced run may hold the call before it is sent, and the call's own
                # limits (and the pacer's) bound how long it takes.
                with aside():
                    background.wait_for_head()
                exchange = background.exchange
                expected = 101 if name == "attach" else 200
                if exchange is None or exchange.status != expected:
                    self.record.error = exchange.error if exchange else None
                    self.note("unexpected-answer", ok=False, label=name,
                              status=exchange.status if exchange else None,
                              message=(exchange.daemon_message or "") if exchange else "")
                    return False
        started = self.client.start_container(container_id, on_event=on_event)
        if started.status != 204:
            return self.failed(started)
        self.note("started", id=container_id)
        return True

    def step_4(self) -> bool:
        """The daemon streams the output back to the client, and the client learns the exit status."""
        replay = self.replay
        container_id = replay.container_id
        assert container_id is not None
        if replay.sequence == "cli":
            # The output first, then the exit status, as the CLI prints them: the attach stream is shown (and
            # waited for) before wait's answer, whichever of the two the daemon finished first.
            continuation = self.listener("rest")
            (attach_call, attach_held), (wait_call, wait_held) = replay.open_calls["attach"], replay.open_calls["wait"]
            attach_held.release_to(continuation)
            with aside():  # the calls read the daemon in threads of their own
                attach = attach_call.join(STEP_TIMEOUT)
            wait_held.release_to(continuation)
            with aside():
                wait = wait_call.join(STEP_TIMEOUT)
            if attach is None or wait is None:
                self.note("timeout", ok=False)
                return False
        else:
            on_event = self.listener()
            wait = self.client.wait_container(container_id, condition="not-running", on_event=on_event)
            logs = self.client.container_logs(container_id, on_event=on_event)
            if logs.status != 200:
                return self.failed(logs)
        body = wait.response.json() if wait.response else None
        if not isinstance(body, dict) or "StatusCode" not in body:
            return self.failed(wait, "unexpected-answer")
        replay.exit_code = int(body["StatusCode"])
        self.note("exited", code=replay.exit_code)
        return True


def _pull_problem(message: str) -> str:
    """Which explanation a failed pull gets: Docker Hub's rate limit says `toomanyrequests`."""
    return "pull-rate-limited" if "toomanyrequests" in message else "pull-failed"


class _HeldStream:
    """Listener for a call kept open across steps (attach, wait).

    Its first events (request, response head) belong to step 3, where the call was made. What arrives
    after start (the output frames, the wait body) is held until step 4 runs and shown there: the page
    tells the story in that order, each event with its real arrival time.
    """

    def __init__(self, step3_listener: Callable[[Exchange, TraceEvent], None]) -> None:
        self.lock = threading.Lock()
        self.step3_listener = step3_listener
        self.continuation: Callable[[Exchange, TraceEvent], None] | None = None
        self.held: list[tuple[Exchange, TraceEvent]] = []
        self.head_seen = False

    def __call__(self, exchange: Exchange, event: TraceEvent) -> None:
        with self.lock:
            if not self.head_seen:
                self.step3_listener(exchange, event)
                self.head_seen = event.kind in ("response-head", "ended")
                return
            if self.continuation is None:
                self.held.append((exchange, event))
                return
            continuation = self.continuation
        continuation(exchange, event)

    def release_to(self, continuation: Callable[[Exchange, TraceEvent], None]) -> None:
        with self.lock:
            self.continuation = continuation
            held, self.held = self.held, []
            for exchange, event in held:
                continuation(exchange, event)
