"""Pages and htmx fragments sent gzip-compressed to browsers that accept it.

Static files are compressed ahead of time (static_files.py); the HTML is made per request, and waitress does not
compress, so a page's own bytes are compressed here. Live streams (Server-Sent Events, streamed answers) are left
alone: compressing them would hold their events back.
"""

from __future__ import annotations

import gzip

from flask import Flask, Response, request

# Below this, the gzip header and the CPU cost more than they save.
MINIMUM_BYTES = 1024
LEVEL = 6


def compress_page(response: Response) -> Response:
    if (response.mimetype != "text/html" or response.is_streamed or response.direct_passthrough
            or "Content-Encoding" in response.headers or "gzip" not in request.accept_encodings):
        return response
    body = response.get_data()
    if len(body) < MINIMUM_BYTES:
        return response
    response.set_data(gzip.compress(body, LEVEL))
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response


def init_compressed_pages(app: Flask) -> None:
    app.after_request(compress_page)
