"""The sequence diagram: its model from real runs of both sequences, and its SVG (links, accessibility, escaping)."""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET

import pytest

from hellotrace.diagram import (
    Diagram,
    PlannedCall,
    RegistryCall,
    Section,
    arrow_for_exchange,
    planned_arrows,
    registry_calls,
    render_svg,
    strip_prefix,
)
from hellotrace.docker_host import parse_docker_host
from hellotrace.replay import PLANNED, STEPS, Replay
from hellotrace.web.diagrams import diagram_svg, sequence_figure
from hellotrace.web.diagrams import replay_diagram as page_diagram
from tests.interface_text import translated

SVG = "{http://www.w3.org/2000/svg}"


def english(message: str, **params: object) -> str:
    return translated(message, "en", **params)


def run_replay(mock_engine, sequence: str, token: str) -> Replay:
    replay = Replay(parse_docker_host(mock_engine.sandbox_host(token)), sequence)
    log = replay.start("all", background=False)
    assert [event.ok for event in log.events if event.kind == "step-end"] == [True] * 4
    return replay


def replay_diagram(replay: Replay) -> Diagram:
    sections = []
    for step in STEPS:
        record = replay.steps[step]
        arrows = tuple(arrow_for_exchange(ex, f"#ex-{step}-{ex.number}", record.part(ex)) for ex in record.exchanges)
        sections.append(Section(f"Step {step}", arrows, step))
    return Diagram("docker CLI", tuple(sections), prefix=replay.address.path_prefix)


@pytest.mark.parametrize("sequence", ["recipe", "cli"])
def test_one_link_per_exchange_with_the_sandbox_prefix_stated_once(mock_engine, sequence):
    replay = run_replay(mock_engine, sequence, f"diagram-{sequence}")
    exchanges = {ex.number: ex for step in STEPS for ex in replay.steps[step].exchanges}
    svg = render_svg(replay_diagram(replay), english)
    root = ET.fromstring(svg)
    links = root.findall(f".//{SVG}a[@data-exchange]")
    assert sorted(int(link.get("data-exchange")) for link in links) == sorted(exchanges)
    prefix = replay.address.path_prefix
    assert prefix.startswith("/sandboxes/")
    for link in links:
        exchange = exchanges[int(link.get("data-exchange"))]
        assert link.get("href").startswith("#ex-")
        label = link.get("aria-label")
        assert f"{exchange.method} {exchange.target.removeprefix(prefix)}" in label
        assert str(exchange.status) in label
        drawn = " ".join(text.text or "" for text in link.iter(f"{SVG}text"))
        assert prefix not in drawn  # the base path is left out of the arrows …
    desc = root.find(f".//{SVG}desc").text
    assert desc.count(prefix) == 1  # … and said once, in the description


def test_the_cli_sequence_marks_the_upgrade_and_continues_attach_in_step_4(mock_engine):
    replay = run_replay(mock_engine, "cli", "diagram-upgrade")
    diagram = replay_diagram(replay)
    attach = next(a for a in diagram.sections[2].arrows if a.path.endswith("stream=1"))
    assert attach.upgrade and attach.part == "head" and attach.status == 101
    continued = [a for a in diagram.sections[3].arrows if a.number == attach.number]
    assert continued and continued[0].part == "rest" and continued[0].items >= 1 and continued[0].state == "done"
    root = ET.fromstring(render_svg(diagram, english))
    assert root.find(f".//{SVG}a[@data-continues='{attach.number}']") is not None
    assert root.find(f".//{SVG}a[@data-exchange='{attach.number}']").get("class").endswith("upgrade")
    assert root.find(f".//{SVG}rect[@class='band band-upgrade']") is not None


def test_the_pull_shows_registry_calls_from_its_progress_stream(mock_engine):
    replay = run_replay(mock_engine, "recipe", "diagram-pull")
    pull = next(ex for ex in replay.steps[2].exchanges if "/images/create" in ex.target)
    arrow = arrow_for_exchange(pull)
    assert arrow.registry[0] == RegistryCall("manifest", "library/hello-world:latest")
    assert [call.what for call in arrow.registry[1:]] == ["blob"] * (len(arrow.registry) - 1)
    assert arrow.items == len(pull.json_lines)
    simulated = render_svg(Diagram("curl", (Section("", (arrow,)),), simulated_registry=True), english)
    reported = render_svg(Diagram("curl", (Section("", (arrow,)),), simulated_registry=False), english)
    assert english("simulated: what a daemon would fetch") in simulated
    assert english("as the pull stream reports it") in reported and "registry" in reported
    # Its lane makes the drawing wider; one without it is drawn narrower, its text at the same size.
    assert ET.fromstring(simulated).get("class") == "sequence-diagram"
    ping = render_svg(Diagram("curl", (Section("", planned_arrows([PlannedCall("HEAD", "/_ping", 200, "OK")])),)),
                      english)
    assert ET.fromstring(ping).get("class") == "sequence-diagram two-lanes"
    assert ET.fromstring(ping).get("width") == "600" and ET.fromstring(simulated).get("width") == "780"


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_registry_notes_stay_inside_the_drawing_in_every_language(mock_engine, lang):
    """Text drawn right of the daemon's lane is wrapped or shortened before the drawing's right edge."""
    replay = run_replay(mock_engine, "recipe", f"diagram-width-{lang}")
    pull = next(ex for ex in replay.steps[2].exchanges if "/images/create" in ex.target)
    svg = render_svg(Diagram("curl", (Section("", (arrow_for_exchange(pull),)),), simulated_registry=True),
                     lambda message, **params: translated(message, lang, **params))
    root = ET.fromstring(svg)
    width = int(root.get("width"))
    notes = [t for t in root.iter(f"{SVG}text") if t.get("class") in ("registry-note", "registry-label")]
    assert len(notes) >= 2
    for text in notes:
        drawn = (text.text or "").strip()
        assert int(text.get("x")) + len(drawn) * 8 <= width, drawn


def text_extents(root: ET.Element) -> list[tuple[str, str, float, float, float, float]]:
    """Each text drawn, as the layout estimates it: (class, words, left, right, top, bottom), at 8 units a
    character of the 13-unit monospace font (DejaVu Sans Mono's are 7.8, accents and no-break spaces too)."""
    boxes = []
    for text in root.iter(f"{SVG}text"):
        words = (text.text or "").strip()
        x, y, width = float(text.get("x")), float(text.get("y")), len(words) * 8
        left = {"end": x - width, "middle": x - width / 2}.get(text.get("text-anchor") or "start", x)
        boxes.append((text.get("class") or "", words, left, left + width, y - 11, y + 3))
    return boxes


def crossed_lifelines(root: ET.Element, left: float, right: float, top: float, bottom: float) -> list[float]:
    """The x of each lifeline (below its lane's name) that the box from left to right and top to bottom crosses."""
    return [float(line.get("x1")) for lane in root.iter(f"{SVG}g") if (lane.get("class") or "").startswith("lane ")
            for line in lane.iter(f"{SVG}line")
            if left < float(line.get("x1")) < right and top < float(line.get("y2")) and float(line.get("y1")) < bottom]


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("sequence", ["recipe", "cli"])
def test_no_label_crosses_a_lifeline_or_leaves_the_drawing(app, mock_engine, lang, sequence):
    """After Run all, every label stays between or beside the lifelines (a section's title, across the whole
    width, has a halo instead) and inside the viewBox, in English and in French, whose words are longer."""
    replay = run_replay(mock_engine, sequence, f"diagram-extents-{sequence}-{lang}")
    with app.test_request_context(f"/{lang}/replay"):
        from flask import g

        g.lang = lang
        root = ET.fromstring(str(diagram_svg(page_diagram(replay))))
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    width = float(root.get("width"))
    boxes = text_extents(root)
    assert any(css == "registry-label" for css, *_ in boxes) and len(crossed_lifelines(root, 0, width, 0, 1e6)) == 3
    for css, words, left, right, top, bottom in boxes:
        assert 0 <= left and right <= width, words
        if css != "section-title":
            assert not crossed_lifelines(root, left, right, top, bottom), words


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_registry_note_wraps_after_its_colon(mock_engine, lang):
    """Too long for the room between the daemon's and the registry's lifelines, the note breaks where its
    sentence does (after « simulé : »), not before its last word."""
    text = lambda message, **params: translated(message, lang, **params)  # noqa: E731
    replay = run_replay(mock_engine, "recipe", f"diagram-note-{lang}")
    pull = next(ex for ex in replay.steps[2].exchanges if "/images/create" in ex.target)
    root = ET.fromstring(render_svg(Diagram("curl", (Section("", (arrow_for_exchange(pull),)),)), text))
    lines = [(t.text or "").strip() for t in root.iter(f"{SVG}text") if t.get("class") == "registry-note"]
    note = text("simulated: what a daemon would fetch")
    assert " ".join(lines) == note
    assert lines[0] == note[: note.index(":") + 1], lines


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_long_words_wrap_inside_the_drawing_and_between_the_lifelines(lang):
    """A long image's name breaks after its slashes, a long heading wraps inside the width, and a long reason
    is shortened before the client's lifeline."""
    text = lambda message, **params: translated(message, lang, **params)  # noqa: E731
    name = "registry.example.com:5000/some-team/tools/hello-world-extended:1.2.3"
    heading = " or ".join(["docker run hello-world", "docker container run hello-world", "docker run --rm hello-world",
                           "docker container run --rm hello-world"])
    calls = [PlannedCall("POST", "/v1.55/images/create", 200, "OK", "json-lines", (RegistryCall("manifest", name),)),
             PlannedCall("GET", "/v1.55/version", 418, "I'm a teapot, and this reason goes on and on and on and on")]
    root = ET.fromstring(render_svg(Diagram("curl", (Section(heading, planned_arrows(calls)),)), text))
    width = float(root.get("width"))
    boxes = text_extents(root)
    for css, words, left, right, top, bottom in boxes:
        assert 0 <= left and right <= width, words
        assert css == "section-title" or not crossed_lifelines(root, left, right, top, bottom), words
    first, *rest = [words for css, words, *_ in boxes if css == "registry-label"]
    assert first == text("manifest %(name)s", name="").strip() and "".join(rest) == name
    assert len([css for css, *_ in boxes if css == "section-title"]) == 2


def test_registry_calls_ignore_lines_that_are_not_progress():
    lines = [None, "text", {"status": "Pulling from library/alpine", "id": "3.20"},
             {"status": "Pulling fs layer", "id": "aaa"}, {"status": "Downloading", "id": "aaa"},
             {"status": "Downloading", "id": "aaa"}, {"status": "Digest: sha256:00"}]
    assert registry_calls(lines) == (RegistryCall("manifest", "library/alpine:3.20"), RegistryCall("blob", "aaa", 2))


def test_prefix_is_stripped_only_on_a_path_boundary():
    assert strip_prefix("/sandboxes/ab/v1.55/_ping", "/sandboxes/ab") == "/v1.55/_ping"
    assert strip_prefix("/sandboxes/abc/_ping", "/sandboxes/ab") == "/sandboxes/abc/_ping"
    assert strip_prefix("/_ping", "") == "/_ping"


def test_a_figure_needs_no_run_and_the_drawing_is_accessible_and_escaped():
    calls = [PlannedCall("HEAD", "/_ping", 200, "OK"), PlannedCall("GET", "/v1.55/<script>alert(1)</script>", 404)]
    diagram = Diagram("curl & co", (Section("Step <1>", planned_arrows(calls), 1),))
    svg = render_svg(diagram, english, "fig")
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "curl &amp; co" in svg
    root = ET.fromstring(svg)
    backdrop = root.find(f"{SVG}g[@role='img']")
    assert backdrop.get("aria-labelledby") == "fig-title" and backdrop.get("aria-describedby") == "fig-desc"
    assert root.find(f".//{SVG}title[@id='fig-title']").text == english("Sequence of the exchanges")
    assert "HEAD /_ping" in root.find(f".//{SVG}desc").text
    # Planned arrows are drawn but lead nowhere: no link, no exchange to open.
    assert not root.findall(f".//{SVG}a") and len(root.findall(f".//{SVG}g[@data-planned]")) == 2


@pytest.mark.parametrize("sequence", ["recipe", "cli"])
def test_the_planned_calls_that_figures_draw_are_what_a_run_sends(mock_engine, sequence):
    replay = run_replay(mock_engine, sequence, f"planned-{sequence}")
    for step in STEPS:
        record = replay.steps[step]
        sent = [(ex.method, re.sub("[0-9a-f]{64}", "<id>", strip_prefix(ex.target, replay.address.path_prefix)),
                 ex.status, ex.response.reason, ex.stream, record.part(ex)) for ex in record.exchanges]
        planned = [(c.method, c.path, c.status, c.reason, c.stream, c.part) for c in PLANNED[sequence][step]]
        assert sent == planned, f"step {step}"


def test_a_figure_of_a_whole_sequence_numbers_calls_and_continuations(app):
    with app.test_request_context("/en/lessons/"):
        from flask import g

        g.lang = "fr"
        figure = str(sequence_figure("cli", dom="fig-cli"))
    root = ET.fromstring(figure)
    planned = [group.get("data-planned") for group in root.iter(f"{SVG}g") if group.get("data-planned")]
    assert planned == ["1", "2", "3", "4", "5", "6", "7", "5", "6"]  # attach and wait go on in step 4
    assert not root.findall(f".//{SVG}a")
    assert "CLI docker" in figure and "À envoyer" in figure and "1. HEAD /_ping" in figure
    with pytest.raises(ValueError):
        sequence_figure("nope")


def test_a_diagram_drawn_again_as_it_grows_reuses_its_arrows_and_draws_the_same(mock_engine):
    whole = replay_diagram(run_replay(mock_engine, "cli", "diagram-growing"))
    arrows = [(number, arrow) for number, section in enumerate(whole.sections) for arrow in section.arrows]
    assert len(arrows) > 8
    drawn: dict = {}
    looked_up = {"reused": 0, "fresh": 0}

    def counting(kind: str):
        def text(message: str, **params: object) -> str:
            looked_up[kind] += 1
            return english(message, **params)
        return text

    for count in range(1, len(arrows) + 1):  # as a live run sends it: one more exchange each time
        sections = tuple(Section(whole.sections[number].title, tuple(a for n, a in arrows[:count] if n == number),
                                 whole.sections[number].number) for number in range(len(whole.sections)))
        growing = Diagram(whole.client, tuple(s for s in sections if s.arrows), prefix=whole.prefix)
        assert render_svg(growing, counting("reused"), drawn=drawn) == render_svg(growing, counting("fresh"))
    # Each arrow's words are looked up when it is new (or moved), not again for every arrow that follows it.
    assert looked_up["reused"] * 3 < looked_up["fresh"]
    # What is kept is what the last drawing drew (each arrow's group and sentence, each section's title), not
    # every arrow an earlier drawing drew where it is no more.
    assert len(drawn) == 2 * len(arrows) + len(growing.sections)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_streams_caption_is_inside_its_band_and_says_what_the_bytes_are(mock_engine, lang):
    """Each band holds its caption (wrapped to the band's width); after a 101 it says a byte stream begins,
    with frames' 8-byte headers, and a TTY's raw bytes say they have none."""
    text = lambda message, **params: translated(message, lang, **params)  # noqa: E731
    replay = run_replay(mock_engine, "cli", f"diagram-bands-{lang}")
    root = ET.fromstring(render_svg(replay_diagram(replay), text))
    bands = [(float(r.get("y")), float(r.get("y")) + float(r.get("height")), float(r.get("x")) + float(r.get("width")))
             for r in root.iter(f"{SVG}rect") if (r.get("class") or "").startswith("band ")]
    captions = [t for t in root.iter(f"{SVG}text") if t.get("class") == "band-label"]
    assert bands and captions
    for caption in captions:
        y, x, drawn = float(caption.get("y")), int(caption.get("x")), (caption.text or "").strip()
        assert any(top < y < bottom and x + len(drawn) * 8 <= right for top, bottom, right in bands), drawn
    words = " ".join((c.text or "").strip() for c in captions)
    assert text("101: a byte stream from here") in words and "8" in words
    raw = dataclasses.replace(arrow_for_exchange(replay.steps[3].exchanges[0]), stream="raw", items=3)
    drawn = ET.fromstring(render_svg(Diagram("docker", (Section("", (raw,)),)), text))
    assert text("Raw bytes: a TTY, so no frame headers.") in [(t.text or "").strip() for t in drawn.iter(f"{SVG}text")]


@pytest.mark.parametrize("sequence", ["recipe", "cli"])
def test_steps_run_one_at_a_time_are_numbered_as_one_run_of_all(mock_engine, sequence):
    """Step 3 (which runs 1 and 2 first), then step 4 alone: step 4's exchanges are numbered after step 3's, as
    after Run all, rather than from 1 again; its connections too (a new one is the next number, not #1 again)."""
    whole = run_replay(mock_engine, sequence, f"whole-{sequence}")
    by_step = Replay(parse_docker_host(mock_engine.sandbox_host(f"steps-{sequence}")), sequence)
    for step in (3, 4):
        log = by_step.start(step, background=False)
        assert all(event.ok for event in log.events if event.kind == "step-end")

    def numbers(replay: Replay) -> list[tuple[int, int]]:
        return [(step, exchange.number) for step in STEPS for exchange in replay.steps[step].exchanges]

    assert numbers(by_step) == numbers(whole)
    earlier = [exchange for step in (1, 2, 3) for exchange in by_step.steps[step].exchanges]
    opened = max(exchange.connection.number for exchange in earlier)
    later = [exchange.connection.number for exchange in by_step.steps[4].exchanges
             if not any(exchange is seen for seen in earlier)]  # the cli's step 4 goes on with step 3's
    assert all(number > opened for number in later), (opened, later)
