"""The lessons' figures on the page, in the reader's language: the architecture figure, and each replay
step drawn by the replay's own sequence-diagram renderer from the step's written-down arrows."""

from __future__ import annotations

from markupsafe import Markup, escape

from hellotrace.diagram import Diagram, Section, render_svg
from hellotrace.lesson_figures import ARCHITECTURE, CONTAINER, StepFigure, figure, render_architecture
from hellotrace.web import labels
from hellotrace.web.i18n import _


def lesson_figure(name: str) -> Markup:
    """A `<figure>` with its SVG (title and description inside) and a caption; nothing for an unknown name
    (the lesson loader reports it)."""
    found = figure(name)
    dom = f"figure-{name}"
    if found is None:
        return Markup("")
    if isinstance(found, StepFigure):
        title = f"{found.step}. " + _(labels.STEP_TITLE[found.step])
        lane = "cli" if found.sequence == "cli" else "curl"
        section = Section(title, found.arrows, found.step)
        diagram = Diagram(client=_(labels.DIAGRAM_LANE[lane]), sections=(section,), simulated_registry=False)
        svg = render_svg(diagram, _, dom)
        caption = _(labels.FIGURE_CAPTION[found.sequence], n=found.step, title=_(labels.STEP_TITLE[found.step]))
        if any(CONTAINER in arrow.path for arrow in found.arrows):
            caption += " " + _(labels.FIGURE_CONTAINER_NOTE, placeholder=CONTAINER)
    else:
        assert found == ARCHITECTURE
        svg = render_architecture(_, dom)
        caption = _("The architecture of a docker command. hellotrace shows the shaded part: the HTTP exchanges "
                    "between the client and the daemon.")
    return Markup(f'<figure class="lesson-figure" id="{dom}">{svg}'  # noqa: S704 - both renderers escape their text
                  f"<figcaption>{escape(caption)}</figcaption></figure>")
