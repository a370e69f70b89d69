"""The lessons' figures on the page, in the reader's language: the architecture figure, and each replay
step drawn by the replay's own sequence-diagram renderer from the step's written-down arrows."""

from __future__ import annotations

from markupsafe import Markup, escape

from hellotrace.diagram import Diagram, Section, render_svg
from hellotrace.lesson_figures import ARCHITECTURE, StepFigure, figure, render_architecture
from hellotrace.web.i18n import translate


def lesson_figure(name: str) -> Markup:
    """A `<figure>` with its SVG (title and description inside) and a caption; nothing for an unknown name
    (the lesson loader reports it)."""
    found = figure(name)
    dom = f"figure-{name}"
    if found is None:
        return Markup("")
    if isinstance(found, StepFigure):
        title = f"{found.step}. " + translate(f"step.{found.step}.title")
        lane = "cli" if found.sequence == "cli" else "curl"
        section = Section(title, found.arrows, found.step)
        diagram = Diagram(client=translate(f"diagram.lane.{lane}"), sections=(section,), simulated_registry=False)
        svg = render_svg(diagram, translate, dom)
        caption = translate(f"figure.caption.{found.sequence}", n=found.step,
                            title=translate(f"step.{found.step}.title"))
    else:
        assert found == ARCHITECTURE
        svg = render_architecture(translate, dom)
        caption = translate("arch.caption")
    return Markup(f'<figure class="lesson-figure" id="{dom}">{svg}'  # noqa: S704 - both renderers escape their text
                  f"<figcaption>{escape(caption)}</figcaption></figure>")
