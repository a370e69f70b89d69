"""Compressing what an idle visitor leaves in memory, with the first such thing as the dictionary of the others.

Every visitor of a class replays the same four steps: their packed replays, trace records or sandboxes differ in
ids, times and tokens, and share nearly everything else. zlib compresses one of them alone to about a fifth;
given the first one packed in this process as a preset dictionary, the others shrink to a few hundred bytes
each (see docs/scaling.md). The dictionary is chosen once and never changes, so every string packed by a
`Packer` unpacks with it for the life of the process. The bytes never leave the process.
"""

from __future__ import annotations

import pickle
import threading
import zlib

# zlib looks back at most 32 KiB: the tail of the first sample is what it can use.
_DICTIONARY_BYTES = 32 * 1024


class Packer:
    """Pickles and compresses objects of one kind (a replay's steps, a sandbox's trace records)."""

    def __init__(self, level: int = 6) -> None:
        self.level = level
        self._lock = threading.Lock()
        self._dictionary: bytes | None = None

    def pack(self, value: object) -> bytes:
        """The compressed pickle of `value`; pickle's errors (something a copy cannot hold) go to the caller."""
        raw = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
        with self._lock:
            if self._dictionary is None:
                self._dictionary = raw[-_DICTIONARY_BYTES:]
        compressor = zlib.compressobj(self.level, zlib.DEFLATED, zlib.MAX_WBITS, 9, zdict=self._dictionary)
        return compressor.compress(raw) + compressor.flush()

    def unpack(self, packed: bytes) -> object:
        """What `pack` was given (a copy)."""
        assert self._dictionary is not None, "unpack of a string this packer did not make"
        return pickle.loads(zlib.decompressobj(zlib.MAX_WBITS, zdict=self._dictionary).decompress(packed))
