"""Image routes: pull (`POST /images/create`), list, inspect, delete (daemon/server/router/image)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

from hellotrace.engine import catalog
from hellotrace.engine.api import Call, daemon_headers, json_response
from hellotrace.engine.http import Response
from hellotrace.engine.reference import InvalidReference, pull_reference
from hellotrace.engine.sandbox import StoredImage
from hellotrace.protocol.errors import EngineError, invalid_parameter
from hellotrace.protocol.progress import encode_progress
from hellotrace.protocol.versions import api_version_less


def pull(call: Call) -> Response:
    request = call.request
    from_image = request.arg("fromImage")
    if not from_image:
        if request.arg("fromSrc"):
            raise EngineError(501, "the mock engine does not implement image import (fromSrc); pull with fromImage")
        raise invalid_parameter("image name cannot be blank")
    try:
        refs = pull_reference(from_image, request.arg("tag") or "")
    except InvalidReference as exc:
        raise invalid_parameter(str(exc)) from None
    if refs[0].repository_path == "library/scratch":
        raise EngineError(403, "'scratch' is a reserved name")
    # Resolve everything before the first byte: an error now is a plain JSON error with its own status.
    try:
        plans = [(ref, catalog.resolve(ref)) for ref in refs]
    except catalog.PullError as exc:
        raise EngineError(exc.status, exc.message) from None
    sandbox = call.sandbox
    messages = []
    for ref, image in plans:
        present = sandbox.has_image(image, ref)
        messages.append((ref, image, catalog.progress_messages(image, ref, already_present=present)))

    def stream() -> Iterator[bytes]:
        for ref, image, steps in messages:
            for message, delay in steps:
                if delay and call.settings.pull_pace:
                    _pause(delay * call.settings.pull_pace)
                    yield b""
                yield encode_progress(message)
            sandbox.add_pulled_image(image, ref)

    return Response(200, daemon_headers([("Content-Type", "application/json")]), stream())


def _pause(seconds: float) -> None:
    time.sleep(seconds)


def list_images(call: Call) -> Response:
    request = call.request
    filters = _parse_filters(request.arg("filters"))
    references = filters.get("reference", [])
    dangling = filters.get("dangling", [])
    with call.sandbox.cond:
        stored = list(call.sandbox.images.values())
        users = {}
        for container in call.sandbox.containers.values():
            users[container.image.index_digest] = users.get(container.image.index_digest, 0) + 1
    items = []
    for image in sorted(stored, key=lambda s: s.image.created, reverse=True):
        if references and not any(_matches_reference(tag, pattern) for tag in image.tags for pattern in references):
            continue
        if dangling and (dangling[0] in ("true", "1")) == bool(image.tags):
            continue
        items.append(_summary(image, users.get(image.id, 0), call.api_version))
    return json_response(200, items)


def _summary(stored: StoredImage, containers: int, api_version: str) -> dict:
    image = stored.image
    summary: dict[str, object] = {
        "Containers": containers,
        "Created": image.created_unix,
        "Id": image.index_digest,
        "Labels": image.config.get("Labels") or {},
        "ParentId": "",
        "RepoDigests": _repo_digests(stored),
        "RepoTags": list(stored.tags),
        "SharedSize": -1,
        "Size": image.size,
    }
    if not api_version_less(api_version, "1.48"):
        summary["Descriptor"] = _descriptor(image)
    return summary


def _descriptor(image: catalog.CatalogImage) -> dict:
    return {"mediaType": "application/vnd.oci.image.index.v1+json", "digest": image.index_digest,
            "size": image.index_size}


def _repo_digests(stored: StoredImage) -> list[str]:
    names = sorted({tag.rsplit(":", 1)[0] for tag in stored.tags})
    return [f"{name}@{stored.image.index_digest}" for name in names]


def _matches_reference(tag: str, pattern: str) -> bool:
    from fnmatch import fnmatchcase

    name = tag.rsplit(":", 1)[0]
    return fnmatchcase(tag, pattern) or fnmatchcase(name, pattern)


def _parse_filters(raw: str | None) -> dict[str, list[str]]:
    """The `filters` query parameter: JSON map of name to list (or to {value: true}, the older form)."""
    if not raw:
        return {}
    try:
        decoded = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise invalid_parameter(f"invalid filter: {exc.msg}") from None
    if not isinstance(decoded, dict):
        raise invalid_parameter("invalid filter: expected a JSON object")
    result: dict[str, list[str]] = {}
    for key, value in decoded.items():
        if isinstance(value, dict):
            result[key] = [k for k, enabled in value.items() if enabled]
        elif isinstance(value, list):
            result[key] = [str(v) for v in value]
        else:
            raise invalid_parameter(f"invalid filter '{key}'")
    return result


def inspect_image(call: Call) -> Response:
    stored = call.sandbox.find_image(call.params["name"])
    image = stored.image
    body: dict[str, object] = {
        "Id": image.index_digest,
        "RepoTags": list(stored.tags),
        "RepoDigests": _repo_digests(stored),
        "Parent": "",
        "Comment": "",
        "Created": image.created,
        "DockerVersion": "",
        "Author": "",
        "Config": _image_config(image),
        "Architecture": image.architecture,
        "Os": image.os,
        "Size": image.size,
        "RootFS": {"Type": "layers", "Layers": list(image.diff_ids)},
        "Metadata": {"LastTagTime": "0001-01-01T00:00:00Z"},
    }
    if not api_version_less(call.api_version, "1.48"):
        body["Descriptor"] = _descriptor(image)
    return json_response(200, body)


def _image_config(image: catalog.CatalogImage) -> dict:
    config = image.config
    return {
        "Env": config.get("Env") or [],
        "Cmd": config.get("Cmd"),
        "Entrypoint": config.get("Entrypoint"),
        "WorkingDir": config.get("WorkingDir") or "",
        "Labels": config.get("Labels"),
    }


def delete_image(call: Call) -> Response:
    name = call.params["name"]
    if not name:
        raise invalid_parameter("image name cannot be blank")
    result = call.sandbox.remove_image(name, call.request.flag("force"))
    return json_response(200, result)


ROUTES = [
    ("POST", r"/images/create", pull),
    ("GET", r"/images/json", list_images),
    ("GET", r"/images/(?P<name>.+)/json", inspect_image),
    ("DELETE", r"/images/(?P<name>.+)", delete_image),
]
