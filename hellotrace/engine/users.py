"""The user a container's process runs as (Config.User: `name`, `uid`, `uid:gid`, `name:group`), resolved as
moby/sys/user's GetExecUser does against the image's /etc/passwd and /etc/group.

Only the entries the lessons meet are known (root and nobody); a number needs no entry, a name does.
"""

from __future__ import annotations

from dataclasses import dataclass

from hellotrace.protocol.gostrconv import atoi

# name -> (uid, gid) in /etc/passwd, and gid -> name in /etc/group, by repository; hello-world has neither file.
_PASSWD = {
    "library/alpine": {"root": (0, 0), "nobody": (65534, 65534)},
    "library/busybox": {"root": (0, 0), "nobody": (65534, 65534)},
}
_GROUPS = {
    "library/alpine": {0: "root", 65534: "nobody"},
    "library/busybox": {0: "root", 65534: "nogroup"},
}


class UnknownUser(Exception):
    """The user or group names no entry: the daemon cannot build the process's spec, so the start fails."""


@dataclass(frozen=True)
class ExecUser:
    uid: int
    gid: int
    user_name: str | None
    group_name: str | None
    # Supplementary groups come from /etc/group only for a user found by name or number without a group.
    from_group_file: bool


def resolve(repository: str, spec: str) -> ExecUser:
    """GetExecUser: root when unset; a uid or name looked up in passwd; a group overrides the user's own."""
    passwd = _PASSWD.get(repository, {})
    groups = _GROUPS.get(repository, {})
    user_arg, has_group, group_arg = (spec or "").partition(":")
    uid = atoi(user_arg) if user_arg else 0
    entry = next(((name, ids) for name, ids in passwd.items()
                  if (ids[0] == uid if uid is not None else name == user_arg)), None)
    if entry is None and uid is None:
        raise UnknownUser(f"unable to find user {user_arg}: no matching entries in passwd file")
    user_id, gid = entry[1] if entry else (uid or 0, 0)
    if has_group and group_arg:
        number = atoi(group_arg)
        named = next((g for g, name in groups.items() if name == group_arg), None)
        if number is None and named is None:
            raise UnknownUser(f"unable to find group {group_arg}: no matching entries in group file")
        gid = number if number is not None else named
    return ExecUser(user_id, gid, entry[0] if entry else None, groups.get(gid),
                    from_group_file=entry is not None and not (has_group and group_arg))


def of_container(container) -> ExecUser:
    """The user a container's processes run as (its Config.User), as its start resolved it."""
    return resolve(container.image.repository, container.config.get("User") or "")
