"""The traced Engine API client: real HTTP over the daemon's socket, every byte recorded, events as they come."""

from hellotrace.tracing.client import (
    CLIENT_VERSION,
    USER_AGENT,
    BackgroundCall,
    Negotiation,
    TracedClient,
    encode_query,
)
from hellotrace.tracing.errors import ErrorKind, TraceError
from hellotrace.tracing.exchange import (
    BodyData,
    Exchange,
    ExchangeEnded,
    ExchangeStarted,
    FrameRecord,
    JsonLine,
    JsonLineRecord,
    RecordedRequest,
    RecordedResponse,
    RequestSent,
    ResponseHead,
    StreamFrame,
    StreamKind,
    StreamTruncated,
    Timings,
    TraceEvent,
)
from hellotrace.tracing.recorder import Listener, TraceLimits
from hellotrace.tracing.wire import ConnectionInfo

__all__ = [
    "CLIENT_VERSION",
    "USER_AGENT",
    "BackgroundCall",
    "BodyData",
    "ConnectionInfo",
    "ErrorKind",
    "Exchange",
    "ExchangeEnded",
    "ExchangeStarted",
    "FrameRecord",
    "JsonLine",
    "JsonLineRecord",
    "Listener",
    "Negotiation",
    "RecordedRequest",
    "RecordedResponse",
    "RequestSent",
    "ResponseHead",
    "StreamFrame",
    "StreamKind",
    "StreamTruncated",
    "Timings",
    "TraceError",
    "TraceEvent",
    "TraceLimits",
    "TracedClient",
    "encode_query",
]
