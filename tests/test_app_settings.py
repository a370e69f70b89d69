"""create_app() with no arguments, settings in Flask's order, /healthz, and the request log."""

from __future__ import annotations

import io
import json
import re

import pytest

from app import create_app, load_settings
from hellotrace.settings import SETTINGS, SettingError


@pytest.fixture
def private_engine_env(monkeypatch, tmp_path):
    """Settings from the environment only: the engine on a free port and a private socket."""
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    monkeypatch.setenv("HELLOTRACE_ENGINE_TCP", "127.0.0.1:0")
    monkeypatch.setenv("HELLOTRACE_ENGINE_UNIX", str(tmp_path / "docker.sock"))
    monkeypatch.setenv("HELLOTRACE_PULL_PACE", "0")
    return tmp_path


def test_create_app_without_arguments_serves_the_site_and_starts_the_engine_on_first_use(private_engine_env):
    app = create_app()
    engine = app.extensions["hellotrace.engine"]
    try:
        assert not engine.running  # building the app (flask routes, flask shell) starts nothing
        client = app.test_client()
        page = client.get("/en/replay")
        assert page.status_code == 200
        assert engine.running and engine.unix_path == str(private_engine_env / "docker.sock")
        assert f"tcp://127.0.0.1:{engine.tcp_address[1]}/sandboxes/" in page.get_data(as_text=True)
    finally:
        engine.stop()
    assert not engine.running


def test_settings_layers_in_flasks_order(monkeypatch, tmp_path):
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    (tmp_path / "config.py").write_text('PULL_PACE = 0.5\nLISTEN = "127.0.0.1:5001"\nLOG_FORMAT = "json"\n')
    monkeypatch.setenv("HELLOTRACE_LISTEN", "127.0.0.1:5002")
    monkeypatch.setenv("HELLOTRACE_ALLOW_REMOTE", "true")
    config = load_settings({"LOG_FORMAT": "text"}, tmp_path)
    assert config["PULL_PACE"] == 0.5  # instance/config.py over the default
    assert config["LISTEN"] == ("127.0.0.1", 5002)  # the environment over instance/config.py
    assert config["ALLOW_REMOTE"] is True
    assert config["LOG_FORMAT"] == "text"  # options over everything
    assert config["ENGINE_TCP"] == ("127.0.0.1", 2375) and config["DAEMON"] is None


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("HELLOTRACE_PULL_PACE", "fast", "setting PULL_PACE (--pull-pace): expected a number"),
    ("HELLOTRACE_ENGINE_TCP", "nowhere", "setting ENGINE_TCP (--tcp): expected HOST:PORT"),
    ("HELLOTRACE_ENGINE_TCP", "127.0.0.1:²", "setting ENGINE_TCP (--tcp): expected HOST:PORT"),
    ("HELLOTRACE_ENGINE_TCP", "127.0.0.1:" + "9" * 5000, "setting ENGINE_TCP (--tcp): expected HOST:PORT"),
    ("HELLOTRACE_WORKERS", "²", "setting WORKERS (--workers): expected a whole number of at least 1"),
    ("HELLOTRACE_LOG_FORMAT", "xml", "setting LOG_FORMAT (--log-format): expected one of text, json"),
    ("HELLOTRACE_DAEMON", "tcp://a:b:c", "setting DAEMON (--daemon): cannot use that daemon address"),
    ("HELLOTRACE_NODE", "Node-1", "setting NODE (--node): expected 1 to 16 lower-case letters or digits"),
    ("HELLOTRACE_NODE", "n" * 17, "setting NODE (--node): expected 1 to 16 lower-case letters or digits"),
    ("HELLOTRACE_BEHIND_PROXY", "maybe", "setting BEHIND_PROXY (--behind-proxy): expected true or false"),
    ("HELLOTRACE_SANDBOX_URL", "unix:///run/docker.sock", "setting SANDBOX_URL (--sandbox-url): expected tcp://"),
    ("HELLOTRACE_SANDBOX_URL", "tcp://lab.example:2375/sandboxes", "setting SANDBOX_URL (--sandbox-url): "
                                                                   "expected tcp://HOST:PORT (no path)"),
])
def test_a_bad_setting_names_itself(monkeypatch, tmp_path, name, value, expected):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        load_settings({}, tmp_path)


def test_node_settings_as_given(monkeypatch, tmp_path):
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    monkeypatch.setenv("HELLOTRACE_NODE", "n2")
    monkeypatch.setenv("HELLOTRACE_BEHIND_PROXY", "true")
    config = load_settings({"SANDBOX_URL": "tcp://lab.example:2375/"}, tmp_path)
    assert (config["NODE"], config["BEHIND_PROXY"], config["SANDBOX_URL"]) == ("n2", True, "tcp://lab.example:2375")
    monkeypatch.delenv("HELLOTRACE_NODE")
    monkeypatch.delenv("HELLOTRACE_BEHIND_PROXY")
    alone = load_settings({}, tmp_path)
    assert (alone["NODE"], alone["BEHIND_PROXY"], alone["SANDBOX_URL"]) == ("", False, None)


def test_a_prefixed_key_in_the_config_is_refused(tmp_path):
    with pytest.raises(SettingError, match="named without the HELLOTRACE_ prefix"):
        load_settings({"HELLOTRACE_DAEMON": "unix:///var/run/docker.sock"}, tmp_path)


def test_docker_host_names_the_daemon_unless_it_is_our_own_mock(monkeypatch, tmp_path):
    monkeypatch.setenv("DOCKER_HOST", "unix:///var/run/docker.sock")
    assert load_settings({}, tmp_path)["DAEMON"].normalized == "unix:///var/run/docker.sock"
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:2375/sandboxes/abc")
    assert load_settings({}, tmp_path)["DAEMON"] is None
    monkeypatch.setenv("DOCKER_HOST", "tcp://lab.example:8375/sandboxes/n1-abc")  # as a node's page shows it
    assert load_settings({"SANDBOX_URL": "tcp://lab.example:8375"}, tmp_path)["DAEMON"] is None
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/hellotrace/docker.sock")  # the default socket
    assert load_settings({}, tmp_path)["DAEMON"] is None


def test_the_readme_has_one_row_per_setting_with_its_option():
    readme = open("README.md", encoding="utf-8").read()
    rows = {}
    for line in readme.splitlines():
        found = re.match(r"\| `([A-Z_]+)` \| ([^|]+?(?:\\\|[^|]+?)?) \|", line)
        if found:
            rows[found.group(1)] = found.group(2).replace("\\|", "|")
    assert set(rows) == {setting.name for setting in SETTINGS}
    for setting in SETTINGS:
        shown = "—" if setting.option is None else f"`{' '.join(filter(None, [setting.option, setting.metavar]))}`"
        assert rows[setting.name] == shown, setting.name


def test_healthz_answers_and_leaves_no_visitor(app, client):
    # How fast it answers is measured by bench/healthz_bench.py, not asserted here.
    for _ in range(3):
        answer = client.get("/healthz")
        assert answer.status_code == 200 and answer.json == {
            "status": "ok", "checks": {"engine": "ok", "database": "ok"}, "ms": answer.json["ms"]}
    assert "Set-Cookie" not in answer.headers
    assert app.extensions["hellotrace.visitors"].count() == 0


def test_healthz_says_when_the_engine_is_unreachable(app, client, mock_engine):
    mock_engine.stop()
    answer = client.get("/healthz")
    assert answer.status_code == 503 and answer.json["checks"] == {"engine": "unreachable", "database": "ok"}


def _log_of(app) -> io.StringIO:
    stream = io.StringIO()
    app.logger.handlers[0].setStream(stream)
    return stream


def test_one_log_line_per_request_with_the_token_hashed(app, client):
    log = _log_of(app)
    client.get("/en/replay?token=secret-presenter-token")
    client.get("/healthz")
    lines = log.getvalue().splitlines()
    assert len(lines) == 1
    token = app.extensions["hellotrace.visitors"]._new.popitem()[0]  # a first request's, not back yet
    cookie = client.get_cookie("session").value
    assert "GET /en/replay 200" in lines[0] and "visitor=" in lines[0]
    for secret in (token, cookie, "secret-presenter-token"):
        assert secret not in lines[0]


def test_json_log_lines(mock_engine):
    app = create_app({"TESTING": True, "LOG_FORMAT": "json"}, engine=mock_engine)
    log = _log_of(app)
    app.test_client().get("/en/")
    entry = json.loads(log.getvalue().splitlines()[0])
    assert entry["method"] == "GET" and entry["path"] == "/en/" and entry["status"] == 200
    assert len(entry["visitor"]) == 12


def test_static_files_are_hashed_compressed_and_cached_for_long(client):
    page = client.get("/en/replay").get_data(as_text=True)
    css = next(part.split('"')[0] for part in page.split('href="')[1:] if part.startswith("/static/css/site."))
    answer = client.get(css, headers={"Accept-Encoding": "br, gzip"})
    assert answer.status_code == 200 and answer.headers["Content-Encoding"] == "br"
    assert "immutable" in answer.headers["Cache-Control"]
    plain = client.get("/static/css/site.css")
    assert plain.status_code == 200 and "immutable" not in plain.headers["Cache-Control"]


def test_healthz_checks_a_real_daemon_on_its_socket(mock_engine, tmp_path):
    stand_in = create_app({"TESTING": True, "DAEMON": mock_engine.docker_host_unix}, engine=mock_engine)
    assert stand_in.test_client().get("/healthz").json["checks"] == {"daemon": "ok", "database": "ok"}
    gone = create_app({"TESTING": True, "DAEMON": f"unix://{tmp_path}/nothing.sock"}, engine=mock_engine)
    assert gone.test_client().get("/healthz").status_code == 503


def test_the_plain_database_and_redis_variables_are_read_and_the_prefixed_ones_win(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "sqlite:////tmp/plain.sqlite3")
    monkeypatch.setenv("REDIS_URL", "unix:///tmp/plain-redis.sock")
    config = load_settings({}, tmp_path)
    assert config["DATABASE_URL"] == "sqlite:////tmp/plain.sqlite3"
    assert config["REDIS_URL"] == "unix:///tmp/plain-redis.sock"
    monkeypatch.setenv("HELLOTRACE_DATABASE_URL", "sqlite:////tmp/prefixed.sqlite3")
    assert load_settings({}, tmp_path)["DATABASE_URL"] == "sqlite:////tmp/prefixed.sqlite3"
