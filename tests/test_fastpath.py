"""The recommendation fast path answers exactly as the FastAPI route would, and hands on what it cannot."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bench.distinct import distinct_requests
from service.advisor import Advisor
from service.api.app import create_app
from service.api.routes import get_advisor
from service.settings import Settings
from tests.test_operations import requests_counted

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


def test_valid_json_requests_never_reach_the_fastapi_route(advisor: Advisor) -> None:
    """Proof the layer answers them: the route's advisor dependency would fail any request it saw."""

    def unreachable() -> Advisor:
        raise AssertionError("the FastAPI route was reached")

    app = create_app(Settings(response_cache_size=0), advisor=advisor)
    app.dependency_overrides[get_advisor] = unreachable
    with TestClient(app, raise_server_exceptions=False) as client:
        answered = [client.post("/v1/recommendations" + q, content=b, headers=h) for q, h, b in CASES[:45]]
        handed_on = client.post(
            "/v1/recommendations", content=BODIES[0], headers={"Content-Type": "text/plain"}
        )
    assert [response.status_code for response in answered] == [200] * 45
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
    assert _seen(fast.get("/healthz")) == _seen(plain.get("/healthz"))
    before = requests_counted(fast, "GET", "/healthz", 200)
    fast.get("/healthz?probe=1")
    assert requests_counted(fast, "GET", "/healthz", 200) == before + 1
