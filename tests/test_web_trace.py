"""The trace page's HAR import: a file is drawn on the stage, and anything else is refused with a reason
in the reader's language, changing nothing."""

from __future__ import annotations

import html
import io
import re

import pytest

from hellotrace.docker_host import parse_docker_host
from hellotrace.har import MAX_IMPORT_BYTES, build_har
from hellotrace.tracing import Exchange, Timings
from tests.conftest import site_app
from tests.test_har import entry, minimal


def upload(client, lang: str, data: bytes, name: str = "run.har"):
    return client.post(f"/{lang}/trace/import", data={"har": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_page_offers_the_import_form(client, lang):
    html = client.get(f"/{lang}/trace").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html and 'name="har"' in html
    assert f'href="/{lang}/trace"' in html  # in the site's menu


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_an_exported_replay_is_drawn_on_the_stage(client, lang):
    client.post(f"/{lang}/replay/run", data={"step": "all", "sequence": "cli"})
    har = client.get(f"/{lang}/replay/export.har").data
    answer = upload(client, lang, har, "hello <world>.har")
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    arrows = re.findall(r'<a class="arrow[^"]*" data-exchange="(\d+)" href="#har-(\d+)"', html)
    assert len(arrows) == 7 and all(a == b for a, b in arrows)
    assert len(re.findall(r'<details class="exchange[^"]*" id="har-\d+"', html)) == 7
    assert "hello &lt;world&gt;.har" in html and "<world>" not in html
    assert "101" in html and "UPGRADED" in html


@pytest.mark.parametrize(
    ("data", "en", "fr"),
    [
        (b"<html></html>", "is not JSON text", "n'est pas du texte JSON"),
        (b'{"log": {}}', "is JSON but not HAR", "pas du HAR"),
        (b'{"log": {"version": "1.2", "entries": [{"request": 1}]}}', "Entry 1 of", "L'entrée 1 de"),
        (b"", "is empty", "est vide"),
    ],
)
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_bad_file_gets_a_clear_error(client, lang, data, en, fr):
    answer = upload(client, lang, data)
    assert answer.status_code == 400
    html = answer.get_data(as_text=True).replace("&#39;", "'")
    assert (en if lang == "en" else fr) in html
    assert 'role="alert"' in html and "Traceback" not in html
    assert "data-exchange" not in html


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_file_too_big_or_missing_is_refused(client, lang):
    for size, status in ((MAX_IMPORT_BYTES + 1, 400), (MAX_IMPORT_BYTES + 128 * 1024, 413)):
        big = upload(client, lang, b" " * size)
        assert big.status_code == status  # refused by the view, or by the site's request limit before it
        assert ("too big" if lang == "en" else "trop gros") in big.get_data(as_text=True)
        assert 'name="har"' in big.get_data(as_text=True)
    missing = client.post(f"/{lang}/trace/import", data={}, content_type="multipart/form-data")
    assert missing.status_code == 400
    assert ("No file was sent" if lang == "en" else "Aucun fichier") in missing.get_data(as_text=True)


def test_a_long_sessions_export_is_read_back(client):
    """A trace page's export after a dozen commands passes the other forms' 256 KiB: the import takes it."""
    padded = entry(content={"size": 300_000, "mimeType": "text/plain", "text": "x" * 300_000}, bodySize=300_000)
    data = minimal([entry(), padded])
    assert 256 * 1024 < len(data) < MAX_IMPORT_BYTES
    answer = upload(client, "en", data)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    assert len(re.findall(r'<details class="exchange[^"]*" id="har-\d+"', answer.get_data(as_text=True))) == 2
    assert client.post("/en/lab/config", data={"config": "x" * 300_000}).status_code == 413  # elsewhere, as before


def test_behind_a_proxy_the_page_says_where_its_own_requests_go(mock_engine):
    """Several site processes behind a proxy: the terminal's address names the proxy, the replay's requests go
    straight to the node's engine, written as the terminal's are, and the page says so without naming the node's
    own port."""
    behind = site_app(mock_engine, SANDBOX_URL="tcp://lab.example:2375").test_client()
    page = html.unescape(behind.get("/en/replay").get_data(as_text=True))
    assert "export DOCKER_HOST=tcp://lab.example:2375/sandboxes/" in page
    assert "sends the requests below to your sandbox's engine directly rather than through the address" in page
    assert f":{mock_engine.tcp_address[1]}" not in page
    alone = site_app(mock_engine).test_client().get("/en/replay").get_data(as_text=True)
    assert "engine directly rather than through the address above" not in alone


def test_a_har_url_names_the_host_the_client_asked_for():
    engine = parse_docker_host("tcp://127.0.0.1:46411")
    asked = Exchange(number=1, label="", address=engine, method="GET", target="/sandboxes/s/v1.51/_ping",
                     request_headers=(("Host", "127.0.0.1:5202"),), request_body=None, stream="none",
                     timings=Timings(started_at=0.0))
    url = build_har([("ping", [asked])])["log"]["entries"][0]["request"]["url"]
    assert url == "http://127.0.0.1:5202/sandboxes/s/v1.51/_ping"
