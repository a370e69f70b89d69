"""Marking interface strings in code that must not know Flask.

The domain names what went wrong or what a value means with an English gettext message; `pybabel extract` finds
it through the `N_` marker, and the web layer translates it when it renders the page.
"""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 - the name gettext tools expect
    """Marks `message` for extraction and returns it unchanged: it is translated where it is shown."""
    return message
