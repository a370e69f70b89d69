"""From tap records to the trace store: one Conversation per engine connection.

`TapReceiver` is itself a tap sink, so an engine running in the site's process (the tests) feeds it
directly; the engine in its child process publishes to a `TapListener`, a unix socket the site owns
(folder 0700, socket 0600), which decodes the records and hands them to the same receiver.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from collections.abc import Callable

from hellotrace.docker_host import DaemonAddress, parse_docker_host
from hellotrace.protocol.tap import CLIENT, CLOSED, DAEMON, LOST, OPENED, TapDecoder, TapFormatError, TapRecord
from hellotrace.tracing.wire import ConnectionInfo
from hellotrace.wiretap.conversation import Conversation, Sink, WiretapLimits
from hellotrace.wiretap.private_socket import close_private, listen_private
from hellotrace.wiretap.record import TracedExchange
from hellotrace.wiretap.store import TraceStore

log = logging.getLogger("hellotrace.trace")
_READER_NICENESS = 10


Observer = Callable[[TracedExchange], None]  # told of each new exchange once the store holds it


class TapReceiver:
    """Turns one engine's tap records into exchanges in `store`. Safe to call from many threads.
    `observer` (it must not block) is told of each new exchange, after `store`."""

    def __init__(self, store: TraceStore, limits: WiretapLimits | None = None,
                 observer: Observer | None = None) -> None:
        self.store = store
        self.limits = limits or WiretapLimits()
        self.observer = observer
        self._conversations: dict[int, Conversation] = {}
        self._lock = threading.Lock()

    def __call__(self, connection: int, kind: int, at: float, data: bytes) -> None:
        with self._lock:
            try:
                self._receive(connection, kind, at, data)
            except Exception:  # noqa: BLE001 - a bug on one connection must not stop the trace of the others
                log.exception("trace: cannot follow engine connection %d any more", connection)
                self._conversations.pop(connection, None)

    def _receive(self, connection: int, kind: int, at: float, data: bytes) -> None:
        if kind == OPENED:
            self._conversations[connection] = self._conversation(connection, data)
            return
        conversation = self._conversations.get(connection)
        if conversation is None:
            return
        if kind == CLIENT:
            conversation.client_bytes(data, at)
        elif kind == DAEMON:
            conversation.daemon_bytes(data, at)
        elif kind == LOST:
            log.warning("trace: the engine dropped part of connection %d (the site was reading too slowly)",
                        connection)
            conversation.lost("the engine dropped part of this connection: the site was reading too slowly",
                              at)
        elif kind == CLOSED:
            conversation.closed(at)
            del self._conversations[connection]

    def reset(self, at: float) -> None:
        """The engine went away: every connection it had is over."""
        with self._lock:
            for conversation in self._conversations.values():
                conversation.closed(at)
            self._conversations.clear()

    def _conversation(self, number: int, opened: bytes) -> Conversation:
        try:
            ends = json.loads(opened)
            transport, daemon, client = str(ends["transport"]), str(ends["daemon"]), str(ends["client"])
        except (ValueError, KeyError, TypeError):
            transport, daemon, client = "unix", "", ""
        info = ConnectionInfo(number, transport, client, daemon, False, None)
        return Conversation(info, daemon_address(transport, daemon), store_sink(self.store, self.observer),
                            limits=self.limits)


def store_sink(store: TraceStore, observer: Observer | None = None) -> Sink:
    """Where a Conversation reports: new exchanges are added to the store (and shown to `observer`), the
    others announced as changed."""

    def publish(record: TracedExchange, new: bool) -> None:
        if new:
            store.add(record)
            if observer is not None:
                observer(record)
        else:
            store.changed(record)

    return publish


def daemon_address(transport: str, where: str) -> DaemonAddress:
    """The DOCKER_HOST a client used to reach that end (the curl shown beside each exchange dials it)."""
    return parse_docker_host(f"tcp://{where}" if transport == "tcp" else f"unix://{where}")


class TapListener:
    """The site's end of the engine's tap: accepts the engine (again after a restart) and feeds `receiver`."""

    def __init__(self, path: str, receiver: TapReceiver) -> None:
        self.path = path
        self.receiver = receiver
        self._listener: socket.socket | None = None

    def start(self) -> TapListener:
        self._listener = listen_private(self.path, "the engine's trace socket", backlog=2)
        threading.Thread(target=self._accept_loop, name="trace-tap", daemon=True).start()
        return self

    def stop(self) -> None:
        close_private(self._listener, self.path)
        self._listener = None

    def _accept_loop(self) -> None:
        listener = self._listener
        while listener is not None:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            self._read(conn)

    def _read(self, conn: socket.socket) -> None:
        # Cutting bytes into exchanges yields to serving them: under a load that takes every core, this thread
        # (only this one: a Linux thread has its own nice value) falls behind first; the engine's bounded queue
        # then drops what the trace could not keep up with, and says so, rather than slowing the engine.
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), _READER_NICENESS)
        except (OSError, AttributeError):
            pass
        decoder = TapDecoder()
        last_at = 0.0
        with conn:
            while True:
                try:
                    data = conn.recv(256 * 1024)
                    records = decoder.feed(data) if data else []
                except (OSError, TapFormatError) as exc:
                    log.warning("trace: the engine's tap failed: %s", exc)
                    break
                if not data:
                    break
                last_at = self._deliver(records, last_at)
                # Not kept while the next recv waits, maybe for hours: a class's last read is a thousand
                # small records, which would keep as many of Python's arenas after the class left.
                del data, records
        self.receiver.reset(last_at)

    def _deliver(self, records: list[TapRecord], last_at: float) -> float:
        """Hand `records` to the receiver; the time of the last one."""
        for record in records:
            last_at = record.at
            self.receiver(record.connection, record.kind, record.at, record.data)
        return last_at
