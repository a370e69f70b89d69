"""The lessons: loading and validation, rendering without warnings, parity between French and English,
the pages and their links (a crawl of both languages), the self-check, and the corrected facts."""

from __future__ import annotations

import os
import re
import shutil
import time
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest

from hellotrace.lessons import REPLAY_SEQUENCES, LessonError, LessonLibrary, QuizError, check_answer, load_lesson
from hellotrace.replay import SEQUENCES
from hellotrace.web.render import options_unbroken
from tests.conftest import site_app
from tests.interface_text import catalogue, translated

ROOT = Path(__file__).resolve().parent.parent
LANGS = ("en", "fr")
LIBRARY = LessonLibrary(ROOT / "lessons", LANGS)
SLUGS = [lesson.slug for lesson in LIBRARY.lessons("en")]
HX = {"HX-Request": "true"}

LESSONS_DURATION = "About %(total)s min: %(reading)s of reading, %(exercises)s of exercises"
LESSONS_INTRO = (
    "The client, its configuration, the daemon's sockets and the Engine API, one step at a time. The examples are "
    "written for Docker on its usual socket, /var/run/docker.sock; the box below says where to send them from your "
    "own terminal, and single requests also run right on the page. Each lesson ends with a short self-check."
)
POLICY_ALL_TAGS = "Pulling every tag of %(detail)s is not allowed: name a tag."
QUIZ_INVALID = "That answer is not one of the choices: pick one of the options above."
QUIZ_MISSING = "No answer was sent: choose or type one, then check again."
QUIZ_TOO_LONG = "That answer is too long: a few words are enough (200 characters at most)."
QUIZ_TRY_AGAIN = "Read the hint, then try again: the explanation comes after your second answer."
QUIZ_UNKNOWN_QUESTION = "This lesson has no question “%(qid)s”: answer the questions at the end of the page."
REPLAY_SEQUENCE_CLI_HELP = (
    "one ping and version negotiation (as docker CLI 28.2.2 does) → create → 404 → pull → create → attach (HTTP "
    "Upgrade, 101) → wait → start → output frames → exit status."
)
SANDBOX_UNIX_ONLY = (
    "This example has no TCP version: it shows how curl reads a URL when it goes through a Unix socket, which a "
    "TCP address cannot reproduce."
)
STEP_3_TEXT_CLI = (
    "Now the create succeeds (201, with the container's ID). Before it starts the container, the docker CLI opens "
    "attach (an HTTP Upgrade: a 101 answer, then the connection becomes a raw byte channel) and wait, which answers "
    "200 at once but sends its body only when the container exits. Then it sends start (204): it can miss neither "
    "the output nor the exit status."
)
TRY_REFUSED_HEADER_REFUSED = (
    "Not sent: the %(detail)s header belongs to the connection, which the client manages itself. Remove it. "
    "(Attach's HTTP Upgrade, with its 101 answer, is shown in steps 3 and 4 of the replay's sequence “What the "
    "docker CLI really sends”.)"
)


def text(message: str, lang: str, **params: object) -> str:
    """An interface string as it appears in HTML: escaped like any value (apostrophes become &#39;)."""
    return str(escape(translated(message, lang, **params)))


# --- loading, validation, rendering -------------------------------------------------------------------------

GOOD_FRONT = """---
title: "A lesson"
order: 1
slug: sample
summary: "What it is about."
objectives: ["Do one thing.", "Do another."]
prerequisites: []
duration: {reading: 3, exercises: 5}
quiz:
  - id: q1
    question: "Which?"
    kind: choice
    choices: ["a", "b"]
    answer: 1
    hint: "Think."
    explanation: "Because."
  - id: q2
    question: "Port?"
    kind: text
    accept: ["2376"]
    hint: "TLS."
    explanation: "TLS."
---
"""


def write_lesson(folder: Path, front: str, body: str = "## Section\n\nText.\n", name: str = "01-sample.md") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(front + body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (("order: 1", "order: 2"), "order"),
        (("slug: sample", "slug: other"), "slug"),
        (('title: "A lesson"', 'title: ""'), "title"),
        (("replay", "replay"), None),
        (("order: 1", "order: 1\nreplay_step: 7"), "replay_step"),
        (("order: 1", "order: 1\nreplay-step: 1"), "replay-step"),
        (("    answer: 1", "    answer: 5"), "quiz[0].answer"),
        (("    kind: choice", "    kind: multiple"), "quiz[0].kind"),
        (('    accept: ["2376"]', "    accept: [2376]"), "quiz[1].accept"),
        (('    accept: ["2376"]', '    accept: ["2376"]\n    answer: 0'), "quiz[1].answer"),
        (('    explanation: "TLS."', ""), "quiz[1].explanation"),
        (("  - id: q2", "  - id: Q 2"), "quiz[1].id"),
        (('    hint: "Think."\n', ""), "quiz[0].hint"),
        (('    hint: "Think."', '    hint: " "'), "quiz[0].hint"),
        (('objectives: ["Do one thing.", "Do another."]', 'objectives: ["Only one."]'), "objectives"),
        (('objectives: ["Do one thing.", "Do another."]\n', ""), "objectives"),
        (("prerequisites: []", "prerequisites: three-actors"), "prerequisites"),
        (("prerequisites: []", "prerequisites: [sample]"), "prerequisites"),
        (("duration: {reading: 3, exercises: 5}", "duration: 8"), "duration"),
        (("duration: {reading: 3, exercises: 5}", "duration: {reading: 0, exercises: 5}"), "duration"),
        (("duration: {reading: 3, exercises: 5}", "duration: {reading: 3}"), "duration"),
    ],
)
def test_front_matter_errors_name_the_file_and_the_field(tmp_path, change, field):
    path = write_lesson(tmp_path / "en", GOOD_FRONT.replace(*change))
    if field is None:
        assert load_lesson(path, "en").title == "A lesson"
        return
    with pytest.raises(LessonError) as error:
        load_lesson(path, "en")
    assert error.value.field_name == field
    assert str(path) in str(error.value) and field in str(error.value)


def test_a_quiz_needs_two_to_four_questions_and_the_file_name_its_form(tmp_path):
    one_question = GOOD_FRONT.split("  - id: q2")[0] + "---\n"
    with pytest.raises(LessonError, match="quiz"):
        load_lesson(write_lesson(tmp_path / "en", one_question), "en")
    with pytest.raises(LessonError, match="file name"):
        load_lesson(write_lesson(tmp_path / "en", GOOD_FRONT, name="sample.md"), "en")
    with pytest.raises(LessonError, match="invalid YAML"):
        load_lesson(write_lesson(tmp_path / "en", GOOD_FRONT.replace('"Which?"', '"Which?')), "en")


def test_rendering_problems_are_reported_as_warnings(tmp_path):
    body = (
        "# A second title\n\n"
        "!!! note\n    No title: the page would say Note in French too.\n\n"
        "```klingon\nqapla'\n```\n\n"
        "```\nno language\n```\n\n"
        "#### Too deep\n\n"
        "[the French page](/fr/lessons/sample)\n\n"
        "## Quiz\n\n"
        "```sh\nnever closed\n"
    )
    lesson = load_lesson(write_lesson(tmp_path / "en", GOOD_FRONT, body), "en")
    found = "\n".join(lesson.warnings)
    for expected in ("only ## and ### headings", "admonition without a title", "no pygments lexer for the "
                     "language 'klingon'", "a code block without a language", "a link to a /fr/ page",
                     "the heading id 'quiz'", "a code fence that never closes"):
        assert expected in found
    assert all(warning.startswith(str(lesson.path)) for warning in lesson.warnings)


def test_every_lesson_renders_without_warnings():
    for lang in LANGS:
        for lesson in LIBRARY.lessons(lang):
            assert lesson.warnings == (), "\n".join(lesson.warnings)
            assert 'class="codehilite"' in lesson.html and "style=" not in lesson.html  # CSS classes only
            assert lesson.toc and lesson.reading_minutes >= 1
            # The stated reading time is the author's; it must stay near what the word count gives.
            assert abs(lesson.duration.reading - lesson.reading_minutes) <= max(2, lesson.reading_minutes // 3), \
                (lesson.path, lesson.duration.reading, lesson.reading_minutes)


def test_rendering_is_cached_and_redone_when_the_file_changes(tmp_path):
    folder = tmp_path / "lessons"
    shutil.copytree(ROOT / "lessons" / "en", folder / "en")
    library = LessonLibrary(folder, ("en",), recheck_seconds=0)
    first = library.get("en", "three-actors")
    assert library.get("en", "three-actors") is first  # not parsed again
    path = first.path
    path.write_text(path.read_text(encoding="utf-8").replace('title: "Three actors, four steps"',
                                                             'title: "Edited title"'), encoding="utf-8")
    later = time.time() + 5
    os.utime(path, (later, later))
    assert library.get("en", "three-actors").title == "Edited title"
    (folder / "en" / "10-misconceptions.md").unlink()
    assert [lesson.order for lesson in library.lessons("en")] == list(range(1, 10))


def test_two_lessons_cannot_share_an_order(tmp_path):
    write_lesson(tmp_path / "en", GOOD_FRONT)
    write_lesson(tmp_path / "en", GOOD_FRONT.replace("slug: sample", "slug: again"), name="01-again.md")
    with pytest.raises(LessonError, match="order"):
        LessonLibrary(tmp_path, ("en",)).lessons("en")


# --- parity between the languages ----------------------------------------------------------------------------


def test_both_languages_have_the_same_lessons_in_the_same_order():
    english, french = LIBRARY.lessons("en"), LIBRARY.lessons("fr")
    assert len(english) >= 8
    assert [(lesson.order, lesson.slug, lesson.replay_step) for lesson in english] == \
        [(lesson.order, lesson.slug, lesson.replay_step) for lesson in french]
    assert [lesson.order for lesson in english] == list(range(1, len(english) + 1))


@pytest.mark.parametrize("slug", SLUGS)
def test_a_lesson_and_its_translation_match(slug):
    en, fr = LIBRARY.get("en", slug), LIBRARY.get("fr", slug)
    assert abs(en.heading_count - fr.heading_count) <= 1
    assert [(b.lang, b.code) for b in en.code_blocks] == [(b.lang, b.code) for b in fr.code_blocks]
    assert [(q.id, q.kind, q.answer, len(q.choices)) for q in en.quiz] == \
        [(q.id, q.kind, q.answer, len(q.choices)) for q in fr.quiz]
    for question_en, question_fr in zip(en.quiz, fr.quiz, strict=True):
        assert {a.casefold() for a in question_en.accept} == {a.casefold() for a in question_fr.accept}
    assert en.title != fr.title and en.summary != fr.summary  # written in each language, not copied


# --- pages ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_index_lists_every_lesson_with_summary_order_duration_and_objectives(client, lang):
    page = client.get(f"/{lang}/lessons/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    positions = []
    for lesson in LIBRARY.lessons(lang):
        link = f'href="/{lang}/lessons/{lesson.slug}"'
        assert link in html
        positions.append(html.index(link))
        assert options_unbroken(lesson.summary) in html
        duration = lesson.duration
        assert text(LESSONS_DURATION, lang, total=duration.total, reading=duration.reading,
                    exercises=duration.exercises) in html
        assert all(escape(objective) in html for objective in lesson.objectives)
    assert positions == sorted(positions)
    assert client.get(f"/{lang}/lessons").status_code == 308  # the index lives at the trailing slash


def escape(value: str) -> str:
    return (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;")
            .replace("'", "&#39;"))


@pytest.mark.parametrize("lang", LANGS)
def test_a_lesson_page_has_its_parts(client, lang):
    html = client.get(f"/{lang}/lessons/daemon-sockets").get_data(as_text=True)
    lesson = LIBRARY.get(lang, "daemon-sockets")
    assert f"<h1>{escape(lesson.title)}</h1>" in html
    assert text("On this page", lang) in html
    for entry in lesson.toc:
        assert f'<li><a href="#{entry.id}">' in html and f'id="{entry.id}"' in html
    assert '<div class="codehilite"><pre><span></span><code>curl<span class="w">' in html  # pygments classes
    assert '<div class="admonition warning">' in html and '<p class="admonition-title">' in html
    assert f'href="/{lang}/replay#step-1"' in html  # the replay step it explains
    assert f'rel="prev" href="/{lang}/lessons/format-templates"' in html
    assert f'rel="next" href="/{lang}/lessons/engine-api"' in html
    other = "fr" if lang == "en" else "en"
    assert f'hreflang="{other}" lang="{other}"\n       href="/{other}/lessons/daemon-sockets"' in html
    assert html.count('class="question"') == len(lesson.quiz)
    assert 'hx-post="' in html and 'method="post"' in html
    assert all(escape(objective) in html for objective in lesson.objectives)
    three_actors = LIBRARY.get(lang, "three-actors")
    assert f'<a href="/{lang}/lessons/three-actors">{escape(three_actors.title)}</a>' in html  # its prerequisite
    assert text(LESSONS_DURATION, lang, total=lesson.duration.total, reading=lesson.duration.reading,
                exercises=lesson.duration.exercises) in html


def test_first_and_last_lessons_have_one_neighbour(client):
    first = client.get(f"/en/lessons/{SLUGS[0]}").get_data(as_text=True)
    last = client.get(f"/en/lessons/{SLUGS[-1]}").get_data(as_text=True)
    assert 'rel="prev"' not in first and 'rel="next"' in first
    assert 'rel="prev"' in last and 'rel="next"' not in last


@pytest.mark.parametrize("lang", LANGS)
def test_unknown_lesson_is_a_404_page_in_the_language(client, lang):
    page = client.get(f"/{lang}/lessons/nosuch")
    assert page.status_code == 404
    assert text("Page not found", lang) in page.get_data(as_text=True)
    assert client.get("/de/lessons/").status_code == 404


@pytest.mark.parametrize("lang", LANGS)
def test_replay_steps_link_back_to_their_lessons(client, lang):
    html = client.get(f"/{lang}/replay").get_data(as_text=True)
    for step in (1, 2, 3, 4):
        section = html.split(f'id="step-{step}"', 1)[1].split('class="step"', 1)[0]
        lessons = LIBRARY.for_replay_step(lang, step)
        assert lessons, f"no lesson explains step {step}"
        for lesson in lessons:
            assert f'href="/{lang}/lessons/{lesson.slug}"' in section
    assert f'href="/{lang}/lessons/"' in html  # the header's Lessons link


class Links(HTMLParser):
    """Every link a page offers (href, src, htmx GETs), every id it defines, and the anchors its POST forms
    return to (a form re-renders this same page at that anchor)."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.form_anchors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"])
        if tag == "a" and values.get("name"):
            self.ids.add(values["name"])
        for name in ("href", "src", "hx-get"):
            if values.get(name):
                self.links.append(values[name])
        if tag == "form" and (values.get("method") or "get").lower() == "get" and values.get("action"):
            self.links.append(values["action"])
        elif tag == "form" and "#" in (values.get("action") or ""):
            self.form_anchors.append(values["action"].split("#", 1)[1])


def test_crawl_both_languages_without_a_broken_link(client):
    pages: dict[str, Links] = {}
    queue = deque(["/en/lessons/", "/fr/lessons/"])
    checked: set[str] = set()
    broken = []
    lesson_pages = set()

    def fetch(path: str) -> Links | None:
        if path in pages:
            return pages[path]
        answer = client.get(path, follow_redirects=True)
        if answer.status_code != 200:
            broken.append(f"{path} → {answer.status_code}")
            return None
        parser = Links()
        if answer.mimetype == "text/html":
            parser.feed(answer.get_data(as_text=True))
            if urlsplit(path).path.startswith(("/en/", "/fr/")):
                queue.extend(urljoin(path, link) for link in parser.links if _internal(link))
        pages[path] = parser
        broken.extend(f"{path}: a form returns to #{anchor}, which is not on the page"
                      for anchor in parser.form_anchors if anchor not in parser.ids)
        return parser

    while queue:
        url = queue.popleft()
        if url in checked:
            continue
        checked.add(url)
        path, fragment = urldefrag(url)
        if "/lessons/" in path and path.count("/") == 3:
            lesson_pages.add(path)
        target = fetch(path)
        if target is not None and fragment and fragment not in target.ids:
            broken.append(f"{url}: no element with id {fragment!r}")
    assert not broken, "\n".join(broken)
    for lang in LANGS:
        for slug in SLUGS:
            assert f"/{lang}/lessons/{slug}" in lesson_pages
    assert any(path.startswith("/static/css/pygments") for path in pages)
    assert any("/replay" in path for path in pages)


def _internal(link: str) -> bool:
    parts = urlsplit(link)
    return not parts.scheme and not parts.netloc and not link.startswith(("mailto:", "javascript:"))


# --- the self-check --------------------------------------------------------------------------------------------


def test_check_answer_compares_choices_by_index_and_text_by_its_words():
    sockets = LIBRARY.get("en", "daemon-sockets")
    assert check_answer(sockets, "q1", "1") == (True, sockets.question("q1").explanation)
    assert check_answer(sockets, "q1", "0")[0] is False
    assert check_answer(sockets, "q4", "  HEAD   /docker/_ping ")[0] is True
    assert check_answer(sockets, "q4", "HEAD /Docker/_ping")[0] is False  # another path
    wire = LIBRARY.get("en", "cli-on-the-wire")
    assert check_answer(wire, "q4", " 2")[0] is True
    assert check_answer(wire, "q4", "1")[0] is False
    for question_id, answer, reason in [("q9", "1", "unknown_question"), ("q1", None, "missing"),
                                        ("q1", "  ", "missing"), ("q1", "9", "invalid"), ("q1", "-1", "invalid"),
                                        ("q1", "one", "invalid"), ("q4", "x" * 201, "too_long")]:
        with pytest.raises(QuizError) as error:
            check_answer(sockets, question_id, answer)
        assert error.value.reason == reason


def test_every_question_can_be_answered_right():
    for lang in LANGS:
        for lesson in LIBRARY.lessons(lang):
            for question in lesson.quiz:
                right = str(question.answer) if question.kind == "choice" else f"  {question.accept[0]} "
                assert check_answer(lesson, question.id, right)[0] is True


@pytest.mark.parametrize("answer", ["²", "1" * 5000, "-1", "9"])  # "²" is str.isdigit(); int() refuses both
def test_a_choice_that_is_no_choice_is_refused_plainly(client, answer):
    refused = client.post("/en/lessons/daemon-sockets/quiz/q1", data={"answer": answer})
    assert refused.status_code == 400


def _result(html: str, question_id: str) -> str:
    return html.split(f'id="quiz-{question_id}-result"', 1)[1].split("</form>", 1)[0]


@pytest.mark.parametrize("lang", LANGS)
def test_quiz_without_javascript_rerenders_the_lesson_at_the_question(client, lang):
    lesson = LIBRARY.get(lang, "daemon-sockets")
    url = f"/{lang}/lessons/daemon-sockets/quiz/q1"
    right = client.post(url, data={"answer": "1"})
    assert right.status_code == 200
    html = right.get_data(as_text=True)
    assert text("Correct.", lang) in _result(html, "q1")
    assert escape(lesson.question("q1").explanation) in _result(html, "q1")
    assert 'value="1" required checked' in html  # the choice stays selected
    assert f'action="{url}#quiz-q1"' in html
    short = client.post(f"/{lang}/lessons/daemon-sockets/quiz/q4", data={"answer": " /docker/_ping "})
    assert text("Correct.", lang) in _result(short.get_data(as_text=True), "q4")
    assert 'value=" /docker/_ping "' in short.get_data(as_text=True)


@pytest.mark.parametrize("lang", LANGS)
def test_a_wrong_answer_gets_a_hint_and_a_second_try_before_the_explanation(client, lang):
    lesson = LIBRARY.get(lang, "daemon-sockets")
    question = lesson.question("q3")
    url = f"/{lang}/lessons/daemon-sockets/quiz/q3"
    first = _result(client.post(url, data={"answer": "0"}).get_data(as_text=True), "q3")
    assert text("Not quite.", lang) in first and text(QUIZ_TRY_AGAIN, lang) in first
    assert escape(question.hint) in first and escape(question.explanation) not in first
    second = _result(client.post(url, data={"answer": "2"}).get_data(as_text=True), "q3")
    assert text("Not quite.", lang) in second and escape(question.explanation) in second
    assert text(QUIZ_TRY_AGAIN, lang) not in second
    # Settled: answering again shows the verdict and the explanation at once.
    again = _result(client.post(url, data={"answer": "1"}).get_data(as_text=True), "q3")
    assert text("Correct.", lang) in again and escape(question.explanation) in again
    # A right answer at the second try is right, with the explanation.
    url = f"/{lang}/lessons/daemon-sockets/quiz/q2"
    client.post(url, data={"answer": "3"}, headers=HX)
    swapped = client.post(url, data={"answer": "0"}, headers=HX).get_data(as_text=True)
    assert text("Correct.", lang) in swapped and escape(lesson.question("q2").explanation) in swapped


def test_the_answers_follow_the_learner_across_languages(client):
    client.post("/en/lessons/three-actors/quiz/q1", data={"answer": "0"})
    french = client.post("/fr/lessons/three-actors/quiz/q1", data={"answer": "3"}).get_data(as_text=True)
    assert escape(LIBRARY.get("fr", "three-actors").question("q1").explanation) in _result(french, "q1")


@pytest.mark.parametrize("lang", LANGS)
def test_quiz_with_htmx_answers_with_the_verdict_only(client, lang):
    url = f"/{lang}/lessons/cli-on-the-wire/quiz/q4"
    right = client.post(url, data={"answer": "  2 "}, headers=HX)
    assert right.status_code == 200
    html = right.get_data(as_text=True)
    assert "<html" not in html and text("Correct.", lang) in html
    url = f"/{lang}/lessons/cli-on-the-wire/quiz/q2"
    wrong = client.post(url, data={"answer": "0"}, headers=HX).get_data(as_text=True)
    assert "<html" not in wrong and text("Not quite.", lang) in wrong
    assert escape(LIBRARY.get(lang, "cli-on-the-wire").question("q2").hint) in wrong


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    ("slug", "question_id", "data", "key"),
    [("three-actors", "q1", {}, QUIZ_MISSING), ("three-actors", "q1", {"answer": "7"}, QUIZ_INVALID),
     ("three-actors", "q1", {"answer": "<b>"}, QUIZ_INVALID),
     ("cli-on-the-wire", "q4", {"answer": "y" * 500}, QUIZ_TOO_LONG),
     ("cli-on-the-wire", "q4", {"answer": " "}, QUIZ_MISSING)],
)
def test_bad_answers_get_a_message_in_the_page_language(client, lang, slug, question_id, data, key):
    url = f"/{lang}/lessons/{slug}/quiz/{question_id}"
    plain = client.post(url, data=data)
    assert plain.status_code == 400
    html = plain.get_data(as_text=True)
    assert text(key, lang) in html.split(f'id="quiz-{question_id}-result"', 1)[1]
    assert "Traceback" not in html and "<b>" not in html
    swapped = client.post(url, data=data, headers=HX)
    assert swapped.status_code == 200 and text(key, lang) in swapped.get_data(as_text=True)
    # A bad answer is not a try: the first real wrong answer still gets the hint.
    first = client.post(f"/{lang}/lessons/three-actors/quiz/q1", data={"answer": "0"}).get_data(as_text=True)
    assert text(QUIZ_TRY_AGAIN, lang) in _result(first, "q1")


@pytest.mark.parametrize("lang", LANGS)
def test_unknown_question_is_explained(client, lang):
    plain = client.post(f"/{lang}/lessons/three-actors/quiz/nosuch", data={"answer": "1"})
    assert plain.status_code == 404
    assert text(QUIZ_UNKNOWN_QUESTION, lang, qid="nosuch") in plain.get_data(as_text=True)
    swapped = client.post(f"/{lang}/lessons/three-actors/quiz/nosuch", data={"answer": "1"}, headers=HX)
    assert swapped.status_code == 404 and "<html" not in swapped.get_data(as_text=True)
    assert client.post(f"/{lang}/lessons/nosuch/quiz/q1", data={"answer": "1"}).status_code == 404


# --- running the examples from the reader's own terminal --------------------------------------------------------

SANDBOX_TITLE = {"en": "Run the examples against your own sandbox", "fr": "Lancez les exemples dans votre propre bac"}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("path", ["", "curl-options"])
def test_every_lesson_page_says_how_to_reach_the_readers_own_sandbox(client, lang, path):
    replay = client.get(f"/{lang}/replay").get_data(as_text=True)
    docker_host = re.search(r"export DOCKER_HOST=(tcp://127\.0\.0\.1:\d+/sandboxes/[0-9a-f]+)", replay).group(1)
    html = client.get(f"/{lang}/lessons/{path}").get_data(as_text=True)
    box = html.split('id="lesson-sandbox"', 1)[1].split("</aside>", 1)[0]
    assert SANDBOX_TITLE[lang] in box
    assert f"export DOCKER_HOST={docker_host}</code>" in box  # the same sandbox as the replay's
    base = docker_host.replace("tcp://", "http://")
    assert "<code>--unix-socket /var/run/docker.sock http://localhost</code>" in box
    assert f"<code>{base}</code>" in box and f"<code>curl -s {base}/_ping</code>" in box
    # The index no longer claims the lessons' commands run as shown against the mock: they are written for Docker.
    assert "as shown" not in translated(LESSONS_INTRO, "en") and "tels quels" not in translated(LESSONS_INTRO, "fr")
    assert "/var/run/docker.sock" in translated(LESSONS_INTRO, lang)


@pytest.mark.parametrize("lang", LANGS)
def test_each_curl_block_comes_ready_for_the_sandbox(client, lang):
    html = client.get(f"/{lang}/lessons/curl-options").get_data(as_text=True)
    lesson = LIBRARY.get(lang, "curl-options")
    versions = re.findall(r'<pre id="sandbox-(\d+)"><code>(.*?)</code></pre>', html, flags=re.S)
    numbers = [int(number) for number, _ in versions]
    assert numbers == [b.number for b in lesson.code_blocks if b.runnable and "/var/run/docker.sock" in b.code]
    for _, command in versions:
        assert "--unix-socket" not in command and "http://127.0.0.1:" in command and "/sandboxes/" in command
    summary = {"en": "<summary>For your sandbox</summary>", "fr": "<summary>Pour votre bac à sable</summary>"}
    assert html.count(summary[lang]) == len(versions)
    # The http:/v1.24 trap only exists over a Unix socket: the page says so instead of offering a wrong version.
    trap = client.get(f"/{lang}/lessons/engine-api").get_data(as_text=True)
    assert text(SANDBOX_UNIX_ONLY, lang) in trap


def test_with_a_real_daemon_the_box_says_the_examples_go_to_it(mock_engine):
    from hellotrace.docker_host import parse_docker_host

    # The mock engine's Unix socket stands in for a real daemon: what matters is that the site was given one.
    app = site_app(engine=mock_engine, DAEMON=parse_docker_host(mock_engine.docker_host_unix))
    html = app.test_client().get("/en/lessons/curl-options").get_data(as_text=True)
    box = html.split('id="lesson-sandbox"', 1)[1].split("</aside>", 1)[0]
    assert "this site&#39;s Docker daemon" in box and "the containers and images they create are real" in box
    assert f"export DOCKER_HOST={mock_engine.docker_host_unix}</code>" in box
    assert f"<code>--unix-socket {mock_engine.unix_path} http://localhost</code>" in box
    assert "<summary>For this daemon</summary>" in html
    assert f"--unix-socket {mock_engine.unix_path} http://localhost/v1.55/info" in html


def test_french_says_tag_for_tags_and_label_only_for_labels():
    """The French vocabulary of the lessons holds in the interface: a tag is a tag, an étiquette is a label,
    a pull is downloaded, not "tiré"; no "dépréciée"; one name for HTTP's Upgrade."""
    wrong = re.compile(r"dépréci|\b[Tt]ir(?:er|é|ée|ées|és)\b|montée de protocole|\bQuel méthode", re.I)
    for message in catalogue("fr"):
        french = " ".join(message.string) if isinstance(message.string, tuple) else message.string  # plurals
        english = " ".join(message.id) if isinstance(message.id, tuple) else message.id
        assert not wrong.search(french), message.id
        if "étiquette" in french:
            assert "label" in english, message.id
    for lesson in LIBRARY.lessons("fr"):
        source = lesson.path.read_text(encoding="utf-8")
        assert not wrong.search(source), lesson.path
        if "étiquette" in source:
            assert "label" in LIBRARY.get("en", lesson.slug).path.read_text(encoding="utf-8")
    assert "tag" in translated(POLICY_ALL_TAGS, "fr")
    for key in (REPLAY_SEQUENCE_CLI_HELP, STEP_3_TEXT_CLI, TRY_REFUSED_HEADER_REFUSED):
        assert "Upgrade HTTP" in translated(key, "fr") and "HTTP Upgrade" in translated(key, "en"), key
    assert "Upgrade** HTTP" in LIBRARY.get("fr", "cli-on-the-wire").path.read_text(encoding="utf-8")


@pytest.mark.parametrize("lang", LANGS)
def test_the_ping_count_names_the_client_version(lang):
    """Two pings from CLI 29.1.3 on, one before; the replay follows CLI 28.2.2, and the lesson says so."""
    body = LIBRARY.get(lang, "cli-on-the-wire").path.read_text(encoding="utf-8")
    assert "29.1.3" in body and "28.2.2" in body
    assert "28.2.2" in translated(REPLAY_SEQUENCE_CLI_HELP, lang)


def test_a_form_address_opened_directly_leads_back_to_the_lesson(client):
    answer = client.get("/fr/lessons/three-actors/quiz/q1")
    assert answer.status_code == 303 and answer.location == "/fr/lessons/three-actors#quiz-q1"
    answer = client.get("/en/lessons/daemon-sockets/try/3")
    assert answer.status_code == 303 and answer.location == "/en/lessons/daemon-sockets#try-3"
    assert client.get("/en/lessons/nosuch/quiz/q1").status_code == 404


# --- facts: the misconceptions page covers every row of the errata --------------------------------------------

# One entry per row of the errata table (15 rows: every claim the source article gets wrong), each with the
# phrases that must all appear in one section of the page.
ERRATA_ROWS = [
    ("sample config.json", ["config.json", "plugin1", "plugin2", "proxies", "plugins",
                            "invalid character '}' looking for beginning of object key string"],
     {"en": ["not valid JSON", "no configuration at all", "two closing braces are missing", "trailing comma"],
      "fr": ["pas du JSON valide", "sans aucune configuration", "deux accolades fermantes manquent", "virgule"]}),
    ("noProxy", ["noProxy", "NO_PROXY", "localhost,127.0.0.1"],
     {"en": ["comma-separated list", "without"], "fr": ["liste", "virgules", "sans"]}),
    ("templates", ["text/template", "--format", "GET /containers/json"],
     {"en": ["the client evaluates"], "fr": ["le client qui les évalue"]}),
    ("stackOrchestrator", ["stackOrchestrator", "20.10", "23.0", "24.0", "Kubernetes", "DOCKER_STACK_ORCHESTRATOR",
                           "--orchestrator"],
     {"en": ["deprecated", "ignored"], "fr": ["obsolète", "ignorées"]}),
    ("curl -H", ["-H", "Content-Type: application/json", "-d", "application/x-www-form-urlencoded", "400"],
     {"en": ["header to the request", "body"], "fr": ["en-tête à la requête", "corps"]}),
    ("curl -d", ["-d", "POST", '{"Image":"alpine","Cmd":["echo","hello world"]}'],
     {"en": ["JSON object", "request body"], "fr": ["objet JSON", "corps de la requête"]}),
    ("start's id", ["/containers/{id}/start", "POST /containers/create"],
     {"en": ["container's ID", "name", "unique prefix"], "fr": ["identifiant du conteneur", "nom",
                                                                "préfixe unique"]}),
    ("http:/v1.24", ["http:/v1.24", "http://localhost/v1.55/", "/containers/create",
                     "Minimum supported API version is 1.40"],
     {"en": ["host name"], "fr": ["nom d'hôte"]}),
    ("tcp://", ["tcp://localhost:2375", "2376"],
     {"en": ["TLS or not", "no address is given"], "fr": ["TLS ou pas", "aucune adresse n'est donnée"]}),
    ("fd://", ["fd://", "systemd", "ssh://", "npipe://"],
     {"en": ["cannot connect"], "fr": ["ne peut pas s'y connecter"]}),
    ("docker group", ["/var/run/docker.sock", "sudo", "660", "root"],
     {"en": ["docker group", "without sudo", "amounts to being root"],
      "fr": ["groupe docker", "sans sudo", "équivaut à être root"]}),
    ("wait's answer", ['{"StatusCode":0}', '"Error":null'], {"en": ["left out"], "fr": ["omis"]}),
    ("what docker run sends", ["HEAD /_ping", "containers/create", "404", "101", "attach", "logs"],
     {"en": ["wait before start", "8-byte headers"], "fr": ["wait avant start", "8 octets"]}),
    ("empty tag", ["tag", "latest", "--all-tags"], {"en": ["always sends a tag"], "fr": ["toujours un tag"]}),
    ("DOCKER_HOST", ["DOCKER_HOST", "dockerd -H", "hosts", "daemon.json"],
     {"en": ["never reads", "Only clients"], "fr": ["ne lit jamais", "Seuls les clients"]}),
]


def sections(lang: str) -> list[str]:
    """The misconceptions page, one string per ## section, without Markdown emphasis or code quotes."""
    body = LIBRARY.get(lang, "misconceptions").path.read_text(encoding="utf-8").split("\n---\n", 1)[1]
    flat = body.replace("\u00a0", " ").replace("\u202f", " ").replace("**", "").replace("`", "")
    return re.split(r"^## ", flat, flags=re.M)[1:]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("row", "common", "own"), ERRATA_ROWS, ids=[row[0] for row in ERRATA_ROWS])
def test_the_misconceptions_page_teaches_each_corrected_fact(lang, row, common, own):
    wanted = common + own[lang]
    best = max(sections(lang), key=lambda section: sum(phrase in section for phrase in wanted))
    missing = [phrase for phrase in wanted if phrase not in best]
    assert not missing, f"{lang} misconceptions, row {row!r}: missing {missing} in section {best.splitlines()[0]!r}"


# --- a course a teacher can plan -------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", SLUGS)
def test_plan_of_a_lesson_matches_in_both_languages(slug):
    en, fr = LIBRARY.get("en", slug), LIBRARY.get("fr", slug)
    assert en.prerequisites == fr.prerequisites and en.duration == fr.duration
    assert len(en.objectives) == len(fr.objectives) and en.objectives != fr.objectives


def test_prerequisites_are_earlier_lessons_and_every_lesson_but_the_first_has_one():
    lessons = LIBRARY.lessons("en")
    assert lessons[0].prerequisites == ()
    order = {lesson.slug: lesson.order for lesson in lessons}
    for lesson in lessons[1:]:
        assert lesson.prerequisites and all(order[slug] < lesson.order for slug in lesson.prerequisites)


def test_a_prerequisite_must_come_earlier(tmp_path):
    write_lesson(tmp_path / "en", GOOD_FRONT.replace("prerequisites: []", "prerequisites: [later]"))
    later = GOOD_FRONT.replace("slug: sample", "slug: later").replace("order: 1", "order: 2")
    write_lesson(tmp_path / "en", later, name="02-later.md")
    with pytest.raises(LessonError, match="prerequisites"):
        LessonLibrary(tmp_path, ("en",)).lessons("en")


def test_a_summary_keeps_each_command_line_option_on_one_line(client):
    """Browsers break a line after a hyphen: "--output -" came out as "--" then "output -"."""
    assert str(options_unbroken("a <b> --output - et -v, docker-compose")) == (
        'a &lt;b&gt; <span class="nowrap">--output -</span> et <span class="nowrap">-v</span>, docker-compose')
    page = client.get("/fr/lessons/").get_data(as_text=True)
    assert '<span class="nowrap">--unix-socket</span>' in page


@pytest.mark.parametrize("lang", LANGS)
def test_a_lesson_on_what_the_cli_sends_opens_the_replay_on_the_clis_sequence(client, lang):
    """Step 4 of the recipe is wait then logs: the lesson on the CLI's own calls leads to the CLI's sequence."""
    page = client.get(f"/{lang}/lessons/cli-on-the-wire").get_data(as_text=True)
    assert f'href="/{lang}/replay?sequence=cli#step-4"' in page
    other = client.get(f"/{lang}/lessons/pull-endpoint").get_data(as_text=True)
    assert f'href="/{lang}/replay#step-2"' in other
    # The lessons keep their own list of the sequences (not importing the replay): the two must agree.
    assert set(REPLAY_SEQUENCES) == set(SEQUENCES)
