"""Failures of a traced call, as data: a kind the web layer can explain, the raw error text, and what the
docker CLI says in the same situation.

HTTP error statuses (404, 409, …) are not failures here: they are answers, recorded in the exchange. A
`TraceError` means the conversation itself went wrong (no socket, no daemon, a timeout, bytes that are not
HTTP, a refused upgrade, an unusable API version, an error announced inside a stream).
The `docker_text` values follow the moby client that docker CLI 29.x vendors (`client/request.go`,
`client/hijack.go`, `client/client.go`); it is None where the CLI has no message of its own.
"""

from __future__ import annotations

import errno as errnos
import socket
from dataclasses import dataclass
from enum import StrEnum

import h11

from hellotrace.docker_host import DaemonAddress
from hellotrace.protocol.versions import MIN_API_VERSION


class ErrorKind(StrEnum):
    NOT_DIALABLE = "not_dialable"  # the address is valid for Docker but hellotrace cannot dial it
    SOCKET_MISSING = "socket_missing"  # no file at the unix socket path
    PERMISSION_DENIED = "permission_denied"  # the socket exists but this user may not open it
    CONNECTION_REFUSED = "connection_refused"  # nothing listens there (or a stale socket file)
    HOST_UNKNOWN = "host_unknown"  # the TCP host name does not resolve
    CONNECT_TIMEOUT = "connect_timeout"
    READ_TIMEOUT = "read_timeout"  # connected, then the daemon went silent for too long
    EXCHANGE_TIMEOUT = "exchange_timeout"  # the whole call took longer than allowed
    CONNECTION_CLOSED = "connection_closed"  # the daemon hung up before answering completely
    STREAM_CUT = "stream_cut"  # the daemon hung up in the middle of a body it had started to send
    NOT_HTTP = "not_http"  # the answer is not HTTP/1.1 (a TLS daemon, another service, garbage)
    UPGRADE_REFUSED = "upgrade_refused"  # attach was answered with something other than 101
    API_VERSION_UNSUPPORTED = "api_version_unsupported"  # the daemon's API is below what the client accepts
    API_VERSION_INVALID = "api_version_invalid"  # the Api-Version header is not <major>.<minor>
    PING_FAILED = "ping_failed"  # /_ping answered with an error status
    INVALID_STREAM = "invalid_stream"  # a multiplexed stream with a bad frame header
    DAEMON_STREAM_ERROR = "daemon_stream_error"  # the daemon reported an error inside a 200 stream
    STREAM_TOO_LONG = "stream_too_long"  # hellotrace stopped reading at its size limit
    OS_ERROR = "os_error"  # any other system error
    REFUSED_BY_POLICY = "refused_by_policy"  # hellotrace's real-daemon policy kept the call from leaving


@dataclass(frozen=True)
class TraceError:
    """What went wrong, for people: `kind` selects the explanation, `raw` is the underlying text."""

    kind: ErrorKind
    raw: str
    docker_text: str | None = None
    errno: int | None = None
    # For a policy refusal: the reason code the web layer explains, and the offending part.
    reason: str | None = None
    detail: str = ""

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind.value, "raw": self.raw, "docker_text": self.docker_text, "errno": self.errno,
                "reason": self.reason, "detail": self.detail}


def cannot_connect_text(address: DaemonAddress) -> str:
    return f"Cannot connect to the Docker daemon at {address.normalized}. Is the docker daemon running?"


def refused_by_policy(code: str, detail: str) -> TraceError:
    return TraceError(ErrorKind.REFUSED_BY_POLICY, f"{code}: {detail}", reason=code, detail=detail)


def not_dialable(address: DaemonAddress) -> TraceError:
    return TraceError(ErrorKind.NOT_DIALABLE, f"cannot dial {address.normalized}: {address.not_dialable_reason}")


def upgrade_refused(status: int) -> TraceError:
    text = f"unable to upgrade to tcp, received {status}"
    return TraceError(ErrorKind.UPGRADE_REFUSED, text, text)


def api_version_unsupported(version: str) -> TraceError:
    text = (
        f"API version {version} is not supported by this client: "
        f"the minimum supported API version is {MIN_API_VERSION}"
    )
    return TraceError(ErrorKind.API_VERSION_UNSUPPORTED, text, text)


def api_version_invalid(version: str, reason: str) -> TraceError:
    """The daemon's Api-Version header is not a version; `reason` is moby's `parseAPIVersion` text."""
    return TraceError(ErrorKind.API_VERSION_INVALID, f"Api-Version {version!r}: {reason}", reason)


def ping_failed(status: int, message: str) -> TraceError:
    return TraceError(ErrorKind.PING_FAILED, f"/_ping answered {status}: {message}",
                      f"Error response from daemon: {message}")


def exchange_timeout(seconds: float) -> TraceError:
    return TraceError(ErrorKind.EXCHANGE_TIMEOUT, f"the call took longer than {seconds:g} s and was cut")


def stream_too_long(limit: int) -> TraceError:
    return TraceError(ErrorKind.STREAM_TOO_LONG, f"the response went past {limit} bytes and was cut")


def invalid_stream(message: str) -> TraceError:
    return TraceError(ErrorKind.INVALID_STREAM, message, message)


def stream_cut() -> TraceError:
    """The connection closed in the middle of a body (the daemon stopped, say). The docker CLI reports Go's
    io.ErrUnexpectedEOF there; whatever Python raised while parsing the cut framing says nothing useful."""
    return TraceError(ErrorKind.STREAM_CUT, "unexpected EOF", "unexpected EOF")


def daemon_stream_error(message: str, docker_text: str) -> TraceError:
    return TraceError(ErrorKind.DAEMON_STREAM_ERROR, message, docker_text)


def classify(exc: BaseException, address: DaemonAddress, *, connected: bool) -> TraceError:
    """Turn whatever h11 or the socket raised into a TraceError.

    `connected` tells whether the connection was established: a timeout before it is a connect timeout.
    """
    chain = _exception_chain(exc)
    raw = str(_innermost(chain))
    code = next((e.errno for e in chain if isinstance(e, OSError) and e.errno), None)
    host = address.normalized

    def first(*types: type[BaseException]) -> BaseException | None:
        return next((e for e in chain if isinstance(e, types)), None)

    if first(FileNotFoundError) or code == errnos.ENOENT:
        path = address.socket_path or ""
        docker = (
            f"failed to connect to the docker API at {host}; check if the path is correct and if the daemon "
            f"is running: dial unix {path}: connect: no such file or directory"
        )
        return TraceError(ErrorKind.SOCKET_MISSING, raw, docker, code)
    if first(PermissionError) or code in (errnos.EACCES, errnos.EPERM):
        return TraceError(
            ErrorKind.PERMISSION_DENIED, raw, f"permission denied while trying to connect to the docker API at {host}",
            code,
        )
    if first(ConnectionRefusedError) or code == errnos.ECONNREFUSED:
        return TraceError(ErrorKind.CONNECTION_REFUSED, raw, cannot_connect_text(address), code)
    if first(socket.gaierror):
        docker = f"failed to connect to the docker API at {host}: lookup {address.host}: no such host"
        return TraceError(ErrorKind.HOST_UNKNOWN, raw, docker, code)
    if first(TimeoutError):
        if not connected:
            return TraceError(ErrorKind.CONNECT_TIMEOUT, raw, cannot_connect_text(address), code)
        return TraceError(ErrorKind.READ_TIMEOUT, raw, None, code)
    if first(h11.RemoteProtocolError):
        return TraceError(ErrorKind.NOT_HTTP, raw, None, code)
    if first(ConnectionError):
        return TraceError(ErrorKind.CONNECTION_CLOSED, raw, None, code)
    return TraceError(ErrorKind.OS_ERROR, raw, None, code)


def _exception_chain(exc: BaseException) -> list[BaseException]:
    """The exception, its causes and its contexts."""
    seen: list[BaseException] = []
    todo = [exc]
    while todo:
        current = todo.pop(0)
        if current in seen:
            continue
        seen.append(current)
        todo += [e for e in (current.__cause__, current.__context__) if e is not None]
    return seen


def _innermost(chain: list[BaseException]) -> BaseException:
    """The most specific error: an OSError if there is one (its text names the system call's failure)."""
    return next((e for e in reversed(chain) if isinstance(e, OSError)), chain[-1])
