"""Pages and fragments go out gzip-compressed to a browser that accepts it; live streams and small answers do not."""

from __future__ import annotations

import gzip

from tests.conftest import site_app


def test_a_page_is_compressed_for_a_browser_that_accepts_gzip(mock_engine):
    client = site_app(mock_engine).test_client()
    plain = client.get("/en/replay")
    packed = client.get("/en/replay", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed.headers["Vary"]
    assert len(packed.data) < len(plain.data) / 3
    assert b"Run all" in gzip.decompress(packed.data)


def test_small_answers_and_json_are_left_alone(mock_engine):
    client = site_app(mock_engine).test_client()
    health = client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in health.headers and health.json["status"] == "ok"
