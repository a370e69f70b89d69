"""Which exchanges belong to one command run.

A docker CLI run is one process: it opens a connection and starts with its `/_ping` (HEAD, or GET when HEAD
fails), then sends its calls on that connection, kept alive, and opens more beside it for a stream (attach,
wait). So an exchange on a connection the sandbox has seen belongs to that connection's run, whatever it is
(the CLI pings twice before `docker run` since 29.1.3); a ping on a new connection starts a run, even a
fraction of a second after the last one (`docker ps; docker images`) or at the same time (`docker ps &
docker images`). Anything else on a new connection is, from a client that pings (the docker CLI, the
replay's own), a stream beside its run: the run that created or already used the container it names (`docker
run` twice at once), else that client's latest run; from a client that never pings (curl), a run of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from itertools import islice

from hellotrace.wiretap.record import TracedExchange

# A client quiet this long on its kept-alive connection and then back is treated as a new run (a script).
QUIET_SECONDS = 30.0
# How far back a connection or a client is looked for: runs of a sandbox that far apart are not mixed up.
_LOOK_BACK = 64
_CONTAINER = re.compile(r"^/containers/([^/]+)/")


def invocation_for(earlier: Sequence[TracedExchange], record: TracedExchange, latest: int) -> int:
    """The run `record` belongs to, given the sandbox's `earlier` exchanges (oldest first) and the number of
    its latest run; `latest + 1` for a new run."""
    if record.connection:
        same = next((r for r in _recent(earlier) if r.connection == record.connection), None)
        if same is not None:
            return same.invocation if record.received_at - same.received_at <= QUIET_SECONDS else latest + 1
    if record.path == "/_ping":
        return latest + 1
    client = [r for r in _recent(earlier) if r.user_agent == record.user_agent]
    if not any(r.path == "/_ping" for r in client):
        return latest + 1  # a client that never pings (curl): each new connection is a command of its own
    container = _CONTAINER.match(record.path)
    if container:
        named = container.group(1)
        owner = next((r for r in client if _names_container(r, named)), None)
        if owner is not None:
            return owner.invocation
    if not client or record.received_at - client[0].received_at > QUIET_SECONDS:
        return latest + 1
    return client[0].invocation


def _names_container(record: TracedExchange, named: str) -> bool:
    """Whether `record` created the container `named` (an ID, its prefix, or a name), already called it, or looked
    it up by another name (`docker start -a web` inspects `web`, then attaches by the ID it answered)."""
    used = _CONTAINER.match(record.path)
    if used and used.group(1) == named:
        return True
    if used and record.path.endswith("/json") and record.status == 200:
        return len(named) >= 4 and record.answered_id.startswith(named)
    if record.path != "/containers/create" or record.status != 201:
        return False
    if (record.query.get("name") or [""])[0] == named:
        return True
    return len(named) >= 4 and record.answered_id.startswith(named)


def _recent(earlier: Sequence[TracedExchange]) -> Iterator[TracedExchange]:
    return islice(reversed(earlier), _LOOK_BACK)
