"""The database on both SQLite and PostgreSQL: migrations applied on start, data kept across a restart of
the site, the secret key kept in the instance folder with its owner's permissions only."""

from __future__ import annotations

import os
import stat

from sqlalchemy import inspect, select

from app import create_app
from hellotrace.classroom import classes, progress
from hellotrace.storage.database import db, dispose
from hellotrace.storage.models import Classroom
from hellotrace.storage.secret_key import load_or_create_secret_key


def make_app(mock_engine, database_url: str, instance) -> object:
    return create_app({"TESTING": True, "DATABASE_URL": database_url, "INSTANCE": str(instance)},
                      engine=mock_engine)


def test_migrations_create_every_table(mock_engine, database_url, tmp_path):
    app = make_app(mock_engine, database_url, tmp_path)
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
    dispose(app)
    assert {"classes", "students", "learners", "lesson_reads", "step_runs", "quiz_answers",
            "alembic_version"} <= tables


def test_a_class_and_answers_survive_a_restart(mock_engine, database_url, tmp_path):
    first = make_app(mock_engine, database_url, tmp_path)
    with first.app_context():
        classroom, secret = classes.create_class(db.session, "Docker 101", capacity=30)
        learner = progress.new_learner(db.session)
        classes.join(db.session, classroom, learner, "Ada", "visitor1")
        progress.record_quiz_answer(db.session, learner, "en", "engine-api", "q1", "2", True)
        code, token = classroom.code, learner.token
    dispose(first)
    second = make_app(mock_engine, database_url, tmp_path)
    with second.app_context():
        again = db.session.scalars(select(Classroom).where(Classroom.code == code)).one()
        assert classes.is_teacher(again, secret)
        assert [s.name for s in again.students] == ["Ada"]
        learner = progress.learner_by_token(db.session, token)
        assert progress.latest_answers(db.session, learner, "en", "engine-api")["q1"].answer == "2"
    dispose(second)
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]


def test_the_default_database_is_a_file_in_the_instance_folder(mock_engine, tmp_path):
    app = create_app({"TESTING": True, "INSTANCE": str(tmp_path)}, engine=mock_engine)
    dispose(app)
    assert (tmp_path / "hellotrace.sqlite3").is_file()
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith(str(tmp_path / "hellotrace.sqlite3"))


def test_secret_key_is_created_once_owner_only(tmp_path):
    key = load_or_create_secret_key(tmp_path / "instance")
    path = tmp_path / "instance" / "secret_key"
    assert len(key) == 64
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_or_create_secret_key(tmp_path / "instance") == key


def test_a_secret_key_setting_wins_over_the_kept_one(mock_engine, tmp_path):
    app = create_app({"TESTING": True, "INSTANCE": str(tmp_path), "SECRET_KEY": "k" * 40}, engine=mock_engine)
    assert app.config["SECRET_KEY"] == "k" * 40 and not (tmp_path / "secret_key").exists()
