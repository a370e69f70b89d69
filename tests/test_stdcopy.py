"""stdcopy framing: the 8-byte header, and a decoder that copes with any split of the bytes."""

from __future__ import annotations

import pytest

from hellotrace.protocol.stdcopy import (
    HEADER_SIZE,
    STDERR,
    STDOUT,
    SYSTEMERR,
    FrameDecoder,
    InvalidFrame,
    encode_frame,
)

HELLO = b"x" * 807  # the size of hello-world's message on amd64


def test_header_of_the_hello_world_frame() -> None:
    frame = encode_frame(STDOUT, HELLO)
    assert frame[:HEADER_SIZE] == bytes.fromhex("01 00 00 00 00 00 03 27")
    assert frame[HEADER_SIZE:] == HELLO


def test_encode_refuses_an_unknown_stream() -> None:
    with pytest.raises(ValueError):
        encode_frame(7, b"x")


def test_decode_whole_frames() -> None:
    data = encode_frame(STDOUT, b"out\n") + encode_frame(STDERR, b"err\n") + encode_frame(STDOUT, b"")
    frames = FrameDecoder().feed(data)
    assert [(f.stream, f.stream_name, f.length, f.payload) for f in frames] == [
        (1, "stdout", 4, b"out\n"), (2, "stderr", 4, b"err\n"), (1, "stdout", 0, b""),
    ]
    assert frames[0].header == bytes.fromhex("0100000000000004")


@pytest.mark.parametrize("piece", [1, 3, 7, 8, 9, 100])
def test_decode_any_split(piece: int) -> None:
    data = encode_frame(STDOUT, HELLO) + encode_frame(STDERR, b"oops\n")
    decoder = FrameDecoder()
    frames = []
    for start in range(0, len(data), piece):
        frames += decoder.feed(data[start:start + piece])
    assert [(f.stream, f.payload) for f in frames] == [(STDOUT, HELLO), (STDERR, b"oops\n")]
    assert decoder.pending == 0
    assert decoder.close() is None


def test_frames_are_released_only_when_complete() -> None:
    decoder = FrameDecoder()
    frame = encode_frame(STDOUT, b"hello")
    assert decoder.feed(frame[:10]) == []
    assert decoder.pending == 10
    assert [f.payload for f in decoder.feed(frame[10:])] == [b"hello"]


def test_truncated_payload_is_reported() -> None:
    decoder = FrameDecoder()
    decoder.feed(encode_frame(STDOUT, b"complete") + encode_frame(STDERR, b"cut short")[:12])
    truncated = decoder.close()
    assert truncated is not None
    assert (truncated.stream, truncated.declared_length, truncated.payload, truncated.missing) == (
        STDERR, 9, b"cut ", 5,
    )


def test_truncated_header_is_reported() -> None:
    decoder = FrameDecoder()
    decoder.feed(b"\x01\x00\x00")
    truncated = decoder.close()
    assert truncated is not None
    assert (truncated.header, truncated.declared_length, truncated.stream, truncated.missing) == (
        b"\x01\x00\x00", None, None, None,
    )


def test_unknown_stream_type_is_refused_with_docker_s_text() -> None:
    decoder = FrameDecoder()
    with pytest.raises(InvalidFrame) as caught:
        decoder.feed(b"Hello from Docker!\n")
    assert caught.value.message == "Unrecognized input header: 72"
    assert caught.value.header == b"Hello fr"


def test_oversized_frames_are_refused() -> None:
    with pytest.raises(InvalidFrame):
        FrameDecoder(max_payload=16).feed(encode_frame(STDOUT, b"x" * 17))


def test_systemerr_is_a_stream_of_its_own() -> None:
    (frame,) = FrameDecoder().feed(encode_frame(SYSTEMERR, b"Error grabbing logs: boom\n"))
    assert frame.stream_name == "systemerr"
