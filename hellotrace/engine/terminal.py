"""What sits between a client's keystrokes and a container's process: the TTY and the detach keys.

A container with `Tty: true` has a pseudo-terminal: it echoes what is typed, edits the line (backspace,
ctrl-U), hands the process whole lines on Enter (a carriage return becomes a newline), turns ctrl-D on an
empty line into end of file and ctrl-C into an interrupt, and writes every newline of the output as `\\r\\n`
(the `onlcr` setting). Without a TTY, bytes go to the process as they come.

The detach keys (ctrl-p ctrl-q unless the client says otherwise) are watched for by the daemon in every
attached input stream, as moby's term.EscapeProxy does: a partial match is held back, a full one ends the
attach and leaves the container running.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_DETACH_KEYS = b"\x10\x11"  # ctrl-p, ctrl-q
MAX_LINE = 4095  # Linux's canonical-mode line buffer (N_TTY_BUF_SIZE): what is typed beyond it is dropped
_CTRL_NAMES = {"@": 0, "[": 27, "\\": 28, "]": 29, "^": 30, "_": 31}


def parse_detach_keys(keys: str | None) -> bytes | None:
    """`ctrl-p,ctrl-q` or single characters, comma separated, as the daemon reads them; None when invalid."""
    if keys is None or keys == "":
        return DEFAULT_DETACH_KEYS
    out = bytearray()
    for key in keys.split(","):
        key = key.strip()
        if len(key) == 1:
            out.append(ord(key))
        elif key.startswith("ctrl-") and len(key) == 6:
            char = key[5].lower()
            if char.isalpha():
                out.append(ord(char) - ord("a") + 1)
            elif char in _CTRL_NAMES:
                out.append(_CTRL_NAMES[char])
            else:
                return None
        else:
            return None
    return bytes(out)


def onlcr(data: bytes) -> bytes:
    """Output through a TTY: each newline goes out as carriage return and newline."""
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


@dataclass
class EscapeWatch:
    """Finds the detach sequence in a stream of input; what is not part of it passes through."""

    keys: bytes
    held: bytes = b""

    def feed(self, data: bytes) -> tuple[bytes, bool]:
        """(bytes to pass on, whether the full sequence was read)."""
        passed = bytearray()
        for byte in data:
            candidate = self.held + bytes([byte])
            if self.keys.startswith(candidate):
                if candidate == self.keys:
                    self.held = b""
                    return bytes(passed), True
                self.held = candidate
            else:
                passed += candidate
                self.held = b""
        return bytes(passed), False


@dataclass
class Terminal:
    """The line discipline of a pseudo-terminal in canonical mode, with echo."""

    line: bytearray = field(default_factory=bytearray)

    def feed(self, data: bytes) -> list[tuple[str, bytes]]:
        """Events, in order: ("echo", bytes), ("line", bytes with its newline), ("eof", b""), ("intr", b"")."""
        events: list[tuple[str, bytes]] = []
        for byte in data:
            if byte in (0x0D, 0x0A):
                events.append(("echo", b"\r\n"))
                events.append(("line", bytes(self.line) + b"\n"))
                self.line.clear()
            elif byte == 0x04:  # ctrl-D: end of file on an empty line, else hand over what is typed
                if self.line:
                    events.append(("line", bytes(self.line)))
                    self.line.clear()
                else:
                    events.append(("eof", b""))
            elif byte == 0x03:  # ctrl-C
                self.line.clear()
                events.append(("echo", b"^C\r\n"))
                events.append(("intr", b""))
            elif byte in (0x7F, 0x08):
                if self.line:
                    self.line.pop()
                    events.append(("echo", b"\b \b"))
            elif byte == 0x15:  # ctrl-U: erase the line
                events.append(("echo", b"\b \b" * len(self.line)))
                self.line.clear()
            elif len(self.line) >= MAX_LINE:
                continue
            elif byte >= 0x20 or byte == 0x09:
                self.line.append(byte)
                events.append(("echo", bytes([byte])))
            else:
                self.line.append(byte)
                events.append(("echo", b"^" + bytes([byte + 0x40])))
        return events
