"""Packing idle visitors' state: the first packed is the dictionary of the others."""

from __future__ import annotations

import pickle
import zlib

from hellotrace.packing import Packer


def _replay_like(number: int) -> dict[str, object]:
    return {"steps": [{"method": "POST", "path": f"/v1.55/containers/{number:064x}/start", "status": 204,
                       "headers": [("Api-Version", "1.55"), ("Server", "Docker/29.7.2 (linux)")] * 4}
                      for _ in range(8)], "visitor": f"{number:016x}"}


def test_what_is_packed_unpacks_the_same_and_the_others_shrink_with_the_first_as_dictionary():
    packer = Packer()
    first = packer.pack(_replay_like(1))
    packed = [packer.pack(_replay_like(number)) for number in range(2, 12)]
    assert packer.unpack(first) == _replay_like(1)
    assert [packer.unpack(one) for one in packed] == [_replay_like(number) for number in range(2, 12)]
    alone = len(zlib.compress(pickle.dumps(_replay_like(5), pickle.HIGHEST_PROTOCOL)))
    assert max(map(len, packed)) * 2 < alone


def test_a_packer_keeps_its_first_dictionary():
    packer = Packer()
    early = packer.pack(_replay_like(1))
    packer.pack({"something": "else"})
    assert packer.unpack(early) == _replay_like(1)
