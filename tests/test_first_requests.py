"""Requests without cookies (a script's, or a browser's first) keep nothing that grows: no visitor that could push
out the visitors of a class."""

from __future__ import annotations

import pytest

from tests.conftest import site_app

LESSON = "/en/lessons/three-actors"


@pytest.fixture
def app(mock_engine, tmp_path):
    return site_app(mock_engine, INSTANCE=str(tmp_path))


def test_requests_without_cookies_do_not_push_out_the_visitors_of_a_class(app):
    pool = app.extensions["hellotrace.visitors"]
    pool.max_visitors, pool.max_new_visitors = 3, 5
    alice, bob = app.test_client(), app.test_client()
    alice.get("/en/replay")
    alice.post("/en/replay/run", data={"step": "1"})  # a visitor who ran a step
    bob.get("/en/replay")
    bob.get("/en/replay")  # a visitor back, who ran nothing yet
    for _ in range(30):
        assert app.test_client().get(LESSON).status_code == 200
    assert len(pool._new) == 5 and pool.count() == 7
    kept = {visitor.token: visitor for visitor in pool._visitors.values()}
    assert len(kept) == 2 and kept[visitor_of(alice)].replay.last_run is not None
    # The table full, a new visitor back makes room: one who never ran a step goes first, however recent.
    kept[visitor_of(alice)].last_seen -= 100
    for _ in ("carol", "dave"):
        client = app.test_client()
        client.get("/en/replay")
        client.get("/en/replay")
    assert visitor_of(alice) in pool._visitors and visitor_of(bob) not in pool._visitors
    assert len(pool._visitors) == 3


def visitor_of(client) -> str:
    with client.session_transaction() as session:
        return session["visitor"]
