"""Shared fixtures: a mock engine on real sockets (unix + TCP on a free port), the Flask app and its client."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator

import pytest

from app import create_app
from hellotrace.engine.api import EngineSettings
from hellotrace.engine.service import EngineOptions, MockEngine


def start_mock_engine(pull_pace: float = 0.0) -> tuple[MockEngine, str]:
    # Unix socket paths are limited to ~108 bytes: keep the folder short.
    folder = tempfile.mkdtemp(prefix="ht-", dir="/tmp")
    options = EngineOptions(
        unix_path=os.path.join(folder, "docker.sock"),
        tcp_address=("127.0.0.1", 0),
        settings=EngineSettings(pull_pace=pull_pace),
    )
    return MockEngine(options).start(), folder


@pytest.fixture
def mock_engine() -> Iterator[MockEngine]:
    """A fresh mock engine per test: unix socket + TCP on a free loopback port, pulls unpaced."""
    engine, folder = start_mock_engine()
    try:
        yield engine
    finally:
        engine.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def shared_engine() -> Iterator[MockEngine]:
    """One mock engine for a whole test module (for the slower end-to-end suites)."""
    engine, folder = start_mock_engine()
    try:
        yield engine
    finally:
        engine.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def app(mock_engine: MockEngine):
    return create_app({"TESTING": True, "HELLOTRACE_ENGINE": mock_engine})


@pytest.fixture
def client(app):
    return app.test_client()
