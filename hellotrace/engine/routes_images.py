"""Image routes: pull (`POST /images/create`), list, inspect, delete (daemon/server/router/image)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime

from hellotrace.engine import catalog
from hellotrace.engine.api import Call, daemon_headers, json_response
from hellotrace.engine.http import Response
from hellotrace.engine.image_filters import image_filter
from hellotrace.engine.sandbox import StoredImage
from hellotrace.protocol.errors import EngineError, invalid_parameter
from hellotrace.protocol.jsonwire import nesting_error
from hellotrace.protocol.progress import encode_progress
from hellotrace.protocol.reference import InvalidReference, pull_reference
from hellotrace.protocol.versions import api_version_less


def pull(call: Call) -> Response:
    request = call.request
    from_image = request.arg("fromImage")
    if not from_image:
        if request.arg("fromSrc"):
            raise EngineError(501, "the mock engine does not implement image import (fromSrc); pull with fromImage")
        raise invalid_parameter("image name cannot be blank")
    try:
        ref = pull_reference(from_image, request.arg("tag") or "")
    except InvalidReference as exc:
        raise invalid_parameter(str(exc)) from None
    # Resolve everything before the first byte: an error now is a plain JSON error with its own status.
    try:
        plans = catalog.resolve_all_tags(ref) if ref.is_name_only else [(ref, catalog.resolve(ref))]
    except catalog.PullError as exc:
        raise EngineError(exc.status, exc.message) from None
    sandbox = call.sandbox
    pace = call.settings.pull_pace

    def stream() -> Iterator[bytes]:
        for tag_ref, image in plans:
            up_to_date = sandbox.has_image(image, tag_ref)
            steps = catalog.progress_messages(
                image, tag_ref, layers_present=sandbox.has_content(image), up_to_date=up_to_date
            )
            for message, delay in steps:
                if delay and pace:
                    time.sleep(delay * pace)
                    yield b""
                yield encode_progress(message)
            sandbox.add_pulled_image(image, tag_ref)

    return Response(200, daemon_headers([("Content-Type", "application/json")]), stream())


def list_images(call: Call) -> Response:
    request = call.request
    if request.flag("identity") and not request.flag("manifests"):
        raise invalid_parameter("conflicting options: identity requires manifests=1")
    with call.sandbox.cond:
        passes = image_filter(call.sandbox, parse_filters(request.arg("filters")))
        stored = list(call.sandbox.images.values())
        users = {}
        for container in call.sandbox.containers.values():
            users[container.image.index_digest] = users.get(container.image.index_digest, 0) + 1
    items = []
    for image in sorted(stored, key=lambda s: s.image.created, reverse=True):
        if not passes(image):
            continue
        items.append(_summary(image, users.get(image.id, 0), call.api_version))
    return json_response(200, items)


def _summary(stored: StoredImage, containers: int, api_version: str) -> dict:
    image = stored.image
    summary: dict[str, object] = {
        # getImagesJSON counts containers for API 1.51 and later only; older clients get -1 (not counted).
        "Containers": containers if not api_version_less(api_version, "1.51") else -1,
        "Created": int(datetime.fromisoformat(image.created).timestamp()),
        "Id": image.index_digest,
        "Labels": dict(image.config.labels),
        "ParentId": "",
        "RepoDigests": _repo_digests(stored),
        "RepoTags": list(stored.tags),
        "SharedSize": -1,
        "Size": image.size,
    }
    if not api_version_less(api_version, "1.48"):
        summary["Descriptor"] = _descriptor(image)
    if api_version_less(api_version, "1.44"):
        summary["VirtualSize"] = image.size  # removed in API 1.44, still sent to older clients
    return summary


# The registry's index and manifest documents are not simulated byte for byte; their descriptors
# carry typical sizes for a one-platform-per-entry index and a one-layer manifest.
INDEX_DESCRIPTOR_SIZE = 9218
MANIFEST_DESCRIPTOR_SIZE = 1035


def _descriptor(image: catalog.CatalogImage) -> dict:
    return {"mediaType": "application/vnd.oci.image.index.v1+json", "digest": image.index_digest,
            "size": INDEX_DESCRIPTOR_SIZE}


def _repo_digests(stored: StoredImage) -> list[str]:
    if stored.image.parent:
        return []  # made here by docker commit: never pushed, so no registry digest
    names = sorted({tag.rsplit(":", 1)[0] for tag in stored.tags})
    return [f"{name}@{stored.image.index_digest}" for name in names]


def parse_filters(raw: str | None) -> dict[str, list[str]]:
    """The `filters` query parameter as moby's filters.FromJSON reads it: a map of name to {value: bool}, else
    the legacy map of name to [values]; anything else is `invalid filter` (400), as the daemon says it."""
    if not raw:
        return {}
    invalid = invalid_parameter("invalid filter")
    if nesting_error(raw.encode("utf-8", "surrogatepass")) is not None:
        raise invalid
    try:
        decoded = json.loads(raw)
    except (json.JSONDecodeError, RecursionError):
        raise invalid from None
    if decoded is None:
        return {}
    if not isinstance(decoded, dict):
        raise invalid
    values = decoded.values()
    if all(value is None or (isinstance(value, dict) and all(isinstance(flag, bool) or flag is None
                                                               for flag in value.values())) for value in values):
        return {key: list(value or {}) for key, value in decoded.items()}
    if all(value is None or (isinstance(value, list) and all(isinstance(item, str) or item is None
                                                               for item in value)) for value in values):
        return {key: [item or "" for item in value or []] for key, value in decoded.items()}
    raise invalid


def inspect_image(call: Call) -> Response:
    if not call.params["name"]:
        raise invalid_parameter("image name cannot be blank")
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
        "RootFS": {"Type": "layers", "Layers": [layer.diff_id for layer in image.layers]},
        "Metadata": {"LastTagTime": "0001-01-01T00:00:00Z"},
    }
    if not api_version_less(call.api_version, "1.48"):
        body["Descriptor"] = _descriptor(image)
    if not api_version_less(call.api_version, "1.52"):
        # From API 1.52 the daemon leaves out these legacy fields when they are empty (all are, here).
        for legacy in ("Parent", "Comment", "DockerVersion", "Author"):
            body.pop(legacy)
    return json_response(200, body)


def _image_config(image: catalog.CatalogImage) -> dict:
    """The OCI image config: engine 29 omits the fields that are empty."""
    config = image.config
    body: dict[str, object] = {"Env": list(config.env), "Cmd": list(config.cmd)}
    if config.entrypoint:
        body["Entrypoint"] = list(config.entrypoint)
    if config.working_dir:
        body["WorkingDir"] = config.working_dir
    if config.labels:
        body["Labels"] = dict(config.labels)
    return body


def delete_image(call: Call) -> Response:
    name = call.params["name"]
    if not name:
        raise invalid_parameter("image name cannot be blank")
    result = call.sandbox.remove_image(name, call.request.flag("force"))
    return json_response(200, result)


ROUTES = [
    ("POST", r"/images/create", pull),
    ("GET", r"/images/json", list_images),
    ("GET", r"/images/(?P<name>.*)/json", inspect_image),
    ("DELETE", r"/images/(?P<name>.*)", delete_image),
]
