"""The gettext catalogues: every interface string translated, nothing left to review, placeholders kept, and
no catalogue that says more or less than the code and templates."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from markupsafe import escape

from tests.conftest import site_app
from tests.interface_text import TRANSLATIONS, catalogue, translated

ROOT = Path(__file__).resolve().parent.parent
LANGS = sorted(folder.name for folder in TRANSLATIONS.iterdir() if (folder / "LC_MESSAGES").is_dir())
LAB_INTRO = (
    "Edit a config.json, set environment variables, type a docker command line: see which value each setting takes "
    "for docker CLI 28, which layer won (option > environment > config.json > default) and why. Everything is "
    "recomputed as you type."
)
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?([sdfr%])")


def placeholders(text: str) -> list[tuple[str, str]]:
    return sorted((name or "", kind) for name, kind in PLACEHOLDER.findall(text) if kind != "%")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """What `make i18n` extracts from the code and templates today."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run([Path(sys.executable).parent / "pybabel", "-q", "extract", "-F", "babel.cfg", "-k", "N_",
                    "-k", "gettext_in:2", "--no-location", "-o", str(pot), "."], cwd=ROOT, check=True)
    with open(pot, "rb") as source:
        return read_po(source)


def test_french_exists():
    assert "fr" in LANGS


@pytest.mark.parametrize("lang", LANGS)
def test_every_message_is_translated_and_reviewed(lang):
    for message in catalogue(lang):
        if message.id:
            assert message.string, f"{lang}: no translation of {message.id!r}"
            assert not message.fuzzy, f"{lang}: {message.id!r} is marked fuzzy (to review)"


@pytest.mark.parametrize("lang", LANGS)
def test_placeholders_are_the_same_in_both_languages(lang):
    for message in catalogue(lang):
        if message.id:
            # A plural entry has one English text per form, and a text per form of the language.
            english = message.id if isinstance(message.id, tuple) else (message.id,)
            forms = message.string if isinstance(message.string, tuple) else (message.string,)
            for form in forms:
                assert placeholders(form) == placeholders(english[-1]), message.id
            assert ("python-format" in message.flags) == ("%" in english[0]), message.id
            assert not list(message.check(catalogue(lang))), message.id


def test_counted_words_take_the_form_their_number_needs(mock_engine):
    """French counts 0 and 1 in the singular, English only 1."""
    from hellotrace.web.i18n import ngettext

    app = site_app(mock_engine)
    said = {}
    for lang in ("en", "fr"):
        with app.test_request_context(f"/{lang}/"):
            app.preprocess_request()
            said[lang] = [ngettext("%(count)s request · %(client)s · %(time)s",
                                   "%(count)s requests · %(client)s · %(time)s", n, count=n, client="curl",
                                   time="10:00") for n in (0, 1, 2)]
    assert said["en"] == [f"{n} {word} · curl · 10:00" for n, word in ((0, "requests"), (1, "request"),
                                                                         (2, "requests"))]
    assert said["fr"] == [f"{n}\u00a0{word} · curl · 10:00" for n, word in ((0, "requête"), (1, "requête"),
                                                                             (2, "requêtes"))]


@pytest.mark.parametrize("lang", ["en", *LANGS])
def test_a_translation_is_text_not_markup(client, lang):
    """A < in a message (the lab's "option > environment") is escaped like any value: no catalogue entry can
    inject markup, in an element or in an attribute."""
    html = client.get(f"/{lang}/lab/config").get_data(as_text=True)
    intro = translated(LAB_INTRO, lang)
    assert ">" in intro and str(escape(intro)) in html and intro not in html


@pytest.mark.parametrize("lang", LANGS)
def test_the_catalogue_holds_exactly_what_the_code_says(template, lang):
    """Run `make i18n` after changing interface strings: this fails until the catalogue follows."""
    extracted = {message.id for message in template if message.id}
    translated = {message.id for message in catalogue(lang) if message.id}
    assert not extracted - translated, f"not in the {lang} catalogue: {sorted(extracted - translated)[:5]}"
    assert not translated - extracted, f"no longer in the code: {sorted(translated - extracted)[:5]}"


@pytest.mark.parametrize("lang", LANGS)
def test_the_compiled_catalogue_is_up_to_date(lang):
    """`make run` and `make test` compile it; a stale one would show yesterday's French."""
    po = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
    mo = po.with_suffix(".mo")
    assert mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime, f"run `make test` to compile {mo.name}"


def test_a_site_started_without_make_compiles_a_missing_catalogue(tmp_path, mock_engine):
    translations = tmp_path / "translations"
    shutil.copytree(TRANSLATIONS / "fr", translations / "fr", ignore=shutil.ignore_patterns("*.mo"))
    client = site_app(mock_engine, TRANSLATIONS_FOLDER=str(translations)).test_client()
    assert (translations / "fr" / "LC_MESSAGES" / "messages.mo").exists()
    assert "Leçons" in client.get("/fr/lessons/").get_data(as_text=True)


def test_a_catalogue_that_cannot_be_compiled_in_place_is_said_and_the_older_one_used(tmp_path, mock_engine,
                                                                                     capsys):
    """A service's installation may be read-only to the site (systemd's ProtectSystem=strict), and updated without
    compiling: the site must start all the same, with the catalogue it has, and say what to run."""
    translations = tmp_path / "translations"
    shutil.copytree(TRANSLATIONS / "fr", translations / "fr")
    folder = translations / "fr" / "LC_MESSAGES"
    (folder / "messages.po").touch()  # newer than its .mo, as after an update
    (folder / f"messages.mo.{os.getpid()}").mkdir()  # where the compiled catalogue would be written: refused
    app = site_app(mock_engine, TRANSLATIONS_FOLDER=str(translations))
    assert "Leçons" in app.test_client().get("/fr/lessons/").get_data(as_text=True)
    assert (folder / f"messages.mo.{os.getpid()}").is_dir()
    said = capsys.readouterr().err
    assert "cannot compile" in said and "the older one is used" in said and "make translations/fr/" in said


def test_a_third_language_needs_a_lessons_folder_and_a_catalogue_only(tmp_path, mock_engine):
    lessons, translations = tmp_path / "lessons", tmp_path / "translations"
    for lang in ("en", "fr", "de"):
        shutil.copytree(ROOT / "lessons" / ("fr" if lang == "fr" else "en"), lessons / lang)
    shutil.copytree(TRANSLATIONS / "fr", translations / "fr")
    german = Catalog(locale="de")
    german.add("Lessons", "Lektionen")
    (translations / "de" / "LC_MESSAGES").mkdir(parents=True)
    for name, write in (("messages.po", write_po), ("messages.mo", write_mo)):
        with open(translations / "de" / "LC_MESSAGES" / name, "wb") as target:
            write(target, german)
    client = site_app(mock_engine, LESSONS_FOLDER=str(lessons), TRANSLATIONS_FOLDER=str(translations)).test_client()
    page = client.get("/de/lessons/")
    assert page.status_code == 200 and "Lektionen" in page.get_data(as_text=True)
    assert '<html lang="de">' in page.get_data(as_text=True)
    home = client.get("/fr/").get_data(as_text=True)
    assert 'hreflang="de" lang="de"' in home and ">Deutsch</a>" in home and ">English</a>" in home
    assert client.get("/", headers={"Accept-Language": "de-AT, de;q=0.9, fr;q=0.8"}).location == "/de/"
    assert client.get("/it/").status_code == 404


def _language_link(html: str, other: str) -> str:
    return re.search(rf'hreflang="{other}" lang="{other}"\s+href="([^"]*)"', html).group(1)


@pytest.mark.parametrize(("lang", "other"), [("fr", "en"), ("en", "fr")])
def test_the_language_link_of_a_refused_form_leads_to_the_page_it_came_from(client, lang, other):
    """The answer to a POST (an unknown step here) has an address one cannot open: its language link goes to the
    page the form was on, or else home, never to the POST's own address (405)."""
    for referrer, expected in ((f"http://localhost/{lang}/replay?sequence=cli", f"/{other}/replay"),
                               (None, f"/{other}/"),
                               (f"http://elsewhere.example/{lang}/replay", f"/{other}/")):
        headers = {"Referer": referrer} if referrer else {}
        answer = client.post(f"/{lang}/replay/run", data={"step": "9"}, headers=headers)
        assert answer.status_code == 400
        link = _language_link(answer.get_data(as_text=True), other)
        assert link == expected, referrer
        assert client.get(link).status_code == 200
    page = client.get(f"/{lang}/lessons/daemon-sockets?x=1").get_data(as_text=True)
    assert _language_link(page, other) == f"/{other}/lessons/daemon-sockets?x=1"  # a page one opens: itself
