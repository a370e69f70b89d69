"""A recorded replay as a bash script of curl commands that runs again against any daemon.

The script takes its daemon from DOCKER_HOST as the docker CLI does: `unix://PATH` (curl's --unix-socket), or
`tcp://HOST[:PORT][/BASE PATH]` (port 2375 when none is given; a base path such as a hellotrace sandbox's
`/sandboxes/<token>` goes in front of every path), and `/var/run/docker.sock` when DOCKER_HOST is unset.
Each recorded call becomes the same curl command as on the page, with the recorded base path replaced by
the script's own and the container id taken from the create that answered 201 in this very run. Calls that
the CLI keeps open across steps (attach and wait) run in the background and are read when their step comes.
What the script prints while it runs (a DOCKER_HOST it cannot use, why it stops) is in the reader's language,
single-quoted for bash whatever the translation holds.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from hellotrace.curl import output_flags, request_options, shell_quote
from hellotrace.diagram import strip_prefix
from hellotrace.messages import N_
from hellotrace.tracing import Exchange

# `message` in the reader's language with its `%(name)s` placeholders filled, as the web layer's `_` does.
Translate = Callable[..., str]

# What the script prints while it runs, in the language of the page it was exported from.
_UNSUPPORTED_HOST = N_("DOCKER_HOST=%(docker_host)s: this script speaks to unix:// and tcp:// daemons only.")
_NO_CONTAINER = N_("No container was created above (see the daemon's answer to the create), so the calls that "
                   "name it are not sent.")
_ALREADY_CREATED = N_("The image was already there: the create above made the container, so this call is not "
                      "sent.")
_NO_IMAGE = N_("If it said 'No such image', the image is not on this daemon: pull it first (docker pull "
               "hello-world), then run this script again.")
_UNREACHABLE = N_("No answer from a daemon at %(docker_host)s (curl says why above): is it running, and is that "
                  "the address DOCKER_HOST should name?")
_NO_HEAD = N_("No answer from the daemon within 5 seconds: the script goes on without waiting for it.")

_PREAMBLE = r"""set -euo pipefail

host="${DOCKER_HOST:-unix:///var/run/docker.sock}"
case "$host" in
  unix://*)
    to=(--unix-socket "${host#unix://}")
    base="http://localhost"
    ;;
  tcp://*)
    rest="${host#tcp://}"
    authority="${rest%%/*}"
    path=""
    if [ "$rest" != "$authority" ]; then path="/${rest#*/}"; path="${path%/}"; fi
    case "$authority" in
      \[*\]:*|[!\[]*:*) ;;
      *) authority="$authority:2375" ;;
    esac
    to=()
    base="http://$authority$path"
    ;;
  *)
    printf '%s\n' @UNSUPPORTED_HOST@ >&2
    exit 2
    ;;
esac
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
container_id=""

# curl's own words when the daemon cannot be reached (exit 6: no such host, 7: nothing listening), then what to check.
call() {
  local status=0
  curl ${to[@]+"${to[@]}"} "$@" || status=$?
  if [ "$status" -eq 6 ] || [ "$status" -eq 7 ]; then printf '%s\n' @UNREACHABLE@ >&2; fi
  return "$status"
}

# Waits (5 s at most) until a call running in the background has its answer's head, which curl writes to the
# file its -D names as soon as it arrives (what -i puts in the output waits for the answer's end).
wait_head() {
  for _ in $(seq 50); do
    if grep -q $'^\r$' "$1" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  printf '%s\n' @NO_HEAD@ >&2
}

# A call that names the container needs the one a create of this run made: stop rather than send /containers//.
need_container() {
  if [ -z "$container_id" ]; then
    printf '%s\n' @NO_CONTAINER@ >&2
    printf '%s\n' @NO_IMAGE@ >&2
    exit 1
  fi
}

# The recipe's first create answers 404 on a daemon without the image, and the image is pulled, then created
# again. On one that has it (this script run a second time), that first create makes the container: the pull and
# the later create are not sent, as the replay does not send them then.
not_created_yet() {
  if [ -n "$container_id" ]; then
    printf '%s\n' @ALREADY_CREATED@ >&2
    return 1
  fi
}

remember_id() {
  local found
  found="$(printf '%s' "$1" | sed -n 's/.*"Id":"\([0-9a-f]\{64\}\)".*/\1/p' | head -n 1)"
  if [ -n "$found" ]; then container_id="$found"; fi
}
"""

_ID = re.compile(r"[0-9a-f]{64}")


def _english(message: str, /, **params: object) -> str:
    return message % params


def replay_script(
    steps: Sequence[tuple[str, Sequence[tuple[Exchange, str]]]],
    *,
    comments: Sequence[str] = (),
    translate: Translate = _english,
) -> str:
    """The script for a replay's steps: each a title and its (exchange, part) pairs in order, where part is
    "full", "head" (the call stays open: run it in the background) or "rest" (read what it gave).
    `translate` gives the messages the script prints in the reader's language."""
    lines = ["#!/usr/bin/env bash", *(f"# {line}" for line in comments), _preamble(translate)]
    for title, exchanges in steps:
        if not exchanges:
            continue
        lines.append(f"\n# {title}")
        lines.append(f"printf '\\n## %s\\n' {shell_quote(title)}")
        for exchange, part in exchanges:
            lines += _call(exchange, part)
    return "\n".join(lines) + "\n"


def _preamble(translate: Translate) -> str:
    said = {
        "@UNSUPPORTED_HOST@": _shell_text(translate, _UNSUPPORTED_HOST, docker_host="host"),
        "@NO_CONTAINER@": _shell_text(translate, _NO_CONTAINER),
        "@NO_IMAGE@": _shell_text(translate, _NO_IMAGE),
        "@ALREADY_CREATED@": _shell_text(translate, _ALREADY_CREATED),
        "@UNREACHABLE@": _shell_text(translate, _UNREACHABLE, docker_host="host"),
        "@NO_HEAD@": _shell_text(translate, _NO_HEAD),
    }
    return re.sub("|".join(said), lambda found: said[found.group()], _PREAMBLE)


# Stands for a placeholder in the translated text until the text is quoted: no message contains a NUL.
_MARK = re.compile("\0(\\w+)\0")


def _shell_text(translate: Translate, message: str, **variables: str) -> str:
    """`message` in the reader's language as one bash word: the text in single quotes, whatever it holds (the
    apostrophe of « l'hôte », a $ or a backquote stay text), each placeholder the value of the shell variable
    `variables` names for it, at run time."""
    text = translate(message, **{name: f"\0{name}\0" for name in variables})
    words = []
    for index, piece in enumerate(_MARK.split(text)):
        if index % 2:  # the name of a placeholder, between two pieces of text
            words.append(f'"${{{variables[piece]}}}"')
        elif piece:
            words.append(shell_quote(piece))
    return "".join(words) or "''"


def _call(exchange: Exchange, part: str) -> list[str]:
    target = strip_prefix(exchange.target, exchange.address.path_prefix)
    shown = _ID.sub("<container>", target)
    summary = f"{exchange.number}. {exchange.method} {shown}"
    out = f'"$work/{exchange.number}.out"'
    if part == "rest":
        return [f"wait \"$pid_{exchange.number}\" || true", f"cat {out}", "echo"]
    binary = exchange.stream in ("stdcopy", "raw")
    flags = output_flags(exchange.method, binary_output=binary, streaming=exchange.stream != "none")
    words = [*flags[1:], *(arg for group in request_options(
        exchange.method, headers=exchange.request_headers, body=exchange.request_body) for arg in group)]
    options = " ".join(shell_quote(word) for word in words)
    lines = [f"printf '\\n### %s\\n' {shell_quote(summary)}"]
    if _ID.search(target):
        lines.append("need_container")
    if part == "head":
        head = f'"$work/{exchange.number}.head"'
        command = f"call {options} -D {head} {_url(target)}"
        lines += [f"{command} > {out} 2>&1 &", f"pid_{exchange.number}=$!", f"wait_head {head}"]
        return lines
    command = f"call {options} {_url(target)}"
    endpoint = target.split("?", 1)[0]
    if exchange.method == "POST" and endpoint.endswith("/containers/create"):
        lines += ["if not_created_yet; then", f"  answer=\"$({command})\"", '  printf \'%s\\n\' "$answer"',
                  '  remember_id "$answer"', "fi"]
    elif exchange.method == "POST" and endpoint.endswith("/images/create"):
        lines += ["if not_created_yet; then", f"  {command}", "  echo", "fi"]
    else:
        lines += [command, "echo"]
    return lines


def _url(target: str) -> str:
    """The URL in double quotes: the script's base, the path with the run's own container id."""
    escaped = re.sub(r'([\\"`$])', r"\\\1", target)
    return '"$base' + _ID.sub("${container_id}", escaped) + '"'
