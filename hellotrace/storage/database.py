"""The database behind the site: Flask-SQLAlchemy's session over our models, and the migrations in
migrations/ (beside app.py) applied on start, so that `make run` needs no set-up and an upgrade needs no step.

By default a SQLite file in Flask's instance folder; the DATABASE_URL setting (an SQLAlchemy URL such as
`postgresql+psycopg://user@/hellotrace?host=/run/postgresql`) chooses another database.

Several site processes may start at once against one database (`--workers N`, or nodes on several hosts): the
upgrade runs under a lock that only one holds at a time, so the first migrates and the others find the schema at
head. PostgreSQL: an advisory lock on one constant key; SQLite: an `fcntl` lock on a file beside the database."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import flask_migrate
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Engine, event, make_url, text
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from hellotrace.settings import SettingError
from hellotrace.storage.models import Base

db = SQLAlchemy(model_class=Base)
migrate = flask_migrate.Migrate()

SQLITE_FILE = "hellotrace.sqlite3"
# The advisory lock every hellotrace process takes around its migrations (any constant; this one spells "htmigr").
MIGRATION_LOCK_KEY = 0x68746D69677200


def database_url(app: Flask, given: str | None) -> str:
    """`given` (the DATABASE_URL setting), or the SQLite file in the instance folder."""
    if given:
        return given
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    return "sqlite:///" + os.path.join(app.instance_path, SQLITE_FILE)


def init_storage(app: Flask, url: str, migrations: str) -> None:
    """Bind the session to `url` and bring the schema up to date (Alembic `upgrade head`)."""
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    # Hundreds of request threads (live streams, a class's steps) share the pool; most hold a connection only
    # for one short write. SQLAlchemy's default 5 + 10 made a 500-student crowd time out waiting for one.
    options: dict[str, object] = {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 40, "pool_timeout": 15}
    if url.startswith("sqlite"):
        # Threads of one site and several processes share the file: wait for a lock rather than fail.
        options["connect_args"] = {"timeout": 15, "check_same_thread": False}
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", options)
    try:
        db.init_app(app)  # makes the engine: an unreadable URL or a driver not installed fails here
        migrate.init_app(app, db, directory=migrations)
        with app.app_context():
            if url.startswith("sqlite"):
                event.listen(db.engine, "connect", _sqlite_pragmas)
            with migration_lock(db.engine):
                flask_migrate.upgrade(directory=migrations)
    except (SQLAlchemyError, ImportError, OSError) as exc:
        where = _shown(url)
        raise SettingError(f"DATABASE_URL: cannot open the database{' ' + where if where else ''}: "
                           f"{_reason(exc)}") from None


def _shown(url: str) -> str:
    """The URL without its password ("" when it is not one)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return ""


def _reason(exc: Exception) -> str:
    if isinstance(exc, ImportError):
        return (f"its driver is not installed ({exc.name}); for PostgreSQL write postgresql+psycopg://…, "
                "the driver hellotrace installs")
    if isinstance(exc, ArgumentError):
        return "it is not a URL SQLAlchemy reads (dialect+driver://user:password@host/name)"
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc} ({exc.filename})" if exc.filename else str(exc)
    cause = getattr(exc, "orig", None) or exc
    return str(cause).strip().splitlines()[0]


@contextmanager
def migration_lock(engine: Engine) -> Iterator[None]:
    """Held by one process at a time across every process migrating this database; others wait their turn."""
    if engine.dialect.name == "postgresql":
        # A session-level lock on a connection of its own, outside any transaction the migrations open.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
        return
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield  # a database no other process can open
        return
    with open(database + ".migrate-lock", "a+b") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)  # released when the file closes, even if this process dies
        yield


def reachable(app: Flask) -> bool:
    """Whether the database answers a trivial query (the site's health check)."""
    try:
        with app.app_context(), db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL lets readers go on while one writer writes; foreign keys are off by default in SQLite.

    synchronous=NORMAL: in WAL mode a commit then writes the log without waiting for the disk, which is synced
    at each checkpoint instead. The database cannot be corrupted that way (SQLite's documentation: WAL with
    NORMAL is safe from corruption); a power cut may lose the last commits before the checkpoint — a few steps
    of progress — while FULL made every step a student runs wait for the disk under the file's one writer lock."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def dispose(app: Flask) -> None:
    """Close the pooled connections: a test's database is about to stop, or a class left (the connections it
    opened are opened again on demand)."""
    with app.app_context():
        db.engine.dispose()


