"""Interface strings as a page shows them, read from the catalogues the site uses."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


@cache
def catalogue(lang: str) -> Catalog:
    """The `.po` catalogue of one language (English is the source: it has none)."""
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as source:
        return read_po(source, locale=lang)


def translated(message: str, lang: str, /, **params: object) -> str:
    """`message` in `lang`, its placeholders filled when values are given."""
    text = message if lang == "en" else catalogue(lang)[message].string
    assert text, f"no {lang} translation of {message!r}"
    return text % params if params else text
