"""Quizzes that teach: the rules of `record_answer`, the per-learner order of the choices, and what makes a
question fair (no answer given away by its length, no question asked twice in the course)."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest

from hellotrace.lessons import LessonLibrary, QuizError
from hellotrace.quiz import RETRY, RIGHT, WRONG, Answer, choice_order, record_answer

ROOT = Path(__file__).resolve().parent.parent
LANGS = ("en", "fr")
LIBRARY = LessonLibrary(ROOT / "lessons", LANGS)


class MemoryAnswers:
    """The AnswerStore protocol over a dict, as a database table would hold the rows."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str, str], list[Answer]] = defaultdict(list)

    def answers(self, learner: str, slug: str, question_id: str) -> list[Answer]:
        return list(self.rows[(learner, slug, question_id)])

    def add(self, learner: str, lang: str, slug: str, question_id: str, answer: Answer) -> None:
        self.rows[(learner, slug, question_id)].append(answer)


def test_right_at_once_explains():
    store, lesson = MemoryAnswers(), LIBRARY.get("en", "engine-api")
    verdict = record_answer(store, "ada", lesson, "q1", "1")
    assert verdict.status == RIGHT and verdict.explanation == lesson.question("q1").explanation
    assert verdict.settled and verdict.tries == 1
    assert store.answers("ada", "engine-api", "q1") == [Answer("1", True)]


def test_wrong_then_hint_then_explanation():
    store, lesson = MemoryAnswers(), LIBRARY.get("en", "engine-api")
    question = lesson.question("q3")
    first = record_answer(store, "ada", lesson, "q3", "0")
    assert first.status == RETRY and first.hint == question.hint and first.explanation == ""
    assert not first.settled
    second = record_answer(store, "ada", lesson, "q3", "2")
    assert second.status == WRONG and second.explanation == question.explanation and second.tries == 2
    third = record_answer(store, "ada", lesson, "q3", "1")
    assert third.status == RIGHT and third.explanation == question.explanation and third.tries == 3
    # Another learner starts afresh.
    assert record_answer(store, "grace", lesson, "q3", "0").status == RETRY


def test_right_at_the_second_try():
    store, lesson = MemoryAnswers(), LIBRARY.get("fr", "engine-api")
    assert record_answer(store, "ada", lesson, "q2", "0").status == RETRY
    verdict = record_answer(store, "ada", lesson, "q2", "1")
    assert verdict.status == RIGHT and verdict.explanation


@pytest.mark.parametrize("lang", LANGS)
def test_a_short_answer_is_a_path_whose_case_counts(lang):
    """Paths and methods are case-sensitive: /DOCKER/_PING is another path. The whole URL names the path too."""
    question = LIBRARY.get(lang, "daemon-sockets").question("q4")
    assert question.is_correct("  /docker/_ping ") and question.is_correct("HEAD   /docker/_ping")
    assert question.is_correct("http://proxy:2375/docker/_ping")
    assert not question.is_correct("/DOCKER/_PING") and not question.is_correct("head /docker/_ping")


def test_an_answer_that_cannot_be_checked_is_not_stored():
    store, lesson = MemoryAnswers(), LIBRARY.get("en", "engine-api")
    for answer in (None, " ", "9", "x"):
        with pytest.raises(QuizError):
            record_answer(store, "ada", lesson, "q1", answer)
    assert store.answers("ada", "engine-api", "q1") == []


def test_each_learner_has_a_stable_order_of_their_own():
    question = LIBRARY.get("en", "three-actors").question("q1")
    orders = {tuple(choice_order(question, f"learner{n}", "three-actors")) for n in range(40)}
    assert len(orders) > 5  # shuffled per learner
    assert all(sorted(order) == list(range(len(question.choices))) for order in orders)
    assert choice_order(question, "ada", "three-actors") == choice_order(question, "ada", "three-actors")


def test_the_page_shows_the_choices_in_the_learners_order(client):
    lesson = LIBRARY.get("en", "three-actors")

    def shown() -> dict[str, list[int]]:
        html = client.get("/en/lessons/three-actors").get_data(as_text=True)
        return {question.id: [int(value) for value in re.findall(
            r'name="answer" value="(\d+)"', html.split(f'id="quiz-{question.id}"', 1)[1].split("</fieldset>", 1)[0])]
            for question in lesson.quiz}

    first = shown()
    for question in lesson.quiz:
        assert sorted(first[question.id]) == list(range(len(question.choices)))
    assert shown() == first  # stable from one visit to the next


# --- fair questions --------------------------------------------------------------------------------------------


def all_questions(lang: str):
    for lesson in LIBRARY.lessons(lang):
        for question in lesson.quiz:
            yield lesson, question


@pytest.mark.parametrize("lang", LANGS)
def test_the_right_choice_does_not_stand_out_by_its_length(lang):
    for lesson, question in all_questions(lang):
        if question.kind != "choice":
            continue
        lengths = [len(choice) for choice in question.choices]
        right = lengths[question.answer]
        others = [length for index, length in enumerate(lengths) if index != question.answer]
        where = f"{lesson.path.name} {question.id}: {question.choices}"
        assert right <= 1.25 * max(others), f"the right choice is the longest by far in {where}"
        assert min(lengths) >= 0.45 * max(lengths), f"unbalanced choices in {where}"


@pytest.mark.parametrize("lang", LANGS)
def test_no_question_is_asked_twice_in_the_course(lang):
    seen: dict[str, str] = {}
    for lesson, question in all_questions(lang):
        key = re.sub(r"\W+", " ", question.question.casefold()).strip()
        assert key not in seen, f"{lesson.slug} {question.id} repeats {seen[key]}"
        seen[key] = f"{lesson.slug} {question.id}"


@pytest.mark.parametrize("lang", LANGS)
def test_every_question_has_a_hint_that_does_not_give_the_answer_away(lang):
    for _lesson, question in all_questions(lang):
        assert question.hint and question.hint != question.explanation
        if question.kind == "choice":
            assert question.choices[question.answer].casefold() not in question.hint.casefold()
        else:
            assert all(accepted.casefold() not in question.hint.casefold() for accepted in question.accept)


def test_hints_exist_in_both_languages_and_differ():
    for english in LIBRARY.lessons("en"):
        french = LIBRARY.get("fr", english.slug)
        for question_en, question_fr in zip(english.quiz, french.quiz, strict=True):
            assert question_en.hint != question_fr.hint


def test_answering_every_question_keeps_the_session_cookie_small(client):
    """A browser drops a cookie over 4 KB, and the visitor's sandbox with it."""
    for lesson in LIBRARY.lessons("en"):
        for question in lesson.quiz:
            wrong = str((question.answer + 1) % len(question.choices)) if question.kind == "choice" else "x" * 200
            for _ in range(3):
                client.post(f"/en/lessons/{lesson.slug}/quiz/{question.id}", data={"answer": wrong})
    cookie = client.get_cookie("session")
    assert cookie is not None and len(cookie.value) < 3000
