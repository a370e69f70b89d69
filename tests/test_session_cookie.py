"""The session cookie is set when the session changes or the cookie is old, not with every answer."""

from __future__ import annotations

from datetime import timedelta

from hellotrace.web import session_cookie


def session_cookies(answer) -> list[str]:
    return [header for header in answer.headers.getlist("Set-Cookie") if header.startswith("session=")]


def test_an_unchanged_recent_session_is_not_signed_again(client):
    first = client.get("/en/replay")  # a new visitor: their session is made
    assert len(session_cookies(first)) == 1
    signed = client.get_cookie("session").value
    for path in ("/en/replay", "/en/", "/en/replay"):
        assert session_cookies(client.get(path)) == []
    assert client.get_cookie("session").value == signed
    answer = client.post("/en/replay/pace", data={"pace": "slow"}, headers={"HX-Request": "true"})
    assert answer.status_code == 200 and len(session_cookies(answer)) == 1  # the pace went into the session
    assert client.get_cookie("session").value != signed


def test_an_old_cookie_is_refreshed_and_its_session_kept(client, monkeypatch):
    client.get("/en/replay")
    visitors = client.application.extensions["hellotrace.visitors"]
    monkeypatch.setattr(session_cookie, "REFRESH_AFTER", timedelta(0))  # every cookie is now old enough
    answer = client.get("/en/replay")
    assert len(session_cookies(answer)) == 1 and "Expires=" in session_cookies(answer)[0]
    with client.session_transaction() as session:
        assert session["visitor"] in visitors._visitors  # the same visitor, in a newly signed cookie


def test_a_forged_cookie_gives_a_new_session(client):
    client.set_cookie("session", "not-a-signed-session")
    answer = client.get("/en/replay")
    assert answer.status_code == 200 and len(session_cookies(answer)) == 1


def test_a_cookie_read_again_gives_a_fresh_copy_until_it_expires(client):
    """The same cookie is verified once and kept: each request still gets its own session, and a cookie past
    the session's lifetime is refused even when kept."""
    client.get("/en/replay")
    pace = client.post("/en/replay/pace", data={"pace": "slow"}, headers={"HX-Request": "true"})
    assert pace.status_code == 200
    signed = client.get_cookie("session").value
    assert 'data-pace="slow"' in client.get("/en/replay").get_data(as_text=True)
    client.post("/en/replay/pace", data={"pace": "instant"}, headers={"HX-Request": "true"})
    client.set_cookie("session", signed)  # the older cookie again: what it says, not what the last request set
    assert 'data-pace="slow"' in client.get("/en/replay").get_data(as_text=True)
    client.application.permanent_session_lifetime = timedelta(seconds=-1)  # signed longer ago than that
    answer = client.get("/en/replay")
    assert len(session_cookies(answer)) == 1  # expired: a new session, newly signed


def test_a_cookie_the_site_signed_is_read_back_without_verifying_it_again(client, monkeypatch):
    """The request after a change brings back the cookie the change set: it was kept as it went out."""
    client.get("/en/replay")
    client.post("/en/replay/pace", data={"pace": "slow"}, headers={"HX-Request": "true"})
    interface = client.application.session_interface
    verified = []
    signer = interface.get_signing_serializer(client.application)
    real_loads = signer._serializer.loads
    monkeypatch.setattr(signer._serializer, "loads", lambda *a, **k: verified.append(a) or real_loads(*a, **k))
    assert 'data-pace="slow"' in client.get("/en/replay").get_data(as_text=True)
    assert verified == []
    client.set_cookie("session", client.get_cookie("session").value + "x")  # not one the site signed
    client.get("/en/replay")
    assert len(verified) == 1


def test_cookies_forgotten_once_a_class_left_are_verified_again(client, monkeypatch):
    client.get("/en/replay")
    client.post("/en/replay/pace", data={"pace": "slow"}, headers={"HX-Request": "true"})
    interface = client.application.session_interface
    signer = interface.get_signing_serializer(client.application)
    verified = []
    real_loads = signer._serializer.loads
    monkeypatch.setattr(signer._serializer, "loads", lambda *a, **k: verified.append(a) or real_loads(*a, **k))
    interface.forget_verified()  # what the site does once every visitor left (app.py)
    assert 'data-pace="slow"' in client.get("/en/replay").get_data(as_text=True)
    assert len(verified) == 1
