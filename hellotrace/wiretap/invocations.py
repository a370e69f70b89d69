"""Which exchanges belong to one command run.

A docker CLI run is one process: it opens a connection and starts with its `/_ping` (HEAD, or GET when HEAD
fails), then sends its calls on that connection, kept alive, and opens more beside it for a stream (attach,
wait). So an exchange on a connection the sandbox has seen belongs to that connection's run, whatever it is
(the CLI pings twice before `docker run` since 29.1.3); a ping on a new connection starts a run, even a
fraction of a second after the last one (`docker ps; docker images`) or at the same time (`docker ps &
docker images`); anything else on a new connection (the run's attach, curl's next request) belongs to the
latest run of the same client, unless that client was quiet for a while.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import islice

from hellotrace.wiretap.record import TracedExchange

# A client quiet this long and then back without a ping is treated as a new run (curl never pings).
QUIET_SECONDS = 30.0
# How far back a connection or a client is looked for: runs of a sandbox that far apart are not mixed up.
_LOOK_BACK = 64


def invocation_for(earlier: Sequence[TracedExchange], record: TracedExchange, latest: int) -> int:
    """The run `record` belongs to, given the sandbox's `earlier` exchanges (oldest first) and the number of
    its latest run; `latest + 1` for a new run."""
    if record.connection:
        same = next((r for r in _recent(earlier) if r.connection == record.connection), None)
        if same is not None:
            return same.invocation if record.received_at - same.received_at <= QUIET_SECONDS else latest + 1
    if record.path == "/_ping":
        return latest + 1
    client = next((r for r in _recent(earlier) if r.user_agent == record.user_agent), None)
    if client is None or record.received_at - client.received_at > QUIET_SECONDS:
        return latest + 1
    return client.invocation


def _recent(earlier: Sequence[TracedExchange]) -> Iterator[TracedExchange]:
    return islice(reversed(earlier), _LOOK_BACK)
