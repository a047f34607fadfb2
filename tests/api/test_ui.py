"""The page at `/` and the API docs as served: same-origin assets only, each one served, open without a key.

What a browser does with them is in tests/api/test_browser.py; these checks need no browser.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from service.advisor import Advisor
from service.api.app import create_app
from service.i18n import SUPPORTED_LANGUAGES, gettext_for
from service.models import Deployment, Requirements
from service.settings import Settings
from tests.paths import SERVICE

PAGES = ("/", "/docs", "/redoc")
STATIC = SERVICE / "web" / "static"


class References(HTMLParser):
    """Every URL a page makes the browser load (scripts, styles, icons, images), and its inline scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts = 0
        self._in_script_without_src = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for name in ("src", "href"):
            if found.get(name) and (tag != "a" or name != "href"):
                self.urls.append(str(found[name]))
        self._in_script_without_src = tag == "script" and not found.get("src")

    def handle_data(self, data: str) -> None:
        if self._in_script_without_src and data.strip():
            self.inline_scripts += 1

    def handle_endtag(self, tag: str) -> None:
        self._in_script_without_src = False


def references(html: str) -> References:
    parser = References()
    parser.feed(html)
    return parser


@pytest.fixture
def keyed(advisor: Advisor) -> Iterator[TestClient]:
    """API keys on: the page and the docs must still load; the key is the page's business."""
    settings = Settings(api_keys=SecretStr("the-key"))
    with TestClient(create_app(settings, advisor=advisor)) as client:
        yield client


@pytest.mark.parametrize("path", PAGES)
def test_pages_load_only_same_origin_assets_and_each_is_served(keyed: TestClient, path: str) -> None:
    response = keyed.get(path)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    urls = references(response.text).urls
    assert urls, "a page with no assets would make this test vacuous"
    for url in urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc and url.startswith("/"), f"{path} loads {url}"
        asset = keyed.get(url)
        assert asset.status_code == 200, f"{path} references {url}, answered {asset.status_code}"
        assert asset.content


def test_the_page_forbids_other_origins_and_inline_scripts(client: TestClient) -> None:
    response = client.get("/")
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "unsafe-inline" not in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert references(response.text).inline_scripts == 0


def test_redoc_is_kept_from_its_cdn_logo(client: TestClient) -> None:
    policy = client.get("/redoc").headers["content-security-policy"]
    assert "img-src 'self' data:" in policy and "default-src 'self'" in policy


def test_the_page_scripts_are_javascript_and_the_api_still_needs_the_key(keyed: TestClient) -> None:
    script = keyed.get("/static/ui/app.js")
    assert script.headers["content-type"].startswith("text/javascript")
    assert keyed.post("/v1/recommendations", json={}).status_code == 401
    assert keyed.get("/openapi.json").status_code == 200  # the page builds its form from it
    assert keyed.get("/static/ui/nothing-here.js").status_code == 404


def test_the_page_is_not_in_the_api_document(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "/" not in paths and not any(path.startswith("/static") for path in paths)


def test_browser_tests_skip_without_chromium_and_fail_when_ci_requires_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.api import test_browser

    monkeypatch.setattr(test_browser, "CHROMIUM_CANDIDATES", ("/nonexistent/chromium",))
    monkeypatch.setattr(test_browser.shutil, "which", lambda name: None)
    monkeypatch.delenv("NETADVISOR_REQUIRE_BROWSER", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"no chromium \(apt-get install -y chromium\)"):
        test_browser._chromium()
    monkeypatch.setenv("NETADVISOR_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="NETADVISOR_REQUIRE_BROWSER=1"):
        test_browser._chromium()


# -- the page in each language ------------------------------------------------------------------------------


def _strings() -> dict[str, dict[str, str]]:
    strings: dict[str, dict[str, str]] = json.loads((STATIC / "strings.json").read_text(encoding="utf-8"))
    return strings


def _placeholders(message: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(message) if name}


def test_every_page_string_has_every_language_with_the_same_placeholders() -> None:
    strings = _strings()
    assert sorted(strings) == sorted(SUPPORTED_LANGUAGES)
    english = strings["en"]
    for language, texts in strings.items():
        assert set(texts) == set(english), (language, set(texts) ^ set(english))
        empty = [key for key, message in texts.items() if not message.strip()]
        assert not empty, (language, empty)
        changed = [key for key in english if _placeholders(texts[key]) != _placeholders(english[key])]
        assert not changed, f"{language} drops or renames a {{placeholder}} in {changed}"
    same = [key for key in english if strings["zh-CN"][key] == english[key]]
    assert not same, f"zh-CN strings left in English: {same}"


def test_every_string_the_page_names_exists() -> None:
    """A key the script or the HTML uses but strings.json lacks would show as the bare key."""
    script = (STATIC / "app.js").read_text(encoding="utf-8")
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    used = set(re.findall(r'\btext\("(\w+)"[,)]', script)) | set(re.findall(r'data-text="(\w+)"', html))
    used |= {"section_" + section for section in re.findall(r'"(requirements|deployment)"', script)}
    groups = re.search(r"COMMAND_GROUPS = \[([^]]*)\]", script)
    assert groups is not None
    used |= set(re.findall(r'"(\w+)"', groups.group(1)))  # text(group) for each
    assert len(used) > 30, "the pattern stopped finding the page's keys"
    assert used - set(_strings()["en"]) == set()


def _help_by_path(body: list[dict[str, Any]]) -> dict[str, str]:
    described = {section["section"]: section["description"] for section in body}
    described |= {field["field"]: field["description"] for section in body for field in section["fields"]}
    return described


def test_request_fields_list_every_field_in_order_with_its_help_in_english_and_chinese(
    keyed: TestClient,
) -> None:
    english = keyed.get("/v1/request-fields")  # open without a key: the page labels its form before one
    assert english.status_code == 200 and english.headers["content-language"] == "en"
    body = english.json()
    assert [section["section"] for section in body] == ["requirements", "deployment"]
    for section, model in zip(body, (Requirements, Deployment), strict=True):
        assert [field["name"] for field in section["fields"]] == list(model.model_fields)
        assert section["description"] == model.model_json_schema()["description"]
        for field in section["fields"]:
            assert field["description"] == model.model_fields[field["name"]].description
            assert field["field"] == f"{section['section']}.{field['name']}"

    chinese = keyed.get("/v1/request-fields", headers={"Accept-Language": "zh-CN,en;q=0.5"})
    assert chinese.headers["content-language"] == "zh-CN"
    assert "accept-language" in chinese.headers["vary"].lower()
    zh = gettext_for("zh-CN")
    for path, text in _help_by_path(chinese.json()).items():
        source = _help_by_path(body)[path]
        assert text == zh(source) and text != source, path  # the .po test checks every one is translated
    assert _help_by_path(chinese.json())["requirements.hosts"] == "运行该应用的 Docker 主机数量。"
    assert keyed.get("/v1/request-fields?lang=zh").json() == chinese.json()


def test_request_fields_refuse_an_unknown_language_or_parameter(client: TestClient) -> None:
    unknown = client.get("/v1/request-fields?lang=fr")
    assert unknown.status_code == 422 and unknown.json()["error"]["details"][0]["field"] == "lang"
    typo = client.get("/v1/request-fields?lnag=zh")
    assert typo.status_code == 422 and typo.json()["error"]["details"][0]["field"] == "lnag"
