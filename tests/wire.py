"""Test helpers that talk to the mock engine over its real sockets, with nothing in between."""

from __future__ import annotations

import http.client
import json
import socket
import time
from dataclasses import dataclass


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float = 10) -> None:
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.unix_path)


@dataclass
class Answer:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def header_names(self) -> list[str]:
        return [key for key, _ in self.headers]

    def json(self):
        return json.loads(self.body)


def call(engine, method: str, path: str, body: object = None, headers: dict[str, str] | None = None,
         raw_body: bytes | None = None, tcp: bool = False) -> Answer:
    """One request on a fresh connection; JSON bodies get Content-Type: application/json."""
    headers = dict(headers or {})
    data = raw_body
    if body is not None:
        data = json.dumps(body).encode()
        headers.setdefault("Content-Type", "application/json")
    if tcp:
        host, port = engine.tcp_address
        conn: http.client.HTTPConnection = http.client.HTTPConnection(host, port, timeout=10)
    else:
        conn = UnixHTTPConnection(engine.unix_path)
    try:
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        payload = response.read()
        return Answer(response.status, response.reason, list(response.getheaders()), payload)
    finally:
        conn.close()


def raw(engine, data: bytes, read_timeout: float = 2.0, until_close: bool = True) -> bytes:
    """Send raw bytes on the unix socket and collect everything the engine writes back until it closes."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(read_timeout)
    sock.connect(engine.unix_path)
    try:
        sock.sendall(data)
        chunks = []
        deadline = time.monotonic() + read_timeout
        while time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            chunks.append(chunk)
            if not until_close:
                break
        return b"".join(chunks)
    finally:
        sock.close()


HELLO_CREATE = {"Image": "hello-world", "AttachStdout": True, "AttachStderr": True}


def pull(engine, image: str, tag: str = "latest", prefix: str = "/v1.55") -> Answer:
    return call(engine, "POST", f"{prefix}/images/create?fromImage={image}&tag={tag}")


def create(engine, config: dict, name: str | None = None, prefix: str = "/v1.55") -> Answer:
    query = f"?name={name}" if name else ""
    return call(engine, "POST", f"{prefix}/containers/create{query}", body=config)


def recorded(engine) -> list:
    """Every request the engine receives from now on (its handler is wrapped to keep them)."""
    seen: list = []
    handler = engine.server.app

    def record(request):
        seen.append(request)
        return handler(request)

    engine.server.app = record
    return seen
