"""The sequence diagram on pages: the replay's steps as sections, drawn in the reader's language."""

from __future__ import annotations

from collections.abc import Iterable

from markupsafe import Markup

from hellotrace.diagram import Diagram, Section, arrow_for_exchange, plan_sections, render_svg
from hellotrace.replay import PLANNED, SEQUENCES, STEPS, Replay
from hellotrace.tracing import Exchange
from hellotrace.web import labels
from hellotrace.web.i18n import _
from hellotrace.web.render import dom_id


def _title(step: int) -> str:
    return f"{step}. " + _(labels.STEP_TITLE[step])


def _client(sequence: str) -> str:
    lane = "cli" if sequence == "cli" else "curl"
    return _(labels.DIAGRAM_LANE[lane])


def replay_diagram(replay: Replay) -> Diagram:
    """One section per step: its exchanges, each leading to its card (named after the run that showed the step),
    or (not run yet) what it will send."""
    sections = []
    for step in STEPS:
        record = replay.steps[step]
        arrows = tuple(
            arrow_for_exchange(exchange, "#" + dom_id(record.run_id, step, exchange), record.part(exchange))
            for exchange in list(record.exchanges)
        )
        if arrows:
            sections.append(Section(_title(step), arrows, step))
        elif record.ok is None:
            sections += plan_sections([(_title(step), step, PLANNED[replay.sequence][step])], numbered=False)
    return Diagram(
        client=_client(replay.sequence),
        sections=tuple(sections),
        prefix=replay.address.path_prefix,
        simulated_registry=replay.policy is None,
        registry_lane=_plan_pulls(replay.sequence),
    )


def _plan_pulls(sequence: str) -> bool:
    """Whether a sequence's plan asks the registry for anything (both do: step 2's pull)."""
    return any(call.registry for step in STEPS for call in PLANNED[sequence][step])


def sequence_figure(sequence: str, steps: Iterable[int] = STEPS, dom: str = "figure") -> Markup:
    """A static figure of what a sequence sends in the given steps, from the planned calls (no run needed):
    for lessons and anything else that explains the protocol."""
    if sequence not in SEQUENCES:
        raise ValueError(f"no sequence {sequence!r}")
    planned = [(_title(step), step, PLANNED[sequence][step]) for step in steps]
    diagram = Diagram(client=_client(sequence), sections=plan_sections(planned))
    return diagram_svg(diagram, dom)


def exchanges_diagram(exchanges: Iterable[Exchange], hrefs: dict[int, str], client: str, prefix: str = "",
                      simulated_registry: bool = True, title: str = "") -> Diagram:
    """A diagram of exchanges in one section (a trace, an imported file); `hrefs` maps numbers to links."""
    arrows = tuple(arrow_for_exchange(exchange, hrefs.get(exchange.number, "")) for exchange in exchanges)
    return Diagram(client=client, sections=(Section(title, arrows),) if arrows else (), prefix=prefix,
                   simulated_registry=simulated_registry)


def diagram_svg(diagram: Diagram, dom: str = "diagram", drawn: dict | None = None) -> Markup:
    """The SVG markup (every text in it escaped by the renderer); `drawn`: see `render_svg`, for a diagram
    drawn again as it grows, in one language."""
    return Markup(render_svg(diagram, _, dom, drawn))  # noqa: S704 - the renderer escapes all it writes
