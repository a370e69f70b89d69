"""The reader's language: the languages the site speaks, the one each request gets, and Flask-Babel's set-up.

Interface strings are gettext messages: English in the code and templates, other languages in
`translations/<lang>/LC_MESSAGES/messages.po`. A language exists when it has both a lessons folder and a catalogue,
so adding one needs no code.

Templates and code call the same `_`: like Jinja's "newstyle" gettext it always fills `%(name)s` placeholders (a
literal percent sign is written `%%`), but it returns plain text, so autoescaping escapes a translation like any
other value and no catalogue entry can turn into markup.
"""

from __future__ import annotations

import contextlib
import functools
import os
from pathlib import Path
from urllib.parse import urlsplit

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations
from flask import Flask, current_app, g, has_app_context, has_request_context, request, url_for
from flask.globals import _cv_app, _cv_request
from flask_babel import Babel, force_locale, get_translations
from werkzeug.datastructures import LanguageAccept

SOURCE_LANGUAGE = "en"


def discover_languages(lessons_root: Path, translations_root: Path) -> tuple[str, ...]:
    """English (the source language), plus every language that has its lessons and its catalogue."""
    found = {SOURCE_LANGUAGE}
    for folder in Path(lessons_root).iterdir():
        if folder.is_dir() and (translations_root / folder.name / "LC_MESSAGES" / "messages.po").is_file():
            found.add(folder.name)
    return tuple(sorted(found))


def languages() -> tuple[str, ...]:
    """The languages of the running site."""
    return current_app.config["LANGUAGES"]


def pick_language(accepted: LanguageAccept, offered: tuple[str, ...]) -> str:
    """The reader's preferred language among those offered (quality values honoured), English otherwise."""
    return accepted.best_match(offered, default=SOURCE_LANGUAGE) or SOURCE_LANGUAGE


def current_language() -> str:
    """The language of the URL, or else the one the browser prefers."""
    if not has_request_context():
        return SOURCE_LANGUAGE
    return getattr(g, "lang", None) or pick_language(request.accept_languages, languages())


def language_switch_url(other: str) -> str:
    """This page in language `other`, for the header's link. A page one opens (GET) is the same address in the other
    language. The answer to a form (a POST refused: an expired token, an unknown step) has an address one cannot
    open, which would answer the link with 405: the link goes to the page the form was on (its Referer, on this
    site and under this language), else to the home page."""
    if request.method in ("GET", "HEAD"):
        return url_for(request.endpoint or "site.home",
                       **dict(request.args.to_dict(), **dict(request.view_args or {}, lang=other)))
    referrer = urlsplit(request.referrer or "")
    here = f"{request.script_root}/{current_language()}"
    if referrer.netloc == request.host and (referrer.path == here or referrer.path.startswith(here + "/")):
        return f"{request.script_root}/{other}{referrer.path[len(here):]}"
    return url_for("site.home", lang=other)


@functools.lru_cache(maxsize=16)  # Babel's lookup is a tenth of a millisecond, and every page names both languages
def language_name(lang: str) -> str:
    """A language's name as its readers write it ("Français", "English"), from Babel's locale data."""
    name = Locale.parse(lang).get_display_name(lang) or lang
    return name[:1].upper() + name[1:]


_CATALOGUES = "hellotrace.catalogues"
_NO_CATALOGUE = NullTranslations()


def catalogue(lang: str) -> NullTranslations:
    """The messages of `lang`, loaded by Flask-Babel once per process. A page calls `_` hundreds of times:
    Flask-Babel's own lookup (its context on `g`, the locale, a cache keyed by the locale's name) costs about
    five times this dictionary's, and was a tenth of the site's work in a crowd of students."""
    if not has_app_context():
        return _NO_CATALOGUE
    loaded = current_app.extensions.setdefault(_CATALOGUES, {})
    found = loaded.get(lang)
    if found is None:
        with force_locale(lang):
            found = loaded[lang] = get_translations()
    return found


def _translations() -> NullTranslations:
    """The catalogue of the request's language. A page calls `_` hundreds of times and the language is in `g` once
    the URL was read: that case reads Flask's context variables directly, where `g`, `current_app` and their
    checks cost a microsecond and a half per call through their proxies (a fortieth of a student's work in a crowd).
    Any other case (no request, a language taken from Accept-Language, a catalogue not loaded yet) goes the long
    way, with the same answer."""
    app_context = _cv_app.get(None)
    if app_context is not None and _cv_request.get(None) is not None:
        lang = getattr(app_context.g, "lang", None)
        if lang is not None:
            found = app_context.app.extensions.get(_CATALOGUES, {}).get(lang)
            if found is not None:
                return found
    return catalogue(current_language())


def _(message: str, /, **params: object) -> str:
    """`message` in the reader's language, its placeholders filled."""
    return _translations().ugettext(message) % params


def ngettext(singular: str, plural: str, count: int, /, **params: object) -> str:
    """The form of `singular`/`plural` that `count` takes in the reader's language (French says "1 requête" and
    "0 requête", English "0 requests")."""
    return _translations().ungettext(singular, plural, count) % params


def pgettext(context: str, message: str, /, **params: object) -> str:
    """`message` as said in `context`, for an English text that other languages say differently in two places."""
    return _translations().upgettext(context, message) % params


def gettext_in(lang: str, message: str, /, **params: object) -> str:
    """`message` in `lang` whatever the current request speaks (needs an application context)."""
    return catalogue(lang).ugettext(message) % params


def compile_catalogues(translations_root: Path) -> list[str]:
    """Compile each catalogue whose .mo is missing or older than its .po. `make run` and `make test` do it first;
    this covers a site started any other way (`flask run`, waitress-serve, gunicorn) in a fresh clone. A folder
    the site may not write (a service's read-only installation, updated without compiling) is not a reason to stop:
    what could not be compiled is returned, said, and the catalogue already there (if any) is used."""
    problems = []
    for source in translations_root.glob("*/LC_MESSAGES/messages.po"):
        compiled = source.with_suffix(".mo")
        if compiled.exists() and compiled.stat().st_mtime >= source.stat().st_mtime:
            continue
        with source.open("rb") as po:
            catalog = read_po(po)
        # Written beside, then renamed: two processes starting at once never read half a file.
        partial = compiled.with_name(f"{compiled.name}.{os.getpid()}")
        try:
            with partial.open("wb") as mo:
                write_mo(mo, catalog)
            partial.replace(compiled)
        except OSError as exc:
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)
            problems.append(f"cannot compile {source} into {compiled.name} ({exc.strerror}): "
                            f"{'the older one is used' if compiled.exists() else 'that language shows English'}; "
                            f"run `make {compiled.relative_to(translations_root.parent)}` as the folder's owner")
    return problems


def install_babel(app: Flask, lessons_root: Path) -> None:
    """Flask-Babel with the catalogues under `translations/`, the language chosen per request."""
    translations = Path(app.config.get("TRANSLATIONS_FOLDER") or Path(app.root_path) / "translations")
    for problem in compile_catalogues(translations):
        app.logger.warning("translations: %s", problem)
    app.config["LANGUAGES"] = discover_languages(lessons_root, translations)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(translations)
    Babel(app, default_locale=SOURCE_LANGUAGE, locale_selector=current_language)
    app.jinja_env.globals.update(_=_, gettext=_, ngettext=ngettext, pgettext=pgettext, language_name=language_name,
                                 language_switch_url=language_switch_url)
