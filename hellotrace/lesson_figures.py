"""The lessons' figures: the architecture of a docker command, and each replay step as a sequence diagram.

A lesson places a figure with a paragraph of its own, `[[figure NAME]]`, in both languages at the same
place. The step figures are the replay's own arrows written down once (`STEP_ARROWS`), for each of its two
sequences; the same renderer as the replay's live diagram draws them (`hellotrace.diagram`), and a test
runs the replay and checks that it still sends exactly these calls. Only the labels differ between
languages, and every figure carries a text alternative.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from html import escape

from hellotrace.diagram import Arrow, RegistryCall
from hellotrace.messages import N_

FIGURE_PARAGRAPH = re.compile(r"<p>\[\[figure ([a-z0-9-]+)\]\]</p>")
CONTAINER = "<id>"  # stands for the container's ID in the written-down paths, as in the replay's plan

# The CLI sequence is docker CLI 28.2.2's, which settles on API 1.50 with a daemon of API 1.55; the curl recipe
# writes the lessons' 1.55 (hellotrace.replay.CLIENT_API_VERSION).
_PULL_CLI = "/v1.50/images/create?fromImage=docker.io%2Flibrary%2Fhello-world&tag=latest"
_PULL_RECIPE = "/v1.55/images/create?fromImage=hello-world&tag=latest"
_REGISTRY = (RegistryCall("manifest", "library/hello-world:latest"), RegistryCall("blob", "4f55086f7dd0", 1))
_ATTACH = f"/v1.50/containers/{CONTAINER}/attach?stderr=1&stdout=1&stream=1"
_WAIT_NEXT = f"/v1.50/containers/{CONTAINER}/wait?condition=next-exit"


def _arrow(number: int, method: str, path: str, status: int, reason: str, **more: object) -> Arrow:
    return Arrow(number=number, method=method, path=path, status=status, reason=reason, state="planned", **more)


# (sequence, step) → the arrows the replay draws for it, numbered as in a whole run.
STEP_ARROWS: dict[tuple[str, int], tuple[Arrow, ...]] = {
    ("cli", 1): (_arrow(1, "HEAD", "/_ping", 200, "OK"),),
    ("cli", 2): (_arrow(2, "POST", "/v1.50/containers/create", 404, "Not Found"),
                 _arrow(3, "POST", _PULL_CLI, 200, "OK", stream="json-lines", items=8, registry=_REGISTRY)),
    ("cli", 3): (_arrow(4, "POST", "/v1.50/containers/create", 201, "Created"),
                 _arrow(5, "POST", _ATTACH, 101, "UPGRADED", stream="stdcopy", items=1, part="head"),
                 _arrow(6, "POST", _WAIT_NEXT, 200, "OK", part="head"),
                 _arrow(7, "POST", f"/v1.50/containers/{CONTAINER}/start", 204, "No Content")),
    ("cli", 4): (_arrow(5, "POST", _ATTACH, 101, "UPGRADED", stream="stdcopy", items=1, part="rest"),
                 _arrow(6, "POST", _WAIT_NEXT, 200, "OK", part="rest")),
    ("recipe", 1): (_arrow(1, "HEAD", "/_ping", 200, "OK"), _arrow(2, "GET", "/v1.55/version", 200, "OK")),
    ("recipe", 2): (_arrow(3, "POST", "/v1.55/containers/create", 404, "Not Found"),
                    _arrow(4, "POST", _PULL_RECIPE, 200, "OK", stream="json-lines", items=8, registry=_REGISTRY)),
    ("recipe", 3): (_arrow(5, "POST", "/v1.55/containers/create", 201, "Created"),
                    _arrow(6, "POST", f"/v1.55/containers/{CONTAINER}/start", 204, "No Content")),
    ("recipe", 4): (_arrow(7, "POST", f"/v1.55/containers/{CONTAINER}/wait?condition=not-running", 200, "OK"),
                    _arrow(8, "GET", f"/v1.55/containers/{CONTAINER}/logs?stderr=1&stdout=1&tail=all", 200, "OK",
                           stream="stdcopy", items=20)),
}

ARCHITECTURE = "architecture"


@dataclass(frozen=True)
class StepFigure:
    sequence: str  # "cli" or "recipe", as the replay names them
    step: int

    @property
    def arrows(self) -> tuple[Arrow, ...]:
        return STEP_ARROWS[(self.sequence, self.step)]


def figure(name: str) -> StepFigure | str | None:
    """`architecture`, or `cli-step-N` / `recipe-step-N`; None for a name no figure has."""
    if name == ARCHITECTURE:
        return ARCHITECTURE
    match = re.fullmatch(r"(cli|recipe)-step-([1-4])", name)
    return StepFigure(match.group(1), int(match.group(2))) if match else None


# -- the architecture figure ---------------------------------------------------------------------------------

Text = Callable[..., str]

_W, _H, _BOX_W, _BOX_H = 784, 350, 140, 58
_COLUMNS = (2, 162, 322, 482, 642)  # user, CLI, socket, daemon, registry


def _box(x: int, y: int, title: str, detail: str, css: str, width: int = _BOX_W) -> str:
    return (f'<g class="arch-box {css}"><rect x="{x}" y="{y}" width="{width}" height="{_BOX_H}" rx="8"'
            f' fill="none" stroke="currentColor" stroke-width="1.5"/>'
            f'<text x="{x + width // 2}" y="{y + 24}" text-anchor="middle" font-weight="700">{escape(title)}</text>'
            f'<text x="{x + width // 2}" y="{y + 44}" text-anchor="middle" font-size="11" class="arch-detail">'
            f"{escape(detail)}</text></g>")


def _edge(x1: int, y1: int, x2: int, y2: int, label: str, dom_id: str, *, both: bool = False,
          dashed: bool = False, label_at: tuple[int, int] | None = None) -> str:
    start = f' marker-start="url(#{dom_id}-arch-head)"' if both else ""
    dash = ' stroke-dasharray="5 4"' if dashed else ""
    # A horizontal edge is shorter than its label: the label goes under the gap, below the boxes.
    lx, ly = label_at or ((x1 + x2) // 2, max(y1, y2) + _BOX_H // 2 + 14)
    return (f'<g class="arch-edge"><line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="currentColor"'
            f' stroke-width="1.5" marker-end="url(#{dom_id}-arch-head)"{start}{dash}/>'
            f'<text x="{lx}" y="{ly}" text-anchor="middle" font-size="11" class="arch-label">'
            f"{escape(label)}</text></g>")


def render_architecture(text: Text, dom_id: str = "architecture") -> str:
    """The `<svg>` of who talks to whom when you type a docker command, in the reader's language."""
    top, low, lower = 34, 150, 250
    u, cli, sock, daemon, registry = _COLUMNS
    mid = top + _BOX_H // 2
    description = text(N_("You type a command; the docker CLI reads its configuration (config.json, DOCKER_HOST, "
                          "the current context), then sends HTTP requests through the daemon's socket, "
                          "/var/run/docker.sock by default. The daemon, dockerd, answers through the Engine API; "
                          "it pulls images from the registry itself, and hands the running of containers to "
                          "containerd, which has runc create the container's process."))
    note = text(N_("The client never talks to the registry, containerd or runc: only to the daemon, through its "
                   "socket."))
    # Outside the f-strings below: the message extractor reads no call inside one.
    title = text(N_("Who talks to whom when you type a docker command"))
    shown = text(N_("what hellotrace shows"))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="architecture-figure" id="{dom_id}-svg"'
        f' viewBox="0 0 {_W} {_H}" width="{_W}" height="{_H}" role="img"'
        f' aria-labelledby="{dom_id}-title" aria-describedby="{dom_id}-desc"'
        ' font-family="ui-monospace, DejaVu Sans Mono, monospace" font-size="13" fill="currentColor">',
        f'<title id="{dom_id}-title">{escape(title)}</title>',
        f'<desc id="{dom_id}-desc">{escape(description)}</desc>',
        f'<defs><marker id="{dom_id}-arch-head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8"'
        ' markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="currentColor"/>'
        "</marker></defs>",
        # What hellotrace shows: the HTTP exchanges between the CLI and the daemon, through the socket.
        f'<rect x="{cli - 8}" y="{top - 26}" width="{daemon + _BOX_W - cli + 16}" height="{_BOX_H + 40}" rx="10"'
        ' fill="currentColor" fill-opacity="0.06" stroke="none" class="arch-shown"/>',
        f'<text x="{cli}" y="{top - 12}" font-size="11" class="arch-label">'
        f'{escape(shown)}</text>',
        _box(u, top, text(N_("You")), text(N_("a terminal")), "arch-user"),
        _box(cli, top, text(N_("CLI")), "docker", "arch-cli"),
        _box(sock, top, text(N_("socket")), "/var/run/docker.sock", "arch-socket"),
        _box(daemon, top, text(N_("daemon")), "dockerd", "arch-daemon"),
        _box(registry, top, text(N_("registry")), "Docker Hub", "arch-registry"),
        _box(cli - 40, low, text(N_("its configuration")), "config.json · DOCKER_HOST", "arch-config", _BOX_W + 80),
        _box(daemon, low, "containerd", text(N_("life cycle")), "arch-containerd"),
        _box(daemon, lower, "runc", text(N_("creates the process")), "arch-runc"),
        _box(registry, lower, text(N_("container")), "/hello", "arch-container"),
        _edge(u + _BOX_W, mid, cli, mid, text(N_("command")), dom_id),
        _edge(cli + _BOX_W, mid, sock, mid, "HTTP", dom_id, both=True),
        _edge(sock + _BOX_W, mid, daemon, mid, "API", dom_id, both=True),
        _edge(daemon + _BOX_W, mid, registry, mid, text(N_("pull")), dom_id, both=True),
        _edge(cli + _BOX_W // 2, low, cli + _BOX_W // 2, top + _BOX_H, text(N_("reads")), dom_id,
              dashed=True, label_at=(cli + _BOX_W // 2 + 36, (low + top + _BOX_H) // 2 + 4)),
        _edge(daemon + _BOX_W // 2, top + _BOX_H, daemon + _BOX_W // 2, low, "gRPC", dom_id,
              label_at=(daemon + _BOX_W // 2 + 26, (low + top + _BOX_H) // 2 + 4)),
        _edge(daemon + _BOX_W // 2, low + _BOX_H, daemon + _BOX_W // 2, lower, text(N_("starts")), dom_id,
              label_at=(daemon + _BOX_W // 2 + 34, (lower + low + _BOX_H) // 2 + 4)),
        _edge(daemon + _BOX_W, lower + _BOX_H // 2, registry, lower + _BOX_H // 2, text(N_("runs")), dom_id),
        f'<text x="{u}" y="{_H - 6}" font-size="11" class="arch-label">{escape(note)}</text>',
        "</svg>",
    ]
    return "".join(parts)
