"""Which exchanges belong to one command run: a docker CLI run starts with its `/_ping` (HEAD, or GET when
HEAD fails); everything the same client sends after it, until the next ping, is that run's."""

from __future__ import annotations

from hellotrace.wiretap.record import TracedExchange

# A client quiet this long and then back without a ping is treated as a new run (curl never pings).
QUIET_SECONDS = 30.0


def starts_invocation(previous: TracedExchange | None, record: TracedExchange) -> bool:
    """Whether `record` opens a new group after `previous`, the sandbox's last exchange."""
    if previous is None or record.path == "/_ping" and not _ping_retry(previous, record):
        return True
    if record.request_header("User-Agent") != previous.request_header("User-Agent"):
        return True
    return record.received_at - previous.received_at > QUIET_SECONDS


def _ping_retry(previous: TracedExchange, record: TracedExchange) -> bool:
    """A ping right after a ping of the same client is the same run: the CLI's `GET /_ping` after a failed
    `HEAD /_ping`, and CLI 29.1.3+'s second ping (`docker run` asks again for the daemon's OS type)."""
    return (previous.path == "/_ping" and record.request_header("User-Agent") == previous.request_header("User-Agent")
            and record.received_at - previous.received_at < 2.0)
