"""`GET /images/json` filters, read and applied as the containerd image service does
(daemon/containerd/image_list.go: acceptedImageFilterTags, setupFilters, setupLabelFilter)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from fnmatch import fnmatchcase

from hellotrace.engine.filter_args import bool_filter
from hellotrace.engine.sandbox import StoredImage
from hellotrace.protocol.errors import invalid_parameter
from hellotrace.protocol.units import parse_go_duration

ACCEPTED = frozenset({"dangling", "label", "label!", "before", "since", "reference", "until"})

ImageTest = Callable[[StoredImage], bool]


def image_filter(sandbox, filters: dict[str, list[str]]) -> ImageTest:
    """Check every filter before listing: an unknown key, a `before`/`since` image that is not there (404) or an
    `until` that is no time is the daemon's error."""
    for key in filters:
        if key not in ACCEPTED:
            raise invalid_parameter(f"invalid filter '{key}'")
    tests: list[ImageTest] = []
    for value in filters.get("before", []):
        tests.append(_created_test(sandbox.find_image(value), lambda mine, theirs: mine < theirs))
    for value in filters.get("since", []):
        tests.append(_created_test(sandbox.find_image(value), lambda mine, theirs: mine > theirs))
    for value in filters.get("until", []):
        until = _until(value)
        # The image record's own creation (here: when it was pulled), not the image config's date.
        tests.append(lambda stored, until=until: stored.pulled_at < until)
    checks = _label_checks(filters)
    if checks:
        tests.append(lambda stored: _labels_pass(checks, dict(stored.image.config.labels)))
    if "dangling" in filters:
        dangling = bool_filter("dangling", filters["dangling"])
        tests.append(lambda stored: dangling == (not stored.tags))
    references = filters.get("reference", [])
    if references:
        tests.append(lambda stored: any(_matches_reference(tag, pattern)
                                        for tag in stored.tags for pattern in references))
    return lambda stored: all(test(stored) for test in tests)


def _created(stored: StoredImage) -> datetime:
    return datetime.fromisoformat(stored.image.created)


def _created_test(reference: StoredImage, compare: Callable[[datetime, datetime], bool]) -> ImageTest:
    return lambda stored: compare(_created(stored), _created(reference))


def _until(value: str) -> float:
    """timestamp.Parse: a Go duration before now, an RFC 3339 date, or Unix seconds; as a Unix time."""
    if value.strip() and value != "0":
        try:
            return datetime.now(UTC).timestamp() - parse_go_duration(value)
        except ValueError:
            pass
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
    except ValueError:
        pass
    seconds, _, nanos = value.partition(".")
    if "-" in value:
        # Go gives its date parser's own error here; the mock words it more simply.
        raise invalid_parameter(f"invalid value for 'until' filter: parsing time \"{value}\": cannot parse")
    if not value.strip():
        reason = "value is empty"
    elif re.fullmatch(r"\+?[0-9]+", seconds) and re.fullmatch(r"[0-9]*", nanos):
        return float(f"{int(seconds)}.{nanos or 0}")
    else:
        reason = f'invalid seconds "{seconds}": invalid syntax'
    raise invalid_parameter(f"invalid value for 'until' filter: failed to parse value as time or duration: "
                            f"{reason}")


def _label_checks(filters: dict[str, list[str]]) -> list[tuple[str, str | None, bool]]:
    """(key, value or None when only its presence counts, negated) for `label` and `label!`, where `key!=value`
    flips the sense as well."""
    checks = []
    for name in ("label", "label!"):
        for item in filters.get(name, []):
            key, sep, value = item.partition("=")
            negate = name == "label!"
            if key.endswith("!"):
                key, negate = key[:-1], not negate
            checks.append((key, value if sep else None, negate))
    return checks


def _labels_pass(checks: list[tuple[str, str | None, bool]], labels: dict[str, str]) -> bool:
    for key, value, negate in checks:
        if value is None:
            if (key in labels) == negate:
                return False
        elif key not in labels:
            if not negate:
                return False
        elif (labels[key] == value) == negate:
            return False
    return True


def _matches_reference(tag: str, pattern: str) -> bool:
    name = tag.rsplit(":", 1)[0]
    return fnmatchcase(tag, pattern) or fnmatchcase(name, pattern)
