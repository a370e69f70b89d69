"""The lab's verdicts next to the real docker CLI's behaviour: same warnings, same errors, same headers on the
wire (recorded at the mock engine), same proxy variables in the container's configuration."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile

import pytest

from hellotrace.client_config import (
    ARTICLE_SAMPLE,
    CORRECTED_SAMPLE,
    load_config,
    parse_command_line,
    plan_headers,
    plan_proxies,
    resolve,
)
from tests.wire import recorded

DOCKER = shutil.which("docker")

pytestmark = [
    pytest.mark.docker_cli,
    pytest.mark.skipif(DOCKER is None and os.environ.get("CI") != "true", reason="the docker CLI is not installed"),
]


@pytest.fixture
def config_dir():
    folder = tempfile.mkdtemp(prefix="ht-lab-config-")
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def docker(config_dir: str, config: str | None, *args: str, env: dict[str, str] | None = None):
    if config is not None:
        with open(os.path.join(config_dir, "config.json"), "w", encoding="utf-8") as file:
            file.write(config)
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": config_dir,
                   "DOCKER_CLI_HINTS": "false", **(env or {})}
    return subprocess.run([DOCKER or "docker", *args], capture_output=True, text=True, env=environment,
                          timeout=60, check=False)




CONFIGS = [
    ARTICLE_SAMPLE,
    CORRECTED_SAMPLE,
    '{"HttpHeaders": {"X-A": "1"}',
    '{"psFormat": 5, "HttpHeaders": {"X-A": "1"}}',
    '{"proxies": {"default": {"httpProxy": 1}}}',
    '{"a": 1} trailing } garbage',
    "[]",
    '"x"',
    "5",
    "true",
    "null",
    '[] {"psFormat": "x"}',
    '{"a": "\\u12g4"}',
    '{"auths": {"r": {"auth": "bm9jb2xvbg=="}}}',
    '{"a": é}',
    "",
]


@pytest.mark.parametrize("config", CONFIGS)
def test_the_warning_is_the_cli_s(config_dir, config):
    result = docker(config_dir, config, "--config", config_dir, "context", "ls", "-q")
    warnings = [line for line in result.stderr.splitlines() if line.startswith("WARNING: Error")]
    expected = load_config(config, os.path.join(config_dir, "config.json")).warning
    assert warnings == ([expected] if expected else [])


@pytest.mark.parametrize(
    "line",
    ["docker ps -H x", "docker --foo ps", "docker ps extra", "docker -H", "docker ps -n x", "docker --tls=maybe ps",
     "docker ps -aqz", "docker frobnicate", "docker run", "docker attach a b", "docker images a b",
     "docker ps -f nofilter", "docker run -e =x alpine"],
)
def test_command_line_errors_match(config_dir, line):
    result = docker(config_dir, None, *line.split()[1:])
    error = parse_command_line(line).error
    assert result.stderr.splitlines()[0] == error.cli_text
    assert result.returncode == error.exit_status


@pytest.mark.parametrize(
    ("env", "args"),
    [
        ({}, ["-H", "tcp://127.0.0.1:1", "--context", "prod", "ps"]),
        ({}, ["-H", "tcp://127.0.0.1:1", "-H", "tcp://127.0.0.1:2", "ps"]),
        ({"DOCKER_HOST": "https://x"}, ["ps"]),
        ({"DOCKER_CONTEXT": "foo"}, ["ps"]),
        ({"DOCKER_CUSTOM_HEADERS": "novalue"}, ["-H", "tcp://127.0.0.1:1", "ps"]),
        ({"DOCKER_CUSTOM_HEADERS": 'a="b'}, ["-H", "tcp://127.0.0.1:1", "ps"]),
        ({}, ["-l", "nope", "ps"]),
        ({}, ["-H", "fd://", "ps"]),
        ({"DOCKER_HOST": "npipe://"}, ["ps"]),
        ({"DOCKER_HOST": "ssh://"}, ["ps"]),
        ({}, ["-H", "ssh://user@", "ps"]),
        ({}, ["-H", "ssh://u:pw@127.0.0.1", "ps"]),
        ({}, ["-H", "ssh://127.0.0.1?x=1", "ps"]),
        ({}, ["-H", "ssh://127.0.0.1#f", "ps"]),
        ({}, ["-H", "ssh://127.0.0.1:port", "ps"]),
        ({"DOCKER_HOST": "unix:///tmp/a%zz"}, ["ps"]),
        ({"DOCKER_CERT_PATH": "/nonexistent"}, ["--tlsverify", "-H", "ssh://", "ps"]),
    ],
)
def test_stops_match(config_dir, env, args):
    result = docker(config_dir, "{}", *args, env={"DOCKER_CONFIG": config_dir, **env})
    lab = resolve("{}", {"DOCKER_CONFIG": config_dir, **env}, "docker " + " ".join(args))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == lab.stderr


@pytest.mark.parametrize(
    ("config", "variable"),
    [
        ('{"HttpHeaders": {"MyHeader": "MyValue", "x-lower": "1", "User-Agent": "me", "Host": "evil", '
         '"Content-Length": "5", "Transfer-Encoding": "chunked", "Content-Type": "text/x", "Empty": ""}}', None),
        ('{"HttpHeaders": {"X-From-File": "1"}}', 'one=1,"two=2,b",six = x '),
        (ARTICLE_SAMPLE, None),
        (CORRECTED_SAMPLE, None),
    ],
)
def test_custom_headers_reach_the_daemon_as_planned(config_dir, mock_engine, config, variable):
    seen = recorded(mock_engine)
    env = {"DOCKER_CUSTOM_HEADERS": variable} if variable else {}
    result = docker(config_dir, config, "--config", config_dir, "-H", mock_engine.docker_host_tcp, "ps", env=env)
    assert result.returncode == 0, result.stderr
    load = load_config(config, os.path.join(config_dir, "config.json"))
    plan = plan_headers(load.mapping("HttpHeaders") if load.used else {}, variable)
    expected = plan.wire_headers()
    assert [request.target.split("?")[0] for request in seen] == ["/_ping", "/v1.50/containers/json"]
    for request in seen:
        custom = [(name, value) for name, value in request.headers
                  if name.lower() not in ("host", "user-agent", "accept-encoding")]
        assert sorted(custom) == expected
        assert request.header("User-Agent") == "Docker-Client/28.2.2 (linux)"


def test_proxy_variables_reach_the_container_as_planned(config_dir, mock_engine):
    host = mock_engine.docker_host_tcp
    proxies = {"default": {"httpProxy": "http://p:3128", "noProxy": "localhost,.corp"},
               host: {"httpsProxy": "http://s:3129", "allProxy": "socks://a:1"}}
    seen = recorded(mock_engine)
    docker(config_dir, json.dumps({"proxies": proxies}), "--config", config_dir, "-H", host, "create",
           "--pull", "never", "-e", "HTTPS_PROXY=mine", "-e", "all_proxy", "hello-world")
    create = next(request for request in seen if request.path.endswith("/containers/create"))
    env = json.loads(create.body)["Env"]
    plan = plan_proxies(proxies, host, ["HTTPS_PROXY=mine", "all_proxy"])
    planned = [f"{v.name}={v.value}" for v in plan.variables if v.status == "set"]
    assert sorted(env) == sorted(["HTTPS_PROXY=mine", "all_proxy", *planned])
    assert plan.chosen_key == host
