"""The deployment of deploy/ on this machine: nginx in front of three nodes (`python app.py --workers 1 --node nK
--behind-proxy`, each with its engine child), PostgreSQL and Redis shared, all on loopback and unix sockets and
started by this module. Visitors are real HTTP clients and the real docker CLI going through nginx.

Also: `python app.py --workers 2` brings up the same topology by itself and leaves nothing behind; the
deploy/ example is what `python app.py nginx-config` prints; how many workers run, and why.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from app import main
from hellotrace.deploy.nginx import FAIL_SECONDS, Node, nginx_config
from hellotrace.deploy.workers import (
    Child,
    GroupFailed,
    Tools,
    WorkerGroup,
    WorkersUnavailable,
    node_cores,
    node_started,
    placement,
    plan_workers,
)
from tests.services import free_port, nginx_missing, redis_missing, start_nginx, unavailable

ROOT = Path(__file__).resolve().parents[1]
MOVED_EN = "The server that held your sandbox did not answer, and you are now on another one"
SHOWN_HOST = re.compile(r"tcp://127\.0\.0\.1:(\d+)/sandboxes/([a-z0-9]+)-([0-9a-f]+)")
PAGE_TOKEN = re.compile(r'"X-CSRFToken": "([^"]+)"')
HELLO = "Hello from hellotrace's mock Docker engine!"


def docker(host: str, *args: str, folder: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DOCKER_HOST": host, "DOCKER_CONFIG": str(folder), "DOCKER_CLI_HINTS": "false"}
    return subprocess.run(["docker", *args], env=env, capture_output=True, text=True, timeout=60, check=False)


@dataclass
class NodeProcess:
    name: str
    site: int
    engine: int
    process: subprocess.Popen


def start_node(name: str, folder: Path, sandbox_port: int, env: dict[str, str], site: int | None = None,
               engine: int | None = None) -> NodeProcess:
    """A node on these ports (a node started again takes its ports back: nginx's configuration names them)."""
    site, engine = site or free_port(), engine or free_port()
    process = subprocess.Popen(
        [sys.executable, "app.py", "--workers", "1", "--node", name, "--behind-proxy",
         "--listen", f"127.0.0.1:{site}", "--tcp", f"127.0.0.1:{engine}", "--unix", str(folder / f"{name}.sock"),
         "--sandbox-url", f"tcp://127.0.0.1:{sandbox_port}", "--pull-pace", "0"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in process.stdout:
        if line.rstrip("\n") == "Press Ctrl+C to stop.":
            return NodeProcess(name, site, engine, process)
    raise AssertionError(f"node {name} did not start (exit status {process.wait()})")


def stop_process(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass
class Cluster:
    site: str  # nginx's site address, http://127.0.0.1:PORT
    engine_port: int  # nginx's engine port
    nodes: dict[str, NodeProcess]
    docker_config: Path
    folder: Path
    env: dict[str, str]

    def start_again(self, name: str) -> None:
        """Node `name`, stopped, started again on its ports (as its process manager would)."""
        old = self.nodes[name]
        self.nodes[name] = start_node(name, self.folder, self.engine_port, self.env, old.site, old.engine)


@pytest.fixture(scope="module")
def cluster(postgres, redis_server) -> Iterator[Cluster]:
    reason = nginx_missing()
    if reason is not None:
        unavailable(reason)
    if shutil.which("docker") is None:
        unavailable("the docker CLI is not installed")
    folder = Path(tempfile.mkdtemp(prefix="ht-deploy-", dir="/tmp"))
    (folder / "docker-config").mkdir()
    (folder / "instance").mkdir()
    site_port, engine_port = free_port(), free_port()
    env = {key: value for key, value in os.environ.items() if key not in ("DOCKER_HOST", "REDIS_URL", "DATABASE_URL")}
    env.update(HELLOTRACE_SECRET_KEY=secrets.token_hex(16), HELLOTRACE_INSTANCE=str(folder / "instance"),
               HELLOTRACE_DATABASE_URL=postgres.create_database(f"deploy_{secrets.token_hex(6)}"),
               HELLOTRACE_REDIS_URL=redis_server.url)
    nodes: dict[str, NodeProcess] = {}
    nginx = None
    try:
        for name in ("n1", "n2", "n3"):
            nodes[name] = start_node(name, folder, engine_port, env)
        nginx = start_nginx([Node(node.name, f"127.0.0.1:{node.site}", f"127.0.0.1:{node.engine}")
                             for node in nodes.values()], ("127.0.0.1", site_port), ("127.0.0.1", engine_port))
        yield Cluster(f"http://127.0.0.1:{site_port}", engine_port, nodes, folder / "docker-config", folder, env)
    finally:
        if nginx is not None:
            nginx.stop()
        for node in nodes.values():
            stop_process(node.process)
        shutil.rmtree(folder, ignore_errors=True)


class Browser:
    """A visitor's browser through nginx: its cookies, and the CSRF token its last page carried."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = requests.Session()
        self.token = ""

    def get(self, path: str, **kwargs) -> requests.Response:
        answer = self.http.get(self.base + path, timeout=30, **kwargs)
        found = PAGE_TOKEN.search(answer.text) if "text/html" in answer.headers.get("Content-Type", "") else None
        if found:
            self.token = found.group(1)
        return answer

    def post(self, path: str, data: dict[str, str], **kwargs) -> requests.Response:
        headers = {"X-CSRFToken": self.token, **kwargs.pop("headers", {})}
        return self.http.post(self.base + path, data=data, headers=headers, timeout=30, **kwargs)

    def docker_host(self) -> tuple[str, str, str]:
        """(DOCKER_HOST, node, sandbox) as the replay page shows them."""
        found = SHOWN_HOST.search(self.get("/en/replay").text)
        assert found is not None, "the replay page shows no DOCKER_HOST"
        return found.group(0), found.group(2), f"{found.group(2)}-{found.group(3)}"


def browsers_on_every_node(cluster: Cluster) -> dict[str, Browser]:
    """One new visitor per node (nginx sends new visitors to the nodes in turn)."""
    found: dict[str, Browser] = {}
    for _ in range(60):
        browser = Browser(cluster.site)
        node = browser.docker_host()[1]
        found.setdefault(node, browser)
        if len(found) == len(cluster.nodes):
            return found
    raise AssertionError(f"60 new visitors reached only nodes {sorted(found)}")


def read_event(stream: Iterator[str], kind: str, timeout: float = 10) -> dict:
    """The data of the next Server-Sent Event of this kind."""
    import json

    deadline = time.monotonic() + timeout
    event = None
    for line in stream:
        if line.startswith("event: "):
            event = line.removeprefix("event: ")
        elif line.startswith("data: ") and event == kind:
            return json.loads(line.removeprefix("data: "))
        assert time.monotonic() < deadline, f"no {kind} event"
    raise AssertionError(f"the stream ended before a {kind} event")


def test_a_class_follows_its_teacher_across_nodes(cluster):
    visitors = browsers_on_every_node(cluster)
    (teacher_node, teacher), *students = visitors.items()
    created = teacher.post("/en/class/new", {"title": "Across nodes"}, allow_redirects=False)
    assert created.status_code == 303, created.text
    code = re.search(r"/class/(\w{6})/present", created.headers["Location"]).group(1)
    teacher.get(f"/en/class/{code}/present")
    streams = []
    for node, student in students:
        assert node != teacher_node
        student.get(f"/en/join/{code}")
        joined = student.post(f"/en/join/{code}", {"name": f"Student on {node}"}, allow_redirects=False)
        assert joined.status_code == 303, joined.text
        answer = student.http.get(f"{cluster.site}/en/class/{code}/events", stream=True, timeout=30)
        assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/event-stream")
        lines = answer.iter_lines(decode_unicode=True)
        assert read_event(lines, "position")["step"] != 3
        streams.append((answer, lines))
    moved = teacher.post(f"/en/class/{code}/position", {"step": "3"}, headers={"Accept": "application/json"})
    assert moved.status_code == 204, moved.text
    for answer, lines in streams:
        assert read_event(lines, "position")["step"] == 3  # through Redis, from the teacher's node to theirs
        answer.close()
    assert "<h2>The class (2)</h2>" in teacher.get(f"/en/class/{code}/roster").text  # joined on other nodes


def test_a_students_terminal_reaches_their_own_sandbox_through_nginx(cluster):
    for node, student in browsers_on_every_node(cluster).items():
        docker_host, shown_node, sandbox = student.docker_host()
        assert shown_node == node and docker_host.startswith(f"tcp://127.0.0.1:{cluster.engine_port}/")
        assert student.post("/en/replay/run", {"step": "all"}, allow_redirects=False).status_code == 303
        own = cluster.nodes[node].engine
        made = requests.get(f"http://127.0.0.1:{own}/sandboxes/{sandbox}/v1.55/containers/json?all=1", timeout=10)
        assert [c["Image"] for c in made.json()] == ["hello-world"]  # the page's run, in the node's own engine
        listed = docker(docker_host, "ps", "-a", "--no-trunc", "--format", "{{.ID}}", folder=cluster.docker_config)
        assert listed.returncode == 0, listed.stderr
        assert listed.stdout.split() == [made.json()[0]["Id"]]
        curl = subprocess.run(["curl", "-sf", f"{docker_host.replace('tcp://', 'http://')}/v1.55/containers/json"
                               "?all=1"], capture_output=True, text=True, timeout=30, check=False)
        assert curl.returncode == 0 and made.json()[0]["Id"] in curl.stdout
        # The curl commands the home page and the lessons give to copy name nginx's port, never the node's own.
        public = docker_host.replace("tcp://", "http://")
        for page, example in (("/en/", f"curl -s {public}/v1.55/version"), ("/en/lessons/", f"curl -s {public}/_ping")):
            text = student.get(page).text
            assert example in text and f":{own}/" not in text, page
    # The whole docker run through nginx: pull progress, the hijacked attach (101), wait.
    ran = docker(docker_host, "run", "hello-world", folder=cluster.docker_config)
    assert ran.returncode == 0 and HELLO in ran.stdout, ran.stdout + ran.stderr
    follow = docker(docker_host, "run", "-i", "busybox", "cat", folder=cluster.docker_config)
    assert follow.returncode == 0
    # A DOCKER_HOST naming a node the group does not have reaches the first node's engine, which says so
    # rather than quietly making an empty sandbox; a name a student chose is served as ever.
    base = f"tcp://127.0.0.1:{cluster.engine_port}/sandboxes"
    typo = docker(f"{base}/n9-{'0' * 32}", "ps", folder=cluster.docker_config)
    assert typo.returncode != 0
    assert "belongs to node n9, which this group of hellotrace servers does not have" in typo.stderr, typo.stderr
    assert "copy DOCKER_HOST again from your hellotrace page" in typo.stderr
    assert docker(f"{base}/my-box", "ps", folder=cluster.docker_config).returncode == 0


def test_new_visitors_go_to_the_nodes_in_turn_and_stay_where_they_landed(cluster):
    """nginx sends first visits round the nodes, and each node chooses a token that nginx's own consistent hash
    sends back to it (hellotrace/deploy/ring.py): three nodes get exactly a third of new visitors each, and every
    visitor's next requests, routed by their cookie, find the same node and sandbox."""
    landed: dict[str, list[Browser]] = {}
    for _ in range(12):
        browser = Browser(cluster.site)
        landed.setdefault(browser.docker_host()[1], []).append(browser)
    assert {node: len(browsers) for node, browsers in landed.items()} == {"n1": 4, "n2": 4, "n3": 4}
    for node, browsers in landed.items():
        for browser in browsers:
            sandbox = browser.docker_host()[2]
            for _ in range(3):
                assert browser.docker_host()[1:] == (node, sandbox)


def test_killing_a_node_moves_its_students_to_a_new_sandbox_and_tells_them(cluster):
    visitors = browsers_on_every_node(cluster)
    victim = cluster.nodes["n2"]
    student = visitors["n2"]
    old_host, _, old_sandbox = student.docker_host()
    student.post("/en/replay/run", {"step": "all"}, allow_redirects=False)
    others = {node: browser.docker_host()[0] for node, browser in visitors.items() if node != "n2"}
    os.kill(victim.process.pid, signal.SIGKILL)
    victim.process.wait(10)

    page = student.get("/en/replay").text
    assert MOVED_EN in page
    found = SHOWN_HOST.search(page)
    new_host, new_node = found.group(0), found.group(2)
    assert new_node in ("n1", "n3") and new_host != old_host
    assert new_host[-16:] == old_sandbox[-16:]  # the same visitor token, on its new node (after its start's name)
    assert MOVED_EN not in student.get("/en/replay").text  # told once
    fresh = docker(new_host, "ps", "-a", "-q", folder=cluster.docker_config)
    assert fresh.returncode == 0 and fresh.stdout.strip() == ""  # a new, empty sandbox
    gone = docker(old_host, "ps", "-a", folder=cluster.docker_config)
    assert gone.returncode != 0  # the dead node's sandboxes are unreachable
    # Students of the other nodes stay where they were, with their sandboxes.
    for node, docker_host in others.items():
        page = visitors[node].get("/en/replay").text
        assert MOVED_EN not in page and docker_host in page
    # The node comes back, and nginx tries it again: the moved student stays where their sandbox now is, and the
    # address their terminal may have kept says it is gone rather than open a new, empty sandbox there.
    cluster.start_again("n2")
    time.sleep(FAIL_SECONDS + 0.5)
    for _ in range(3):
        page = student.get("/en/replay").text
        assert MOVED_EN not in page and new_host in page
    kept = docker(old_host, "ps", "-a", folder=cluster.docker_config)
    assert kept.returncode != 0 and "before it restarted" in kept.stderr and "copy DOCKER_HOST again" in kept.stderr


def descendants(pid: int) -> set[int]:
    """Every process below `pid`, from /proc's children lists."""
    found, todo = set(), [pid]
    while todo:
        current = todo.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                if child not in found:
                    found.add(child)
                    todo.append(child)
    return found


@dataclass
class Running:
    pid: int
    command: list[str]


def cores_of(pid: int) -> set[int]:
    """The cores a process and every process below it may run on, which must be the same for all."""
    found = {frozenset(os.sched_getaffinity(each)) for each in {pid, *descendants(pid)} if alive(each)}
    assert len(found) == 1, found
    return set(found.pop())


def policies_of(pid: int) -> set[int]:
    """The scheduling policies of every thread of a process and of the processes below it."""
    found = set()
    for each in {pid, *descendants(pid)}:
        for task in Path(f"/proc/{each}/task").glob("*"):
            with contextlib.suppress(OSError):
                found.add(os.sched_getscheduler(int(task.name)))
    return found


def node_process(parent: int, node: str) -> Running | None:
    """The parent's child process running node `node`'s site, if any."""
    for pid in descendants(parent):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_text().split("\0")[:-1]
        except OSError:
            continue
        site = "--node" in command and "mock-daemon" not in command  # its engine child is told the node too
        if site and command[command.index("--node") + 1] == node and alive(pid):
            return Running(pid, command)
    return None


def nginx_master(parent: int) -> int | None:
    """The parent's nginx (its master process), if one runs."""
    for pid in descendants(parent):
        try:
            title = Path(f"/proc/{pid}/cmdline").read_text()  # nginx rewrites it: "nginx: master process …"
        except OSError:
            continue
        if title.startswith("nginx: master process") and alive(pid):
            return pid
    return None


def serves(site: str) -> bool:
    try:
        return requests.get(f"{site}/healthz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def head_status(address: str | tuple[str, int], host: str) -> int:
    """The status of `GET /containers/json` sent to the engine at `address` (a unix socket's path, or TCP) with
    this Host, as `curl --unix-socket … http:/v1.24/containers/json` sends it."""
    family = socket.AF_UNIX if isinstance(address, str) else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as connection:
        connection.settimeout(10)
        connection.connect(address)
        connection.sendall(f"GET /containers/json HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        return int(connection.recv(64).split(b" ", 2)[1])


def test_sigterm_while_the_group_starts_stops_what_started_and_removes_its_folder(tmp_path, short_folder):
    """SIGTERM before the group supervised (its nodes still starting) ended the parent at once: its runtime folder
    (Redis's socket, nginx's files) stayed behind in XDG_RUNTIME_DIR, one per stop."""
    reason = nginx_missing() or redis_missing()
    if reason is not None:
        unavailable(reason)
    env = {key: value for key, value in os.environ.items() if key not in ("DOCKER_HOST", "REDIS_URL", "DATABASE_URL")}
    env.update(XDG_RUNTIME_DIR=str(short_folder), HELLOTRACE_INSTANCE=str(tmp_path / "instance"))
    parent = subprocess.Popen([sys.executable, "app.py", "--workers", "2", "--listen", "127.0.0.1:0",
                               "--tcp", "127.0.0.1:0"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        # Its folder made and a node started, not yet served: the nodes announce themselves within a second or two.
        while not (list(short_folder.glob("hellotrace-w*/redis.sock")) and len(descendants(parent.pid)) >= 2):
            assert parent.poll() is None and time.monotonic() < deadline, parent.stderr.read() if parent.poll() else ""
            time.sleep(0.02)
        started = descendants(parent.pid)
        parent.send_signal(signal.SIGTERM)
        assert parent.wait(30) == 0
        assert list(short_folder.glob("hellotrace-w*")) == []
        assert not [pid for pid in started if Path(f"/proc/{pid}").exists()
                    and Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"]
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()


def test_workers_2_serves_a_replay_through_its_nginx_and_stops_cleanly(tmp_path, short_folder):
    reason = nginx_missing() or redis_missing()
    if reason is not None:
        unavailable(reason)
    run = short_folder  # the runtime folder, as short as a real one (`/run/user/UID`): the group's sockets go in it
    (tmp_path / "docker-config").mkdir()
    env = {key: value for key, value in os.environ.items() if key not in ("DOCKER_HOST", "REDIS_URL", "DATABASE_URL")}
    env.update(XDG_RUNTIME_DIR=str(run), HELLOTRACE_INSTANCE=str(tmp_path / "instance"))
    parent = subprocess.Popen([sys.executable, "app.py", "--workers", "2", "--listen", "127.0.0.1:0",
                               "--tcp", "127.0.0.1:0", "--pull-pace", "0", "--log-format", "json"],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        banner = []
        for line in parent.stdout:
            banner.append(line.rstrip("\n"))
            if banner[-1] == "Press Ctrl+C to stop.":
                break
        text = "\n".join(banner)
        assert ("2 workers, each a site process with its own mock engine, behind nginx."
                + placement(node_cores(2))) in banner, text
        site = re.search(r"hellotrace is on (http://127\.0\.0\.1:\d+)/", text).group(1)
        engine_port = int(re.search(r"and TCP tcp://127\.0\.0\.1:(\d+)", text).group(1))
        everything = descendants(parent.pid)
        assert len(everything) >= 6  # redis-server, two nodes and their engines, nginx (and its worker)
        # Each node runs on a core of its own, its engine with it (on one core: both on it).
        usable = sorted(os.sched_getaffinity(0))
        for index, name in enumerate(("w1", "w2")):
            running = node_process(parent.pid, name)
            assert cores_of(running.pid) == {usable[index % len(usable)]}, name
            # Its threads, and its engine's, are woken as batch work (app.py, wake_threads_without_preempting).
            assert policies_of(running.pid) == {os.SCHED_BATCH}, name
        # The parent only supervises: the migrations ran in a process of their own and left nothing in it.
        resident_pages = int((Path("/proc") / str(parent.pid) / "statm").read_text().split()[1])
        parent_rss = resident_pages * os.sysconf("SC_PAGE_SIZE")
        assert parent_rss < 70 * 2**20, f"the parent holds {parent_rss / 2**20:.0f} MiB"
        assert sorted(os.listdir(run)) == ["hellotrace", next(
            name for name in os.listdir(run) if name.startswith("hellotrace-w"))]

        visitor = Browser(site)
        docker_host, node, sandbox = visitor.docker_host()
        assert node in ("w1", "w2") and docker_host.startswith(f"tcp://127.0.0.1:{engine_port}/sandboxes/")
        assert visitor.post("/en/replay/run", {"step": "all"}, allow_redirects=False).status_code == 303
        listed = docker(docker_host, "ps", "-a", "--format", "{{.Image}}", folder=tmp_path / "docker-config")
        assert listed.stdout.split() == ["hello-world"], listed.stderr
        unix = re.search(r"export DOCKER_HOST=(unix://\S+)", text).group(1)
        assert HELLO in docker(unix, "run", "--rm", "hello-world", folder=tmp_path / "docker-config").stdout
        # Through nginx too, the unix socket serves any Host, as dockerd's does (the lessons' `http:/v1.24` trap),
        # and TCP refuses a name the engine is not (a rebound page's).
        assert head_status(unix.removeprefix("unix://"), "v1.24") == 200
        assert head_status(("127.0.0.1", engine_port), "v1.24") == 403

        # The visitor's node dies: they are moved and told, and the parent starts the node again, same addresses.
        dead = node_process(parent.pid, node)
        core_of_dead = cores_of(dead.pid)
        os.kill(dead.pid, signal.SIGKILL)
        assert MOVED_EN in visitor.get("/en/replay").text
        deadline = time.monotonic() + 30
        while (again := node_process(parent.pid, node)) is None or again.pid == dead.pid:
            assert time.monotonic() < deadline, "the node was not started again"
            time.sleep(0.2)
        # It binds the ports it got at its first start (port 0), those nginx was configured with.
        nginx_conf = next(run.glob("hellotrace-w*/nginx.conf")).read_text()
        pinned = list(dead.command)
        for option in ("--listen", "--tcp"):
            assert dead.command[dead.command.index(option) + 1] == "127.0.0.1:0"
            address = again.command[again.command.index(option) + 1]
            assert re.search(rf"server {re.escape(address)}[ ;]", nginx_conf)
            pinned[dead.command.index(option) + 1] = address
        assert again.command == pinned
        assert cores_of(again.pid) == core_of_dead  # and runs on the core it had
        everything |= descendants(parent.pid)

        # nginx's master killed outright: its workers, which still hold the public ports, are stopped with it,
        # and a new nginx serves on the same addresses.
        master = nginx_master(parent.pid)
        assert master is not None
        workers = descendants(master)
        assert workers
        os.kill(master, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while nginx_master(parent.pid) in (None, master) or not serves(site):
            assert time.monotonic() < deadline, "nginx was not started again"
            time.sleep(0.2)
        assert not [pid for pid in workers if alive(pid)]
        assert visitor.get("/en/replay").status_code == 200
        everything |= descendants(parent.pid)

        parent.send_signal(signal.SIGTERM)
        assert parent.wait(30) == 0
        # Every log line, the nodes' and the parent's own notice of the restart, is one JSON object.
        logged = [json.loads(line) for line in parent.stderr.read().splitlines() if line.strip()]
        assert any(entry["message"].startswith(f"worker process {node} stopped") for entry in logged), logged
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in everything) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in everything if alive(pid)], "processes left behind"
    assert os.listdir(run) == ["hellotrace"]  # the runtime folder is gone
    assert os.listdir(run / "hellotrace") == []  # and nginx's public socket


def test_workers_asked_for_but_impossible_says_what_to_install():
    def nothing() -> Tools:
        return Tools(None, None, None)

    with pytest.raises(WorkersUnavailable, match=r"--workers 3 needs nginx \(apt-get install nginx "):
        plan_workers(3, real_daemon=False, redis_url=None, cores=2, find_tools=nothing)
    without_redis = Tools("/usr/sbin/nginx", "/usr/lib/nginx/modules", None)
    with pytest.raises(WorkersUnavailable, match="needs Redis: set REDIS_URL, or install redis-server"):
        plan_workers(2, real_daemon=False, redis_url=None, cores=2, find_tools=lambda: without_redis)
    given_redis = plan_workers(2, real_daemon=False, redis_url="redis://x", cores=2, find_tools=lambda: without_redis)
    assert given_redis.count == 2


@pytest.mark.parametrize(("requested", "daemon", "cores", "tools", "note"), [
    (None, False, 1, None, "One worker: this machine has one core."),
    (1, False, 8, None, "One worker (--workers 1)."),
    (None, True, 8, None, "One worker: with a real Docker daemon, the record of the containers hellotrace made "
                          "there lives in one process."),
    (4, True, 8, None, "One worker: with a real Docker daemon, the record of the containers hellotrace made "
                       "there lives in one process."),
    (None, False, 4, Tools(None, None, "/usr/bin/redis-server"),
     "One worker: several need nginx (apt-get install nginx libnginx-mod-stream libnginx-mod-stream-js)."),
    (None, False, 4, Tools("/usr/sbin/nginx", None, "/usr/bin/redis-server"),
     "One worker: several need nginx's stream modules (apt-get install libnginx-mod-stream "
     "libnginx-mod-stream-js)."),
    (None, False, 4, Tools("/usr/sbin/nginx", "/m", "/usr/bin/redis-server"),
     "4 workers, one per core, each a site process with its own mock engine, behind nginx."),
    (3, False, 2, Tools("/usr/sbin/nginx", "/m", "/usr/bin/redis-server"),
     "3 workers, each a site process with its own mock engine, behind nginx."),
])
def test_how_many_workers_run_and_the_line_that_says_why(requested, daemon, cores, tools, note):
    def found() -> Tools:
        assert tools is not None, "the machine is looked at only when several workers are wanted"
        return tools

    plan = plan_workers(requested, real_daemon=daemon, redis_url=None, cores=cores, find_tools=found)
    assert plan.note == note
    assert plan.count == (int(note.split()[0]) if note[0].isdigit() else 1)


def test_a_node_of_a_group_is_one_worker():
    def never() -> Tools:
        raise AssertionError("a node does not look for nginx")

    for given in (None, 1):
        plan = plan_workers(given, real_daemon=False, redis_url=None, cores=8, node=True, find_tools=never)
        assert (plan.count, plan.note) == (1, "One worker: a node of a group behind nginx.")
    with pytest.raises(WorkersUnavailable, match="--workers 3 starts a group of its own nodes"):
        plan_workers(3, real_daemon=False, redis_url=None, cores=8, node=True, find_tools=never)


def test_workers_given_with_nginx_missing_stops_with_one_line(monkeypatch, capsys):
    monkeypatch.setattr(Tools, "find", classmethod(lambda cls: Tools(None, None, "/usr/bin/redis-server")))
    assert main(["--workers", "2", "--listen", "127.0.0.1:0", "--tcp", "127.0.0.1:0"]) == 2
    printed = capsys.readouterr()
    assert printed.out == ""
    assert printed.err == ("hellotrace: --workers 2 needs nginx (apt-get install nginx libnginx-mod-stream "
                           "libnginx-mod-stream-js); or run one worker with --workers 1\n")


def test_the_deploy_example_is_what_nginx_config_prints(capsys):
    assert main(["nginx-config", "--listen", "0.0.0.0:80", "--engine-listen", "0.0.0.0:2375",
                 "--node", "n1=192.0.2.11:5000,192.0.2.11:2375", "--node", "n2=192.0.2.12:5000,192.0.2.12:2375",
                 "--node", "n3=192.0.2.13:5000,192.0.2.13:2375"]) == 0
    assert capsys.readouterr().out == (ROOT / "deploy" / "nginx" / "hellotrace.conf").read_text(encoding="utf-8")


def test_nginx_config_refuses_a_bad_node_with_one_line(capsys):
    assert main(["nginx-config", "--node", "n1=192.0.2.11:5000"]) == 2
    assert capsys.readouterr().err == ("hellotrace: expected NAME=SITE_HOST:PORT,ENGINE_HOST:PORT, for example "
                                       "n1=192.0.2.11:5000,192.0.2.11:2375, not 'n1=192.0.2.11:5000'\n")


def announcing_child(*lines: str) -> Child:
    """A stand-in node that prints `lines` as its banner, with a node's port options."""
    script = "import sys; print(*sys.argv[1:], sep='\\n', flush=True)"
    return Child("w1", [sys.executable, "-c", script, *lines, "--listen", "127.0.0.1:0", "--tcp", "127.0.0.1:0"],
                 node_started, reads_banner=True)


def test_a_node_started_again_binds_the_ports_its_banner_announced():
    child = announcing_child("hellotrace is on http://127.0.0.1:41001/", "                and TCP tcp://127.0.0.1:41002",
                             "Press Ctrl+C to stop.")
    child.start()
    child.ready(child)
    child.process.wait(10)
    assert child.command[-4:] == ["--listen", "127.0.0.1:41001", "--tcp", "127.0.0.1:41002"]


@pytest.mark.parametrize(("usable", "count", "cores"), [
    ({0, 1}, 2, [0, 1]),
    ({3, 1, 2, 0}, 6, [0, 1, 2, 3, 0, 1]),  # more nodes than cores: they share them in turn
    ({2, 7}, 1, [2]),  # cores the site was given (taskset, a cgroup's cpuset): only those
    ({5}, 3, [None, None, None]),  # one core: nothing to choose, nothing pinned
])
def test_each_node_gets_a_core_in_turn_over_those_the_site_may_use(monkeypatch, usable, count, cores):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: usable)
    assert node_cores(count) == cores


@pytest.mark.parametrize(("pinned", "cores", "said"), [
    (True, [0, 1], " Each keeps to a core of its own with its engine."),
    (False, [None, None], ""),
])
def test_pin_workers_false_leaves_the_nodes_to_the_kernel(monkeypatch, tmp_path, pinned, cores, said):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    monkeypatch.setattr(Child, "start", lambda self: None)  # the nodes as planned, none started
    monkeypatch.setattr("hellotrace.deploy.workers.node_started", lambda child: None)
    group = WorkerGroup(2, Tools("nginx", "modules", "redis-server"), site=("127.0.0.1", 5000),
                        engine=("127.0.0.1", 2375), unix_path=str(tmp_path / "docker.sock"), node_options=[],
                        redis_url="unix:///run/redis.sock", app_py="app.py", pinned=pinned)
    group.folder = tmp_path
    group.start_nodes({})
    assert [child.core for child in group.children] == cores
    assert placement(child.core for child in group.children) == said  # what the banner adds to its line on the workers


def test_the_banner_says_when_nodes_share_the_cores():
    assert placement([0, 1, 0]) == " Each keeps to one core with its engine, the cores shared in turn."
    assert placement([None]) == ""


def test_where_the_system_does_not_say_which_cores_nothing_is_pinned(monkeypatch):
    monkeypatch.delattr(os, "sched_getaffinity")
    assert node_cores(2) == [None, None]


def test_a_child_given_a_core_it_may_no_longer_use_starts_all_the_same():
    usable = os.sched_getaffinity(0)
    child = Child("w1", [sys.executable, "-c", "import os; print(sorted(os.sched_getaffinity(0)))"], node_started,
                  reads_banner=True, core=max(usable) + 1024)  # no such core
    child.start()
    printed, _ = child.process.communicate(timeout=30)
    assert printed.strip() == str(sorted(usable))


def test_a_child_given_a_core_runs_there_and_so_does_what_it_starts():
    core = max(os.sched_getaffinity(0))
    script = ("import os, subprocess, sys; print(sorted(os.sched_getaffinity(0)), subprocess.run([sys.executable, "
              "'-c', 'import os; print(sorted(os.sched_getaffinity(0)))'], capture_output=True, text=True).stdout)")
    child = Child("w1", [sys.executable, "-c", script], node_started, reads_banner=True, core=core)
    child.start()
    printed, _ = child.process.communicate(timeout=30)
    assert printed.split() == [f"[{core}]", f"[{core}]"]


@pytest.mark.parametrize("lines", [("hellotrace is on http://127.0.0.1:41001/",),
                                   ("hellotrace is on http://127.0.0.1:41001/", "Press Ctrl+C to stop.")])
def test_a_node_that_stops_or_does_not_say_where_it_listens_did_not_start(lines):
    child = announcing_child(*lines)
    child.start()
    with pytest.raises(GroupFailed, match="worker w1"):
        child.ready(child)
    child.process.wait(10)
    assert child.command[-4:] == ["--listen", "127.0.0.1:0", "--tcp", "127.0.0.1:0"]


def test_the_public_ports_are_held_until_nginx_listens_on_them(tmp_path):
    """A port 0 becomes a free port, held by a bound socket that never listens: no outgoing connection takes it
    while the nodes start, and nginx (binding with address reuse, as it does) can still listen on it."""
    from app import reserve_public_addresses

    site_port, engine_port, held = reserve_public_addresses(("127.0.0.1", 0), ("127.0.0.1", 0),
                                                            str(tmp_path / "engine.sock"))
    try:
        assert site_port and engine_port and site_port != engine_port
        assert {sock.getsockname()[1] for sock in held} == {site_port, engine_port}
        assert not (tmp_path / "engine.sock").exists()
        for port in (site_port, engine_port):
            with socket.socket() as nginx:
                nginx.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                nginx.bind(("127.0.0.1", port))
                nginx.listen()
    finally:
        for sock in held:
            sock.close()


def test_nginx_lets_through_the_largest_body_the_site_takes():
    """The site refuses what is too large with a page in the visitor's language (a HAR file to show may weigh
    4 MiB): nginx's own limit, which answers with its bare English page, must lie above."""
    from hellotrace.deploy.nginx import BODY_LIMIT_MIB
    from hellotrace.har import MAX_IMPORT_BYTES
    from hellotrace.web.trace_views import FORM_AROUND_FILE

    assert BODY_LIMIT_MIB * 1024 * 1024 > MAX_IMPORT_BYTES + FORM_AROUND_FILE
    config = nginx_config([Node("a", "127.0.0.1:1", "127.0.0.1:2")], ["127.0.0.1:80"], ["127.0.0.1:2375"])
    assert f"client_max_body_size {BODY_LIMIT_MIB}m;" in config


@pytest.mark.parametrize(("depth", "in_runtime_folder"), [(1, True), (70, False)])
def test_the_groups_sockets_go_where_their_paths_fit(monkeypatch, tmp_path, depth, in_runtime_folder):
    """Under a runtime folder too deep for a unix socket's address, the group's folder is the temporary one."""
    runtime = Path(tempfile.mkdtemp(prefix="ht-", dir="/tmp")) / ("r" * depth)
    runtime.mkdir()
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    group = WorkerGroup(12, Tools("nginx", "modules", "redis-server"), site=("127.0.0.1", 5000),
                        engine=("127.0.0.1", 2375), unix_path=str(tmp_path / "docker.sock"), node_options=[],
                        redis_url=None, app_py="app.py")
    try:
        folder = group.make_folder()
        assert (folder.parent == runtime) is in_runtime_folder
        longest = folder / "w12.sock.trace"
        with socket.socket(socket.AF_UNIX) as listener:
            listener.bind(str(longest))  # too long a path raises OSError
    finally:
        shutil.rmtree(runtime.parent, ignore_errors=True)
        if group.folder is not None:
            shutil.rmtree(group.folder, ignore_errors=True)
