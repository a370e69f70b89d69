"""The lab's routes in both languages: the page, the htmx fragments, fix-it, bad input, the DOCKER_HOST explainer,
and "send docker ps" — whose headers are checked where they arrive, at the mock engine."""

from __future__ import annotations

import html
import re

import pytest

from hellotrace.client_config import ARTICLE_SAMPLE, CORRECTED_SAMPLE, ENV_NAMES
from tests.interface_text import translated
from tests.wire import recorded

LANGS = ("en", "fr")
HX = {"HX-Request": "true"}
WARNING = "invalid character &#39;}&#39; looking for beginning of object key string"
TEXT = {
    "en": {"title": "Client configuration lab", "nav": ">Lab</a>", "ignored": "runs with no configuration at all",
           "valid": "Valid: the CLI uses it.", "fixed": "The corrected file", "too_large": "larger than 64 KiB",
           "refused": "Nothing sent", "file_headers": "HttpHeaders (1 on the wire): added to every request"},
    "fr": {"title": "Labo\u00a0: la configuration du client", "nav": ">Labo</a>",
           "ignored": "tourne sans aucune configuration", "valid": "Valide\u00a0: la CLI l&#39;utilise.",
           "fixed": "Le fichier corrigé", "too_large": "dépasse 64\u00a0Kio", "refused": "Rien n&#39;a été envoyé",
           "file_headers": "HttpHeaders (1 dans la requête)\u00a0: ajoutés à chaque requête"},
}

LAB_CONFIG_CONSEQUENCE_NOT_OBJECT = (
    "The CLI expects a single object, { … }, holding its properties. Go refuses this value as a whole: with no "
    "property to use, the CLI runs with no configuration at all — as with an empty file, but with the warning."
)
LAB_CONFIG_CONSEQUENCE_TYPE_ERROR = (
    "Go keeps decoding after a type error: every other property is used; the faulty one keeps its empty value (a "
    "map entry stays, with an empty value)."
)
LAB_SUMMARY_CONFIG_NOT_OBJECT = (
    "config.json is not a JSON object: the CLI warns, then runs with no configuration at all."
)
LAB_SUMMARY_CONFIG_PARTIAL = "config.json has a wrong value: the CLI warns, and still uses the rest of the file."


def form(config: str = ARTICLE_SAMPLE, command: str = "docker ps", **env: str) -> dict[str, str]:
    data = {"config": config, "command": command}
    data.update({f"env-{name}": env.get(name, "") for name in ENV_NAMES})
    return data


def editor_text(body: str) -> str:
    """The config.json editor's content, as a browser reads it (one newline after the tag is dropped)."""
    found = re.search(r'<textarea id="config-editor"[^>]*>(.*?)</textarea>', body, re.S)
    assert found, "no editor in the answer"
    return html.unescape(found.group(1)).removeprefix("\n")




@pytest.mark.parametrize("lang", LANGS)
def test_the_page_starts_with_the_article_sample_and_its_warning(client, lang):
    page = client.get(f"/{lang}/lab/config")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert f'<html lang="{lang}">' in body and TEXT[lang]["title"] in body
    assert editor_text(body) == ARTICLE_SAMPLE  # the editor holds the sample as printed
    assert "WARNING: Error parsing config file (/home/user/.docker/config.json): " + WARNING in body
    assert TEXT[lang]["ignored"] in body
    assert f'hx-post="/{lang}/lab/config/result"' in body and 'hx-trigger="input changed delay:300ms' in body
    assert f'method="post" action="/{lang}/lab/config"' in body  # works without JavaScript
    for name in ENV_NAMES:
        assert f'name="env-{name}"' in body
    assert f'href="/{lang}/lab/config"' in body and TEXT[lang]["nav"] in body  # the header's Lab link
    assert f'href="/{lang}/lab/host"' in body
    assert "/static/css/lab." in body
    other = "fr" if lang == "en" else "en"
    assert f'href="/{other}/lab/config"' in body
    # "the article's sample": the page says which article.
    assert "Docker Engine : les secrets de la relation entre Docker Client et Docker Daemon" in html.unescape(
        body.replace("\u00a0", " "))


@pytest.mark.parametrize("lang", LANGS)
def test_the_fragment_answers_as_the_reader_types(client, lang):
    answer = client.post(f"/{lang}/lab/config/result", data=form('{"HttpHeaders": {"X-A": "1"}}'), headers=HX)
    assert answer.status_code == 200
    body = answer.get_data(as_text=True)
    assert "<html" not in body and TEXT[lang]["valid"] in body
    assert TEXT[lang]["file_headers"] in body
    assert 'id="setting-http_headers"' in body and "X-A: 1" in body


@pytest.mark.parametrize("lang", LANGS)
def test_the_headers_row_shows_the_headers_sent_and_names_those_never_sent(client, lang):
    config = '{"HttpHeaders": {"MyHeader": "MyValue", "x-b": "2", "User-Agent": "me"}}'
    body = client.post(f"/{lang}/lab/config/result", data=form(config), headers=HX).get_data(as_text=True)
    row = re.search(r'<tr id="setting-http_headers">(.*?)</tr>', body, re.S).group(1)
    assert "<code>Myheader: MyValue</code><br><code>X-B: 2</code>" in row
    assert translated("(none)", lang) not in row
    text = html.unescape(row)
    assert {"en": "HttpHeaders (2 on the wire)", "fr": "HttpHeaders (2 dans la requête)"}[lang] in text
    assert {"en": "Never on the wire: User-Agent", "fr": "Jamais envoyés\u00a0: User-Agent"}[lang] in text
    env = form("{}", DOCKER_CUSTOM_HEADERS="x-env=1")
    row = re.search(r'<tr id="setting-http_headers">(.*?)</tr>',
                    client.post(f"/{lang}/lab/config/result", data=env, headers=HX).get_data(as_text=True), re.S)
    assert "<code>X-Env: 1</code>" in row.group(1)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("config", ["[]", '"x"', "5"])
def test_a_file_that_is_not_an_object_is_not_said_to_be_partly_used(client, lang, config):
    body = html.unescape(client.post(f"/{lang}/lab/config/result", data=form(config), headers=HX)
                         .get_data(as_text=True))
    assert "Go value of type configfile.ConfigFile" in body
    assert translated(LAB_SUMMARY_CONFIG_NOT_OBJECT, lang) in body
    assert translated(LAB_CONFIG_CONSEQUENCE_NOT_OBJECT, lang) in body
    for key in (LAB_SUMMARY_CONFIG_PARTIAL, LAB_CONFIG_CONSEQUENCE_TYPE_ERROR):
        assert translated(key, lang) not in body


@pytest.mark.parametrize("lang", LANGS)
def test_fix_it_replaces_the_editor_and_lists_the_corrections(client, lang):
    answer = client.post(f"/{lang}/lab/config/result", data={**form(), "action": "fix"}, headers=HX)
    body = answer.get_data(as_text=True)
    assert 'hx-swap-oob="true"' in body and editor_text(body) == CORRECTED_SAMPLE
    assert TEXT[lang]["fixed"] in body and TEXT[lang]["valid"] in body
    assert "WARNING: Error parsing" not in body
    back = client.post(f"/{lang}/lab/config/result", data={**form(CORRECTED_SAMPLE), "action": "reset"}, headers=HX)
    assert editor_text(back.get_data(as_text=True)) == ARTICLE_SAMPLE


@pytest.mark.parametrize("lang", LANGS)
def test_without_javascript_the_form_posts_the_whole_page(client, lang):
    page = client.post(f"/{lang}/lab/config", data={**form(), "action": "fix"})
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "<html" in body and TEXT[lang]["fixed"] in body
    assert editor_text(body) == CORRECTED_SAMPLE


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    ("field", "value"),
    [("config", "{" + " " * 70_000 + "}"), ("command", "docker ps " + "x" * 3000),
     ("env-DOCKER_HOST", "tcp://" + "h" * 3000)],
)
def test_oversized_inputs_are_refused_with_a_message(client, lang, field, value):
    data = {**form(), field: value}
    page = client.post(f"/{lang}/lab/config", data=data)
    assert page.status_code == 400
    body = page.get_data(as_text=True)
    assert 'role="alert"' in body and "Traceback" not in body
    fragment = client.post(f"/{lang}/lab/config/result", data=data, headers=HX).get_data(as_text=True)
    assert 'role="alert"' in fragment
    if field == "config":
        assert TEXT[lang]["too_large"] in fragment


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    "command",
    ["docker ps 'unclosed", "podman ps", "docker --context prod -H tcp://x ps", "docker -H fd:// ps",
     "docker ps --format '{{.Nope'", "DOCKER_HOST=ssh://me@box docker run -e A -it alpine sh", "", "docker",
     "docker --help", "docker \x00 ps"],
)
def test_odd_command_lines_are_explained_not_crashed(client, lang, command):
    answer = client.post(f"/{lang}/lab/config/result", data=form(CORRECTED_SAMPLE, command), headers=HX)
    assert answer.status_code == 200
    assert "Traceback" not in answer.get_data(as_text=True)


def test_odd_config_texts_are_explained_not_crashed(client):
    for config in ("[" * 20_000, '{"a": "\\ud800"}', "\ufeff{}", '{"auths": {"r": {"auth": "!!"}}}', "null", "1"):
        answer = client.post("/en/lab/config/result", data=form(config), headers=HX)
        assert answer.status_code == 200 and "Traceback" not in answer.get_data(as_text=True)


@pytest.mark.parametrize("lang", LANGS)
def test_send_docker_ps_carries_the_configured_headers_to_the_sandbox(client, mock_engine, lang):
    seen = recorded(mock_engine)
    answer = client.post(f"/{lang}/lab/config/send", data={**form(CORRECTED_SAMPLE, "docker ps -a"),
                                                            "action": "send-ps"}, headers=HX)
    assert answer.status_code == 200
    body = answer.get_data(as_text=True)
    ping, listing = seen
    assert ping.method == "HEAD" and ping.path.endswith("/_ping")
    # docker CLI 28.2.2, the lab's, speaks up to API 1.50: the lower of that and the daemon's.
    assert listing.method == "GET" and re.fullmatch(r"/sandboxes/\w+/v1\.50/containers/json", listing.path)
    assert listing.query == {"all": ["1"]}
    for request in (ping, listing):
        assert request.header("Myheader") == "MyValue"  # Go's spelling of the article's "MyHeader"
    assert "Myheader: MyValue" in body  # in the request card, as sent
    assert 'class="exchange' in body and "curl" in body
    assert "CONTAINER ID" in body  # the listing, formatted with psFormat's table directive


def test_docker_custom_headers_replace_the_file_s_and_api_version_is_fixed(client, mock_engine):
    seen = recorded(mock_engine)
    data = {**form('{"HttpHeaders": {"X-From-File": "1"}}', "docker ps", DOCKER_CUSTOM_HEADERS="x-from-env=2",
                   DOCKER_API_VERSION="1.44"), "action": "send-ps"}
    client.post("/en/lab/config/send", data=data, headers=HX)
    listing = seen[-1]
    assert "/v1.44/containers/json" in listing.path
    assert listing.header("X-From-Env") == "2" and listing.header("X-From-File") is None


def test_send_images_formats_with_images_format(client, mock_engine):
    data = {**form('{"imagesFormat": "table {{.Repository}}\\\\t{{.Tag}}"}', "docker ps"), "action": "send-images"}
    body = client.post("/en/lab/config/send", data=data, headers=HX).get_data(as_text=True)
    assert "/images/json" in body and "REPOSITORY" in body and "TAG" in body


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    ("command", "config"),
    [("docker -H tcp://a:1 --context prod ps", "{}"), ("docker ps", '{"HttpHeaders": {"My Header": "x"}}'),
     ("docker ps --format '{{.Nope'", "{}")],
)
def test_send_refuses_what_the_cli_would_refuse(client, mock_engine, lang, command, config):
    seen = recorded(mock_engine)
    body = client.post(f"/{lang}/lab/config/send", data={**form(config, command), "action": "send-ps"},
                       headers=HX).get_data(as_text=True)
    assert seen == []
    assert TEXT[lang]["refused"] in body


def test_send_without_javascript_renders_the_page_with_the_exchanges(client, mock_engine):
    seen = recorded(mock_engine)
    page = client.post("/fr/lab/config", data={**form(CORRECTED_SAMPLE), "action": "send-ps"})
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in body
    assert len(seen) == 2 and "Myheader: MyValue" in body


def test_examples_prefill_the_command_line(client):
    body = client.get("/en/lab/config", query_string={"command": "docker images -q"}).get_data(as_text=True)
    assert 'value="docker images -q"' in body


@pytest.mark.parametrize("lang", LANGS)
def test_the_host_explainer(client, lang):
    page = client.get(f"/{lang}/lab/host", query_string={"address": "tcp://docker.example.com:2376/prefix"})
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "<html" in body and "tcp://docker.example.com:2376/prefix" in body
    assert "/prefix/_ping" in body and "/prefix/v1.50/containers/json" in body
    fragment = client.get(f"/{lang}/lab/host", query_string={"address": "tcp://:7777"}, headers=HX)
    text = fragment.get_data(as_text=True)
    assert "<html" not in text and "tcp://localhost:7777" in text
    invalid = client.get(f"/{lang}/lab/host", query_string={"address": "tcp://host:port"}, headers=HX)
    assert ("Failed to initialize: unable to resolve docker endpoint: parse &#34;tcp://host:port&#34;: "
            "invalid port &#34;:port&#34; after host") in invalid.get_data(as_text=True)


@pytest.mark.parametrize(
    ("address", "tls", "expected"),
    [("", "", "unix:///var/run/docker.sock"), ("", "on", "tcp://localhost:2376"), ("tcp://", "on", "2375"),
     ("fd://", "", "systemd"), ("ssh://me@box", "", "dial-stdio"), ("npipe://", "", "//./pipe/docker_engine")],
)
def test_the_host_explainer_covers_every_form(client, address, tls, expected):
    body = client.get("/en/lab/host", query_string={"address": address, "tls": tls}, headers=HX).get_data(as_text=True)
    assert expected in body


@pytest.mark.parametrize("lang", LANGS)
def test_the_host_explainer_refuses_an_ssh_address_without_a_host(client, lang):
    body = client.get(f"/{lang}/lab/host", query_string={"address": "ssh://"}, headers=HX).get_data(as_text=True)
    assert "Failed to initialize: ssh host connection is not valid: invalid SSH URL: hostname is empty" in body
    assert translated("Refused.", lang) in body and translated("Defaults applied", lang) not in body


def test_the_host_explainer_bounds_its_input(client):
    answer = client.get("/en/lab/host", query_string={"address": "x" * 3000})
    assert answer.status_code == 400 and 'role="alert"' in answer.get_data(as_text=True)


def test_unknown_language_is_a_404(client):
    assert client.get("/de/lab/config").status_code == 404
    assert client.get("/de/lab/").status_code == 404


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("path", ["/lab/", "/lab"])
def test_the_lab_s_own_address_leads_to_its_first_tab(client, lang, path):
    answer = client.get(f"/{lang}{path}")
    assert answer.status_code == 302 and answer.headers["Location"] == f"/{lang}/lab/config"
    assert client.get(f"/{lang}{path}", follow_redirects=True).status_code == 200


def test_send_goes_on_with_a_caveat_when_the_stop_depends_on_the_reader_s_machine(client, mock_engine):
    seen = recorded(mock_engine)
    body = client.post("/en/lab/config/send", data={**form("{}", "docker ps", DOCKER_CONTEXT="prod"),
                                                     "action": "send-ps"}, headers=HX).get_data(as_text=True)
    assert len(seen) == 2 and "Sent anyway" in body and "context &#34;prod&#34;: context not found" in body


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_too_much_pasted_is_refused_where_the_result_goes_and_the_editor_stays(client, lang):
    """A paste past the site's whole-request limit is refused before the lab reads it: htmx is told to show why
    in the result area, not in place of the page, whose editor still holds what was pasted."""
    client.get(f"/{lang}/lab/config")
    huge = '{"auths": {}, "x": "' + "a" * 400_000 + '"}'
    answer = client.post(f"/{lang}/lab/config/result", data={"config": huge},
                         headers={"HX-Request": "true", "HX-Target": "lab-result"})
    assert answer.status_code == 413
    assert answer.headers["HX-Retarget"] == "#lab-result"
    text = answer.get_data(as_text=True)
    assert ("Too much at once" if lang == "en" else "Trop d&#39;un coup") in text and "256" in text
    plain = client.post(f"/{lang}/lab/config", data={"config": huge})
    assert plain.status_code == 413 and "256" in plain.get_data(as_text=True)
    other = client.post(f"/{lang}/replay/run", data={"step": "1"}, headers={"HX-Request": "true", "HX-Target": "x y"})
    assert other.headers.get("HX-Retarget") in (None, "#content")


@pytest.mark.parametrize("line", ["docker ps '", "ls -la"])
def test_a_line_that_does_not_run_docker_is_not_said_to_carry_on(client, line):
    client.get("/en/lab/config")
    html = client.post("/en/lab/config/result", data={"config": "{}", "command": line},
                       headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "This line does not run docker" in html and "the docker CLI would not run" in html
    assert "carries on" not in html and "Nothing on stderr" not in html


def test_a_header_value_beyond_ascii_goes_out_as_go_sends_it(client, mock_engine):
    """Go writes a header value's UTF-8 bytes as they are: so does the lab's CLI, and the card shows them."""
    seen = recorded(mock_engine)
    data = {**form('{"HttpHeaders": {"X-Name": "café ☕"}}', "docker ps"), "action": "send-ps"}
    answer = client.post("/en/lab/config/send", data=data, headers=HX)
    assert answer.status_code == 200
    assert seen and all(request.header("X-Name") == "café ☕".encode().decode("latin-1") for request in seen)
    assert "X-Name: caf" in answer.get_data(as_text=True)


@pytest.mark.parametrize("lang", LANGS)
def test_option_names_in_the_explanations_keep_to_one_line(client, lang):
    """A narrow column (a phone, French's longer sentences) broke "--help" after its hyphens."""
    answer = client.post(f"/{lang}/lab/config/result", data=form(CORRECTED_SAMPLE, "docker --help"), headers=HX)
    body = answer.get_data(as_text=True)
    assert '<span class="nowrap">--help</span>' in body and '<span class="nowrap">--version</span>' in body
    # And in the reasons the settings table gives (--detach-keys beats the file's detachKeys).
    command = "docker run --detach-keys ctrl-x,x alpine"
    answer = client.post(f"/{lang}/lab/config/result", data=form(CORRECTED_SAMPLE, command), headers=HX)
    assert '<span class="nowrap">--detach-keys</span>' in answer.get_data(as_text=True)
