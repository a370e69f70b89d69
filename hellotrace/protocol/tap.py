"""The tap's wire format: how the engine tells the site what crossed each of its connections.

One record per event: a 17-byte header `[connection u32][kind u8][at f64][size u32]` (big-endian), then
`size` bytes. `connection` numbers the engine's connections; `at` is the wall-clock time (epoch seconds) the
engine saw the event. Kinds: OPENED (data: JSON with transport, daemon and client addresses), CLIENT (bytes
the client sent), DAEMON (bytes the engine wrote), CLOSED, LOST (the engine dropped part of this
connection's record because the site read too slowly; what follows on it is unknown).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

OPENED, CLIENT, DAEMON, CLOSED, LOST = range(5)
_HEADER = struct.Struct(">IBdI")
MAX_RECORD = 16 * 1024 * 1024


def encode_record(connection: int, kind: int, at: float, data: bytes = b"") -> bytes:
    return _HEADER.pack(connection, kind, at, len(data)) + data


@dataclass(frozen=True)
class TapRecord:
    connection: int
    kind: int
    at: float
    data: bytes


class TapFormatError(ValueError):
    """The bytes are not tap records (another program on the socket, or a bug)."""


class TapDecoder:
    """Feed bytes as they arrive; get the complete records back."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[TapRecord]:
        self._buffer += data
        records = []
        while len(self._buffer) >= _HEADER.size:
            connection, kind, at, size = _HEADER.unpack_from(self._buffer)
            if kind > LOST or size > MAX_RECORD:
                raise TapFormatError(f"not a tap record (kind {kind}, size {size})")
            end = _HEADER.size + size
            if len(self._buffer) < end:
                break
            records.append(TapRecord(connection, kind, at, bytes(self._buffer[_HEADER.size:end])))
            del self._buffer[:end]
        return records
