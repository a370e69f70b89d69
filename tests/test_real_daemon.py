"""The mock engine next to a real one: Debian's dockerd 20.10 (API 1.41), private and offline (tests/real_daemon.py).

- The whole replay, both sequences, runs against each daemon in the same test and must tell the same story.
- The real docker CLI runs `docker run hello-world` against the private daemon (a check of the fixture).
- A differential test sends the same requests to both at API 1.41 and compares status codes, header names,
  JSON keys, error texts and stream contents; every difference is either gone or listed, with its reason,
  in KNOWN_DIFFERENCES (20.10 is not 29.x) — and a listed difference must still be one.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from dataclasses import dataclass, field

import pytest

from hellotrace.docker_host import DaemonAddress, parse_docker_host
from hellotrace.engine.hello import HELLO_MESSAGE
from hellotrace.engine.server import GO_BUFFER_BEFORE_CHUNKING
from hellotrace.policy import DaemonPolicy
from hellotrace.protocol.stdcopy import STDOUT, FrameDecoder
from hellotrace.protocol.versions import api_version_less, negotiate
from hellotrace.replay import CLIENT_API_VERSION, SEQUENCES, STEPS, Replay
from tests.conftest import start_mock_engine
from tests.wire import Answer, call


@dataclass(frozen=True)
class Daemon:
    """Either side of a comparison: its name, its socket (what tests/wire.py dials) and, for the real one, the
    policy the site puts in front of a real daemon."""

    name: str
    unix_path: str
    policy: DaemonPolicy | None = None

    @property
    def address(self) -> DaemonAddress:
        return parse_docker_host(f"unix://{self.unix_path}")


@pytest.fixture(params=["mock", "real"])
def daemon(request: pytest.FixtureRequest) -> Daemon:
    """The mock engine (fresh, pulls not paced) or the private real dockerd (emptied of containers and images)."""
    if request.param == "mock":
        return Daemon("mock", request.getfixturevalue("mock_engine").unix_path)
    real = request.getfixturevalue("real_daemon")
    real.forget()
    return Daemon("real", real.unix_path, DaemonPolicy())


# --- the replay, against both -------------------------------------------------------------------------------

STORY = {
    "recipe": {
        1: [("ping", 200), ("version", 200)],
        2: [("create", 404), ("pull", 200)],
        3: [("create", 201), ("start", 204)],
        4: [("wait", 200), ("logs", 200)],
    },
    "cli": {
        1: [("ping", 200)],
        2: [("create", 404), ("pull", 200)],
        3: [("create", 201), ("attach", 101), ("wait", 200), ("start", 204)],
        # The rest of the two calls held open across start, in whichever order their bytes come back.
        4: [("attach", 101), ("wait", 200)],
    },
}
# A pull's progress lines that a daemon may coalesce (20.10 forwards only the latest per layer), and so may
# or may not be seen; the others always are.
PASSING_STATUSES = {"Waiting", "Downloading", "Verifying Checksum", "Download complete", "Extracting"}


@pytest.mark.parametrize("sequence", SEQUENCES)
def test_the_replay_tells_the_same_story(daemon: Daemon, sequence: str) -> None:
    """All four steps, a real pull included; then Reset removes the container and the image, and a second run
    pulls again. Against the real daemon every call passes the site's real-daemon policy."""
    replay = Replay(daemon.address, sequence, daemon.policy)
    for run in ("first run", "after reset"):
        replay.start("all", background=False)
        steps = {step: [(e.label, e.status) for e in replay.steps[step].exchanges] for step in STEPS}
        if sequence == "cli":
            steps[4].sort()
        assert steps == STORY[sequence], (daemon.name, run)
        assert all(replay.steps[step].ok for step in STEPS), (daemon.name, run)
        # The lower of the sequence's own and the daemon's: 1.41 on the real one; on the mock 1.55 for the recipe,
        # 1.50 for the CLI sequence (docker CLI 28.2.2).
        assert replay.api_version == negotiate(CLIENT_API_VERSION[sequence], replay.daemon["Api-Version"])

        missing, pulled = replay.steps[2].exchanges
        assert missing.daemon_message == "No such image: hello-world:latest"
        assert pulled.response is not None and pulled.response.content_type == "application/json"
        lines = [line.value for line in pulled.json_lines]
        assert lines[0] == {"status": "Pulling from library/hello-world", "id": "latest"}
        statuses = [line["status"] for line in lines[1:-2]]
        assert statuses[0] == "Pulling fs layer" and statuses[-1] == "Pull complete", (daemon.name, statuses)
        assert set(statuses) <= PASSING_STATUSES | {"Pulling fs layer", "Pull complete"}, (daemon.name, statuses)
        assert str(lines[-2]["status"]).startswith("Digest: sha256:")
        assert lines[-1] == {"status": "Status: Downloaded newer image for hello-world:latest"}
        assert all(line.raw.endswith(b"\r\n") for line in pulled.json_lines)

        if sequence == "cli":
            attach = replay.steps[3].exchanges[1]
            assert attach.response is not None
            # Below API 1.42 (the real 20.10) the head says raw-stream, though the frames are multiplexed.
            framed = not api_version_less(replay.api_version or "", "1.42")
            assert attach.response.content_type == (
                "application/vnd.docker.multiplexed-stream" if framed else "application/vnd.docker.raw-stream")
        assert replay.exit_code == 0
        assert {stream for stream, _ in replay.output} == {STDOUT}
        assert b"".join(payload for _, payload in replay.output) == HELLO_MESSAGE

        assert daemon.policy is None or daemon.policy.ours() == [replay.container_id]
        removed = replay.reset()
        assert removed is not None
        assert [(e.label, e.status) for e in removed] == [("ping", 200), ("remove", 204), ("remove-image", 200)]
        assert daemon.policy is None or daemon.policy.ours() == []


# --- the docker CLI against the private daemon ---------------------------------------------------------------


def test_docker_run_hello_world_on_the_real_daemon(real_daemon) -> None:
    """The image built from HELLO_MESSAGE, pulled from the local mirror, prints exactly the mock's message."""
    real_daemon.forget()
    first = real_daemon.docker("run", "hello-world")
    assert first.stdout == HELLO_MESSAGE
    for line in (b"Unable to find image 'hello-world:latest' locally", b"Pulling from library/hello-world",
                 b"Pull complete", b"Status: Downloaded newer image for hello-world:latest"):
        assert line in first.stderr
    again = real_daemon.docker("run", "--rm", "hello-world")
    assert again.stdout == HELLO_MESSAGE and b"Pulling" not in again.stderr
    assert real_daemon.docker("run", "--rm", "alpine", "echo", "hello", "world").stdout == b"hello world\n"


# --- the differential test ------------------------------------------------------------------------------------

API = "/v1.41"  # what dockerd 20.10 speaks; the mock (29.7) accepts it too
HELLO = {"Image": "hello-world", "AttachStdout": True, "AttachStderr": True}
SLEEPER = {"Image": "alpine", "Cmd": ["sleep", "30"]}
JSON = {"Content-Type": "application/json"}
WORKER = {"Image": "alpine", "Cmd": ["sleep", "300"], "HostConfig": {
    "Memory": 104857600, "CpuShares": 512, "Init": True, "GroupAdd": ["1234"], "Tmpfs": {"/run": ""},
    "RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 2}}}


@dataclass(frozen=True)
class Probe:
    """One request of the list. `path` may name a container made earlier ({hello}, {sleeper}); `saves` keeps
    the Id a create returns under that name. `reads` is how to read the answer: json, text, frames or pull."""

    name: str
    method: str
    path: str
    json_body: object = None
    raw_body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    reads: str = "json"
    saves: str = ""
    values: tuple[str, ...] = ()  # top-level JSON values compared as well as keys
    header_values: tuple[str, ...] = ()  # headers whose values are compared, not just their presence
    # Sent once the daemon says the container named first in `path` is (True) or is not (False) paused. dockerd
    # records a pause or an unpause when containerd's event for it comes back, after its answer: asked again at
    # once, it may still act on the state before and answer with containerd's own error ("cannot resume a running
    # process") rather than its check's ("Container … is not paused").
    when_paused: bool | None = None


PROBES = [
    Probe("ping-head", "HEAD", "/_ping", reads="text",
          header_values=("Api-Version", "Server", "Ostype", "Docker-Experimental", "Cache-Control", "Pragma")),
    Probe("ping-get", "GET", "/_ping", reads="text"),
    Probe("version", "GET", f"{API}/version", values=("ApiVersion", "MinAPIVersion", "Os", "Arch")),
    Probe("info", "GET", f"{API}/info"),
    Probe("containers-none", "GET", f"{API}/containers/json?all=1"),
    Probe("create-missing-image", "POST", f"{API}/containers/create", json_body={"Image": "hellotrace-missing"}),
    Probe("pull-hello", "POST", f"{API}/images/create?fromImage=hello-world&tag=latest", reads="pull"),
    Probe("pull-hello-again", "POST", f"{API}/images/create?fromImage=hello-world&tag=latest", reads="pull"),
    Probe("pull-alpine", "POST", f"{API}/images/create?fromImage=alpine&tag=latest", reads="pull"),
    Probe("pull-missing-repository", "POST", f"{API}/images/create?fromImage=hellotrace-missing&tag=latest"),
    Probe("images", "GET", f"{API}/images/json"),
    Probe("image-inspect-missing", "GET", f"{API}/images/hellotrace-missing/json"),
    Probe("image-delete-missing", "DELETE", f"{API}/images/hellotrace-missing"),
    Probe("create-text-plain", "POST", f"{API}/containers/create", raw_body=json.dumps(HELLO).encode(),
          headers={"Content-Type": "text/plain"}),
    Probe("create-no-content-type", "POST", f"{API}/containers/create", raw_body=json.dumps(HELLO).encode()),
    Probe("create-truncated-json", "POST", f"{API}/containers/create", raw_body=b'{"Image":', headers=JSON),
    Probe("create-invalid-json", "POST", f"{API}/containers/create", raw_body=b"{Image", headers=JSON),
    Probe("create-empty-config", "POST", f"{API}/containers/create", json_body={}),
    Probe("create-bad-name", "POST", f"{API}/containers/create?name=bad/name", json_body=HELLO),
    Probe("inspect-missing", "GET", f"{API}/containers/hellotrace-missing/json"),
    Probe("start-missing", "POST", f"{API}/containers/hellotrace-missing/start"),
    Probe("stop-missing", "POST", f"{API}/containers/hellotrace-missing/stop"),
    Probe("wait-missing", "POST", f"{API}/containers/hellotrace-missing/wait"),
    Probe("logs-missing", "GET", f"{API}/containers/hellotrace-missing/logs?stdout=1"),
    Probe("delete-missing", "DELETE", f"{API}/containers/hellotrace-missing"),
    Probe("unknown-path", "GET", f"{API}/hellotrace"),
    Probe("unknown-path-unversioned", "GET", "/hellotrace"),
    Probe("wrong-method", "POST", f"{API}/version"),
    Probe("version-below-floor", "GET", "/v1.11/version", reads="text"),
    Probe("version-1.12", "GET", "/v1.12/version"),
    Probe("version-1.24", "GET", "/v1.24/version"),
    Probe("version-too-new", "GET", "/v1.99/version"),
    Probe("version-not-a-number", "GET", "/vx.y/version"),
    Probe("create-hello", "POST", f"{API}/containers/create", json_body=HELLO, saves="hello"),
    Probe("start-hello", "POST", f"{API}/containers/{{hello}}/start"),
    Probe("wait-hello", "POST", f"{API}/containers/{{hello}}/wait?condition=not-running", values=("StatusCode",)),
    Probe("logs-hello", "GET", f"{API}/containers/{{hello}}/logs?stdout=1&stderr=1", reads="frames"),
    Probe("logs-no-stream", "GET", f"{API}/containers/{{hello}}/logs"),
    Probe("inspect-hello", "GET", f"{API}/containers/{{hello}}/json", values=("Path", "Args")),
    Probe("containers-all", "GET", f"{API}/containers/json?all=1"),
    Probe("create-sleeper", "POST", f"{API}/containers/create", json_body=SLEEPER, saves="sleeper"),
    Probe("start-sleeper", "POST", f"{API}/containers/{{sleeper}}/start"),
    Probe("start-twice", "POST", f"{API}/containers/{{sleeper}}/start"),
    Probe("delete-running", "DELETE", f"{API}/containers/{{sleeper}}"),
    Probe("stop-sleeper", "POST", f"{API}/containers/{{sleeper}}/stop?t=0"),
    Probe("stop-twice", "POST", f"{API}/containers/{{sleeper}}/stop?t=0"),
    Probe("wait-sleeper", "POST", f"{API}/containers/{{sleeper}}/wait", values=("StatusCode",)),
    Probe("delete-sleeper", "DELETE", f"{API}/containers/{{sleeper}}"),
    Probe("delete-hello", "DELETE", f"{API}/containers/{{hello}}"),
    # Typed decoding, settings that inspect gives back, refusals.
    Probe("create-image-array", "POST", f"{API}/containers/create", raw_body=b'{"Image": ["x"]}', headers=JSON),
    Probe("create-env-number", "POST", f"{API}/containers/create", raw_body=b'{"Image": "alpine", "Env": [1]}',
          headers=JSON),
    Probe("create-memory-string", "POST", f"{API}/containers/create",
          raw_body=b'{"Image": "alpine", "HostConfig": {"Memory": "x"}}', headers=JSON),
    Probe("create-restart-bogus", "POST", f"{API}/containers/create",
          json_body={"Image": "alpine", "HostConfig": {"RestartPolicy": {"Name": "bogus"}}}),
    Probe("create-autoremove-always", "POST", f"{API}/containers/create",
          json_body={"Image": "alpine", "HostConfig": {"RestartPolicy": {"Name": "always"}, "AutoRemove": True}}),
    Probe("create-worker", "POST", f"{API}/containers/create?name=ht-worker", json_body=WORKER, saves="worker"),
    Probe("inspect-worker", "GET", f"{API}/containers/{{worker}}/json"),
    Probe("start-worker", "POST", f"{API}/containers/{{worker}}/start"),
    Probe("ps-worker", "GET", f"{API}/containers/json", values=()),
    # Lifecycle.
    Probe("pause-worker", "POST", f"{API}/containers/{{worker}}/pause"),
    Probe("pause-twice", "POST", f"{API}/containers/{{worker}}/pause", when_paused=True),
    Probe("unpause-worker", "POST", f"{API}/containers/{{worker}}/unpause"),
    Probe("unpause-twice", "POST", f"{API}/containers/{{worker}}/unpause", when_paused=False),
    Probe("top-worker", "GET", f"{API}/containers/{{worker}}/top"),
    Probe("stats-worker", "GET", f"{API}/containers/{{worker}}/stats?stream=false"),
    Probe("update-worker", "POST", f"{API}/containers/{{worker}}/update", json_body={"CpuShares": 256}),
    Probe("rename-worker", "POST", f"{API}/containers/{{worker}}/rename?name=ht-renamed"),
    Probe("rename-missing", "POST", f"{API}/containers/hellotrace-missing/rename?name=ht-other"),
    Probe("kill-bad-signal", "POST", f"{API}/containers/{{worker}}/kill?signal=BOGUS"),
    # Exec and files.
    Probe("exec-create", "POST", f"{API}/containers/{{worker}}/exec",
          json_body={"Cmd": ["sh", "-c", "echo hi; touch /tmp/made"], "AttachStdout": True, "AttachStderr": True},
          saves="exec"),
    Probe("exec-start", "POST", f"{API}/exec/{{exec}}/start", json_body={"Detach": False, "Tty": False},
          reads="frames"),
    Probe("exec-inspect", "GET", f"{API}/exec/{{exec}}/json", values=("ExitCode", "Running")),
    Probe("exec-missing", "GET", f"{API}/exec/hellotrace-missing/json"),
    Probe("changes-worker", "GET", f"{API}/containers/{{worker}}/changes"),
    Probe("archive-missing", "GET", f"{API}/containers/{{worker}}/archive?path=/hellotrace-missing"),
    Probe("archive-head", "HEAD", f"{API}/containers/{{worker}}/archive?path=/tmp/made", reads="text"),
    # Networks, volumes, images, disk usage.
    Probe("networks", "GET", f"{API}/networks"),
    Probe("network-create", "POST", f"{API}/networks/create", json_body={"Name": "ht-net"}, saves="net"),
    Probe("network-inspect", "GET", f"{API}/networks/ht-net"),
    Probe("network-connect", "POST", f"{API}/networks/ht-net/connect", json_body={"Container": "ht-renamed"},
          reads="text"),
    Probe("network-remove-busy", "DELETE", f"{API}/networks/ht-net"),
    Probe("network-disconnect", "POST", f"{API}/networks/ht-net/disconnect",
          json_body={"Container": "ht-renamed"}, reads="text"),
    Probe("network-remove", "DELETE", f"{API}/networks/ht-net"),
    Probe("network-missing", "GET", f"{API}/networks/hellotrace-missing"),
    Probe("network-remove-host", "DELETE", f"{API}/networks/host"),
    Probe("volume-create", "POST", f"{API}/volumes/create", json_body={"Name": "ht-vol"}),
    Probe("volumes", "GET", f"{API}/volumes"),
    Probe("volume-inspect", "GET", f"{API}/volumes/ht-vol"),
    Probe("volume-missing", "GET", f"{API}/volumes/hellotrace-missing"),
    Probe("volume-remove", "DELETE", f"{API}/volumes/ht-vol"),
    Probe("image-tag", "POST", f"{API}/images/hello-world/tag?repo=ht-tagged&tag=1"),
    Probe("image-history", "GET", f"{API}/images/hello-world/history"),
    Probe("system-df", "GET", f"{API}/system/df"),
    Probe("kill-worker", "POST", f"{API}/containers/{{worker}}/kill"),
    Probe("kill-twice", "POST", f"{API}/containers/{{worker}}/kill"),
    Probe("restart-worker", "POST", f"{API}/containers/{{worker}}/restart?t=0"),
    Probe("delete-worker", "DELETE", f"{API}/containers/{{worker}}?force=1"),
    Probe("containers-prune", "POST", f"{API}/containers/prune"),
]
PROBE_NAMES = [probe.name for probe in PROBES]

# Where the real dockerd 20.10 and the mock (Docker 29.7 at API 1.41) differ on purpose: (probe, facet) → why.
# A facet is "status", "header <Name>" (present or not), "header-value <Name>", "content-type", "key <Field>"
# or "key <Field>.<Field>" (present or not), "value <Field>", "components", "message" (ids normalized),
# "frames", or for pulls "pull-status <text>", "pull-key <key>", "first-line", "last-line"; "*" means the
# whole answer differs, its status first.
_KERNEL_MEMORY = "deprecated since API 1.42, the kernel-memory fields are gone from Engine 29's Info at every version"
_NETWORK_SETTINGS_20 = "20.10-only NetworkSettings fields, gone from 29.x's type at every API version"
_VERSION_FLOOR = "20.10 accepts API 1.12 and up; 29.x accepts 1.40 and up (below 1.24 it answers in plain text)"
_CONTENT_TYPE = "20.10's CheckForJSON text; 29.x says 'unsupported Content-Type header (…)'"
_DECODE_ERRORS = "20.10 answers a body that does not decode with 500 and the bare Go error; 29.x: 400 'invalid JSON: …'"
_NO_BRIDGE = ("the private dockerd runs with --bridge=none (nothing may leave the machine): no default bridge "
              "network, no eth0; the mock has the bridge every daemon has")
_WAIT_ERROR = 'wait: 20.10 always writes "Error":null; 29.x omits Error when there is none'
KNOWN_DIFFERENCES: dict[tuple[str, str], str] = {
    ("ping-head", "header Builder-Version"): "20.10 sends it only when daemon.json sets features.buildkit",
    ("ping-get", "header Builder-Version"): "20.10 sends it only when daemon.json sets features.buildkit",
    ("ping-head", "header Swarm"): "the Swarm header on _ping came with API 1.42 (Engine 23)",
    ("ping-get", "header Swarm"): "the Swarm header on _ping came with API 1.42 (Engine 23)",
    ("ping-head", "header-value Api-Version"): "each daemon advertises its own maximum: 1.41 vs 1.55",
    ("ping-head", "header-value Server"): "Docker/20.10.24+dfsg1 vs the Docker/29.7.2 the mock stands for",
    ("version", "value ApiVersion"): "each daemon's maximum API version: 1.41 vs 1.55",
    ("version", "value MinAPIVersion"): _VERSION_FLOOR,
    ("version", "components"): "the mock runs no containerd, runc or docker-init: it lists the Engine only",
    ("info", "key KernelMemory"): _KERNEL_MEMORY,
    ("info", "key KernelMemoryTCP"): _KERNEL_MEMORY,
    ("info", "key CDISpecDirs"): "added in API 1.46; 29.x sends it to every client",
    ("pull-missing-repository", "status"): "offline: after the mirror misses, dockerd tries Docker Hub and gets no "
                                           "route (500); the mock's simulated Hub says the repository is unknown",
    ("pull-missing-repository", "message"): "offline: after the mirror misses, dockerd tries Docker Hub and gets no "
                                            "route (500); the mock's simulated Hub says the repository is unknown",
    ("image-inspect-missing", "message"): "20.10 prefixes 'no such image: <name>: '; 29.x's stores do not",
    ("create-text-plain", "message"): _CONTENT_TYPE,
    ("create-no-content-type", "message"): "20.10: 'Content-Type specified () must be …'; 29.x: "
                                           "'malformed Content-Type header (): mime: no media type'",
    ("create-truncated-json", "status"): _DECODE_ERRORS,
    ("create-truncated-json", "message"): _DECODE_ERRORS,
    ("create-invalid-json", "status"): _DECODE_ERRORS,
    ("create-invalid-json", "message"): _DECODE_ERRORS,
    ("create-empty-config", "message"): "20.10 capitalises 'Config cannot be empty…'; 29.x writes 'config'",
    ("version-1.12", "*"): _VERSION_FLOOR,
    ("version-1.24", "*"): _VERSION_FLOOR,
    ("wait-hello", "key Error"): _WAIT_ERROR,
    ("wait-sleeper", "key Error"): _WAIT_ERROR,
    ("logs-hello", "header Content-Type"): "20.10 sets no Content-Type on logs; since API 1.42's change 29.x says "
                                           "raw-stream below 1.42 (the frames are multiplexed either way)",
    ("logs-hello", "content-type"): "20.10 sets no Content-Type on logs; since API 1.42's change 29.x says "
                                    "raw-stream below 1.42 (the frames are multiplexed either way)",
    ("delete-running", "message"): "20.10: 'You cannot remove a running container <id>. …'; 29.x: "
                                   "'cannot remove container \"<id>\": container is running: …'",
    ("pause-twice", "message"): "20.10: 'Container <id> is already paused'; 29.x writes 'container' (daemon/errors.go)",
    ("kill-twice", "message"): "20.10: 'Cannot kill container: <id>: Container <id> is not running'; 29.x lower-cases "
                               "both (the kill route's wrap, daemon/errors.go errNotRunning)",
    ("kill-bad-signal", "message"): "20.10: 'Invalid signal: BOGUS'; 29.x's kill route wraps every error: 'cannot kill "
                                    "container: <name>: invalid signal: BOGUS'",
    ("network-remove-busy", "message"): "20.10: 'network <name> id <id> has active endpoints'; 29.x's libnetwork "
                                        "names them: 'network <name> has active endpoints (name:… id:…)'",
    ("inspect-hello", "key Config.NetworkDisabled"): "the private dockerd runs with --bridge=none (nothing may leave "
                                                     "the machine), so starting on the default bridge sets it",
    **{(probe, f"key NetworkSettings.{key}"): _NETWORK_SETTINGS_20
       for probe in ("inspect-hello", "inspect-worker")
       for key in ("Bridge", "HairpinMode", "LinkLocalIPv6Address", "LinkLocalIPv6PrefixLen",
                   "SecondaryIPAddresses", "SecondaryIPv6Addresses")},
    **{(probe, f"key HostConfig.{key}"): "KernelMemory and KernelMemoryTCP are omitempty in 29.x's Resources "
                                         "(kernel memory limits are gone), always present in 20.10's"
       for probe in ("inspect-hello", "inspect-worker") for key in ("KernelMemory", "KernelMemoryTCP")},
    **{(probe, facet): _DECODE_ERRORS for probe in ("create-image-array", "create-env-number",
                                                     "create-memory-string") for facet in ("status", "message")},
    ("create-restart-bogus", "message"): "20.10: 'invalid restart policy 'bogus''; 29.x's ValidateRestartPolicy "
                                         "names the four policies",
    ("stats-worker", "key memory_stats.max_usage"): "max_usage exists on cgroup v1 only; 29.x reports cgroup v2",
    ("stats-worker", "key pids_stats.limit"): "the pids limit is read from cgroup v2, which the mock reports",
    ("stats-worker", "key networks"): _NO_BRIDGE,
    ("stats-worker", "key networks.eth0"): _NO_BRIDGE,
    ("networks", "key EnableIPv4"): "EnableIPv4 came with API 1.47; 29.x sends it to every client",
    **{("networks", f"key Options.com.docker.network.{option}"): _NO_BRIDGE
       for option in ("bridge.default_bridge", "bridge.enable_icc", "bridge.enable_ip_masquerade",
                      "bridge.host_binding_ipv4", "bridge.name", "driver.mtu")},
    ("network-inspect", "key EnableIPv4"): "EnableIPv4 came with API 1.47; 29.x sends it to every client",
}
# Objects the mock fills only in part, on purpose: the real daemon may have more keys there, never fewer.
MOCK_SUBSETS: dict[tuple[str, str], str] = {}
# Objects whose keys are names (images, runtimes, networks, labels), not fields: their keys are not compared.
NAMED_MAPS = {"Labels", "Runtimes", "Networks", "Ports", "IndexConfigs", "Details", "Containers"}
FRAMING_HEADERS = {"date", "content-length", "transfer-encoding"}
STREAMED = {"pull", "frames"}


def observe(target) -> dict[str, Answer]:
    """Send the whole list, in order, to one daemon."""
    answers: dict[str, Answer] = {}
    ids: dict[str, str] = {}
    for probe in PROBES:
        path = probe.path.format(**ids)
        if probe.when_paused is not None:
            wait_until_paused(target, path.split("/containers/")[1].split("/")[0], probe.when_paused)
        answer = call(target, probe.method, path, body=probe.json_body, raw_body=probe.raw_body,
                      headers=probe.headers)
        answers[probe.name] = answer
        if probe.saves:
            ids[probe.saves] = answer.json()["Id"]
    return answers


def wait_until_paused(target, container: str, paused: bool, timeout: float = 10.0) -> None:  # noqa: ANN001
    """Until the daemon's inspect of `container` says State.Paused is `paused`."""
    deadline = time.monotonic() + timeout
    while True:
        state = call(target, "GET", f"{API}/containers/{container}/json").json()["State"]
        if state["Paused"] is paused:
            return
        assert time.monotonic() < deadline, f"{container}: State.Paused still {state['Paused']} after {timeout} s"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def answers(real_daemon) -> dict[str, dict[str, Answer]]:
    """The list's answers from the private dockerd and from a fresh mock engine, each starting empty."""
    real_daemon.forget()
    engine, folder = start_mock_engine()
    try:
        return {"real": observe(real_daemon), "mock": observe(engine)}
    finally:
        engine.stop()
        shutil.rmtree(folder, ignore_errors=True)
        real_daemon.forget()


def normalize(text: str) -> str:
    """Error texts with ids, digests and each daemon's own version bounds replaced by placeholders."""
    text = re.sub(r"sha256:[0-9a-f]{64}", "sha256:<digest>", text)
    text = re.sub(r"\b[0-9a-f]{64}\b|\b[0-9a-f]{12}\b", "<id>", text)
    text = re.sub(r"(Minimum supported API version is) [0-9.]+", r"\1 <min>", text)
    return re.sub(r"(Maximum supported API version is) [0-9.]+", r"\1 <max>", text)


def facets(probe: Probe, answer: Answer) -> dict[str, object]:
    """What is compared about one answer."""
    found: dict[str, object] = {"status": answer.status, "content-type": answer.header("Content-Type")}
    for name in answer.header_names():
        if name.lower() not in FRAMING_HEADERS:
            found[f"header {name}"] = True
    for name in probe.header_values:
        found[f"header-value {name}"] = answer.header(name)
    if probe.reads == "text" or (answer.status >= 400 and answer.header("Content-Type") != "application/json"):
        if answer.status >= 400:
            found["message"] = normalize(answer.body.decode().strip())
        else:
            found["text"] = answer.body
    elif probe.reads == "frames":
        decoder = FrameDecoder()
        found["frames"] = tuple((frame.stream, frame.payload) for frame in decoder.feed(answer.body))
    elif probe.reads == "pull" and answer.status == 200:
        found.update(_pull_facets(answer.body))
    elif answer.body:
        found.update(_json_facets(probe, answer.json()))
    return found


def _json_facets(probe: Probe, document: object) -> dict[str, object]:
    if isinstance(document, dict) and set(document) == {"message"}:
        return {"message": normalize(document["message"])}
    found: dict[str, object] = {}
    items = document if isinstance(document, list) else [document]
    for item in items:
        for key, value in item.items():
            found[f"key {key}"] = True
            if isinstance(value, dict) and key not in NAMED_MAPS:
                for inner in value:
                    found[f"key {key}.{inner}"] = True
    if isinstance(document, dict):
        for key in probe.values:
            found[f"value {key}"] = document.get(key)
        if isinstance(document.get("Components"), list):
            found["components"] = tuple(component["Name"] for component in document["Components"])
    return found


def _pull_facets(body: bytes) -> dict[str, object]:
    """The lines every pull shows; the passing ones (PASSING_STATUSES) are checked apart, in pull_is_plausible."""
    raw_lines = body.split(b"\r\n")
    assert raw_lines[-1] == b"", "every progress line ends with \\r\\n"
    lines = [json.loads(line) for line in raw_lines[:-1]]
    found: dict[str, object] = {"first-line": normalize(json.dumps(lines[0])),
                                "last-line": normalize(json.dumps(lines[-1]))}
    for line in lines:
        if line.get("status") in PASSING_STATUSES:
            continue
        found[f"pull-status {normalize(line.get('status', ''))}"] = True
        for key in line:
            found[f"pull-key {key}"] = True
    return found


def pull_is_plausible(side: str, body: bytes) -> bool:
    """The passing lines: 29.x's containerd store never says 'Verifying Checksum' (20.10's graphdriver store
    does), and only Engine 28 and older add the pre-rendered "progress" bar to them."""
    lines = [json.loads(line) for line in body.split(b"\r\n") if line]
    passing = [line for line in lines if line.get("status") in PASSING_STATUSES]
    if side == "mock":
        return all(line["status"] != "Verifying Checksum" and "progress" not in line for line in passing)
    return all("progress" in line for line in passing if line["status"] in ("Downloading", "Extracting"))


def differences(probe: Probe, real: Answer, mock: Answer) -> dict[str, tuple[object, object]]:
    real_facets, mock_facets = facets(probe, real), facets(probe, mock)
    return {
        name: (real_facets.get(name), mock_facets.get(name))
        for name in sorted(set(real_facets) | set(mock_facets))
        if real_facets.get(name) != mock_facets.get(name)
    }


def follows_go_framing(probe: Probe, answer: Answer) -> bool:
    """Go's net/http: streamed bodies go chunked; a whole answer over its 2 kB buffer too; else Content-Length."""
    chunked = answer.header("Transfer-Encoding") == "chunked"
    if answer.status in (101, 204, 304) or answer.status < 200:
        return not chunked
    if probe.method == "POST" and answer.header("Content-Type") == "application/vnd.docker.raw-stream":
        return not chunked  # a hijacked connection (exec start without Upgrade): raw bytes until it closes
    if probe.reads in STREAMED or (probe.name.startswith("wait-") and answer.status == 200):
        return chunked
    return chunked == (len(answer.body) > GO_BUFFER_BEFORE_CHUNKING)


@pytest.mark.parametrize("name", PROBE_NAMES)
def test_the_mock_answers_like_dockerd(answers, name: str) -> None:
    """Every difference is listed (and every listed difference still is one); both frame bodies as Go does."""
    probe = next(probe for probe in PROBES if probe.name == name)
    real, mock = answers["real"][name], answers["mock"][name]
    found = differences(probe, real, mock)
    known = {facet for (probe_name, facet) in KNOWN_DIFFERENCES if probe_name == name}
    if "*" in known:
        assert "status" in found, f"{name}: listed as answered differently, but both answer {real.status}"
        return
    subsets = [prefix for (probe_name, prefix) in MOCK_SUBSETS if probe_name == name]
    unexplained = {}
    for facet, (real_value, mock_value) in found.items():
        in_subset = any(facet.startswith(f"key {prefix}.") for prefix in subsets)
        if facet in known or (in_subset and real_value is True and mock_value is None):
            continue
        unexplained[facet] = (real_value, mock_value)
    assert not unexplained, f"{name}: real dockerd vs mock (real, mock): {unexplained}"
    no_longer = sorted(known - set(found))
    assert not no_longer, f"{name}: listed in KNOWN_DIFFERENCES but now the same: {no_longer}"
    for prefix in subsets:
        assert any(facet.startswith(f"key {prefix}.") for facet in found), f"{name}: {prefix} is no subset any more"
    for side, answer in (("real", real), ("mock", mock)):
        assert follows_go_framing(probe, answer), (side, answer.status, answer.header_names(), len(answer.body))
        if probe.reads == "pull" and answer.status == 200:
            assert pull_is_plausible(side, answer.body), (side, answer.body)


def test_every_listed_difference_names_a_probe() -> None:
    listed = {probe_name for probe_name, _ in KNOWN_DIFFERENCES} | {probe_name for probe_name, _ in MOCK_SUBSETS}
    assert listed <= set(PROBE_NAMES)


# --- what the differential test found in the mock, checked without a real daemon too -------------------------


def test_info_keeps_the_fields_29x_still_sends_to_api_1_41(mock_engine) -> None:
    old = call(mock_engine, "GET", "/v1.41/info").json()
    assert old["BridgeNfIptables"] is False and old["BridgeNfIp6tables"] is False and old["GenericResources"] is None
    assert old["ContainerdCommit"] == {"ID": "", "Expected": ""}
    assert set(old["RegistryConfig"]) >= {"AllowNondistributableArtifactsCIDRs",
                                          "AllowNondistributableArtifactsHostnames"}
    assert "FirewallBackend" not in old and "Containerd" not in old
    new = call(mock_engine, "GET", "/v1.55/info").json()
    assert "BridgeNfIptables" not in new and new["ContainerdCommit"] == {"ID": ""} and "GenericResources" in new


def test_image_list_for_old_clients(mock_engine) -> None:
    call(mock_engine, "POST", "/v1.55/images/create?fromImage=hello-world&tag=latest")
    call(mock_engine, "POST", "/v1.55/containers/create", body=HELLO)
    (old,) = call(mock_engine, "GET", "/v1.41/images/json").json()
    assert old["VirtualSize"] == old["Size"] and old["Containers"] == -1
    (new,) = call(mock_engine, "GET", "/v1.55/images/json").json()
    assert "VirtualSize" not in new and new["Containers"] == 1


def test_inspect_repeats_the_bridge_endpoint_below_api_1_52(mock_engine) -> None:
    call(mock_engine, "POST", "/v1.55/images/create?fromImage=hello-world&tag=latest")
    container = call(mock_engine, "POST", "/v1.55/containers/create", body=HELLO).json()["Id"]
    old = call(mock_engine, "GET", f"/v1.51/containers/{container}/json").json()["NetworkSettings"]
    assert old["IPAddress"] == old["Networks"]["bridge"]["IPAddress"] and "EndpointID" in old
    new = call(mock_engine, "GET", f"/v1.52/containers/{container}/json").json()["NetworkSettings"]
    assert "IPAddress" not in new


def test_a_json_answer_over_2_kb_is_chunked_like_go(mock_engine) -> None:
    call(mock_engine, "POST", "/v1.55/images/create?fromImage=hello-world&tag=latest")
    for _ in range(4):
        call(mock_engine, "POST", "/v1.55/containers/create", body=HELLO)
    big = call(mock_engine, "GET", "/v1.41/containers/json?all=1")
    assert len(big.body) > GO_BUFFER_BEFORE_CHUNKING and big.header("Transfer-Encoding") == "chunked"
    assert big.header("Content-Length") is None
    small = call(mock_engine, "GET", "/v1.41/version")
    assert small.header("Content-Length") == str(len(small.body)) and small.header("Transfer-Encoding") is None
