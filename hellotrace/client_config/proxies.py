"""`proxies` in config.json: the variables a container (or a build) gets, for a given daemon.

docker/cli `ConfigFile.ParseProxyConfig(host, runOpts)`: the entry whose key is **exactly** the daemon address
the client holds (`Client.DaemonHost()`: `tcp://localhost:2375`, `unix:///var/run/docker.sock`, and, over
ssh, the placeholder `http://docker.example.com`) is used, else `default` — never both. Each non-empty
property becomes two variables, `HTTP_PROXY` and `http_proxy`, and each is left out when the user already
passes that exact name with `-e` (with or without a value). Checked with docker CLI 28.2.2.
These variables are for the containers only: the CLI's own connection uses HTTP_PROXY & co from its
environment, and the daemon has its own settings.
"""

from __future__ import annotations

from dataclasses import dataclass

from hellotrace.docker_host import InvalidDaemonAddress, parse_docker_host

DEFAULT_KEY = "default"
SSH_DAEMON_HOST = "http://docker.example.com"  # what DaemonHost() returns through the ssh connection helper
# config.json property → the variable name (the lower-case twin is set too).
PROPERTIES = (
    ("httpProxy", "HTTP_PROXY"),
    ("httpsProxy", "HTTPS_PROXY"),
    ("noProxy", "NO_PROXY"),
    ("ftpProxy", "FTP_PROXY"),
    ("allProxy", "ALL_PROXY"),
)

# Variable statuses.
SET = "set"
USER_GIVEN = "user_given"  # -e NAME on the command line wins

# noProxy entry problems.
NO_PROXY_URL = "url"  # a proxy URL where a host list is expected
NO_PROXY_EMPTY = "empty_entry"

# Key problems.
KEY_NOT_AN_ADDRESS = "not_an_address"  # https://…: no -H / DOCKER_HOST can ever look like that
KEY_NOT_NORMALIZED = "not_normalized"  # tcp://host: the CLI compares with tcp://host:2375


@dataclass(frozen=True)
class ProxyVariable:
    name: str
    value: str
    source: str  # the property (httpProxy…) or "-e"
    status: str


@dataclass(frozen=True)
class ProxyKey:
    key: str
    problem: str | None = None
    normalized: str | None = None  # what the key would have to be, when Docker would write it differently


@dataclass(frozen=True)
class NoProxyEntry:
    entry: str
    problem: str | None = None


@dataclass(frozen=True)
class ProxyPlan:
    daemon_host: str | None  # the address compared with the keys; None when unknown (a named context)
    chosen_key: str | None  # "default", the matching address, or None when nothing applies
    keys: tuple[ProxyKey, ...]
    variables: tuple[ProxyVariable, ...]
    no_proxy: tuple[NoProxyEntry, ...]


def plan_proxies(proxies: dict, daemon_host: str | None, user_env: list[str]) -> ProxyPlan:
    """What `docker run`/`create` would add to the container's environment (and `build` as build args)."""
    keys = tuple(_check_key(key) for key in proxies)
    if not proxies:
        chosen = None
    elif daemon_host is not None and daemon_host in proxies:
        chosen = daemon_host
    else:
        chosen = DEFAULT_KEY if DEFAULT_KEY in proxies else None
    entry = proxies.get(chosen) if chosen else None
    config = entry if isinstance(entry, dict) else {}
    given = {item.partition("=")[0] for item in user_env}
    variables = []
    for prop, name in PROPERTIES:
        value = config.get(prop) or ""
        if not value:
            continue
        for variable in (name, name.lower()):
            status = USER_GIVEN if variable in given else SET
            variables.append(ProxyVariable(variable, value, prop, status))
    return ProxyPlan(daemon_host, chosen, keys, tuple(variables), check_no_proxy(config.get("noProxy") or ""))


def daemon_host_for(address_text: str, scheme: str) -> str:
    """DaemonHost(): the normalized address, except through ssh, where the helper's placeholder is used."""
    return SSH_DAEMON_HOST if scheme == "ssh" else address_text


def check_no_proxy(value: str) -> tuple[NoProxyEntry, ...]:
    """noProxy is a comma-separated list of hosts, domains (`.example.com`), IPs, CIDRs, `host:port` or `*`."""
    if not value:
        return ()
    entries = []
    for raw in value.split(","):
        entry = raw.strip()
        if not entry:
            entries.append(NoProxyEntry(raw, NO_PROXY_EMPTY))
        elif "://" in entry or "@" in entry:
            entries.append(NoProxyEntry(entry, NO_PROXY_URL))
        else:
            entries.append(NoProxyEntry(entry))
    return tuple(entries)


def _check_key(key: str) -> ProxyKey:
    if key == DEFAULT_KEY or key == SSH_DAEMON_HOST:
        return ProxyKey(key)
    scheme, sep, _ = key.partition("://")
    if sep and scheme not in ("tcp", "unix", "npipe", "ssh", "fd"):
        return ProxyKey(key, KEY_NOT_AN_ADDRESS)
    try:
        address = parse_docker_host(key)
    except InvalidDaemonAddress:
        return ProxyKey(key, KEY_NOT_AN_ADDRESS)
    if address.normalized != key:
        return ProxyKey(key, KEY_NOT_NORMALIZED, address.normalized)
    return ProxyKey(key)
