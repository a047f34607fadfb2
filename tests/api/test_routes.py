"""The HTTP contract: status codes, the one error envelope, content negotiation, the catalogue routes."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from service.models import Driver, Recommendation


def envelope(response) -> dict[str, object]:  # type: ignore[no-untyped-def]
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    return body["error"]  # type: ignore[no-any-return]


def test_recommendation_json_matches_the_documented_model(client: TestClient) -> None:
    response = client.post(
        "/v1/recommendations", json={"requirements": {"cross_host": True, "ports": ["80"]}}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    rec = Recommendation.model_validate(response.json())  # the response validates against its schema
    assert rec.recommendation is Driver.overlay
    assert len(rec.ranking) == 6


def test_empty_body_object_gives_the_defaults(client: TestClient) -> None:
    response = client.post("/v1/recommendations", json={})
    assert response.status_code == 200
    assert response.json()["recommendation"] == "bridge"


def test_unsatisfiable_requirements_are_a_valid_question(client: TestClient) -> None:
    response = client.post("/v1/recommendations", json={"requirements": {"own_mac": True, "cloud": "gcp"}})
    assert response.status_code == 200
    body = response.json()
    assert body["recommendation"] is None
    # A Linux answer lists Docker Engine's six drivers, never the Windows-only ones.
    assert {c["driver"] for c in body["conflicts"]} == {
        "bridge",
        "host",
        "overlay",
        "ipvlan",
        "macvlan",
        "none",
    }


def test_markdown_by_accept_header_and_by_query(client: TestClient) -> None:
    payload = {"requirements": {"hosts": 3, "swarm": True, "encryption": True}}
    by_header = client.post("/v1/recommendations", json=payload, headers={"Accept": "text/markdown"})
    by_query = client.post("/v1/recommendations?format=markdown", json=payload)
    assert by_header.status_code == by_query.status_code == 200
    assert by_header.headers["content-type"].startswith("text/markdown")
    assert by_header.text == by_query.text
    assert by_header.text.startswith("\n# Use overlay") or by_header.text.lstrip().startswith("# Use overlay")
    assert "docker network create --driver overlay --attachable --opt encrypted" in by_header.text
    text = client.post("/v1/recommendations?format=text", json=payload)
    assert text.headers["content-type"].startswith("text/plain")
    assert "```" not in text.text and "docker swarm init" in text.text


def test_unknown_field_names_the_field_and_the_nearest_valid_one(client: TestClient) -> None:
    response = client.post("/v1/recommendations", json={"requirements": {"crosshost": True}})
    assert response.status_code == 422
    error = envelope(response)
    assert error["code"] == "invalid_request"
    assert "requirements.crosshost" in str(error["message"])
    assert "did you mean 'cross_host'" in str(error["message"])


def test_every_invalid_field_is_reported(client: TestClient) -> None:
    response = client.post(
        "/v1/recommendations",
        json={
            "requirements": {"hosts": 0, "ports": ["80", "9000-8000"], "vlan": 5000},
            "deployment": {"subnet": "10.0.0.1/24", "parent_interface": "eth0 && reboot", "mtu": 100},
        },
    )
    assert response.status_code == 422
    fields = {detail["field"] for detail in envelope(response)["details"]}  # type: ignore[union-attr]
    assert fields == {
        "requirements.hosts",
        "requirements.ports",
        "requirements.vlan",
        "deployment.subnet",
        "deployment.parent_interface",
        "deployment.mtu",
    }


def test_gateway_outside_subnet_is_refused_with_the_fix(client: TestClient) -> None:
    response = client.post(
        "/v1/recommendations", json={"deployment": {"subnet": "10.1.0.0/24", "gateway": "10.2.0.1"}}
    )
    assert response.status_code == 422
    assert "must be a host address inside subnet 10.1.0.0/24" in str(envelope(response)["message"])


def test_malformed_json_and_non_objects_get_the_envelope(client: TestClient) -> None:
    broken = client.post(
        "/v1/recommendations", content=b'{"requirements": ', headers={"content-type": "application/json"}
    )
    assert broken.status_code == 422
    assert "not valid JSON" in str(envelope(broken)["message"])
    listed = client.post("/v1/recommendations", json=[1, 2])
    assert listed.status_code == 422
    assert envelope(listed)["code"] == "invalid_request"


def test_oversized_body_is_refused_with_413(client: TestClient) -> None:
    big = json.dumps({"requirements": {"ports": ["80"] * 300_000}}).encode()
    assert len(big) > 1024 * 1024
    response = client.post("/v1/recommendations", content=big, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert envelope(response)["code"] == "payload_too_large"
    assert client.get("/healthz").status_code == 200


def test_rules_and_drivers_routes(client: TestClient) -> None:
    rules = client.get("/v1/rules").json()
    assert len(rules) >= 50
    assert all(rule["source"].startswith("https://") for rule in rules)
    one = client.get("/v1/rules/na013")
    assert one.status_code == 200
    assert one.json()["id"] == "NA013"
    missing = client.get("/v1/rules/NA999")
    assert missing.status_code == 404
    assert envelope(missing)["code"] == "not_found"
    drivers = client.get("/v1/drivers").json()
    assert [d["driver"] for d in drivers] == [d.value for d in Driver]
    assert client.get("/v1/drivers/macvlan").json()["hard_limits"]
    assert envelope(client.get("/v1/drivers/weave"))["code"] == "not_found"


def test_unknown_route_and_method_use_the_envelope(client: TestClient) -> None:
    assert envelope(client.get("/v2/nothing"))["code"] == "not_found"
    assert envelope(client.get("/v1/recommendations/x"))["code"] == "not_found"
    assert envelope(client.delete("/v1/rules"))["code"] == "method_not_allowed"


def test_healthz(client: TestClient) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["rules"] >= 50
    assert body["catalogue_version"].startswith("sha256:")


def test_http_json_is_exactly_the_validated_model(client: TestClient) -> None:
    """The JSON route serialises the engine's plain data; it must equal the typed model's JSON."""
    from service.advisor import Advisor
    from service.catalogue import load_catalogue
    from service.models import RecommendationRequest

    advisor = Advisor(load_catalogue())
    for payload in (
        {},
        {"requirements": {"own_mac": True, "cloud": "aws"}},
        {"requirements": {"own_ip": True, "swarm": True, "hosts": 3, "host_access": True}},
        {"requirements": {"ipv6": True, "ports": ["80", "53/udp"]}, "deployment": {"mtu": 1400}},
    ):
        over_http = client.post("/v1/recommendations", json=payload).json()
        typed = advisor.recommend(RecommendationRequest.model_validate(payload)).model_dump(mode="json")
        assert over_http == typed


def test_overlapping_port_specs_are_refused_naming_both(client: TestClient) -> None:
    response = client.post("/v1/recommendations", json={"requirements": {"ports": ["80-90", "443", "85"]}})
    assert response.status_code == 422
    message = str(envelope(response)["message"])
    assert "[2] '85' overlaps [0] '80-90' (tcp)" in message
    same_port_other_protocol = client.post(
        "/v1/recommendations", json={"requirements": {"ports": ["53", "53/udp"]}}
    )
    assert same_port_other_protocol.status_code == 200
