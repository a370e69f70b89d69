"""What the mock engine does not simulate, answered plainly: swarm objects as a daemon outside a swarm answers
them, and build, swarm membership and plugin installs with a 501 that says so."""

from __future__ import annotations

from hellotrace.engine.api import Call, json_response
from hellotrace.engine.http import Response
from hellotrace.protocol.errors import EngineError

NOT_A_MANAGER = ('This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect '
                 "this node to swarm and try again.")


def not_a_swarm_manager(call: Call) -> Response:
    """Services, tasks, nodes, secrets, configs and the swarm itself: Docker's own answer outside a swarm."""
    raise EngineError(503, NOT_A_MANAGER)


def not_simulated(call: Call) -> Response:
    raise EngineError(501, "the mock engine does not implement build, swarm membership or plugin installs: they "
                           "are out of its scope (use a real Docker Engine for them)")


def no_plugins(call: Call) -> Response:
    """No plugin is installed in a sandbox."""
    return json_response(200, [])


_SWARM_OBJECTS = r"/(?:services|tasks|nodes|secrets|configs)(?:/.*)?"

ROUTES = [
    ("GET", _SWARM_OBJECTS, not_a_swarm_manager),
    ("POST", _SWARM_OBJECTS, not_a_swarm_manager),
    ("DELETE", _SWARM_OBJECTS, not_a_swarm_manager),
    ("GET", r"/swarm(?:/unlockkey)?", not_a_swarm_manager),
    ("POST", r"/swarm/(?:init|join|leave|update|unlock)", not_simulated),
    ("POST", r"/build(?:/prune|/cancel)?", not_simulated),
    ("POST", r"/session", not_simulated),
    ("GET", r"/plugins", no_plugins),
    ("GET", r"/plugins/privileges", not_simulated),
    ("POST", r"/plugins/(?:pull|.+/(?:enable|disable|upgrade|push|set))", not_simulated),
]
