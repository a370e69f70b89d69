"""Whole numbers written in text that people and programs send: forms, queries, headers, settings.

`text.isdigit()` followed by `int(text)` is not a check: isdigit() also accepts "²" or "٣", which int() refuses
or reads, and int() refuses more than 4,300 digits. Either way, bad input became an internal error.
"""

from __future__ import annotations


def whole_number(text: str, max_digits: int = 18) -> int | None:
    """`text` as a number if it is ASCII digits only, at most `max_digits` of them once leading zeros are set
    aside; None otherwise (a sign, a space, any other character, or too many digits)."""
    if not text.isascii() or not text.isdigit():
        return None
    significant = text.lstrip("0") or "0"
    return int(significant) if len(significant) <= max_digits else None
