"""Shared fixtures: a mock engine on real sockets (unix + TCP on a free port), the Flask app and its client."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from hellotrace.engine.api import EngineSettings
from hellotrace.engine.service import EngineOptions, MockEngine
from hellotrace.storage.database import db, dispose
from hellotrace.wiretap import TraceStore
from tests.real_daemon import RealDaemon, start_real_daemon, unavailable_reason
from tests.services import (
    Postgres,
    RedisServer,
    postgres_missing,
    redis_missing,
    start_postgres,
    start_redis,
    unavailable,
)


@pytest.fixture(scope="session", autouse=True)
def instance_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Flask's instance folder (the default SQLite database, the secret key) for apps the tests build without
    choosing one: a temporary folder, never the repository's."""
    folder = str(tmp_path_factory.mktemp("instance"))
    previous = os.environ.get("HELLOTRACE_INSTANCE")
    os.environ["HELLOTRACE_INSTANCE"] = folder
    yield folder
    if previous is None:
        os.environ.pop("HELLOTRACE_INSTANCE", None)
    else:
        os.environ["HELLOTRACE_INSTANCE"] = previous


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """A private PostgreSQL cluster for the session (initdb in a temporary folder, a unix socket only)."""
    reason = postgres_missing()
    if reason is not None:
        unavailable(reason)
    server = start_postgres()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """A private redis-server for the session, on a unix socket in a temporary folder."""
    reason = redis_missing()
    if reason is not None:
        unavailable(reason)
    server = start_redis()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """An empty database of each kind: a SQLite file, or a fresh database in the private cluster."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite3'}"
    server: Postgres = request.getfixturevalue("postgres")
    return server.create_database(f"test_{uuid.uuid4().hex[:12]}")


@pytest.fixture
def session(mock_engine, database_url, tmp_path):
    """A database session of the site, on each kind of database (see database_url)."""
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "INSTANCE": str(tmp_path)},
                     engine=mock_engine)
    with app.app_context():
        yield db.session
        db.session.remove()
    dispose(app)


@pytest.fixture(params=["in-process", "redis"])
def redis_url(request: pytest.FixtureRequest) -> str | None:
    """No Redis (the in-process fan-out), or the private redis-server."""
    if request.param == "in-process":
        return None
    server: RedisServer = request.getfixturevalue("redis_server")
    return server.url


def start_mock_engine(pull_pace: float = 0.0) -> tuple[MockEngine, str]:
    # Unix socket paths are limited to ~108 bytes: keep the folder short.
    folder = tempfile.mkdtemp(prefix="ht-", dir="/tmp")
    options = EngineOptions(
        unix_path=os.path.join(folder, "docker.sock"),
        tcp_address=("127.0.0.1", 0),
        settings=EngineSettings(pull_pace=pull_pace),
        # The public name tests give a site behind a proxy (SANDBOX_URL tcp://lab.example:…): the site's own
        # engine child is told it with --trusted-host, as hellotrace does.
        host_names=("lab.example",),
    )
    return MockEngine(options).start(), folder


@contextmanager
def running_engine() -> Iterator[MockEngine]:
    """A mock engine (unix socket + TCP on a free loopback port, pulls unpaced), stopped and its folder removed
    on the way out."""
    engine, folder = start_mock_engine()
    try:
        yield engine
    finally:
        engine.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def mock_engine() -> Iterator[MockEngine]:
    """A fresh mock engine per test."""
    with running_engine() as engine:
        yield engine


@pytest.fixture
def short_folder() -> Iterator[Path]:
    """A folder in /tmp, its path short enough for unix sockets (tmp_path may not be), removed afterwards
    whatever the test did."""
    folder = Path(tempfile.mkdtemp(prefix="ht-", dir="/tmp"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def shared_engine() -> Iterator[MockEngine]:
    """One mock engine for a whole test module (for the slower end-to-end suites)."""
    with running_engine() as engine:
        yield engine


@pytest.fixture(scope="session")
def real_daemon() -> Iterator[RealDaemon]:
    """A private real dockerd 20.10 (tests/real_daemon.py) for the whole session; skipped where it cannot run,
    except under CI=true, where it must."""
    reason = unavailable_reason()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true requires the real-daemon tests to run: {reason}", pytrace=False)
        pytest.skip(reason)
    daemon = start_real_daemon()
    try:
        yield daemon
    finally:
        daemon.stop()


_PAGE_TOKEN = re.compile(r'"X-CSRFToken": "([^"]+)"')


class PageTokenClient(FlaskClient):
    """A test client that sends a state-changing request the way the site's pages do: with the CSRF token
    the last page gave this session (read from the page, as a browser has it). `csrf=False` sends none, as
    a page on another site would."""

    def open(self, *args: Any, csrf: bool = True, **kwargs: Any):  # noqa: ANN202 - FlaskClient's own type
        method = (kwargs.get("method") or "GET").upper()
        if csrf and method not in ("GET", "HEAD", "OPTIONS"):
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRFToken", self.page_token())
            kwargs["headers"] = headers
        return super().open(*args, **kwargs)

    def page_token(self, page: str = "/en/") -> str:
        """The token a page of this session carries (every page sets it on <body> for htmx)."""
        html = super().open(page, method="GET").get_data(as_text=True)
        match = _PAGE_TOKEN.search(html)
        assert match is not None, "the page carries no CSRF token"
        return match.group(1)


def site_app(engine: MockEngine | None = None, trace: TraceStore | None = None, **config: Any) -> Flask:
    """The site as tests use it: CSRF protection on, clients that carry the token like the pages do."""
    app = create_app({"TESTING": True, **config}, engine=engine, trace=trace)
    app.test_client_class = PageTokenClient
    return app


@pytest.fixture
def app(mock_engine: MockEngine):
    return site_app(mock_engine)


@pytest.fixture
def client(app):
    return app.test_client()
