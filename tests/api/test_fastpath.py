"""The recommendation fast path answers exactly as the FastAPI route would, and hands on what it cannot."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from bench.distinct import distinct_requests
from service.advisor import Advisor
from service.api.app import create_app
from service.api.routes import Answerer, get_advisor, get_answerer
from service.settings import Settings
from tests.observability.test_operations import requests_counted

JSON = {"Content-Type": "application/json"}
BODIES = [json.dumps(body).encode() for body in distinct_requests(40, seed=3)]
# (query, headers, raw body): valid ones the fast path answers, and every kind it hands on.
CASES: list[tuple[str, dict[str, str], bytes]] = [
    *(("", JSON, body) for body in BODIES),
    ("?format=markdown", JSON, BODIES[0]),
    ("?format=text", JSON, BODIES[1]),
    ("", {**JSON, "Accept": "text/markdown"}, BODIES[2]),
    ("", {**JSON, "Accept": "text/plain"}, BODIES[3]),
    ("", {"Content-Type": "application/json; charset=utf-8"}, BODIES[4]),
    ("?format=json&format=text", JSON, BODIES[5]),  # repeated: left to FastAPI
    ("?format=yaml", JSON, BODIES[6]),  # 422 naming the values
    ("?format=", JSON, BODIES[6]),
    ("?other=1", JSON, BODIES[7]),
    ("", {"Content-Type": "text/plain"}, BODIES[8]),
    ("", {}, BODIES[8]),  # no content type
    ("", JSON, b""),
    ("", JSON, b"{"),
    ("", JSON, b"[1, 2]"),
    ("", JSON, b'"text"'),
    ("", JSON, b"null"),
    ("", JSON, b'{"requirements": {"hosts": 1e400}}'),
    ("", JSON, b'{"requirements": {"hosts": 123456789012345678901234567890}}'),
    ("", JSON, b'{"requirements": {"hosts": 0}}'),
    ("", JSON, b'{"requirements": {"nonsense": true}}'),
    ("", JSON, b'{"requirements": {"multicast": true}}'),
    ("", JSON, b'{"requirements": {"hosts": 2, "hosts": 3}}'),
    ("", JSON, b'\xef\xbb\xbf{"requirements": {}}'),  # a byte-order mark
    ("", JSON, b'{"requirements": {"ports": ["80", "80"]}}'),
    # strict types: the route refuses these; the layer must hand them on
    ("", JSON, b'{"requirements": {"hosts": "3"}}'),
    ("", JSON, b'{"requirements": {"hosts": 3.0}}'),
    ("", JSON, b'{"requirements": {"hosts": 3.5}}'),
    ("", JSON, b'{"requirements": {"swarm": "yes"}}'),
    ("", JSON, b'{"requirements": {"swarm": 1}}'),
    ("", JSON, b'{"requirements": {"platform": "windows", "swarm": true}}'),
    # languages: ?lang= (every tag of the enum, repeated, unknown, empty), Accept-Language, both
    *((f"?lang={tag}", JSON, BODIES[9]) for tag in ("en", "zh", "zh-CN", "zh-Hans", "zh-SG")),
    ("?lang=zh&format=markdown", JSON, BODIES[10]),
    ("?lang=zh&format=text", JSON, BODIES[10]),
    ("?lang=zh&lang=en", JSON, BODIES[11]),
    ("?lang=fr", JSON, BODIES[11]),  # 422 naming lang
    ("?lang=", JSON, BODIES[11]),
    ("?lang=ZH", JSON, BODIES[11]),
    ("", {**JSON, "Accept-Language": "zh-CN"}, BODIES[12]),
    ("", {**JSON, "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}, BODIES[12]),
    ("", {**JSON, "Accept-Language": "fr, de;q=0.5"}, BODIES[12]),  # none supported: English
    ("", {**JSON, "Accept-Language": "en;q=0.1, zh-Hans;q=0.9"}, BODIES[12]),
    ("", {**JSON, "Accept-Language": "zh;q=0"}, BODIES[12]),
    ("", {**JSON, "Accept-Language": "x" * 1025}, BODIES[12]),  # over the header's limit: 422
    ("", {**JSON, "Accept-Language": "zh," + "x" * 1021}, BODIES[12]),  # at the limit
    ("?lang=en", {**JSON, "Accept-Language": "zh-CN"}, BODIES[13]),
    ("", {**JSON, "Accept-Language": "zh-CN", "Accept": "text/markdown"}, BODIES[13]),
    ("?lang=zh", JSON, b'{"requirements": {"hosts": 0}}'),  # a 422 in Chinese? as the route says
    ("?lang=zh", {"Content-Type": "text/plain"}, BODIES[14]),  # 415
    ("?lang=fr", {"Content-Type": "text/plain"}, BODIES[14]),  # 415 or 422: whichever the route gives
    ("?lang=zh", {}, BODIES[14]),
    ("?lang=zh", {"Content-Type": "application/x-www-form-urlencoded"}, b"requirements=x"),
    ("?lang=zh", {"Content-Type": "application/json; charset=utf-8"}, BODIES[15]),
    ("?lang=zh", {"Content-Type": "Application/JSON"}, BODIES[15]),
]


@pytest.fixture(scope="module")
def both(advisor: Advisor) -> Iterator[tuple[TestClient, TestClient]]:
    settings = Settings(response_cache_size=0)
    with (
        TestClient(create_app(settings, advisor=advisor)) as fast,
        TestClient(create_app(settings, advisor=advisor, fast_path=False)) as plain,
    ):
        yield fast, plain


def _seen(response: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    headers = sorted((k, v) for k, v in response.headers.items() if k != "x-request-id")
    return response.status_code, headers, response.content


@pytest.mark.parametrize(("query", "headers", "body"), CASES)
def test_the_fast_path_answers_like_the_route(
    both: tuple[TestClient, TestClient], query: str, headers: dict[str, str], body: bytes
) -> None:
    fast, plain = both
    sent = {"content": body, "headers": headers}
    assert _seen(fast.post("/v1/recommendations" + query, **sent)) == _seen(
        plain.post("/v1/recommendations" + query, **sent)
    )


def _raw_headers(pairs: list[tuple[str, str]]) -> Any:
    return [(name.encode(), value.encode()) for name, value in pairs]


@pytest.mark.parametrize(
    "pairs",
    [
        [("Content-Type", "application/json"), ("Accept-Language", "zh-CN"), ("Accept-Language", "en")],
        [("Content-Type", "application/json"), ("Accept", "text/plain"), ("Accept", "text/markdown")],
        [("Content-Type", "application/json"), ("Content-Type", "text/plain")],
    ],
)
def test_repeated_headers_are_answered_like_the_route(
    both: tuple[TestClient, TestClient], pairs: list[tuple[str, str]]
) -> None:
    fast, plain = both
    sent = {"content": BODIES[16], "headers": _raw_headers(pairs)}
    assert _seen(fast.post("/v1/recommendations", **sent)) == _seen(plain.post("/v1/recommendations", **sent))


def test_chinese_answers_carry_the_language_headers(both: tuple[TestClient, TestClient]) -> None:
    fast, _ = both
    chinese = fast.post("/v1/recommendations?lang=zh", content=BODIES[0], headers=JSON)
    english = fast.post("/v1/recommendations", content=BODIES[0], headers=JSON)
    assert chinese.headers["content-language"] == "zh-CN" and english.headers["content-language"] == "en"
    assert chinese.headers.get_list("vary") == english.headers.get_list("vary") == ["Accept-Language"]
    assert chinese.content != english.content


def test_the_api_key_check_and_the_body_limit_come_before_the_fast_path(advisor: Advisor) -> None:
    """With keys set: a keyless valid request is 401 and an oversized one 413, with or without the layer,
    and a keyed one is answered."""
    settings = Settings(response_cache_size=0, api_keys=SecretStr("k-fastpath-1"), max_body_bytes=4096)
    auth = {**JSON, "Authorization": "Bearer k-fastpath-1"}
    big = b'{"requirements": {}, "x": "' + b"y" * 5000 + b'"}'
    with (
        TestClient(create_app(settings, advisor=advisor)) as fast,
        TestClient(create_app(settings, advisor=advisor, fast_path=False)) as plain,
    ):
        for query, headers, body in [
            ("", JSON, BODIES[0]),
            ("?lang=zh", auth, BODIES[0]),
            ("", auth, big),
            ("", JSON, big),
            ("", {"Content-Type": "text/plain"}, big),
            ("", {"Content-Type": "text/plain", "Authorization": auth["Authorization"]}, BODIES[0]),
        ]:
            sent = {"content": body, "headers": headers}
            got = fast.post("/v1/recommendations" + query, **sent)
            assert _seen(got) == _seen(plain.post("/v1/recommendations" + query, **sent))
            assert got.status_code in (200, 401, 413, 415)


def test_valid_json_requests_never_reach_the_fastapi_route(advisor: Advisor) -> None:
    """Proof the layer answers them: the route's answerer dependency would fail any request it saw."""

    def unreachable() -> Answerer:
        raise AssertionError("the FastAPI route was reached")

    app = create_app(Settings(response_cache_size=0), advisor=advisor)
    app.dependency_overrides[get_answerer] = unreachable
    with TestClient(app, raise_server_exceptions=False) as client:
        valid = CASES[:45] + [(f"?lang={tag}", JSON, BODIES[9]) for tag in ("zh", "zh-CN")]
        valid += [("", {**JSON, "Accept-Language": "zh-CN"}, BODIES[12])]
        answered = [client.post("/v1/recommendations" + q, content=b, headers=h) for q, h, b in valid]
        # a repeated `lang`: valid for the route (the last one wins), handed on by the layer
        handed_on = client.post("/v1/recommendations?lang=zh&lang=en", content=BODIES[0], headers=JSON)
    assert [response.status_code for response in answered] == [200] * len(valid)
    assert handed_on.status_code == 500  # reached the route, whose dependency failed


def test_fast_answers_are_counted_under_the_route_template(both: tuple[TestClient, TestClient]) -> None:
    fast, _ = both
    before = requests_counted(fast, "POST", "/v1/recommendations", 200)
    assert fast.post("/v1/recommendations", content=BODIES[0], headers=JSON).status_code == 200
    assert requests_counted(fast, "POST", "/v1/recommendations", 200) == before + 1


def test_a_chunked_body_still_meets_the_limit_and_the_fast_path(advisor: Advisor) -> None:
    def chunks() -> Iterator[bytes]:
        yield BODIES[0][:10]
        yield BODIES[0][10:]

    with TestClient(create_app(Settings(), advisor=advisor)) as client:
        streamed = client.post("/v1/recommendations", content=chunks(), headers=JSON)
        whole = client.post("/v1/recommendations", content=BODIES[0], headers=JSON)
    assert streamed.status_code == 200 and streamed.content == whole.content


def test_healthz_is_answered_like_the_route_and_counted_under_it(both: tuple[TestClient, TestClient]) -> None:
    fast, plain = both
    for method, path in [("GET", "/healthz"), ("GET", "/healthz?probe=1"), ("HEAD", "/healthz")]:
        assert _seen(fast.request(method, path)) == _seen(plain.request(method, path))
    for method in ("GET", "HEAD"):
        before = requests_counted(fast, method, "/healthz", 200)
        fast.request(method, "/healthz?probe=1")
        assert requests_counted(fast, method, "/healthz", 200) == before + 1


def test_healthz_get_never_reaches_the_route_and_head_still_does(advisor: Advisor) -> None:
    """The GET route's advisor dependency fails any request it sees; HEAD has its own route."""

    def unreachable() -> Advisor:
        raise AssertionError("the FastAPI route was reached")

    app = create_app(Settings(), advisor=advisor)
    app.dependency_overrides[get_advisor] = unreachable
    with TestClient(app, raise_server_exceptions=False) as client:
        got, head = client.get("/healthz"), client.head("/healthz")
    assert got.status_code == 200 and got.json()["status"] == "ok"
    assert head.status_code == 200 and head.content == b""
