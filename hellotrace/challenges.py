"""Challenges: open exercises a learner solves in their own terminal, against their own sandbox, and that
the site checks from what the sandbox received (the trace store), never from what the learner says they did.

Each challenge is a check over the sandbox's recorded exchanges: the exchange that proves it solved, or
None. A few also ask for a value the learner can only know by doing the exercise (how many progress lines a
pull sent, which API version their CLI negotiated); the check compares it with what the trace shows.
The words (title, task, hint, solution) live per language in `lessons/<lang>/course/challenges.yaml`; the
checks live here, once. `record_solved` keeps solved challenges through a `ProgressStore`, so that the same
rules run whatever holds the learner's progress.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import yaml

from hellotrace.wiretap import TracedExchange
from hellotrace.wiretap.explain import sent_by_docker_cli

MAX_ANSWER = 40
_TEXT_KEYS = {"id", "title", "task", "hint", "solution", "lesson"}


def _from_curl(record: TracedExchange) -> bool:
    return (record.request_header("User-Agent") or "").startswith("curl/")


def _from_cli(record: TracedExchange) -> bool:
    return sent_by_docker_cli(record.request_header("User-Agent"))


def _json_lines(body: bytes) -> list[object]:
    lines = []
    for line in body.splitlines():
        if line.strip():
            try:
                lines.append(json.loads(line))
            except ValueError:
                return []
    return lines


def _status_filter(record: TracedExchange) -> list[str]:
    try:
        filters = json.loads(record.query.get("filters", [""])[0] or "{}")
    except ValueError:
        return []
    value = filters.get("status", []) if isinstance(filters, dict) else []
    # The API takes {"status":["exited"]} and the older {"status":{"exited":true}}.
    return list(value) if isinstance(value, (list, dict)) else []


def _version_tuple(version: str | None) -> tuple[int, ...] | None:
    try:
        return tuple(int(part) for part in (version or "").split("."))
    except ValueError:
        return None


# -- the checks: each finds the exchange that shows the exercise done, and the value it lets the learner read
# (for the challenges that ask for one), or None ------------------------------------------------------------

Found = tuple[TracedExchange, str] | None


def _conflict(records: Sequence[TracedExchange]) -> Found:
    return _last(records, lambda r: r.status == 409)


def _exited_only(records: Sequence[TracedExchange]) -> Found:
    return _last(records, lambda r: _from_curl(r) and r.method == "GET" and r.path == "/containers/json"
                 and r.status == 200 and _status_filter(r) == ["exited"])


def _pull_lines(records: Sequence[TracedExchange]) -> Found:
    found = _last(records, lambda r: _from_curl(r) and r.method == "POST" and r.path == "/images/create"
                  and r.status == 200 and r.query.get("fromImage", [""])[0].endswith("alpine"))
    return (found[0], str(len(_json_lines(found[0].response_body)))) if found else None


def _negotiated(records: Sequence[TracedExchange]) -> Found:
    found = _last(records, lambda r: _from_cli(r) and r.api_version is not None)
    return (found[0], found[0].api_version or "") if found else None


def _attach_frames(records: Sequence[TracedExchange]) -> Found:
    return _last(records, lambda r: _from_curl(r) and r.path.endswith("/attach") and r.hijacked
                 and len(r.response_body) > 8)


def _custom_header(records: Sequence[TracedExchange]) -> Found:
    return _last(records, lambda r: _from_cli(r) and r.request_header("X-Course") == "hellotrace")


def _too_old(records: Sequence[TracedExchange]) -> Found:
    def old(r: TracedExchange) -> bool:
        version = _version_tuple(r.api_version)
        return version is not None and version < (1, 40) and r.status == 400

    return _last(records, old)


def _form_body(records: Sequence[TracedExchange]) -> Found:
    return _last(records, lambda r: r.method == "POST" and r.path == "/containers/create" and r.status == 400
                 and (r.request_header("Content-Type") or "").startswith("application/x-www-form-urlencoded"))


def _exit_status(records: Sequence[TracedExchange]) -> Found:
    def failed(r: TracedExchange) -> bool:
        if not (_from_curl(r) and r.path.endswith("/wait") and r.status == 200):
            return False
        lines = _json_lines(r.response_body)
        return bool(lines) and isinstance(lines[-1], dict) and lines[-1].get("StatusCode") not in (None, 0)

    return _last(records, failed)


def _already_started(records: Sequence[TracedExchange]) -> Found:
    return _last(records, lambda r: r.method == "POST" and r.path.endswith("/start") and r.status == 304)


def _last(records: Sequence[TracedExchange], test: Callable[[TracedExchange], bool]) -> Found:
    """The most recent finished exchange that passes `test` (a running stream is not a proof yet)."""
    record = next((record for record in reversed(records) if record.finished and test(record)), None)
    return (record, "") if record is not None else None


@dataclass(frozen=True)
class Challenge:
    id: str
    needs_answer: bool  # the learner also types the value the exercise let them read
    find: Callable[[Sequence[TracedExchange]], Found]


CHALLENGES: tuple[Challenge, ...] = (
    Challenge("conflict-409", False, _conflict),
    Challenge("form-body-400", False, _form_body),
    Challenge("exited-only", False, _exited_only),
    Challenge("pull-count", True, _pull_lines),
    Challenge("start-304", False, _already_started),
    Challenge("exit-status", False, _exit_status),
    Challenge("negotiated-version", True, _negotiated),
    Challenge("attach-frames", False, _attach_frames),
    Challenge("custom-header", False, _custom_header),
    Challenge("too-old", False, _too_old),
)


def challenge(challenge_id: str) -> Challenge | None:
    return next((item for item in CHALLENGES if item.id == challenge_id), None)


@dataclass(frozen=True)
class Outcome:
    """The result of one check: solved with its proof, or why not: "nothing_yet" (the sandbox received
    nothing that does it), "wrong_answer", "answer_needed", "answer_too_long"."""

    challenge_id: str
    solved: bool
    proof: TracedExchange | None = None
    reason: str = ""


def check(item: Challenge, records: Sequence[TracedExchange], answer: str = "") -> Outcome:
    """Look for the proof among the sandbox's exchanges (and compare the value asked for, if any)."""
    answer = answer.strip()
    if item.needs_answer and not answer:
        return Outcome(item.id, False, reason="answer_needed")
    if len(answer) > MAX_ANSWER:
        return Outcome(item.id, False, reason="answer_too_long")
    found = item.find(records)
    if found is None:
        return Outcome(item.id, False, reason="nothing_yet")
    proof, expected = found
    if item.needs_answer and answer.casefold().lstrip("v") != expected.casefold():
        return Outcome(item.id, False, proof, reason="wrong_answer")
    return Outcome(item.id, True, proof)


class ProgressStore(Protocol):
    """Where a learner's solved challenges are kept."""

    def solved(self, learner: str) -> set[str]:
        """The ids of the challenges this learner has solved."""
        ...

    def add_solved(self, learner: str, challenge_id: str) -> None:
        """Remember one more solved challenge."""
        ...


def record_solved(store: ProgressStore, learner: str, item: Challenge, records: Sequence[TracedExchange],
                  answer: str = "") -> Outcome:
    """Check a challenge for a learner and, when solved, keep it in their progress (once)."""
    outcome = check(item, records, answer)
    if outcome.solved and item.id not in store.solved(learner):
        store.add_solved(learner, item.id)
    return outcome


# -- the words ---------------------------------------------------------------------------------------------


class ChallengeTextError(ValueError):
    """A challenges file that cannot be used, with the entry at fault."""


@dataclass(frozen=True)
class ChallengeText:
    id: str
    title: str
    task: str  # one paragraph, inline Markdown
    hint: str
    solution: str  # shell commands, run as they are in the learner's terminal
    lesson: str  # the slug of the lesson that teaches what the challenge needs


def load_challenge_texts(path: Path) -> tuple[ChallengeText, ...]:
    """Read one language's challenges; every check has its words and no words lack a check."""
    try:
        items = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ChallengeTextError(f"{path}: invalid YAML: {exc}") from None
    if not isinstance(items, list):
        raise ChallengeTextError(f"{path}: a list of challenges is expected")
    texts = []
    for index, item in enumerate(items):
        if not isinstance(item, Mapping) or set(item) != _TEXT_KEYS or \
                not all(isinstance(item[key], str) and item[key].strip() for key in _TEXT_KEYS):
            raise ChallengeTextError(f"{path}: entry {index + 1}: {', '.join(sorted(_TEXT_KEYS))} are required "
                                     "non-empty strings")
        texts.append(ChallengeText(*(item[key].strip() if key != "solution" else item[key].rstrip()
                                     for key in ("id", "title", "task", "hint", "solution", "lesson"))))
    if [text.id for text in texts] != [item.id for item in CHALLENGES]:
        raise ChallengeTextError(f"{path}: the challenges must be {', '.join(c.id for c in CHALLENGES)}, in order")
    return tuple(texts)
