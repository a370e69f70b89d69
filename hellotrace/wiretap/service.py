"""The site's trace as one object to start and stop: the store, the socket the engine's tap publishes to
(in a private folder), and, with a real daemon and `--trace-socket`, the recording proxy."""

from __future__ import annotations

import os
import shutil
import tempfile

from hellotrace.docker_host import DaemonAddress
from hellotrace.wiretap.proxy import RecordingProxy
from hellotrace.wiretap.receiver import TapListener, TapReceiver
from hellotrace.wiretap.store import MemoryTraceStore


class InvalidTraceSocket(ValueError):
    """--trace-socket cannot be used as given; the message says why."""


class TraceService:
    def __init__(self, daemon: DaemonAddress | None, trace_socket: str | None) -> None:
        if trace_socket and daemon is None:
            raise InvalidTraceSocket("--trace-socket records a real daemon's traffic: give --daemon (or DOCKER_HOST) "
                                     "too; the mock engine's own trace needs no socket")
        self.daemon = daemon
        self.trace_socket = trace_socket
        self.store = MemoryTraceStore()
        self.folder: str | None = None
        self.listener: TapListener | None = None
        self.proxy: RecordingProxy | None = None

    @property
    def tap_path(self) -> str:
        """Where the child engine publishes (its `--trace-to`)."""
        assert self.listener is not None
        return self.listener.path

    def start(self) -> TraceService:
        """Everything or nothing: a failure stops what had started."""
        try:
            self.folder = tempfile.mkdtemp(prefix="hellotrace-trace-")
            self.listener = TapListener(os.path.join(self.folder, "tap.sock"), TapReceiver(self.store)).start()
            if self.trace_socket and self.daemon is not None:
                try:
                    self.proxy = RecordingProxy(self.trace_socket, self.daemon, self.store).start()
                except ValueError as exc:
                    raise InvalidTraceSocket(str(exc)) from exc
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.proxy is not None:
            self.proxy.stop()
        if self.listener is not None:
            self.listener.stop()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
