"""ETag, Cache-Control, Vary and 304 on the answers that are a pure function of the URL (RFC 9110/9111)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from service.advisor import Advisor
from service.api.app import create_app
from service.api.http_cache import entity_tag, none_match
from service.settings import Settings

QUERY = "/v1/recommendations?q=cross-host%20swarm%20encrypted%20ports=80,443"
CACHEABLE = [
    QUERY,
    QUERY + "&format=markdown",
    "/v1/rules",
    "/v1/rules/NA001",
    "/v1/drivers",
    "/v1/drivers/macvlan",
    "/v1/review-rules",
    "/v1/plugins",
]


@pytest.mark.parametrize("path", CACHEABLE)
def test_a_cacheable_answer_has_a_strong_etag_and_a_revalidation_gets_304(
    client: TestClient, path: str
) -> None:
    first = client.get(path)
    tag = first.headers["etag"]
    assert first.status_code == 200 and tag.startswith('"') and tag.endswith('"')
    assert first.headers["cache-control"] == "public, max-age=300"
    assert client.get(path).headers["etag"] == tag  # the same URL, the same bytes, the same tag

    revalidated = client.get(path, headers={"If-None-Match": tag})
    assert revalidated.status_code == 304
    assert revalidated.content == b""
    assert revalidated.headers["etag"] == tag
    assert revalidated.headers["cache-control"] == first.headers["cache-control"]
    assert revalidated.headers.get("vary") == first.headers.get("vary")
    assert revalidated.headers.get("content-language") == first.headers.get("content-language")
    assert "x-request-id" in revalidated.headers


@pytest.mark.parametrize(
    "condition",
    ["{tag}", "W/{tag}", '"other", {tag}', '"other",W/{tag}', "*", ' "other" , {tag} '],
)
def test_if_none_match_uses_weak_comparison_lists_and_star(client: TestClient, condition: str) -> None:
    tag = client.get("/v1/drivers").headers["etag"]
    assert client.get("/v1/drivers", headers={"If-None-Match": condition.format(tag=tag)}).status_code == 304


@pytest.mark.parametrize("condition", ['"other"', 'W/"other"', '"', ""])
def test_a_tag_that_does_not_match_gets_the_full_answer(client: TestClient, condition: str) -> None:
    response = client.get("/v1/drivers", headers={"If-None-Match": condition})
    assert response.status_code == 200 and response.json()


def test_the_format_changes_the_tag_and_the_answer_varies_on_accept(client: TestClient) -> None:
    as_json = client.get(QUERY)
    as_markdown = client.get(QUERY, headers={"Accept": "text/markdown"})
    # one Vary header naming both: the language's and the format's
    assert (
        as_json.headers.get_list("vary")
        == as_markdown.headers.get_list("vary")
        == ["Accept-Language, Accept"]
    )
    assert as_json.headers["etag"] != as_markdown.headers["etag"]
    stale = client.get(QUERY, headers={"Accept": "text/markdown", "If-None-Match": as_json.headers["etag"]})
    assert stale.status_code == 200 and stale.headers["content-type"].startswith("text/markdown")


def test_catalogue_routes_vary_only_on_the_language(client: TestClient) -> None:
    assert client.get("/v1/rules").headers.get_list("vary") == ["Accept-Language"]


LANGUAGE_PATHS = [QUERY, QUERY + "&format=markdown", "/v1/rules", "/v1/rules/NA001", "/v1/drivers/macvlan"]


@pytest.mark.parametrize("path", LANGUAGE_PATHS)
def test_each_language_has_its_own_tag_and_one_never_revalidates_the_other(
    client: TestClient, path: str
) -> None:
    """English, then Chinese asked by `?lang=`, by Accept-Language and (for `?q=`) by a `lang=zh` token:
    the Chinese tags are one tag, not the English one, and an English tag gets the Chinese answer in full."""
    english = client.get(path)
    join = "&" if "?" in path else "?"
    asks = [
        client.get(path + join + "lang=zh"),
        client.get(path, headers={"Accept-Language": "zh-CN,zh;q=0.9"}),
    ]
    if path.startswith(QUERY):
        asks.append(client.get(path.replace("ports=80,443", "ports=80,443%20lang=zh")))
    tags = {answer.headers["etag"] for answer in asks}
    assert len(tags) == 1 and english.headers["etag"] not in tags
    assert {answer.headers["content-language"] for answer in asks} == {"zh-CN"}
    stale = client.get(path, headers={"Accept-Language": "zh-CN", "If-None-Match": english.headers["etag"]})
    assert stale.status_code == 200 and stale.content == asks[1].content
    fresh = client.get(path, headers={"Accept-Language": "zh-CN", "If-None-Match": tags.pop()})
    assert fresh.status_code == 304 and fresh.headers["content-language"] == "zh-CN"
    assert fresh.headers.get_list("vary") == asks[1].headers.get_list("vary")


def test_the_same_bytes_in_another_language_are_another_tag() -> None:
    body = b'{"id": "NA001"}'
    assert entity_tag(body, b"application/json", b"en") != entity_tag(body, b"application/json", b"zh-CN")
    assert entity_tag(body, b"application/json", b"en") == entity_tag(body, b"application/json", b"en")
    assert entity_tag(body, b"text/plain", b"en") != entity_tag(body, b"application/json", b"en")


def test_the_document_lists_304_on_every_conditional_get(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    with_304 = sorted(path for path, ops in paths.items() if "304" in ops.get("get", {}).get("responses", {}))
    assert with_304 == sorted(
        [
            "/v1/recommendations",
            "/v1/rules",
            "/v1/rules/{rule_id}",
            "/v1/drivers",
            "/v1/drivers/{driver}",
            "/v1/review-rules",
            "/v1/review-rules/{rule_id}",
            "/v1/plugins",
            "/v1/plugins/{name}",
        ]
    )
    assert "304" not in paths["/v1/recommendations"]["post"]["responses"]


def test_errors_and_other_routes_carry_no_validators(client: TestClient) -> None:
    missing = client.get("/v1/rules/NA999", headers={"If-None-Match": "*"})
    assert missing.status_code == 404 and "etag" not in missing.headers
    invalid = client.get("/v1/recommendations", params={"q": "hosts=lots"}, headers={"If-None-Match": "*"})
    assert invalid.status_code == 422 and "etag" not in invalid.headers
    posted = client.post("/v1/recommendations", json={})
    assert posted.status_code == 200 and "etag" not in posted.headers
    assert "etag" not in client.get("/healthz").headers


def test_with_api_keys_shared_caches_are_told_not_to_store(advisor: Advisor) -> None:
    settings = Settings(api_keys=SecretStr("k-123456"))
    with TestClient(create_app(settings, advisor=advisor)) as client:
        refused = client.get("/v1/rules", headers={"If-None-Match": "*"})
        answered = client.get("/v1/rules", headers={"Authorization": "Bearer k-123456"})
    assert refused.status_code == 401 and "etag" not in refused.headers
    assert answered.headers["cache-control"] == "private, max-age=300"


def test_none_match_parsing() -> None:
    assert none_match('W/"a", "b"', '"b"')
    assert not none_match('"ab"', '"a"')
    assert not none_match('W/"a"', '"b"')
