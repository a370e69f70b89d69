"""Classes and progress through the site's routes, on SQLite and PostgreSQL: joining, refusals in the reader's
language, escaping, the teacher's secret kept off students' pages, CSRF, and everything still there after a
restart of the site."""

from __future__ import annotations

import gzip
import re

import pytest
import requests

from hellotrace.classroom import classes, live
from hellotrace.classroom.progress import LearnerChallenges
from hellotrace.storage.database import db, dispose
from tests.conftest import site_app
from tests.interface_text import translated
from tests.test_trace_store import traced_engine, wait_finished  # noqa: F401 - a fixture

CLASS_ERROR_BAD_PUSH = "That lesson or question does not exist in this language. Choose one from the list."
CLASS_ERROR_ENDED = (
    "This class has ended, so nobody can join it any more. Ask the teacher for the code of a new class."
)
CLASS_ERROR_OVER = (
    "This class has ended: nobody follows it any more. Reload the page to see it as it ended, or start a new class."
)
CLASS_ERROR_FULL = "This class is full: it has reached its number of students. Ask the teacher to open another class."
CLASS_ERROR_NAME_EMPTY = "Give a name so the teacher knows who you are (a first name is enough)."
CLASS_ERROR_NAME_TOO_LONG = "This name is longer than 40 characters: shorten it, then join again."
CLASS_ERROR_NOT_TEACHER = (
    "Only the browser that created this class can present it, and this one does not hold its teacher key. Open the "
    "class from that browser, or start a new class here."
)
CLASS_ERROR_UNKNOWN = (
    "No class has this code. Check the code on the teacher's screen (no 0, O, 1 or I in it) and type it again."
)
PROGRESS_ERROR_UNKNOWN = (
    "No progress has this resume code. Check it (10 characters, no 0, O, 1 or I) and type it again."
)


def text(key: str, lang: str = "en") -> str:
    return translated(key, lang).replace("'", "&#39;")


@pytest.fixture
def make_app(mock_engine, database_url, tmp_path):
    """The site on one database and instance folder; called again, it is the same site restarted."""
    apps = []

    def make(**config):
        app = site_app(mock_engine, DATABASE_URL=database_url, INSTANCE=str(tmp_path), **config)
        apps.append(app)
        return app

    yield make
    for app in apps:
        dispose(app)


def new_class(client, title: str = "Docker 101") -> str:
    response = client.post("/en/class/new", data={"title": title})
    assert response.status_code == 303
    return re.search(r"/class/(\w{6})/present", response.headers["Location"]).group(1)


def join(client, code: str, name: str, lang: str = "en"):
    """As a browser does: the join page first (it starts the session), then the form."""
    client.get(f"/{lang}/join/{code}")
    return client.post(f"/{lang}/join/{code}", data={"name": name})


def test_create_join_and_follow(make_app):
    app = make_app()
    teacher, student = app.test_client(), app.test_client()
    code = new_class(teacher, "Docker <b>101</b>")
    page = teacher.get(f"/en/class/{code}/present").get_data(as_text=True)
    assert f'data-join-code="{code}"' in page
    assert "<svg" in page and f"http://localhost/join/{code}" in page
    assert "Docker &lt;b&gt;101&lt;/b&gt;" in page and "<b>101</b>" not in page
    assert join(student, code.lower(), "<script>alert(1)</script>").status_code == 303
    follow = student.get(f"/en/class/{code}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in follow and "<script>alert" not in follow
    secret = teacher.get_cookie(f"hellotrace_class_{code}").value
    assert secret not in follow
    roster = teacher.get(f"/en/class/{code}/roster").get_data(as_text=True)
    assert "Student 1" in roster and "alert(1)" not in roster
    teacher.post(f"/en/class/{code}/names", data={"show": "on"})
    roster = teacher.get(f"/en/class/{code}/roster").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in roster


def test_a_student_back_on_the_join_page_is_told_they_joined(make_app):
    """The browser's Back leads from the class to the join form: it says so, and joining again only renames."""
    app = make_app()
    teacher, student = app.test_client(), app.test_client()
    code = new_class(teacher)
    fresh = student.get(f"/en/join/{code}").get_data(as_text=True)
    assert "already joined" not in fresh
    assert join(student, code, "Ada").status_code == 303
    again = student.get(f"/fr/join/{code}").get_data(as_text=True)
    assert "Ada" in again and f'href="/fr/class/{code}"' in again and 'value="Ada"' in again
    assert join(student, code, "Ada L.").status_code == 303
    roster = teacher.get(f"/en/class/{code}/roster").get_data(as_text=True)
    assert roster.count("data-student=") == 1


def test_students_have_their_own_sandboxes(make_app):
    app = make_app()
    teacher = app.test_client()
    code = new_class(teacher)
    hosts = set()
    for name in ("Ada", "Bob"):
        client = app.test_client()
        join(client, code, name)
        page = client.get(f"/en/class/{code}").get_data(as_text=True)
        hosts.add(re.search(r"export DOCKER_HOST=(\S+)", page).group(1))
    assert len(hosts) == 2


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_refusals_say_why_in_the_readers_language(make_app, lang):
    app = make_app(CLASS_CAPACITY=1)
    teacher = app.test_client()
    code = new_class(teacher)
    unknown = app.test_client().post(f"/{lang}/join", data={"code": "ZZZZZZ"})
    assert unknown.status_code == 404 and text(CLASS_ERROR_UNKNOWN, lang) in unknown.get_data(as_text=True)
    empty = join(app.test_client(), code, "   ", lang)
    assert empty.status_code == 400 and text(CLASS_ERROR_NAME_EMPTY, lang) in empty.get_data(as_text=True)
    long = join(app.test_client(), code, "x" * 41, lang)
    assert long.status_code == 400 and text(CLASS_ERROR_NAME_TOO_LONG, lang) in long.get_data(as_text=True)
    assert join(app.test_client(), code, "Ada", lang).status_code == 303
    full = join(app.test_client(), code, "Bob", lang)
    assert full.status_code == 409 and text(CLASS_ERROR_FULL, lang) in full.get_data(as_text=True)
    roster = teacher.get(f"/{lang}/class/{code}/roster").get_data(as_text=True)
    assert roster.count("data-student=") == 1
    teacher.post(f"/{lang}/class/{code}/end")
    ended = app.test_client().get(f"/{lang}/join/{code}")
    assert ended.status_code == 410 and text(CLASS_ERROR_ENDED, lang) in ended.get_data(as_text=True)


@pytest.mark.parametrize("place", [{"step": "²"}, {"step": "9"}, {"step": "2", "exchange": "²"},
                                   {"step": "2", "exchange": "4" * 5000}, {"step": "2", "exchange": "100"}])
def test_a_place_that_is_not_in_the_replay_changes_nothing_and_says_so(make_app, place):
    app = make_app()
    teacher = app.test_client()
    code = new_class(teacher)
    refused = teacher.post(f"/en/class/{code}/position", data=place)
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "The class was not changed" in html and "That place in the replay does not exist" in html
    assert "cannot be reached" not in html and f'href="/en/class/{code}/present"' in html


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_an_ended_class_moves_no_more(make_app, lang):
    """A teacher's second tab, or a student's page opened before the end, cannot move a class that ended."""
    app = make_app()
    teacher = app.test_client()
    code = new_class(teacher)
    student = app.test_client()
    # A name with a space: a page's masked CSRF tokens are random URL-safe base64, in which "Ada" alone turns up
    # about once in a hundred pages (and failed the last assertion so).
    assert join(student, code, "Ada Lovelace", lang).status_code == 303
    assert teacher.post(f"/{lang}/class/{code}/position", data={"step": "3"}).status_code == 303
    teacher.post(f"/{lang}/class/{code}/end")
    refused = [
        teacher.post(f"/{lang}/class/{code}/position", data={"step": "4"}),
        teacher.post(f"/{lang}/class/{code}/follow", data={"follow": "off"}),
        teacher.post(f"/{lang}/class/{code}/push", data={"target": "engine-api"}),
        student.post(f"/{lang}/class/{code}/explore"),
        student.post(f"/{lang}/class/{code}/rejoin", headers={"Accept": "application/json"}),
    ]
    for response in refused:
        assert response.status_code == 409 and text(CLASS_ERROR_OVER, lang) in response.get_data(as_text=True)
    page = teacher.get(f"/{lang}/class/{code}/present").get_data(as_text=True)
    # Only the names can still change: the results stay projected, the names need hiding as much then.
    assert 'data-step-now="3"' in page and page.count("data-presenter-form") == 1 and "names-toggle" in page
    # Nothing moves any more: the page no longer listens for the class's news (its roster refreshed every 2 s).
    assert "data-teacher-events" not in page
    teacher.post(f"/{lang}/class/{code}/names", data={"show": "on"})
    assert "Ada Lovelace" in teacher.get(f"/{lang}/class/{code}/present").get_data(as_text=True)
    assert teacher.post(f"/{lang}/class/{code}/names", data={"show": "off"}).status_code == 303
    assert "Ada Lovelace" not in teacher.get(f"/{lang}/class/{code}/present").get_data(as_text=True)


def test_only_the_teachers_browser_presents(make_app):
    app = make_app()
    code = new_class(app.test_client())
    stranger = app.test_client()
    for response in (stranger.get(f"/en/class/{code}/present"),
                     stranger.post(f"/en/class/{code}/position", data={"step": "2"}),
                     stranger.post(f"/en/class/{code}/end")):
        assert response.status_code == 403
        assert text(CLASS_ERROR_NOT_TEACHER) in response.get_data(as_text=True)
    stranger.set_cookie(f"hellotrace_class_{code}", "guess")
    assert stranger.get(f"/en/class/{code}/present").status_code == 403


def test_class_forms_need_the_csrf_token(make_app):
    app = make_app()
    client = app.test_client()
    assert client.post("/en/class/new", data={"title": "x"}, csrf=False).status_code == 400
    page = client.get("/en/class/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/en/class/new", data={"title": "x", "csrf_token": token}, csrf=False).status_code == 303
    code = new_class(client)
    student = app.test_client()
    student.get(f"/en/join/{code}")
    assert student.post(f"/en/join/{code}", data={"name": "Ada"}, csrf=False).status_code == 400
    assert client.post(f"/en/class/{code}/position", data={"step": "2"}, csrf=False).status_code == 400


def test_everything_is_still_there_after_a_restart(make_app):
    first = make_app()
    teacher, student = first.test_client(), first.test_client()
    code = new_class(teacher)
    join(student, code, "Ada")
    student.post("/en/lessons/engine-api/quiz/q1", data={"answer": "1"})
    student.post("/en/replay/run", data={"step": "1"})
    cookies = {client: {name: client.get_cookie(name).value for name in
                        ("session", "hellotrace_learner", f"hellotrace_class_{code}") if client.get_cookie(name)}
               for client in (teacher, student)}
    second = make_app()
    again = {}
    for client, jar in cookies.items():
        again[client] = second.test_client()
        for name, value in jar.items():
            again[client].set_cookie(name, value)
    roster = again[teacher].get(f"/en/class/{code}/roster").get_data(as_text=True)
    assert "data-student=\"1\"" in roster and "1 right of 1" in roster and "step 1 · run once" in roster
    lesson = again[student].get("/en/lessons/engine-api").get_data(as_text=True)
    assert re.search(r'value="1" required checked', lesson)
    assert text("Correct.") in lesson
    assert again[student].get(f"/en/class/{code}").status_code == 200


def test_quiz_tries_and_solved_challenges_outlive_a_restart(make_app):
    """The quiz rules count the tries kept in the database: a first wrong answer before a restart and a second
    one after it settle the question. A solved challenge is still solved after the restart."""
    first = make_app()
    reader = first.test_client()
    reader.get("/en/lessons/engine-api")
    answer = reader.post("/en/lessons/engine-api/quiz/q1", data={"answer": "0"}, headers={"HX-Request": "true"})
    assert 'class="quiz-verdict retry"' in answer.get_data(as_text=True)
    learner = reader.get_cookie("hellotrace_learner").value
    with first.app_context():
        LearnerChallenges(db.session).add_solved(learner, "too-old")
    second = make_app()
    again = second.test_client()
    for name in ("session", "hellotrace_learner"):
        again.set_cookie(name, reader.get_cookie(name).value)
    lesson = again.get("/en/lessons/engine-api").get_data(as_text=True)
    assert re.search(r'value="0" required checked', lesson) and 'class="quiz-verdict retry"' in lesson
    settled = again.post("/en/lessons/engine-api/quiz/q1", data={"answer": "0"}, headers={"HX-Request": "true"})
    assert 'class="quiz-verdict wrong"' in settled.get_data(as_text=True)
    page = again.get("/en/challenges").get_data(as_text=True)
    assert 'data-challenge-solved="too-old"' in page and re.search(r'data-solved-count="1"', page)


def test_resume_code_carries_progress_to_another_browser(make_app):
    app = make_app()
    laptop, phone = app.test_client(), app.test_client()
    laptop.get("/en/lessons/engine-api")
    laptop.post("/en/lessons/engine-api/quiz/q1", data={"answer": "0"})
    page = laptop.get("/en/progress").get_data(as_text=True)
    code = re.search(r"data-resume-code>([A-Z0-9-]+)<", page).group(1)
    index = laptop.get("/en/lessons/").get_data(as_text=True)
    assert "opened · 0 of 3 questions right" in index
    for empty in ("", "   "):  # nothing typed: asked for the code, not told it matches nobody
        answer = phone.post("/en/progress", data={"code": empty})
        assert answer.status_code == 400 and text("Type the resume code shown on your other device (10 characters).") \
            in answer.get_data(as_text=True)
    wrong = phone.post("/en/progress", data={"code": "NOPE"})
    assert wrong.status_code == 404 and text(PROGRESS_ERROR_UNKNOWN) in wrong.get_data(as_text=True)
    assert phone.post("/en/progress", data={"code": code.lower()}).status_code == 303
    lesson = phone.get("/en/lessons/engine-api").get_data(as_text=True)
    assert re.search(r'value="0" required checked', lesson) and text("Not quite.") in lesson


def test_a_resume_code_typed_where_there_was_progress_adds_that_progress_to_it(make_app):
    """A school computer's answers and steps were thrown away when its reader typed their home code; they are
    added to the progress the code brings, for both devices to see, and the page says so."""
    app = make_app()
    home, school, teacher = app.test_client(), app.test_client(), app.test_client()
    class_code = new_class(teacher)
    join(school, class_code, "Ada")  # in class at school: the place in the class comes along too
    home.get("/en/lessons/engine-api")
    home.post("/en/lessons/engine-api/quiz/q1", data={"answer": "0"})
    code = re.search(r"data-resume-code>([A-Z0-9-]+)<", home.get("/en/progress").get_data(as_text=True)).group(1)
    school.get("/en/lessons/client-config")
    school.post("/en/lessons/client-config/quiz/q1", data={"answer": "0"})
    assert school.post("/en/replay/run", data={"step": "1"}).status_code == 303
    before = school.get("/en/progress").get_data(as_text=True)
    assert text("Type here the resume code your other device shows: this browser continues that progress, and what "
                "you did here so far is added to it, not lost.") in before
    answer = school.post("/en/progress", data={"code": code}, follow_redirects=True)
    page = answer.get_data(as_text=True)
    assert text("Welcome back: your progress is on this device now, and what you had done here before was added "
                "to it.") in page
    assert f"data-resume-code>{code}<" in page
    for device in (school, home):
        page = device.get("/en/progress").get_data(as_text=True)
        assert "Replay steps you ran: 1" in page
        for lesson in ("engine-api", "client-config"):  # each opened, a question answered (" · ")
            state = re.search(rf'/en/lessons/{lesson}">[^<]+</a> —\s*<span class="lesson-progress[^"]*">([^<]+)<',
                              page).group(1)
            assert state.startswith("opened · "), (lesson, state)
    roster = teacher.get(f"/en/class/{class_code}/roster").get_data(as_text=True)
    assert "step 1 · run once" in roster and "0 right of 2" in roster, roster  # both devices' answers
    # Typed again, it is the same progress: nothing more to add, and the page says only welcome back.
    again = school.post("/en/progress", data={"code": code}, follow_redirects=True).get_data(as_text=True)
    assert text("Welcome back: your progress is on this device now.") in again and "was added" not in again


def test_a_students_panel_names_them_as_typed_and_says_when_the_class_is_over(make_app):
    app = make_app()
    teacher, student = app.test_client(), app.test_client()
    code = new_class(teacher, "Docker 101")
    join(student, code, "Alice B.")
    page = student.get(f"/en/class/{code}").get_data(as_text=True)
    assert re.search(r"You are in “Docker 101”\.\s+Your name: Alice B\.</p>", page)
    teacher.post(f"/en/class/{code}/end")
    page = student.get(f"/en/class/{code}").get_data(as_text=True)
    assert "You were in “Docker 101”." in page and "You are in" not in page


def test_a_lesson_whose_questions_were_all_answered_right_is_completed(make_app):
    client = make_app().test_client()
    client.get("/en/lessons/engine-api")
    for question in ("q1", "q2", "q3"):
        client.post(f"/en/lessons/engine-api/quiz/{question}", data={"answer": "0"})
        client.post(f"/en/lessons/engine-api/quiz/{question}", data={"answer": "1"})
    for page in ("/en/lessons/", "/en/progress"):
        assert "completed · 3 of 3 questions right" in client.get(page).get_data(as_text=True), page


def test_teacher_sees_what_each_students_terminal_sent(traced_engine, tmp_path):  # noqa: F811
    """Requests from a student's own terminal (not the site's replay) are counted, with their last command;
    another student's count stays at zero."""
    engine, store = traced_engine
    app = site_app(engine, trace=store, INSTANCE=str(tmp_path))
    teacher, ada, bob = app.test_client(), app.test_client(), app.test_client()
    code = new_class(teacher)
    for client, name in ((ada, "Ada"), (bob, "Bob")):
        join(client, code, name)
        client.post("/en/replay/run", data={"step": "1"})
    with ada.session_transaction() as session:
        sandbox = session["visitor"]
    base = engine.sandbox_host(sandbox).replace("tcp://", "http://")
    assert requests.get(f"{base}/v1.55/images/json", headers={"User-Agent": "Docker-Client/28.2.2 (linux)"},
                        timeout=5).ok
    wait_finished(store, sandbox, 1)
    roster = teacher.get(f"/en/class/{code}/roster").get_data(as_text=True)
    rows = re.findall(r'<tr data-student="\d">.*?</tr>', roster, re.S)
    assert "requests: 1 · <code>docker images</code>" in rows[0]
    assert "requests: 0" in rows[1]
    # curl's request is named as it was sent: a curl of /containers/json is not `docker ps`.
    assert requests.get(f"{base}/v1.55/containers/json?all=1", headers={"User-Agent": "curl/8.14.1"}, timeout=5).ok
    wait_finished(store, sandbox, 2)
    roster = teacher.get(f"/en/class/{code}/roster").get_data(as_text=True)
    rows = re.findall(r'<tr data-student="\d">.*?</tr>', roster, re.S)
    assert "requests: 2 · <code>GET /v1.55/containers/json?all=1</code>" in rows[0]
    dispose(app)


def a_question_pushed_to_zoe(make_app) -> tuple:
    """A class whose teacher pushed engine-api's q1 (in English) to Zoé, who joined in French."""
    app = make_app()
    teacher, student = app.test_client(), app.test_client()
    code = new_class(teacher)
    join(student, code, "Zoé", "fr")
    teacher.post(f"/en/class/{code}/push", data={"target": "engine-api/q1"})
    return teacher, student, code


def test_a_pushed_question_is_asked_in_each_students_language(make_app):
    teacher, student, code = a_question_pushed_to_zoe(make_app)
    pushed = student.get(f"/fr/class/{code}/pushed").get_data(as_text=True)
    assert text("Everyone, answer this now", "fr") in pushed
    assert 'action="/fr/lessons/engine-api/quiz/q1' in pushed
    bad = teacher.post(f"/en/class/{code}/push", data={"target": "engine-api/q99"})
    assert bad.status_code == 400 and text(CLASS_ERROR_BAD_PUSH) in bad.get_data(as_text=True)


def test_the_presenter_loaded_again_still_says_what_was_sent_to_everyone(make_app):
    """The "Sent to everyone: …" line was written by the page's script when the teacher sent: reloaded (after R, or
    a second tab), the presenter no longer said which question was live, and its list showed the first lesson."""
    teacher, _, code = a_question_pushed_to_zoe(make_app)
    for lang in ("en", "fr"):
        page = teacher.get(f"/{lang}/class/{code}/present").get_data(as_text=True)
        sent = re.search(r'<span class="push-sent[^>]*>(.*?)</span>', page, re.S).group(1)
        assert sent.startswith(text("Sent to everyone:", lang)) and "—" in sent, sent
        chosen = re.findall(r'<option value="([^"]+)" selected>', page)
        assert chosen == ["engine-api/q1"]


def test_a_pushed_question_answered_in_one_language_stays_answered_in_the_other(make_app):
    teacher, student, code = a_question_pushed_to_zoe(make_app)
    student.post("/fr/lessons/engine-api/quiz/q1", data={"answer": "1"})
    in_french = student.get(f"/fr/class/{code}/pushed").get_data(as_text=True)
    in_english = student.get(f"/en/class/{code}/pushed").get_data(as_text=True)
    assert re.search(r'value="1" required checked', in_french)
    assert re.search(r'value="1" required checked', in_english) and text("Correct.") in in_english
    roster = teacher.get(f"/en/class/{code}/roster").get_data(as_text=True)
    assert "1 right of 1" in roster


def test_a_teacher_who_left_the_presenter_finds_their_class_again(make_app):
    """The menu leads to the join page: a teacher who left the presenter (a closed tab) sees their classes there
    and on the page that creates them, and typing their own code leads to the presenter, not to joining."""
    app = make_app()
    teacher, student = app.test_client(), app.test_client()
    code = new_class(teacher, "Docker 101")
    other = new_class(teacher, "")
    for page in ("/en/join", "/en/class/new"):
        text = teacher.get(page).get_data(as_text=True)
        assert "Your classes" in text and f"/en/class/{code}/present" in text and f"/en/class/{other}/present" in text
        assert "Docker 101" in text and f"Class {other}" in text
    assert "Your classes" not in student.get("/en/join").get_data(as_text=True)
    typed = teacher.post("/en/join", data={"code": code.lower()}, follow_redirects=True)
    assert typed.request.path == f"/en/class/{code}/present"
    joining = student.post("/en/join", data={"code": code}, follow_redirects=True)
    assert joining.request.path == f"/en/join/{code}"
    assert "Vos classes" in teacher.get("/fr/class/new").get_data(as_text=True)


def test_the_presenter_does_not_project_the_teachers_sandbox_address(make_app):
    """Anyone who types the teacher's sandbox name drives the teacher's sandbox (removes the image mid-demo): the
    projected page never shows it, not in DOCKER_HOST nor in the paths of the requests its runs send (the page, a
    run's fragment and live stream, a reset); the teacher's own replay page does, and a student's page theirs."""
    app = make_app()
    teacher, student = app.test_client(), app.test_client()
    code = new_class(teacher)
    presenter = f"/en/class/{code}/present"
    own = teacher.get("/en/replay").get_data(as_text=True)
    sandbox = re.search(r"export DOCKER_HOST=\S+/sandboxes/([\w-]+)", own).group(1)
    short = sandbox[:len(sandbox) - 12] + "…"
    projected = teacher.get(presenter).get_data(as_text=True)
    assert 'id="docker-host"' not in projected and "does not show it" in projected and sandbox not in projected
    from_presenter = {"HX-Request": "true", "HX-Current-URL": f"http://localhost{presenter}"}
    started = teacher.post("/en/replay/run", data={"step": "1"}, headers=from_presenter).get_data(as_text=True)
    stream = re.search(r'sse-connect="([^"]+)"', started).group(1).replace("&amp;", "&")
    assert stream.endswith("?projected=1"), stream
    events = teacher.get(stream).get_data(as_text=True)
    assert f"/sandboxes/{short}/_ping" in events and sandbox not in events
    projected = teacher.get(presenter, headers={"Accept-Encoding": "gzip"})
    assert projected.headers["Content-Encoding"] == "gzip"
    page = gzip.decompress(projected.get_data()).decode()
    assert f"/sandboxes/{short}/_ping" in page and sandbox not in page
    reset = teacher.post("/en/replay/reset", headers=from_presenter).get_data(as_text=True)
    assert "DELETE" in reset and sandbox not in reset
    own = teacher.get("/en/replay").get_data(as_text=True)
    assert f"/sandboxes/{sandbox}" in own and "export DOCKER_HOST=" in own
    join(student, code, "Ada")
    assert 'id="docker-host"' in student.get(f"/en/class/{code}").get_data(as_text=True)


def test_choosing_the_sequence_keeps_the_presenter_and_the_students_page(make_app):
    """The sequence radios reloaded /replay into the presenter: the class panel went, and the paths of the runs
    that followed were no longer cut short on the projector. A class page loads again whole (its live script
    holds the panel), and comes back without the choice in its address."""
    app = make_app()
    teacher, student = app.test_client(), app.test_client()
    code = new_class(teacher)
    join(student, code, "Ada")
    presenter, follower = f"/en/class/{code}/present", f"/en/class/{code}"
    for client, path in ((teacher, presenter), (student, follower)):
        page = client.get(path).get_data(as_text=True)
        assert f'data-sequence-reload="{path}"' in page and f'formaction="{path}"' in page
        assert 'hx-target="body"' not in page
        chosen = client.get(f"{path}?sequence=cli")
        assert chosen.status_code == 303 and chosen.headers["Location"] == path
        page = client.get(path).get_data(as_text=True)
        assert 'class="class-panel' in page and re.search(r'value="cli"\s+checked', page), path
        again = client.get(f"{path}?sequence=recipe&csrf_token=x")  # the button without JavaScript
        assert again.status_code == 303 and again.headers["Location"].endswith(f"{path}?sequence=recipe")
    own = teacher.get("/en/replay").get_data(as_text=True)
    assert 'hx-get="/en/replay" hx-target="body"' in own


def shown_sequence(client, path: str) -> str:
    return re.search(r'value="(\w+)"\s+checked', client.get(path).get_data(as_text=True)).group(1)


def test_the_class_follows_the_teachers_sequence(make_app):
    """The teacher chose the docker CLI's sequence on the presenter and every student stayed on the curl recipe:
    "step 3" meant other requests on the projector and on their pages. The choice is the class's: it goes out with
    the class's place, following students (and the teacher's other tabs) show it, on joining and on reloading too;
    a student who explores keeps their own, and one who picks the other sequence explores."""
    app = make_app()
    teacher, ada, bob = app.test_client(), app.test_client(), app.test_client()
    code = new_class(teacher)
    join(ada, code, "Ada")
    join(bob, code, "Bob")
    bob.post(f"/en/class/{code}/explore")
    presenter, follower = f"/en/class/{code}/present", f"/en/class/{code}"
    assert {shown_sequence(c, p) for c, p in ((teacher, presenter), (ada, follower), (bob, follower))} == {"recipe"}

    with app.app_context():
        class_id = classes.find_class(db.session, code).id
    heard = app.extensions["hellotrace.fanout"].subscribe(live.class_channel(class_id))
    try:
        assert teacher.get(f"{presenter}?sequence=cli").status_code == 303
        assert live.decode(heard.get(2.0)) == {"kind": "position", "sequence": "cli", "step": 1, "exchange": None,
                                               "follow": True}
    finally:
        heard.close()
    assert shown_sequence(teacher, presenter) == "cli"
    assert 'data-sequence="cli"' in teacher.get(presenter).get_data(as_text=True)
    assert shown_sequence(ada, follower) == "cli"
    assert shown_sequence(bob, follower) == "recipe", "a student exploring on their own keeps their sequence"
    chloe = app.test_client()
    join(chloe, code, "Chloé")
    assert shown_sequence(chloe, follower) == "cli", "a student who joins later gets the class's sequence"

    # Ada picks the recipe while following: she explores it on her own; the teacher's next moves leave her there.
    assert ada.get(f"{follower}?sequence=recipe").status_code == 303
    assert shown_sequence(ada, follower) == "recipe"
    assert 'class="explore" hidden' in ada.get(follower).get_data(as_text=True)
    assert "exploring" in teacher.get(f"/en/class/{code}/roster").get_data(as_text=True).split('data-student="1"')[1]
    ada.post(f"/en/class/{code}/rejoin")
    assert shown_sequence(ada, follower) == "cli"

    # The class's sequence is the teacher's, kept in the class: a reload (the teacher's replay page chose another
    # sequence meanwhile, as a second tab would show) brings the presenter back to it.
    teacher.get("/en/replay?sequence=recipe")
    assert shown_sequence(teacher, presenter) == "cli"
    # A class started from a replay on the CLI's sequence starts on it.
    other = app.test_client()
    other.get("/en/replay?sequence=cli")
    assert shown_sequence(other, f"/en/class/{new_class(other)}/present") == "cli"


@pytest.mark.parametrize("htmx", [True, False])
def test_the_roster_counts_the_steps_a_click_ran_and_says_one_step_in_the_singular(make_app, htmx):
    """A student who clicked step 4 first ran steps 1 to 4 (missing earlier steps run first), and the roster
    said "steps 4"; one who clicked step 2, "steps 2"; a single step was "steps 1". It now counts what ran."""
    app = make_app()
    teacher, ada, bob = app.test_client(), app.test_client(), app.test_client()
    code = new_class(teacher)
    join(ada, code, "Ada")
    join(bob, code, "Bob")
    headers = {"HX-Request": "true"} if htmx else {}
    for client, step in ((ada, "4"), (bob, "1"), (bob, "1")):
        answer = client.post("/en/replay/run", data={"step": step}, headers=headers)
        if htmx:
            run_id = re.search(r'data-run="([^"]+)"', answer.get_data(as_text=True)).group(1)
            client.get(f"/en/replay/runs/{run_id}/events").get_data()  # to the run's end
    roster = teacher.get(f"/en/class/{code}/roster").get_data(as_text=True)
    rows = {number: row.split("</tr>")[0] for number, row in re.findall(r'data-student="(\d)"(.*?)(?=data-student|$)',
                                                                            roster, re.S)}
    # Counted by step, said so: one Run all is not "runs: 4".
    assert "steps 1, 2, 3, 4 · each run once" in rows["1"]
    assert "step 1 · run 2 times" in rows["2"]
    assert "no answer yet" in rows["2"] and "0 right of 0" not in rows["2"]  # nothing answered, said so
    fr = teacher.get(f"/fr/class/{code}/roster").get_data(as_text=True)
    assert "étapes 1, 2, 3, 4 · lancées une fois chacune" in fr and "étape 1 · lancée 2 fois" in fr


def drawn_form(html: str, step: str) -> dict[str, str]:
    """What the run form of `step` ("all": the controls' "Run all") posts, as the page drew it."""
    if step == "all":
        form = html.split('class="controls"', 1)[1].split("</form>", 1)[0]
        chosen = re.search(r'name="sequence" value="(\w+)"\s+checked', form).group(1)
    else:
        form = html.split(f'id="step-{step}"', 1)[1].split("</form>", 1)[0]
        chosen = re.search(r'name="sequence" value="(\w+)"', form).group(1)
    drawn = re.search(r'name="drawn_sequence" value="(\w+)"', form).group(1)
    return {"step": step, "sequence": chosen, "drawn_sequence": drawn}


@pytest.mark.parametrize("step", ["2", "all"])
def test_a_teachers_stale_replay_tab_runs_the_class_sequence_rather_than_taking_it_back(make_app, step):
    """The teacher's replay tab, opened before the presenter switched the class to the CLI's sequence, still showed
    the recipe; a step run from it posted the recipe and switched the teacher's replay back, and the presenter's
    next load switched it again, each switch starting the story over. A stale page's run now keeps the sequence
    in use, and the page is drawn again (htmx) to show it."""
    app = make_app()
    teacher = app.test_client()
    code = new_class(teacher)
    stale = teacher.get("/en/replay").get_data(as_text=True)
    assert teacher.get(f"/en/class/{code}/present?sequence=cli").status_code == 303
    (visitor,) = app.extensions["hellotrace.visitors"]._visitors.values()
    assert visitor.replay.sequence == "cli"

    form = drawn_form(stale, step)
    assert form["sequence"] == form["drawn_sequence"] == "recipe"
    answer = teacher.post("/en/replay/run", data=form, headers={"HX-Request": "true"})
    assert answer.status_code == 200 and answer.headers.get("HX-Refresh") == "true"
    run_id = re.search(r'data-run="([^"]+)"', answer.get_data(as_text=True)).group(1)
    teacher.get(f"/en/replay/runs/{run_id}/events").get_data()  # to the run's end
    assert visitor.replay.sequence == "cli" and visitor.replay.steps[2].ok
    assert shown_sequence(teacher, "/en/replay") == "cli"
    assert shown_sequence(teacher, f"/en/class/{code}/present") == "cli"

    # Without JavaScript, the same: the run keeps the class's sequence, and the page it leads back to shows it.
    assert teacher.post("/en/replay/run", data=form).status_code == 303
    assert visitor.replay.sequence == "cli"


def test_a_student_who_closed_the_class_finds_it_from_the_menu(make_app):
    app = make_app()
    teacher, student = app.test_client(), app.test_client()
    code = new_class(teacher, "")
    assert "Classes you joined" not in student.get("/en/join").get_data(as_text=True)
    join(student, code, "Ada")
    page = student.get("/en/join").get_data(as_text=True)
    assert "Classes you joined" in page and f'href="/en/class/{code}"' in page and f"Class {code}" in page
    assert teacher.post(f"/en/class/{code}/end").status_code == 303
    assert "Classes you joined" not in student.get("/en/join").get_data(as_text=True)
    taught = teacher.get("/en/class/new").get_data(as_text=True)
    assert taught.count(code) == 2  # its link and its name, not the code again beside the name


def test_the_presenter_projects_the_replay_not_each_students_score(make_app):
    """The presenter put the join box, the controls and a row per student above the replay, and projected each
    named student's score to the room. The join box is large while nobody has joined, then one line that still
    gives the code; each student's row (name, score) is in a part the teacher opens, closed on every load; the
    class's own figures stay on its line."""
    app = make_app()
    teacher, ada, bob = app.test_client(), app.test_client(), app.test_client()
    code = new_class(teacher)
    presenter = f"/en/class/{code}/present"
    assert '<details class="join-box" open>' in teacher.get(presenter).get_data(as_text=True)
    join(ada, code, "Ada")
    join(bob, code, "Bob")
    bob.post(f"/en/class/{code}/explore")
    teacher.post(f"/en/class/{code}/push", data={"target": "engine-api/q1"})
    sent = teacher.get(presenter).get_data(as_text=True).split('<details class="roster-details">')[1]
    assert "question sent: no answer yet" in sent.split("</summary>")[0]
    assert '<li data-question="engine-api/q1">' in sent and "No answer yet" in sent
    ada.post("/en/lessons/engine-api/quiz/q1", data={"answer": "1"})
    bob.post("/en/lessons/engine-api/quiz/q1", data={"answer": "0"})
    teacher.post(f"/en/class/{code}/names", data={"show": "on"})

    page = teacher.get(presenter).get_data(as_text=True)
    join_line = page.split('<details class="join-box">')[1].split("</summary>")[0]
    assert code in join_line and f"/join/{code}" in join_line and f"/en/join/{code}" not in join_line
    summary, rows = page.split('<details class="roster-details">')[1].split("</summary>", 1)
    assert "The class (2)" in summary and "1 follows you" in summary
    assert "question sent: 50% right the first time (1 of 2)" in summary
    assert "Ada" not in summary and "Bob" not in summary and "right of" not in summary
    assert "Ada" in rows and "1 right of 1" in rows and "0 right of 1" in rows
    assert page.index('class="roster-details"') < page.index('class="stage"')
    # "Students follow" off: nobody follows, whatever each chose, and the roster says so.
    teacher.post(f"/en/class/{code}/follow", data={"follow": "off"})
    summary, rows = teacher.get(presenter).get_data(as_text=True).split('<details class="roster-details">')[1] \
        .split("</summary>", 1)
    assert "following paused" in summary and "follows you" not in summary
    assert "<td data-where>following</td>" not in rows and rows.count("<td data-where>exploring</td>") == 2


def test_only_a_class_page_loads_the_class_script(make_app):
    """classroom.js (the presenter's keyboard, the followers' live page) weighs a sixth of a first visit: the
    replay page of a visitor in no class goes without it (docs/benchmarks.md, page weight), a class's pages load
    it."""
    app = make_app()
    teacher, student, alone = app.test_client(), app.test_client(), app.test_client()
    code = new_class(teacher)
    join(student, code, "Ada")
    script = re.compile(r'<script src="/static/js/classroom\.[0-9a-f]+\.js" defer></script>')
    for client, path in ((teacher, f"/en/class/{code}/present"), (student, f"/en/class/{code}")):
        assert script.search(client.get(path).get_data(as_text=True)), path
    for path in ("/en/replay", "/fr/replay", "/en/", "/en/lessons/", "/en/lab/config", f"/en/join/{code}"):
        page = alone.get(path, follow_redirects=True).get_data(as_text=True)
        assert "classroom." not in page and "/static/js/site." in page, path
