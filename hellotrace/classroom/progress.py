"""Self-paced learners' progress: lessons read, steps run, quiz answers, per anonymous learner.

A learner is a random token kept in a long-lived cookie; their resume code brings the same progress to
another device. Quiz answers are recorded by `record_quiz_answer` only, so every quiz (lessons, a question
pushed to a class) lands in the same place. `LearnerAnswers` and `LearnerChallenges` are the stores the quiz and
challenge rules (hellotrace.quiz, hellotrace.challenges) keep their records in: a learner's answers and solved
challenges outlive the site's process and follow their resume code."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from hellotrace.classroom.codes import RESUME_CODE_LENGTH, new_code, normalize_code
from hellotrace.quiz import Answer
from hellotrace.storage.models import Learner, LessonRead, QuizAnswer, SolvedChallenge, StepRun, Student

MAX_ANSWER = 200
_LEARNER_COLUMNS = tuple(column.key for column in Learner.__table__.columns)


def new_learner(session: Session, token: str | None = None) -> Learner:
    """A learner with a fresh resume code (a code already taken is drawn again) and `token`, or a fresh one. A
    `token` someone else's request made a learner with meanwhile gives that learner."""
    for _ in range(5):
        learner = Learner(token=token or secrets.token_hex(16), resume_code=new_code(RESUME_CODE_LENGTH))
        session.add(learner)
        try:
            session.flush()
            written = {column: getattr(learner, column) for column in _LEARNER_COLUMNS}
            session.commit()
        except IntegrityError:
            session.rollback()
            made = learner_by_token(session, token)
            if made is not None:
                return made
            continue
        # The commit expired what was just written; the caller reads it at once (the cookie's token, the id its
        # first step is recorded under), which would cost a query for values this process chose itself.
        for column, value in written.items():
            set_committed_value(learner, column, value)
        return learner
    raise RuntimeError("could not draw an unused resume code")


def learner_by_token(session: Session, token: str | None) -> Learner | None:
    if not token or len(token) > 64:
        return None
    return session.scalars(select(Learner).where(Learner.token == token)).first()


def learner_by_resume_code(session: Session, text: str | None) -> Learner | None:
    code = normalize_code(text, RESUME_CODE_LENGTH)
    if code is None:
        return None
    return session.scalars(select(Learner).where(Learner.resume_code == code)).first()


def carry_progress(session: Session, source: Learner, target: Learner) -> bool:
    """Add `source`'s progress to `target`'s (a device that had progress of its own took another's resume code):
    its answers and steps run join target's history, its lessons read, challenges solved and class places those
    target has not (in a class both are in, target's place stays). `source` stays, empty: the site deletes no
    learner (web/learners.py remembers their ids). True if anything was carried."""
    if source.id == target.id:
        return False
    carried = 0
    for model in (QuizAnswer, StepRun):
        moved = session.execute(update(model).where(model.learner_id == source.id).values(learner_id=target.id))
        carried += moved.rowcount
    for model, key in ((LessonRead, ("lang", "slug")), (SolvedChallenge, ("challenge_id",)), (Student, ("class_id",))):
        columns = [getattr(model, name) for name in key]
        kept = set(session.execute(select(*columns).where(model.learner_id == target.id)).tuples())
        for row in session.scalars(select(model).where(model.learner_id == source.id)):
            if tuple(getattr(row, name) for name in key) in kept:
                session.delete(row)
            else:
                row.learner_id = target.id
                carried += 1
    session.commit()
    return carried > 0


def record_lesson_read(session: Session, learner: Learner, lang: str, slug: str) -> None:
    exists = select(LessonRead.id).where(LessonRead.learner_id == learner.id, LessonRead.lang == lang,
                                         LessonRead.slug == slug)
    if session.scalars(exists).first() is None:
        session.add(LessonRead(learner_id=learner.id, lang=lang, slug=slug))
        try:
            session.commit()
        except IntegrityError:  # the same page opened twice at once
            session.rollback()


def record_quiz_answer(session: Session, learner: Learner, lang: str, slug: str, question_id: str, answer: str,
                       correct: bool) -> QuizAnswer:
    """The one place a checked quiz answer is stored, whoever asked the question."""
    row = QuizAnswer(learner_id=learner.id, lang=lang, slug=slug, question_id=question_id,
                     answer=answer[:MAX_ANSWER], correct=correct)
    session.add(row)
    session.commit()
    return row


def last_answer(session: Session, learner: Learner, slug: str, question_id: str) -> QuizAnswer | None:
    """The learner's last answer to one question, in whichever language: a question has the same id in all."""
    return session.scalars(
        select(QuizAnswer).where(QuizAnswer.learner_id == learner.id, QuizAnswer.slug == slug,
                                 QuizAnswer.question_id == question_id).order_by(QuizAnswer.id.desc()).limit(1)
    ).first()


@dataclass(frozen=True)
class LessonProgress:
    read: bool
    answered: int
    right: int


def lesson_progress(session: Session, learner: Learner, lang: str) -> dict[str, LessonProgress]:
    """Per lesson slug: read or not, questions answered, and answered right: once a question was answered right,
    a later answer (a slip, a try of something else) does not take it back."""
    read = set(session.scalars(select(LessonRead.slug).where(LessonRead.learner_id == learner.id,
                                                             LessonRead.lang == lang)))
    right: dict[tuple[str, str], bool] = {}
    rows = session.execute(
        select(QuizAnswer.slug, QuizAnswer.question_id, QuizAnswer.correct)
        .where(QuizAnswer.learner_id == learner.id, QuizAnswer.lang == lang).order_by(QuizAnswer.id)
    )
    for slug, question_id, correct in rows:
        right[(slug, question_id)] = right.get((slug, question_id), False) or correct
    progress = {}
    for slug in read | {slug for slug, _ in right}:
        answers = [correct for (s, _), correct in right.items() if s == slug]
        progress[slug] = LessonProgress(slug in read, len(answers), sum(answers))
    return progress


def steps_run(session: Session, learner: Learner) -> set[int]:
    return set(session.scalars(select(StepRun.step).where(StepRun.learner_id == learner.id)))


class LearnerAnswers:
    """The quiz's AnswerStore over the QuizAnswer rows; learners are named by their token. A question's
    answers are counted whatever language they were given in (a question's id is the same in both)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def answers(self, learner: str, slug: str, question_id: str) -> list[Answer]:
        rows = self.session.scalars(
            select(QuizAnswer).join(Learner).where(Learner.token == learner, QuizAnswer.slug == slug,
                                                   QuizAnswer.question_id == question_id).order_by(QuizAnswer.id)
        )
        return [Answer(row.answer, row.correct) for row in rows]

    def add(self, learner: str, lang: str, slug: str, question_id: str, answer: Answer) -> None:
        record_quiz_answer(self.session, _learner(self.session, learner), lang, slug, question_id, answer.given,
                           answer.correct)


class LearnerChallenges:
    """The challenges' ProgressStore over the SolvedChallenge rows; learners are named by their token."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def solved(self, learner: str) -> set[str]:
        return set(self.session.scalars(
            select(SolvedChallenge.challenge_id).join(Learner).where(Learner.token == learner)
        ))

    def add_solved(self, learner: str, challenge_id: str) -> None:
        self.session.add(SolvedChallenge(learner_id=_learner(self.session, learner).id, challenge_id=challenge_id))
        try:
            self.session.commit()
        except IntegrityError:  # the same challenge checked twice at once
            self.session.rollback()


def _learner(session: Session, token: str) -> Learner:
    learner = learner_by_token(session, token)
    if learner is None:
        raise LookupError("no learner has this token")
    return learner
