"""Sandboxes: isolated sets of images and containers, one per learner, each behind a path prefix.

The default sandbox answers unprefixed requests; `/sandboxes/<token>/…` addresses the others, which the
docker CLI reaches with `DOCKER_HOST=tcp://127.0.0.1:2375/sandboxes/<token>`. Everything is bounded:
containers and images per sandbox, output kept per container, and the bytes each sandbox and the whole
engine keep (budget.py). A new sandbox is always granted: past `max_sandboxes`, an empty sandbox or the least
recently used idle one is evicted to make room, and the same eviction frees bytes when the engine's budget is
full; a periodic sweep removes the sandboxes idle for `idle_seconds`, and packs those quiet for `quiet_seconds`
into one compressed string until their next request (a learner who went away: a sandbox holding hello-world's
image and container is about two hundred small objects, which keep the memory pages they sit in). All state of
one sandbox is guarded by its condition variable.
"""

from __future__ import annotations

import io
import logging
import pickle
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from functools import partial

from hellotrace.engine import catalog, ports, programs, users
from hellotrace.engine.budget import DEFAULT_ENGINE_BYTES, OBJECT_OVERHEAD, BudgetExceeded, ByteBudget, json_weight
from hellotrace.engine.catalog import CatalogImage
from hellotrace.engine.containers import Container, new_container_id, random_name, utc_now
from hellotrace.engine.events import EventLog
from hellotrace.engine.filetree import NoSpace
from hellotrace.engine.networks import Network, default_networks
from hellotrace.engine.scheduler import Scheduler
from hellotrace.engine.signals import SIGKILL, stop_signal_number
from hellotrace.engine.stdio import Stdio
from hellotrace.engine.terminal import onlcr
from hellotrace.engine.volumes import Volume
from hellotrace.packing import Packer
from hellotrace.protocol.errors import (
    EngineError,
    conflict,
    invalid_parameter,
    no_such_container,
    no_such_image,
    not_modified,
    unavailable,
)
from hellotrace.protocol.reference import ImageReference, InvalidReference, parse_reference
from hellotrace.sweeping import give_back_memory, sweep_interval

log = logging.getLogger("hellotrace.engine")

DEFAULT_SANDBOX = "default"
SANDBOX_TOKEN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
CONTAINER_NAME = re.compile(r"^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$")


@dataclass(frozen=True)
class SandboxLimits:
    max_containers: int = 100
    max_images: int = 50
    max_output_bytes: int = 1024 * 1024
    # Past this many sandboxes, making a new one evicts an empty or idle one (it is never refused).
    max_sandboxes: int = 500
    # A sandbox with no request for this long is removed by a periodic sweep (and may be evicted to make room).
    idle_seconds: float = 30 * 60
    # One with none for this long (at most a third of idle_seconds) is packed until its next request.
    quiet_seconds: float = 60.0
    # How often the sweep looks; None: hellotrace.sweeping.sweep_interval(4 * the quiet time).
    sweep_seconds: float | None = None

    @property
    def quiet(self) -> float:
        return min(self.quiet_seconds, self.idle_seconds / 3)
    # Bytes kept by the whole engine (configuration, kept output, logs, bodies being read) and by one sandbox.
    engine_bytes: int = DEFAULT_ENGINE_BYTES
    sandbox_bytes: int = DEFAULT_ENGINE_BYTES // 16

    def for_one_sandbox(self) -> int:
        return min(self.sandbox_bytes, self.engine_bytes)


# What a container weighs before its configuration: its record, names, state and output bookkeeping.
CONTAINER_OVERHEAD = 32 * OBJECT_OVERHEAD
# What one image entry of a sandbox weighs (the image itself is the shared catalog's).
IMAGE_OVERHEAD = 8 * OBJECT_OVERHEAD


@dataclass
class StoredImage:
    image: CatalogImage
    tags: list[str] = field(default_factory=list)  # familiar names, e.g. "hello-world:latest"
    pulled_at: float = field(default_factory=time.time)

    @property
    def id(self) -> str:
        return self.image.index_digest


class Sandbox:
    """One learner's images and containers. `budget` is where anything kept in it charges its bytes."""

    def __init__(self, token: str, limits: SandboxLimits, scheduler: Scheduler,
                 engine_budget: ByteBudget | None = None) -> None:
        self.token = token
        self.limits = limits
        self.scheduler = scheduler
        self.cond = threading.Condition()
        self.images: dict[str, StoredImage] = {}
        self.containers: dict[str, Container] = {}
        self.events = EventLog()
        self.networks: dict[str, Network] = default_networks()
        self.volumes: dict[str, Volume] = {}
        self.last_used = time.monotonic()
        # Requests being served (streams included): a sandbox in use is never evicted.
        self.in_use = 0
        self.budget = ByteBudget(
            limits.for_one_sandbox(),
            holder="one sandbox",
            advice="remove containers you no longer need (docker rm, docker container prune) or images (docker rmi)",
            parent=engine_budget,
        )

    def container_event(self, container: Container, action: str, **extra: str) -> None:
        """An event about a container: its image, name and labels are the actor's attributes."""
        attributes = {**(container.config.get("Labels") or {}), "image": container.image_name,
                      "name": container.name, **extra}
        self.events.emit("container", action, container.id, attributes)

    # -- images -----------------------------------------------------------------------------------

    def find_image(self, name: str) -> StoredImage:
        """Resolve a name, tag, digest or ID (prefix) the way the image service does; 404 with Docker's text."""
        with self.cond:
            stripped = name.removeprefix("sha256:")
            if re.fullmatch(r"[0-9a-f]{1,64}", stripped):
                matches = [img for img in self.images.values() if img.id.removeprefix("sha256:").startswith(stripped)]
                if len(matches) == 1 and (len(stripped) >= 12 or name.startswith("sha256:") or len(stripped) == 64):
                    return matches[0]
            try:
                ref = parse_reference(name)
            except InvalidReference:
                raise no_such_image(name) from None
            for stored in self.images.values():
                if ref.digest and ref.digest in (stored.image.index_digest, stored.image.manifest_digest):
                    if stored.image.repository == ref.repository_path:
                        return stored
                if not ref.digest and ref.familiar in stored.tags:
                    return stored
            raise no_such_image(ref.familiar)

    def add_pulled_image(self, image: CatalogImage, ref: ImageReference) -> bool:
        """Record a pulled image under its tag; True when it was already there with that tag."""
        with self.cond:
            stored = self.images.get(image.index_digest)
            tag = ref.familiar if not ref.digest else None
            if stored is None:
                if len(self.images) >= self.limits.max_images:
                    raise unavailable(
                        f"this sandbox already holds {self.limits.max_images} images, the mock engine's limit: "
                        "remove some with docker rmi"
                    )
                self.budget.charge(IMAGE_OVERHEAD, f"pull {ref.familiar}")
                stored = StoredImage(image)
                self.images[image.index_digest] = stored
            already = tag is None or tag in stored.tags
            if tag is not None:
                # A tag moves: drop it from whichever image held it before.
                for other in self.images.values():
                    if other is not stored and tag in other.tags:
                        other.tags.remove(tag)
                if tag not in stored.tags:
                    stored.tags.append(tag)
            self.cond.notify_all()
            return already

    def has_content(self, image: CatalogImage) -> bool:
        """The store already holds this image's layers (pulled under another tag or name)."""
        with self.cond:
            return any(s.image.manifest_digest == image.manifest_digest for s in self.images.values())

    def has_image(self, image: CatalogImage, ref: ImageReference) -> bool:
        with self.cond:
            stored = self.images.get(image.index_digest)
            return stored is not None and (bool(ref.digest) or ref.familiar in stored.tags)

    def remove_image(self, name: str, force: bool) -> list[dict[str, str]]:
        """DELETE /images/{name}: untag, and delete once no tag is left (containerd image store texts)."""
        with self.cond:
            stored = self.find_image(name)
            users = [c for c in self.containers.values() if c.image.index_digest == stored.id]
            by_id = name.removeprefix("sha256:") and stored.id.removeprefix("sha256:").startswith(
                name.removeprefix("sha256:")
            ) and name not in stored.tags
            shown = name if by_id else parse_reference(name).familiar
            running = [c for c in users if c.alive]
            if running:
                raise conflict(
                    f"conflict: unable to delete {shown} (cannot be forced) - image is being used by running "
                    f"container {running[0].short_id}"
                )
            if users and not force:
                raise conflict(
                    f"conflict: unable to delete {shown} (must be forced) - container {users[0].short_id} "
                    f"is using its referenced image {stored.id.removeprefix('sha256:')[:12]}"
                )
            if by_id and len(stored.tags) > 1 and not force:
                raise conflict(
                    f"conflict: unable to delete {stored.id.removeprefix('sha256:')[:12]} (must be forced) - "
                    "image is referenced in multiple repositories"
                )
            untag = list(stored.tags) if by_id else [shown]
            result = [{"Untagged": tag} for tag in untag]
            stored.tags = [tag for tag in stored.tags if tag not in untag]
            if not stored.tags:
                del self.images[stored.id]
                self.budget.release(IMAGE_OVERHEAD)
                result.append({"Deleted": stored.id})
            self.cond.notify_all()
            return result

    # -- containers ---------------------------------------------------------------------------------

    def find_container(self, given: str) -> Container:
        """Full ID, then name, then unique ID prefix (daemon/container/view.go GetByPrefix)."""
        with self.cond:
            if given in self.containers:
                return self.containers[given]
            name = given.removeprefix("/")
            for container in self.containers.values():
                if container.name == name:
                    return container
            if given and re.fullmatch(r"[0-9a-f]+", given):
                matches = [c for c in self.containers.values() if c.id.startswith(given)]
                if len(matches) > 1:
                    raise invalid_parameter(f"multiple IDs found with provided prefix: {given}")
                if matches:
                    return matches[0]
            raise no_such_container(given)

    def create_container(self, name: str | None, config: dict, host_config: dict) -> Container:
        image_name = config.get("Image") or ""
        stored = self.find_image(image_name)
        with self.cond:
            if name is not None:
                if not CONTAINER_NAME.match(name):
                    raise invalid_parameter(
                        f"Invalid container name ({name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"
                    )
                name = name.removeprefix("/")
                for other in self.containers.values():
                    if other.name == name:
                        raise conflict(
                            f'Conflict. The container name "/{name}" is already in use by container "{other.id}". '
                            "You have to remove (or rename) that container to be able to reuse that name."
                        )
            if len(self.containers) >= self.limits.max_containers:
                raise unavailable(
                    f"this sandbox already holds {self.limits.max_containers} containers, the mock engine's "
                    "limit: remove some with docker rm (or docker container prune)"
                )
            weight = CONTAINER_OVERHEAD + json_weight(config) + json_weight(host_config)
            self.budget.charge(weight, "create container")
            taken = {c.name for c in self.containers.values()}
            container = Container(
                id=new_container_id(),
                name=name or random_name(taken),
                image=stored.image,
                image_name=image_name,
                config=config,
                host_config=host_config,
                config_bytes=weight,
            )
            container.layer.budget = self.budget  # the container's own files count against the sandbox
            self.containers[container.id] = container
            self.container_event(container, "create")
            self.cond.notify_all()
            return container

    def start_container(self, given: str) -> None:
        with self.cond:
            container = self.find_container(given)
            if container.status == "paused":
                raise conflict("cannot start a paused container, try unpause instead")
            if container.alive:
                raise not_modified("container is already running")
            if container.status == "removing":
                raise conflict("container is marked for removal and cannot be started")
            container.manually_stopped = False
            self.launch(container)

    def launch(self, container: Container) -> None:
        """Start the container's process (a start, a restart, or the restart policy bringing it back)."""
        try:
            # The daemon resolves the user while it builds the process's spec: a failure there is a 500.
            user = users.of_container(container)
        except users.UnknownUser as exc:
            container.error = str(exc)
            raise EngineError(500, str(exc)) from None
        context = programs.ProcessContext(
            image=container.image,
            argv=container.argv,
            env=tuple(container.env),
            hostname=container.hostname,
            working_dir=container.working_dir or "/",
            now=utc_now(),
            group_add=tuple(container.host_config.get("GroupAdd") or ()),
            layer=container.layer,
            user=user,
        )
        try:
            session = programs.open_session(context, container.tty) if container.config.get("OpenStdin") else None
            script = programs.plan(context) if session is None else None
        except programs.ExecutableNotFound as exc:
            # Docker leaves the container "created" with the runtime's error and exit code 126 for
            # "permission denied", 127 otherwise (daemon/errors.go); with AutoRemove it removes it.
            container.status = "created" if container.status != "restarting" else "exited"
            container.exit_code = 126 if "permission denied" in str(exc) else 127
            container.error = str(exc)
            container.exit_count += 1
            if container.auto_remove:
                self._forget(container)
            self.cond.notify_all()
            raise invalid_parameter(str(exc)) from None
        container.published = ports.publish(container, (other for other in self.containers.values()
                                                        if other is not container and other.alive))
        container.status = "running"
        container.pid = 1000 + secrets.randbelow(60000)
        container.started_at = utc_now()
        container.finished_at = None
        container.exit_code = 0
        container.error = ""
        container.run_generation += 1
        self.container_event(container, "start")
        self.cond.notify_all()
        if script is not None:
            container.stdio = None
            self._run_steps(container, container.run_generation, script, 0)
            return
        container.stdio = self._stdio(container, session)
        container.stdio.begin()
        if container.stdin_early:
            early, container.stdin_early = bytes(container.stdin_early), bytearray()
            container.stdio.write(early)
        if container.stdin_ended:
            container.stdin_ended = False
            container.stdio.close_input()

    def _stdio(self, container: Container, session: programs.Session) -> Stdio:
        """The streams of a process that reads its input; its output is the container's, its exit ends it."""
        generation = container.run_generation

        def exited(code: int) -> None:
            if container.run_generation == generation and container.alive:
                self.finish(container, code)

        return Stdio(self.cond, self.scheduler, container.tty,
                     lambda stream, data: container.record_output(stream, data, self.limits.max_output_bytes,
                                                                  self.budget),
                     exited, session=session)

    def _run_steps(self, container: Container, generation: int, script: programs.Script, index: int) -> None:
        """Play the script's writes now and hand the rest to the scheduler at each sleep."""
        with self.cond:
            if container.run_generation != generation or not container.alive:
                return
            if container.status == "paused":
                # A frozen process does nothing until it is thawed.
                container.frozen = partial(self._run_steps, container, generation, script, index)
                return
            steps = script.steps
            while index < len(steps):
                step = steps[index]
                index += 1
                if isinstance(step, programs.Sleep):
                    self.scheduler.call_later(
                        step.seconds, partial(self._run_steps, container, generation, script, index)
                    )
                    self.cond.notify_all()
                    return
                if container.tty:
                    container.record_output(programs.STDOUT, onlcr(step.data), self.limits.max_output_bytes,
                                            self.budget)
                else:
                    container.record_output(step.stream, step.data, self.limits.max_output_bytes, self.budget)
            self.finish(container, script.exit_code)

    def finish(self, container: Container, exit_code: int, *, auto_remove: bool = True) -> None:
        """The process ended; with AutoRemove the daemon removes the container too (unless the caller will);
        a restart policy that applies brings it back after its back-off."""
        container.flush_partial_lines()
        container.frozen = None
        if container.stdio is not None:
            container.stdio.stop()
        container.status = "exited"
        container.exit_code = exit_code
        container.pid = 0
        container.finished_at = utc_now()
        container.exit_count += 1
        container.run_generation += 1
        self.container_event(container, "die", exitCode=str(exit_code))
        self.cond.notify_all()
        if auto_remove and container.auto_remove:
            self._forget(container)
        elif container.restarts_after(exit_code):
            self._schedule_restart(container)

    def _schedule_restart(self, container: Container) -> None:
        """restartmanager: wait 100 ms, doubling each time up to a minute; a run of 10 s resets the wait."""
        ran = (container.finished_at - container.started_at).total_seconds() if container.started_at else 0.0
        delay = 0.1 if ran >= 10 else container.restart_delay
        container.restart_delay = min(delay * 2, 60.0)
        container.status = "restarting"
        generation = container.run_generation

        def restart() -> None:
            with self.cond:
                if container.run_generation != generation or container.status != "restarting":
                    return
                container.restart_count += 1
                try:
                    self.launch(container)
                except EngineError:
                    pass  # the failure is recorded on the container, as the daemon records it

        self.scheduler.call_later(delay, restart)

    def stop_container(self, given: str, timeout: int | None, signal: str | None) -> None:
        """SIGTERM is ignored by a PID 1 without handlers, so stop waits `t` seconds (default 10) then kills."""
        with self.cond:
            container = self.find_container(given)
            if not container.alive:
                raise not_modified("container is already stopped")
            container.manually_stopped = True
            if container.status == "restarting":
                container.status = "exited"
                container.run_generation += 1
                self.container_event(container, "stop")
                self.cond.notify_all()
                return
            grace = 10 if timeout is None else timeout
            first_signal = stop_signal_number(signal or container.config.get("StopSignal") or None)
            if first_signal == SIGKILL:
                grace = 0
            self.container_event(container, "kill", signal=str(first_signal))
            deadline = None if grace < 0 else time.monotonic() + grace
            run = container.run_generation
            while container.alive and container.run_generation == run:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    self.container_event(container, "kill", signal="9")
                    self.finish(container, 137)
                    break
                self.cond.wait(remaining)
            self.container_event(container, "stop")

    def remove_container(self, given: str, force: bool) -> None:
        with self.cond:
            container = self.find_container(given)
            if container.alive:
                if not force:
                    if container.status == "paused":
                        raise conflict(f'cannot remove container "/{container.name}": container is paused and '
                                       "must be unpaused first")
                    raise conflict(
                        f'cannot remove container "/{container.name}": container is {container.status}: stop the '
                        "container before removing or force remove"
                    )
                container.manually_stopped = True
                self.container_event(container, "kill", signal="9")
                self.finish(container, 137, auto_remove=False)
            self._forget(container)

    def settle_files(self, container: Container, what: str) -> None:
        """Charge what the container's own files grew by since last settled (or give back what they shrank
        by); BudgetExceeded when the sandbox cannot hold them, and then nothing is charged. Processes settle
        each write as they make it (and get ENOSPC), so this catches what changed the layer otherwise."""
        layer = container.layer
        try:
            layer.settle()
        except NoSpace:
            raise BudgetExceeded(self.budget, layer.kept_bytes - layer.charged, what) from None

    def _forget(self, container: Container) -> None:
        container.removed = True
        if self.containers.pop(container.id, None) is not None:
            container.release_output(self.budget)
            container.layer.release_all()
            self.budget.release(container.config_bytes)
        self.container_event(container, "destroy")
        self.cond.notify_all()

    def touch(self) -> None:
        self.last_used = time.monotonic()

    def leave(self) -> None:
        """A request on this sandbox is over (its stream included)."""
        with self.cond:
            self.in_use -= 1
            self.last_used = time.monotonic()

    @property
    def empty(self) -> bool:
        """Holds nothing: evicting it loses nothing, the next request finds the same empty sandbox."""
        return not self.images and not self.containers


# Packs quiet sandboxes (one dictionary for all: a class's sandboxes hold the same image and container).
_PACKER = Packer()
# The catalog's images, which a packed sandbox refers to rather than copies.
_CATALOG = {id(image): number for number, image in enumerate(catalog.IMAGES)}


class _PackedSandbox:
    """A quiet sandbox as one compressed string. Its budget stays charged to the engine's, as it was."""

    __slots__ = ("token", "packed", "budget", "last_used", "counts")
    in_use = 0
    empty = False  # only a sandbox that held something is packed

    def __init__(self, sandbox: Sandbox, packed: bytes) -> None:
        self.token = sandbox.token
        self.packed = packed
        self.budget = sandbox.budget
        self.last_used = sandbox.last_used
        self.counts = (len(sandbox.containers), len(sandbox.images))


class _SandboxPickler(pickle.Pickler):
    """Copies what is the sandbox's own; refers to what it shares with the engine or must stay one object (its
    budget, which its parent counts), and leaves out its condition (nobody waits on a quiet sandbox)."""

    def __init__(self, file, sandbox: Sandbox) -> None:  # noqa: ANN001 - a binary file
        super().__init__(file, pickle.HIGHEST_PROTOCOL)
        self.own = {id(sandbox.cond): "cond", id(sandbox.budget): "budget", id(sandbox.limits): "limits",
                    id(sandbox.scheduler): "scheduler"}

    def persistent_id(self, obj: object) -> object:
        if id(obj) in self.own:
            return self.own[id(obj)]
        number = _CATALOG.get(id(obj))
        if number is not None and catalog.IMAGES[number] is obj:
            return number  # the catalog's own image (one it derived, or a loaded one, is copied)
        return None  # anything else with a lock of its own fails to pickle: the sandbox stays as it is


class _SandboxUnpickler(pickle.Unpickler):
    def __init__(self, file, packed: _PackedSandbox, registry: SandboxRegistry) -> None:  # noqa: ANN001
        super().__init__(file)
        self.own = {"cond": threading.Condition(), "budget": packed.budget, "limits": registry.limits,
                    "scheduler": registry.scheduler}

    def persistent_load(self, pid: object) -> object:
        return catalog.IMAGES[pid] if isinstance(pid, int) else self.own[pid]  # type: ignore[index]


class SandboxRegistry:
    """All sandboxes of one engine, created on first use. A new one is always granted: past `max_sandboxes`
    an empty sandbox or the least recently used idle one makes room, and the engine's byte budget, when full,
    reclaims idle sandboxes the same way. Every eviction of a sandbox that held something is logged."""

    def __init__(self, limits: SandboxLimits | None = None) -> None:
        self.limits = limits or SandboxLimits()
        self.scheduler = Scheduler()
        self._lock = threading.Lock()
        self.budget = ByteBudget(
            self.limits.engine_bytes,
            holder="all sandboxes together",
            advice="the engine is shared: try again later, or start it with a larger --memory-budget",
            reclaim=self._reclaim,
        )
        self._sandboxes: dict[str, Sandbox | _PackedSandbox] = {
            DEFAULT_SANDBOX: Sandbox(DEFAULT_SANDBOX, self.limits, self.scheduler, self.budget),
        }
        self._sweep_every = self.limits.sweep_seconds or sweep_interval(4 * self.limits.quiet)
        self.scheduler.call_later(self._sweep_every, self._sweep)

    def _sweep(self) -> None:
        """Remove the sandboxes idle past `idle_seconds` (a class that left gives its memory back) and pack
        those quiet for `quiet_seconds`."""
        now = time.monotonic()
        with self._lock:
            idle = [sandbox for sandbox in self._evictable() if sandbox.last_used < now - self.limits.idle_seconds]
            for sandbox in idle:
                self._evict(sandbox, "after its idle time")
            quiet = [token for token, sandbox in self._sandboxes.items()
                     if isinstance(sandbox, Sandbox) and token != DEFAULT_SANDBOX and not sandbox.empty
                     and sandbox.last_used < now - self.limits.quiet]
        packed = sum(self._pack(token) for token in quiet)  # one at a time: requests go on meanwhile
        if idle or packed:
            give_back_memory()
        self.scheduler.call_later(self._sweep_every, self._sweep)

    def _pack(self, token: str) -> bool:
        """Pack a quiet sandbox unless a request uses it or something in it still runs; True when packed."""
        with self._lock:
            sandbox = self._sandboxes.get(token)
            if not isinstance(sandbox, Sandbox):
                return False
            with sandbox.cond:
                if sandbox.in_use > 0 or any(container.alive or container.stdio is not None or container.execs
                                             for container in sandbox.containers.values()):
                    return False  # its scheduled steps, streams or exec sessions refer to it as it is
                file = io.BytesIO()
                try:
                    _SandboxPickler(file, sandbox).dump(sandbox)
                except (pickle.PicklingError, TypeError, AttributeError):
                    return False
                self._sandboxes[token] = _PackedSandbox(sandbox, _PACKER.compress(file.getvalue()))
                return True

    def _unpack(self, packed: _PackedSandbox) -> Sandbox:
        """The sandbox as it was packed. Holds self._lock."""
        sandbox = _SandboxUnpickler(io.BytesIO(_PACKER.decompress(packed.packed)), packed, self).load()
        self._sandboxes[packed.token] = sandbox
        return sandbox

    def get(self, token: str) -> Sandbox:
        """The sandbox for `token`, made if needed, marked in use: the caller must call its `leave()`."""
        if not SANDBOX_TOKEN.match(token):
            raise invalid_parameter(
                f"invalid sandbox token {token!r}: use 1 to 64 letters, digits, '-' or '_'"
            )
        with self._lock:
            sandbox = self._sandboxes.get(token)
            if isinstance(sandbox, _PackedSandbox):
                sandbox = self._unpack(sandbox)
            elif sandbox is None:
                if len(self._sandboxes) > self.limits.max_sandboxes:
                    self._evict_one(f"to make room for sandbox {token}")
                sandbox = Sandbox(token, self.limits, self.scheduler, self.budget)
                self._sandboxes[token] = sandbox
            with sandbox.cond:
                sandbox.in_use += 1
            sandbox.touch()
            return sandbox

    def count(self) -> int:
        with self._lock:
            return len(self._sandboxes)

    def _evictable(self) -> list[Sandbox | _PackedSandbox]:
        """Sandboxes that may go, first to go first: empty ones, then idle ones, least recently used first."""
        cutoff = time.monotonic() - self.limits.idle_seconds
        candidates = [
            sandbox for token, sandbox in self._sandboxes.items()
            if token != DEFAULT_SANDBOX and sandbox.in_use <= 0 and (sandbox.empty or sandbox.last_used < cutoff)
        ]
        return sorted(candidates, key=lambda sandbox: (not sandbox.empty, sandbox.last_used))

    def _evict_one(self, reason: str) -> int:
        """Evict the first evictable sandbox; the bytes freed (0 when none could go). Holds self._lock."""
        for sandbox in self._evictable():
            return self._evict(sandbox, reason)
        return 0

    def _evict(self, sandbox: Sandbox | _PackedSandbox, reason: str) -> int:
        del self._sandboxes[sandbox.token]
        freed = sandbox.budget.close()
        if not sandbox.empty:
            idle_minutes = (time.monotonic() - sandbox.last_used) / 60
            containers, images = sandbox.counts if isinstance(sandbox, _PackedSandbox) else (
                len(sandbox.containers), len(sandbox.images))
            log.info("evicted sandbox %s (idle for %.0f min, %d containers, %d images, %d bytes) %s",
                     sandbox.token, idle_minutes, containers, images, freed, reason)
        return freed

    def _reclaim(self, needed: int) -> int:
        """The engine's budget is short of `needed` bytes: evict idle sandboxes, least recently used first."""
        freed = 0
        with self._lock:
            for sandbox in self._evictable():
                if freed >= needed:
                    break
                if not sandbox.empty:
                    freed += self._evict(sandbox, f"to free {needed} bytes of the engine's memory budget")
        return freed

    def close(self) -> None:
        self.scheduler.stop()
