"""The real docker CLI through a container's whole life on the mock: settings that inspect shows back, the
lifecycle commands, and `docker events` streaming live."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time

import pytest

from tests.test_docker_cli import DOCKER, docker

pytestmark = [
    pytest.mark.docker_cli,
    pytest.mark.skipif(DOCKER is None and os.environ.get("CI") != "true", reason="the docker CLI is not installed"),
]


@pytest.fixture
def host(mock_engine) -> str:
    assert docker(mock_engine.docker_host_unix, "pull", "-q", "alpine").returncode == 0
    return mock_engine.docker_host_unix


def ok(host: str, *args: str) -> str:
    result = docker(host, *args)
    assert result.returncode == 0, (args, result.stderr)
    return result.stdout


def test_run_flags_come_back_in_inspect(host):
    ok(host, "run", "-d", "--name", "flags", "--memory", "100m", "--cpu-shares", "512", "--tmpfs", "/run", "--init",
       "--stop-timeout", "3", "--group-add", "1234", "--restart", "on-failure:3", "--pids-limit", "50",
       "--log-driver", "local", "alpine", "sleep", "60")
    shown = ok(host, "inspect", "-f", "{{.HostConfig.Memory}} {{.HostConfig.CpuShares}} {{.HostConfig.Tmpfs}} "
               "{{.HostConfig.Init}} {{.Config.StopTimeout}} {{.HostConfig.GroupAdd}} "
               "{{.HostConfig.RestartPolicy.Name}} {{.HostConfig.PidsLimit}} {{.HostConfig.LogConfig.Type}}", "flags")
    assert shown == "104857600 512 map[/run:] true 3 [1234] on-failure 50 local\n"
    assert ok(host, "run", "--rm", "--group-add", "1234", "alpine", "id").rstrip().endswith(",27(video),1234")


def test_the_process_runs_as_config_user(host):
    """-u as GetExecUser resolves it against the image's /etc/passwd and /etc/group (moby/sys/user)."""
    assert ok(host, "run", "--rm", "-u", "1000:1000", "alpine", "id") == "uid=1000 gid=1000 groups=1000\n"
    assert ok(host, "run", "--rm", "-u", "1000", "alpine", "id") == "uid=1000 gid=0(root) groups=0(root)\n"
    assert ok(host, "run", "--rm", "-u", "nobody", "alpine", "id") == \
        "uid=65534(nobody) gid=65534(nobody) groups=65534(nobody)\n"
    assert ok(host, "run", "--rm", "-u", "nobody", "alpine", "whoami") == "nobody\n"
    assert ok(host, "run", "--rm", "alpine", "id").startswith("uid=0(root) gid=0(root) groups=0(root),1(bin),")
    unknown = docker(host, "run", "--name", "nouser", "-u", "ghost", "alpine", "id")
    assert unknown.returncode == 125
    assert "Error response from daemon: unable to find user ghost: no matching entries in passwd file" in \
        unknown.stderr


def test_refusals_as_docker_words_them(host):
    bad_driver = docker(host, "run", "--log-driver", "asdf", "alpine", "true")
    assert bad_driver.returncode == 125
    assert "logger: no log driver named 'asdf' is registered" in bad_driver.stderr
    ok(host, "run", "--log-driver", "none", "--name", "quiet", "alpine", "echo", "hi")
    no_logs = docker(host, "logs", "quiet")
    assert no_logs.returncode == 1 and "configured logging driver does not support reading" in no_logs.stderr
    ok(host, "run", "-d", "--restart", "always", "--name", "always", "alpine", "true")
    refused = docker(host, "rm", "always")
    assert refused.returncode == 1 and 'cannot remove container "/always": container is' in refused.stderr
    ok(host, "rm", "-f", "always")


def test_ps_shows_the_command_as_moby_quotes_it(host):
    ok(host, "create", "alpine", "sh", "-c", "echo a; echo b")
    assert ok(host, "ps", "-a", "--no-trunc", "--format", "{{.Command}}") == "\"sh -c 'echo a; echo b'\"\n"


def test_ps_filters_as_the_daemon_applies_them(host):
    """Every key of acceptedPsFilterTags (daemon/list.go) is accepted and applied; bad values get its texts."""
    ok(host, "network", "create", "n1")
    ok(host, "volume", "create", "data")
    ok(host, "create", "--name", "first", "alpine", "true")
    ok(host, "run", "-d", "--name", "second", "--network", "n1", "-v", "data:/data", "-p", "8080:80",
       "--expose", "9000", "alpine", "sleep", "300")
    ok(host, "create", "--name", "third", "alpine", "true")

    def names(*filters: str) -> list[str]:
        return ok(host, "ps", "-a", *(arg for f in filters for arg in ("--filter", f)), "--format",
                  "{{.Names}}").split()

    assert names("before=third") == ["second", "first"]
    assert names("since=first") == ["third", "second"]
    assert names("since=first", "before=third") == ["second"]
    assert names("volume=data") == names("volume=/data") == ["second"]
    assert names("network=n1") == ["second"]
    assert names("publish=8080") == names("expose=9000/tcp") == names("expose=79-81") == ["second"]
    assert names("health=none") == names("is-task=false") == names("isolation=default") == \
        ["third", "second", "first"]
    assert names("is-task=true") == [] and names("health=healthy") == []
    # A status filter lists stopped containers without -a.
    assert ok(host, "ps", "--filter", "status=created", "--format", "{{.Names}}").split() == ["third", "first"]
    bad_status = docker(host, "ps", "--filter", "status=bogus")
    assert bad_status.returncode == 1 and bad_status.stderr.strip() == (
        "Error response from daemon: invalid filter 'status=bogus': invalid value for state (bogus): "
        "must be one of created, running, paused, restarting, removing, exited, dead")
    assert "invalid filter 'bogus'" in docker(host, "ps", "--filter", "bogus=1").stderr
    assert "No such container: nobody" in docker(host, "ps", "--filter", "before=nobody").stderr
    ok(host, "rm", "-f", "second")


def test_pause_unpause_rename_update_top_stats_kill_restart_prune(host):
    ok(host, "run", "-d", "--name", "life", "--init", "alpine", "sleep", "60")
    ok(host, "pause", "life")
    cid = ok(host, "inspect", "-f", "{{.Id}}", "life").strip()
    assert docker(host, "pause", "life").stderr.strip() == \
        f"Error response from daemon: container {cid} is already paused"
    assert ok(host, "ps", "--format", "{{.Status}}").rstrip().endswith("(Paused)")
    paused = docker(host, "rm", "life")
    assert "container is paused and must be unpaused first" in paused.stderr
    ok(host, "unpause", "life")
    ok(host, "rename", "life", "renamed")
    ok(host, "update", "--memory", "200m", "--restart", "unless-stopped", "renamed")
    assert ok(host, "inspect", "-f", "{{.HostConfig.Memory}} {{.HostConfig.RestartPolicy.Name}}",
              "renamed") == "209715200 unless-stopped\n"
    top = ok(host, "top", "renamed").splitlines()
    assert top[0].split() == ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]
    assert top[1].split()[-2:] == ["sleep", "60"]
    stats = ok(host, "stats", "--no-stream", "renamed").splitlines()
    assert stats[1].split()[1] == "renamed" and "MiB" in stats[1]
    bad = docker(host, "kill", "-s", "BOGUS", "renamed")
    assert bad.stderr.strip() == "Error response from daemon: cannot kill container: renamed: invalid signal: BOGUS"
    no_such = docker(host, "kill", "nosuch")
    assert no_such.stderr.strip() == \
        "Error response from daemon: cannot kill container: nosuch: No such container: nosuch"
    ok(host, "kill", "-s", "TERM", "renamed")  # with --init, the program dies of SIGTERM
    assert ok(host, "inspect", "-f", "{{.State.ExitCode}}", "renamed") == "143\n"
    ok(host, "restart", "-t", "0", "renamed")
    assert ok(host, "inspect", "-f", "{{.State.Status}}", "renamed") == "running\n"
    ok(host, "kill", "renamed")
    assert ok(host, "inspect", "-f", "{{.State.ExitCode}}", "renamed") == "137\n"
    not_running = docker(host, "kill", "renamed")
    assert not_running.stderr.strip() == \
        f"Error response from daemon: cannot kill container: renamed: container {cid} is not running"
    assert docker(host, "top", "renamed").stderr.strip() == \
        f"Error response from daemon: container {cid} is not running"
    assert docker(host, "exec", "renamed", "true").stderr.strip() == \
        f"Error response from daemon: container {cid} is not running"
    pruned = ok(host, "container", "prune", "-f")
    assert "Deleted Containers:" in pruned and ok(host, "ps", "-aq") == ""


@pytest.mark.timeout(30)
def test_docker_events_streams_live_with_filters(host):
    config_dir = tempfile.mkdtemp(prefix="ht-docker-config-")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": config_dir, "DOCKER_HOST": host,
           "DOCKER_CONFIG": config_dir}
    watcher = subprocess.Popen([DOCKER or "docker", "events", "--filter", "type=container", "--filter",
                                "event=start", "--filter", "event=die", "--format",
                                "{{.Action}} {{.Actor.Attributes.name}}"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        time.sleep(0.5)
        ok(host, "run", "--name", "watched", "alpine", "true")
        lines = []
        deadline = time.monotonic() + 10
        while len(lines) < 2 and time.monotonic() < deadline:
            assert watcher.stdout is not None
            lines.append(watcher.stdout.readline().strip())
        assert lines == ["start watched", "die watched"]
    finally:
        watcher.kill()
        watcher.wait(timeout=5)
        shutil.rmtree(config_dir, ignore_errors=True)
