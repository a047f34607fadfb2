"""The page at `/` and the API docs in a real headless chromium (Debian's package, driven by Playwright).

The server is a real `netadvisor serve` on a free port with API keys on, so the page must send the key it
is given. Every request the browser makes to another origin is aborted and recorded: a test fails if the
page or the docs try to reach the internet (a CDN, Google fonts, a validator badge).

Without chromium these tests skip with one line; NETADVISOR_REQUIRE_BROWSER=1 (CI) makes that a failure.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from service.api.ui_routes import STATIC_DIR
from service.i18n import gettext_for
from service.models import Deployment, Requirements
from tests.cli.test_serve import Server, running

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/lib/chromium/chromium")
API_KEY = "browser-test-key"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


def _chromium() -> str:
    found = [path for path in CHROMIUM_CANDIDATES if Path(path).is_file() and os.access(path, os.X_OK)]
    found += [path for path in [shutil.which("chromium")] if path and path not in found]
    reason = ""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        reason = "playwright is not installed (pip install -e '.[dev]')"
    if not found:
        reason = "no chromium (apt-get install -y chromium)"
    if reason:
        if os.environ.get("NETADVISOR_REQUIRE_BROWSER") == "1":
            pytest.fail(
                f"browser tests need a browser: {reason} [NETADVISOR_REQUIRE_BROWSER=1]", pytrace=False
            )
        pytest.skip(f"browser tests skipped: {reason}")
    return found[0]


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with running(env={"NETADVISOR_API_KEYS": API_KEY}) as started:
        yield started


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = _chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True)
        yield launched
        launched.close()


class Page:
    """A fresh browser tab that refuses and records every request to another origin, and every console
    error (a Content-Security-Policy violation is one). `locale` is the browser's language (what it puts
    in navigator.languages and Accept-Language), fixed so that the machine's own cannot change a test."""

    def __init__(self, browser: Any, server: Server, locale: str = "en-US") -> None:
        self.server = server
        self.context = browser.new_context(permissions=["clipboard-read", "clipboard-write"], locale=locale)
        self.foreign: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.tab = self.context.new_page()
        self.tab.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        self.tab.on("pageerror", lambda error: self.errors.append(str(error)))

    def _route(self, route: Any) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob") or parts.hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            self.foreign.append(url)
            route.abort()

    def open(self, path: str) -> Any:
        self.tab.goto(self.server.url + path)
        return self.tab

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def page(request: pytest.FixtureRequest, browser: Any, server: Server) -> Iterator[Page]:
    """A tab in US English, or in the locale a test names with `@pytest.mark.parametrize("page", [...],
    indirect=True)`."""
    opened = Page(browser, server, getattr(request, "param", "en-US"))
    yield opened
    opened.close()
    assert opened.foreign == [], f"the page tried to reach other origins: {opened.foreign}"


def by_id(element_id: str) -> str:
    """Field IDs hold dots (`field-requirements.hosts`), which a `#id` selector would read as classes."""
    return f'[id="{element_id}"]'


def open_form(page: Page, path: str = "/") -> Any:
    tab = page.open(path)
    tab.wait_for_selector("form[data-ready=true]")
    tab.fill("#api-key", API_KEY)
    return tab


def plain(description: str | None) -> str:
    return (description or "").replace("`", "")


def test_the_form_has_every_request_field_with_its_help_text(page: Page) -> None:
    tab = open_form(page)
    for section, model in (("requirements", Requirements), ("deployment", Deployment)):
        for name, field in model.model_fields.items():
            help_text = tab.inner_text(by_id(f"field-{section}.{name}-help"))
            assert help_text.startswith(plain(field.description)), (section, name, help_text)
    assert tab.eval_on_selector(by_id("field-requirements.swarm"), "node => node.type") == "checkbox"
    assert tab.eval_on_selector(by_id("field-requirements.platform"), "node => node.tagName") == "SELECT"
    platforms = tab.eval_on_selector_all(
        by_id("field-requirements.platform") + " option", "o => o.map(x => x.value)"
    )
    assert platforms == ["linux", "docker-desktop", "rootless", "windows"]
    assert page.errors == []


def test_three_swarm_hosts_encrypted_rank_overlay_first_and_the_command_copies(page: Page) -> None:
    tab = open_form(page)
    tab.fill(by_id("field-requirements.hosts"), "3")
    tab.check(by_id("field-requirements.swarm"))
    tab.check(by_id("field-requirements.encryption"))
    tab.click("#submit")
    tab.wait_for_selector("#verdict")

    assert tab.inner_text("#verdict").startswith("Use overlay")
    drivers = tab.eval_on_selector_all("#ranking tbody tr", "rows => rows.map(r => r.dataset.driver)")
    assert drivers[0] == "overlay"
    assert len(drivers) == 6
    reason = tab.locator("#driver-overlay .reasons a.rule").first
    rule = reason.inner_text()
    assert reason.get_attribute("href") == f"/v1/rules/{rule}?lang=en"  # a new tab opens it in English too
    reason.click()  # shown on the page, fetched with the key a plain link could not send
    panel = tab.locator("#rule-panel")
    panel.locator("h3").wait_for(state="visible")
    assert panel.locator("h3").inner_text().startswith(rule + " ")
    assert panel.locator("a").get_attribute("href").startswith("https://")

    block = tab.locator("#driver-overlay .block", has_text="--opt encrypted").first
    command = block.locator("pre").inner_text()
    assert command.startswith("docker network create --driver overlay") and "--opt encrypted" in command
    block.locator("button.copy").click()
    assert tab.evaluate("navigator.clipboard.readText()") == command
    assert "driver: overlay" in tab.locator("#driver-overlay pre[data-copy=overlay-compose]").inner_text()
    assert tab.locator("#driver-overlay .warnings li").count() >= 1
    # Both `docker run` and `docker service create` are given: the page says they are alternatives.
    assert "are alternatives" in tab.locator("#driver-overlay").inner_text()
    assert page.errors == []


def test_once_answered_the_answer_follows_the_form(page: Page) -> None:
    tab = open_form(page)
    tab.fill(by_id("field-requirements.hosts"), "3")
    tab.check(by_id("field-requirements.swarm"))
    tab.click("#submit")
    tab.wait_for_selector("#driver-overlay .block")
    assert tab.locator("#driver-overlay pre", has_text="--opt encrypted").count() == 0
    tab.check(by_id("field-requirements.encryption"))  # no click on the button
    tab.locator("#driver-overlay pre", has_text="--opt encrypted").first.wait_for(state="visible")


def test_an_invalid_field_shows_the_api_message_next_to_it(page: Page) -> None:
    tab = open_form(page)
    tab.fill(by_id("field-deployment.subnet"), "10.0.0.1/24")
    tab.fill(by_id("field-requirements.hosts"), "0")
    tab.click("#submit")
    subnet_error = tab.locator(by_id("field-deployment.subnet-error"))
    subnet_error.wait_for(state="visible")
    assert subnet_error.inner_text().startswith("deployment.subnet: ")
    assert "host bits" in subnet_error.inner_text()
    hosts_error = tab.locator(by_id("field-requirements.hosts-error"))
    assert hosts_error.is_visible() and hosts_error.inner_text().startswith("requirements.hosts: ")
    assert tab.locator("#answer").inner_text() == ""


def test_an_error_after_an_answer_clears_the_old_answer(page: Page) -> None:
    tab = open_form(page)
    tab.click("#submit")
    tab.wait_for_selector("#verdict")
    tab.fill(by_id("field-deployment.gateway"), "10.0.0.1")  # a gateway needs its subnet
    tab.click("#submit")
    tab.locator("#form-error").wait_for(state="visible")
    assert "gateway and ip_range need subnet" in tab.inner_text("#form-error")
    assert tab.locator("#verdict").count() == 0


def test_a_wrong_key_says_so(page: Page) -> None:
    tab = open_form(page)
    tab.fill("#api-key", "not-the-key")
    tab.click("#submit")
    tab.locator("#form-error").wait_for(state="visible")
    assert "API key is not valid" in tab.inner_text("#form-error")


def test_nothing_fits_shows_the_conflicts_and_the_compromise(page: Page) -> None:
    tab = open_form(page)
    tab.check(by_id("field-requirements.own_mac"))
    tab.select_option(by_id("field-requirements.cloud"), "aws")
    tab.click("#submit")
    tab.wait_for_selector("#verdict")
    assert tab.inner_text("#verdict") == "No driver meets every requirement."
    assert "NA013" in tab.inner_text("#conflicts")
    assert tab.locator("#relaxations li").count() >= 1
    assert tab.locator("#compromise .block pre").count() >= 1


ZH = gettext_for("zh-CN")
PAGE_ZH = json.loads((STATIC_DIR / "strings.json").read_text(encoding="utf-8"))["zh-CN"]
CJK = re.compile(r"[\u4e00-\u9fff]")


def ask_for_encrypted_swarm(tab: Any) -> None:
    tab.fill(by_id("field-requirements.hosts"), "3")
    tab.check(by_id("field-requirements.swarm"))
    tab.check(by_id("field-requirements.encryption"))
    tab.click("#submit")
    tab.wait_for_selector("#verdict")


@pytest.mark.parametrize("page", ["zh-CN"], indirect=True)
def test_a_chinese_browser_gets_the_page_and_the_answer_in_chinese_and_the_switch_flips_back(
    page: Page,
) -> None:
    tab = open_form(page)
    assert tab.get_attribute("html", "lang") == "zh-CN"
    assert tab.title() == PAGE_ZH["pageTitle"]
    assert tab.inner_text("#section-requirements legend") == PAGE_ZH["section_requirements"]
    hosts_help = tab.inner_text(by_id("field-requirements.hosts-help"))
    assert (
        hosts_help
        == ZH(Requirements.model_fields["hosts"].description or "")
        == "运行该应用的 Docker 主机数量。"
    )
    assert tab.inner_text("#submit") == "推荐驱动"
    assert tab.get_attribute('#language-switch button[lang="zh-CN"]', "aria-pressed") == "true"

    ask_for_encrypted_swarm(tab)
    assert tab.inner_text("#verdict").startswith("使用 overlay")
    reasons = tab.locator("#driver-overlay .reasons li")
    assert reasons.count() >= 1 and CJK.search(reasons.first.inner_text())
    assert CJK.search(tab.locator("#driver-overlay .warnings li").first.inner_text())
    assert tab.locator("#driver-overlay pre", has_text="--opt encrypted").count() == 1  # commands stay as is
    rule = tab.locator("#driver-overlay .reasons a.rule").first
    assert rule.get_attribute("href").endswith("?lang=zh-CN")
    rule.click()
    tab.locator("#rule-panel h3").wait_for(state="visible")  # the rule, not the "working" line before it
    summary = tab.inner_text("#rule-panel h3 + p")
    assert CJK.search(summary), summary

    tab.click('#language-switch button[lang="en"]')
    # Locators, not wait_for_function: the page's policy forbids the eval a string predicate needs.
    tab.locator("#verdict", has_text="Use overlay").wait_for()
    assert tab.get_attribute("html", "lang") == "en"
    assert tab.url.endswith("?lang=en")
    assert tab.inner_text("#section-requirements legend").startswith("Requirements:")
    english_help = Requirements.model_fields["hosts"].description or ""
    tab.locator(by_id("field-requirements.hosts-help"), has_text=english_help).wait_for()
    assert tab.inner_text(by_id("field-requirements.hosts-help")) == english_help
    assert tab.input_value(by_id("field-requirements.hosts")) == "3"  # the form keeps what was typed
    assert not CJK.search(tab.inner_text("#answer"))
    assert page.errors == []


@pytest.mark.parametrize("page", ["zh-TW"], indirect=True)
def test_traditional_chinese_gets_english_unless_the_url_asks_for_zh(page: Page) -> None:
    """As the API: there are no Traditional Chinese texts, so zh-TW is not given Simplified ones."""
    tab = open_form(page)
    assert tab.get_attribute("html", "lang") == "en"
    assert tab.inner_text("#submit") == "Recommend a driver"
    tab = open_form(page, "/?lang=zh")
    assert tab.get_attribute("html", "lang") == "zh-CN"
    ask_for_encrypted_swarm(tab)
    assert tab.inner_text("#verdict").startswith("使用 overlay")
    assert tab.get_attribute('#language-switch button[lang="en"]', "aria-pressed") == "false"


@pytest.mark.parametrize(("path", "rendered"), [("/docs", ".swagger-ui .info .title"), ("/redoc", "h1")])
def test_the_api_docs_render_without_internet(page: Page, path: str, rendered: str) -> None:
    tab = page.open(path)
    title = tab.locator(rendered, has_text="netadvisor").first
    title.wait_for(state="visible", timeout=30_000)
    tab.wait_for_load_state("networkidle")
    # `page` asserts after the test that nothing reached for another origin. The one console error allowed
    # is the policy refusing ReDoc's CDN logo: that is the refusal that keeps the page offline.
    refused_logo = "cdn.redoc.ly/redoc/logo-mini.svg' violates the following Content Security Policy"
    assert [error for error in page.errors if refused_logo not in error] == []
