"""The lessons' figures: each replay step's figure is what the replay really draws for that step (a run
against the mock engine checks the written-down arrows), the figures sit at the same places in both
languages, and each carries a text alternative in the page's language."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from flask import g

from app import create_app
from hellotrace.diagram import arrow_for_exchange
from hellotrace.docker_host import parse_docker_host
from hellotrace.lesson_figures import CONTAINER, STEP_ARROWS, figure
from hellotrace.lessons import LessonLibrary, load_lesson
from hellotrace.replay import SEQUENCES, STEPS, Replay
from hellotrace.web.figures import lesson_figure
from tests.interface_text import translated

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = LessonLibrary(ROOT / "lessons", ("en", "fr"))


def comparable(arrow, container_id: str = CONTAINER):
    return (arrow.number, arrow.method, arrow.path.replace(container_id, CONTAINER), arrow.status, arrow.reason,
            arrow.stream, arrow.part, arrow.items, arrow.registry)


@pytest.mark.parametrize("sequence", SEQUENCES)
def test_each_step_figure_is_what_the_replay_draws(shared_engine, sequence):
    replay = Replay(parse_docker_host(shared_engine.sandbox_host(f"figures{sequence}")), sequence=sequence)
    replay.start("all", sequence, background=False)
    for step in STEPS:
        record = replay.steps[step]
        drawn = [comparable(arrow_for_exchange(ex, "", record.part(ex)), replay.container_id or "")
                 for ex in record.exchanges]
        assert drawn == [comparable(arrow) for arrow in STEP_ARROWS[(sequence, step)]], (sequence, step)


def test_figures_sit_at_the_same_places_in_both_languages_and_each_step_is_drawn():
    names = set()
    for english in LIBRARY.lessons("en"):
        french = LIBRARY.get("fr", english.slug)
        assert english.figures == french.figures
        names |= set(english.figures)
    assert "architecture" in LIBRARY.get("en", "three-actors").figures
    assert {f"cli-step-{n}" for n in STEPS} <= names
    assert all(figure(name) is not None for name in names)


def test_an_unknown_figure_is_reported(tmp_path):
    source = (ROOT / "lessons" / "en" / "01-three-actors.md").read_text(encoding="utf-8")
    path = tmp_path / "en" / "01-three-actors.md"
    path.parent.mkdir()
    path.write_text(source.replace("[[figure architecture]]", "[[figure nosuch]]"), encoding="utf-8")
    assert any("no figure named 'nosuch'" in warning for warning in load_lesson(path, "en").warnings)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_lesson_page_draws_its_figures_with_a_text_alternative(client, lang):
    html = client.get(f"/{lang}/lessons/cli-on-the-wire").get_data(as_text=True)
    figures = re.findall(r'<figure class="lesson-figure" id="figure-([a-z0-9-]+)">(.*?)</figure>', html, re.S)
    assert [name for name, _ in figures] == ["cli-step-3", "cli-step-4"]
    for name, body in figures:
        assert '<svg xmlns="http://www.w3.org/2000/svg" class="sequence-diagram' in body
        assert f'<desc id="figure-{name}-desc">' in body and "<figcaption>" in body
    assert "/attach?stderr=1&amp;stdout=1&amp;stream=1" in html and "101 UPGRADED" in html
    architecture = client.get(f"/{lang}/lessons/three-actors").get_data(as_text=True)
    svg = architecture.split('<figure class="lesson-figure" id="figure-architecture">', 1)[1].split("</figure>")[0]
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    for key in ("daemon", "registry", "container"):
        assert translated(key, lang) in svg
    for word in ("/var/run/docker.sock", "dockerd", "containerd", "runc", "config.json"):
        assert word in svg


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_figure_says_what_stands_for_the_container_only_when_it_names_one(lang):
    """Every caption said "{id} stands for the container's ID", step 1's too (it names no container), and the
    replay writes `<id>` where the figures wrote `{id}`."""
    note = translated("%(placeholder)s stands for the container's ID.", lang, placeholder="<id>")
    with create_app({"TESTING": True}).test_request_context(f"/{lang}/lessons"):
        g.lang = lang
        first, third = (html.unescape(str(lesson_figure(name))) for name in ("cli-step-1", "cli-step-3"))
    assert note not in first and "<id>" not in first
    assert note in third and "/containers/<id>/attach" in third and "{id}" not in third


def test_the_architecture_figure_speaks_french_on_the_french_lesson(client):
    page = client.get("/fr/lessons/three-actors").get_data(as_text=True)
    assert "Qui parle à qui quand vous tapez une commande docker" in page and "ce que montre hellotrace" in page
    assert "what hellotrace shows" not in page and "Who talks to whom" not in page
