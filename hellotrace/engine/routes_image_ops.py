"""Image operations beyond pull, list, inspect and delete: tag, history, prune, distribution.

Texts as daemon/server/router/image and the containerd image service give them; each change is an event.
"""

from __future__ import annotations

from datetime import datetime

from hellotrace.engine import catalog
from hellotrace.engine.api import Call, daemon_headers, json_response
from hellotrace.engine.http import Response
from hellotrace.engine.routes_images import INDEX_DESCRIPTOR_SIZE, parse_filters
from hellotrace.protocol.errors import EngineError, invalid_parameter
from hellotrace.protocol.reference import InvalidReference, parse_reference, pull_reference


def tag(call: Call) -> Response:
    repo = call.request.arg("repo") or ""
    wanted_tag = call.request.arg("tag") or ""
    if not repo:
        raise invalid_parameter("repository name (repo) cannot be empty")
    try:
        ref = parse_reference(repo + (f":{wanted_tag}" if wanted_tag else ""))
    except InvalidReference as exc:
        raise invalid_parameter(str(exc)) from None
    if ref.digest:
        raise invalid_parameter("refusing to create a tag with a digest reference")
    familiar = ref.familiar if ref.tag else ref.familiar + ":latest"
    sandbox = call.sandbox
    with sandbox.cond:
        stored = sandbox.find_image(call.params["name"])
        for other in sandbox.images.values():
            if other is not stored and familiar in other.tags:
                other.tags.remove(familiar)
        if familiar not in stored.tags:
            stored.tags.append(familiar)
        sandbox.events.emit("image", "tag", stored.id, {"name": familiar})
        sandbox.cond.notify_all()
    return Response(201, daemon_headers(), b"")


def history(call: Call) -> Response:
    """One line per layer and one per instruction that made none, newest first (as `docker history` shows)."""
    stored = call.sandbox.find_image(call.params["name"])
    image = stored.image
    created = int(datetime.fromisoformat(image.created).timestamp())
    steps = []
    for layer in image.layers:
        source = "hello" if image.repository == "library/hello-world" else f"{image.repository}-rootfs.tar.gz"
        verb = "COPY" if image.repository == "library/hello-world" else "ADD"
        steps.append((f"{verb} {source} / # buildkit", layer.size))
    command = image.config.entrypoint or image.config.cmd
    steps.append((f"CMD {list(command)!r}".replace("'", '"'), 0))
    items = []
    for index, (created_by, size) in enumerate(reversed(steps)):
        items.append({"Id": image.index_digest if index == 0 else "<missing>", "Created": created,
                      "CreatedBy": created_by, "Tags": list(stored.tags) if index == 0 else None, "Size": size,
                      "Comment": "buildkit.dockerfile.v0"})
    return json_response(200, items)


def prune(call: Call) -> Response:
    """Dangling images by default; with `dangling=false`, every image no container uses."""
    filters = parse_filters(call.request.arg("filters"))
    for key in filters:
        if key not in ("dangling", "label", "label!", "until"):
            raise invalid_parameter(f"invalid filter '{key}'")
    all_unused = filters.get("dangling", ["true"])[0].lower() in ("false", "0")
    sandbox = call.sandbox
    deleted: list[dict[str, str]] = []
    reclaimed = 0
    with sandbox.cond:
        used = {c.image.index_digest for c in sandbox.containers.values()}
        for stored in list(sandbox.images.values()):
            if stored.id in used or (stored.tags and not all_unused):
                continue
            deleted.extend({"Untagged": name} for name in stored.tags)
            deleted.append({"Deleted": stored.id})
            reclaimed += stored.image.size
            del sandbox.images[stored.id]
            sandbox.events.emit("image", "delete", stored.id, {"name": stored.id})
        sandbox.events.emit("image", "prune", "", {"reclaimed": str(reclaimed)})
        sandbox.cond.notify_all()
    return json_response(200, {"ImagesDeleted": deleted or None, "SpaceReclaimed": reclaimed})


def distribution(call: Call) -> Response:
    """What the registry says of a reference, without pulling it: the index descriptor and its platforms."""
    try:
        ref = pull_reference(call.params["name"], "")
        if ref.is_name_only:
            ref = parse_reference(call.params["name"] + ":latest")
        image = catalog.resolve(ref)
    except InvalidReference as exc:
        raise invalid_parameter(str(exc)) from None
    except catalog.PullError as exc:
        raise EngineError(exc.status, exc.message) from None
    platforms = [{"architecture": image.architecture, "os": image.os}]  # the catalog's one platform
    return json_response(200, {
        "Descriptor": {"mediaType": "application/vnd.oci.image.index.v1+json", "digest": image.index_digest,
                       "size": INDEX_DESCRIPTOR_SIZE},
        "Platforms": platforms,
    })


ROUTES = [
    ("POST", r"/images/(?P<name>.+)/tag", tag),
    ("GET", r"/images/(?P<name>.+)/history", history),
    ("POST", r"/images/prune", prune),
    ("GET", r"/distribution/(?P<name>.+)/json", distribution),
]
