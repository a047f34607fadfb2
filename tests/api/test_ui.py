"""The page at `/` and the API docs as served: same-origin assets only, each one served, open without a key.

What a browser does with them is in tests/api/test_browser.py; these checks need no browser.
"""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from service.advisor import Advisor
from service.api.app import create_app
from service.settings import Settings

PAGES = ("/", "/docs", "/redoc")


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
