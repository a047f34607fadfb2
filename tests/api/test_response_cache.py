"""The response cache: a repeated request is a hit with the same bytes; what changes an answer, the key."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.advisor import Advisor
from service.api.app import create_app
from service.api.response_cache import ResponseCache, cache_key
from service.api.routes import Answerer
from service.catalogue import default_rules_dir, load_catalogue
from service.i18n import Language
from service.models import RecommendationRequest
from service.settings import Settings
from tests.observability.test_operations import samples

BODY = {"requirements": {"cross_host": True, "ports": ["80", "443"]}}


def lookups(client: TestClient) -> dict[str, float]:
    found = samples(client, "netadvisor_response_cache_lookups_total")
    return {dict(labels)["result"]: value for labels, value in found.items()}


def gauge(client: TestClient, name: str) -> float:
    return samples(client, name)[()]


def test_the_same_body_twice_is_a_hit_with_the_same_bytes(advisor: Advisor) -> None:
    with TestClient(create_app(Settings(response_cache_size=8), advisor=advisor)) as client:
        first = client.post("/v1/recommendations", json=BODY)
        after_first = lookups(client)
        second = client.post("/v1/recommendations", json=BODY)
        after_second = lookups(client)
        assert gauge(client, "netadvisor_response_cache_entries") == 1
        assert gauge(client, "netadvisor_response_cache_capacity") == 8
    assert first.status_code == second.status_code == 200
    assert first.content == second.content and first.headers["content-type"] == second.headers["content-type"]
    assert after_first == {"hit": 0, "miss": 1}
    assert after_second == {"hit": 1, "miss": 1}


def test_format_query_and_accept_are_part_of_the_key(advisor: Advisor) -> None:
    with TestClient(create_app(Settings(), advisor=advisor)) as client:
        json_answer = client.post("/v1/recommendations", json=BODY)
        markdown = client.post("/v1/recommendations?format=markdown", json=BODY)
        text = client.post("/v1/recommendations", json=BODY, headers={"Accept": "text/plain"})
        query = client.get("/v1/recommendations", params={"q": "cross-host ports=80,443"})
        again = client.get("/v1/recommendations", params={"q": "cross-host ports=80,443"})
        assert lookups(client) == {"hit": 1, "miss": 4}
    assert markdown.headers["content-type"] == "text/markdown; charset=utf-8"
    assert text.headers["content-type"] == "text/plain; charset=utf-8"
    assert len({json_answer.content, markdown.content, text.content}) == 3
    assert query.content == again.content


def test_what_the_client_set_and_sent_stays_in_the_key() -> None:
    """`multicast: true` reads as `lan` but the answer says so; an explicit default is a set field."""

    def key(body: dict[str, object]) -> object:
        return cache_key(RecommendationRequest.model_validate(body), "json", "en", "v")

    assert key({"requirements": {"multicast": True}}) != key({"requirements": {"multicast": "lan"}})
    assert key({"requirements": {"hosts": 1}}) != key({"requirements": {}})
    assert key({"requirements": {"ports": ["80", "443"]}}) != key({"requirements": {"ports": ["443", "80"]}})
    assert key({"requirements": {"hosts": 3, "swarm": True}}) == key(
        {"requirements": {"swarm": True, "hosts": 3}}
    )


def test_a_different_catalogue_is_a_different_key(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), rules)
    rule = rules / "selection" / "NA001.yaml"
    rule.write_text(rule.read_text().replace("connects them with DNS by name", "connects them by name"))
    ours, theirs = Advisor(load_catalogue()), Advisor(load_catalogue(rules))
    assert ours.catalogue.version != theirs.catalogue.version
    request = RecommendationRequest.model_validate({})
    assert cache_key(request, "json", "en", ours.catalogue.version) != cache_key(
        request, "json", "en", theirs.catalogue.version
    )
    shared = ResponseCache(8)  # even one cache for both could not mix their answers up
    mine, other = Answerer(ours, shared), Answerer(theirs, shared)
    assert mine.answer(request, "json", "en").body != other.answer(request, "json", "en").body
    assert len(shared) == 2


def test_the_cache_is_bounded_and_size_zero_turns_it_off(advisor: Advisor) -> None:
    bodies = [{"requirements": {"hosts": hosts}} for hosts in range(1, 6)]
    with TestClient(create_app(Settings(response_cache_size=2), advisor=advisor)) as client:
        for body in bodies:
            client.post("/v1/recommendations", json=body)
        assert gauge(client, "netadvisor_response_cache_entries") == 2
        client.post("/v1/recommendations", json=bodies[0])  # evicted long ago
        assert lookups(client) == {"hit": 0, "miss": 6}
    with TestClient(create_app(Settings(response_cache_size=0), advisor=advisor)) as client:
        first, second = (client.post("/v1/recommendations", json=BODY) for _ in range(2))
        assert first.content == second.content
        assert lookups(client) == {"hit": 0, "miss": 0}


def test_the_size_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETADVISOR_RESPONSE_CACHE_SIZE", "17")
    assert Settings().response_cache_size == 17


# Each way of asking for a language, and what it negotiates to.
LANGUAGE_ASKS: list[tuple[str, dict[str, str], str]] = [
    ("", {}, "en"),
    ("?lang=zh", {}, "zh-CN"),
    ("", {"Accept-Language": "zh-CN"}, "zh-CN"),
    ("?lang=en", {"Accept-Language": "zh-CN"}, "en"),
    ("?lang=zh-CN&format=markdown", {}, "zh-CN"),
    ("?format=markdown", {"Accept-Language": "zh-Hans, en;q=0.5"}, "zh-CN"),
]


def _comparable(response: Any) -> tuple[int, bytes, dict[str, str]]:
    headers = {name: value for name, value in response.headers.items() if name != "x-request-id"}
    return response.status_code, response.content, headers


def test_the_negotiated_language_is_part_of_the_key(advisor: Advisor) -> None:
    """English first, then Chinese asked three ways: a Chinese answer is never the cached English one, and
    a hit carries its own Content-Language and Vary, exactly as the uncached app answers."""
    with (
        TestClient(create_app(Settings(response_cache_size=64), advisor=advisor)) as cached,
        TestClient(create_app(Settings(response_cache_size=0), advisor=advisor)) as uncached,
    ):
        for _ in range(2):  # misses, then hits
            for query, headers, language in LANGUAGE_ASKS:
                got = cached.post(f"/v1/recommendations{query}", json=BODY, headers=headers)
                want = uncached.post(f"/v1/recommendations{query}", json=BODY, headers=headers)
                assert _comparable(got) == _comparable(want), (query, headers)
                assert got.headers["content-language"] == language
                assert "Accept-Language" in got.headers["vary"]
        # English JSON, Chinese JSON, Chinese Markdown: three answers; everything else a hit
        assert lookups(cached) == {"hit": 2 * len(LANGUAGE_ASKS) - 3, "miss": 3}
    english = cached_answer(advisor, "en")
    chinese = cached_answer(advisor, "zh-CN")
    assert english != chinese


def cached_answer(advisor: Advisor, language: Language) -> bytes:
    return Answerer(advisor, ResponseCache(4)).answer(RecommendationRequest(), "json", language).body


def test_a_query_with_lang_zh_is_a_chinese_answer_and_a_bad_lang_is_not_cached(advisor: Advisor) -> None:
    with (
        TestClient(create_app(Settings(), advisor=advisor)) as cached,
        TestClient(create_app(Settings(response_cache_size=0), advisor=advisor)) as uncached,
    ):
        for q in ("cross-host ports=80", "cross-host ports=80 lang=zh", "cross-host ports=80"):
            got = cached.get("/v1/recommendations", params={"q": q})
            want = uncached.get("/v1/recommendations", params={"q": q})
            assert _comparable(got) == _comparable(want)
            assert got.headers["content-language"] == ("zh-CN" if "lang=zh" in q else "en")
        bad = cached.post("/v1/recommendations?lang=fr", json=BODY)
        assert bad.status_code == 422 and "lang" in bad.text
        assert lookups(cached) == {"hit": 1, "miss": 2}
