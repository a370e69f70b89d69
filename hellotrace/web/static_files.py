"""Static files served light: compressed (brotli and gzip), under content-hashed names, cached for a year.

At start-up the static folder is copied once into a build folder (instance/static/<digest of everything>/)
where each file also exists as `name.<hash>.ext` with its `.br` and `.gz` beside it. `url_for('static', …)`
gives the hashed name, which WhiteNoise serves with `Cache-Control: max-age=31536000, immutable` and the
encoding the browser accepts: a changed file gets a new URL, so a year of caching never serves a stale one.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from pathlib import Path

from flask import Flask
from werkzeug.exceptions import SecurityError
from werkzeug.wsgi import get_host
from whitenoise import WhiteNoise
from whitenoise.compress import Compressor

from hellotrace.web.security_headers import HEADERS as SECURITY_HEADERS

HASHED = re.compile(r"\.[0-9a-f]{12}\.[A-Za-z0-9]+$")
SKIPPED = (".br", ".gz")


class StaticManifest:
    """Each static file's hashed name, from its content."""

    def __init__(self, source: Path) -> None:
        self.source = source
        self.names: dict[str, str] = {}
        digest = hashlib.sha256()
        for path in sorted(source.rglob("*")):
            if not path.is_file() or path.name.endswith(SKIPPED) or path.name.startswith("."):
                continue
            relative = path.relative_to(source).as_posix()
            content_hash = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            stem, dot, extension = relative.rpartition(".")
            self.names[relative] = f"{stem}.{content_hash}.{extension}" if dot else f"{relative}.{content_hash}"
            digest.update(f"{relative}:{content_hash}\n".encode())
        self.digest = digest.hexdigest()[:16]

    def build(self, parent: Path) -> Path:
        """The build folder for this content, made once (atomically: concurrent starts may race)."""
        target = parent / self.digest
        if target.is_dir():
            return target
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".building-", dir=parent))
        compressor = Compressor(quiet=True)
        for relative, hashed in self.names.items():
            for name in (relative, hashed):
                destination = staging / name
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(self.source / relative, destination)
                if compressor.should_compress(name):
                    for _ in compressor.compress(str(destination)):
                        pass
        try:
            os.rename(staging, target)
        except OSError:  # another process built it first
            shutil.rmtree(staging, ignore_errors=True)
        return target


class SiteStatic(WhiteNoise):
    """WhiteNoise under the site's own rules: it answers only to trusted Host names (the site itself answers
    the others, with its 400 page), and its answers carry the site's security headers."""

    def __init__(self, app: Flask, root: Path) -> None:
        super().__init__(
            app.wsgi_app, root=str(root), prefix=app.static_url_path, max_age=60,
            immutable_file_test=lambda path, url: bool(HASHED.search(url)),
            add_headers_function=_add_security_headers,
        )
        self.site = app

    def __call__(self, environ: dict, start_response):  # noqa: ANN204 - the WSGI signature
        try:
            get_host(environ, self.site.config.get("TRUSTED_HOSTS"))
        except SecurityError:
            return self.application(environ, start_response)
        return super().__call__(environ, start_response)


def _add_security_headers(headers, path: str, url: str) -> None:  # noqa: ANN001 - wsgiref's Headers
    for name, value in SECURITY_HEADERS.items():
        headers[name] = value


def init_static(app: Flask) -> None:
    """Serve the static folder through WhiteNoise, and make `url_for('static', …)` give hashed names."""
    assert app.static_folder is not None
    manifest = StaticManifest(Path(app.static_folder))
    try:
        root = manifest.build(Path(app.instance_path) / "static")
    except OSError:
        # A read-only checkout: build beside the other temporary files instead.
        root = manifest.build(Path(tempfile.gettempdir()) / f"hellotrace-static-{os.getuid()}")
    app.wsgi_app = SiteStatic(app, root)  # type: ignore[method-assign]

    @app.url_defaults
    def hashed_static_name(endpoint: str, values: dict) -> None:
        if endpoint == "static" and values.get("filename") in manifest.names:
            values["filename"] = manifest.names[values["filename"]]
