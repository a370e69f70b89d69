"""A site process pays its first-use costs before its first visitor, and a broken lesson does not stop it."""

from __future__ import annotations

import shutil
from pathlib import Path

from hellotrace.web.warm_up import warm_up
from tests.conftest import site_app

ROOT = Path(__file__).resolve().parents[1]


def test_after_the_warm_up_every_template_and_lesson_is_ready(mock_engine):
    app = site_app(mock_engine)
    library = app.extensions["hellotrace.lessons"]
    assert not app.jinja_env.cache and not library._cache
    warm_up(app)
    assert {template.name for template in app.jinja_env.cache.values()} == set(app.jinja_env.list_templates())
    lesson_files = {path for lang in library.languages for path in (ROOT / "lessons" / lang).glob("*.md")}
    assert set(library._cache) == lesson_files
    # The first page is then served from what was loaded: nothing is compiled or parsed again.
    compiled, loaded = dict(app.jinja_env.cache), dict(library._cache)
    assert app.test_client().get("/fr/replay").status_code == 200
    assert app.jinja_env.cache == compiled and library._cache == loaded


def test_a_broken_lesson_is_logged_and_left_to_its_page(mock_engine, tmp_path, capsys):
    lessons = tmp_path / "lessons"
    shutil.copytree(ROOT / "lessons", lessons)
    (lessons / "en" / "99-broken.md").write_text("---\ntitle: [unclosed\n---\nText\n", encoding="utf-8")
    app = site_app(mock_engine, LESSONS_FOLDER=str(lessons))
    warm_up(app)
    logged = capsys.readouterr().err  # the site's log (its handler writes to standard error)
    assert "ERROR a lesson or course file is invalid" in logged and "99-broken.md" in logged
    assert {template.name for template in app.jinja_env.cache.values()} == set(app.jinja_env.list_templates())
    assert app.test_client().get("/en/replay").status_code == 200
