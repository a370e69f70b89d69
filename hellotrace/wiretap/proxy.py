"""The recording proxy for a real daemon: `--trace-socket PATH` puts a unix socket in front of it.

Your own docker CLI talks to the socket (`export DOCKER_HOST=unix://PATH`); every byte is forwarded to the
daemon as it comes, in both directions and unchanged (upgrades, streams and half-closes included), and a
copy is cut into exchanges for the trace page. The socket is mode 0600: only the user who started the
site, who can already reach the daemon, can use it. The proxy applies no policy of its own: it carries
your CLI's calls, not the site's.
"""

from __future__ import annotations

import itertools
import logging
import os
import socket
import threading
import time

from hellotrace.docker_host import DaemonAddress, parse_docker_host
from hellotrace.tracing.wire import ConnectionInfo
from hellotrace.wiretap.conversation import Conversation, WiretapLimits
from hellotrace.wiretap.private_socket import close_private, listen_private
from hellotrace.wiretap.receiver import store_sink
from hellotrace.wiretap.store import TraceStore

log = logging.getLogger("hellotrace.trace")

PROXY_CHANNEL = "trace-socket"  # the store's name for the proxy's traffic
_READ = 65536


class RecordingProxy:
    def __init__(self, path: str, daemon: DaemonAddress, store: TraceStore,
                 limits: WiretapLimits | None = None, connect_timeout: float = 5.0) -> None:
        if daemon.scheme not in ("unix", "tcp") or daemon.tls:
            raise ValueError(f"the trace socket forwards to unix:// or plain tcp:// daemons, not {daemon.normalized}")
        self.path = os.path.abspath(path)
        self.daemon = daemon
        self.store = store
        self.limits = limits or WiretapLimits()
        self.connect_timeout = connect_timeout
        self.address = parse_docker_host(f"unix://{self.path}")
        self._listener: socket.socket | None = None
        self._numbers = itertools.count(1)

    @property
    def docker_host(self) -> str:
        return f"unix://{self.path}"

    def start(self) -> RecordingProxy:
        self._listener = listen_private(self.path, "the trace socket")
        threading.Thread(target=self._accept_loop, name="trace-proxy", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._listener is not None:
            close_private(self._listener, self.path)
            self._listener = None

    def _accept_loop(self) -> None:
        while self._listener is not None:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), name="trace-proxy-conn", daemon=True).start()

    def _dial(self) -> socket.socket:
        if self.daemon.scheme == "unix":
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            upstream.settimeout(self.connect_timeout)
            try:
                upstream.connect(self.daemon.socket_path or "")
            except OSError:
                upstream.close()
                raise
        else:
            upstream = socket.create_connection((self.daemon.host, self.daemon.port), self.connect_timeout)
        upstream.settimeout(None)
        return upstream

    def _serve(self, client: socket.socket) -> None:
        number = next(self._numbers)
        try:
            upstream = self._dial()
        except OSError as exc:
            _refuse(client, f"hellotrace's trace socket cannot reach the daemon at {self.daemon.normalized}: "
                            f"{exc.strerror or exc}")
            return
        info = ConnectionInfo(number, "unix", "", self.path, False, None)
        conversation = Conversation(info, self.address, store_sink(self.store), channel=PROXY_CHANNEL,
                                    limits=self.limits)
        lock = threading.Lock()

        def pump(source: socket.socket, target: socket.socket, from_client: bool) -> None:
            while True:
                try:
                    data = source.recv(_READ)
                except OSError:
                    data = b""
                if not data:
                    try:
                        target.shutdown(socket.SHUT_WR)  # pass the half-close on, as the CLI's attach needs
                    except OSError:
                        pass
                    return
                # Recorded before it is passed on: the answer to these bytes can then never be recorded first.
                with lock:
                    try:
                        if from_client:
                            conversation.client_bytes(data, time.time())
                        else:
                            conversation.daemon_bytes(data, time.time())
                    except Exception:  # noqa: BLE001 - recording fails, forwarding goes on
                        log.exception("trace: cannot follow trace-socket connection %d any more", number)
                        conversation.broken = "internal error"
                try:
                    target.sendall(data)
                except OSError:
                    return

        upward = threading.Thread(target=pump, args=(client, upstream, True), name="trace-proxy-up", daemon=True)
        upward.start()
        pump(upstream, client, False)
        upward.join()
        client.close()
        upstream.close()
        with lock:
            conversation.closed(time.time())


def _refuse(client: socket.socket, message: str) -> None:
    """Answer the first request with a 502 the CLI prints ("Error response from daemon: …"), then close."""
    body = (message + "\n").encode()
    try:
        client.settimeout(2)
        client.recv(_READ)
        client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n"
                       + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
    except OSError:
        pass
    finally:
        client.close()
