"""HTTP-level answers a client or a probe relies on, beyond what each route computes: 415 for a body that is
not JSON, a 405 whose `Allow` lists every method of the path, `HEAD /healthz`, 404 for a chat integration
that is switched off, and what the request models accept as the document describes it (no "5" for 5)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from service.advisor import Advisor
from service.api.app import create_app
from service.settings import Settings


@pytest.fixture(scope="module")
def client(advisor: Advisor) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(), advisor=advisor)) as test_client:
        yield test_client


@pytest.mark.parametrize("path", ["/v1/recommendations", "/v1/reviews"])
@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "json"],
)
def test_a_json_route_refuses_a_body_that_is_not_declared_json_with_415(
    client: TestClient, path: str, content_type: str | None
) -> None:
    headers = {} if content_type is None else {"Content-Type": content_type}
    response = client.post(path, content=b"{}", headers=headers)
    assert response.status_code == 415
    error = response.json()["error"]
    assert error["code"] == "unsupported_media_type"
    assert "application/json" in error["message"]
    received = None if content_type is None else content_type.split(";")[0]
    assert error["details"] == {"expected": "application/json", "received": received}
    assert response.headers["Accept-Post"] == "application/json"
    assert "X-Request-ID" in response.headers


@pytest.mark.parametrize("content_type", ["application/json", "Application/JSON; charset=utf-8"])
def test_json_with_parameters_or_in_upper_case_is_json(client: TestClient, content_type: str) -> None:
    response = client.post("/v1/recommendations", content=b"{}", headers={"Content-Type": content_type})
    assert response.status_code == 200


def test_chat_routes_keep_the_content_types_their_platforms_send(client: TestClient) -> None:
    # Slack posts a form; no 415 here: the route answers by its own rules (disabled: 404).
    response = client.post(
        "/v1/chat/slack", content=b"text=swarm", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "integration_disabled"


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/v1/recommendations", "GET, POST"),
        ("DELETE", "/v1/recommendations", "GET, POST"),
        ("POST", "/healthz", "GET, HEAD"),
        ("PATCH", "/v1/rules/NA001", "GET"),
        ("POST", "/docs", "GET"),  # outside the document: the methods its route has (fastapi-offline: GET)
    ],
)
def test_405_lists_every_method_the_path_answers(
    client: TestClient, method: str, path: str, allow: str
) -> None:
    response = client.request(method, path)
    assert response.status_code == 405
    assert response.headers["Allow"] == allow
    error = response.json()["error"]
    assert error["code"] == "method_not_allowed"
    assert error["details"] == {"allow": allow.split(", ")}
    assert method in error["message"] and allow in error["message"]


def test_head_healthz_answers_200_without_a_body(client: TestClient) -> None:
    response = client.head("/healthz")
    assert response.status_code == 200
    assert response.content == b""
    assert "X-Request-ID" in response.headers


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("hosts", "3"),
        ("hosts", True),
        ("hosts", 2.5),
        ("swarm", "true"),
        ("swarm", 1),
        ("swarm", "yes"),
        ("vlan", "20"),
    ],
)
def test_requirements_take_json_integers_and_booleans_only(
    client: TestClient, field: str, value: object
) -> None:
    response = client.post("/v1/recommendations", json={"requirements": {field: value}})
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == f"requirements.{field}"


def test_an_integral_json_number_is_an_integer(client: TestClient) -> None:
    # JSON has one number type, and JSON Schema calls 3.0 an integer: so does the API.
    response = client.post("/v1/recommendations", json={"requirements": {"hosts": 3.0, "swarm": True}})
    assert response.status_code == 200
    assert response.json()["recommendation"] == "overlay"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("subnet", "10.0.0.0/255.255.0.0"),  # netmask form: the document's pattern says a.b.c.d/N
        ("subnet", "10.0.0.0/31"),
        ("gateway", "010.0.0.1"),
        ("ipv6_subnet", "fd00::/127"),
        ("advertise_addr", "fe80::1%eth0"),  # zone index: not in the pattern
    ],
)
def test_addresses_outside_the_documented_pattern_are_refused(
    client: TestClient, field: str, value: str
) -> None:
    response = client.post("/v1/recommendations", json={"deployment": {field: value}})
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == f"deployment.{field}"


def test_the_chat_query_still_reads_numbers(client: TestClient) -> None:
    response = client.get("/v1/recommendations", params={"q": "hosts=3 vlan=20 own-ip"})
    assert response.status_code == 200, response.text
