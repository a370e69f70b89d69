"""A container's files: the image's, seen through the container's own writable layer.

The image part is read-only and known only as far as the simulation models it (programs, a few files whose
content is simulated, files that exist with content not simulated, directories). The `Layer` holds what the
container's processes and `docker cp` wrote, created or removed, the way overlayfs keeps an upper directory
with whiteouts; `changes` is what `docker diff` reports and `tar_of` what `docker cp` and `docker export` send.
"""

from __future__ import annotations

import io
import posixpath
import tarfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

DIR_MODE = 0o755
FILE_MODE = 0o644
PROGRAM_MODE = 0o755


class ImageTree(Protocol):
    """What the simulation knows of an image's filesystem."""

    files: dict[str, bytes]

    def kind(self, path: str) -> str | None: ...

    def paths(self) -> Iterable[str]: ...

    def listable(self, path: str) -> bool: ...


class Budget(Protocol):
    """Where a layer's bytes are charged (the sandbox's ByteBudget)."""

    def try_charge(self, size: int) -> bool: ...

    def release(self, size: int) -> None: ...


class NoSpace(OSError):
    """The sandbox's byte budget refused a write: ENOSPC for the process."""


@dataclass
class Layer:
    """The container's upper layer: written files, created directories, and image paths it deleted.

    Every byte it holds is charged to `budget` (the sandbox's) as it is written and given back when it goes.
    """

    files: dict[str, bytes] = field(default_factory=dict)
    dirs: set[str] = field(default_factory=set)
    deleted: set[str] = field(default_factory=set)
    mtimes: dict[str, float] = field(default_factory=dict)
    budget: Budget | None = None
    charged: int = 0

    def settle(self) -> None:
        """Charge (or give back) the difference between what is held and what was charged; NoSpace when the
        budget refuses."""
        delta = self.kept_bytes - self.charged
        if self.budget is None or delta == 0:
            self.charged += delta
            return
        if delta < 0:
            self.budget.release(-delta)
        elif not self.budget.try_charge(delta):
            raise NoSpace("No space left on device")
        self.charged += delta

    def release_all(self) -> None:
        if self.budget is not None and self.charged:
            self.budget.release(self.charged)
        self.charged = 0

    @property
    def kept_bytes(self) -> int:
        """Bytes held, for the sandbox's byte budget."""
        return (sum(len(path) + len(data) for path, data in self.files.items())
                + sum(len(path) for path in (*self.dirs, *self.deleted)))


def parent(path: str) -> str:
    return posixpath.dirname(path) or "/"


class FileSystem:
    """The merged view a process sees (image below, layer above)."""

    def __init__(self, image: ImageTree, layer: Layer) -> None:
        self.image = image
        self.layer = layer

    def _hidden(self, path: str) -> bool:
        """Removed from the image: the path itself or a directory above it."""
        probe = path
        while True:
            if probe in self.layer.deleted:
                return True
            if probe == "/":
                return False
            probe = parent(probe)

    def kind(self, path: str) -> str | None:
        """"dir", "file", "program" or None."""
        if path in self.layer.files:
            return "file"
        if path in self.layer.dirs:
            return "dir"
        if self._hidden(path):
            return None
        return self.image.kind(path)

    def read(self, path: str) -> bytes | None:
        """A regular file's content; None when the file exists but its content is not simulated."""
        if path in self.layer.files:
            return self.layer.files[path]
        return self.image.files.get(path)

    def listable(self, path: str) -> bool:
        """Whether every entry of this directory is known (else `ls` of it is not simulated)."""
        return path in self.layer.dirs or self.image.listable(path)

    def children(self, path: str) -> list[str]:
        prefix = path.rstrip("/") + "/"
        names = set()
        for candidate in (*self.image.paths(), *self.layer.files, *self.layer.dirs):
            if candidate.startswith(prefix) and candidate != path:
                rest = candidate[len(prefix):]
                if rest and "/" not in rest and self.kind(candidate) is not None:
                    names.add(rest)
        return sorted(names)

    def write(self, path: str, data: bytes, append: bool = False) -> None:
        """Write a file; NoSpace (and nothing written) when the sandbox's budget has no room for it."""
        previous = self.layer.files.get(path)
        if append:
            data = (self.read(path) or b"") + data
        self.layer.files[path] = data
        try:
            self.layer.settle()
        except NoSpace:
            if previous is None:
                del self.layer.files[path]
            else:
                self.layer.files[path] = previous
            raise
        self.layer.deleted.discard(path)
        self.layer.mtimes[path] = time.time()
        self._touch_parent(path)

    def mkdir(self, path: str) -> None:
        self.layer.dirs.add(path)
        try:
            self.layer.settle()
        except NoSpace:
            self.layer.dirs.discard(path)
            raise
        self.layer.deleted.discard(path)
        self.layer.mtimes[path] = time.time()
        self._touch_parent(path)

    def remove(self, path: str) -> None:
        """Remove a file or a whole directory."""
        prefix = path.rstrip("/") + "/"
        for table in (self.layer.files, self.layer.mtimes):
            for key in [k for k in table if k == path or k.startswith(prefix)]:
                del table[key]
        self.layer.dirs = {d for d in self.layer.dirs if d != path and not d.startswith(prefix)}
        if self.image.kind(path) is not None:
            self.layer.deleted.add(path)
        self._touch_parent(path)
        self.layer.settle()

    def _touch_parent(self, path: str) -> None:
        self.layer.mtimes[parent(path)] = time.time()

    def changes(self) -> list[tuple[str, str]]:
        """`docker diff`: (kind, path) with kind A (added), C (changed) or D (deleted), sorted by path; a
        directory holding a change is itself changed."""
        found: dict[str, str] = {}
        for path in self.layer.deleted:
            found[path] = "D"
        for path in (*self.layer.files, *self.layer.dirs):
            found[path] = "C" if self.image.kind(path) is not None else "A"
        for path in list(found):
            probe = parent(path)
            while probe != "/" and probe not in found:
                found[probe] = "C"
                probe = parent(probe)
        return sorted(((kind, path) for path, kind in found.items()), key=lambda item: item[1])

    def stat(self, path: str) -> dict[str, object] | None:
        """What the archive endpoints put in X-Docker-Container-Path-Stat."""
        kind = self.kind(path)
        if kind is None:
            return None
        is_dir = kind == "dir"
        data = self.read(path) or b""
        mode = (0o20000000000 | DIR_MODE) if is_dir else (PROGRAM_MODE if kind == "program" else FILE_MODE)
        mtime = self.layer.mtimes.get(path, 0.0)
        return {"name": posixpath.basename(path) or "/", "size": 4096 if is_dir else len(data), "mode": mode,
                "mtime": _rfc3339(mtime), "linkTarget": ""}

    def tar_of(self, path: str, name: str | None = None) -> bytes:
        """A tar of `path` (a file, or a directory and what it holds), entries named from `name` down."""
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
            self._add(archive, path, name if name is not None else posixpath.basename(path))
        return buffer.getvalue()

    def _add(self, archive: tarfile.TarFile, path: str, name: str) -> None:
        kind = self.kind(path)
        info = tarfile.TarInfo(name)
        info.mtime = int(self.layer.mtimes.get(path, 0.0))
        if kind == "dir":
            info.type, info.mode = tarfile.DIRTYPE, DIR_MODE
            if name:  # an export lists what / holds, not / itself
                archive.addfile(info)
            for child in self.children(path):
                self._add(archive, posixpath.join(path, child), posixpath.join(name, child) if name else child)
            return
        data = self.read(path) or b""
        info.size, info.mode = len(data), PROGRAM_MODE if kind == "program" else FILE_MODE
        archive.addfile(info, io.BytesIO(data))

    def extract(self, directory: str, archive_bytes: bytes) -> None:
        """Unpack a tar into `directory` (PUT /archive): regular files and directories; links are refused."""
        with tarfile.open(fileobj=io.BytesIO(archive_bytes), mode="r:*") as archive:
            for member in archive.getmembers():
                target = posixpath.normpath(posixpath.join(directory, member.name))
                if not (target == directory or target.startswith(directory.rstrip("/") + "/")):
                    raise ValueError(f"invalid path in archive: {member.name}")
                if member.isdir():
                    self.mkdir(target)
                elif member.isfile():
                    handle = archive.extractfile(member)
                    self.write(target, handle.read() if handle else b"")
                else:
                    raise ValueError(f"{member.name}: only files and directories can be copied into the mock")


def _rfc3339(moment: float) -> str:
    seconds = time.gmtime(moment)
    return time.strftime("%Y-%m-%dT%H:%M:%S", seconds) + "Z"
