"""Challenges: each one's published solution, run in bash against a sandbox of the mock engine, is seen
solved in the trace store; nothing else is (another sandbox, an empty sandbox, a wrong value); and the
page lists them, checks them for the visitor's own sandbox and counts what they solved."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from app import create_app
from hellotrace.challenges import CHALLENGES, ChallengeTextError, check, load_challenge_texts, record_solved
from tests.test_docker_cli import DOCKER
from tests.test_trace_store import traced_engine, wait_finished  # noqa: F401 - a fixture

ROOT = Path(__file__).resolve().parent.parent
TEXTS = {lang: load_challenge_texts(ROOT / "lessons" / lang / "course" / "challenges.yaml") for lang in ("en", "fr")}
needs_tools = pytest.mark.skipif(DOCKER is None and os.environ.get("CI") != "true",
                                 reason="the docker CLI is not installed")


def run_solution(engine, sandbox: str, script: str, tmp_path: Path) -> str:
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "DOCKER_HOST": engine.sandbox_host(sandbox),
           "DOCKER_CONFIG": str(tmp_path / "docker-config"), "DOCKER_CLI_HINTS": "false", "LC_ALL": "C"}
    # Not `set -e`: some solutions make the daemon refuse a request on purpose, and the CLI exits 1 then.
    result = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=60)
    return result.stdout


def test_at_least_eight_challenges_with_words_in_both_languages():
    assert len(CHALLENGES) >= 8
    english, french = TEXTS["en"], TEXTS["fr"]
    assert [t.id for t in english] == [t.id for t in french] == [c.id for c in CHALLENGES]
    for en, fr in zip(english, french, strict=True):
        assert en.solution == fr.solution and en.lesson == fr.lesson  # the same commands in both languages
        assert en.title != fr.title and en.task != fr.task and en.hint != fr.hint


def test_a_challenges_file_must_match_the_checks(tmp_path):
    path = tmp_path / "challenges.yaml"
    path.write_text("- id: conflict-409\n  title: T\n  task: T\n  hint: H\n  solution: S\n  lesson: x\n")
    with pytest.raises(ChallengeTextError, match="must be"):
        load_challenge_texts(path)
    path.write_text("- id: conflict-409\n  title: T\n")
    with pytest.raises(ChallengeTextError, match="required"):
        load_challenge_texts(path)


@needs_tools
@pytest.mark.parametrize("item", CHALLENGES, ids=[c.id for c in CHALLENGES])
def test_each_published_solution_solves_its_challenge_and_only_in_its_sandbox(traced_engine, tmp_path, item):  # noqa: F811
    engine, store = traced_engine
    text = next(t for t in TEXTS["en"] if t.id == item.id)
    sandbox = f"solver-{item.id}".replace("-", "")
    assert not check(item, store.exchanges(sandbox), "1").solved  # nothing received yet
    output = run_solution(engine, sandbox, text.solution, tmp_path)
    records = wait_finished(store, sandbox, 1)
    answer = output.strip().splitlines()[-1].strip() if item.needs_answer else ""
    outcome = check(item, records, answer)
    assert outcome.solved, (item.id, outcome.reason, [(r.method, r.target, r.status) for r in records])
    assert outcome.proof is not None and outcome.proof.sandbox == sandbox
    assert not check(item, store.exchanges("someone-else"), answer).solved
    if item.needs_answer:
        wrong = check(item, records, "999")
        assert not wrong.solved and wrong.reason == "wrong_answer"
        assert check(item, records, "").reason == "answer_needed"


class MemoryProgress:
    def __init__(self) -> None:
        self.rows: dict[str, list[str]] = {}

    def solved(self, learner: str) -> set[str]:
        return set(self.rows.get(learner, []))

    def add_solved(self, learner: str, challenge_id: str) -> None:
        self.rows.setdefault(learner, []).append(challenge_id)


@needs_tools
def test_solved_challenges_are_kept_once_in_the_learners_progress(traced_engine, tmp_path):  # noqa: F811
    engine, store = traced_engine
    item = next(c for c in CHALLENGES if c.id == "too-old")
    text = next(t for t in TEXTS["en"] if t.id == "too-old")
    progress = MemoryProgress()
    assert not record_solved(progress, "ada", item, store.exchanges("ada")).solved
    assert progress.solved("ada") == set()
    run_solution(engine, "ada", text.solution, tmp_path)
    records = wait_finished(store, "ada", 1)
    assert record_solved(progress, "ada", item, records).solved
    assert record_solved(progress, "ada", item, records).solved
    assert progress.rows == {"ada": ["too-old"]}


@pytest.fixture
def trace_app(traced_engine):  # noqa: F811
    engine, store = traced_engine
    app = create_app({"TESTING": True}, engine=engine, trace=store)
    return app, engine, store


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_page_lists_every_challenge_with_hint_and_solution(trace_app, lang):
    app, _, _ = trace_app
    html = app.test_client().get(f"/{lang}/challenges").get_data(as_text=True)
    ids = re.findall(r'data-challenge="([a-z0-9-]+)"', html)
    assert ids == [c.id for c in CHALLENGES]
    for text in TEXTS[lang]:
        section = html.split(f'data-challenge="{text.id}"', 1)[1].split("data-challenge=", 1)[0]
        assert section.index('class="challenge-hint"') < section.index('class="challenge-solution"')
        assert f'href="/{lang}/lessons/{text.lesson}"' in section


def csrf(html: str) -> dict[str, str]:
    return {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)}


@needs_tools
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_checking_on_the_page_looks_at_the_visitors_own_sandbox(trace_app, tmp_path, lang):
    app, engine, store = trace_app
    ada, bob = app.test_client(), app.test_client()
    token_ada = csrf(ada.get(f"/{lang}/challenges").get_data(as_text=True))
    token_bob = csrf(bob.get(f"/{lang}/challenges").get_data(as_text=True))
    with ada.session_transaction() as session:
        sandbox = session["visitor"]
    text = next(t for t in TEXTS[lang] if t.id == "too-old")
    run_solution(engine, sandbox, text.solution, tmp_path)
    wait_finished(store, sandbox, 1)
    assert ada.post(f"/{lang}/challenges/too-old/check").status_code == 400  # no CSRF token: refused
    answer = ada.post(f"/{lang}/challenges/too-old/check", data=token_ada,
                      headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'class="challenge-verdict solved"' in answer and "/v1.24/version" in answer
    assert 'data-solved-count="1" hx-swap-oob="true"' in answer
    page = ada.get(f"/{lang}/challenges").get_data(as_text=True)
    assert 'data-challenge-solved="too-old"' in page
    assert re.search(r'data-solved-count="1"', page)
    # Bob's sandbox received nothing: the same check is not solved for him.
    other = bob.post(f"/{lang}/challenges/too-old/check", data=token_bob).get_data(as_text=True)
    assert 'class="challenge-verdict solved"' not in other and 'data-solved-count="0"' in other
    # A value asked for but missing is explained, not an error page.
    missing = ada.post(f"/{lang}/challenges/pull-count/check", data={**token_ada, "answer": ""},
                       headers={"HX-Request": "true"})
    assert missing.status_code == 200 and "Traceback" not in missing.get_data(as_text=True)
    assert ada.post(f"/{lang}/challenges/nosuch/check", data=token_ada).status_code == 404
