"""The course around the lessons: the glossary (linked from each term's first use in every lesson, at parity
between languages), the teacher's guide, the cheat sheet, and their printed form."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hellotrace.glossary import GlossaryError, link_terms, load_glossary
from hellotrace.lessons import LessonLibrary

ROOT = Path(__file__).resolve().parent.parent
LANGS = ("en", "fr")
LIBRARY = LessonLibrary(ROOT / "lessons", LANGS)


def test_both_glossaries_define_the_same_terms():
    english, french = LIBRARY.glossary("en"), LIBRARY.glossary("fr")
    assert len(english.terms) >= 25
    assert sorted(t.id for t in english.terms) == sorted(t.id for t in french.terms)
    for term in english.terms:
        other = french.get(term.id)
        assert bool(term.code) == bool(other.code) and other.definition_html != term.definition_html


@pytest.mark.parametrize("lang", LANGS)
def test_every_term_is_used_by_a_lesson_and_linked_once_per_lesson(lang):
    used = set()
    for lesson in LIBRARY.lessons(lang):
        links = re.findall(rf'<a class="term" href="/{lang}/glossary#term-([a-z0-9-]+)">', lesson.html)
        assert len(links) == len(set(links)), f"{lesson.slug}: a term linked twice"
        assert links == list(lesson.terms)
        used |= set(links)
    assert used == {term.id for term in LIBRARY.glossary(lang).terms}


@pytest.mark.parametrize("lang", LANGS)
def test_the_first_use_is_linked_and_code_blocks_headings_and_links_are_left_alone(lang):
    glossary = LIBRARY.glossary(lang)
    daemon = glossary.get("daemon").words[0]
    html = (f"<h2>{daemon}</h2><pre><code>{daemon}</code></pre><p><a href='/x'>{daemon}</a> "
            f"<code>dockerd</code> {daemon} {daemon}.</p><p><code>DOCKER_HOST</code> <code>DOCKER_HOST</code></p>")
    linked, ids = link_terms(html, glossary, f"/{lang}/glossary")
    assert ids == ("daemon", "docker-host")
    assert linked.count('class="term"') == 2
    assert f'<a class="term" href="/{lang}/glossary#term-daemon"><code>dockerd</code></a>' in linked
    assert f"<h2>{daemon}</h2><pre><code>{daemon}</code></pre>" in linked
    assert f'<a class="term" href="/{lang}/glossary#term-docker-host"><code>DOCKER_HOST</code></a> ' \
           "<code>DOCKER_HOST</code>" in linked


def test_a_word_matches_whole_and_with_its_case():
    glossary = LIBRARY.glossary("en")
    linked, ids = link_terms("<p>the rest of it, a dockerized REST API</p>", glossary, "/en/glossary")
    assert ids == ("rest",) and linked.count("<a ") == 1 and ">REST</a>" in linked


def test_glossary_errors_name_the_entry(tmp_path):
    path = tmp_path / "glossary.yaml"
    for text, message in [("- id: A\n  term: a\n  definition: d\n  words: [a]\n", "unique lowercase slug"),
                          ("- id: a\n  term: a\n  definition: d\n", "give words or code"),
                          ("- id: a\n  term: a\n  definition: d\n  words: a\n", "words must be a list"),
                          ("- id: a\n  term: a\n", "required"), ("{}", "a list of entries")]:
        path.write_text(text)
        with pytest.raises(GlossaryError, match=message):
            load_glossary(path, "en")


@pytest.mark.parametrize("lang", LANGS)
def test_the_glossary_page_defines_each_term_and_lists_the_lessons_using_it(client, lang):
    page = client.get(f"/{lang}/glossary")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    glossary = LIBRARY.glossary(lang)
    anchors = re.findall(r'class="glossary-entry" id="(term-[a-z0-9-]+)"', html)
    assert anchors == [term.anchor for term in glossary.terms]  # alphabetical, accents ignored
    section = html.split('id="term-frame"', 1)[1].split('class="glossary-entry"', 1)[0]
    assert f'href="/{lang}/lessons/cli-on-the-wire"' in section


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", ["teacher", "cheatsheet"])
def test_teacher_guide_and_cheat_sheet(client, lang, name):
    page = client.get(f"/{lang}/{name}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-print' in html and "<table>" in html
    assert client.get(f"/{lang}/nosuch-page").status_code == 404


@pytest.mark.parametrize("lang", LANGS)
def test_the_teacher_paths_last_fifty_minutes_and_two_hours_and_cover_replay_lessons_lab_and_challenges(lang):
    page = LIBRARY.course_page(lang, "teacher")
    totals = []
    for table in re.findall(r"<table>.*?</table>", page.html, re.S):
        rows = re.findall(r"<tr>\s*<td>(\d):(\d\d)</td>\s*<td>(\d+) min</td>", table)
        starts = [int(h) * 60 + int(m) for h, m, _ in rows]
        lengths = [int(d) for _, _, d in rows]
        assert starts[0] == 0
        ends = [start + length for start, length in zip(starts, lengths, strict=True)]
        assert ends[:-1] == starts[1:]  # one slot follows the other
        totals.append(sum(lengths))
    assert totals == [50, 120]
    for place in ("/replay", "/lessons/", "/lab/config", "/challenges"):
        assert f'href="/{lang}{place}' in page.html
    assert "docker rmi -f" in page.html  # the caution about a shared daemon
    assert len(re.findall(r"<li>.*?\?", page.html.split('id="', 3)[-1])) >= 4  # discussion questions


@pytest.mark.parametrize("lang", LANGS)
def test_the_teacher_guide_opens_the_site_to_the_room_and_runs_a_class(lang):
    """The command the class pages recommend (tests/test_class_room.py), the engine's address for the students'
    terminals, and the class from its creation to its end."""
    html = LIBRARY.course_page(lang, "teacher").html
    assert "make run HOST=0.0.0.0 ALLOW_REMOTE=1 ENGINE_TCP=0.0.0.0:2375" in html
    assert ".venv/bin/python app.py --listen 0.0.0.0:5000 --allow-remote --tcp 0.0.0.0:2375" in html
    assert f'href="/{lang}/class/new"' in html and "/join/K7M2QX" in html
    assert "tcp://192.168.1.20:2375/sandboxes/" in html and "--daemon" in html


def test_both_teacher_guides_keep_the_same_timings():
    def timings(lang: str) -> list[tuple[str, str]]:
        return re.findall(r"<td>(\d:\d\d)</td>\s*<td>(\d+) min</td>", LIBRARY.course_page(lang, "teacher").html)

    assert timings("en") == timings("fr")


def test_every_curl_of_the_cheat_sheet_is_one_the_lessons_run():
    lesson_lines = {line for lesson in LIBRARY.lessons("en") for block in lesson.code_blocks if block.runnable
                    for line in block.code.splitlines()}
    for lang in LANGS:
        text = LIBRARY.course_file(lang, "cheatsheet.md").read_text(encoding="utf-8")
        curls = [line for block in re.findall(r"```sh\n(.*?)```", text, re.S) for line in block.splitlines()]
        assert len(curls) >= 5
        assert [line for line in curls if line not in lesson_lines] == []


def test_print_stylesheet_hides_controls_and_wraps_code(client):
    css = (ROOT / "static" / "css" / "print.css").read_text(encoding="utf-8")
    for selector in (".site-header", "button", ".try", ".sandbox-box", ".controls", ".lesson-toc"):
        assert selector in css.split("display: none")[0]
    assert "white-space: pre-wrap" in css
    # Every page prints without its controls; lesson and course pages add their own styles.
    for path, course in (("/en/lessons/three-actors", True), ("/en/glossary", True), ("/en/replay", False)):
        html = client.get(path).get_data(as_text=True)
        assert re.search(r'href="/static/css/print\.[0-9a-f]+\.css" media="print"', html), path
        assert re.search(r'src="/static/js/print\.[0-9a-f]+\.js"', html), path
        assert bool(re.search(r'href="/static/css/course\.[0-9a-f]+\.css"', html)) == course, path
