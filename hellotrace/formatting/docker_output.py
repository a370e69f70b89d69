"""``docker ps`` and ``docker images`` output, from the Engine API's JSON, as the docker CLI 28 prints it.

The steps are docker/cli's (``cli/command/container/list.go``, ``image/list.go`` and
``formatter.Context.Write``): choose the format (``table``, ``raw``, ``json``, custom, ``-q``), for
``docker ps`` first check the raw ``--format`` against an empty container (errors then start with
``failed to parse template`` / ``failed to execute template``), strip the ``table`` keyword, turn
the two characters ``\\t`` / ``\\n`` into a tab / newline, render each row (errors then start with
``template parsing error``), render the header with pass-through functions and align everything
with the table writer.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from hellotrace.formatting.contexts import (
    CONTAINER_HEADERS,
    IMAGE_HEADERS,
    ContainerContext,
    SubHeaderContext,
    image_rows,
)
from hellotrace.formatting.errors import TemplateError
from hellotrace.formatting.executor import parse_template
from hellotrace.formatting.functions import DOCKER_FUNCTIONS, HEADER_FUNCTIONS
from hellotrace.formatting.tabwriter import align

TABLE = "table"
QUIET_FORMAT = "{{.ID}}"
DEFAULT_PS_FORMAT = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"
RAW_PS_FORMAT = (
    "container_id: {{.ID}}\nimage: {{.Image}}\ncommand: {{.Command}}\ncreated_at: {{.CreatedAt}}\n"
    "state: {{- pad .State 1 0}}\nstatus: {{- pad .Status 1 0}}\nnames: {{.Names}}\n"
    "labels: {{- pad .Labels 1 0}}\nports: {{- pad .Ports 1 0}}\n"
)
DEFAULT_IMAGES_FORMAT = (
    "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}\t{{.Size}}"
)
DEFAULT_IMAGES_DIGEST_FORMAT = (
    "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t"
    "{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}\t{{.Size}}"
)
RAW_IMAGES_FORMAT = (
    "repository: {{ .Repository }}\ntag: {{.Tag}}\nimage_id: {{.ID}}\ncreated_at: {{.CreatedAt}}\n"
    "virtual_size: {{.Size}}\n"
)
RAW_IMAGES_DIGEST_FORMAT = (
    "repository: {{ .Repository }}\ntag: {{.Tag}}\ndigest: {{.Digest}}\nimage_id: {{.ID}}\n"
    "created_at: {{.CreatedAt}}\nvirtual_size: {{.Size}}\n"
)

_ESCAPES = re.compile(r"\\[tn]")


def _utc(now: datetime) -> datetime:
    return now if now.tzinfo is not None else now.replace(tzinfo=UTC)


def render_ps(containers: list[dict[str, Any]], fmt: str | None = None, *, now: datetime, no_trunc: bool = False,
              quiet: bool = False, size: bool = False) -> str:
    """What ``docker ps [-a] [--format FMT] [--no-trunc] [-q] [-s]`` writes on stdout for these containers.

    ``containers`` is the body of ``GET /containers/json``; ``now`` is the client's clock (ages are
    computed on the client; ``CreatedAt`` is shown in ``now``'s time zone, UTC if naive). Raises
    TemplateError with the CLI's stderr line when the CLI would fail. The warning the CLI writes on
    stderr when both ``fmt`` and ``quiet`` are given is not part of the result.
    """
    now = _utc(now)
    if fmt:
        _check_ps_format(fmt, now)
    if fmt in (None, "", TABLE):
        chosen = QUIET_FORMAT if quiet else DEFAULT_PS_FORMAT + ("\\t{{.Size}}" if size else "")
    elif fmt == "raw":
        chosen = "container_id: {{.ID}}" if quiet else RAW_PS_FORMAT + ("size: {{.Size}}\\n" if size else "")
    else:
        chosen = QUIET_FORMAT if quiet else fmt
    rows = [ContainerContext(c, trunc=not no_trunc, now=now) for c in containers]
    return _write(chosen, rows, SubHeaderContext(CONTAINER_HEADERS))


def ps_format_refusal(fmt: str, *, now: datetime) -> TemplateError | None:
    """How ``docker ps`` refuses ``fmt`` before sending any request (it executes it once, on no container), with
    the CLI's stderr line; None when the CLI goes on."""
    try:
        render_ps([], fmt, now=now)
    except TemplateError as error:
        return error
    return None


def ps_requests_size(fmt: str | None, *, now: datetime, quiet: bool = False, size: bool = False) -> bool:
    """Whether ``docker ps`` adds ``size=1`` to ``GET /containers/json``: ``-s``, or ``.Size`` in ``--format``.

    The CLI finds out by executing the format once against an empty container; an invalid format
    sends no request at all (False here).
    """
    if size:
        return True
    if not fmt or quiet:
        return False
    try:
        return _check_ps_format(fmt, _utc(now)).size_used
    except TemplateError:
        return False


def _check_ps_format(fmt: str, now: datetime) -> ContainerContext:
    """The CLI's early validation: the raw ``--format`` executed against an empty container."""
    try:
        template = parse_template(fmt, DOCKER_FUNCTIONS)
    except TemplateError as error:
        raise error.with_prefix("failed to parse template") from None
    empty = ContainerContext({}, trunc=False, now=now)
    try:
        template.execute(empty)
    except TemplateError as error:
        raise error.with_prefix("failed to execute template") from None
    return empty


def render_images(images: list[dict[str, Any]], fmt: str | None = None, *, now: datetime, no_trunc: bool = False,
                  quiet: bool = False, digests: bool = False) -> str:
    """What ``docker images [--format FMT] [--no-trunc] [-q] [--digests]`` writes on stdout.

    ``images`` is the body of ``GET /images/json``. As in the CLI, ``-q`` only replaces the
    ``table`` and ``raw`` formats: a custom ``--format`` wins over it.
    """
    now = _utc(now)
    source = fmt or TABLE
    if source == TABLE:
        chosen = QUIET_FORMAT if quiet else DEFAULT_IMAGES_DIGEST_FORMAT if digests else DEFAULT_IMAGES_FORMAT
    elif source == "raw":
        chosen = "image_id: {{.ID}}" if quiet else RAW_IMAGES_DIGEST_FORMAT if digests else RAW_IMAGES_FORMAT
    else:
        chosen = source
        if chosen.startswith(TABLE) and digests and "{{.Digest}}" not in chosen:
            chosen += "\t{{.Digest}}"
    need_digest = digests or "{{.Digest}}" in chosen
    rows = image_rows(images, need_digest, digests, trunc=not no_trunc, now=now)
    return _write(chosen, rows, SubHeaderContext(IMAGE_HEADERS))


def _write(fmt: str, rows: list[Any], header: SubHeaderContext) -> str:
    """docker/cli ``formatter.Context.Write``: rows first, then the header, then the table writer."""
    is_table = fmt.startswith(TABLE)
    final = fmt[len(TABLE):] if is_table else "{{json .}}" if fmt == "json" else fmt
    final = _ESCAPES.sub(lambda m: "\t" if m.group() == "\\t" else "\n", final.strip(" "))
    try:
        template = parse_template(final, DOCKER_FUNCTIONS)
    except TemplateError as error:
        raise error.with_prefix("template parsing error") from None
    body = []
    for row in rows:
        try:
            body.append(template.execute(row) + "\n")
        except TemplateError as error:
            raise error.with_prefix("template parsing error") from None
    if not is_table:
        return "".join(body)
    # Errors in the header are ignored by the CLI: whatever was written before the error stays.
    head, _ = template.execute_partial(header, HEADER_FUNCTIONS)
    return align(head + "\n" + "".join(body))

