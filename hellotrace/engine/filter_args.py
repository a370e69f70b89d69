"""How the daemon reads one filter's values (daemon/internal/filters: Args.Match, Args.GetBoolOrDefault), shared
by the listings that take the same kind of filter."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from hellotrace.protocol.errors import invalid_parameter


def match(filters: dict[str, list[str]], key: str, source: str) -> bool:
    """Args.Match: no value, an exact value, or a value taken as a regular expression found in the source."""
    values = filters.get(key)
    if not values or source in values:
        return True
    for pattern in values:
        try:
            if re.search(pattern, source):
                return True
        except re.error:
            continue  # Go skips a value that does not compile
    return False


def bool_filter(key: str, values: list[str]) -> bool:
    """Args.GetBoolOrDefault: true or false, said one way only; `invalid filter` (400) otherwise."""
    if not values:
        raise invalid_parameter(f"invalid filter '{key}'")
    is_false = "0" in values or "false" in values
    is_true = "1" in values or "true" in values
    if is_false == is_true:
        raise invalid_parameter(f"invalid filter '{key}=[{' '.join(values)}]'")
    return is_true


def match_labels(wanted: list[str], labels: dict[str, str]) -> bool:
    """Args.MatchKVList: every `key` or `key=value` wanted is among the labels."""
    for item in wanted:
        key, sep, value = item.partition("=")
        if key not in labels or (sep and labels[key] != value):
            return False
    return True


def unix_time(text: str | None) -> float | None:
    """A `since`/`until` as the CLI sends it, a Unix time (`1700000000.5`) or an RFC 3339 date; None when absent."""
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise invalid_parameter(f"failed to parse value as time or duration: \"{text}\"") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
