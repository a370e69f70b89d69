"""The replay page's weight, checked on every run of the suite rather than only by bench/page_weight_bench.py.

The bench measures a first visit in Chromium (every byte transferred, heads included) against 40 KB, and a repeat
visit (the HTML alone, every static file cached) against 12 KB. Here the same sum is made without a browser: the
page and each file it links (style sheets, scripts, the icon), as compressed as a browser accepts them, with
their heads as the site writes them. It comes within about 1 % of Chromium's count, and it catches what grew the
first visit past its target once: a script every page loaded that only a class's pages use.
"""

from __future__ import annotations

import gzip
import re
import sys
from pathlib import Path

import pytest

# The bench's own targets: one place says them. Its folder is not a package (its scripts import one another).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from page_weight_bench import FIRST_VISIT_BYTES, REPEAT_VISIT_BYTES  # noqa: E402

BROWSER = {"Accept": "text/html,application/xhtml+xml", "Accept-Encoding": "gzip, deflate, br, zstd"}
LINKED = re.compile(r'<(?:link[^>]+href|script[^>]+src)="(/static/[^"]+)"')


def transferred(response) -> int:
    """The body as sent (compressed) and its head: status line, fields, the blank line."""
    head = len(f"HTTP/1.1 {response.status}\r\n") + 2
    head += sum(len(f"{name}: {value}\r\n") for name, value in response.headers.items())
    return head + len(response.get_data())


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_replay_pages_first_visit_stays_within_its_weight(client, lang):
    page = client.get(f"/{lang}/replay", headers=BROWSER)
    assert page.status_code == 200 and page.headers["Content-Encoding"] == "gzip"
    html = gzip.decompress(page.get_data()).decode()
    linked = LINKED.findall(html)
    assert any("/htmx-" in url for url in linked) and any("/site." in url for url in linked), linked
    files = [client.get(url, headers=BROWSER) for url in linked]
    assert all(answer.status_code == 200 for answer in files), linked
    first_visit = transferred(page) + sum(transferred(answer) for answer in files)
    assert first_visit <= FIRST_VISIT_BYTES, f"{first_visit} bytes: {linked}"
    assert transferred(page) <= REPEAT_VISIT_BYTES
