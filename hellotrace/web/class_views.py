"""Classes on the site: a teacher creates one and presents, students join by code and follow on their own
sandboxes, the teacher sees the class, pushes a lesson or a question, and ends the class.

The teacher's secret stays in a cookie of the teacher's browser (only its hash is stored) and is never put in
a page. Live pages listen to Server-Sent Events fed by the fan-out; what they show is read from the database,
so a reconnecting or returning page finds its place again."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import segno
from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from markupsafe import Markup

from hellotrace.classroom import classes, live, progress
from hellotrace.classroom.classes import ClassError
from hellotrace.classroom.fanout import FanOut
from hellotrace.classroom.terminal import Terminals
from hellotrace.messages import N_
from hellotrace.quiz import choice_order
from hellotrace.replay import STEPS
from hellotrace.storage.database import db
from hellotrace.storage.models import Classroom, Student
from hellotrace.web import labels
from hellotrace.web.learners import current_learner
from hellotrace.web.lessons_views import library, question_outcome
from hellotrace.web.live_streams import event_stream
from hellotrace.web.render import echoed, sse_message
from hellotrace.web.replay_views import current_visitor, htmx, page_context, sequence_from_query
from hellotrace.web.room import RoomReach, room_reach
from hellotrace.whole_numbers import whole_number

bp = Blueprint("classes", __name__, url_prefix="/<lang>")

SECRET_COOKIE = "hellotrace_class_{code}"
_SECRET_PREFIX = SECRET_COOKIE.format(code="")
SECRET_SECONDS = 7 * 24 * 3600
# Idle streams send a comment this often, which also notices a browser that went away.
KEEPALIVE_SECONDS = 10.0
# How often a quiet teacher's view refreshes (students' terminal requests arrive without a signal): a command a
# student typed shows in the roster within about this long (a roster is a few milliseconds to draw, and the page
# swaps it only when it changed).
IDLE_SECONDS = 2.0


def fanout() -> FanOut:
    return current_app.extensions["hellotrace.fanout"]


def terminals() -> Terminals:
    """Where the roster reads what students' own terminals sent (see hellotrace.classroom.terminal)."""
    return current_app.extensions["hellotrace.terminals"]


class Problem(Exception):
    """A request about a class that cannot be served: the page says why (an interface key) and what to do."""

    def __init__(self, key: str, status: int) -> None:
        super().__init__(key)
        self.key = key
        self.status = status


@bp.errorhandler(Problem)
def problem(error: Problem):
    # A teacher's change the class cannot take (400) leaves the class as it was, and the teacher goes back to it;
    # the others say why the class cannot be reached at all.
    refused_change = error.status == 400
    code = (request.view_args or {}).get("code") if refused_change else None
    return render_template("class/problem.html", key=error.key, refused_change=refused_change, code=code), \
        error.status


def _class_or_404(code: str) -> Classroom:
    classroom = classes.find_class(db.session, code)
    if classroom is None:
        raise Problem(N_("No class has this code. Check the code on the teacher's screen (no 0, O, 1 or I in it) "
                         "and type it again."), 404)
    return classroom


def _teacher_class(code: str) -> Classroom:
    """The class, when this browser holds its teacher's secret; a 403 that says why otherwise."""
    classroom = _class_or_404(code)
    if not _holds_key(classroom):
        raise Problem(N_("Only the browser that created this class can present it, and this one does not hold its "
                         "teacher key. Open the class from that browser, or start a new class here."), 403)
    return classroom


def _still_running(classroom: Classroom) -> Classroom:
    """The class, unless it has ended: then nothing moves it any more (a teacher's second tab, a student's page
    opened before the end), and the page says so."""
    if classroom.ended:
        raise Problem(N_("This class has ended: nobody follows it any more. Reload the page to see it as it ended, "
                         "or start a new class."), 409)
    return classroom


def _student(classroom: Classroom) -> Student | None:
    return classes.student_of(db.session, classroom, current_learner(create=False))


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


# --- creating and presenting a class -----------------------------------------------------------------------


_NO_SUCH_CLASS = N_("No class has this code. Check the code on the teacher's screen (no 0, O, 1 or I in it) and type "
                    "it again.")
_CLASS_OVER = N_("This class has ended, so nobody can join it any more. Ask the teacher for the code of a new class.")


def _code_page(error: str | None, typed: str, status: int = 200):
    """The page that asks for a class's code, with what was typed, why it did not do, and the classes this
    browser teaches."""
    return render_template("class/join_code.html", error=error, code=echoed(typed, 20), taught=_taught_here(),
                           joined_classes=_joined_here()), status


def _taught_here() -> list[Classroom]:
    """The classes this browser holds the teacher key of, newest first: a teacher who left the presenter (the
    menu, a closed tab) finds their way back from the page that created them."""
    codes = [name[len(_SECRET_PREFIX):] for name in request.cookies if name.startswith(_SECRET_PREFIX)]
    found = [classes.find_class(db.session, code) for code in codes[:20]]
    taught = [c for c in found if c is not None and _holds_key(c)]
    return sorted(taught, key=lambda classroom: classroom.created_at, reverse=True)


def _joined_here() -> list[Classroom]:
    """The running classes this browser's learner joined, newest first: a student who closed the class's tab
    finds it again from the menu (it leads to the join page)."""
    learner = current_learner(create=False)
    if learner is None:
        return []
    return classes.joined_classes(db.session, learner)


def _holds_key(classroom: Classroom) -> bool:
    return classes.is_teacher(classroom, request.cookies.get(SECRET_COOKIE.format(code=classroom.code)))


@bp.get("/class/new")
def new(lang: str):
    return render_template("class/new.html", error=None, title="", taught=_taught_here(), reach=_reach_here(lang))


def _reach_here(lang: str) -> RoomReach:
    """Before a class exists: whether the room will reach one created from this address (the class is made
    where the teacher's browser is, so the addresses given instead lead to this form)."""
    return room_reach(request.host_url, url_for("classes.new", lang=lang))


@bp.post("/class/new")
def create(lang: str):
    title = request.form.get("title", "")
    capacity = current_app.config["CLASS_CAPACITY"]
    # The class starts on the sequence the teacher's replay shows (chosen on the replay page beforehand).
    sequence = current_visitor().replay.sequence if "visitor" in session else "recipe"
    try:
        classroom, secret = classes.create_class(db.session, title, capacity, sequence)
    except ClassError as error:
        return render_template("class/new.html", error=labels.CLASS_ERROR[error.reason], title=title[:200],
                               taught=_taught_here(), reach=_reach_here(lang)), 400
    response = redirect(url_for("classes.present", lang=lang, code=classroom.code), code=303)
    response.set_cookie(SECRET_COOKIE.format(code=classroom.code), secret, max_age=SECRET_SECONDS, httponly=True,
                        samesite="Lax", secure=request.is_secure)
    return response


def _join_url(classroom: Classroom) -> str:
    """The address projected for students: without a language (each lands in their browser's), short to type."""
    return url_for("site.join_without_language", code=classroom.code, _external=True)


def _qr_svg(url: str) -> Markup:
    """The join address as a QR code, drawn on the server as inline SVG (no script, no image request)."""
    svg = segno.make(url, error="m").svg_inline(scale=4, dark="#000", light="#fff", title=url)
    return Markup(svg)  # noqa: S704 - segno's own SVG; the URL inside is escaped by segno


def _push_choices(lang: str) -> list[tuple[str, str]]:
    """Lessons and their questions the teacher can push, as (value, label)."""
    choices = []
    for lesson in library().lessons(lang):
        choices.append((lesson.slug, lesson.title))
        for question in lesson.quiz:
            choices.append((f"{lesson.slug}/{question.id}", f"{lesson.title} — {question.question}"))
    return choices


def _sequence_chosen_here() -> Response | None:
    """After a sequence chosen on a class page (`?sequence=`, see sequence_from_query): the page again without it,
    so that a reload (or a later sibling tab's news) shows the class's sequence, not this choice over again. An
    unknown sequence is said on the page itself (its message would not outlive the redirect)."""
    if getattr(g, "messages", None):
        return None
    return redirect(url_for(request.endpoint, **(request.view_args or {})), code=303)


def _teachers_sequence(classroom: Classroom) -> Response | None:
    """The sequence the teacher shows on the presenter is the class's: chosen there, it moves the class (students
    who follow and the teacher's other tabs switch to it); opened without a choice, the presenter shows the
    class's. A run going on keeps its sequence (the replay refuses to switch), and the class keeps it too."""
    if (reloaded := sequence_from_query()) is not None:
        return reloaded
    replay = current_visitor().replay
    if "sequence" not in request.args:
        if not classroom.ended:
            replay.choose_sequence(classroom.sequence)
        return None
    if not classroom.ended and classes.choose_sequence(db.session, classroom, replay.sequence):
        live.announce(fanout(), classroom, "position")
    return _sequence_chosen_here()


@bp.get("/class/<code>/present")
def present(lang: str, code: str):
    classroom = _teacher_class(code)
    if (reloaded := _teachers_sequence(classroom)) is not None:
        return reloaded
    visitor = current_visitor()
    context = page_context(visitor)
    join_url = _join_url(classroom)
    reach = room_reach(join_url, urlsplit(join_url).path)
    students, questions = classes.class_view(db.session, classroom, terminals())
    return render_template("class/present.html", classroom=classroom, join_url=join_url, qr=_qr_svg(join_url),
                           reach=reach,
                           students=students, questions=questions, push_choices=_push_choices(lang),
                           question_labels=_question_labels(lang), presenting=True, class_page=True, **context)


def _question_labels(lang: str) -> dict[str, str]:
    """"slug/question" -> the question as the teacher's view names it (lesson title, then the question)."""
    return {f"{lesson.slug}/{question.id}": f"{lesson.title} — {question.question}"
            for lesson in library().lessons(lang) for question in lesson.quiz}


@bp.get("/class/<code>/roster")
def roster(lang: str, code: str):
    classroom = _teacher_class(code)
    students, questions = classes.class_view(db.session, classroom, terminals())
    return render_template("class/_roster.html", classroom=classroom, students=students, questions=questions,
                           question_labels=_question_labels(lang))


def _back_to_presenter(lang: str, classroom: Classroom, status: int = 204):
    if htmx or _wants_json():
        return Response(status=status)
    return redirect(url_for("classes.present", lang=lang, code=classroom.code), code=303)


@bp.post("/class/<code>/position")
def position(lang: str, code: str):
    classroom = _still_running(_teacher_class(code))
    step, exchange_text = whole_number(request.form.get("step", "")), request.form.get("exchange", "")
    exchange = whole_number(exchange_text, 2) if exchange_text else None
    if step not in STEPS or (exchange_text and exchange is None):
        raise Problem(N_("That place in the replay does not exist (steps go from 1 to 4). Move with the arrows or "
                         "the step buttons."), 400)
    classes.move(db.session, classroom, step, exchange)
    live.announce(fanout(), classroom, "position", by=_presenter_tab())
    return _back_to_presenter(lang, classroom)


def _presenter_tab() -> str:
    """Which of the teacher's presenter tabs posted (a word it chose), so that it ignores its own news."""
    tab = request.form.get("tab", "")
    return tab if tab.isalnum() and tab.isascii() and len(tab) <= 16 else ""


@bp.post("/class/<code>/follow")
def follow(lang: str, code: str):
    classroom = _still_running(_teacher_class(code))
    classes.set_follow(db.session, classroom, request.form.get("follow") == "on")
    live.announce(fanout(), classroom, "position", by=_presenter_tab())
    live.roster_changed(fanout(), classroom.id)  # who follows, as the roster says
    return _back_to_presenter(lang, classroom)


@bp.post("/class/<code>/names")
def names(lang: str, code: str):
    classroom = _teacher_class(code)
    classes.set_show_names(db.session, classroom, request.form.get("show") == "on")
    live.roster_changed(fanout(), classroom.id)
    return _back_to_presenter(lang, classroom)


@bp.post("/class/<code>/push")
def push(lang: str, code: str):
    classroom = _still_running(_teacher_class(code))
    slug, _, question_id = request.form.get("target", "").partition("/")
    lesson = library().get(lang, slug)
    if lesson is None or (question_id and lesson.question(question_id) is None):
        raise Problem(N_("That lesson or question does not exist in this language. Choose one from the list."), 400)
    classes.push(db.session, classroom, lang, slug, question_id or None)
    live.announce(fanout(), classroom, "pushed")
    live.roster_changed(fanout(), classroom.id)  # the question sent, listed before its first answer
    return _back_to_presenter(lang, classroom)


@bp.post("/class/<code>/end")
def end(lang: str, code: str):
    classroom = _teacher_class(code)
    classes.end(db.session, classroom)
    live.announce(fanout(), classroom, "ended")
    live.roster_changed(fanout(), classroom.id)
    return redirect(url_for("classes.present", lang=lang, code=classroom.code), code=303)


@bp.get("/class/<code>/teacher-events")
def teacher_events(lang: str, code: str) -> Response:
    classroom = _teacher_class(code)
    # On (re)connection the view fetches the roster once and learns where the class is: whatever happened while it
    # was away (a tab reloaded as its sibling started a run) is shown. Requests from students' terminals reach the
    # trace store, not the fan-out: a quiet class still refreshes now and then.
    return _stream(live.teacher_channel(classroom.id),
                   lambda: [{"kind": "roster"}, {**live.position(classroom), "by": ""}], idle={"kind": "roster"})


# --- joining and following ---------------------------------------------------------------------------------


@bp.get("/join")
def join_form(lang: str):
    return _code_page(None, "")


@bp.post("/join")
def join_lookup(lang: str):
    typed = request.form.get("code", "")
    classroom = classes.find_class(db.session, typed)
    if classroom is None or classroom.ended:
        return _code_page(_NO_SUCH_CLASS if classroom is None else _CLASS_OVER, typed, 404 if not classroom else 410)
    return redirect(url_for("classes.join_code", lang=lang, code=classroom.code), code=303)


@bp.get("/join/<code>")
def join_code(lang: str, code: str):
    classroom = classes.find_class(db.session, code)
    if classroom is None or classroom.ended:
        return _code_page(_NO_SUCH_CLASS if classroom is None else _CLASS_OVER, code, 404 if not classroom else 410)
    if _holds_key(classroom):  # the teacher's own class (its code typed, its QR code scanned): they present it
        return redirect(url_for("classes.present", lang=lang, code=classroom.code), code=303)
    current_visitor()  # the student's own visitor and sandbox, made with this page (the join form needs it)
    student = _student(classroom)
    return render_template("class/join.html", classroom=classroom, error=None,
                           name=student.name if student else "", joined=student is not None)


@bp.post("/join/<code>")
def join(lang: str, code: str):
    classroom = classes.find_class(db.session, code)
    if classroom is None:
        return _code_page(_NO_SUCH_CLASS, code, 404)
    name = request.form.get("name", "")
    try:
        # Checked before a learner is made for this browser: a refused name creates nothing.
        classes.clean_text(name, classes.MAX_NAME, reason="name", required=True)
        if classroom.ended:
            raise ClassError("ended")
        classes.join(db.session, classroom, current_learner(), name, current_visitor().token)
    except ClassError as error:
        status = {"ended": 410, "full": 409}.get(error.reason, 400)
        return render_template("class/join.html", classroom=classroom, error=labels.CLASS_ERROR[error.reason],
                               name=name[:200]), status
    live.roster_changed(fanout(), classroom.id)
    return redirect(url_for("classes.follow_page", lang=lang, code=classroom.code), code=303)


@bp.get("/class/<code>")
def follow_page(lang: str, code: str):
    classroom = _class_or_404(code)
    student = _student(classroom)
    if student is None:
        return redirect(url_for("classes.join_code", lang=lang, code=classroom.code), code=303)
    if (reloaded := _students_sequence(classroom, student)) is not None:
        return reloaded
    return render_template("class/follow.html", classroom=classroom, student=student,
                           pushed=_pushed(classroom), pushed_mark=live.pushed_mark(classroom), class_page=True,
                           **page_context(current_visitor()))


def _students_sequence(classroom: Classroom, student: Student) -> Response | None:
    """A student who follows sees the teacher's sequence, as the teacher's step: on joining, on a reload. One who
    explores keeps their own; choosing another sequence than the teacher's is exploring on their own (the teacher's
    next move would otherwise take it back, or mark a step of the other sequence)."""
    if (reloaded := sequence_from_query()) is not None:
        return reloaded
    replay = current_visitor().replay
    led = student.following and classroom.follow and not classroom.ended
    if "sequence" not in request.args:
        if led:
            replay.choose_sequence(classroom.sequence)
        return None
    if led and replay.sequence != classroom.sequence:
        classes.set_following(db.session, student, False)
        live.roster_changed(fanout(), classroom.id)
    return _sequence_chosen_here()


def _pushed(classroom: Classroom) -> dict | None:
    """What the teacher pushed, ready for the student's page: the lesson, and the question if one; nothing once
    the class has ended (it asked for now)."""
    if not classroom.pushed_slug or classroom.pushed_lang is None or classroom.ended:
        return None
    # Lessons share their slugs and question ids across languages: each student reads it in their own.
    lesson = library().get(g.lang, classroom.pushed_slug)
    if lesson is None or (classroom.pushed_question and lesson.question(classroom.pushed_question) is None):
        lesson = library().get(classroom.pushed_lang, classroom.pushed_slug)
    if lesson is None:
        return None
    question = lesson.question(classroom.pushed_question) if classroom.pushed_question else None
    if question is None:
        return {"lesson": lesson, "question": None, "answers": {}, "orders": {}}
    outcomes = {}
    learner = current_learner(create=False)
    reader = learner.token if learner is not None else current_visitor().token
    if learner is not None:
        earlier = progress.last_answer(db.session, learner, lesson.slug, question.id)
        outcome = question_outcome(lesson, question, learner.token)
        if earlier is not None and earlier.answered_at >= classroom.pushed_at and outcome is not None:
            outcomes = {question.id: outcome}
    return {"lesson": lesson, "question": question, "answers": outcomes,
            "orders": {question.id: choice_order(question, reader, lesson.slug)}}


@bp.get("/class/<code>/pushed")
def pushed(lang: str, code: str):
    classroom = _class_or_404(code)
    if _student(classroom) is None:
        raise Problem(N_("This browser has not joined this class yet: join it with its code first."), 403)
    return render_template("class/_pushed.html", pushed=_pushed(classroom))


def _set_following(lang: str, code: str, following: bool):
    classroom = _still_running(_class_or_404(code))
    student = _student(classroom)
    if student is None:
        raise Problem(N_("This browser has not joined this class yet: join it with its code first."), 403)
    classes.set_following(db.session, student, following)
    live.following_changed(fanout(), classroom.id, student.id, following)
    live.roster_changed(fanout(), classroom.id)
    if _wants_json():
        return {"following": following, "position": live.position(classroom)}
    return redirect(url_for("classes.follow_page", lang=lang, code=classroom.code), code=303)


@bp.post("/class/<code>/explore")
def explore(lang: str, code: str):
    return _set_following(lang, code, False)


@bp.post("/class/<code>/rejoin")
def rejoin(lang: str, code: str):
    return _set_following(lang, code, True)


@bp.get("/class/<code>/events")
def events(lang: str, code: str) -> Response:
    classroom = _class_or_404(code)
    if _student(classroom) is None:
        raise Problem(N_("This browser has not joined this class yet: join it with its code first."), 403)

    def current_state() -> list[dict]:
        db.session.refresh(classroom)
        state = [live.position(classroom)]
        if classroom.pushed_at is not None:
            state.append(live.pushed(classroom))
        if classroom.ended:
            state.append({"kind": "ended"})
        return state

    return _stream(live.class_channel(classroom.id), current_state)


def _stream(channel: str, current_state: Callable[[], list[dict]], idle: dict | None = None) -> Response:
    """Server-Sent Events: the current state first, then every signal of the channel. The state is read
    after subscribing, so that no change can fall between the two. `idle` is sent when nothing happened for
    a while (a keep-alive comment otherwise)."""
    subscription = fanout().subscribe(channel)
    try:
        first = current_state()
    except Exception:
        subscription.close()
        raise
    db.session.remove()  # a live stream holds no database connection

    def stream() -> Iterator[str]:
        try:
            for message in first:
                yield sse_message(json.dumps(message), event=str(message["kind"]))
            while True:
                message = subscription.get(IDLE_SECONDS if idle else KEEPALIVE_SECONDS)
                if message is None:
                    yield sse_message(json.dumps(idle), event=str(idle["kind"])) if idle else ": keep-alive\n\n"
                    continue
                kind = str(live.decode(message).get("kind", "message"))
                yield sse_message(message, event=kind)
                if kind == "ended":
                    return
        finally:
            subscription.close()

    return event_stream(stream(), long=True)

