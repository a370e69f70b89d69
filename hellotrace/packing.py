"""Compressing what an idle visitor leaves in memory, with earlier such things as the dictionary of the others.

Every visitor of a class replays the same four steps: their packed replays, trace records or sandboxes differ in
ids, times and tokens, and share nearly everything else. zlib compresses one of them alone to about a fifth;
given an earlier one packed in this process as a preset dictionary, the others shrink to a few hundred bytes
each. The first one packed may be a visitor who left after one step: a sample that is much larger than the
current dictionary becomes a new one (a few at most), and each packed string names the dictionary it was packed
with, so every string unpacks for the life of the process. The bytes never leave the process.
"""

from __future__ import annotations

import pickle
import threading
import zlib

# zlib looks back at most 32 KiB: the tail of a sample is what it can use.
_DICTIONARY_BYTES = 32 * 1024
# Dictionaries one packer keeps at most (the bytes they cost are paid once per process).
_DICTIONARIES = 4


class Packer:
    """Pickles and compresses objects of one kind (a replay's steps, a sandbox's trace records)."""

    def __init__(self, level: int = 6) -> None:
        self.level = level
        self._lock = threading.Lock()
        self._dictionaries: list[bytes] = []

    def pack(self, value: object) -> bytes:
        """The compressed pickle of `value`; pickle's errors (something a copy cannot hold) go to the caller."""
        return self.compress(pickle.dumps(value, pickle.HIGHEST_PROTOCOL))

    def unpack(self, packed: bytes) -> object:
        """What `pack` was given (a copy)."""
        return pickle.loads(self.decompress(packed))

    def compress(self, raw: bytes) -> bytes:
        """`raw` (a pickle made by the caller) compressed."""
        with self._lock:
            dictionaries = self._dictionaries
            if len(dictionaries) < _DICTIONARIES and (not dictionaries or len(raw) > 2 * len(dictionaries[-1])):
                dictionaries.append(raw[-_DICTIONARY_BYTES:])
            number = len(dictionaries) - 1
        compressor = zlib.compressobj(self.level, zlib.DEFLATED, zlib.MAX_WBITS, 9, zdict=dictionaries[number])
        return bytes((number,)) + compressor.compress(raw) + compressor.flush()

    def decompress(self, packed: bytes) -> bytes:
        """What `compress` was given."""
        return zlib.decompressobj(zlib.MAX_WBITS, zdict=self._dictionaries[packed[0]]).decompress(packed[1:])
