"""The error codes are a closed set, each with one HTTP status, documented in the spec."""

from __future__ import annotations

import inspect

from fastapi.testclient import TestClient

import service.chat.payloads
import service.cli.common
import service.errors
import service.review.errors
from service.api.errors import STATUS
from service.errors import ErrorCode, NetadvisorError


def test_every_code_has_exactly_one_http_status() -> None:
    assert set(STATUS) == set(ErrorCode)


def test_every_error_class_uses_a_code_of_the_set() -> None:
    modules = (service.errors, service.review.errors, service.chat.payloads, service.cli.common)
    classes = [
        obj
        for module in modules
        for _, obj in inspect.getmembers(module, inspect.isclass)
        if issubclass(obj, NetadvisorError)
    ]
    assert len(classes) >= 10
    for cls in classes:
        assert isinstance(cls.code, ErrorCode), cls
        assert not hasattr(cls, "http_status"), f"{cls.__name__}: HTTP statuses live in service/api only"


def test_the_spec_lists_the_codes(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert set(schemas["ErrorCode"]["enum"]) == {code.value for code in ErrorCode}


def test_an_oversized_body_gets_the_same_envelope_as_any_other_error(client: TestClient) -> None:
    too_big = b'{"requirements": {}}' + b" " * (2 << 20)
    response = client.post(
        "/v1/recommendations", content=too_big, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert set(response.json()["error"]) == {"code", "message", "details"}
