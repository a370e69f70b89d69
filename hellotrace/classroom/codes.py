"""Short codes people read aloud, copy from a projector or type on a phone: no 0/O, no 1/I."""

from __future__ import annotations

import secrets

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 6
RESUME_CODE_LENGTH = 10


def new_code(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def normalize_code(text: str | None, length: int) -> str | None:
    """What someone typed (any case, spaces or dashes between groups) as a code, or None if it cannot be one."""
    code = "".join((text or "").split()).replace("-", "").upper()
    if len(code) != length or any(char not in ALPHABET for char in code):
        return None
    return code


def grouped(code: str) -> str:
    """A long code in groups of five, easier to copy by hand: ABCDE-FGHJK."""
    return "-".join(code[i:i + 5] for i in range(0, len(code), 5))
