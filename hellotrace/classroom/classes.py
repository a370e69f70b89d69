"""Classes: created by a teacher (who keeps the secret), joined by code, led by the presenter's position.

The presenter's place (step, exchange, follow on or off, what was pushed) lives in the class's row, so a
follower who connects, reconnects or comes back from exploring reads it there; the live fan-out only says
that it changed."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hellotrace.classroom.codes import JOIN_CODE_LENGTH, new_code, normalize_code
from hellotrace.classroom.terminal import TerminalActivity, Terminals
from hellotrace.storage.models import Classroom, Learner, QuizAnswer, StepRun, Student, utcnow

MAX_NAME = 40
MAX_TITLE = 120


class ClassError(ValueError):
    """Why a class cannot be joined or created; `reason` names an interface string (class.error.<reason>)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def clean_text(text: str | None, limit: int, *, reason: str, required: bool) -> str:
    """A name or title as people typed it, spaces tidied; control characters refused, but for the joiner inside
    an emoji (👩‍💻 is a woman, a zero-width joiner, a laptop)."""
    value = " ".join((text or "").split())
    if any(unicodedata.category(char).startswith("C") and not _joins_emoji(value, at) for at, char in enumerate(value)):
        raise ClassError(f"{reason}_invalid")
    if required and not value:
        raise ClassError(f"{reason}_empty")
    if len(value) > limit:
        raise ClassError(f"{reason}_too_long")
    return value


ZERO_WIDTH_JOINER = "\u200d"
# Emoji (So), their skin tones (Sk) and their variation selectors (Mn): what a joiner may stand between.
_EMOJI_PARTS = {"So", "Sk", "Mn"}


def _joins_emoji(value: str, at: int) -> bool:
    return (value[at] == ZERO_WIDTH_JOINER and 0 < at < len(value) - 1
            and unicodedata.category(value[at - 1]) in _EMOJI_PARTS
            and unicodedata.category(value[at + 1]) in _EMOJI_PARTS)


def create_class(session: Session, title: str | None, capacity: int,
                 sequence: str = "recipe") -> tuple[Classroom, str]:
    """A new class and the teacher's secret (only its hash is kept); it starts on `sequence`, the one the
    teacher's replay shows."""
    clean_title = clean_text(title, MAX_TITLE, reason="title", required=False)
    secret = secrets.token_urlsafe(24)
    for _ in range(10):
        classroom = Classroom(code=new_code(JOIN_CODE_LENGTH), title=clean_title, secret_hash=_hash(secret),
                              capacity=capacity, sequence=sequence)
        session.add(classroom)
        try:
            session.commit()
            return classroom, secret
        except IntegrityError:  # that code is taken: draw another
            session.rollback()
    raise RuntimeError("could not draw an unused join code")


def find_class(session: Session, text: str | None) -> Classroom | None:
    code = normalize_code(text, JOIN_CODE_LENGTH)
    if code is None:
        return None
    return session.scalars(select(Classroom).where(Classroom.code == code)).first()


def is_teacher(classroom: Classroom, secret: str | None) -> bool:
    return bool(secret) and hmac.compare_digest(classroom.secret_hash, _hash(secret or ""))


def joined_classes(session: Session, learner: Learner) -> list[Classroom]:
    """The classes `learner` joined that still run, the latest joined first."""
    return list(session.scalars(
        select(Classroom).join(Student).where(Student.learner_id == learner.id, Classroom.ended_at.is_(None))
        .order_by(Student.joined_at.desc())
    ))


def student_of(session: Session, classroom: Classroom, learner: Learner | None) -> Student | None:
    if learner is None:
        return None
    return session.scalars(select(Student).where(Student.class_id == classroom.id,
                                                 Student.learner_id == learner.id)).first()


def join(session: Session, classroom: Classroom, learner: Learner, name: str | None, visitor: str) -> Student:
    """The learner joins under `name` (joining again renames them); ClassError if the class is over or full."""
    clean_name = clean_text(name, MAX_NAME, reason="name", required=True)
    if classroom.ended:
        raise ClassError("ended")
    student = student_of(session, classroom, learner)
    if student is None:
        count = session.scalar(select(func.count(Student.id)).where(Student.class_id == classroom.id)) or 0
        if count >= classroom.capacity:
            raise ClassError("full")
        student = Student(class_id=classroom.id, learner_id=learner.id, name=clean_name, visitor=visitor)
        session.add(student)
    else:
        student.name, student.visitor, student.following = clean_name, visitor, True
    session.commit()
    return student


def move(session: Session, classroom: Classroom, step: int, exchange: int | None) -> None:
    classroom.step, classroom.exchange = step, exchange
    session.commit()


def choose_sequence(session: Session, classroom: Classroom, sequence: str) -> bool:
    """The teacher shows another sequence: the class follows it, at the same step (an exchange's number belongs
    to the sequence left). True if it changed."""
    if sequence == classroom.sequence:
        return False
    classroom.sequence, classroom.exchange = sequence, None
    session.commit()
    return True


def set_follow(session: Session, classroom: Classroom, follow: bool) -> None:
    classroom.follow = follow
    session.commit()


def set_show_names(session: Session, classroom: Classroom, show: bool) -> None:
    classroom.show_names = show
    session.commit()


def set_following(session: Session, student: Student, following: bool) -> None:
    student.following = following
    session.commit()


def push(session: Session, classroom: Classroom, lang: str, slug: str, question_id: str | None) -> None:
    """A lesson page (question_id None) or one of its questions, for everyone now."""
    classroom.pushed_lang, classroom.pushed_slug, classroom.pushed_question = lang, slug, question_id
    classroom.pushed_at = utcnow()
    session.commit()


def end(session: Session, classroom: Classroom) -> None:
    if classroom.ended_at is None:
        classroom.ended_at = utcnow()
        session.commit()


@dataclass
class StudentRow:
    """One line of the teacher's view."""

    number: int
    name: str
    following: bool
    terminal: TerminalActivity = TerminalActivity()
    runs: int = 0
    steps: set[int] = field(default_factory=set)
    answered: int = 0
    right: int = 0


@dataclass
class QuestionRow:
    """One quiz question as the class answered it, in whichever language (each student's first answer counts)."""

    slug: str
    question_id: str
    answered: int = 0
    right: int = 0

    @property
    def share(self) -> float:
        return self.right / self.answered if self.answered else 0.0


def class_view(session: Session, classroom: Classroom,
               terminals: Terminals | None = None) -> tuple[list[StudentRow], list[QuestionRow]]:
    """Who joined and what each did since joining (with `terminals`, what their own terminal sent to their
    sandbox); per question answered, or pushed to everyone, how many answered right the first time."""
    students = list(session.scalars(select(Student).where(Student.class_id == classroom.id).order_by(Student.id)))
    joined = {s.learner_id: s.joined_at for s in students}
    if not students:
        return [], []
    activity = (terminals.activities([(s.visitor, s.joined_at) for s in students]) if terminals
                else [TerminalActivity()] * len(students))
    rows = {s.learner_id: StudentRow(number, s.name, s.following, terminal)
            for number, (s, terminal) in enumerate(zip(students, activity, strict=True), 1)}
    for learner_id, step, run_at in session.execute(
        select(StepRun.learner_id, StepRun.step, StepRun.run_at).where(StepRun.learner_id.in_(joined))
    ):
        if run_at >= joined[learner_id]:
            rows[learner_id].runs += 1
            rows[learner_id].steps.add(step)
    # Each student's first answer since joining: what the room knew, before an explanation gave it away (a
    # question can be answered again, and a wrong answer shows why).
    # A question has the same id in every language: a class that reads in two answers one question.
    first: dict[tuple[int, str, str], bool] = {}
    for answer in session.scalars(
        select(QuizAnswer).where(QuizAnswer.learner_id.in_(joined)).order_by(QuizAnswer.id)
    ):
        if answer.answered_at >= joined[answer.learner_id]:
            first.setdefault((answer.learner_id, answer.slug, answer.question_id), answer.correct)
    questions: dict[tuple[str, str], QuestionRow] = {}
    for (learner_id, slug, question_id), correct in first.items():
        row = rows[learner_id]
        row.answered += 1
        row.right += correct
        question = questions.setdefault((slug, question_id), QuestionRow(slug, question_id))
        question.answered += 1
        question.right += correct
    if classroom.pushed_slug and classroom.pushed_question:
        # The question on everyone's screen is listed before its first answer: the teacher sees it was sent, and
        # watches the answers come in.
        key = (classroom.pushed_slug, classroom.pushed_question)
        questions.setdefault(key, QuestionRow(*key))
    return list(rows.values()), list(questions.values())
