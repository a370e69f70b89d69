"""A listening unix socket only its owner can use: born 0600 (no moment where another user could connect),
a stale file left by a process that died replaced, one still in use refused; closed, its file goes too."""

from __future__ import annotations

import os
import socket

from hellotrace.engine.server import AddressInUse


def listen_private(path: str, what: str, backlog: int = 64) -> socket.socket:
    """`what` names the socket in the error ("the trace socket")."""
    if os.path.exists(path):
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(path)
        except OSError:
            os.unlink(path)
        else:
            raise AddressInUse(f"{what} {path} is already in use by another process")
        finally:
            probe.close()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    previous = os.umask(0o177)
    try:
        listener.bind(path)
    except OSError as exc:
        listener.close()
        raise AddressInUse(f"cannot create {what} {path}: {exc.strerror}") from exc
    finally:
        os.umask(previous)
    os.chmod(path, 0o600)
    listener.listen(backlog)
    return listener


def close_private(listener: socket.socket | None, path: str) -> None:
    """Shut the listener first so that a thread blocked in `accept` wakes up; then nothing is left at `path`."""
    if listener is not None:
        try:
            listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        listener.close()
    if os.path.exists(path):
        os.unlink(path)
