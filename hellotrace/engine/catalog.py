"""The simulated registry: which images the mock daemon can "pull", and how a pull reports progress.

Only Docker Hub's ``hello-world``, ``alpine`` and ``busybox`` exist, each for linux/amd64.
Sizes, creation dates, image configs and releases follow docker-library's published data
(repo-info, autumn 2026). Digests are real only for ``hello-world:latest`` (the snapshot in
engine-api-notes §6); every other digest is *derived*: the sha256 of a descriptive string
(see ``_derived_digest``), so it looks like a registry digest, never changes, and is not
Docker Hub's. The pull progress and error texts are those of Docker Engine 29 with the
containerd image store (``daemon/containerd/image_pull.go``, ``progress.go``).
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from typing import Any

from hellotrace.protocol.reference import DEFAULT_DOMAIN, ImageReference

DEFAULT_PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# A pull is paced like the daemon's progress poller (a 100 ms ticker) over a ~3.75 MiB/s
# link, reading the body in Go's 32 KiB copy buffers: 12 buffers per tick.
_TICK_SECONDS = 0.1
_BYTES_PER_TICK = 12 * 32 * 1024
_RESOLVE_SECONDS = 0.35  # token, HEAD of the tag, then the index and the manifest
_UNPACK_BYTES_PER_TICK = 4 * 1024 * 1024

ProgressMessage = dict[str, Any]


class PullError(Exception):
    """A pull the registry or the daemon refuses; ``status`` is the HTTP status the API sends."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Layer:
    """One filesystem layer: ``digest`` and ``size`` as downloaded (gzip), ``diff_id`` unpacked."""

    digest: str
    size: int
    diff_id: str

    @property
    def short_id(self) -> str:
        """The 12 hex digits the pull progress uses as the layer's ``id``."""
        return self.digest.split(":", 1)[1][:12]


@dataclass(frozen=True)
class ImageConfig:
    """The runtime defaults an image carries, as Docker Hub serves them in its config blob."""

    cmd: tuple[str, ...]
    env: tuple[str, ...]
    working_dir: str
    entrypoint: tuple[str, ...] | None = None
    labels: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class CatalogImage:
    """One image of the simulated registry, as a tag (or digest) resolves to it for linux/amd64.

    ``index_digest`` is the repository-level digest: the ``Digest:`` of a pull, the image
    ``Id`` with the containerd store, and the ``RepoDigests`` entry. Tags listed in ``tags``
    share it; tags of other indexes may still share the manifest, config and layers.
    ``size`` is the unpacked size of the layers. ``release`` names the software inside
    (Alpine 3.24.2, BusyBox 1.38.0, …) and ``variant`` the BusyBox C library.
    """

    repository: str
    tags: tuple[str, ...]
    index_digest: str
    manifest_digest: str
    config_digest: str
    layers: tuple[Layer, ...]
    size: int
    created: str
    config: ImageConfig
    release: str
    variant: str = ""
    architecture: str = "amd64"
    os: str = "linux"
    # An image made here by `docker commit`: the image it was made from, the container's changes on top of
    # it (files and directories added, paths removed), and what `docker history` says of the new layer.
    parent: str = ""
    added_files: tuple[tuple[str, bytes], ...] = ()
    added_dirs: tuple[str, ...] = ()
    removed_paths: tuple[str, ...] = ()
    created_by: str = ""
    comment: str = ""
    author: str = ""

    @property
    def download_size(self) -> int:
        """Bytes a pull transfers for the layers (what ``docker pull`` shows as progress)."""
        return sum(layer.size for layer in self.layers)


def _derived_digest(label: str) -> str:
    """A stable, realistic-looking digest for data the simulation has no real digest for."""
    return "sha256:" + hashlib.sha256(f"hellotrace simulated registry: {label}".encode()).hexdigest()


def _image_family(
    repository: str,
    release: str,
    variant: str,
    *,
    tag_groups: tuple[tuple[str, ...], ...],
    layer_size: int,
    size: int,
    created: str,
    config: ImageConfig,
) -> tuple[CatalogImage, ...]:
    """One platform image, published under several indexes (one per group of tags)."""
    build = " ".join(part for part in (repository, release, variant, "linux/amd64") if part)
    layer = Layer(
        _derived_digest(f"{build} layer"), layer_size, _derived_digest(f"{build} diff")
    )
    return tuple(
        CatalogImage(
            repository=repository,
            tags=tags,
            index_digest=_derived_digest(f"{repository} index {tags[0]}"),
            manifest_digest=_derived_digest(f"{build} manifest"),
            config_digest=_derived_digest(f"{build} config"),
            layers=(layer,),
            size=size,
            created=created,
            config=config,
            release=release,
            variant=variant,
        )
        for tags in tag_groups
    )


_HELLO_CONFIG = ImageConfig(cmd=("/hello",), env=(DEFAULT_PATH_ENV,), working_dir="/")
_ALPINE_CONFIG = ImageConfig(cmd=("/bin/sh",), env=(DEFAULT_PATH_ENV,), working_dir="/")
_BUSYBOX_CONFIG = ImageConfig(cmd=("sh",), env=(DEFAULT_PATH_ENV,), working_dir="")

# hello-world:latest for linux/amd64, real (engine-api-notes §6). Only its diff_id is derived.
_HELLO_LAYER = Layer(
    "sha256:4f55086f7dd096d48b0e49be066971a8ed996521c2e190aa21b2435a847198b4",
    2415,
    _derived_digest("library/hello-world linux/amd64 diff"),
)
_HELLO_LATEST = CatalogImage(
    repository="library/hello-world",
    tags=("latest",),
    index_digest="sha256:5e23090353324d887c48ad5e5c56d294eab81588df9605b07d1afe895f9cc8f8",
    manifest_digest="sha256:d1a8d0a4eeb63aff09f5f34d4d80505e0ba81905f36158cc3970d8e07179e59e",
    config_digest="sha256:e2ac70e7319a02c5a477f5825259bd118b94e8b02c279c67afa63adab6d8685b",
    layers=(_HELLO_LAYER,),
    size=10072,
    created="2026-03-23T21:33:59Z",
    config=_HELLO_CONFIG,
    release="hello-world",
)

IMAGES: tuple[CatalogImage, ...] = (
    _HELLO_LATEST,
    # "linux" lists only the Linux platforms, "latest" Windows ones too: same image, other index.
    dataclasses.replace(
        _HELLO_LATEST, tags=("linux",), index_digest=_derived_digest("library/hello-world index linux")
    ),
    *_image_family(
        "library/alpine", "3.24.2", "",
        tag_groups=(("latest", "3", "3.24", "3.24.2"),),
        layer_size=3849738, size=8613452, created="2026-09-17T20:37:20Z", config=_ALPINE_CONFIG,
    ),
    *_image_family(
        "library/alpine", "3.23.6", "",
        tag_groups=(("3.23", "3.23.6"),),
        layer_size=3848507, size=8611830, created="2026-09-17T20:37:33Z", config=_ALPINE_CONFIG,
    ),
    *_image_family(
        "library/alpine", "3.22.6", "",
        tag_groups=(("3.22", "3.22.6"),),
        layer_size=3792075, size=8458971, created="2026-09-17T20:37:44Z", config=_ALPINE_CONFIG,
    ),
    *_image_family(
        "library/alpine", "3.21.8", "",
        tag_groups=(("3.21", "3.21.8"),),
        layer_size=3626020, size=7834216, created="2026-09-17T20:38:22Z", config=_ALPINE_CONFIG,
    ),
    *_image_family(
        "library/alpine", "3.25_alpha20260805", "",
        tag_groups=(("edge", "20260805"),),
        layer_size=3852077, size=8624390, created="2026-08-06T18:11:32Z", config=_ALPINE_CONFIG,
    ),
    # On amd64 "latest" is the glibc build; the per-libc tags have their own indexes.
    *_image_family(
        "library/busybox", "1.38.0", "glibc",
        tag_groups=(("latest", "1", "1.38", "1.38.0"), ("glibc", "1-glibc", "1.38-glibc", "1.38.0-glibc")),
        layer_size=2226327, size=4452962, created="2026-05-13T02:21:49Z", config=_BUSYBOX_CONFIG,
    ),
    *_image_family(
        "library/busybox", "1.38.0", "musl",
        tag_groups=(("musl", "1-musl", "1.38-musl", "1.38.0-musl"),),
        layer_size=886160, size=1468305, created="2026-05-13T02:21:49Z", config=_BUSYBOX_CONFIG,
    ),
    *_image_family(
        "library/busybox", "1.38.0", "uclibc",
        tag_groups=(("uclibc", "1-uclibc", "1.38-uclibc", "1.38.0-uclibc"),),
        layer_size=1007412, size=1224573, created="2026-05-13T02:21:49Z", config=_BUSYBOX_CONFIG,
    ),
    *_image_family(
        "library/busybox", "1.37.0", "glibc",
        tag_groups=(("1.37", "1.37.0"),),
        layer_size=2215961, size=4431808, created="2024-09-26T21:31:42Z", config=_BUSYBOX_CONFIG,
    ),
    *_image_family(
        "library/busybox", "1.36.1", "glibc",
        tag_groups=(("1.36", "1.36.1"),),
        layer_size=2152262, size=4261550, created="2023-05-18T22:34:17Z", config=_BUSYBOX_CONFIG,
    ),
)

_RESERVED_NAME = "scratch"


def resolve(ref: ImageReference) -> CatalogImage:
    """The image a tagged or digested reference names, or the daemon's error for it.

    A digest may be an index digest (any repository tag) or a platform manifest digest; the
    latter gives the image with that manifest as its target, as containerd records it.
    """
    candidates = _repository_images(ref)
    if ref.digest is not None:
        for image in candidates:
            if image.index_digest == ref.digest:
                return image
            if image.manifest_digest == ref.digest:
                return dataclasses.replace(image, tags=(), index_digest=image.manifest_digest)
    elif ref.tag is not None:
        for image in candidates:
            if ref.tag in image.tags:
                return image
    else:
        raise ValueError("a name-only reference names every tag: use resolve_all_tags()")
    # containerd's resolver: "<ref>: not found" (errdefs.NotFound -> 404).
    raise PullError(404, f"{ref.canonical}: not found")


def resolve_all_tags(ref: ImageReference) -> list[tuple[ImageReference, CatalogImage]]:
    """Every tag of a repository with its image, in the registry's (sorted) order.

    This is what a pull with an empty ``tag`` does: the daemon lists the tags, then pulls
    them one after the other, each with its own progress messages.
    """
    images = _repository_images(ref)
    pairs = [
        (ImageReference(ref.domain, ref.path, tag, None), image)
        for image in images
        for tag in image.tags
    ]
    return sorted(pairs, key=lambda pair: pair[0].tag or "")


def repository_names() -> tuple[str, ...]:
    """The repositories the mock registry holds, as `docker pull` names them ("alpine", "hello-world")."""
    return tuple(sorted({ImageReference(DEFAULT_DOMAIN, image.repository, None, None).familiar_name
                         for image in IMAGES}))


def repository_tags(path: str) -> tuple[str, ...]:
    """The tags the mock registry holds for a repository (`library/alpine`), in order; none for one it lacks."""
    return tuple(sorted({tag for image in IMAGES if image.repository == path for tag in image.tags}))


def _repository_images(ref: ImageReference) -> list[CatalogImage]:
    if ref.familiar_name == _RESERVED_NAME:
        raise PullError(403, f"'{_RESERVED_NAME}' is a reserved name")
    images = [image for image in IMAGES if image.repository == ref.path]
    # Docker Hub answers "unauthorized" for a repository that does not exist; the daemon
    # turns that into this NotFound. Other registries are not simulated: same answer.
    if ref.domain != DEFAULT_DOMAIN or not images:
        raise PullError(
            404,
            f"pull access denied for {ref.familiar_name}, repository does not exist "
            "or may require 'docker login'",
        )
    return images


def progress_messages(
    image: CatalogImage,
    reference: ImageReference,
    *,
    layers_present: bool = False,
    up_to_date: bool = False,
) -> list[tuple[ProgressMessage, float]]:
    """The JSON messages of one pull, each with the pause (seconds) to make *before* sending it.

    ``reference`` is what was asked for (a tag, a digest, or both). ``layers_present``: the
    store already holds this image's content (another tag pulled it), so the daemon shows no
    layer lines. ``up_to_date``: the reference already names this very image locally, so the
    last line says "Image is up to date" (and no layer lines either). Keys are in Docker's
    order: ``status``, ``progressDetail``, ``id``. Encode each with compact separators and
    end it with ``\\r\\n``.
    """
    pulling_id = reference.tag if reference.tag is not None else reference.canonical
    messages: list[tuple[ProgressMessage, float]] = [
        ({"status": f"Pulling from {reference.repository_path}", "id": pulling_id}, _RESOLVE_SECONDS)
    ]
    if not (layers_present or up_to_date):
        messages += _layer_messages(image)
    status = "Image is up to date for" if up_to_date else "Downloaded newer image for"
    messages.append(({"status": f"Digest: {image.index_digest}"}, _TICK_SECONDS / 2))
    messages.append(({"status": f"Status: {status} {reference.familiar}"}, 0.0))
    return messages


def _layer_messages(image: CatalogImage) -> list[tuple[ProgressMessage, float]]:
    """Layer lines as the containerd store's 100 ms poller reports them."""
    messages: list[tuple[ProgressMessage, float]] = [
        (_layer_update(layer, "Pulling fs layer", {}), _TICK_SECONDS / 2) for layer in image.layers
    ]
    unpack_ticks = 1 + image.size // len(image.layers) // _UNPACK_BYTES_PER_TICK
    for layer in image.layers:
        offsets = [*range(_BYTES_PER_TICK, layer.size, _BYTES_PER_TICK), layer.size]
        messages += [
            (_layer_update(layer, "Downloading", {"current": offset, "total": layer.size}), _TICK_SECONDS)
            for offset in offsets
        ]
        messages += [
            (_layer_update(layer, "Download complete", {"hidecounts": True}), _TICK_SECONDS),
            (_layer_update(layer, "Extracting", {"current": 1, "units": "s"}), _TICK_SECONDS),
            (_layer_update(layer, "Pull complete", {"hidecounts": True}), round(_TICK_SECONDS * unpack_ticks, 3)),
        ]
    return messages


def _layer_update(layer: Layer, status: str, detail: dict[str, Any]) -> ProgressMessage:
    return {"status": status, "progressDetail": detail, "id": layer.short_id}
