"""The sequence diagram on pages: the replay's steps as sections, drawn in the reader's language."""

from __future__ import annotations

from collections.abc import Iterable

from markupsafe import Markup

from hellotrace.diagram import Diagram, Section, arrow_for_exchange, render_svg
from hellotrace.replay import STEPS, Replay
from hellotrace.tracing import Exchange
from hellotrace.web.i18n import translate
from hellotrace.web.render import dom_id


def replay_diagram(replay: Replay, run_id: str) -> Diagram:
    """One section per step that has exchanges; each arrow leads to its card in that step."""
    sections = []
    for step in STEPS:
        record = replay.steps[step]
        arrows = tuple(
            arrow_for_exchange(exchange, "#" + dom_id(run_id, step, exchange), record.part(exchange))
            for exchange in list(record.exchanges)
        )
        if arrows:
            title = f"{step}. " + translate(f"step.{step}.title")
            sections.append(Section(title, arrows, step))
    return Diagram(
        client=translate(f"diagram.lane.{'cli' if replay.sequence == 'cli' else 'curl'}"),
        sections=tuple(sections),
        prefix=replay.address.path_prefix,
        simulated_registry=replay.policy is None,
    )


def exchanges_diagram(exchanges: Iterable[Exchange], hrefs: dict[int, str], client: str, prefix: str = "",
                      simulated_registry: bool = True, title: str = "") -> Diagram:
    """A diagram of exchanges in one section (a trace, an imported file); `hrefs` maps numbers to links."""
    arrows = tuple(arrow_for_exchange(exchange, hrefs.get(exchange.number, "")) for exchange in exchanges)
    return Diagram(client=client, sections=(Section(title, arrows),) if arrows else (), prefix=prefix,
                   simulated_registry=simulated_registry)


def diagram_svg(diagram: Diagram, dom: str = "diagram") -> Markup:
    """The SVG markup (every text in it escaped by the renderer)."""
    return Markup(render_svg(diagram, translate, dom))  # noqa: S704 - the renderer escapes all it writes
