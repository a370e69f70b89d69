"""What a student's own terminal (curl, the docker CLI) sent to their sandbox, read from the trace store.

The site's own requests (the replay, Try it) carry hellotrace's User-Agent; everything else that reached
the sandbox came from the student's side."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from hellotrace.tracing import USER_AGENT
from hellotrace.wiretap import TraceStore
from hellotrace.wiretap.explain import invocation_command

SITE_AGENT = USER_AGENT.split("/", 1)[0] + "/"


@dataclass(frozen=True)
class TerminalActivity:
    requests: int = 0
    last_command: str | None = None


def terminal_activity(store: TraceStore, sandbox: str, since: datetime) -> TerminalActivity:
    """Requests from outside the site to `sandbox` since `since` (a naive time is UTC), and the last command."""
    moment = (since if since.tzinfo else since.replace(tzinfo=UTC)).timestamp()
    records = [r for r in store.exchanges(sandbox, since=moment)
               if not (r.request_header("User-Agent") or "").startswith(SITE_AGENT)]
    if not records:
        return TerminalActivity()
    last = records[-1]
    group = [r for r in records if r.invocation == last.invocation]
    return TerminalActivity(len(records), invocation_command(group) or f"{last.method} {last.path}")
