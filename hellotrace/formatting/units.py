"""go-units: the human words and sizes docker prints (``About a minute ago``, ``8.61MB``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

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


def unix_time(seconds: int, zone: tzinfo | None) -> datetime:
    """``time.Unix(seconds, 0)`` in the given zone (the CLI's local zone; UTC when None)."""
    return datetime.fromtimestamp(seconds, tz=zone or UTC)


def go_time_string(moment: datetime) -> str:
    """``time.Time.String()`` for whole seconds: ``2024-05-01 09:30:00 +0000 UTC``."""
    offset = moment.strftime("%z") or "+0000"
    name = moment.tzname() or ""
    if not name or name.startswith(("UTC+", "UTC-")):  # a zone without an abbreviation: Go repeats the offset
        name = offset
    return f"{moment:%Y-%m-%d %H:%M:%S} {offset} {name}"
