"""A container's files over the API: archive (HEAD, GET, PUT: `docker cp` both ways), export, changes.

Texts and headers as daemon/archive.go and the container router give them: the stat of a path travels
base64-encoded in X-Docker-Container-Path-Stat, archives are plain tar.
"""

from __future__ import annotations

import base64
import json
import posixpath

from hellotrace.engine.api import Call, daemon_headers, json_response
from hellotrace.engine.budget import BudgetExceeded
from hellotrace.engine.containers import Container
from hellotrace.engine.filetree import FileSystem, NoSpace
from hellotrace.engine.http import Response
from hellotrace.engine.programs import container_files
from hellotrace.protocol.errors import invalid_parameter, not_found

TAR = "application/x-tar"
_CHANGE_KINDS = {"C": 0, "A": 1, "D": 2}


def _files(container: Container) -> FileSystem:
    return container_files(container.image, container.hostname, container.layer)


def _archive_path(call: Call) -> str:
    path = call.request.arg("path") or ""
    if not path:
        raise invalid_parameter("path is empty")
    return path


def _stat_header(files: FileSystem, path: str, call: Call) -> tuple[str, str]:
    stat = files.stat(posixpath.normpath(path) if path != "/" else "/")
    if stat is None:
        raise not_found(f"Could not find the file {path} in container {call.params['id']}")
    encoded = base64.urlsafe_b64encode(json.dumps(stat, separators=(",", ":")).encode()).decode()
    return ("X-Docker-Container-Path-Stat", encoded)


def stat_archive(call: Call) -> Response:
    path = _archive_path(call)
    with call.sandbox.cond:
        container = call.sandbox.find_container(call.params["id"])
        header = _stat_header(_files(container), path, call)
    return Response(200, daemon_headers([header]), b"")


def get_archive(call: Call) -> Response:
    path = _archive_path(call)
    sandbox = call.sandbox
    with sandbox.cond:
        container = sandbox.find_container(call.params["id"])
        files = _files(container)
        header = _stat_header(files, path, call)
        normalized = posixpath.normpath(path)
        name = "." if path.endswith("/.") else posixpath.basename(normalized)
        body = files.tar_of(normalized, name)
        sandbox.container_event(container, "archive-path", path=path)
    return Response(200, daemon_headers([("Content-Type", TAR), header]), body)


def put_archive(call: Call) -> Response:
    path = _archive_path(call)
    sandbox = call.sandbox
    with sandbox.cond:
        container = sandbox.find_container(call.params["id"])
        files = _files(container)
        directory = posixpath.normpath(path)
        kind = files.kind(directory)
        if kind is None:
            raise not_found(f"Could not find the file {path} in container {call.params['id']}")
        if kind != "dir":
            raise invalid_parameter("extraction point is not a directory")
        layer = container.layer
        before = (dict(layer.files), set(layer.dirs), set(layer.deleted), dict(layer.mtimes))
        failure = None
        try:
            files.extract(directory, call.request.body)
        except NoSpace:
            layer.files, layer.dirs, layer.deleted, layer.mtimes = before  # nothing of the archive is kept
            sandbox.settle_files(container, "copy into the container")  # gives back what the partial copy took
            raise BudgetExceeded(sandbox.budget, len(call.request.body), "copy into the container") from None
        except (ValueError, OSError) as error:
            failure = str(error)
        if failure is not None:
            raise invalid_parameter(failure)
        sandbox.container_event(container, "extract-to-dir", path=path)
    return Response(200, daemon_headers(), b"")


def export(call: Call) -> Response:
    sandbox = call.sandbox
    with sandbox.cond:
        container = sandbox.find_container(call.params["id"])
        body = _files(container).tar_of("/", "")
        sandbox.container_event(container, "export")
    return Response(200, daemon_headers([("Content-Type", TAR)]), body)


def changes(call: Call) -> Response:
    with call.sandbox.cond:
        container = call.sandbox.find_container(call.params["id"])
        found = _files(container).changes()
    return json_response(200, [{"Kind": _CHANGE_KINDS[kind], "Path": path} for kind, path in found] or None)


ROUTES = [
    ("HEAD", r"/containers/(?P<id>[^/]+)/archive", stat_archive),
    ("GET", r"/containers/(?P<id>[^/]+)/archive", get_archive),
    ("PUT", r"/containers/(?P<id>[^/]+)/archive", put_archive),
    ("GET", r"/containers/(?P<id>[^/]+)/export", export),
    ("GET", r"/containers/(?P<id>[^/]+)/changes", changes),
]
