"""Image operations beyond pull, list, inspect and delete: tag, history, prune, distribution.

Texts as daemon/server/router/image and the containerd image service give them; each change is an event.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import datetime

from hellotrace.engine import apitypes, catalog
from hellotrace.engine.api import Call, daemon_headers, json_response
from hellotrace.engine.bodies import decode_json_body
from hellotrace.engine.containers import utc_now
from hellotrace.engine.http import Response
from hellotrace.engine.routes_images import INDEX_DESCRIPTOR_SIZE, parse_filters
from hellotrace.engine.sandbox import StoredImage
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
    items = []
    chain = [image]
    while chain[-1].parent:
        parent = next((s.image for s in call.sandbox.images.values() if s.id == chain[-1].parent), None)
        if parent is None:
            break
        chain.append(parent)
    base = chain[-1]
    for committed in chain[:-1]:
        items.append({"Id": committed.index_digest, "Created": _seconds(committed.created),
                      "CreatedBy": committed.created_by, "Tags": None, "Size": committed.layers[-1].size,
                      "Comment": committed.comment})
    created = _seconds(base.created)
    steps: list[tuple[str, int]] = []
    for layer in base.layers:
        source = "hello" if base.repository == "library/hello-world" else f"{base.repository}-rootfs.tar.gz"
        verb = "COPY" if base.repository == "library/hello-world" else "ADD"
        steps.append((f"{verb} {source} / # buildkit", layer.size))
    command = base.config.entrypoint or base.config.cmd
    steps.append((f"CMD {list(command)!r}".replace("'", '"'), 0))
    for index, (created_by, size) in enumerate(reversed(steps)):
        items.append({"Id": base.index_digest if index == 0 else "<missing>", "Created": created,
                      "CreatedBy": created_by, "Tags": None, "Size": size, "Comment": "buildkit.dockerfile.v0"})
    for item in items:
        if item["Id"] != "<missing>":
            item["Tags"] = next((list(s.tags) for s in call.sandbox.images.values() if s.id == item["Id"]), None)
    return json_response(200, items)


def _seconds(created: str) -> int:
    return int(datetime.fromisoformat(created).timestamp())


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




_CHANGE_COMMANDS = ("CMD", "ENTRYPOINT", "ENV", "EXPOSE", "HEALTHCHECK", "LABEL", "ONBUILD", "STOPSIGNAL", "USER",
                    "VOLUME", "WORKDIR")
_SIMULATED_CHANGES = ("CMD", "ENTRYPOINT", "ENV", "LABEL", "WORKDIR")


def commit(call: Call) -> Response:
    """`docker commit`: a new image of the container's image plus its own files, with its configuration."""
    request = call.request
    _, overrides = decode_json_body(call, apitypes.definition("ContainerConfig"), empty_is_zero=True)
    repo, wanted_tag = request.arg("repo") or "", request.arg("tag") or ""
    familiar = ""
    if repo:
        try:
            ref = parse_reference(repo + (f":{wanted_tag}" if wanted_tag else ""))
        except InvalidReference as exc:
            raise invalid_parameter(str(exc)) from None
        familiar = ref.familiar if ref.tag else ref.familiar + ":latest"
    sandbox = call.sandbox
    with sandbox.cond:
        container = sandbox.find_container(request.arg("container") or "")
        config = _committed_config(container, overrides, request.args_all("changes"))
        image = _committed_image(container, config, request.arg("comment") or "", request.arg("author") or "")
        stored = sandbox.images.get(image.index_digest) or StoredImage(image)
        sandbox.images[image.index_digest] = stored
        if familiar:
            for other in sandbox.images.values():
                if other is not stored and familiar in other.tags:
                    other.tags.remove(familiar)
            if familiar not in stored.tags:
                stored.tags.append(familiar)
        sandbox.container_event(container, "commit", comment=image.comment, imageID=image.index_digest,
                                imageRef=familiar)
        if familiar:
            sandbox.events.emit("image", "tag", image.index_digest, {"name": familiar})
        sandbox.cond.notify_all()
    return json_response(201, {"Id": image.index_digest})


def _committed_config(container, overrides: dict, changes: list[str]) -> catalog.ImageConfig:
    """The container's Cmd, Entrypoint, Env, WorkingDir and Labels, then the body's, then `--change`'s."""
    cmd = list(container.cmd or [])
    entrypoint = container.entrypoint
    env = list(container.env)
    working_dir = container.working_dir
    labels = {**dict(container.image.config.labels), **(container.config.get("Labels") or {})}
    if overrides["Cmd"] is not None:
        cmd = list(overrides["Cmd"])
    if overrides["Entrypoint"] is not None:
        entrypoint = list(overrides["Entrypoint"])
    env += list(overrides["Env"] or [])
    working_dir = overrides["WorkingDir"] or working_dir
    labels.update(overrides["Labels"] or {})
    for change in changes:
        instruction, _, rest = change.strip().partition(" ")
        instruction, rest = instruction.upper(), rest.strip()
        if instruction not in _CHANGE_COMMANDS:
            raise invalid_parameter(f"{instruction} is not a valid change command")
        if instruction not in _SIMULATED_CHANGES:
            raise EngineError(501, f"the mock engine does not implement the {instruction} change of docker commit")
        if instruction in ("CMD", "ENTRYPOINT"):
            try:
                value = json.loads(rest) if rest.startswith("[") else ["/bin/sh", "-c", rest]
            except ValueError:
                value = ["/bin/sh", "-c", rest]
            if instruction == "CMD":
                cmd = [str(item) for item in value]
            else:
                entrypoint = [str(item) for item in value]
        elif instruction == "WORKDIR":
            working_dir = rest
        else:
            key, sep, value = rest.partition("=") if "=" in rest else rest.partition(" ")
            if instruction == "ENV":
                env = [entry for entry in env if entry.partition("=")[0] != key] + [f"{key}={value.strip()}"]
            else:
                labels[key.strip('"')] = value.strip().strip('"')
    return catalog.ImageConfig(cmd=tuple(cmd), env=tuple(env), working_dir=working_dir,
                               entrypoint=tuple(entrypoint) if entrypoint is not None else None,
                               labels=tuple(sorted(labels.items())))


def _committed_image(container, config: catalog.ImageConfig, comment: str, author: str) -> catalog.CatalogImage:
    """The parent image plus one layer holding the container's changes; digests follow from the content."""
    base = container.image
    layer = container.layer
    added_files = dict(base.added_files)
    added_dirs = set(base.added_dirs)
    removed = set(base.removed_paths)
    for path in layer.deleted:
        added_files.pop(path, None)
        added_dirs.discard(path)
        removed.add(path)
    added_files.update(layer.files)
    added_dirs |= layer.dirs
    removed -= set(layer.files) | layer.dirs
    fingerprint = hashlib.sha256(repr((base.index_digest, sorted(added_files.items()), sorted(added_dirs),
                                       sorted(removed), config, comment, author)).encode()).hexdigest()
    layer_size = layer.kept_bytes
    new_layer = catalog.Layer(digest=f"sha256:{hashlib.sha256(fingerprint.encode() + b'layer').hexdigest()}",
                              size=layer_size, diff_id=f"sha256:{hashlib.sha256(fingerprint.encode()).hexdigest()}")
    return dataclasses.replace(
        base,
        tags=(),
        index_digest=f"sha256:{fingerprint}",
        manifest_digest=f"sha256:{hashlib.sha256(fingerprint.encode() + b'manifest').hexdigest()}",
        config_digest=f"sha256:{hashlib.sha256(fingerprint.encode() + b'config').hexdigest()}",
        layers=(*base.layers, new_layer),
        size=base.size + layer_size,
        created=utc_now().isoformat().replace("+00:00", "Z"),
        config=config,
        parent=base.index_digest,
        added_files=tuple(sorted(added_files.items())),
        added_dirs=tuple(sorted(added_dirs)),
        removed_paths=tuple(sorted(removed)),
        created_by=" ".join(container.argv),
        comment=comment,
        author=author,
    )


ROUTES = [
    ("POST", r"/images/(?P<name>.+)/tag", tag),
    ("GET", r"/images/(?P<name>.+)/history", history),
    ("POST", r"/images/prune", prune),
    ("GET", r"/distribution/(?P<name>.+)/json", distribution),
    ("POST", r"/commit", commit),
]
