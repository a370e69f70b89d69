"""Times as the CLI prints them (the human words and sizes are in hellotrace.protocol.units)."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo


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
