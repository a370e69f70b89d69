"""The configuration lab in a real Chromium: typing in the editor updates the verdict in place (htmx), fix-it
swaps the editor's content, "send docker ps" shows the exchange with the configured header, and the
DOCKER_HOST explainer follows the keyboard too. Screenshots (light and dark, French and English, desktop and
phone) land in test-artifacts/screenshots/.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from hellotrace.client_config import ARTICLE_SAMPLE, CORRECTED_SAMPLE
from tests.browser_support import (
    PHONE,
    assert_no_horizontal_overflow,
    browser_fixture,  # noqa: F401 (a fixture)
    new_page_fixture,  # noqa: F401 (a fixture)
    save_screenshot,
    serve,
)

pytestmark = pytest.mark.browser

TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    with serve(threads=8) as url:
        yield url


def shot(page: Page, name: str) -> None:
    save_screenshot(page, f"lab-{name}")


def test_typing_in_the_editor_updates_the_verdict(site: str, new_page) -> None:
    page = new_page(locale="en-GB")
    page.goto(f"{site}/en/lab/config")
    result = page.locator("#lab-result")
    expect(result).to_contain_text("invalid character '}' looking for beginning of object key string")
    expect(result).to_contain_text("runs with no configuration at all")
    shot(page, "en-article-sample")
    editor = page.locator("#config-editor")
    editor.fill("")
    editor.press_sequentially('{"HttpHeaders": {"x-typed": "yes"}, "psFormat": "{{.Names}}"}', delay=5)
    expect(result).to_contain_text("Valid: the CLI uses it.")
    expect(page.locator("#setting-http_headers")).to_contain_text("HttpHeaders (1 on the wire)")
    expect(page.locator("#setting-http_headers .value")).to_contain_text("X-Typed: yes")
    expect(page.locator("#lab-status")).to_be_hidden()  # the verdict is in sight on a wide screen
    tops = [box.bounding_box()["y"] for box in page.locator(".lab-input").all()]
    assert max(tops) - min(tops) < 1, f"the three input boxes do not start at the same height: {tops}"
    expect(page.locator("#headers")).to_contain_text("X-Typed: yes")
    expect(page.locator("#setting-format")).to_contain_text("{{.Names}}")
    page.locator("#command-line").fill("docker --context prod -H tcp://x ps")
    expect(result).to_contain_text("conflicting options: cannot specify both --host and --context")
    assert page.url.endswith("/en/lab/config"), "the page was reloaded instead of updated in place"
    shot(page, "en-typed")


def test_fix_it_then_send_docker_ps_in_french(site: str, new_page) -> None:
    page = new_page(locale="fr-FR", color_scheme="dark")
    page.goto(f"{site}/fr/lab/config")
    page.get_by_role("button", name="Corriger").click()
    expect(page.locator("#lab-result")).to_contain_text("Le fichier corrigé")
    assert page.locator("#config-editor").input_value() == CORRECTED_SAMPLE
    expect(page.locator("#lab-result")).to_contain_text("Valide\u00a0: la CLI l'utilise.")
    page.get_by_role("button", name="Envoyer docker ps").click()
    card = page.locator("#lab-send .exchange").nth(1)
    expect(card).to_contain_text("/containers/json")
    expect(card.locator(".wire.request")).to_contain_text("Myheader: MyValue")
    expect(page.locator("#lab-send .listing-output")).to_contain_text("CONTAINER ID")
    assert_no_horizontal_overflow(page)
    shot(page, "fr-dark-fixed-and-sent")


@pytest.mark.parametrize(("lang", "scheme"), [("en", "dark"), ("fr", "light")])
def test_phone_width_does_not_overflow(site: str, new_page, lang: str, scheme: str) -> None:
    page = new_page(viewport=PHONE, color_scheme=scheme, is_mobile=True, has_touch=True)
    page.goto(f"{site}/{lang}/lab/config")
    assert_no_horizontal_overflow(page)
    tabs = [tab.bounding_box() for tab in page.locator(".lab-tabs a").all()]
    assert tabs[0]["y"] == tabs[1]["y"], "the lab's tabs do not share one row"
    status = page.locator("#lab-status")
    expect(status).to_be_visible()  # under the editor: the verdict below is screens away on a phone
    expect(status).to_contain_text({"en": "line 33, column 1", "fr": "ligne 33, colonne 1"}[lang])
    page.locator("#config-editor").fill("{}")
    expect(status).to_contain_text({"en": "config.json: valid", "fr": "config.json\u00a0: valide"}[lang])
    page.locator("#config-editor").fill(ARTICLE_SAMPLE)
    expect(status).to_contain_text("33")
    page.locator("button.send-ps").click()
    page.locator("#lab-send .exchange").first.wait_for()
    assert_no_horizontal_overflow(page)
    shot(page, f"{lang}-phone-{scheme}")


def test_the_host_explainer_follows_typing(site: str, new_page) -> None:
    page = new_page(locale="fr-FR")
    page.goto(f"{site}/fr/lab/host")
    page.locator("#host-address").press_sequentially("tcp://:7777", delay=5)
    expect(page.locator("#host-result")).to_contain_text("tcp://localhost:7777")
    page.locator("#host-address").fill("tcp://host:port")
    expect(page.locator("#host-result")).to_contain_text('invalid port ":port" after host')
    shot(page, "fr-host")


def test_a_paste_too_big_for_the_site_says_so_and_keeps_the_editor(site: str, new_page) -> None:
    page = new_page(locale="en-GB")
    page.goto(f"{site}/en/lab/config")
    pasted = '{"x": "' + "a" * 300_000 + '"}'
    page.locator("#config-editor").fill(pasted)
    expect(page.locator("#lab-result")).to_contain_text("Too much at once")
    expect(page.locator("#lab-result")).to_contain_text("What you typed is still on the page")
    assert page.locator("#config-editor").input_value() == pasted
    expect(page.locator("#command-line")).to_be_visible()


def test_what_was_typed_comes_back_after_a_reload_but_not_over_an_idea(site: str, new_page) -> None:
    page = new_page(locale="en-GB")
    page.goto(f"{site}/en/lab/config")
    page.locator("#config-editor").fill('{"psFormat": "{{.ID}}"}')
    page.locator("#command-line").fill("docker --context prod -H tcp://x ps")
    expect(page.locator("#lab-result")).to_contain_text("conflicting options")
    page.reload()
    expect(page.locator("#command-line")).to_have_value("docker --context prod -H tcp://x ps")
    expect(page.locator("#config-editor")).to_have_value('{"psFormat": "{{.ID}}"}')
    expect(page.locator("#lab-result")).to_contain_text("conflicting options")  # worked out again
    page.goto(f"{site}/en/lab/config?command=docker+images")
    expect(page.locator("#command-line")).to_have_value("docker images")
