"""Every route and fragment of the site, in both languages, against the mock engine and against no daemon."""

from __future__ import annotations

import html as markup
import re
import socket
import threading
import time

import pytest
from flask_babel import format_decimal
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from hellotrace.docker_host import parse_docker_host
from hellotrace.web.i18n import pick_language
from hellotrace.web.render import one_decimal
from tests.conftest import site_app
from tests.interface_text import translated

LANGS = ("en", "fr")
STEP_TITLES = {
    "en": ["The client contacts the daemon", "The daemon pulls the image"],
    "fr": ["Le client contacte le démon", "Le démon récupère l&#39;image"],
}


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("fr-FR,fr;q=0.9,en;q=0.8", "fr"),
        ("en-US,en;q=0.9", "en"),
        ("de-DE,de;q=0.9", "en"),
        ("de;q=1.0, fr;q=0.5", "fr"),
        ("en;q=0.3, fr;q=0.7", "fr"),
        ("", "en"),
        ("fr;q=0", "en"),
        (";;;garbage", "en"),
    ],
)
def test_language_is_picked_from_accept_language(header, expected):
    assert pick_language(parse_accept_header(header, LanguageAccept), ("en", "fr")) == expected


def test_root_redirects_by_accept_language(client):
    assert client.get("/", headers={"Accept-Language": "fr-CH, fr;q=0.9"}).location == "/fr/"
    assert client.get("/", headers={"Accept-Language": "es"}).location == "/en/"


@pytest.mark.parametrize("lang", LANGS)
def test_home_leads_to_the_replay(client, lang):
    page = client.get(f"/{lang}/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    assert f'href="/{lang}/replay"' in html
    other = "fr" if lang == "en" else "en"
    assert f'href="/{other}/"' in html  # the language switch leads to the same page


@pytest.mark.parametrize("lang", LANGS)
def test_replay_page_shows_steps_daemon_and_docker_host(client, lang):
    html = client.get(f"/{lang}/replay").get_data(as_text=True)
    for title in STEP_TITLES[lang]:
        assert title in html
    for step in (1, 2, 3, 4):
        assert f'id="step-{step}"' in html
    assert "export DOCKER_HOST=tcp://127.0.0.1:" in html and "/sandboxes/" in html
    assert "29.7.2" in html  # the daemon's version, asked live
    assert 'hx-post="/' in html and 'method="post"' in html  # htmx, with a plain form underneath
    assert f'href="/{"fr" if lang == "en" else "en"}/replay"' in html


def test_unknown_language_is_a_friendly_404(client):
    page = client.get("/de/replay")
    assert page.status_code == 404
    assert "Page not found" in page.get_data(as_text=True)
    assert "Traceback" not in page.get_data(as_text=True)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("sequence", ["recipe", "cli"])
def test_run_all_without_javascript(client, lang, sequence):
    answer = client.post(f"/{lang}/replay/run", data={"step": "all", "sequence": sequence})
    assert answer.status_code == 303
    assert answer.location == f"/{lang}/replay#step-1"
    html = client.get(f"/{lang}/replay").get_data(as_text=True)
    for code in ("404", "200", "201", "204"):
        assert f'class="badge s{code[0]}xx">{code}<' in html
    if sequence == "cli":
        assert 'class="badge s1xx">101<' in html
        assert "HTTP/1.1 101 UPGRADED" in html
    for number in (" 1. ", " 2. ", " 3. ", " 4. "):
        assert number in html
    assert "curl -sS" in html or "curl " in html
    assert "X-Registry-Auth" in html or sequence == "recipe"


def _step_texts(html: str) -> dict[int, str]:
    """The explanatory paragraph of each step, as the page shows it."""
    return {int(step): text for step, text in
            re.findall(r'id="step-(\d)".*?<p class="step-text">(.*?)</p>', html, re.S)}


@pytest.mark.parametrize("lang", LANGS)
def test_each_sequence_explains_its_own_steps(client, lang):
    """The recipe sends create then start in step 3, and wait then logs in step 4; the CLI opens attach (101) and
    wait before start in step 3, and sends nothing new in step 4. Each step's text says what its sequence sends."""
    texts = {}
    for sequence in ("recipe", "cli"):
        client.post(f"/{lang}/replay/run", data={"step": "all", "sequence": sequence})
        texts[sequence] = _step_texts(client.get(f"/{lang}/replay").get_data(as_text=True))
        assert sorted(texts[sequence]) == [1, 2, 3, 4]
    recipe, cli = texts["recipe"], texts["cli"]
    assert "attach" not in recipe[3] and "101" not in recipe[3] and not re.search(r"\bwait\b", recipe[3])
    assert "attach" in cli[3] and "101" in cli[3] and "wait" in cli[3]
    assert cli[3].index("attach") < cli[3].index("start (204)") and cli[3].index("wait") < cli[3].index("start (204)")
    assert "logs" in recipe[4] and recipe[4].index("wait") < recipe[4].index("logs")
    assert "logs" not in cli[4] and "attach" in cli[4]
    assert recipe[2] == cli[2]  # the same calls, the same text
    # Step 1: the version each sequence writes, as its requests carry it (docker CLI 28.2.2 stops at 1.50).
    assert "/v1.50/" in cli[1] and "28.2.2" in cli[1] and "/v1.55/" not in cli[1]
    assert "/v1.55/" in recipe[1] and "/v1.50/" not in recipe[1]


@pytest.mark.parametrize("sequence", ["recipe", "cli"])
def test_each_sequence_sends_the_version_its_step_1_names(client, sequence):
    """The CLI sequence is docker CLI 28.2.2 (its highest API is 1.50), so against the mock (1.55) every versioned
    path of its requests, curl commands and exports starts with /v1.50/; the curl recipe writes the lessons' 1.55."""
    version = {"recipe": "1.55", "cli": "1.50"}[sequence]
    other = {"recipe": "1.50", "cli": "1.55"}[sequence]
    client.post("/en/replay/run", data={"step": "all", "sequence": sequence})
    page = markup.unescape(client.get("/en/replay").get_data(as_text=True))
    assert f"the client will use /v{version}/ in front of every path" in page
    assert re.search(rf"POST \S*/v{version}/containers/create HTTP/1\.1", page)
    assert f"/v{version}/containers/create" in re.search(r"curl -sS.*?containers/create", page, re.S).group(0)
    assert f"/v{other}/" not in page
    har = client.get("/en/replay/export.har").get_json()
    urls = [entry["request"]["url"] for entry in har["log"]["entries"]]
    assert len(urls) > 5 and all(f"/v{version}/" in url for url in urls if not url.endswith("/_ping"))
    script = client.get("/en/replay/export.sh").get_data(as_text=True)
    assert f"/v{version}/containers/create" in script and f"/v{other}/" not in script


@pytest.mark.parametrize(("lang", "written"), [("en", "1,234.1"), ("fr", "1\u202f234,1")])
def test_numbers_follow_the_readers_language(app, lang, written):
    with app.test_request_context(f"/{lang}/replay", headers={"Accept-Language": lang}):
        assert one_decimal(1234.06) == written
        assert one_decimal(1234.06) == format_decimal(1234.06, format="#,##0.0")  # as Babel writes them


@pytest.mark.parametrize(("lang", "duration"), [("en", r"\d+\.\d ms"), ("fr", "\\d+,\\d\u00a0ms")])
def test_durations_use_the_languages_decimal_mark(client, lang, duration):
    client.post(f"/{lang}/replay/run", data={"step": "1", "sequence": "recipe"})
    html = client.get(f"/{lang}/replay").get_data(as_text=True)
    shown = re.findall(r"· (\S+)\s?ms", html)
    assert shown and re.search(duration, html)
    assert all(("," in value) == (lang == "fr") and ("." in value) == (lang == "en") for value in shown)


def test_state_carries_across_steps(client):
    for step in ("1", "2", "3"):
        assert client.post("/en/replay/run", data={"step": step, "sequence": "recipe"}).status_code == 303
    html = client.get("/en/replay").get_data(as_text=True)
    created = re.search(r"Container ([0-9a-f]{12}) created", html).group(1)
    client.post("/en/replay/run", data={"step": "4", "sequence": "recipe"})
    html = client.get("/en/replay").get_data(as_text=True)
    assert f"/containers/{created}" in html


def test_running_step_two_first_runs_step_one_too(client):
    client.post("/en/replay/run", data={"step": "2"})
    html = client.get("/en/replay").get_data(as_text=True)
    assert "HEAD /sandboxes/" in html and "/images/create?" in html


def test_second_run_needs_no_pull_until_reset(client):
    client.post("/fr/replay/run", data={"step": "all"})
    client.post("/fr/replay/run", data={"step": "all"})
    html = client.get("/fr/replay").get_data(as_text=True)
    assert "L&#39;image est déjà là" in html and "/images/create?" not in html
    # With no pull drawn, the diagram keeps the registry's lane its plan showed: one width before, while and after
    # a run (it lost the lane between step 2's create and its pull, and after a run that pulled nothing).
    assert re.search(r'<svg [^>]*class="sequence-diagram"', html.split('id="diagram"', 1)[1])
    assert client.post("/fr/replay/reset").status_code == 303
    client.post("/fr/replay/run", data={"step": "2"})
    html = client.get("/fr/replay").get_data(as_text=True)
    assert "No such image: hello-world:latest" in html and "/images/create?" in html


CREATED_IN_STEP_2 = ("No create in this step: the image was already there, so the create already succeeded in step "
                     "2 (201). This step uses the container made then, %(id).12s.")


def _step_block(html: str, step: int) -> str:
    """One step of the page, as text (entities decoded)."""
    found = re.search(rf'<li class="step" id="step-{step}".*?</li>', html, re.S)
    assert found is not None
    return markup.unescape(found.group(0))


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("sequence", ["recipe", "cli"])
def test_step_three_run_again_says_its_container_comes_from_step_two(client, lang, sequence):
    """After a whole run the image is there: running step 3 again runs steps 1 and 2 first, and step 2's create
    answers 201 at once. The client creates only once, so step 3 sends no create: the page says so, and which
    container step 3 uses, rather than leave "Now the create succeeds" unexplained."""
    client.post(f"/{lang}/replay/run", data={"step": "all", "sequence": sequence})
    first = _step_block(client.get(f"/{lang}/replay").get_data(as_text=True), 3)
    created = re.search(r"/containers/([0-9a-f]{64})/start", first).group(1)
    assert "/containers/create" in first and translated(CREATED_IN_STEP_2, lang, id=created) not in first

    assert client.post(f"/{lang}/replay/run", data={"step": "3", "sequence": sequence}).status_code == 303
    html = client.get(f"/{lang}/replay").get_data(as_text=True)
    step_2, step_3 = _step_block(html, 2), _step_block(html, 3)
    container_id = re.search(r"/containers/([0-9a-f]{64})/start", step_3).group(1)
    assert container_id != created and container_id in step_2  # made by step 2's create, in this run
    assert 'class="badge s2xx">201<' in step_2 and "/containers/create" not in step_3
    assert translated(CREATED_IN_STEP_2, lang, id=container_id) in step_3


def test_reset_with_htmx_returns_the_emptied_steps(client):
    client.post("/en/replay/run", data={"step": "all"})
    answer = client.post("/en/replay/reset", headers={"HX-Request": "true"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "DELETE" in html and 'hx-swap-oob="true"' in html and "Not run yet" in html
    # The diagram is drawn again too: what each step will send, no exchange left from the run.
    assert 'hx-swap-oob="innerHTML:#diagram"' in html and "data-planned" in html and "data-exchange=" not in html


def test_a_sequence_chosen_without_javascript_runs_and_a_stale_page_does_not_take_one_back(app):
    """Without JavaScript the radios cannot reload the page: one picks a sequence, then "Run all" posts the choice
    beside the sequence the page was drawn with, and the choice is run. A page drawn before another tab switched
    the sequence posts the old one as both: that is no choice, and the replay keeps the sequence it has."""
    client = app.test_client()
    client.get("/en/replay")
    client.get("/en/replay")  # back with the cookie: one of the site's visitors
    (visitor,) = app.extensions["hellotrace.visitors"]._visitors.values()
    chosen = {"step": "1", "sequence": "cli", "drawn_sequence": "recipe"}
    assert client.post("/en/replay/run", data=chosen).status_code == 303
    assert visitor.replay.sequence == "cli"
    stale = {"step": "2", "sequence": "recipe", "drawn_sequence": "recipe"}
    assert client.post("/en/replay/run", data=stale).status_code == 303
    assert visitor.replay.sequence == "cli" and visitor.replay.steps[2].ok
    # A form without the drawn sequence (written by hand, or by an older page) is taken at its word.
    assert client.post("/en/replay/run", data={"step": "1", "sequence": "recipe"}).status_code == 303
    assert visitor.replay.sequence == "recipe"
    # An htmx run from a page that is up to date is not drawn again.
    fresh = client.post("/en/replay/run", data={"step": "2", "sequence": "recipe", "drawn_sequence": "recipe"},
                        headers={"HX-Request": "true"})
    assert fresh.status_code == 200 and "HX-Refresh" not in fresh.headers


@pytest.mark.parametrize("lang", LANGS)
def test_run_with_htmx_streams_events(client, lang):
    answer = client.post(f"/{lang}/replay/run", data={"step": "all", "sequence": "cli"},
                         headers={"HX-Request": "true"})
    html = answer.get_data(as_text=True)
    url = re.search(r'sse-connect="([^"]+)"', html).group(1)
    assert 'sse-close="done"' in html
    stream = client.get(url)
    assert stream.mimetype == "text/event-stream"
    body = stream.get_data(as_text=True)
    assert body.rstrip().endswith("event: done\ndata:")
    assert 'hx-swap-oob="beforeend:#step-2-lines' not in body  # lines go into the card, not the step
    # Unpaced, each exchange arrives whole; paced pulls stream line by line (the browser suite checks that).
    assert "Pull complete" in body and "hx-swap-oob=\"beforeend:#step-2-exchanges\"" in body
    assert "101 UPGRADED" in body
    assert all(line.startswith(("data:", "event:", ":")) or line == "" for line in body.splitlines())


def test_a_finished_runs_events_are_released_and_the_page_keeps_its_steps(app):
    client = app.test_client()
    answer = client.post("/en/replay/run", data={"step": "all"}, headers={"HX-Request": "true"})
    url = re.search(r'sse-connect="([^"]+)"', answer.get_data(as_text=True)).group(1)
    assert "Hello from hellotrace" in client.get(url).get_data(as_text=True)
    (visitor,) = app.extensions["hellotrace.visitors"]._visitors.values()
    visitor.replay.release_events(time.monotonic() + 1)
    assert visitor.replay.last_run.events == []
    page = client.get("/en/replay").get_data(as_text=True)
    assert page.count('<span class="ok">') == 4 and "Hello from hellotrace" in page
    assert client.get(url).get_data(as_text=True).strip() == "event: done\ndata:"  # a late reader is told
    assert b"Hello from hellotrace" in b"".join(payload for _, payload in visitor.replay.output)  # the logs'


def test_a_live_streams_batch_waits_for_the_runs_end_not_for_each_event():
    from hellotrace.replay import EventLog, RunEvent

    log = EventLog("gathering")
    log.append(RunEvent("step-start", 1))
    batches = []
    reader = threading.Thread(target=lambda: batches.append(log.read_at_end(1, 5.0)))
    reader.start()
    for _ in range(3):
        log.append(RunEvent("note", 1))
        time.sleep(0.02)
    assert reader.is_alive()  # each event alone does not end the batch
    log.append(RunEvent("done"))
    reader.join(2)
    (events, finished), = batches
    assert [event.kind for event in events] == ["note", "note", "note", "done"] and finished
    assert log.read_at_end(5, 5.0) == ([], True)  # an ended log is read at once

    going = EventLog("going")
    began = time.monotonic()
    assert going.read_at_end(0, 0.05) == ([], False) and time.monotonic() - began >= 0.05  # the window ends it
    woken = threading.Thread(target=lambda: batches.append(going.read_at_end(0, 5.0)))
    woken.start()
    deadline = time.monotonic() + 2
    while woken.is_alive() and time.monotonic() < deadline:  # until it waits: a newer stream of the run ends it
        going.wake()
        woken.join(0.05)
    assert not woken.is_alive() and batches[-1] == ([], False)


def test_a_packed_replay_shows_the_same_page_and_goes_on(app):
    client = app.test_client()
    client.get("/en/replay?sequence=cli")
    for step in ("1", "2", "3"):
        client.post("/en/replay/run", data={"step": step})
    (visitor,) = app.extensions["hellotrace.visitors"]._visitors.values()
    assert not visitor.replay.pack()  # the CLI's attach and wait are held open for step 4
    client.post("/en/replay/run", data={"step": "4"})
    strip = re.compile(r'name="csrf_token" value="[^"]+"|"X-CSRFToken": "[^"]+"')
    before = strip.sub("", client.get("/en/replay").get_data(as_text=True))
    output = visitor.replay.output
    assert b"Hello from hellotrace" in b"".join(payload for _, payload in output)
    assert visitor.replay.pack() and not visitor.replay.pack()
    assert visitor.replay.output == output  # read from step 4's attach stream, packed with it
    assert strip.sub("", client.get("/en/replay").get_data(as_text=True)) == before
    assert "Hello from hellotrace" in before and before.count('<span class="ok">') == 4
    client.post("/en/replay/run", data={"step": "1"})  # the story starts over from the unpacked one
    assert client.get("/en/replay").get_data(as_text=True).count('<span class="ok">') == 1


def test_idle_visitors_are_swept_but_not_during_a_run(mock_engine):
    from hellotrace.replay import EventLog

    app = site_app(mock_engine, VISITOR_IDLE=0.5)
    pool = app.extensions["hellotrace.visitors"]
    app.test_client().get("/en/replay")  # a new visitor, never back
    back = app.test_client()
    back.get("/en/replay")
    back.get("/en/replay")
    assert pool.count() == 2
    deadline = time.monotonic() + 5
    while pool.count() and time.monotonic() < deadline:  # the sweep runs every second here
        time.sleep(0.1)
    assert pool.count() == 0
    back.get("/en/replay")
    (visitor,) = pool._visitors.values()
    visitor.replay.running = EventLog("still-going")
    visitor.last_seen -= 10
    pool.sweep()
    assert list(pool._visitors.values()) == [visitor]


def test_a_quiet_visitors_replay_is_packed_after_visitor_quiet_by_the_sweep(mock_engine):
    app = site_app(mock_engine, VISITOR_QUIET=0.3, VISITOR_IDLE=60)
    client = app.test_client()
    client.get("/en/replay")
    client.post("/en/replay/run", data={"step": "all"})
    (visitor,) = app.extensions["hellotrace.visitors"]._visitors.values()
    deadline = time.monotonic() + 5
    # The sweep runs every second here; the run's events go on the first sweep a quiet time after the run ended.
    while (visitor.replay._packed is None or visitor.replay.last_run.events) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert visitor.replay._packed is not None and visitor.replay.last_run.events == []
    assert client.get("/en/replay").get_data(as_text=True).count('<span class="ok">') == 4


def test_unknown_run_is_404(client):
    client.get("/en/replay")
    assert client.get("/en/replay/runs/nope/events").status_code == 404


def test_a_page_reloaded_during_a_run_reconnects_to_it(app):
    from hellotrace.replay import EventLog

    client = app.test_client()
    client.get("/en/replay")
    client.get("/en/replay")  # back with the cookie: one of the site's visitors
    (visitor,) = app.extensions["hellotrace.visitors"]._visitors.values()
    visitor.replay.running = EventLog("still-going")  # a run that has not finished yet
    try:
        html = client.get("/en/replay").get_data(as_text=True)
        assert 'data-run="still-going"' in html and "/runs/still-going/events" in html
        busy = client.post("/en/replay/reset", headers={"HX-Request": "true"})
        assert busy.status_code == 200 and "already in progress" in busy.get_data(as_text=True)
        assert client.post("/en/replay/reset").status_code == 409
        # Run all from another tab of the same visitor: that page follows the run going, and says so.
        joined = client.post("/en/replay/run", data={"step": "all", "sequence": "cli"}, headers={"HX-Request": "true"})
        text = joined.get_data(as_text=True)
        assert 'data-run="still-going"' in text and "already in progress" in text
    finally:
        visitor.replay.running = None


@pytest.mark.parametrize("step", ["5<script>", "²", "٣", "3" * 5000])  # "²" and "٣" are str.isdigit()
@pytest.mark.parametrize(("lang", "text"), [("en", "There is no step"), ("fr", "L&#39;étape")])
def test_bad_step_is_explained(client, lang, text, step):
    answer = client.post(f"/{lang}/replay/run", data={"step": step})
    assert answer.status_code == 400
    html = answer.get_data(as_text=True)
    assert text in html and "<script>" not in html.split("<main", 1)[1].split("</main>")[0].replace(
        '<script src', '')


@pytest.mark.parametrize(("content_type", "body"), [
    ("multipart/form-data; boundary=XYZ", b'--XYZ\r\nContent-Disposition: form-data; name="step"\r\n\r\n1\r\n--XY'),
    ("application/x-www-form-urlencoded", b"&"),
])
@pytest.mark.parametrize(("lang", "text"), [("en", "The form did not say which step to run"),
                                             ("fr", "Le formulaire ne disait pas quelle étape lancer")])
def test_a_run_whose_form_names_no_step_runs_nothing(app, content_type, body, lang, text):
    """A body cut short reads as an empty form, which the run view once took for "all": it is refused instead."""
    client = app.test_client()
    client.get(f"/{lang}/replay")  # a visitor, whose replay must stay as it was
    answer = client.post(f"/{lang}/replay/run", data=body, headers={"Content-Type": content_type})
    assert answer.status_code == 400 and text in markup.unescape(answer.get_data(as_text=True))
    (visitor,) = app.extensions["hellotrace.visitors"]._visitors.values()
    assert visitor.replay.running is None and visitor.replay.last_run is None


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}])
def test_a_run_of_an_unknown_sequence_is_refused_and_runs_nothing(app, headers):
    client = app.test_client()
    client.get("/en/replay")
    answer = client.post("/en/replay/run", data={"step": "1", "sequence": "bogus"}, headers=headers)
    assert answer.status_code == 400
    assert "There is no sequence “bogus”: choose recipe" in markup.unescape(answer.get_data(as_text=True))
    (visitor,) = app.extensions["hellotrace.visitors"]._visitors.values()
    assert visitor.replay.running is None and visitor.replay.last_run is None


def test_unknown_sequence_falls_back_to_the_recipe(client):
    html = client.get("/en/replay?sequence=bogus").get_data(as_text=True)
    assert "Unknown sequence" in html
    assert re.search(r'value="recipe"\s+checked', html)
    # What is quoted back shows its control characters: a NUL cannot be in an HTML page at all.
    html = client.get("/en/replay?sequence=a%00b%01").get_data(as_text=True)
    assert "Unknown sequence “a\\x00b\\x01”" in html and "\x00" not in html and "\x01" not in html


def test_a_token_in_the_address_goes_and_only_the_query_s_own_parameters_stay(client):
    """The no-JavaScript button submits its token by GET; the redirect that drops it keeps the rest of the query,
    but not a parameter named like the path's (`lang`: it was a 500) nor one url_for reads (`_external`), nor the
    run form's sequence as drawn."""
    answer = client.get("/en/replay?sequence=cli&csrf_token=x&drawn_sequence=recipe&lang=fr&_external=1&_scheme=https")
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/en/replay?sequence=cli"


def test_visitors_get_their_own_sandboxes(app):
    first, second = app.test_client(), app.test_client()
    host_a = re.search(r"sandboxes/([0-9a-f]+)", first.get("/en/replay").get_data(as_text=True)).group(1)
    host_b = re.search(r"sandboxes/([0-9a-f]+)", second.get("/en/replay").get_data(as_text=True)).group(1)
    assert host_a != host_b
    first.post("/en/replay/run", data={"step": "all"})
    second.post("/en/replay/run", data={"step": "2"})
    assert "No such image" in second.get("/en/replay").get_data(as_text=True)  # a's pull did not help b


def test_the_site_wide_container_total_does_not_apply_to_the_mocks_sandboxes(mock_engine):
    app = site_app(mock_engine, CONTAINERS_PER_VISITOR=1, CONTAINERS_TOTAL=1)
    first, second = app.test_client(), app.test_client()
    first.post("/en/replay/run", data={"step": "3"})
    second.post("/en/replay/run", data={"step": "all"})  # a second container on the site
    first.post("/en/replay/run", data={"step": "4"})
    assert first.get("/en/replay").get_data(as_text=True).count('<span class="ok">') == 4


# -- no daemon ---------------------------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(params=["missing-socket", "refused"])
def unreachable(request, tmp_path):
    if request.param == "missing-socket":
        address = parse_docker_host(f"unix://{tmp_path}/docker.sock")
        expected = {"en": "socket does not exist", "fr": "La socket du démon n&#39;existe pas"}
    else:
        address = parse_docker_host(f"tcp://127.0.0.1:{_closed_port()}")
        expected = {"en": "Nothing accepts connections", "fr": "Rien n&#39;accepte de connexion"}
    app = site_app(DAEMON=address)
    return app.test_client(), expected


@pytest.mark.parametrize("lang", LANGS)
def test_unreachable_daemon_is_explained_not_crashed(unreachable, lang):
    client, expected = unreachable
    page = client.get(f"/{lang}/replay")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert expected[lang] in html
    assert client.post(f"/{lang}/replay/run", data={"step": "all"}).status_code == 303
    html = client.get(f"/{lang}/replay").get_data(as_text=True)
    step_one = html.split('id="step-1"', 1)[1].split('id="step-2"', 1)[0]
    assert expected[lang] in step_one
    assert "Traceback" not in html
    answer = client.post(f"/{lang}/replay/run", data={"step": "all"}, headers={"HX-Request": "true"})
    url = re.search(r'sse-connect="([^"]+)"', answer.get_data(as_text=True)).group(1)
    assert "event: done" in client.get(url).get_data(as_text=True)


# -- interface strings --------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "target"), [("/replay", "/fr/replay"), ("/lessons/", "/fr/lessons/"),
                                              ("/lab", "/fr/lab/config")])
def test_sections_without_a_language_lead_to_the_readers_language(client, path, target):
    assert client.get(path, headers={"Accept-Language": "fr"}).location == target


def test_a_404_under_a_language_speaks_it(client):
    page = client.get("/fr/nope")
    assert page.status_code == 404
    html = page.get_data(as_text=True)
    assert '<html lang="fr">' in html and "Page introuvable" in html


def test_the_language_switch_keeps_the_query(client):
    html = client.get("/fr/replay?sequence=cli").get_data(as_text=True)
    assert 'href="/en/replay?sequence=cli"' in html


def test_home_and_replay_give_the_same_sandbox(client):
    home = client.get("/en/").get_data(as_text=True)
    replay = client.get("/en/replay").get_data(as_text=True)
    host = re.search(r"export DOCKER_HOST=(tcp://\S+/sandboxes/[0-9a-f]+)", home).group(1)
    assert f"export DOCKER_HOST={host}" in replay
    assert "curl -s http://127.0.0.1:" in home and "/sandboxes/" in home.split("curl -s", 1)[1]


@pytest.mark.parametrize("lang", LANGS)
def test_a_run_says_which_steps_finished(client, lang):
    def finished(step: str) -> str:
        answer = client.post(f"/{lang}/replay/run", data={"step": step}, headers={"HX-Request": "true"})
        body = client.get(re.search(r'sse-connect="([^"]+)"', answer.get_data(as_text=True)).group(1))
        return re.search(r'class="run-finished">([^<]+)<', body.get_data(as_text=True)).group(1)

    assert finished("1") == ("Step 1 finished." if lang == "en" else "Étape 1 terminée.")
    assert finished("all") == ("Run finished." if lang == "en" else "Rejeu terminé.")
    # A click that runs the steps before it too names them all: the story starts over at step 1 for a step done.
    assert finished("2") == ("Steps 1 and 2 finished." if lang == "en" else "Étapes 1 et 2 terminées.")
    assert finished("4") == ("Steps 3 and 4 finished." if lang == "en" else "Étapes 3 et 4 terminées.")
    assert finished("3") == ("Steps 1 to 3 finished." if lang == "en" else "Étapes 1 à 3 terminées.")


def test_the_diagram_leads_to_every_steps_cards_when_steps_run_one_at_a_time(client):
    """Each step's live stream draws the whole diagram again: its arrows for the steps run before lead to the cards
    those steps' streams drew (named after their own runs), and a page loaded whole names its cards the same."""
    cards: set[str] = set()
    for step in ("1", "2", "3", "4"):
        answer = client.post("/en/replay/run", data={"step": step}, headers={"HX-Request": "true"})
        body = client.get(re.search(r'sse-connect="([^"]+)"', answer.get_data(as_text=True)).group(1))
        html = body.get_data(as_text=True).replace("\ndata: ", "\n")
        cards |= set(re.findall(r'<details class="exchange[^"]*" id="([^"]+)"', html))
        arrows = re.findall(r'<a class="arrow[^"]*" data-(?:exchange|continues)="\d+" href="#([^"]+)"', html)
        assert arrows and set(arrows) <= cards, (step, sorted(set(arrows) - cards))
    page = client.get("/en/replay").get_data(as_text=True)
    page_cards = set(re.findall(r'<details class="exchange[^"]*" id="([^"]+)"', page))
    page_arrows = set(re.findall(r'<a class="arrow[^"]*" data-(?:exchange|continues)="\d+" href="#([^"]+)"', page))
    assert page_cards == cards and page_arrows == cards
