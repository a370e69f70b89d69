"""The tables. Plain SQLAlchemy 2 declarative models: the classroom layer uses them with any Session, so it
needs no Flask; the site binds them to Flask-SQLAlchemy's session (storage/database.py).

Every change here needs a migration under migrations/versions (the site applies them on start)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Learner(Base):
    """Someone reading lessons and running steps, known by a random token in a long-lived cookie; the resume
    code carries the same progress to another device."""

    __tablename__ = "learners"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    resume_code: Mapped[str] = mapped_column(String(16), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LessonRead(Base):
    __tablename__ = "lesson_reads"
    __table_args__ = (UniqueConstraint("learner_id", "lang", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"), index=True)
    lang: Mapped[str] = mapped_column(String(8))
    slug: Mapped[str] = mapped_column(String(80))
    read_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class StepRun(Base):
    __tablename__ = "step_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"), index=True)
    step: Mapped[int] = mapped_column(Integer)
    run_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class QuizAnswer(Base):
    """Every answer given, kept: the latest per question is what pages show, the history what a teacher counts."""

    __tablename__ = "quiz_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"), index=True)
    lang: Mapped[str] = mapped_column(String(8))
    slug: Mapped[str] = mapped_column(String(80))
    question_id: Mapped[str] = mapped_column(String(80))
    answer: Mapped[str] = mapped_column(String(200))
    correct: Mapped[bool] = mapped_column(Boolean)
    answered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SolvedChallenge(Base):
    """A challenge the learner solved in their own terminal, once per challenge."""

    __tablename__ = "solved_challenges"
    __table_args__ = (UniqueConstraint("learner_id", "challenge_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"), index=True)
    challenge_id: Mapped[str] = mapped_column(String(40))
    solved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Classroom(Base):
    """A class: its join code, the hash of the teacher's secret, and where the presenter is (the sequence and
    the place in it, what followers show), with what was pushed to everyone."""

    __tablename__ = "classes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(6), unique=True)
    title: Mapped[str] = mapped_column(String(120), default="")
    secret_hash: Mapped[str] = mapped_column(String(64))
    capacity: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    follow: Mapped[bool] = mapped_column(Boolean, default=True)
    show_names: Mapped[bool] = mapped_column(Boolean, default=False)
    step: Mapped[int] = mapped_column(Integer, default=1)
    exchange: Mapped[int | None] = mapped_column(Integer, default=None)
    # The replay's sequence the teacher shows ("recipe" or "cli"): followers show the same one.
    sequence: Mapped[str] = mapped_column(String(16), default="recipe", server_default="recipe")
    pushed_lang: Mapped[str | None] = mapped_column(String(8), default=None)
    pushed_slug: Mapped[str | None] = mapped_column(String(80), default=None)
    pushed_question: Mapped[str | None] = mapped_column(String(80), default=None)
    pushed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)

    students: Mapped[list[Student]] = relationship(back_populates="classroom", order_by="Student.id")

    @property
    def ended(self) -> bool:
        return self.ended_at is not None


class Student(Base):
    """A learner in a class under a display name; `visitor` is their replay's sandbox token (never shown)."""

    __tablename__ = "students"
    __table_args__ = (UniqueConstraint("class_id", "learner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    visitor: Mapped[str] = mapped_column(String(64))
    following: Mapped[bool] = mapped_column(Boolean, default=True)
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    classroom: Mapped[Classroom] = relationship(back_populates="students")
    learner: Mapped[Learner] = relationship()
