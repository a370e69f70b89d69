"""The trace: what reaches a daemon from any client, cut into exchanges, kept per sandbox, explained.

`store.py` is the query API (see its docstring); `conversation.py` cuts a connection's bytes into exchanges;
`receiver.py` feeds it from the engine's tap; `proxy.py` records a real daemon's traffic; `explain.py` says what
each exchange is for, `invocations.py` which exchanges one command run sent, `command_lines.py` that run's command
line; `service.py` starts and stops the site's side of it all.
"""

from hellotrace.wiretap.record import TracedExchange
from hellotrace.wiretap.store import MemoryTraceStore, TraceStore

__all__ = ["MemoryTraceStore", "TraceStore", "TracedExchange"]
