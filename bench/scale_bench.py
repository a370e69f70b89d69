"""Benchmark of a crowd: N students, each loading the replay and running its four steps one by one.

Each student is a browser of its own (cookie session, the CSRF token the page gives htmx): GET /en/replay, choose
the instant pace, then for each step POST /en/replay/run as htmx does and follow that run's live event stream until
`event: done`. A step's time runs from its POST leaving to its `done`. The students run as threads spread over
several client processes started before the clock starts, so that one client's interpreter is not what is measured.

Two shapes of the same load (every student makes the same requests and keeps each step's live stream open to its
end; the bench prints the peak of live streams open at once):
- `--mode stampede` (default): every student opens the page at the same instant and clicks each step as soon as
  the previous one ended. No class does this; it is the worst case, a bound.
- `--mode serial`: one student after the other, in one client process: the CPU one student costs the site and
  the client when nobody waits (the p95 figures then say how long one student's actions take alone).
- `--mode class`: a teacher says "open the page": students arrive uniformly over `--arrival` seconds (default 20:
  typing an address from the board). Then the teacher cues each step every `--cue-every` seconds (default 10) and
  each student clicks within `--reaction` seconds of the cue (default 5, uniform), or as soon as their previous
  step ended if that is later. 10 s leaves a class served at the target (p95 1 s) time to finish a step before
  the next cue; a slower site makes the steps overlap and the load pile up, as it would in the room.

The site is `python app.py` in a temporary instance (pulls not paced; with `--workers W`, that option too):
a warm-up student, then the crowd (p50/p95/max of the page and of each step, errors, CPU, load average, the
voluntary context switches of each process per student, and with `--workers` how many students each node served,
with that node's worst p95 and when its last student finished).

With `--cpu-by-thread`, each process of the site also says where its CPU went, per student: by kind of thread
(requests, replay runs, the tap's reader, the step-run writer, the server's loop…) and by request served
(bench/cpu_probe, loaded into the site's processes for the run).

With `--waves W`, memory instead: W crowds of `--students` one after another, each measured once it went quiet and
the sweeps released its runs' events and packed its replays, trace records and sandboxes (VISITOR_QUIET and
SANDBOX_QUIET `--quiet`): the resident memory (RSS) of the site and every process under it (and of each), and,
with `--tracemalloc`, the bytes Python objects hold in the site's processes (PYTHONTRACEMALLOC). Memory per
idle visitor is the slope of those points (least squares), not the growth divided by the students: the first
crowd's high-water (arenas and heap pages a process keeps for reuse) is paid once. Then the memory after
VISITOR_IDLE and SANDBOX_IDLE (`--idle`) passed, against the warm-up's.

    .venv/bin/python bench/scale_bench.py [--students 200] [--mode class|serial] [--workers W] [--cpu-by-thread]
    .venv/bin/python bench/scale_bench.py --students 100 --waves 5 --idle 200 [--tracemalloc]

Everything is bounded: each request has a timeout, each student a deadline, the site is stopped by its PID.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import shutil
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from replay_bench import (  # noqa: E402  (it puts the repository on sys.path)
    CSRF_TOKEN,
    ROOT,
    children_cpu_seconds,
    ms,
    percentile,
    process_tree,
    start_site,
    stop_process,
    tree_cpu,
)

from hellotrace.sweeping import sweep_interval  # noqa: E402
from hellotrace.tracing.exchange import RecordedResponse  # noqa: E402
from hellotrace.tracing.wire import parse_head  # noqa: E402
from hellotrace.wiretap.conversation import BodyReader, WireError, response_framing  # noqa: E402

STEPS = (1, 2, 3, 4)
STUDENT_DEADLINE = 120.0
REQUEST_TIMEOUT = 60.0
RUN_ID = re.compile(r'data-run="([^"]+)"')
STEP_STATUS = re.compile(r'#step-([1-4])-status"><span class="(ok|failed)"')
NOTE = re.compile(r'#step-[1-4]-notes">(.+)')
TAG = re.compile(r"<[^>]+>|\s+")
DONE = re.compile(rb"^event: done\r?$", re.M)  # the last message of a run's live stream
# What a current browser (Chromium) adds to a page it opens from a typed address, and to htmx's requests and an
# EventSource: the site lets a page being opened wait behind the actions in line (hellotrace/turns.py).
NAVIGATION = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,"
                        "*/*;q=0.8,application/signed-exchange;v=b3;q=0.7",
              "Sec-Fetch-Site": "none", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document",
              "Sec-Fetch-User": "?1"}
SCRIPTED = {"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty"}
# What the issue asks of one 2-core machine.
TARGETS = ((200, 1.0), (500, 2.5))
TRACED = re.compile(r"process (\d+): Python objects hold (\d+) bytes")
# The node a visitor's page names in their DOCKER_HOST (`--workers`: /sandboxes/<node>-<token>).
SANDBOX_NODE = re.compile(r"/sandboxes/([a-z0-9]{1,16})-[0-9a-f]{16,32}\b")


@dataclass
class Student:
    ok: bool = False
    page: float = 0.0
    steps: dict[int, float] = field(default_factory=dict)
    problem: str = "did not finish"
    streams: list[tuple[float, float]] = field(default_factory=list)  # monotonic: each step's POST to its done
    node: str = ""  # the node that served them (with --workers)
    began: float = 0.0  # monotonic: their page's request left
    ended: float = 0.0  # monotonic: their last step's `done` came


@dataclass
class Schedule:
    """When a student opens the page, and when they click each step (0: as soon as the previous one ended)."""

    page_at: float
    clicks: tuple[float, ...] = (0.0,) * len(STEPS)


class BrowserError(Exception):
    """An answer a browser would show as an error."""


@dataclass
class Answer:
    """An answer whose head was read: what it says, and the reader of its body (`Browser.body`)."""

    response: RecordedResponse
    reader: BodyReader

    def header(self, name: str) -> str:
        return (self.response.header(name) or "").lower()


class Browser:
    """One student's browser: one keep-alive connection, its cookies, gzip accepted as browsers do.

    A socket and the site's own readers of HTTP/1.1 (`parse_head`, `RecordedResponse`, the trace's `BodyReader`)
    rather than a client library: the crowd's clients share the two cores with the site, where a class's browsers
    would not. http.client read every head through the email package, and h11 checks every field of every event:
    either made the clients a tenth of all the CPU measured, on the cores the site needs. The requests sent are the
    same as a browser's (methods, paths, forms, htmx's headers, cookies, Accept-Encoding); an answer these readers
    do not understand is an error, not a guess."""

    def __init__(self, base: str) -> None:
        address = urlsplit(base)
        self.host = address.netloc
        self.address = (address.hostname, address.port)
        self.cookies: dict[str, str] = {}
        self._connect()

    def _connect(self) -> None:
        self.sock = socket.create_connection(self.address, timeout=REQUEST_TIMEOUT)
        self.buffer = bytearray()

    def open(self, method: str, path: str, form: dict[str, str] | None = None,
             headers: dict[str, str] | None = None) -> Answer:
        """Send a request; its answer's head (the body is read with `body`)."""
        sent = [("Host", self.host), ("Accept-Encoding", "gzip"), *(headers or {}).items()]
        if self.cookies:
            sent.append(("Cookie", "; ".join(f"{name}={value}" for name, value in self.cookies.items())))
        body = b""
        if form is not None:
            body = urlencode(form).encode()
            sent += [("Content-Type", "application/x-www-form-urlencoded"), ("Content-Length", str(len(body)))]
        head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{name}: {value}\r\n" for name, value in sent) + "\r\n"
        self.sock.sendall(head.encode("latin-1") + body)
        answer = self._read_head(method, f"{method} {path}")
        for name, value in answer.response.headers:
            if name.lower() == "set-cookie":
                cookie, _, rest = value.partition(";")[0].partition("=")
                self.cookies[cookie.strip()] = rest
        if answer.response.status >= 400:
            b"".join(self.body(answer))
            raise BrowserError(f"{method} {path}: {answer.response.status} {answer.response.reason}")
        return answer

    def _read_head(self, method: str, request: str) -> Answer:
        while (head := parse_head(bytes(self.buffer))) is None:
            self._receive(f"{request}: the connection closed before an answer")
        del self.buffer[:head.size]
        response = RecordedResponse.from_head(head, b"", request_method=method)
        if response.http_version != "HTTP/1.1" or not response.status:
            raise BrowserError(f"{request}: not an HTTP/1.1 answer: {head.start_line[:80]!r}")
        if response.framing not in ("none", "content-length", "chunked"):
            raise BrowserError(f"{request}: an answer framed as {response.framing!r}")
        try:
            return Answer(response, response_framing(response))
        except WireError as exc:
            raise BrowserError(f"{request}: {exc}") from None

    def _receive(self, problem: str) -> None:
        data = self.sock.recv(65536)
        if not data:
            raise BrowserError(problem)
        self.buffer += data

    def body(self, answer: Answer) -> Iterator[bytes]:
        """The answer's body as it arrives (chunk framing removed); the connection is ready for the next request
        once it is read to its end."""
        reader = answer.reader
        while not reader.done:
            if not self.buffer:
                self._receive("the site closed the connection mid-answer")
            try:
                decoded, used = reader.feed(bytes(self.buffer))
            except WireError as exc:
                raise BrowserError(f"an answer the site framed wrongly: {exc}") from None
            del self.buffer[:used]
            if decoded:
                yield decoded
        if "close" in {token.strip() for token in answer.header("Connection").split(",")}:
            self.close()  # the answer closes the connection: as a browser, dial again
            self._connect()

    def text(self, method: str, path: str, form: dict[str, str] | None = None,
             headers: dict[str, str] | None = None) -> str:
        answer = self.open(method, path, form, headers)
        body = b"".join(self.body(answer))
        if answer.header("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        try:
            return body.decode()
        except UnicodeDecodeError:
            raise BrowserError(f"{method} {path}: an answer that is not UTF-8") from None

    def close(self) -> None:
        self.sock.close()


def run_step(browser: Browser, token: str, step: int, deadline: float) -> str | None:
    """POST one step as htmx does and read its live stream to the end; the problem, if any."""
    headers = {"HX-Request": "true", "X-CSRFToken": token, **SCRIPTED}
    started = browser.text("POST", "/en/replay/run", {"step": str(step)}, headers)
    found = RUN_ID.search(started)
    if found is None:
        return f"step {step}: no run id in the answer to its POST"
    stream = browser.open("GET", f"/en/replay/runs/{found.group(1)}/events",
                 headers={"Accept": "text/event-stream", "Cache-Control": "no-cache", **SCRIPTED})
    # Read as the bytes come (a browser's EventSource does not wake a script per line) and looked through once
    # at the end: reading line by line cost the crowd's clients more CPU than anything else they did.
    received = bytearray()
    done = False
    for chunk in browser.body(stream):  # to the stream's end, so that the connection serves the next request
        received += chunk
        done = done or DONE.search(received, max(0, len(received) - len(chunk) - 16)) is not None
        if not done and time.perf_counter() > deadline:
            return f"step {step}: past the student's deadline"
    if not done:
        return f"step {step}: the stream ended without `event: done`"
    text = received.decode()
    results = STEP_STATUS.findall(text)
    if results != [(str(step), "ok")]:
        notes = [TAG.sub(" ", note).strip() for note in NOTE.findall(text)]
        return f"step {step}: results {results}, expected only step {step} ok; notes: {' | '.join(notes)[:240]}"
    return None


def one_student(base: str, schedule: Schedule) -> Student:
    student = Student()
    browser = Browser(base)
    time.sleep(max(0.0, schedule.page_at - time.monotonic()))
    began = time.perf_counter()
    student.began = time.monotonic()
    try:
        page = browser.text("GET", "/en/replay", headers=NAVIGATION)
        student.page = time.perf_counter() - began
        node = SANDBOX_NODE.search(page)
        student.node = node.group(1) if node else ""
        token = CSRF_TOKEN.search(page)
        if token is None:
            student.problem = "no CSRF token in the replay page"
            return student
        browser.text("POST", "/en/replay/pace", {"pace": "instant"},
                     {"HX-Request": "true", "X-CSRFToken": token.group(1), **SCRIPTED})
        for step, click_at in zip(STEPS, schedule.clicks, strict=True):
            time.sleep(max(0.0, click_at - time.monotonic()))
            step_began, opened = time.perf_counter(), time.monotonic()
            problem = run_step(browser, token.group(1), step, time.perf_counter() + STUDENT_DEADLINE)
            student.streams.append((opened, time.monotonic()))
            if problem is not None:
                student.problem = problem
                return student
            student.steps[step] = time.perf_counter() - step_began
    except (OSError, BrowserError) as exc:
        student.problem = f"{type(exc).__name__}: {str(exc)[:200]}"
        return student
    finally:
        browser.close()
    student.ok, student.problem, student.ended = True, "", time.monotonic()
    return student


def student_group(base: str, plan: list[Schedule]) -> list[Student]:
    """These students in this client process, one thread each."""
    students = [Student() for _ in plan]

    def run(index: int) -> None:
        students[index] = one_student(base, plan[index])

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(plan))]
    for thread in threads:
        thread.start()
    last = max((max(one.page_at, *one.clicks) for one in plan), default=0.0)
    for thread in threads:
        thread.join(max(0.0, last - time.monotonic()) + STUDENT_DEADLINE + REQUEST_TIMEOUT)
    return students


def students_in_turn(base: str, plan: list[Schedule]) -> list[Student]:
    """These students one after the other, in this client process: what one student costs, without a crowd."""
    return [one_student(base, schedule) for schedule in plan]


def schedules(count: int, start_at: float, args: argparse.Namespace, seed: int) -> list[Schedule]:
    """The crowd's shape (see the module's docstring)."""
    if args.mode in ("stampede", "serial"):
        return [Schedule(start_at) for _ in range(count)]
    rng = random.Random(seed)
    cues = [start_at + args.arrival + index * args.cue_every for index in range(len(STEPS))]
    return [Schedule(start_at + rng.uniform(0, args.arrival),
                     tuple(cue + rng.uniform(0, args.reaction) for cue in cues)) for _ in range(count)]


def peak_streams(students: list[Student]) -> int:
    """The most live streams open at once over the crowd."""
    edges = sorted([(opened, 1) for s in students for opened, _ in s.streams]
                   + [(closed, -1) for s in students for _, closed in s.streams])
    peak = current = 0
    for _, change in edges:
        current += change
        peak = max(peak, current)
    return peak


def load_average() -> str:
    return " ".join(f"{load:.2f}" for load in os.getloadavg())


def cpu_times() -> list[int]:
    """The machine's CPU time so far, by kind (/proc/stat's first line: user, nice, system, idle, iowait, irq,
    softirq, steal…), in clock ticks."""
    return [int(field) for field in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]


def steal_share(before: list[int], after: list[int]) -> float:
    """The share of the CPUs' time the hypervisor gave to other machines meanwhile (steal, /proc/stat's 8th)."""
    spent = [b - a for a, b in zip(before, after, strict=False)]
    total = sum(spent[:8])
    return spent[7] / total * 100 if len(spent) > 7 and total else 0.0


def warm_client(_: int) -> int:
    """Run once in each client process before the clock starts: imports done, the pool's processes up."""
    return os.getpid()


# -- the site's processes -----------------------------------------------------------------------------


def describe(pid: int) -> str:
    try:
        words = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "?"
    names = [Path(word.decode(errors="replace")).name for word in words[:3] if word]
    return " ".join(names)


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_of_tree(pid: int) -> dict[int, int]:
    return {child: rss_kib(child) for child in process_tree(pid)}


def tree_switches(pid: int) -> dict[int, dict[str, int]]:
    """Voluntary context switches so far of each thread alive in `pid` and in each process under it: each one a
    thread that blocked (on the interpreter, a lock, a socket) and was woken again."""
    counted: dict[int, dict[str, int]] = {}
    for child in process_tree(pid):
        threads = counted[child] = {}
        for status in Path(f"/proc/{child}/task").glob("*/status"):
            try:
                threads[status.parent.name] = next(int(line.split()[1]) for line in status.read_text().splitlines()
                                                   if line.startswith("voluntary_ctxt_switches:"))
            except (OSError, StopIteration):
                continue
    return counted


def show_rss(label: str, rss: dict[int, int]) -> None:
    parts = ", ".join(f"{describe(pid)} [{pid}] {kib / 1024:.1f} MiB" for pid, kib in rss.items())
    print(f"    RSS {label}: {sum(rss.values()) / 1024:.1f} MiB in all ({parts})")


# -- the run -----------------------------------------------------------------------------------------


def report(students: list[Student], wall: float, site_cpus: dict[int, float], client_cpu: float,
           switches: dict[int, int], steal: float, judged: bool = True) -> bool:
    """The crowd's figures; `judged`: against the issue's targets (a crowd, not students in turn)."""
    done = [s for s in students if s.ok]
    print(f"    {len(done)}/{len(students)} students completed in {wall:.1f} s; at most {peak_streams(students)} "
          f"live streams open at once; load average {load_average()} at the end; CPU time stolen by the "
          f"hypervisor {steal:.1f} %")
    for problem in sorted({s.problem for s in students if not s.ok}):
        print(f"    error ({sum(1 for s in students if s.problem == problem)}×): {problem}")
    worst = 0.0
    if done:
        for name, values in action_times(done):
            p95 = percentile(values, 0.95)
            worst = max(worst, p95)
            print(f"    {name:>6}: p50 {ms(percentile(values, 0.5)):>10}  p95 {ms(p95):>10}  max {ms(max(values)):>10}")
    site_cpu = sum(site_cpus.values())
    busy = site_cpu + client_cpu
    print(f"    CPU: site processes {site_cpu:.1f} s, clients {client_cpu:.1f} s "
          f"(clients' share {client_cpu / busy * 100 if busy else 0:.0f} %), on {os.cpu_count()} cores "
          f"for {wall:.1f} s")
    # Per student and per process: the figure the load of the machine does not change.
    parts = ", ".join(f"{describe(pid)} [{pid}] {used * 1000 / len(students):.1f} ms"
                      for pid, used in site_cpus.items())
    print(f"    CPU per student: {site_cpu * 1000 / len(students):.1f} ms ({parts})")
    parts = ", ".join(f"{describe(pid)} [{pid}] {count / len(students):.0f}"
                      for pid, count in switches.items() if count)
    print(f"    voluntary context switches per student, threads alive at the end: {parts}")
    if any(s.node for s in students):
        print_nodes(students)
    target = next((p95 for count, p95 in TARGETS if len(students) <= count), None)
    if judged and target is not None and len(students) >= TARGETS[0][0]:
        verdict = "met" if len(done) == len(students) and worst <= target else "MISSED"
        print(f"    target for {len(students)} students: all complete, p95 <= {target:g} s: {verdict}")
    return len(done) == len(students)


def read_probe(folder: Path) -> dict[int, dict[str, float]]:
    """What each process of the site wrote last under `--cpu-by-thread` (bench/cpu_probe): CPU seconds by kind."""
    figures = {}
    for path in folder.glob("*.json"):
        try:
            figures[int(path.stem)] = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
    return figures


def print_probed(before: dict[int, dict[str, float]], after: dict[int, dict[str, float]], students: int) -> None:
    """Per process of the site, the crowd's CPU per student by request (what a waitress thread spent serving it) and
    by kind of thread; the requests are part of the `waitress` threads' figure."""
    print("    CPU per student by request and by thread (each figure also divided by all the crowd's students):")
    for pid, figures in sorted(after.items()):
        spent = {kind: (seconds - before.get(pid, {}).get(kind, 0.0)) * 1000 / students
                 for kind, seconds in figures.items()}
        if spent.pop("process", 0.0) < 0.05:
            continue
        requests = sorted(((kind.removeprefix("request "), ms) for kind, ms in spent.items()
                           if kind.startswith("request ") and ms >= 0.05), key=lambda item: -item[1])
        threads = sorted(((kind, ms) for kind, ms in spent.items() if not kind.startswith("request ") and ms >= 0.05),
                         key=lambda item: -item[1])
        print(f"      {describe(pid)} [{pid}]: threads " + ", ".join(f"{kind} {ms:.2f} ms" for kind, ms in threads)
              + ("; requests " + ", ".join(f"{kind} {ms:.2f} ms" for kind, ms in requests) if requests else ""))


def action_times(done: list[Student]) -> list[tuple[str, list[float]]]:
    """The page's times and each step's, of students who finished."""
    return [("page", [s.page for s in done])] + [(f"step {n}", [s.steps[n] for s in done]) for n in STEPS]


def print_nodes(students: list[Student]) -> None:
    """How many students each node served, its worst p95 and when its last student finished: a node's visitors
    stay on it, so a node slower than the other (on a core the machine runs slower) keeps its share of the crowd
    waiting longer."""
    first = min(s.began for s in students)
    parts = []
    for node in sorted({s.node for s in students if s.node}):
        served = [s for s in students if s.node == node]
        part = f"{node} {len(served)}"
        done = [s for s in served if s.ok]
        if done:
            worst = max(percentile(values, 0.95) for _, values in action_times(done))
            part += f" (worst p95 {ms(worst)}, the last done {max(s.ended for s in done) - first:.1f} s in)"
        parts.append(part)
    print(f"    students per node: {', '.join(parts)}")


def crowd(pool: ProcessPoolExecutor, base: str, args: argparse.Namespace, clients: int, pid: int,
          seed: int) -> tuple[list[Student], float, dict[int, float], dict[int, int]]:
    """One crowd of `args.students`, shaped by `args.mode`; the students, the wall time, the CPU seconds and the
    voluntary context switches of each of the site's processes."""
    switches_before = tree_switches(pid)
    site_before = tree_cpu(pid)
    start_at = time.monotonic() + 1.0
    plan = schedules(args.students, start_at, args, seed)
    if args.mode == "serial":
        futures = [pool.submit(students_in_turn, base, plan)]
    else:
        futures = [pool.submit(student_group, base, plan[index::clients]) for index in range(clients)]
    students = [student for future in futures for student in future.result()]
    site_after = tree_cpu(pid)
    # Threads that ended meanwhile (a node's replay runs, one per step) are not counted.
    switches = {child: sum(count - switches_before.get(child, {}).get(thread, 0) for thread, count in threads.items())
                for child, threads in tree_switches(pid).items()}
    return students, time.monotonic() - start_at, {child: used - site_before.get(child, 0.0)
                                                   for child, used in site_after.items()}, switches


def traced_bytes(log: Path, offset: int) -> tuple[int, int]:
    """The bytes Python objects held after the latest sweep of each site process (the engines aside: they log
    only when they remove sandboxes), as logged past `offset`; and how many processes that is."""
    text = log.read_bytes()[offset:].decode(errors="replace")
    latest = {int(pid): int(held) for pid, held in TRACED.findall(text)}
    site = {pid: held for pid, held in latest.items() if "mock-daemon" not in describe(pid)}
    return sum(site.values()), len(site)


def slope(points: list[tuple[int, float]]) -> float:
    """Least-squares slope of y over x."""
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread if spread else 0.0


def memory_waves(pool: ProcessPoolExecutor, base: str, args: argparse.Namespace, clients: int, process,
                 log: Path) -> bool:
    """`args.waves` crowds, each measured once quiet and packed; the slope; then the memory after expiry."""
    quiet = min(args.quiet, args.idle / 3)
    settle = quiet + sweep_interval(4 * quiet) + 2  # released and packed by the first sweep past `quiet`
    time.sleep(settle)
    before = rss_of_tree(process.pid)
    traced_before = traced_bytes(log, 0)[0]
    show_rss("after one warm-up student, quiet", before)
    rss_points: list[tuple[int, float]] = []
    by_process: dict[str, list[tuple[int, float]]] = {}
    traced_points: list[tuple[int, float]] = []
    all_done, first_wave_end = True, None
    for wave in range(1, args.waves + 1):
        students, wall, _, _ = crowd(pool, base, args, clients, process.pid, seed=wave)
        first_wave_end = first_wave_end or time.monotonic()
        done = sum(1 for s in students if s.ok)
        all_done = all_done and done == len(students)
        offset = log.stat().st_size
        time.sleep(settle)
        if time.monotonic() > first_wave_end + args.idle:
            print(f"    (wave {wave}: the first wave may have expired: raise --idle)")
        rss = rss_of_tree(process.pid)
        visitors = wave * args.students
        rss_points.append((visitors, sum(rss.values())))
        for pid, kib in rss.items():
            by_process.setdefault(f"{describe(pid)} [{pid}]", []).append((visitors, kib))
        line = (f"  wave {wave}: {done}/{len(students)} completed in {wall:.1f} s; {visitors} idle visitors: "
                f"RSS {sum(rss.values()) / 1024:.1f} MiB (+{(sum(rss.values()) - sum(before.values())) / 1024:.1f})")
        if args.tracemalloc:
            held, processes = traced_bytes(log, offset)
            traced_points.append((visitors, held / 1024))
            line += f"; Python objects {held / 1048576:.1f} MiB in {processes} site process(es)"
        print(line + f"; load average {load_average()}")
    total = args.waves * args.students
    growth = rss_points[-1][1] - sum(before.values())
    print(f"    memory per idle visitor with its sandbox (slope of RSS over waves): {slope(rss_points):.1f} KiB; "
          f"growth ÷ visitors would say {growth / total:.1f} KiB (it counts the first wave's high-water)")
    print("      of which: " + ", ".join(f"{name} {slope(points):.1f} KiB" for name, points in by_process.items()
                                        if len(points) == len(rss_points)))
    if traced_points:
        print(f"    Python objects per idle visitor (slope): {slope(traced_points):.1f} KiB")
    offset = log.stat().st_size
    time.sleep(args.idle + sweep_interval(args.idle) + 3)  # both sweeps removed every visitor and sandbox
    after = rss_of_tree(process.pid)
    show_rss("after they expired", after)
    change = (sum(after.values()) - sum(before.values())) / sum(before.values()) * 100
    print(f"    after expiry: RSS {change:+.1f} % against the warm-up's (target: within 10 %)")
    if args.tracemalloc:
        held = traced_bytes(log, offset)[0]
        print(f"    after expiry: Python objects {held / 1048576:.1f} MiB against {traced_before / 1048576:.1f} MiB "
              f"after the warm-up ({(held - traced_before) / max(traced_before, 1) * 100:+.1f} %)")
    return all_done


def show_site_errors(log: Path) -> None:
    """What the site logged about the failures (the instance folder is removed with the run)."""
    lines = log.read_text(errors="replace").splitlines()
    found = [line for line in lines if " ERROR " in line or line.startswith(("Traceback", "sqlite3.", "psycopg"))
             or "Error:" in line]
    for line in dict.fromkeys(found[-40:]):  # each distinct line once
        print(f"    site log: {line[:300]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--mode", choices=("stampede", "class", "serial"), default="stampede")
    parser.add_argument("--arrival", type=float, default=20.0, help="class: seconds over which students arrive")
    parser.add_argument("--reaction", type=float, default=5.0, help="class: seconds within which they click a cue")
    parser.add_argument("--cue-every", type=float, default=10.0, help="class: seconds between the teacher's cues")
    parser.add_argument("--client-processes", type=int, default=4)
    parser.add_argument("--workers", type=int, default=None, help="pass --workers W to the site")
    parser.add_argument("--waves", type=int, default=0, help="measure memory over this many crowds instead")
    parser.add_argument("--idle", type=float, default=200.0,
                        help="VISITOR_IDLE and SANDBOX_IDLE of the site, in seconds (default 200)")
    parser.add_argument("--quiet", type=float, default=60.0,
                        help="VISITOR_QUIET and SANDBOX_QUIET of the site, in seconds (default 60, the site's; "
                             "--waves: 5)")
    parser.add_argument("--tracemalloc", action="store_true", help="with --waves: also the bytes Python objects hold")
    parser.add_argument("--cpu-by-thread", action="store_true",
                        help="also the CPU per student of each site process by thread and by request (bench/cpu_probe)")
    args = parser.parse_args()
    if args.waves and "--quiet" not in sys.argv[1:]:
        args.quiet = 5.0  # each wave packed within seconds, so that five fit before the first one expires
    if min(args.students, args.client_processes) < 1 or min(args.idle, args.quiet) <= 0 or args.waves < 0 \
            or min(args.arrival, args.reaction, args.cue_every) < 0:
        parser.error("--students, --client-processes, --idle and --quiet must be positive, the others not negative")
    clients = 1 if args.mode == "serial" else min(args.client_processes, args.students)
    print(f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, load average {load_average()} before the run; "
          f"{args.students} students over {clients} client processes, mode {args.mode}"
          + (f" (arrival {args.arrival:g} s, cue every {args.cue_every:g} s, reaction {args.reaction:g} s)"
             if args.mode == "class" else "")
          + (f"; --workers {args.workers}" if args.workers else ""))
    folder = tempfile.mkdtemp(prefix="ht-scale-bench-", dir="/tmp")
    extra_args = ["--sandbox-idle", f"{args.idle:g}s"] + (["--workers", str(args.workers)] if args.workers else [])
    env = {"HELLOTRACE_VISITOR_IDLE": f"{args.idle:g}", "HELLOTRACE_VISITOR_QUIET": f"{args.quiet:g}",
           "HELLOTRACE_SANDBOX_QUIET": f"{args.quiet:g}"}
    if args.tracemalloc:
        env["PYTHONTRACEMALLOC"] = "1"
    probe = Path(folder, "cpu-probe")
    if args.cpu_by_thread:
        probe.mkdir()
        env["HELLOTRACE_CPU_PROBE"] = str(probe)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "bench" / "cpu_probe"),
                                                          os.environ.get("PYTHONPATH")]))
    process, base = start_site(folder, 0.0, env, extra_args)
    try:
        with ProcessPoolExecutor(max_workers=clients) as pool:
            list(pool.map(warm_client, range(clients)))
            warm_up = pool.submit(student_group, base, [Schedule(time.monotonic())]).result()
            if not warm_up[0].ok:
                raise RuntimeError(f"the warm-up student failed: {warm_up[0].problem}")
            if args.waves:
                print(f"{args.waves} waves of {args.students} students, each measured once quiet and packed:")
                return 0 if memory_waves(pool, base, args, clients, process, Path(folder, "site.log")) else 1
            time.sleep(2.0)
            show_rss("after one warm-up student", rss_of_tree(process.pid))
            clients_before, machine_before, probed_before = children_cpu_seconds(), cpu_times(), read_probe(probe)
            students, wall, site_cpus, switches = crowd(pool, base, args, clients, process.pid, seed=1)
            steal = steal_share(machine_before, cpu_times())
            if args.cpu_by_thread:
                time.sleep(0.5)  # every process wrote its figures again since the crowd ended
                probed = read_probe(probe)
        client_cpu = children_cpu_seconds() - clients_before
        print(f"{args.students} students, {args.mode}, page then four steps each (instant pace, pulls not paced):")
        all_done = report(students, wall, site_cpus, client_cpu, switches, steal, judged=args.mode != "serial")
        if args.cpu_by_thread:
            print_probed(probed_before, probed, len(students))
        show_rss(f"with {args.students} visitors just done", rss_of_tree(process.pid))
        if not all_done:
            show_site_errors(Path(folder, "site.log"))
    finally:
        stop_process(process)
        shutil.rmtree(folder, ignore_errors=True)
    return 0 if all_done else 1


if __name__ == "__main__":
    sys.exit(main())
