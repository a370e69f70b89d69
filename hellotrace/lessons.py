"""The lessons: Markdown files with YAML front matter, checked, rendered once and re-rendered when edited.

A lesson lives in `lessons/<lang>/NN-slug.md` (format in `lessons/README.md`). Loading validates the front
matter and names the file and the field when something is wrong, because a lesson with a broken quiz is a
defect a reader would only find by failing to answer. Rendering uses Python-Markdown with pygments classes
(no inline styles, so the light and dark stylesheets apply) and records every warning, so that a test can
require a clean render. The page adds two things of its own next to runnable `sh` blocks: right after a
block that talks to the lessons' socket, the same command for the reader's own daemon; after a block that
holds a single self-contained request (`curl`, or `docker pull`), and after its output, a "Try it" form. So
the rendered page comes as parts: strings of HTML with those slots in between.
"""

from __future__ import annotations

import logging
import math
import os
import re
import threading
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import frontmatter
import markdown
import yaml
from markdown.extensions.fenced_code import FencedBlockPreprocessor
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from hellotrace.course import COURSE_PAGES, CoursePage, load_course_page
from hellotrace.curl_request import LESSON_SOCKET, CurlRefused, CurlRequest, parse_command
from hellotrace.glossary import Glossary, GlossaryError, link_terms, load_glossary
from hellotrace.lesson_figures import FIGURE_PARAGRAPH, figure
from hellotrace.whole_numbers import whole_number

LESSON_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LESSON_FILE = re.compile(r"^(?P<number>\d{2})-(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)\.md$")
QUESTION_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
REPLAY_STEPS = (1, 2, 3, 4)
# The replay's sequences a lesson's link may choose (hellotrace.replay.SEQUENCES); none keeps the reader's own.
REPLAY_SEQUENCES = ("recipe", "cli")
# Technical prose with code reads slower than a novel; 180 words a minute gives honest estimates.
WORDS_PER_MINUTE = 180
MAX_TEXT_ANSWER = 200
# Ids the lesson page uses for its own elements; a heading must not take them.
RESERVED_ID_PREFIXES = ("quiz", "try-", "sandbox-", "toc", "lesson-", "content")
_FRONT_MATTER_KEYS = {"title", "order", "slug", "summary", "replay_step", "replay_sequence", "objectives",
                      "prerequisites", "duration", "quiz"}
_DURATION_KEYS = {"reading", "exercises"}
_QUESTION_KEYS = {"choice": {"id", "question", "kind", "choices", "answer", "hint", "explanation"},
                  "text": {"id", "question", "kind", "accept", "hint", "explanation"}}
_MARKER = "<!--hellotrace-{kind}-{number}-->"
_MARKER_RE = re.compile(r"<!--hellotrace-(sandbox|try|figure)-([a-z0-9-]+)-->")
_EXTENSIONS = ["fenced_code", "codehilite", "toc", "attr_list", "admonition", "tables"]


class LessonError(ValueError):
    """A lesson file that cannot be used, with the file and the field at fault."""

    def __init__(self, path: Path, field_name: str, problem: str) -> None:
        super().__init__(f"{path}: {field_name}: {problem}")
        self.path = path
        self.field_name = field_name
        self.problem = problem


class QuizError(ValueError):
    """An answer that cannot be checked; `reason` is one of unknown_question, missing, invalid, too_long."""

    def __init__(self, reason: str, question_id: str = "") -> None:
        super().__init__(f"{reason}: {question_id}" if question_id else reason)
        self.reason = reason
        self.question_id = question_id


@dataclass(frozen=True)
class Question:
    id: str
    kind: str  # "choice" or "text"
    question: str
    explanation: str
    hint: str = ""  # shown after a first wrong answer, before the explanation
    choices: tuple[str, ...] = ()
    answer: int | None = None  # the right choice's index, for "choice"
    accept: tuple[str, ...] = ()  # the accepted answers, for "text"

    def is_correct(self, given: str) -> bool:
        """`given` is a choice's index for "choice", free text for "text" (surrounding and repeated spaces
        ignored, not case: the answers are paths, methods and names, which Docker and HTTP tell apart by case)."""
        if self.kind == "choice":
            return whole_number(given.strip(), 3) == self.answer
        wanted = {normalize_answer(item) for item in self.accept}
        return normalize_answer(given) in wanted


@dataclass(frozen=True)
class CodeBlock:
    """A fenced block as written in the file; `number` counts every fenced block of the lesson from 1."""

    number: int
    lang: str
    code: str
    line: int
    request: CurlRequest | None = None  # set when the block is one request a page can send

    @property
    def runnable(self) -> bool:
        return self.lang == "sh"

    @property
    def uses_lesson_socket(self) -> bool:
        """A runnable block whose curl goes to the lessons' socket: the page offers it for the reader's daemon."""
        return self.runnable and LESSON_SOCKET in self.code

    @property
    def anchor(self) -> str:
        return f"try-{self.number}"


@dataclass(frozen=True)
class BlockSlot:
    """A place where the page adds something of its own next to a block: `kind` is "sandbox" (the command
    for the reader's own daemon, right after the block) or "try" (the Try-it form, after the block's output)."""

    kind: str
    block: CodeBlock


@dataclass(frozen=True)
class FigureSlot:
    """A place where the page draws one of the lessons' figures (`[[figure NAME]]` in the lesson)."""

    name: str


@dataclass(frozen=True)
class TocEntry:
    id: str
    html: str  # the heading's inline HTML (it may hold <code>)
    level: int
    children: tuple[TocEntry, ...] = ()


@dataclass(frozen=True)
class Duration:
    """How long a lesson takes a learner, in minutes: reading it, then running its examples and its quiz."""

    reading: int
    exercises: int

    @property
    def total(self) -> int:
        return self.reading + self.exercises


@dataclass(frozen=True)
class Lesson:
    lang: str
    slug: str
    order: int
    title: str
    summary: str
    replay_step: int | None
    quiz: tuple[Question, ...]
    path: Path
    parts: tuple[str | BlockSlot | FigureSlot, ...]  # HTML, with the page's own additions where they go
    toc: tuple[TocEntry, ...]
    code_blocks: tuple[CodeBlock, ...]
    reading_minutes: int
    objectives: tuple[str, ...]
    prerequisites: tuple[str, ...]  # slugs of earlier lessons
    duration: Duration
    terms: tuple[str, ...] = ()  # glossary ids linked from the page, in order of first use
    warnings: tuple[str, ...] = field(default=())
    # The sequence its replay link opens: a lesson on what the CLI sends shows the CLI's, not the reader's.
    replay_sequence: str | None = None

    @property
    def html(self) -> str:
        return "".join(part for part in self.parts if isinstance(part, str))

    @property
    def figures(self) -> tuple[str, ...]:
        return tuple(part.name for part in self.parts if isinstance(part, FigureSlot))

    @property
    def heading_count(self) -> int:
        def count(entries: Sequence[TocEntry]) -> int:
            return sum(1 + count(entry.children) for entry in entries)

        return count(self.toc)

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.quiz if q.id == question_id), None)

    def block(self, number: int) -> CodeBlock | None:
        return next((b for b in self.code_blocks if b.number == number), None)


def normalize_answer(text: str) -> str:
    """How short answers are compared: trimmed, inner spaces collapsed."""
    return " ".join(text.split())


def check_answer(lesson: Lesson, question_id: str, answer: str | None) -> tuple[bool, str]:
    """(correct, explanation) for one answer; QuizError when the question or the answer makes no sense."""
    question = lesson.question(question_id)
    if question is None:
        raise QuizError("unknown_question", question_id)
    if answer is None or not answer.strip():
        raise QuizError("missing", question_id)
    if question.kind == "choice":
        given = whole_number(answer.strip(), 3)
        if given is None or given >= len(question.choices):
            raise QuizError("invalid", question_id)
    elif len(answer) > MAX_TEXT_ANSWER:
        raise QuizError("too_long", question_id)
    return question.is_correct(answer), question.explanation


# --- loading ----------------------------------------------------------------------------------------------


def load_lesson(path: Path, lang: str, *, permalink_title: str = "", glossary: Glossary | None = None) -> Lesson:
    """Read, validate and render one lesson file; with a glossary, link the first use of each of its terms."""
    match = LESSON_FILE.match(path.name)
    if match is None:
        raise LessonError(path, "file name", "expected NN-slug.md (two digits, a dash, a lowercase ASCII slug)")
    raw = path.read_text(encoding="utf-8")
    try:
        post = frontmatter.loads(raw)
    except yaml.YAMLError as exc:
        raise LessonError(path, "front matter", f"invalid YAML: {exc}") from None
    meta = dict(post.metadata)
    _check_front_matter(path, meta, int(match["number"]), match["slug"])
    quiz = tuple(_question(path, index, item) for index, item in enumerate(meta["quiz"]))
    body = post.content
    start = raw.find(body)
    line_offset = raw[:start].count("\n") if start >= 0 else 0
    blocks = _code_blocks(body, line_offset)
    html, toc_tokens, problems = _render(body, blocks, permalink_title)
    problems += _lint(body, html, lang, blocks, toc_tokens, line_offset)
    html = FIGURE_PARAGRAPH.sub(lambda m: _MARKER.format(kind="figure", number=m.group(1)), html)
    problems += [f"no figure named {name!r}" for name in re.findall(r"<!--hellotrace-figure-([a-z0-9-]+)-->", html)
                 if figure(name) is None]
    terms: tuple[str, ...] = ()
    if glossary is not None:
        html, terms = link_terms(html, glossary, glossary_path(lang))
    toc = tuple(_toc_entry(token) for token in toc_tokens)
    return Lesson(
        lang=lang, slug=meta["slug"], order=meta["order"], title=meta["title"].strip(),
        summary=meta["summary"].strip(), replay_step=meta.get("replay_step"), quiz=quiz, path=path,
        parts=_split_parts(html, blocks), toc=toc, code_blocks=blocks, reading_minutes=_reading_minutes(body),
        objectives=tuple(item.strip() for item in meta["objectives"]), prerequisites=tuple(meta["prerequisites"]),
        duration=Duration(meta["duration"]["reading"], meta["duration"]["exercises"]), terms=terms,
        warnings=tuple(f"{path}: {problem}" for problem in problems), replay_sequence=meta.get("replay_sequence"),
    )


def glossary_path(lang: str) -> str:
    """The glossary page of a language, as lessons link to it (like their links to other lessons)."""
    return f"/{lang}/glossary"


def _check_front_matter(path: Path, meta: dict, number: int, file_slug: str) -> None:
    unknown = sorted(set(meta) - _FRONT_MATTER_KEYS)
    if unknown:
        raise LessonError(path, unknown[0], f"unknown field (allowed: {', '.join(sorted(_FRONT_MATTER_KEYS))})")
    for name in ("title", "summary", "slug"):
        if not isinstance(meta.get(name), str) or not meta[name].strip():
            raise LessonError(path, name, "missing or empty (a quoted string is expected)")
    if meta["slug"] != file_slug:
        raise LessonError(path, "slug", f"{meta['slug']!r} differs from the file name's {file_slug!r}")
    order = meta.get("order")
    if not isinstance(order, int) or isinstance(order, bool) or order < 1:
        raise LessonError(path, "order", "missing or not a positive whole number")
    if order != number:
        raise LessonError(path, "order", f"{order} differs from the file name's number {number:02d}")
    step = meta.get("replay_step")
    if step is not None and (isinstance(step, bool) or step not in REPLAY_STEPS):
        raise LessonError(path, "replay_step", f"{step!r} is not a replay step (1 to 4), omit it when none")
    sequence = meta.get("replay_sequence")
    if sequence is not None and (step is None or sequence not in REPLAY_SEQUENCES):
        raise LessonError(path, "replay_sequence", f"{sequence!r}: one of {', '.join(REPLAY_SEQUENCES)}, with a "
                          "replay_step; omit it to keep the reader's sequence")
    objectives = meta.get("objectives")
    if not isinstance(objectives, list) or not 2 <= len(objectives) <= 5 or \
            not all(isinstance(item, str) and item.strip() for item in objectives):
        raise LessonError(path, "objectives",
                          "a list of 2 to 5 sentences is expected (what the reader will be able to do)")
    prerequisites = meta.get("prerequisites")
    if not isinstance(prerequisites, list) or not all(isinstance(item, str) and LESSON_SLUG.match(item)
                                                      for item in prerequisites):
        raise LessonError(path, "prerequisites", "a list of lesson slugs is expected ([] when there is none)")
    if file_slug in prerequisites:
        raise LessonError(path, "prerequisites", "a lesson cannot require itself")
    duration = meta.get("duration")
    if not isinstance(duration, Mapping) or set(duration) != _DURATION_KEYS or any(
            not isinstance(duration[key], int) or isinstance(duration[key], bool) or not 0 <= duration[key] <= 120
            for key in _DURATION_KEYS) or duration["reading"] < 1:
        raise LessonError(path, "duration", "a mapping {reading: minutes, exercises: minutes} is expected "
                                            "(whole numbers, reading at least 1, each at most 120)")
    quiz = meta.get("quiz")
    if not isinstance(quiz, list) or not 2 <= len(quiz) <= 4:
        raise LessonError(path, "quiz", "a list of 2 to 4 questions is expected")


def _question(path: Path, index: int, item: object) -> Question:
    where = f"quiz[{index}]"
    if not isinstance(item, Mapping):
        raise LessonError(path, where, "each question is a mapping (id, question, kind, …)")
    kind = item.get("kind")
    if kind not in _QUESTION_KEYS:
        raise LessonError(path, f"{where}.kind", f"{kind!r}: expected 'choice' or 'text'")
    expected = _QUESTION_KEYS[kind]
    if set(item) != expected:
        wrong = sorted(set(item) ^ expected)[0]
        state = "missing" if wrong in expected else "not allowed for this kind"
        raise LessonError(path, f"{where}.{wrong}", f"{state} (a {kind} question has {', '.join(sorted(expected))})")
    question_id = item["id"]
    if not isinstance(question_id, str) or not QUESTION_ID.match(question_id):
        raise LessonError(path, f"{where}.id", f"{question_id!r}: lowercase letters, digits, - or _")
    for name in ("question", "hint", "explanation"):
        if not isinstance(item[name], str) or not item[name].strip():
            raise LessonError(path, f"{where}.{name}", "missing or empty")
    if kind == "choice":
        choices = item["choices"]
        if not isinstance(choices, list) or len(choices) < 2 or not all(isinstance(c, str) and c for c in choices):
            raise LessonError(path, f"{where}.choices", "a list of at least two non-empty strings is expected")
        answer = item["answer"]
        if not isinstance(answer, int) or isinstance(answer, bool) or not 0 <= answer < len(choices):
            raise LessonError(path, f"{where}.answer", f"{answer!r}: the index of the right choice, from 0")
        return Question(question_id, kind, item["question"].strip(), item["explanation"].strip(),
                        hint=item["hint"].strip(), choices=tuple(choices), answer=answer)
    accept = item["accept"]
    if not isinstance(accept, list) or not accept or not all(isinstance(a, str) and a.strip() for a in accept):
        raise LessonError(path, f"{where}.accept", "a list of non-empty strings is expected (quote numbers)")
    return Question(question_id, kind, item["question"].strip(), item["explanation"].strip(), hint=item["hint"].strip(),
                    accept=tuple(accept))


def _code_blocks(body: str, line_offset: int) -> tuple[CodeBlock, ...]:
    """The fenced blocks exactly as Python-Markdown's fenced_code finds them (the same expression)."""
    blocks = []
    for number, match in enumerate(FencedBlockPreprocessor.FENCED_BLOCK_RE.finditer(body), start=1):
        lang = match.group("lang") or ""
        code = match.group("code")
        line = line_offset + body.count("\n", 0, match.start()) + 1
        request = None
        if lang == "sh":
            try:
                request = parse_command(code)
            except CurlRefused:
                request = None
        blocks.append(CodeBlock(number, lang, code, line, request))
    return tuple(blocks)


class _Collector(logging.Handler):
    """Keeps the Markdown logger's warnings emitted by this thread during one render."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.messages.append(record.getMessage())


def _render(body: str, blocks: Sequence[CodeBlock], permalink_title: str) -> tuple[str, list[dict], list[str]]:
    """HTML with a marker at each of the page's slots, the table of contents, and what Markdown complained about."""
    matches = list(FencedBlockPreprocessor.FENCED_BLOCK_RE.finditer(body))
    inserts = []
    for index, (match, block) in enumerate(zip(matches, blocks, strict=True)):
        if block.uses_lesson_socket:
            inserts.append((match.end(), _MARKER.format(kind="sandbox", number=block.number)))
        if block.request is not None:
            # The form goes after the block's shown output when one follows at once: command, output, Try it.
            end = match.end()
            after = matches[index + 1] if index + 1 < len(matches) else None
            if after is not None and blocks[index + 1].lang == "text" and not body[end:after.start()].strip():
                end = after.end()
            inserts.append((end, _MARKER.format(kind="try", number=block.number)))
    marked = body
    for end, marker in reversed(inserts):
        marked = f"{marked[:end]}\n\n{marker}\n{marked[end:]}"
    md = markdown.Markdown(
        extensions=_EXTENSIONS,
        extension_configs={
            "codehilite": {"css_class": "codehilite", "guess_lang": False, "use_pygments": True,
                           "noclasses": False},
            "toc": {"permalink": True, "permalink_title": permalink_title, "toc_depth": "2-3"},
        },
        output_format="html",
    )
    collector = _Collector()
    logger = logging.getLogger("MARKDOWN")
    logger.addHandler(collector)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            html = md.convert(marked)
    finally:
        logger.removeHandler(collector)
    problems = [f"markdown: {message}" for message in collector.messages]
    problems += [f"markdown: {warning.message}" for warning in caught]
    return html, list(getattr(md, "toc_tokens", [])), problems


def _lint(body: str, html: str, lang: str, blocks: Sequence[CodeBlock], toc_tokens: Sequence[dict],
          line_offset: int) -> list[str]:
    """What renders without an error but would still be wrong on the page."""
    problems = []
    for block in blocks:
        if not block.lang:
            problems.append(f"line {block.line}: a code block without a language")
            continue
        try:
            get_lexer_by_name(block.lang)
        except ClassNotFound:
            problems.append(f"line {block.line}: no pygments lexer for the language {block.lang!r}")
    prose = FencedBlockPreprocessor.FENCED_BLOCK_RE.sub(lambda m: "\n" * m.group(0).count("\n"), body)
    for number, line in enumerate(prose.splitlines(), start=line_offset + 1):
        if line.startswith(("```", "~~~")):
            problems.append(f"line {number}: a code fence that never closes (or is not at the start of a line)")
        heading = re.match(r"^(#+)\s", line)
        if heading and len(heading.group(1)) not in (2, 3):
            problems.append(f"line {number}: only ## and ### headings (the title comes from the front matter)")
        if re.match(r"^!!!\s*\w+\s*$", line):
            problems.append(f"line {number}: an admonition without a title (its default title is English)")
    if "!!!" in _outside_code(html):
        problems.append("an admonition was not recognised (!!! left in the page)")
    for other in re.findall(r'href="/([a-z]{2})/', html):
        if other != lang:
            problems.append(f"a link to a /{other}/ page from a {lang} lesson")
    for token in _flatten(toc_tokens):
        if token["id"].startswith(RESERVED_ID_PREFIXES):
            problems.append(f"the heading id {token['id']!r} is one the page uses for itself")
    return problems


def _outside_code(html: str) -> str:
    return re.sub(r"<pre>.*?</pre>|<code>.*?</code>", "", html, flags=re.S)


def _flatten(tokens: Sequence[dict]) -> list[dict]:
    flat: list[dict] = []
    for token in tokens:
        flat.append(token)
        flat.extend(_flatten(token.get("children", [])))
    return flat


def _toc_entry(token: dict) -> TocEntry:
    return TocEntry(token["id"], token["html"], token["level"],
                    tuple(_toc_entry(child) for child in token.get("children", [])))


def _split_parts(html: str, blocks: Sequence[CodeBlock]) -> tuple[str | BlockSlot | FigureSlot, ...]:
    by_number = {block.number: block for block in blocks}
    pieces = _MARKER_RE.split(html)  # text, then (kind, number or name, text) for each marker
    parts: list[str | BlockSlot | FigureSlot] = [pieces[0]] if pieces[0].strip() else []
    for index in range(1, len(pieces), 3):
        kind, key = pieces[index], pieces[index + 1]
        parts.append(FigureSlot(key) if kind == "figure" else BlockSlot(kind, by_number[int(key)]))
        if pieces[index + 2].strip():
            parts.append(pieces[index + 2])
    return tuple(parts)


def _reading_minutes(body: str) -> int:
    return max(1, math.ceil(len(body.split()) / WORDS_PER_MINUTE))


# --- the library --------------------------------------------------------------------------------------------


@dataclass
class _Cached:
    stamp: tuple[int, int, tuple[int, int] | None]  # (mtime_ns, size) of the lesson, then of its glossary
    lesson: Lesson


COURSE_FOLDER = "course"  # beside a language's lessons: its glossary, teacher's guide and cheat sheet


class LessonLibrary:
    """Every lesson of every language, loaded on first use and reloaded when its file changes.

    Each call looks at the folder (a handful of stat calls), so an edited, added or removed file shows up
    on the next page view without a restart; unchanged files are never parsed twice.
    """

    def __init__(self, root: Path, languages: Sequence[str], permalink_titles: Mapping[str, str] | None = None,
                 recheck_seconds: float = 1.0):
        """`recheck_seconds`: how long a listing of the folder is trusted before the files are looked at again."""
        self.root = Path(root)
        self.recheck_seconds = recheck_seconds
        self.languages = tuple(languages)
        self.permalink_titles = dict(permalink_titles or {})
        self._lock = threading.Lock()
        self._cache: dict[Path, _Cached] = {}
        self._listed: dict[str, tuple[float, list[Lesson]]] = {}
        self._glossaries: dict[str, tuple[tuple[int, int], Glossary]] = {}
        self._pages: dict[tuple[str, str], tuple[tuple[int, int], CoursePage]] = {}

    def course_page(self, lang: str, name: str) -> CoursePage | None:
        """The teacher's guide or the cheat sheet of a language, reread when its file changes."""
        if lang not in self.languages or name not in COURSE_PAGES:
            return None
        path = self.course_file(lang, f"{name}.md")
        try:
            stat = path.stat()
        except FileNotFoundError:
            return None
        stamp = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            cached = self._pages.get((lang, name))
            if cached is None or cached[0] != stamp:
                cached = (stamp, load_course_page(path, name, lang))
                self._pages[(lang, name)] = cached
        return cached[1]

    def course_file(self, lang: str, name: str) -> Path:
        """A file of a language's course folder (glossary.yaml, teacher.md, cheatsheet.md…)."""
        return self.root / lang / COURSE_FOLDER / name

    def glossary(self, lang: str) -> Glossary | None:
        """A language's glossary, reread when its file changes; None when the language has none."""
        with self._lock:
            return self._glossary(lang)[1]

    def _glossary(self, lang: str) -> tuple[tuple[int, int] | None, Glossary | None]:
        path = self.course_file(lang, "glossary.yaml")
        try:
            stat = path.stat()
        except FileNotFoundError:
            return None, None
        stamp = (stat.st_mtime_ns, stat.st_size)
        cached = self._glossaries.get(lang)
        if cached is None or cached[0] != stamp:
            try:
                cached = (stamp, load_glossary(path, lang))
            except GlossaryError as error:
                raise LessonError(path, "glossary", str(error)) from None
            self._glossaries[lang] = cached
        return cached

    def lessons(self, lang: str) -> list[Lesson]:
        """The lessons of one language, in order."""
        if lang not in self.languages:
            return []
        folder = self.root / lang
        with self._lock:
            # Every page asks (the replay links each step to its lessons): look at the folder at most once a
            # second by default, which still shows an edited file at once to a person working on it.
            listed = self._listed.get(lang)
            if listed is not None and time.monotonic() - listed[0] < self.recheck_seconds:
                return list(listed[1])
            found = []
            glossary_stamp, glossary = self._glossary(lang)
            for entry in sorted(os.scandir(folder), key=lambda e: e.name) if folder.is_dir() else []:
                if not entry.name.endswith(".md") or not entry.is_file():
                    continue
                path = Path(entry.path)
                stat = entry.stat()
                stamp = (stat.st_mtime_ns, stat.st_size, glossary_stamp)
                cached = self._cache.get(path)
                if cached is None or cached.stamp != stamp:
                    lesson = load_lesson(path, lang, permalink_title=self.permalink_titles.get(lang, ""),
                                         glossary=glossary)
                    cached = _Cached(stamp, lesson)
                    self._cache[path] = cached
                found.append(cached.lesson)
        found.sort(key=lambda lesson: lesson.order)
        _check_unique(found)
        with self._lock:
            self._listed[lang] = (time.monotonic(), list(found))
        return found

    def get(self, lang: str, slug: str) -> Lesson | None:
        return next((lesson for lesson in self.lessons(lang) if lesson.slug == slug), None)

    def neighbours(self, lesson: Lesson) -> tuple[Lesson | None, Lesson | None]:
        """The lessons before and after this one, in its language."""
        ordered = self.lessons(lesson.lang)
        index = next(i for i, item in enumerate(ordered) if item.slug == lesson.slug)
        before = ordered[index - 1] if index > 0 else None
        after = ordered[index + 1] if index + 1 < len(ordered) else None
        return before, after

    def for_replay_step(self, lang: str, step: int) -> list[Lesson]:
        """The lessons that explain one replay step (the replay links back to them)."""
        return [lesson for lesson in self.lessons(lang) if lesson.replay_step == step]


def _check_unique(lessons: Sequence[Lesson]) -> None:
    """Orders and slugs are unique, and a lesson only requires lessons that come before it."""
    orders = {lesson.slug: lesson.order for lesson in lessons}
    for lesson in lessons:
        for slug in lesson.prerequisites:
            if orders.get(slug, lesson.order) >= lesson.order:
                raise LessonError(lesson.path, "prerequisites", f"{slug!r} is not an earlier lesson")
    seen: dict[object, Path] = {}
    for lesson in lessons:
        for key, name in ((("order", lesson.order), "order"), (("slug", lesson.slug), "slug")):
            if key in seen:
                raise LessonError(lesson.path, name, f"{key[1]!r} is also used by {seen[key].name}")
            seen[key] = lesson.path
