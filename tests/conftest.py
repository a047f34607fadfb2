from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient

from service.advisor import Advisor
from service.api.app import create_app
from service.catalogue import Catalogue, load_catalogue
from service.models import Recommendation, RecommendationRequest
from service.settings import Settings
from tests.paths import SCHEMAS


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture(scope="session")
def advisor(catalogue: Catalogue) -> Advisor:
    return Advisor(catalogue)


@pytest.fixture(scope="session")
def compose_validator() -> jsonschema.protocols.Validator:
    schema = json.loads((SCHEMAS / "compose-spec.json").read_text())
    return jsonschema.Draft7Validator(schema)


@pytest.fixture
def client(advisor: Advisor) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(), advisor=advisor)) as test_client:
        yield test_client


def ask(advisor: Advisor, requirements: dict[str, Any] | None = None, **deployment: Any) -> Recommendation:
    request = RecommendationRequest.model_validate(
        {"requirements": requirements or {}, "deployment": deployment}
    )
    return advisor.recommend(request)
