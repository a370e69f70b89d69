"""The site's side of the trace as one object to start and stop: the socket the engine child publishes to
and, with a real daemon and `--trace-socket`, the recording proxy; both feed the site's trace store."""

from __future__ import annotations

from hellotrace.docker_host import DaemonAddress
from hellotrace.wiretap.proxy import RecordingProxy
from hellotrace.wiretap.receiver import TapListener, TapReceiver
from hellotrace.wiretap.store import TraceStore


class TraceService:
    def __init__(self, store: TraceStore, tap_path: str, daemon: DaemonAddress | None,
                 trace_socket: str | None) -> None:
        self.store = store
        self.tap_path = tap_path
        self.daemon = daemon
        self.trace_socket = trace_socket
        self.listener: TapListener | None = None
        self.proxy: RecordingProxy | None = None

    def start(self) -> TraceService:
        """Everything or nothing: a failure (a socket in use: AddressInUse) stops what had started."""
        try:
            self.listener = TapListener(self.tap_path, TapReceiver(self.store)).start()
            if self.trace_socket and self.daemon is not None:
                self.proxy = RecordingProxy(self.trace_socket, self.daemon, self.store).start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.proxy is not None:
            self.proxy.stop()
        if self.listener is not None:
            self.listener.stop()
