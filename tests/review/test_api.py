"""`POST /v1/reviews`: the same review over HTTP, the one error envelope when it cannot run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient

from service.advisor import Advisor
from service.api.app import create_app
from service.cli import main
from service.settings import Settings
from tests.paths import SCHEMAS
from tests.review.test_checks import SHOP


def body(*files: tuple[str, str], **extra: Any) -> dict[str, Any]:
    return {"files": [{"name": name, "content": content} for name, content in files], **extra}


def test_review_answers_the_envelope_the_cli_prints(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    response = client.post("/v1/reviews", json=body(("compose.yaml", SHOP)))
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "compose.yaml").write_text(SHOP)
    capsys.readouterr()  # the access log of the request above
    assert main(["review", "compose.yaml", "--format", "json"]) == 1
    assert response.json() == json.loads(capsys.readouterr().out)
    assert [(f["rule"], f["line"]) for f in response.json()["findings"]] == [
        ("NR003", 8),
        ("NR011", 15),
        ("NR001", 18),
    ]


def test_requirements_in_the_body(client: TestClient) -> None:
    text = SHOP.replace("x-network-requirements:\n  cloud: aws\n", "")
    plain = client.post("/v1/reviews", json=body(("compose.yaml", text))).json()
    assert [f["rule"] for f in plain["findings"]] == ["NR003", "NR011"]
    given = client.post(
        "/v1/reviews", json=body(("compose.yaml", text), requirements={"cloud": "azure"})
    ).json()
    assert [f["rule"] for f in given["findings"]] == ["NR003", "NR011", "NR001"]
    assert given["findings"][2]["requirements"] == {"cloud": "azure"}


def test_sarif_over_http_validates(client: TestClient) -> None:
    response = client.post("/v1/reviews?format=sarif", json=body(("deploy/compose.yaml", SHOP)))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/sarif+json")
    schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(response.json())
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in response.json()["runs"][0]["results"]
    }
    assert uris == {"deploy/compose.yaml"}


def test_markdown_over_http(client: TestClient) -> None:
    response = client.post("/v1/reviews?format=markdown", json=body(("compose.yaml", SHOP)))
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/markdown")
    assert response.text.startswith("## netadvisor network review")


@pytest.mark.parametrize(
    ("content", "code", "line"),
    [
        ("services:\n  web: [\n", "invalid_compose", 3),
        ("- a\n- list\n", "invalid_compose", 1),
        ("services:\n  web:\n    image: a\n    image: b\n", "invalid_compose", 4),
        ("x-network-requirements:\n  cloud: mars\nservices: {}\n", "invalid_requirements", 2),
    ],
)
def test_a_review_that_cannot_run_is_a_422_with_the_line(
    client: TestClient, content: str, code: str, line: int
) -> None:
    response = client.post("/v1/reviews", json=body(("compose.yaml", content)))
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == code and error["details"]["file"] == "compose.yaml"
    assert error["details"]["line"] == line


def test_an_alias_bomb_is_a_quick_422(client: TestClient) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    response = client.post("/v1/reviews", json=body(("bomb.yaml", "\n".join(lines))))
    assert response.status_code == 422 and response.json()["error"]["code"] == "compose_too_complex"


def test_unknown_fields_and_bad_names_are_refused(client: TestClient) -> None:
    response = client.post(
        "/v1/reviews", json=body(("compose.yaml", "services: {}"), requirement={"cloud": "aws"})
    )
    assert response.status_code == 422 and response.json()["error"]["details"][0]["field"] == "requirement"
    response = client.post("/v1/reviews", json=body(("../etc/compose.yaml", "services: {}")))
    assert response.status_code == 422 and "files[0].name" in response.json()["error"]["message"]
    response = client.post("/v1/reviews", json={"files": []})
    assert response.status_code == 422


def test_include_files_come_from_the_request(client: TestClient) -> None:
    main_file = ("app/compose.yaml", "include:\n  - db.yaml\nservices:\n  web: {image: web}\n")
    included = (
        "app/db.yaml",
        "services:\n  db:\n    image: pg\n    network_mode: host\n    ports: ['5432:5432']\n",
    )
    response = client.post("/v1/reviews", json=body(main_file))
    assert response.status_code == 422 and response.json()["error"]["code"] == "missing_file"
    response = client.post("/v1/reviews", json=body(main_file, included, main=["app/compose.yaml"]))
    assert response.status_code == 200
    assert [(f["rule"], f["file"]) for f in response.json()["findings"]] == [("NR003", "app/db.yaml")]


@pytest.fixture
def roomy_client(advisor: Advisor) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(max_body_bytes=4 * 1024 * 1024), advisor=advisor)) as test_client:
        yield test_client


def test_a_file_over_one_mebibyte_is_a_413(roomy_client: TestClient) -> None:
    content = "services: {}\n" + "#" * (1024 * 1024)
    response = roomy_client.post("/v1/reviews", json=body(("big.yaml", content)))
    assert response.status_code == 413 and response.json()["error"]["code"] == "compose_too_large"


def test_review_rules_are_listed(client: TestClient) -> None:
    rules = client.get("/v1/review-rules").json()
    assert [rule["id"] for rule in rules][:3] == ["NR001", "NR002", "NR003"]
    assert client.get("/v1/review-rules/nr011").json()["name"] == "static-address-outside-subnet"
    assert client.get("/v1/review-rules/NR999").status_code == 404


def test_openapi_documents_the_review(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    operation = document["paths"]["/v1/reviews"]["post"]
    assert set(operation["responses"]) >= {"200", "413", "422"}
    assert "application/sarif+json" in operation["responses"]["200"]["content"]
    request = document["components"]["schemas"]["ReviewRequest"]
    assert request["additionalProperties"] is False
    assert document["components"]["schemas"]["ReviewFile"]["additionalProperties"] is False


def test_findings_are_counted_by_rule(client: TestClient) -> None:
    client.post("/v1/reviews", json=body(("compose.yaml", SHOP)))
    exposition = client.get("/metrics").text
    assert 'netadvisor_review_findings_total{rule="NR003"}' in exposition
    assert 'netadvisor_review_findings_total{rule="NR001"}' in exposition
