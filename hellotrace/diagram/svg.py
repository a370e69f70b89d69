"""The sequence diagram drawn as inline SVG, on the server, so it reads without JavaScript and prints.

Each exchange is one `<a>` (focusable, `data-exchange="N"`, an `aria-label` that says it all) holding its
request arrow, the registry calls it caused, its answer and its stream band. The lanes and lifelines form a
`role="img"` group with a title and a text description listing every exchange, for readers who do not see
the picture. Colours come from presentation attributes (`currentColor`), which the site's stylesheet
refines by class; nothing here needs a stylesheet to be legible.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, partial
from html import escape

from hellotrace.diagram.model import Arrow, Diagram, RegistryCall
from hellotrace.messages import N_

Text = Callable[..., str]  # text(key, **params) -> the interface string in the reader's language

_ROW = 26  # height of one arrow with its label above it
_HEADER = 44
_PAD = 8
_CHAR = 8  # width of a 13-unit monospace character, rounded up (DejaVu Sans Mono's: 7.8, accented or not)
_GAP = 8  # between a lifeline and the words beside it
_LANE_BOX = 120  # width of the box that names a lane (15 characters)
_REGISTRY_ROOM = 30  # characters between the daemon's lifeline and the registry's
_CLAUSE_ENDS = (":", ";", ",", "·")  # where wrapped words break first

_REGISTRY_CALLS = {  # what each registry call says to the reader, translated where it is shown
    "manifest": N_("manifest %(name)s"),
    "blob": N_("layer %(name)s"),
}


@dataclass(frozen=True)
class _Lanes:
    client: int
    daemon: int
    registry: int | None
    width: int
    # Without the registry's lane a diagram is narrower (600 against 780): the stylesheet draws it narrower too,
    # so that its text is the size of every other diagram's rather than scaled up to the page's width.
    css_class: str = "sequence-diagram"


def _lanes(diagram: Diagram) -> _Lanes:
    if diagram.has_registry:
        # The registry's box ends 5 units inside the right edge; the daemon's lifeline stands far enough left of
        # the registry's for a registry call's words to be drawn between the two, wrapped to lines that
        # "library/hello-world:latest" and "ce qu'un démon irait chercher" each fit; a request's label has 47
        # characters ("7. POST /v1.55/containers/217e3adf566e…/start").
        registry = 780 - _LANE_BOX // 2 - 5
        daemon = registry - 2 * _GAP - _REGISTRY_ROOM * _CHAR
        return _Lanes(client=_LANE_BOX // 2, daemon=daemon, registry=registry, width=780)
    return _Lanes(client=80, daemon=520, registry=None, width=600, css_class="sequence-diagram two-lanes")


class _Recall:
    """The arrows (and their sentences) the last drawing drew, looked up by what they show; and those this one
    drew, which replace them once it is done, so that what is kept never outgrows one drawing."""

    def __init__(self, drawn: dict | None) -> None:
        self.drawn = drawn
        self.earlier = drawn or {}
        self.now: dict = {}

    def get(self, key: object, draw: Callable[[], object]) -> object:  # noqa: ANN401 - what `draw` gives
        found = self.now.get(key)
        if found is None:
            found = self.earlier.get(key)
            if found is None:
                found = draw()
            self.now[key] = found
        return found

    def keep(self) -> None:
        if self.drawn is not None:
            self.drawn.clear()
            self.drawn.update(self.now)


def render_svg(diagram: Diagram, text: Text, dom_id: str = "diagram", drawn: dict | None = None) -> str:
    """The `<svg>` element for a diagram; `dom_id` keeps ids unique when a page holds several.

    `drawn`: what the last call with the same `text` and `dom_id` drew, kept by a caller that draws a changing
    diagram again and again (a live run redraws it as each exchange arrives, each step of a replay adds its
    own): an arrow drawn at the same place is taken from there rather than drawn again, so a run of n exchanges
    draws n arrows, not n²/2. It then holds what this call drew."""
    lanes = _lanes(diagram)
    recall = _Recall(drawn)
    body: list[str] = []
    y = _HEADER + _PAD
    for section in diagram.sections:
        if section.title:
            step = f' data-step="{section.number}"' if section.number is not None else ""
            # Across the whole width (a halo keeps the lifelines out of its letters), wrapped inside it.
            lines = _wrap(section.title, _chars(lanes.width - 8))
            titles = "".join(f'<text x="4" y="{y + 15 + 15 * number}" class="section-title" font-weight="700">'
                             f"{escape(line)}</text>" for number, line in enumerate(lines))
            body.append(
                f'<g class="section"{step}><line x1="0" x2="{lanes.width}" y1="{y}" y2="{y}" stroke="currentColor"'
                f' stroke-opacity="0.25"/>{titles}</g>'
            )
            y += 24 + 15 * (len(lines) - 1)
        for arrow in section.arrows:
            group, y = recall.get((arrow, lanes, y, diagram.simulated_registry),  # type: ignore[misc]
                                  partial(_arrow, arrow, lanes, y, text, dom_id, diagram.simulated_registry))
            body.append(group)
    if diagram.arrows_count == 0:
        body.append(f'<text x="{lanes.width // 2}" y="{y + 16}" text-anchor="middle" class="empty">'
                    f"{escape(text(N_('No exchange yet.')))}</text>")
        y += 28
    height = y + _PAD
    description = _description(diagram, text, recall)
    recall.keep()
    return "".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{lanes.css_class}" id="{dom_id}-svg"'
        f' viewBox="0 0 {lanes.width} {height}" width="{lanes.width}" height="{height}"'
        f' role="group" aria-labelledby="{dom_id}-title"'
        f' font-family="ui-monospace, DejaVu Sans Mono, monospace" font-size="13" fill="currentColor">',
        _defs(dom_id),
        f'<g class="backdrop" role="img" aria-labelledby="{dom_id}-title" aria-describedby="{dom_id}-desc">',
        f'<title id="{dom_id}-title">{escape(text(N_("Sequence of the exchanges")))}</title>',
        f'<desc id="{dom_id}-desc">{escape(description)}</desc>',
        _lifelines(diagram, lanes, height, text),
        "</g>",
        *body,
        "</svg>",
    ])


def _description(diagram: Diagram, text: Text, recall: _Recall) -> str:
    """The diagram in words: the lanes, the base path, then one sentence per exchange."""
    parts = [text(N_("Lanes: %(client)s, the daemon, and the registry the daemon pulls from."), client=diagram.client)]
    if diagram.prefix:
        parts.append(text(N_("Every path is under %(prefix)s, left out of the arrows."), prefix=diagram.prefix))
    for section in diagram.sections:
        if section.title:
            # French puts a space before the colon.
            parts.append(recall.get(("title", section.title), partial(text, N_("%(title)s:"), title=section.title)))
        for arrow in section.arrows:
            parts.append(recall.get((arrow, diagram.simulated_registry),
                                    partial(arrow_sentence, arrow, text, diagram.simulated_registry)))
    if diagram.arrows_count == 0:
        parts.append(text(N_("No exchange yet.")))
    return " ".join(parts)


def arrow_sentence(arrow: Arrow, text: Text, simulated_registry: bool = True) -> str:
    """One exchange in words, for its link's accessible name and the description."""
    if arrow.part == "rest":
        sentence = _continued(arrow, text, f"{arrow.method} {arrow.path}")
    elif arrow.state == "planned":
        sentence = text(N_("To be sent: %(method)s %(path)s."), method=arrow.method, path=arrow.path)
        if arrow.status:
            sentence += " " + text(N_("Expected answer: %(status)s."), status=f"{arrow.status} {arrow.reason}".strip())
    else:
        sentence = text(N_("Exchange %(n)s: %(method)s %(path)s,"),
                        n=arrow.number, method=arrow.method, path=arrow.path)
        sentence += " " + _answer_words(arrow, text)
    if arrow.registry:
        calls = ", ".join(_registry_label(call, text) for call in arrow.registry)
        key = N_("simulated: what a daemon would fetch") if simulated_registry else N_("as the pull stream reports it")
        sentence += " " + text(N_("Meanwhile the daemon fetches from the registry (%(how)s): %(calls)s."),
                               calls=calls, how=text(key))
    if arrow.upgrade:
        sentence += " " + text(N_("The 101 answer turns the connection into a byte stream: frames with 8-byte "
                                  "headers, or the terminal's raw bytes with a TTY."))
    if arrow.stream != "none" and arrow.items:
        sentence += " " + _band_words(arrow, text)
    return sentence


def _continued(arrow: Arrow, text: Text, label: str) -> str:
    if arrow.number:
        return text(N_("%(n)s. %(label)s, continued"), n=arrow.number, label=label)
    return text(N_("%(label)s, continued"), label=label)


def _answer_words(arrow: Arrow, text: Text) -> str:
    if arrow.state == "pending":
        return text(N_("shown, not sent yet."))
    if arrow.status is None:
        return text(N_("no answer.")) if arrow.state == "failed" else text(N_("waiting for the answer."))
    status = f"{arrow.status} {arrow.reason}".strip()
    return text(N_("answered %(status)s."), status=status)


def _band_words(arrow: Arrow, text: Text) -> str:
    # The count after the words: "1 frames" would need a plural form the diagram's text function cannot ask for.
    if arrow.stream == "raw":
        return text(N_("Raw bytes: a TTY, so no frame headers."))
    key = N_("Progress lines: %(n)s.") if arrow.stream == "json-lines" else N_("Frames: %(n)s, 8-byte headers.")
    return text(key, n=arrow.items)


def _registry_label(call: RegistryCall, text: Text) -> str:
    return text(_REGISTRY_CALLS[call.what], name=call.name)


def _defs(dom_id: str) -> str:
    head = 'viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"'
    return (f'<defs><marker id="{dom_id}-head" {head}><path d="M0,0 L10,5 L0,10 z" fill="currentColor"'
            f' stroke="none"/></marker></defs>')


def _lifelines(diagram: Diagram, lanes: _Lanes, height: int, text: Text) -> str:
    names = [(lanes.client, diagram.client, "client"), (lanes.daemon, text(N_("daemon")), "daemon")]
    if lanes.registry is not None:
        names.append((lanes.registry, text(N_("registry")), "registry"))
    out = []
    for x, name, kind in names:
        out.append(
            f'<g class="lane lane-{kind}"><rect x="{x - _LANE_BOX // 2}" y="6" width="{_LANE_BOX}" height="28" rx="5"'
            f' fill="none" stroke="currentColor"/><text x="{x}" y="25" text-anchor="middle" font-weight="700">'
            f'{escape(name)}</text><line x1="{x}" x2="{x}" y1="34" y2="{height}" stroke="currentColor"'
            f' stroke-opacity="0.4" stroke-dasharray="4 4"/></g>'
        )
    return "".join(out)


def _line(x1: int, x2: int, y: int, dom_id: str, *, dashed: bool = False, css: str = "") -> str:
    dash = ' stroke-dasharray="6 4"' if dashed else ""
    return (f'<line class="{css}" x1="{x1}" x2="{x2}" y1="{y}" y2="{y}" stroke="currentColor" stroke-width="1.6"'
            f'{dash} marker-end="url(#{dom_id}-head)"/>')


def _chars(room: int) -> int:
    """How many characters fit in `room` units: every label is measured so, in any language (the font is
    monospace, and covers French's accents, « » and no-break spaces)."""
    return room // _CHAR


def _fit(words: str, chars: int) -> str:
    return words if len(words) <= chars else words[: chars - 1] + "…"


@lru_cache(maxsize=1024)  # the same captions are wrapped again each time a growing diagram is drawn
def _wrap(words: str, chars: int) -> tuple[str, ...]:
    """Words in lines of at most `chars` characters, broken where a reader would: at the end of a clause
    (after a colon, a comma, a ·) when that takes no more lines; otherwise in lines as even as that many lines
    allow, so that no word is left alone on the last one. A word longer than a line goes on lines of its own,
    broken after a `/` (a cut by `_fit` is the last resort)."""
    if len(words) <= chars:
        return (words,)
    tokens = words.split(" ")  # not at no-break spaces (French puts one before a colon)
    fewest = len(_greedy(tokens, chars))
    best: tuple[str, ...] | None = None
    for end, token in enumerate(tokens[:-1], 1):
        if token.endswith(_CLAUSE_ENDS):
            lines = _wrap(" ".join(tokens[:end]), chars) + _wrap(" ".join(tokens[end:]), chars)
            if len(lines) <= fewest and (best is None or _longest(lines) < _longest(best)):
                best = lines
    if best is not None:
        return best
    width, narrowest = chars, max(map(len, tokens))
    while width > narrowest and len(_greedy(tokens, width - 1)) == fewest:
        width -= 1
    return tuple(_greedy(tokens, width))


def _longest(lines: tuple[str, ...]) -> int:
    return max(map(len, lines))


def _greedy(tokens: list[str], chars: int) -> list[str]:
    """As many words on each line as fit."""
    lines: list[str] = []
    for token in tokens:
        if len(token) > chars:
            lines += _pieces(token, chars)
        elif lines and len(lines[-1]) + 1 + len(token) <= chars:
            lines[-1] += " " + token
        else:
            lines.append(token)
    return lines


def _pieces(word: str, chars: int) -> list[str]:
    """A word too long for a line (an image's name) on lines broken after its slashes."""
    lines: list[str] = []
    for part in re.findall(r"[^/]*/|[^/]+", word):
        if lines and len(lines[-1]) + len(part) <= chars:
            lines[-1] += part
        else:
            lines.append(_fit(part, chars))
    return lines


def _label(x: int, y: int, words: str, css: str = "", anchor: str = "start") -> str:
    # The trailing space is not drawn (SVG strips it) but keeps the words of two labels apart when the
    # link's text is read as one string, as accessibility checkers compare it with the accessible name.
    return f'<text class="{css}" x="{x}" y="{y}" text-anchor="{anchor}">{escape(words)} </text>'


def _arrow(arrow: Arrow, lanes: _Lanes, top: int, text: Text, dom_id: str, simulated: bool) -> tuple[str, int]:
    """One exchange's group, and the y where the next one starts."""
    parts: list[str] = []
    shown: list[str] = []  # the words drawn, which the link's accessible name starts with

    def say(x: int, y: int, words: str, css: str = "", anchor: str = "start") -> str:
        shown.append(words)
        return _label(x, y, words, css, anchor)

    y = top
    pending = arrow.state == "pending"
    left, right = lanes.client + 6, lanes.daemon - 6
    fits = _chars(right - left - 8)
    words = _fit(f"{arrow.number}. {arrow.label}" if arrow.number else arrow.label, fits)
    if arrow.part == "rest":
        continued = "↳ " + _continued(arrow, text, arrow.label)
        parts.append(say(left + 4, y + 13, _fit(continued, fits), "request-label continued"))
        y += _ROW - 6
    else:
        parts.append(say(left + 4, y + 13, words, "request-label"))
        parts.append(_line(left, right, y + 19, dom_id, dashed=pending, css="request"))
        y += _ROW
        if pending:
            parts.append(say(left + 4, y + 11, _fit(text(N_("next, not sent yet")), fits), "next-label"))
            y += 16
    if lanes.registry is not None and arrow.registry and arrow.part != "head":
        how = text(N_("simulated: what a daemon would fetch") if simulated else N_("as the pull stream reports it"))
        # Between the daemon's lifeline and the registry's: what is longer than that (French often is) wraps.
        room = _chars(lanes.registry - lanes.daemon - 2 * _GAP)
        for line in _wrap(how, room):
            parts.append(say(lanes.daemon + _GAP, y + 11, line, "registry-note", "start"))
            y += 14
        y += 4  # the note apart from the first call's words, in the same italics
        for call in arrow.registry:
            label = _registry_label(call, text)
            if call.items:
                label += f" ({call.items})"
            *above, last = _wrap(label, room)
            for line in above:
                parts.append(say(lanes.daemon + _GAP, y + 13, line, "registry-label"))
                y += 14
            parts.append(say(lanes.daemon + _GAP, y + 13, last, "registry-label"))
            parts.append(_line(lanes.daemon + 6, lanes.registry - 6, y + 19, dom_id, css="registry"))
            parts.append(_line(lanes.registry - 6, lanes.daemon + 6, y + 27, dom_id, dashed=True, css="registry"))
            y += _ROW + 8
    if not pending and arrow.part != "rest":
        status_css = f"status s{arrow.status // 100}xx" if arrow.status else "status"
        answer = f"{arrow.status} {arrow.reason}".strip() if arrow.status else _answer_words(arrow, text)
        parts.append(say(right - 4, y + 13, _fit(answer, fits), status_css, "end"))
        parts.append(_line(right, left, y + 19, dom_id, dashed=True, css="response"))
        y += _ROW
    if arrow.part != "head" and arrow.stream != "none" and (arrow.items or arrow.state == "streaming"):
        caption = _band_words(arrow, text)
        if arrow.upgrade:
            caption = text(N_("101: a byte stream from here")) + " · " + caption
        lines = _wrap(caption, fits)
        # The band grows with what streamed (up to 20 items), and holds its caption.
        band = max(20 + min(arrow.items, 20) * 2, 6 + 15 * len(lines))
        kind = "upgrade" if arrow.upgrade else arrow.stream
        parts.append(
            f'<rect class="band band-{kind}" x="{left}" y="{y + 2}" width="{right - left}" height="{band}" rx="3"'
            f' fill="currentColor" fill-opacity="0.12" stroke="currentColor" stroke-opacity="0.35"/>'
        )
        for number, line in enumerate(lines):
            parts.append(say(left + 6, y + 16 + 15 * number, line, "band-label"))
        y += band + 6
    y += 6
    state = f"arrow state-{arrow.state}" + (" upgrade" if arrow.upgrade else "")
    href = f' href="{escape(arrow.href)}"' if arrow.href else ""
    hit = (f'<rect class="hit" x="1" y="{top}" width="{lanes.width - 2}" height="{y - top - 2}" rx="4"'
           f' fill="transparent"/>')
    label = escape(" ".join(shown) + " — " + arrow_sentence(arrow, text, simulated))
    # A continuation leads to its own details but is not a new exchange: it carries data-continues instead.
    if arrow.state == "planned":
        data = f'data-planned="{arrow.number}"'
    elif arrow.part == "rest":
        data = f'data-continues="{arrow.number}"'
    else:
        data = f'data-exchange="{arrow.number}"'
    tag = "a" if arrow.href else "g"
    group = (f'<{tag} class="{state}" {data}{href} aria-label="{label}">'
             f"{hit}{''.join(parts)}</{tag}>")
    return group, y
