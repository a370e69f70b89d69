"""The client-configuration lab: config.json, environment and command line in, the CLI's verdict out.

Same view, two shapes (as in contact.app): the page posts its form to itself without JavaScript and gets
the whole page back; with htmx every keystroke (debounced) posts to a fragment endpoint that returns only
the result. "Send docker ps" really sends the request to the reader's sandbox through the traced client,
with the headers the configuration would add. The DOCKER_HOST explainer has its own page and fragment,
both built on `hellotrace.docker_host`, the parser the traced client itself uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Blueprint, Response, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from hellotrace.client_config import (
    ARTICLE_SAMPLE,
    CORRECTED_SAMPLE,
    CORRECTIONS,
    ENV_NAMES,
    FIELD_NAMES,
    Listing,
    Resolution,
    listing_request,
    resolve,
    run_listing,
)
from hellotrace.client_config.command_line import MAX_LINE
from hellotrace.docker_host import DaemonAddress, InvalidDaemonAddress, parse_docker_host
from hellotrace.messages import N_
from hellotrace.tracing import TraceLimits
from hellotrace.web.replay_views import current_visitor, htmx

bp = Blueprint("lab", __name__, url_prefix="/<lang>/lab")

MAX_CONFIG_BYTES = 64 * 1024
DEFAULT_COMMAND = "docker ps"
_SEND_LIMITS = TraceLimits(connect_timeout=2.0, read_timeout=5.0, exchange_timeout=8.0)
# The forms the DOCKER_HOST explainer offers as examples (every form a user may type, and some mistakes).
HOST_EXAMPLES = (
    "unix://", "unix:///var/run/docker.sock", "/var/run/docker.sock", "tcp://", "tcp://192.168.0.5",
    "tcp://:7777", "localhost:2375", "tcp://docker.example.com:2376/prefix", "tcp://[::1]:2375",
    "ssh://user@docker.example.com", "ssh://", "npipe://", "fd://", "http://localhost:2375", "tcp://host:port",
)


@dataclass
class LabForm:
    """The three inputs, bounded; `problems` are (message key, params) for inputs refused as too large."""

    config: str = ARTICLE_SAMPLE
    environment: dict[str, str] = field(default_factory=lambda: dict.fromkeys(ENV_NAMES, ""))
    command: str = DEFAULT_COMMAND
    action: str = ""
    problems: list[tuple[str, dict[str, object]]] = field(default_factory=list)

    @classmethod
    def from_request(cls, form: MultiDict) -> LabForm:
        lab = cls(config=form.get("config", ""), command=form.get("command", ""), action=form.get("action", ""))
        if len(lab.config.encode("utf-8", "surrogatepass")) > MAX_CONFIG_BYTES:
            lab.problems.append((N_("config.json is larger than %(limit)s KiB: the lab does not read it. Shorten "
                                    "it and try again."), {"limit": MAX_CONFIG_BYTES // 1024}))
        if len(lab.command) > MAX_LINE:
            lab.problems.append((N_("The command line is longer than %(limit)s characters: the lab does not read "
                                    "it. Shorten it."), {"limit": MAX_LINE}))
        for name in ENV_NAMES:
            value = form.get(f"env-{name}", "")
            lab.environment[name] = value
            if len(value) > MAX_LINE:
                lab.problems.append((N_("%(name)s is longer than %(limit)s characters: the lab does not read the "
                                        "inputs. Shorten it."), {"name": name, "limit": MAX_LINE}))
        if lab.action == "fix":
            lab.config = CORRECTED_SAMPLE
        elif lab.action == "reset":
            lab.config = ARTICLE_SAMPLE
        return lab

    def resolution(self) -> Resolution | None:
        """None when an input is too large: nothing is parsed then."""
        if self.problems:
            return None
        return resolve(self.config, self.environment, self.command)


def _form() -> LabForm:
    """The posted inputs; on a GET the article's sample, and the command line of `?command=` if any."""
    if request.method == "POST":
        return LabForm.from_request(request.form)
    lab = LabForm()
    command = request.args.get("command")
    if command is not None:
        if len(command) > MAX_LINE:
            lab.problems.append((N_("The command line is longer than %(limit)s characters: the lab does not read "
                                    "it. Shorten it."), {"limit": MAX_LINE}))
        lab.command = command
    return lab


def _context(lab: LabForm, resolution: Resolution | None, lang: str) -> dict[str, object]:
    visitor = current_visitor()
    return {
        "lab": lab,
        "resolution": resolution,
        "env_names": ENV_NAMES,
        "field_names": FIELD_NAMES,
        "corrections": CORRECTIONS if lab.action == "fix" else (),
        "error_excerpt": error_excerpt(lab.config, resolution),
        "sandbox_host": visitor.docker_host,
        "lang": lang,
    }


@bp.get("/", strict_slashes=False)
def index(lang: str) -> Response:
    """The lab has no page of its own: `/<lang>/lab/` leads to its first tab."""
    return redirect(url_for("lab.config_page", lang=lang), code=302)


@bp.route("/config", methods=["GET", "POST"])
def config_page(lang: str) -> tuple[str, int]:
    """The whole page; a POST without JavaScript comes back here (fix, reset, send included)."""
    lab = _form()
    resolution = lab.resolution()
    context = _context(lab, resolution, lang)
    if lab.action in ("send-ps", "send-images"):
        context["sent"] = _send(lab, resolution, lab.action.removeprefix("send-"))
    status = 400 if lab.problems else 200
    return render_template("lab/config.html", **context), status


@bp.post("/config/result")
def config_result(lang: str) -> tuple[str, int]:
    """The result fragment (htmx, as the reader types), with the status line under the editor; with
    `action=fix|reset` the editor comes too."""
    lab = _form()
    context = _context(lab, lab.resolution(), lang)
    context["fragment"] = True
    context["replace_editor"] = lab.action in ("fix", "reset")
    return render_template("lab/_result.html", **context), 200


@bp.post("/config/send")
def config_send(lang: str) -> tuple[str, int]:
    """Send `docker ps` or `docker images` to the reader's sandbox; the exchanges as cards (htmx)."""
    lab = _form()
    kind = "images" if request.form.get("action") == "send-images" else "ps"
    sent = _send(lab, lab.resolution(), kind)
    return render_template("lab/_send.html", sent=sent, lab=lab, lang=lang), 200


@dataclass
class Sent:
    """What the send button did: the listing run against the sandbox, or why the CLI would send nothing."""

    kind: str
    refused: object = None  # the CliStop that keeps the real CLI from sending anything
    caveat: object = None  # a CliStop that depends on the reader's own contexts or certificate files
    listing: Listing | None = None


def _send(lab: LabForm, resolution: Resolution | None, kind: str) -> Sent:
    visitor = current_visitor()
    sent = Sent(kind)
    if resolution is None:
        return sent
    sent.refused = resolution.blocking_stop
    sent.caveat = resolution.stop if resolution.stop is not None and resolution.stop.conditional else None
    if sent.refused is None:
        sent.listing = run_listing(visitor.replay.address, listing_request(resolution, kind), _SEND_LIMITS,
                                   policy=visitor.replay.policy, host_header=visitor.replay.host_header)
    return sent


@bp.get("/host")
def host_page(lang: str) -> tuple[str, int]:
    """The DOCKER_HOST / -H explainer: the page, or only the explanation for htmx."""
    given = request.args.get("address")
    tls = request.args.get("tls") == "on"
    problem = None
    if given is not None and len(given) > MAX_LINE:
        problem, given = (N_("The address is longer than %(limit)s characters: shorten it."), {"limit": MAX_LINE}), None
    explained = explain_host(given, tls) if given is not None else None
    context = {"given": given, "tls": tls, "explained": explained, "problem": problem, "examples": HOST_EXAMPLES,
               "sandbox_host": current_visitor().docker_host, "lang": lang}
    status = 400 if problem else 200
    if htmx and not htmx.boosted:
        return render_template("lab/_host.html", **context), status
    return render_template("lab/host.html", **context), status


@dataclass(frozen=True)
class HostExplanation:
    given: str
    address: DaemonAddress | None
    error: InvalidDaemonAddress | None


def explain_host(text: str, tls: bool) -> HostExplanation:
    try:
        return HostExplanation(text, parse_docker_host(text, tls=tls), None)
    except InvalidDaemonAddress as error:
        return HostExplanation(text, None, error)


def error_excerpt(text: str, resolution: Resolution | None) -> dict[str, object] | None:
    """The config.json line where decoding failed (and the one before it), with a caret under the faulty
    character."""
    config = resolution.config if resolution is not None else None
    if config is None or config.line is None or config.column is None:
        return None
    lines = text.split("\n")
    line = lines[config.line - 1] if config.line <= len(lines) else ""
    start = max(0, config.column - 60)
    before = lines[config.line - 2][start:start + 100].replace("\t", " ") if 1 < config.line <= len(lines) else None
    return {"line": config.line, "column": config.column, "text": line[start:start + 100].replace("\t", " "),
            "before": before, "caret": " " * (config.column - 1 - start) + "^"}
