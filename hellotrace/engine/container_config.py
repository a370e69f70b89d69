"""What the daemon does with a decoded create request before it stores it: checks, then its own defaults.

Inspect shows the stored Config and HostConfig whole (gotypes.marshal), so whatever the client set comes
back as it was set, and what it left out comes back as the daemon filled it in (daemon/create.go,
adaptContainerSettings in daemon_unix.go, mergeAndVerifyLogConfig).
"""

from __future__ import annotations

from typing import Any

from hellotrace.protocol.errors import EngineError, invalid_parameter

# The log drivers a Linux dockerd registers at start (daemon/logdrivers_linux.go).
LOG_DRIVERS = ("awslogs", "fluentd", "gcplogs", "gelf", "journald", "json-file", "local", "logentries", "none",
               "splunk", "syslog")
DEFAULT_LOG_DRIVER = "json-file"
RESTART_POLICIES = ("no", "always", "on-failure", "unless-stopped")
DEFAULT_SHM_SIZE = 64 * 1024 * 1024
# runc's defaults that the daemon writes into HostConfig for an unprivileged container (oci/defaults.go).
DEFAULT_MASKED_PATHS = ("/proc/asound", "/proc/acpi", "/proc/interrupts", "/proc/kcore", "/proc/keys",
                        "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
                        "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap")
DEFAULT_READONLY_PATHS = ("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger")


def no_reading() -> EngineError:
    """What `logs` answers for a container of the none driver; every other driver is read through the daemon's
    local cache (dual logging), so only none keeps nothing to read."""
    return EngineError(501, "configured logging driver does not support reading")


def check_restart_policy(policy: dict[str, Any]) -> None:
    """container.ValidateRestartPolicy, word for word."""
    name, retries = policy.get("Name") or "", policy.get("MaximumRetryCount") or 0
    if name in ("always", "unless-stopped", "no"):
        if retries != 0:
            message = "invalid restart policy: maximum retry count can only be used with 'on-failure'"
            if retries < 0:
                message += " and cannot be negative"
            raise invalid_parameter(message)
    elif name == "on-failure":
        if retries < 0:
            raise invalid_parameter("invalid restart policy: maximum retry count cannot be negative")
    elif name != "":
        raise invalid_parameter(
            f"invalid restart policy: unknown policy '{name}'; use one of 'no', 'always', 'on-failure', or "
            "'unless-stopped'"
        )


def check_host_config(host_config: dict[str, Any]) -> None:
    """verifyContainerSettings and the log driver lookup: refused before anything is created."""
    policy = host_config["RestartPolicy"]
    check_restart_policy(policy)
    if host_config["AutoRemove"] and (policy.get("Name") or "no") != "no":
        raise invalid_parameter("can't create 'AutoRemove' container with restart policy")
    driver = host_config["LogConfig"]["Type"]
    if driver and driver not in LOG_DRIVERS:
        raise invalid_parameter(f"logger: no log driver named '{driver}' is registered")


def apply_daemon_defaults(host_config: dict[str, Any]) -> dict[str, Any]:
    """The values the daemon fills in where the client left the zero value."""
    filled = dict(host_config)
    log_config = dict(filled["LogConfig"])
    log_config["Type"] = log_config["Type"] or DEFAULT_LOG_DRIVER
    log_config["Config"] = log_config["Config"] or {}
    filled["LogConfig"] = log_config
    filled["NetworkMode"] = filled["NetworkMode"] or "default"
    filled["RestartPolicy"] = {**filled["RestartPolicy"], "Name": filled["RestartPolicy"]["Name"] or "no"}
    if filled["Memory"] > 0 and filled["MemorySwap"] == 0:
        filled["MemorySwap"] = filled["Memory"] * 2  # swap defaults to as much again as memory
    filled["ShmSize"] = filled["ShmSize"] or DEFAULT_SHM_SIZE
    filled["IpcMode"] = filled["IpcMode"] or "private"
    filled["CgroupnsMode"] = filled["CgroupnsMode"] or "private"
    filled["Runtime"] = filled.get("Runtime") or "runc"
    if filled["OomKillDisable"] is None:
        filled["OomKillDisable"] = False
    if not filled["Privileged"]:
        if filled["MaskedPaths"] is None:
            filled["MaskedPaths"] = list(DEFAULT_MASKED_PATHS)
        if filled["ReadonlyPaths"] is None:
            filled["ReadonlyPaths"] = list(DEFAULT_READONLY_PATHS)
    return filled
