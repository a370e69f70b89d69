"""`docker save` and `docker load`: images as the tar archive Docker 29 writes (an OCI image layout with the
legacy manifest.json beside it).

Blobs are named by the digests the image carries; what they hold is the mock's own: the real JSON of the
manifest and config, the files a `docker commit` added for its layer, an empty tar for the catalog's layers
(their content is not simulated). `load` recognises the images it knows, by their config digest: the
catalog's and this sandbox's own.
"""

from __future__ import annotations

import dataclasses
import io
import json
import tarfile
from collections.abc import Iterator

from hellotrace.engine import catalog
from hellotrace.engine.api import Call, daemon_headers
from hellotrace.engine.http import Response
from hellotrace.engine.sandbox import StoredImage
from hellotrace.protocol.errors import EngineError, invalid_parameter
from hellotrace.protocol.jsonwire import encode_json
from hellotrace.protocol.reference import InvalidReference, parse_reference

MANIFEST = "application/vnd.oci.image.manifest.v1+json"
CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER = "application/vnd.oci.image.layer.v1.tar"


def _blob_name(digest: str) -> str:
    return "blobs/sha256/" + digest.removeprefix("sha256:")


def _config_json(image: catalog.CatalogImage) -> bytes:
    config: dict[str, object] = {"Env": list(image.config.env), "Cmd": list(image.config.cmd)}
    if image.config.entrypoint:
        config["Entrypoint"] = list(image.config.entrypoint)
    if image.config.working_dir:
        config["WorkingDir"] = image.config.working_dir
    if image.config.labels:
        config["Labels"] = dict(image.config.labels)
    return json.dumps({"architecture": image.architecture, "os": image.os, "created": image.created,
                       "config": config, "rootfs": {"type": "layers",
                                                    "diff_ids": [layer.diff_id for layer in image.layers]}},
                      separators=(",", ":")).encode()


def _layer_tar(image: catalog.CatalogImage, index: int) -> bytes:
    """The top layer of a committed image holds the files it added; the catalog's layers are not simulated."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        if image.parent and index == len(image.layers) - 1:
            for directory in image.added_dirs:
                info = tarfile.TarInfo(directory.lstrip("/"))
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                archive.addfile(info)
            for path, data in image.added_files:
                info = tarfile.TarInfo(path.lstrip("/"))
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
            for path in image.removed_paths:  # OCI whiteouts: an empty `.wh.<name>` beside what is gone
                head, _, name = path.rpartition("/")
                archive.addfile(tarfile.TarInfo(f"{head.lstrip('/')}/.wh.{name}".lstrip("/")), io.BytesIO(b""))
    return buffer.getvalue()


def save(call: Call) -> Response:
    names = call.request.args_all("names") or ([call.params["name"]] if call.params.get("name") else [])
    if not names:
        raise invalid_parameter("no images given to save")
    sandbox = call.sandbox
    with sandbox.cond:
        found = [(name, sandbox.find_image(name)) for name in names]
    files: dict[str, bytes] = {"oci-layout": b'{"imageLayoutVersion":"1.0.0"}'}
    index_entries, legacy = [], []
    for name, stored in found:
        image = stored.image
        config = _config_json(image)
        layers = [_layer_tar(image, i) for i in range(len(image.layers))]
        manifest = json.dumps({
            "schemaVersion": 2, "mediaType": MANIFEST,
            "config": {"mediaType": CONFIG, "digest": image.config_digest, "size": len(config)},
            "layers": [{"mediaType": LAYER, "digest": layer.digest, "size": len(data)}
                       for layer, data in zip(image.layers, layers, strict=True)],
        }, separators=(",", ":")).encode()
        files[_blob_name(image.config_digest)] = config
        files[_blob_name(image.manifest_digest)] = manifest
        for layer, data in zip(image.layers, layers, strict=True):
            files[_blob_name(layer.digest)] = data
        tags = [tag for tag in stored.tags if name in (tag, tag.rsplit(":", 1)[0])] or list(stored.tags)
        for tag in tags or [None]:
            annotations = {}
            if tag:
                ref = parse_reference(tag)
                annotations = {"io.containerd.image.name": ref.canonical, "org.opencontainers.image.ref.name": ref.tag}
            index_entries.append({"mediaType": MANIFEST, "digest": image.manifest_digest, "size": len(manifest),
                                  **({"annotations": annotations} if annotations else {})})
        legacy.append({"Config": _blob_name(image.config_digest), "RepoTags": tags,
                       "Layers": [_blob_name(layer.digest) for layer in image.layers]})
        sandbox.events.emit("image", "save", image.index_digest, {"name": tags[0] if tags else image.index_digest})
    files["index.json"] = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                                      "manifests": index_entries}, separators=(",", ":")).encode()
    files["manifest.json"] = json.dumps(legacy, separators=(",", ":")).encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for path in sorted(files):
            info = tarfile.TarInfo(path)
            info.size = len(files[path])
            archive.addfile(info, io.BytesIO(files[path]))
    return Response(200, daemon_headers([("Content-Type", "application/x-tar")]), buffer.getvalue())


def _rebuilt(archive: tarfile.TarFile, entry: dict, digest: str) -> catalog.CatalogImage | None:
    """A committed image from its blobs: a catalog image below, the files of the layers above it on top."""
    layer_names = [str(name) for name in entry.get("Layers") or []]
    digests = ["sha256:" + name.rsplit("/", 1)[-1] for name in layer_names]
    base = next((image for image in catalog.IMAGES if len(image.layers) < len(digests)
                 and [layer.digest for layer in image.layers] == digests[:len(image.layers)]), None)
    if base is None:
        return None
    files: dict[str, bytes] = {}
    dirs: set[str] = set()
    removed: set[str] = set()
    for name in layer_names[len(base.layers):]:
        with tarfile.open(fileobj=archive.extractfile(name), mode="r:*") as layer:
            for member in layer.getmembers():
                path = "/" + member.name.strip("/")
                head, _, leaf = path.rpartition("/")
                if leaf.startswith(".wh."):
                    removed.add(f"{head}/{leaf[4:]}")
                elif member.isdir():
                    dirs.add(path)
                elif member.isfile():
                    handle = layer.extractfile(member)
                    files[path] = handle.read() if handle else b""
    config_file = archive.extractfile(str(entry.get("Config")))
    document = json.loads(config_file.read() if config_file else b"{}")
    settings = document.get("config") or {}
    config = catalog.ImageConfig(
        cmd=tuple(settings.get("Cmd") or ()), env=tuple(settings.get("Env") or ()),
        working_dir=settings.get("WorkingDir") or "",
        entrypoint=tuple(settings["Entrypoint"]) if settings.get("Entrypoint") else None,
        labels=tuple(sorted((settings.get("Labels") or {}).items())))
    added = sum(len(data) for data in files.values())
    extra = [catalog.Layer(digest=d, size=added, diff_id=d) for d in digests[len(base.layers):]]
    return dataclasses.replace(
        base, tags=(), index_digest=digest, manifest_digest=digest, config_digest=digest,
        layers=(*base.layers, *extra), size=base.size + added,
        created=document.get("created") or base.created, config=config, parent=base.index_digest,
        added_files=tuple(sorted(files.items())), added_dirs=tuple(sorted(dirs)), removed_paths=tuple(sorted(removed)),
        created_by="docker load", comment="")


def load(call: Call) -> Response:
    """Each image of manifest.json, matched by its config digest, or rebuilt from its layers when it was
    committed elsewhere; one `Loaded image:` line per tag."""
    try:
        archive = tarfile.open(fileobj=io.BytesIO(call.request.body), mode="r:*")
        handle = archive.extractfile(archive.getmember("manifest.json"))
        legacy = json.loads(handle.read() if handle else b"[]")
    except (tarfile.TarError, KeyError, ValueError):
        raise invalid_parameter("invalid archive: no manifest.json, or not a tar of docker save") from None
    sandbox = call.sandbox
    lines: list[bytes] = []
    with sandbox.cond:
        candidates = [stored.image for stored in sandbox.images.values()] + list(catalog.IMAGES)
        for entry in legacy if isinstance(legacy, list) else []:
            digest = "sha256:" + str(entry.get("Config", "")).rsplit("/", 1)[-1].removesuffix(".json")
            tags = {str(tag).rsplit(":", 1)[-1] for tag in entry.get("RepoTags") or []}
            matching = [image for image in candidates if image.config_digest == digest]
            # Indexes of one repository may share a config: the one that carries the saved tag is meant.
            image = next((i for i in matching if tags & set(i.tags)), matching[0] if matching else None)
            if image is None:
                try:
                    image = _rebuilt(archive, entry, digest)
                except (tarfile.TarError, KeyError, ValueError):
                    raise invalid_parameter("invalid archive: a layer or config named in manifest.json is "
                                            "missing or unreadable") from None
            if image is None:
                    raise EngineError(501, "the mock engine does not implement loading images that are not built on "
                                       "hello-world, alpine or busybox as its catalog has them")
            stored = sandbox.images.get(image.index_digest) or StoredImage(image)
            sandbox.images[image.index_digest] = stored
            for tag in entry.get("RepoTags") or []:
                try:
                    familiar = parse_reference(tag).familiar
                except InvalidReference:
                    continue
                for other in sandbox.images.values():
                    if other is not stored and familiar in other.tags:
                        other.tags.remove(familiar)
                if familiar not in stored.tags:
                    stored.tags.append(familiar)
                lines.append(encode_json({"stream": f"Loaded image: {familiar}\n"}))
            if not entry.get("RepoTags"):
                lines.append(encode_json({"stream": f"Loaded image ID: {image.index_digest}\n"}))
            sandbox.events.emit("image", "load", image.index_digest, {"name": image.index_digest})
        sandbox.cond.notify_all()

    def body() -> Iterator[bytes]:
        yield from lines

    return Response(200, daemon_headers([("Content-Type", "application/json")]), body())


ROUTES = [
    ("GET", r"/images/get", save),
    ("GET", r"/images/(?P<name>.+)/get", save),
    ("POST", r"/images/load", load),
]
