"""Each visitor (browser session) gets their own replay and, with the mock engine, their own sandbox.

A whole class can replay at once without stepping on each other; each visitor's DOCKER_HOST points at
the same sandbox, so their own terminal sees what the page did. The number is bounded, and a sweep in the
background forgets idle visitors and releases the event logs of runs whose live stream is over, so that the
memory of a class that left comes back without waiting for new visitors.

In a group of site processes ("nodes", each with its own engine, behind nginx), visitor `T`'s sandbox on node
`n1` is `n1-<boot>T`: nginx routes the engine port by the node, and the engine refuses the sandbox of an earlier
start of its node (`<boot>`, random at each start), whose address a terminal may have kept. The session remembers
the engine the visitor's sandbox lives in (its "home"); a visitor whose home is no longer this node's current engine
(their node stopped and nginx sent them here, or this node's engine restarted) has a new, empty sandbox, and is
told so once. So is a visitor back after the engine removed their idle sandbox (SANDBOX_IDLE) while the site still
kept their replay, and one back after the site let go of their replay (VISITOR_IDLE).
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from hellotrace.container_quota import ContainerQuota
from hellotrace.deploy.ring import draw_key
from hellotrace.docker_host import DaemonAddress, parse_docker_host
from hellotrace.engine.api import visitor_sandbox_prefix
from hellotrace.engine.service import EngineProcess, MockEngine
from hellotrace.pacing import DEFAULT_PACE
from hellotrace.policy import DEFAULT_IMAGES, DaemonPolicy
from hellotrace.replay import Replay
from hellotrace.settings import is_loopback
from hellotrace.sweeping import start_sweeper, sweep_interval

# Visitors one site process keeps at most (the oldest idle one makes room for a new one, one who never ran a step
# first).
MAX_VISITORS = 2000
# Visitors made by a first request and not back yet with their cookie, kept apart from the others: each request
# without a session makes one (a script's too), and the oldest of them make room for new ones, never for a visitor
# who came back. A browser comes back within seconds; its visitor is then one of the others.
MAX_NEW_VISITORS = 500
MOVED, RESTARTED, RETURNED, EXPIRED, FORGOTTEN = "moved", "restarted", "returned", "expired", "forgotten"
NODE_RESTARTED = "node-restarted"
# How often a visitor's whole pages may ask the engine whether their sandbox still holds what their replay made:
# the engine also removes sandboxes to make room, at any time, so the check cannot wait for SANDBOX_IDLE; once
# per half-minute keeps a reader going through lessons from costing an engine call per page.
SANDBOX_RECHECK_SECONDS = 30.0


@dataclass
class Visitor:
    token: str
    sandbox: str  # the sandbox's name in the engine: the token, after the node's name in a group
    replay: Replay
    engine: str = ""  # the engine instance their replay's sandbox lives in (see MockEngine.instance)
    settled: bool = False  # their session was told that engine is their home (see Visitors.arrive)
    last_seen: float = field(default_factory=time.monotonic)
    # What the visitor's own terminal sets DOCKER_HOST to: the address their replay talks to, as their
    # machine reaches it (set on each request, from the host name they reached the site by).
    docker_host: str = ""
    sandbox_checked: float = 0.0  # when a page last asked the engine whether their sandbox was emptied
    # What their sequence diagram last drew, by language (`drawing`). Let go of once they are quiet (`Visitors.sweep`).
    drawn: dict[str, dict] = field(default_factory=dict)

    def drawing(self, lang: str) -> dict:
        """What their sequence diagram last drew in `lang` (render_svg's `drawn`): their page and each step's live
        stream draw again only the arrows that changed."""
        return self.drawn.setdefault(lang, {})

    @property
    def terminal_address(self) -> DaemonAddress:
        """Their daemon as their own terminal reaches it (docker_host): what the commands they copy must name,
        the public address in a group of nodes rather than the node's own engine their replay talks to."""
        return parse_docker_host(self.docker_host)


def public_engine(sandbox_url: str | None) -> tuple[str, int] | None:
    """Where SANDBOX_URL (a node behind nginx) says students' terminals reach the mock engine: host and port, or
    None without one."""
    address = parse_docker_host(sandbox_url) if sandbox_url else None
    if address is None or address.host is None or address.port is None:
        return None
    return address.host, address.port


class Visitors:
    def __init__(
        self,
        engine: MockEngine | EngineProcess | None,
        daemon: DaemonAddress | None,
        *,
        images: tuple[str, ...] = DEFAULT_IMAGES,
        max_visitors: int = MAX_VISITORS,
        max_new_visitors: int = MAX_NEW_VISITORS,
        idle_seconds: float = 2 * 3600,
        quiet_seconds: float = 60.0,
        quota: ContainerQuota | None = None,
        pace: str = DEFAULT_PACE,
        node: str = "",
        sandbox_url: str | None = None,
    ) -> None:
        """`quiet_seconds` (at most a third of `idle_seconds`): after this long, a finished run's events are
        released (they were kept for a live stream that connects late: a run of the instant pace can end before
        its page connects; the page draws from the replay's records alone), and a visitor quiet this long has
        their replay packed until they return. `pace`: how fast a new visitor's replay runs until they choose
        (see hellotrace.pacing). `node`: this
        site process's name in a group; `sandbox_url`: where visitors' terminals reach the sandboxes."""
        if engine is None and daemon is None:
            raise ValueError("the site needs the embedded mock engine or a daemon address")
        self.engine = engine
        self.daemon = daemon
        # A real daemon is guarded; the mock's sandboxes need no guard.
        self.policy = DaemonPolicy(images) if daemon is not None else None
        # Every visitor's calls share one bound on the containers they leave behind, real daemon or mock.
        self.quota = quota if quota is not None else ContainerQuota()
        self.max_visitors = max_visitors
        self.max_new_visitors = max_new_visitors
        self.idle_seconds = idle_seconds
        self.quiet_seconds = min(quiet_seconds, idle_seconds / 3)
        self.pace = pace
        self.node = node
        # Where SANDBOX_URL says terminals reach the engine, read once: every exchange card asks (shown_engine).
        self._public_engine = public_engine(sandbox_url)
        self._lock = threading.Lock()
        self._visitors: dict[str, Visitor] = {}
        self._new: dict[str, Visitor] = {}  # made by a first request, not back yet; oldest first
        # The sweep looks often enough for both deadlines: the quiet one is the shorter.
        start_sweeper(self, sweep_interval(4 * self.quiet_seconds), "hellotrace-visitor-sweep")

    def sweep(self) -> bool:
        """Forget visitors idle for `idle_seconds`; release the event logs of runs over for a while, and pack
        the replays of visitors quiet for as long. True when something was freed."""
        now = time.monotonic()
        with self._lock:
            before = len(self._visitors) + len(self._new)
            self._expire_idle(now - self.idle_seconds)
            for token in [token for token, visitor in self._new.items() if visitor.last_seen < now - self.idle_seconds]:
                del self._new[token]
            remaining = list(self._visitors.values())
        freed = len(remaining) + len(self._new) < before
        quiet_since = now - self.quiet_seconds
        for visitor in remaining:
            freed = visitor.replay.release_events(quiet_since) or freed
            if visitor.last_seen < quiet_since:
                visitor.drawn.clear()
                freed = visitor.replay.pack() or freed
        return freed

    def count(self) -> int:
        with self._lock:
            return len(self._visitors) + len(self._new)

    @property
    def uses_mock(self) -> bool:
        return self.daemon is None

    def sandbox_for(self, token: str) -> str:
        """The name of a visitor's sandbox in this node's engine."""
        return visitor_sandbox_prefix(self.node, self.engine.boot if self.engine is not None else "") + token

    def get(self, token: str, site_host: str = "") -> Visitor:
        """The visitor for a session token: a new one back with its cookie joins the others, an unknown one is
        created (and the oldest idle one dropped if full, one who never ran a step first). `site_host` is the Host
        the visitor reached the site by (it decides the DOCKER_HOST they are shown)."""
        with self._lock:
            visitor = self._visitors.get(token)
            if visitor is None:
                visitor = self._new.pop(token, None)
                if visitor is None:
                    visitor = self._create(token)
                else:
                    self._expire()
                    self._visitors[token] = visitor
        return self._seen(visitor, site_host)

    def new(self, site_host: str = "", routes_here: Callable[[str], bool] | None = None) -> Visitor:
        """A new visitor, with a token of the node's choosing (nobody else's: a client must never reach someone
        else's replay). Behind hellotrace's nginx, one that nginx's hash ring gives to this node (`routes_here`),
        so that the browser's next requests, hashed by the cookie that carries it, come back here. It is kept
        apart until it comes back with its cookie (`get`): until then, it makes room for nobody but an older new
        visitor, so that requests without a cookie cannot push out the visitors of a class."""
        with self._lock:
            token = draw_key(routes_here, lambda made: made in self._visitors or made in self._new)
            while len(self._new) >= self.max_new_visitors:
                del self._new[next(iter(self._new))]
            visitor = self._new[token] = self._made(token)
        return self._seen(visitor, site_host)

    def _create(self, token: str) -> Visitor:
        self._expire()
        visitor = self._visitors[token] = self._made(token)
        return visitor

    def _made(self, token: str) -> Visitor:
        sandbox = self.sandbox_for(token)
        replay = Replay(self.address_for(sandbox), policy=self.policy, containers=self.quota.keeper(token),
                        pace=self.pace)
        return Visitor(token, sandbox, replay, self.home)

    def _seen(self, visitor: Visitor, site_host: str) -> Visitor:
        visitor.last_seen = time.monotonic()
        visitor.docker_host = self.shown_docker_host(visitor.replay.address, site_host)
        visitor.replay.host_header = self.host_header(visitor)
        return visitor

    def host_header(self, visitor: Visitor) -> str | None:
        """The Host the visitor's own client sends to the address they are shown, when it is not the one their
        replay dials: nginx's engine port passes connections on as they are, so the engine gets that Host from
        their terminal, and the replay's requests carry it too (they stay what a student's client sends, and
        name the address a student can use). None when the replay dials that very address."""
        shown = visitor.terminal_address.http_host
        return shown if shown != visitor.replay.address.http_host else None

    @property
    def home(self) -> str:
        """Where this node's visitors' sandboxes live now: the node's name and its engine's current instance."""
        return f"{self.node}:{self.engine.instance if self.engine is not None else ''}"

    def arrive(self, visitor: Visitor, seen: object) -> tuple[object, str | None]:
        """A whole page for a visitor whose session last saw their sandbox in `seen` (a home, or nothing yet).
        Returns the home to keep in the session, and what to tell them once: MOVED (they come from another
        node: new sandbox, new DOCKER_HOST), NODE_RESTARTED (this node restarted since: new sandbox, whose name
        carries the node's new start, so a new DOCKER_HOST), RESTARTED (this node's engine restarted: new sandbox,
        same DOCKER_HOST), RETURNED (back from another node to a sandbox here that lived on: DOCKER_HOST changed
        back), EXPIRED (the engine removed their idle sandbox while the site kept their replay), FORGOTTEN
        (this site let go of their replay after VISITOR_IDLE, or to make room, while their home is the same) or None. A
        replay whose sandbox is gone starts over, unless a run is still going on: it is left to end (its
        failure is explained), and the visitor is told on a later page."""
        if self.daemon is not None:
            return seen, None
        current = self.home
        if visitor.engine != current:
            if _running(visitor):
                return seen, None
            self._start_over(visitor)
            visitor.engine, visitor.settled = current, False
        elif not _running(visitor) and self._sandbox_emptied(visitor):
            self._start_over(visitor)
            return current, EXPIRED
        if not isinstance(seen, str):
            notice = None
        elif seen == current:
            # Made anew here (`settled` is False) although the session already lived here: the site let go of them.
            notice = None if visitor.settled else FORGOTTEN
        elif visitor.settled:
            notice = RETURNED
        else:
            if seen.partition(":")[0] != self.node:
                notice = MOVED
            elif self.node and _node_start(seen) != _node_start(current):
                notice = NODE_RESTARTED
            else:
                notice = RESTARTED
        visitor.settled = True
        return current, notice

    def _start_over(self, visitor: Visitor) -> None:
        old = visitor.replay
        visitor.replay = Replay(old.address, old.sequence, policy=self.policy,
                                containers=self.quota.keeper(visitor.token), pace=self.pace,
                                host_header=old.host_header)

    def _sandbox_emptied(self, visitor: Visitor) -> bool:
        """The replay has made something in its sandbox (the image of step 2, the container of step 3) and the
        sandbox holds nothing: the engine removed it after SANDBOX_IDLE (or to make room), which it does on its
        own schedule while the site keeps the visitor for VISITOR_IDLE. Asked on whole pages only, of a replay
        under way, at most every SANDBOX_RECHECK_SECONDS: one /info call, which also keeps the sandbox alive
        for the steps to come."""
        if visitor.replay.next_step < 3:  # step 1 only talks to the daemon: its sandbox holds nothing yet
            return False
        now = time.monotonic()
        if now - visitor.sandbox_checked < SANDBOX_RECHECK_SECONDS:
            return False
        visitor.sandbox_checked = now
        with visitor.replay.client() as client:
            exchange = client.info()
        body = exchange.response.json() if exchange.response is not None and exchange.status == 200 else None
        return isinstance(body, dict) and body.get("Containers") == 0 and body.get("Images") == 0

    def shown_docker_host(self, address: DaemonAddress, site_host: str) -> str:
        """A replay's address as the visitor's machine reaches it (see `shown_engine`), with its sandbox's path."""
        if address.scheme != "tcp" or address.host is None or address.port is None:
            return address.normalized
        host, port = self.shown_engine(address.host, address.port, site_host)
        if (host, port) == (address.host, address.port):
            return address.normalized
        return f"tcp://{f'[{host}]' if ':' in host else host}:{port}{address.path_prefix}"

    def shown_engine(self, host: str, port: int, site_host: str) -> tuple[str, int]:
        """Where the visitor's machine reaches the engine a replay reaches at host:port. With the mock engine's
        TCP on every interface (`--tcp 0.0.0.0:2375`), a student who reached the site at 192.0.2.2 is shown
        192.0.2.2:2375, not an address that only means something on this machine. With SANDBOX_URL (nginx's
        engine port in a group of nodes), that address, whatever the site's Host, unless it is every
        interface's (`--workers` with `--tcp 0.0.0.0:2375`): then the same rule. A real daemon: as it is."""
        if self.daemon is not None or self.engine is None:
            return host, port
        if self._public_engine is not None:
            engine_host, port = self._public_engine
            host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(engine_host, engine_host)
        else:
            engine_host = (self.engine.tcp_address or ("", 0))[0]
        reached = urlsplit(f"//{site_host}").hostname if site_host else None
        if not reached or not _is_unspecified(engine_host) or is_loopback(reached):
            return host, port
        return reached, port

    def address_for(self, sandbox: str) -> DaemonAddress:
        """The daemon a visitor's replay talks to: the real one, or their own sandbox of this node's engine."""
        if self.daemon is not None:
            return self.daemon
        assert self.engine is not None
        return parse_docker_host(self.engine.sandbox_host(sandbox) or "")

    def _expire(self) -> None:
        self._expire_idle(time.monotonic() - self.idle_seconds)
        while len(self._visitors) >= self.max_visitors:
            # A visitor who never ran a step goes first: making visitors costs a script two requests each, making
            # one that ran a step costs a run.
            oldest = min(self._visitors.values(), key=lambda v: (v.replay.last_run is not None, v.last_seen))
            self._forget(oldest.token)

    def _expire_idle(self, cutoff: float) -> None:
        for token, visitor in list(self._visitors.items()):
            if visitor.last_seen < cutoff and not _running(visitor):
                self._forget(token)

    def _forget(self, token: str) -> None:
        # The visitor's sandbox stays in the engine until the engine's own idle expiry removes it: the
        # student may still be using it from their terminal. Its containers end with it, so the quota stops
        # counting them (on a real daemon they stay counted, and are removed when the site's total is reached).
        self._visitors.pop(token, None)
        if self.daemon is None:
            self.quota.forget(token)


def _node_start(home: str) -> str:
    """The start of the node a home (`node:boot.generation`, see `Visitors.home`) names: its sandboxes' names
    carry it, where a restart of its engine alone (the generation) changes none of them."""
    return home.partition(":")[2].partition(".")[0]


def _running(visitor: Visitor) -> bool:
    log = visitor.replay.running
    return log is not None and not log.closed


def _is_unspecified(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False
