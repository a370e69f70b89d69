"""The lesson pages: an index per language, each lesson, its self-check quiz and its "Try it" requests.

Like the replay, every form works twice: with htmx the answer (or the exchange) is swapped into place;
without JavaScript the same POST re-renders the lesson with the result at the form's anchor. A GET on a
form's address leads back to the lesson, so the language switch of a result page never breaks.

The lessons' commands are written for a Docker daemon on its usual socket; every page also says how to send
them to the reader's own daemon (their sandbox, or the real daemon the site uses), and gives each curl
command in that form, ready to paste.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from hellotrace.classroom import progress
from hellotrace.curl_request import LESSON_SOCKET, CurlRefused, parse_command
from hellotrace.lesson_target import LESSON_URL, CurlTarget, curl_target
from hellotrace.lessons import Lesson, LessonError, LessonLibrary, Question, QuizError
from hellotrace.messages import N_
from hellotrace.quiz import Verdict, choice_order, record_answer, verdict_for
from hellotrace.storage.database import db
from hellotrace.tracing import Exchange, TraceLimits
from hellotrace.web import labels
from hellotrace.web.i18n import current_language
from hellotrace.web.learners import current_learner, progress_changed, reader_token, record_lesson_read
from hellotrace.web.render import echoed
from hellotrace.web.replay_views import current_visitor, htmx, visitors

bp = Blueprint("lessons", __name__, url_prefix="/<lang>/lessons")

# A Try-it request may wait for a container (wait blocks until it exits) or a pull; both stay bounded.
_TRY_LIMITS = TraceLimits(connect_timeout=5.0, read_timeout=35.0, exchange_timeout=45.0,
                          max_stream_bytes=1024 * 1024, max_items=2000)


@dataclass(frozen=True)
class QuizOutcome:
    """What a page shows under a question once it was answered: the verdict, or why it could not be checked."""

    question_id: str
    given: str = ""
    verdict: Verdict | None = None
    message: str | None = None  # a quiz.* interface key when the answer could not be checked


@dataclass(frozen=True)
class TryOutcome:
    """A Try-it run: the exchange, or why the command was not sent."""

    block: int
    command: str
    exchange: Exchange | None = None
    refused: CurlRefused | None = None
    docker_host: str = ""
    via: str = "curl"  # whose request was sent: curl's, or the docker CLI's (docker pull)


@dataclass(frozen=True)
class Sandbox:
    """Where the reader's own terminal sends the lessons' commands: their sandbox in the mock engine, or the
    real daemon the site was given (then the examples really run there)."""

    docker_host: str
    mock: bool
    target: CurlTarget | None  # None when plain curl cannot reach the daemon

    @property
    def lesson_text(self) -> str:
        """What a lesson's curl command says, and `target.text` replaces."""
        return f"--unix-socket {LESSON_SOCKET} {LESSON_URL}"

    @property
    def example(self) -> str | None:
        """A first curl command to paste, already pointed at the reader's daemon."""
        return self.target.rewrite(f"curl -s {self.lesson_text}/_ping") if self.target else None


def library() -> LessonLibrary:
    return current_app.extensions["hellotrace.lessons"]


def lessons_for_step(step: int) -> list[Lesson]:
    """For templates: the lessons, in the page's language, that explain one replay step. A broken lesson
    file must not take the replay page down with it: it is logged, and the link left out."""
    try:
        return library().for_replay_step(current_language(), step)
    except LessonError:
        current_app.logger.exception("a lesson file is invalid")
        return []


def _lesson_or_404(lang: str, slug: str) -> Lesson:
    lesson = library().get(lang, slug)
    if lesson is None:
        abort(404)
    return lesson


def _sandbox() -> Sandbox:
    visitor = current_visitor()
    return Sandbox(visitor.docker_host, visitors().uses_mock, curl_target(visitor.terminal_address))


def earlier_outcomes(lesson: Lesson) -> dict[str, QuizOutcome]:
    """The reader's answers kept with their progress, shown again under each question as they were judged."""
    learner = current_learner(create=False)
    if learner is None:
        return {}
    outcomes = {question.id: question_outcome(lesson, question, learner.token) for question in lesson.quiz}
    return {question_id: outcome for question_id, outcome in outcomes.items() if outcome is not None}


def question_outcome(lesson: Lesson, question: Question, learner: str) -> QuizOutcome | None:
    """The verdict on a learner's answers to one question so far (None before any); also for a class's
    pushed question."""
    answers = progress.LearnerAnswers(db.session).answers(learner, lesson.slug, question.id)
    return QuizOutcome(question.id, answers[-1].given, verdict_for(question, answers)) if answers else None


def _page(lesson: Lesson, status: int = 200, *, quiz: QuizOutcome | None = None, trial: TryOutcome | None = None,
          message: str | None = None, message_params: dict | None = None) -> tuple[str, int]:
    previous, following = library().neighbours(lesson)
    outcomes = earlier_outcomes(lesson)
    if quiz:
        outcomes[quiz.question_id] = quiz
    learner = reader_token()
    return render_template(
        "lessons/lesson.html", lesson=lesson, previous=previous, following=following,
        choice_orders={q.id: choice_order(q, learner, lesson.slug) for q in lesson.quiz},
        prerequisites=[p for p in (library().get(lesson.lang, slug) for slug in lesson.prerequisites) if p],
        quiz_outcomes=outcomes, trials={trial.block: trial} if trial else {},
        message=message, message_params=message_params or {}, sandbox=_sandbox(),
    ), status


@bp.get("/")
def index(lang: str) -> str:
    learner = current_learner(create=False)
    done = progress.lesson_progress(db.session, learner, lang) if learner is not None else {}
    lessons = library().lessons(lang)
    return render_template("lessons/index.html", lessons=lessons, titles={item.slug: item.title for item in lessons},
                           sandbox=_sandbox(), progress=done)


@bp.get("/<slug>")
def lesson(lang: str, slug: str) -> tuple[str, int]:
    found = _lesson_or_404(lang, slug)
    record_lesson_read(lang, found.slug)
    return _page(found)


@bp.get("/<slug>/quiz/<question_id>")
@bp.get("/<slug>/try/<int:block>")
def back_to_lesson(lang: str, slug: str, question_id: str | None = None, block: int | None = None):
    """A form's address opened directly (a bookmark, the language switch): the lesson, at that form."""
    _lesson_or_404(lang, slug)
    anchor = f"quiz-{question_id}" if question_id is not None else f"try-{block}"
    return redirect(url_for("lessons.lesson", lang=lang, slug=slug, _anchor=anchor), code=303)


@bp.post("/<slug>/quiz/<question_id>")
def quiz(lang: str, slug: str, question_id: str):
    lesson = _lesson_or_404(lang, slug)
    given = request.form.get("answer")
    try:
        learner = current_learner()
        verdict = record_answer(progress.LearnerAnswers(db.session), learner.token, lesson, question_id, given)
        outcome = QuizOutcome(question_id, given or "", verdict)
        status = 200
        progress_changed(learner.id)
    except QuizError as error:
        if error.reason == "unknown_question":
            if htmx:
                return render_template("lessons/_message.html", key=N_("This lesson has no question “%(qid)s”: "
                                                                       "answer the questions at the end of the "
                                                                       "page."),
                                       params={"qid": echoed(question_id, 40)}), 404
            return _page(lesson, 404, message=N_("This lesson has no question “%(qid)s”: answer the questions at "
                                                 "the end of the page."),
                         message_params={"qid": echoed(question_id, 40)})
        outcome = QuizOutcome(question_id, (given or "")[:200], message=labels.QUIZ[error.reason])
        status = 400
    if htmx:
        # htmx only swaps 2xx answers: a missing answer is still shown in place.
        return render_template("lessons/_quiz_result.html", outcome=outcome, lesson=lesson)
    return _page(lesson, status, quiz=outcome)


@bp.post("/<slug>/try/<int:block>")
def try_block(lang: str, slug: str, block: int):
    lesson = _lesson_or_404(lang, slug)
    code_block = lesson.block(block)
    if code_block is None or code_block.request is None:
        abort(404)
    command = request.form.get("command", code_block.code)
    outcome = _run(block, command, code_block.code)
    status = 400 if outcome.refused else 200
    if htmx:
        return render_template("lessons/_try_result.html", trial=outcome, sandbox=_sandbox())
    return _page(lesson, status, trial=outcome)


def _run(block: int, command: str, lesson_command: str) -> TryOutcome:
    """Parse the command and, if it is one request the rules allow, send it to the visitor's sandbox."""
    try:
        parsed = parse_command(command)
    except CurlRefused as refused:
        return TryOutcome(block, command[:2000], refused=refused)
    pool = visitors()
    if not pool.uses_mock and command.strip() != lesson_command.strip():
        # A real daemon is root on its host: it only ever gets the calls the lessons make.
        return TryOutcome(block, command, refused=CurlRefused("real_daemon"))
    visitor = current_visitor()
    with visitor.replay.client(limits=_TRY_LIMITS) as client:
        exchange = client.request(parsed.method, parsed.target, body=parsed.body, headers=parsed.headers,
                                  stream=parsed.stream, versioned=False, label="try")
    return TryOutcome(block, command, exchange=exchange, docker_host=visitor.docker_host, via=parsed.via)
