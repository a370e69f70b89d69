"""The glossary: every term the lessons use, defined once per language, and linked from its first use in
each lesson.

A language's glossary lives in `lessons/<lang>/course/glossary.yaml`, a list of entries with the same ids
in every language. Each entry says which words of the prose (`words`) or which whole inline code spans
(`code`) stand for it. Linking works on the rendered HTML of a lesson: the first use of each term outside
headings, code blocks and existing links becomes a link to the glossary page, so an author never has to
remember to link a term, and a term defined later in the glossary is linked everywhere it is used.
"""

from __future__ import annotations

import html as html_lib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import markdown
import yaml

TERM_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_ENTRY_KEYS = {"id", "term", "definition", "words", "code"}
_TOKEN = re.compile(r"(<!--.*?-->|<[^>]+>)", re.S)
_TAG_NAME = re.compile(r"^</?([a-zA-Z0-9]+)")
# Elements whose text is never linked: code blocks, links, headings (the table of contents repeats them).
_SKIPPED = {"pre", "a", "h1", "h2", "h3", "h4", "h5", "h6"}


class GlossaryError(ValueError):
    """A glossary file that cannot be used, with the file and the entry at fault."""


@dataclass(frozen=True)
class Term:
    id: str
    term: str
    definition_html: str  # the definition, rendered from inline Markdown
    words: tuple[str, ...]  # prose words that stand for the term, as written (case matters)
    code: tuple[str, ...]  # inline code spans that stand for the term, whole

    @property
    def anchor(self) -> str:
        return f"term-{self.id}"


@dataclass(frozen=True)
class Glossary:
    lang: str
    terms: tuple[Term, ...]  # in alphabetical order for the page's language

    def get(self, term_id: str) -> Term | None:
        return next((term for term in self.terms if term.id == term_id), None)


def sort_key(text: str) -> str:
    """Alphabetical order as a reader expects it: accents and case do not count (é sorts with e)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char)).lstrip("_-./")


def load_glossary(path: Path, lang: str) -> Glossary:
    """Read and check one language's glossary file."""
    try:
        items = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise GlossaryError(f"{path}: invalid YAML: {exc}") from None
    if not isinstance(items, list) or not items:
        raise GlossaryError(f"{path}: a list of entries is expected")
    terms, seen = [], set()
    for index, item in enumerate(items):
        where = f"{path}: entry {index + 1}"
        if not isinstance(item, Mapping) or not {"id", "term", "definition"} <= set(item) <= _ENTRY_KEYS:
            raise GlossaryError(f"{where}: id, term and definition are required; words and code are optional")
        term_id = item["id"]
        if not isinstance(term_id, str) or not TERM_ID.match(term_id) or term_id in seen:
            raise GlossaryError(f"{where}: id {term_id!r} must be a unique lowercase slug")
        seen.add(term_id)
        lists = {}
        for name in ("words", "code"):
            value = item.get(name, [])
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                raise GlossaryError(f"{where} ({term_id}): {name} must be a list of non-empty strings")
            lists[name] = tuple(value)
        if not lists["words"] and not lists["code"]:
            raise GlossaryError(f"{where} ({term_id}): give words or code, or the term can never be linked")
        for name in ("term", "definition"):
            if not isinstance(item[name], str) or not item[name].strip():
                raise GlossaryError(f"{where} ({term_id}): {name} is missing or empty")
        definition = markdown.markdown(item["definition"].strip(), output_format="html")
        terms.append(Term(term_id, item["term"].strip(), definition, lists["words"], lists["code"]))
    terms.sort(key=lambda term: sort_key(term.term))
    return Glossary(lang, tuple(terms))


def link_terms(html: str, glossary: Glossary, href: str) -> tuple[str, tuple[str, ...]]:
    """The HTML with the first use of each term turned into a link to `href#term-<id>`, and the ids linked,
    in the order they first appear. `href` is the glossary page of the lesson's language."""
    # A word also stands for its term at the start of a sentence (capitalised); otherwise case matters, so
    # that "REST" is not found in "the rest".
    word_terms = [(variant, term) for term in glossary.terms for word in term.words
                  for variant in dict.fromkeys((word, word[:1].upper() + word[1:]))]
    # Longest first, so that "Unix socket" wins over "socket".
    word_terms.sort(key=lambda pair: -len(pair[0]))
    by_word = {word: term for word, term in word_terms}
    pattern = re.compile(r"(?<![\w/.-])(" + "|".join(re.escape(word) for word, _ in word_terms) + r")(?![\w-])") \
        if word_terms else None
    by_code = {code: term for term in glossary.terms for code in term.code}
    linked: list[str] = []
    skipped = 0  # depth inside elements whose text is never linked
    out: list[str] = []
    tokens = _TOKEN.split(html)
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if index % 2:  # a tag or a comment
            name_match = _TAG_NAME.match(token)
            name = name_match.group(1).lower() if name_match else ""
            if name == "code" and not token.startswith("</") and not skipped and index + 2 < len(tokens):
                text, closing = tokens[index + 1], tokens[index + 2]
                term = by_code.get(html_lib.unescape(text))
                if closing == "</code>" and term is not None and term.id not in linked:
                    linked.append(term.id)
                    out.append(f'<a class="term" href="{href}#{term.anchor}">{token}{text}{closing}</a>')
                    index += 3
                    continue
            if name == "code" and not token.startswith("</"):
                skipped += 1  # inline code that is not a term: never link words inside it
            elif name == "code" or name in _SKIPPED:
                skipped += -1 if token.startswith("</") else 1
            out.append(token)
        elif skipped or pattern is None:
            out.append(token)
        else:
            out.append(_link_words(token, pattern, by_word, linked, href))
        index += 1
    return "".join(out), tuple(linked)


def _link_words(text: str, pattern: re.Pattern[str], by_word: Mapping[str, Term], linked: list[str],
                href: str) -> str:
    def replace(match: re.Match[str]) -> str:
        term = by_word[match.group(1)]
        if term.id in linked:
            return match.group(0)
        linked.append(term.id)
        return f'<a class="term" href="{href}#{term.anchor}">{match.group(0)}</a>'

    return pattern.sub(replace, text)

