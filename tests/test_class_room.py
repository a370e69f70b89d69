"""The projected join address of a class has no language: each student lands on the join page in their own
browser's language, and the addresses with a language keep working."""

from __future__ import annotations

import re

import pytest


def new_class(client) -> str:
    response = client.post("/fr/class/new", data={"title": "Docker"})
    assert response.status_code == 303
    return re.search(r"/class/(\w{6})/present", response.headers["Location"]).group(1)


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
