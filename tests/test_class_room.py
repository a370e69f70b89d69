"""A class the room can reach: the class pages say when students cannot reach the site (a join address on
loopback, a site listening on loopback only), with the command that opens it and the addresses to use instead;
the advice works with the trusted-host defence; and the projected join address sends each student to their own
browser's language."""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from hellotrace import interfaces
from hellotrace.interfaces import InterfaceAddress
from hellotrace.web import room
from tests.conftest import site_app

ROOT = Path(__file__).resolve().parents[1]
LAN = "192.168.1.20"
# What the class pages recommend, as settings: `make run HOST=0.0.0.0 ALLOW_REMOTE=1 ENGINE_TCP=0.0.0.0:2375`.
# No CSRF token to fetch first: each browser here reaches the site at its own Host.
PLAIN = {"WTF_CSRF_ENABLED": False}
FOR_THE_ROOM = {"LISTEN": ("0.0.0.0", 5000), "ALLOW_REMOTE": True, "ENGINE_TCP": ("0.0.0.0", 2375)}


@pytest.fixture
def on_a_lan(monkeypatch):
    """This computer has a Wi-Fi address on the room's network (besides loopback and a link-local one)."""
    found = [InterfaceAddress("lo", ipaddress.ip_address("127.0.0.1")),
             InterfaceAddress("wlan0", ipaddress.ip_address(LAN)),
             InterfaceAddress("wlan0", ipaddress.ip_address("169.254.3.4")),
             InterfaceAddress("wlan0", ipaddress.ip_address("fd00::20"))]
    monkeypatch.setattr(interfaces, "interface_addresses", lambda: found)
    monkeypatch.setattr(room, "interface_addresses", lambda: found)


class At:
    """A browser that reached the site at `host`: every request's Host, and the cookies kept for it."""

    def __init__(self, client, host: str) -> None:
        self.client, self.base = client, f"http://{host}"

    def get(self, path: str, **kwargs):
        return self.client.get(path, base_url=self.base, **kwargs)

    def post(self, path: str, **kwargs):
        return self.client.post(path, base_url=self.base, csrf=False, **kwargs)


def at(client, host: str) -> At:
    return At(client, host)


def new_class(client) -> str:
    response = client.post("/fr/class/new", data={"title": "Docker"})
    assert response.status_code == 303
    return re.search(r"/class/(\w{6})/present", response.headers["Location"]).group(1)


def warning(page: str) -> str:
    found = re.search(r'<details class="flash room-reach".*?</details>', page, re.S)
    return found.group(0) if found else ""


def test_the_default_site_says_students_cannot_reach_it_and_how_to_open_it(mock_engine, tmp_path, on_a_lan):
    app = site_app(mock_engine, INSTANCE=str(tmp_path), **PLAIN)
    teacher = at(app.test_client(), "127.0.0.1:5000")
    form = warning(teacher.get("/en/class/new").get_data(as_text=True))
    assert "Students cannot reach this address." in form
    code = new_class(teacher)
    page = teacher.get(f"/en/class/{code}/present").get_data(as_text=True)
    said = warning(page)
    assert "127.0.0.1 is this computer&#39;s own address" in said
    assert "the site listens on this computer only (127.0.0.1:5000)" in said
    assert "make run HOST=0.0.0.0 ALLOW_REMOTE=1 ENGINE_TCP=0.0.0.0:2375" in said
    assert ".venv/bin/python app.py --listen 0.0.0.0:5000 --allow-remote --tcp 0.0.0.0:2375" in said
    # Where to go once restarted: this computer's network address, never loopback nor a link-local one.
    assert f"<code>http://{LAN}:5000/en/class/new</code> (wlan0)" in said
    assert "169.254" not in said and "fd00" not in said
    # Before the class starts: above the join address, open.
    assert page.index("room-reach") < page.index('class="join-box"')
    assert said.startswith('<details class="flash room-reach" role="note" data-room-reach open>')
    # Once someone joined (from this very computer, say), one line that opens it: the stage stays first.
    student = at(app.test_client(), "127.0.0.1:5000")
    student.get(f"/en/join/{code}")  # as a browser does: the page first (it starts the session), then the form
    student.post(f"/en/join/{code}", data={"name": "Ada"})
    folded = warning(teacher.get(f"/en/class/{code}/present").get_data(as_text=True))
    assert folded.startswith('<details class="flash room-reach" role="note" data-room-reach>')
    assert "<summary>Can the room reach this class?</summary>" in folded


def test_the_french_page_says_it_in_french(mock_engine, tmp_path, on_a_lan):
    app = site_app(mock_engine, INSTANCE=str(tmp_path), **PLAIN, LISTEN=("127.0.0.1", 5777),
                   ENGINE_TCP=("127.0.0.1", 2577))
    teacher = at(app.test_client(), "localhost:5777")
    code = new_class(teacher)
    said = warning(teacher.get(f"/fr/class/{code}/present").get_data(as_text=True))
    assert "Les élèves ne peuvent pas joindre cette adresse." in said
    assert "make run HOST=0.0.0.0 PORT=5777 ALLOW_REMOTE=1 ENGINE_TCP=0.0.0.0:2577" in said
    assert f"http://{LAN}:5777/fr/class/new" in said


def test_the_recommended_options_let_a_student_on_the_lan_in(mock_engine, tmp_path, on_a_lan):
    app = site_app(mock_engine, INSTANCE=str(tmp_path), **PLAIN, **FOR_THE_ROOM)
    assert LAN in app.config["TRUSTED_HOSTS"]
    lan = f"{LAN}:5000"
    teacher, student = at(app.test_client(), lan), at(app.test_client(), lan)
    assert warning(teacher.get("/en/class/new").get_data(as_text=True)) == ""
    code = new_class(teacher)
    page = teacher.get(f"/en/class/{code}/present").get_data(as_text=True)
    assert f"<code>http://{LAN}:5000/join/{code}</code>" in page and warning(page) == ""
    # The student's phone, in English, scans the code: the join page in English, then the class.
    arrived = student.get(f"/join/{code}", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert arrived.status_code == 302 and arrived.headers["Location"] == f"/en/join/{code}"
    assert student.get(f"/en/join/{code}").status_code == 200
    joined = student.post(f"/en/join/{code}", data={"name": "Ada"})
    assert joined.status_code == 303
    assert student.get(f"/en/class/{code}").status_code == 200
    # Without --allow-remote the same request is refused: the defence the advice has to get through.
    closed = site_app(mock_engine, INSTANCE=str(tmp_path), **PLAIN, LISTEN=("0.0.0.0", 5000))
    assert closed.test_client().get(f"/join/{code}", headers={"Host": lan}).status_code == 400


def test_a_page_opened_on_loopback_of_a_site_open_to_the_room_gives_the_addresses_that_work(
        mock_engine, tmp_path, on_a_lan):
    app = site_app(mock_engine, INSTANCE=str(tmp_path), **PLAIN, **FOR_THE_ROOM)
    teacher = at(app.test_client(), "localhost:5000")
    code = new_class(teacher)
    said = warning(teacher.get(f"/en/class/{code}/present").get_data(as_text=True))
    assert "localhost is this computer&#39;s own address" in said
    assert f"Students can open:</p>\n  <ul><li><code>http://{LAN}:5000/join/{code}</code> (wlan0)" in said
    assert "make run" not in said and "mock engine" not in said  # nothing to restart
    form = warning(teacher.get("/en/class/new").get_data(as_text=True))
    assert f"<code>http://{LAN}:5000/en/class/new</code>" in form


def test_a_site_on_every_interface_without_allow_remote_says_what_is_missing(mock_engine, tmp_path, on_a_lan):
    app = site_app(mock_engine, INSTANCE=str(tmp_path), **PLAIN, LISTEN=("0.0.0.0", 5000))
    said = warning(app.test_client().get("/en/class/new").get_data(as_text=True))
    # The option's name kept on one line, whatever the width.
    assert 'lets no other machine in: it was started without <span class="nowrap">--allow-remote</span>' in said
    assert "ALLOW_REMOTE=1" in said


def test_an_engine_on_loopback_is_said_when_the_site_is_open(mock_engine, tmp_path, on_a_lan):
    app = site_app(mock_engine, INSTANCE=str(tmp_path), **PLAIN, LISTEN=("0.0.0.0", 5000), ALLOW_REMOTE=True)
    said = warning(app.test_client().get("/en/class/new", headers={"Host": f"{LAN}:5000"}).get_data(as_text=True))
    assert "Students&#39; terminals cannot reach the mock engine." in said
    assert "ENGINE_TCP=0.0.0.0:2375" in said and "Students cannot reach this address" not in said


def test_loopback_names():
    for name in ("127.0.0.1", "127.3.4.5", "[::1]", "::1", "localhost", "LOCALHOST.", "app.localhost"):
        assert room.loopback_name(name), name
    for name in (LAN, "salle-b.lan", "0.0.0.0", "10.0.0.1", "localhost.example"):
        assert not room.loopback_name(name), name


@pytest.mark.parametrize(("accepted", "lang"), [("fr-FR,fr;q=0.9", "fr"), ("en-US,en;q=0.5", "en"),
                                                ("de-DE", "en"), ("", "en")])
def test_the_projected_join_address_has_no_language_and_each_student_gets_theirs(client, accepted, lang):
    code = new_class(client)
    page = client.get(f"/fr/class/{code}/present").get_data(as_text=True)
    assert f"<code>http://localhost/join/{code}</code>" in page and f"/fr/join/{code}</code>" not in page
    student = client.application.test_client()
    arrived = student.get(f"/join/{code}", headers={"Accept-Language": accepted} if accepted else {})
    assert arrived.status_code == 302 and arrived.headers["Location"] == f"/{lang}/join/{code}"
    assert "Accept-Language" in arrived.headers["Vary"]
    assert student.get(f"/join/{code}", follow_redirects=True).status_code == 200
    typed = student.get("/join", headers={"Accept-Language": accepted} if accepted else {})
    assert typed.headers["Location"] == f"/{lang}/join"
    # The addresses with a language still work.
    for other in ("en", "fr"):
        assert student.get(f"/{other}/join/{code}").status_code == 200


def make_run(*given: str) -> str:
    """What `make run …` runs, without running it."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("HOST", "PORT", "ALLOW_REMOTE", "TRUSTED_HOST", "WORKERS", "ENGINE_TCP", "ENGINE_UNIX",
                          "MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    shown = subprocess.run(["make", "-n", "run", *given], cwd=ROOT, env=env, capture_output=True, text=True,
                           check=True).stdout
    return " ".join(next(line for line in shown.splitlines() if "app.py" in line).split())


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_takes_the_recommended_command_and_keeps_loopback_by_default():
    assert make_run("HOST=0.0.0.0", "ALLOW_REMOTE=1", "ENGINE_TCP=0.0.0.0:2375") == (
        ".venv/bin/python app.py --listen 0.0.0.0:5000 --allow-remote --tcp 0.0.0.0:2375")
    assert make_run() == ".venv/bin/python app.py"  # the settings' own default: 127.0.0.1:5000
    assert make_run("PORT=5001") == ".venv/bin/python app.py --listen 127.0.0.1:5001"
    assert make_run("HOST=0.0.0.0", "PORT=5777", "ALLOW_REMOTE=0", "TRUSTED_HOST=salle-b.lan prof.lan") == (
        ".venv/bin/python app.py --listen 0.0.0.0:5777 --trusted-host salle-b.lan --trusted-host prof.lan")
