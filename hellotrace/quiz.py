"""Quizzes that teach: each learner sees the choices in an order of their own, a first wrong answer earns a
hint and a second try, and the explanation comes once the question is settled (right, or wrong twice).

`record_answer` is the one entry point: it checks an answer, stores it through an `AnswerStore` and says
what the page shows next. The store is a protocol so that the same rules run whatever keeps the answers
(the visitor's session today, the learners' progress in the database when a class follows the course).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from hellotrace.lessons import Lesson, Question, check_answer

# A second try, then the explanation: more tries would turn the quiz into guessing.
TRIES_BEFORE_EXPLANATION = 2
RIGHT, RETRY, WRONG = "right", "retry", "wrong"


@dataclass(frozen=True)
class Answer:
    """One answer a learner gave to one question, as stored."""

    given: str
    correct: bool


class AnswerStore(Protocol):
    """Where a learner's answers are kept, question by question (`slug` and `question_id` are the same in
    every language, so a learner who switches language keeps their answers)."""

    def answers(self, learner: str, slug: str, question_id: str) -> Sequence[Answer]:
        """Every answer recorded for this question, oldest first."""
        ...

    def add(self, learner: str, lang: str, slug: str, question_id: str, answer: Answer) -> None:
        """Keep one more answer (`lang`: the page it was given on, for a store that reports per language)."""
        ...


@dataclass(frozen=True)
class Verdict:
    """What the page shows under a question after an answer."""

    question_id: str
    given: str
    status: str  # RIGHT, RETRY (wrong, a hint and another try) or WRONG (settled: the explanation)
    hint: str = ""
    explanation: str = ""
    tries: int = 1

    @property
    def settled(self) -> bool:
        return self.status != RETRY


def settled(answers: Sequence[Answer]) -> bool:
    """A question is settled once answered right, or answered wrong as many times as the quiz allows."""
    return any(a.correct for a in answers) or len(answers) >= TRIES_BEFORE_EXPLANATION


def record_answer(store: AnswerStore, learner: str, lesson: Lesson, question_id: str, answer: str | None) -> Verdict:
    """Check `answer`, keep it, and say what comes next. Raises QuizError (nothing stored) when the
    question does not exist or the answer cannot be checked."""
    correct, _ = check_answer(lesson, question_id, answer)
    question = lesson.question(question_id)
    assert question is not None  # check_answer raised otherwise
    given = (answer or "").strip()
    before = list(store.answers(learner, lesson.slug, question_id))
    store.add(learner, lesson.lang, lesson.slug, question_id, Answer(given, correct))
    return verdict_for(question, [*before, Answer(given, correct)])


def verdict_for(question: Question, answers: Sequence[Answer]) -> Verdict:
    """What the page shows under a question after the last of `answers` (oldest first, at least one): the
    same verdict when the answer is given and when the page is opened again later."""
    last, tries = answers[-1], len(answers)
    if last.correct:
        return Verdict(question.id, last.given, RIGHT, explanation=question.explanation, tries=tries)
    if not settled(answers):
        return Verdict(question.id, last.given, RETRY, hint=question.hint, tries=tries)
    # Wrong again, or wrong once more after the explanation (revision): the explanation, with the hint.
    return Verdict(question.id, last.given, WRONG, hint=question.hint, explanation=question.explanation,
                   tries=tries)


def choice_order(question: Question, learner: str, slug: str) -> list[int]:
    """The order in which one learner sees the choices: shuffled, so that 'the second one' means nothing
    between neighbours, and stable, so that a reload does not move them. The form still sends each choice's
    index in the lesson file, so the order never changes what is right."""
    order = list(range(len(question.choices)))
    seed = hashlib.sha256(f"{learner}\0{slug}\0{question.id}".encode()).digest()
    random.Random(seed).shuffle(order)
    return order
