"""The database on both SQLite and PostgreSQL: migrations applied on start, data kept across a restart of
the site, the secret key kept in the instance folder with its owner's permissions only."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, select, text

from app import create_app
from hellotrace.classroom import classes, progress
from hellotrace.settings import SettingError
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
        assert progress.last_answer(db.session, learner, "engine-api", "q1").answer == "2"
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


# Each process imports the storage layer, waits for the same instant, then migrates: as several site processes
# starting together do (`--workers N`, or nodes on several hosts sharing one database).
_MIGRATE_AT_ONCE = """
import sys, time
from flask import Flask
from hellotrace.storage.database import dispose, init_storage
url, migrations, instance, start_at = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
app = Flask("migrating", instance_path=instance)
time.sleep(max(0.0, start_at - time.time()))
init_storage(app, url, migrations)
dispose(app)
"""


def test_processes_starting_together_migrate_once(database_url, tmp_path):
    root = Path(__file__).resolve().parents[1]
    start_at = time.time() + 4  # every process has imported by then (about 1 s each on a busy machine)
    processes = [subprocess.Popen([sys.executable, "-c", _MIGRATE_AT_ONCE, database_url, str(root / "migrations"),
                                   str(tmp_path / f"instance{n}"), str(start_at)], cwd=root,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                  for n in range(6)]
    outputs = [process.communicate(timeout=60)[0] for process in processes]
    assert [process.returncode for process in processes] == [0] * 6, "\n".join(outputs)[-3000:]
    head = ScriptDirectory(str(root / "migrations")).get_current_head()
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [head]
            assert "students" in inspect(connection).get_table_names()
    finally:
        engine.dispose()


@pytest.mark.parametrize(("url", "said"), [
    ("postgresql+psycopg://ada:s3cret@127.0.0.1:1/x", "postgresql+psycopg://ada:***@127.0.0.1:1/x: connection failed"),
    ("postgresql://ada@127.0.0.1:1/x", "its driver is not installed (psycopg2); for PostgreSQL write "),
    ("not a url", "cannot open the database: it is not a URL SQLAlchemy reads"),
    ("sqlite:////nonexistent-folder/x.db", "No such file or directory (/nonexistent-folder/x.db.migrate-lock)"),
])
def test_a_database_that_cannot_be_opened_is_one_line_without_its_password(url, said, mock_engine, tmp_path):
    with pytest.raises(SettingError) as refused:
        make_app(mock_engine, url, tmp_path)
    message = str(refused.value)
    assert message.startswith("DATABASE_URL: cannot open the database") and said in message
    assert "s3cret" not in message and "\n" not in message


def test_the_site_says_so_in_one_line_and_stops(tmp_path):
    env = {**os.environ, "HELLOTRACE_DATABASE_URL": "postgresql://ada@127.0.0.1:1/x",
           "HELLOTRACE_INSTANCE": str(tmp_path)}
    result = subprocess.run([sys.executable, "app.py", "--workers", "1", "--listen", "127.0.0.1:0", "--tcp",
                             "127.0.0.1:0", "--unix", str(tmp_path / "d.sock")], cwd=Path(__file__).parents[1],
                            env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "hellotrace: DATABASE_URL: cannot open the database postgresql://ada@127.0.0.1:1/x: its driver is not "
        "installed (psycopg2); for PostgreSQL write postgresql+psycopg://…, the driver hellotrace installs"]
