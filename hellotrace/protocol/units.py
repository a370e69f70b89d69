"""go-units: the human words and sizes Docker prints, the daemon (``Exited (0) 5 seconds ago``) and the
CLI alike (``About a minute ago``, ``8.61MB``)."""

from __future__ import annotations

import re
from datetime import timedelta

_DECIMAL_UNITS = ("B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB")


def human_duration(delta: timedelta) -> str:
    """``units.HumanDuration``: how long ago, in the coarse words ``docker ps`` uses."""
    seconds = delta.total_seconds()
    whole_seconds = int(seconds)
    if whole_seconds < 1:
        return "Less than a second"
    if whole_seconds == 1:
        return "1 second"
    if whole_seconds < 60:
        return f"{whole_seconds} seconds"
    minutes = int(seconds / 60)
    if minutes == 1:
        return "About a minute"
    if minutes < 60:
        return f"{minutes} minutes"
    hours = int(seconds / 3600 + 0.5)
    if hours == 1:
        return "About an hour"
    if hours < 48:
        return f"{hours} hours"
    if hours < 24 * 7 * 2:
        return f"{hours // 24} days"
    if hours < 24 * 30 * 2:
        return f"{hours // 24 // 7} weeks"
    if hours < 24 * 365 * 2:
        return f"{hours // 24 // 30} months"
    return f"{int(seconds / 3600) // 24 // 365} years"


def human_size(size: float, precision: int = 4) -> str:
    """``units.HumanSizeWithPrecision``: decimal units, ``precision`` significant digits (%g)."""
    unit = 0
    while size >= 1000.0 and unit < len(_DECIMAL_UNITS) - 1:
        size /= 1000.0
        unit += 1
    return f"{size:.{precision}g}{_DECIMAL_UNITS[unit]}"


_RAM_SIZE = re.compile(r"^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$")
_BINARY_MULTIPLIERS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50}


def ram_in_bytes(text: str) -> int:
    """``units.RAMInBytes``, as ``docker run --memory`` reads a size: ``256m``, ``1g``, ``512MiB``, binary units."""
    found = _RAM_SIZE.match(text)
    if found is None:
        raise ValueError(f"invalid size: '{text}'")
    try:
        number = float(found.group(1))
    except ValueError:
        raise ValueError(f"invalid size: '{text}'") from None
    return int(number * _BINARY_MULTIPLIERS[(found.group(2) or "").lower()])


_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_DURATION_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_go_duration(text: str) -> float:
    """Go's ``time.ParseDuration`` (``30m``, ``1h30m``, ``90s``), in seconds; the flags of dockerd take these."""
    if text == "0":
        return 0.0
    position, total = 0, 0.0
    while position < len(text):
        part = _DURATION_PART.match(text, position)
        if part is None:
            raise ValueError(f'time: invalid duration "{text}"')
        total += float(part.group(1)) * _DURATION_SECONDS[part.group(2)]
        position = part.end()
    if position == 0:
        raise ValueError(f'time: invalid duration "{text}"')
    return total
