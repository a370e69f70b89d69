"""The site's secret key, kept in the instance folder so that sessions (and a teacher's or learner's place)
survive a restart."""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

FILE_NAME = "secret_key"


def load_or_create_secret_key(instance_path: str | os.PathLike[str]) -> str:
    """The key in `instance_path/secret_key`, written on first start readable by its owner only (0600).
    Created with O_EXCL so that two processes starting together agree on one key."""
    folder = Path(instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / FILE_NAME
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read(path)
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w", encoding="ascii") as file:
        file.write(key + "\n")
    return key


def _read(path: Path) -> str:
    # Another process may have just created the file and not written it yet: give it a moment.
    for _ in range(50):
        key = path.read_text(encoding="ascii").strip()
        if len(key) >= 32:
            return key
        time.sleep(0.02)
    raise ValueError(f"the secret key in {path} is too short; remove the file to get a new one")
