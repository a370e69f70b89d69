"""go-units: the human words and sizes Docker prints, the daemon (``Exited (0) 5 seconds ago``) and the
CLI alike (``About a minute ago``, ``8.61MB``)."""

from __future__ import annotations

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
