"""A sandbox's volumes, as metadata: created by `docker volume create` or by a named volume in `-v`.

The mock keeps a volume's name, driver, labels and options and which containers mount it; the files of a
volume are not shared between containers (each container's writes stay in its own layer).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from hellotrace.engine.containers import utc_now

VOLUME_NAME = r"^[a-zA-Z0-9][a-zA-Z0-9_.-]+$"


@dataclass
class Volume:
    name: str
    driver: str = "local"
    labels: dict[str, str] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)
    created: datetime = field(default_factory=utc_now)
    anonymous: bool = False

    @property
    def mountpoint(self) -> str:
        return f"/var/lib/docker/volumes/{self.name}/_data"

    def body(self, usage: dict | None = None) -> dict:
        created = self.created.astimezone().replace(microsecond=0).isoformat()
        body: dict = {"CreatedAt": created, "Driver": self.driver, "Labels": dict(self.labels) or None,
                      "Mountpoint": self.mountpoint, "Name": self.name, "Options": dict(self.options) or None,
                      "Scope": "local"}
        if usage is not None:
            body["UsageData"] = usage
        return body

    @property
    def kept_bytes(self) -> int:
        return 128 + len(self.name) + sum(len(k) + len(v) for k, v in (*self.labels.items(), *self.options.items()))
