"""Operations: API keys, Prometheus metrics, request IDs and JSON access logs, as an operator meets them."""

from __future__ import annotations

import hmac
import json
import logging
import os
import re
from collections.abc import Iterator
from typing import Any

import anyio
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from service.advisor import Advisor
from service.api import operations
from service.api.app import create_app
from service.observability import metrics as metrics_module
from service.observability.logs import ACCESS_LOGGER, JsonFormatter
from service.observability.metrics import (
    MULTIPROC_ENV,
    Metrics,
    multiprocess_metrics,
    record_findings,
    record_recommendation,
)
from service.settings import Settings

KEYS = ("first-key-0123456789", "second-key-abcdefghij")
AUTH = {"Authorization": f"Bearer {KEYS[1]}"}
ACCESS_FIELDS = {"ts", "level", "method", "route", "status", "duration_ms", "request_id", "client"}


def make_app(advisor: Advisor, keys: str | None = None, **settings: Any) -> FastAPI:
    api_keys = SecretStr(keys) if keys is not None else None
    return create_app(Settings(api_keys=api_keys, **settings), advisor=advisor)


@pytest.fixture
def keyed(advisor: Advisor) -> Iterator[TestClient]:
    with TestClient(make_app(advisor, f" {KEYS[0]} ,{KEYS[1]}, ")) as client:
        yield client


def envelope(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    return body["error"]  # type: ignore[no-any-return]


def samples(client: TestClient, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    """Every sample of one metric family from GET /metrics, keyed by its sorted labels."""
    response = client.get("/metrics")
    assert response.status_code == 200
    found: dict[tuple[tuple[str, str], ...], float] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            if sample.name == name:
                found[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def requests_counted(client: TestClient, method: str, route: str, status: int) -> float:
    key = (("method", method), ("route", route), ("status", str(status)))
    return samples(client, "netadvisor_http_requests_total").get(key, 0.0)


async def _raw_get(app: FastAPI, raw_path: str, headers: list[tuple[bytes, bytes]]) -> int:
    """Send one request with the path exactly as given (HTTP clients normalise `..` away)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": raw_path,
        "raw_path": raw_path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return int(next(m for m in sent if m["type"] == "http.response.start")["status"])


# -- API keys -----------------------------------------------------------------------------------------------


def test_without_keys_configured_the_api_is_open(client: TestClient) -> None:
    assert client.post("/v1/recommendations", json={}).status_code == 200
    assert client.get("/v1/rules").status_code == 200


def test_with_keys_a_request_without_one_gets_401_with_a_bearer_challenge(keyed: TestClient) -> None:
    response = keyed.post("/v1/recommendations", json={})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    error = envelope(response)
    assert error["code"] == "unauthorized"
    assert "Authorization: Bearer" in error["message"]


@pytest.mark.parametrize(
    "header",
    [
        "Bearer wrong-key",
        f"Bearer {KEYS[0]}x",
        f"Bearer {KEYS[0][:-1]}",
        f"Basic {KEYS[0]}",
        f"{KEYS[0]}",
        "Bearer ",
        "Bearer",
        f"Bearer {KEYS[0]},{KEYS[1]}",
    ],
)
def test_a_wrong_or_malformed_key_gets_401(keyed: TestClient, header: str) -> None:
    response = keyed.get("/v1/rules", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert envelope(response)["code"] == "unauthorized"


def test_an_invalid_key_is_told_apart_from_a_missing_one(keyed: TestClient) -> None:
    missing = keyed.get("/v1/rules")
    wrong = keyed.get("/v1/rules", headers={"Authorization": "Bearer nope"})
    assert 'error="invalid_token"' not in missing.headers["WWW-Authenticate"]
    assert 'error="invalid_token"' in wrong.headers["WWW-Authenticate"]


@pytest.mark.parametrize("key", KEYS)
def test_every_configured_key_is_accepted_and_the_scheme_is_case_insensitive(
    keyed: TestClient, key: str
) -> None:
    for scheme in ("Bearer", "bearer", "BEARER"):
        response = keyed.post("/v1/recommendations", json={}, headers={"Authorization": f"{scheme} {key}"})
        assert response.status_code == 200


def test_keys_come_from_the_environment(advisor: Advisor, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETADVISOR_API_KEYS", "env-key-1,env-key-2")
    with TestClient(create_app(Settings(), advisor=advisor)) as client:
        assert client.get("/v1/drivers").status_code == 401
        assert client.get("/v1/drivers", headers={"Authorization": "Bearer env-key-2"}).status_code == 200


def test_health_metrics_and_docs_stay_open_with_keys(keyed: TestClient) -> None:
    for path in ("/healthz", "/metrics", "/openapi.json", "/docs", "/redoc", "/v1/request-fields"):
        assert keyed.get(path).status_code == 200, path


def test_chat_endpoints_are_left_to_their_own_checks(keyed: TestClient) -> None:
    # Whatever the chat routes answer an unsigned request, it is not the bearer-key challenge.
    for path in ("/v1/chat/slack", "/v1/chat/not-a-platform"):
        response = keyed.post(path, content=b"")
        assert 'realm="netadvisor"' not in response.headers.get("WWW-Authenticate", ""), path


def test_the_open_chat_prefix_does_not_open_other_routes(advisor: Advisor) -> None:
    app = make_app(advisor, KEYS[0])
    for raw in ("/v1/chat/../v1/rules", "/v1/chat/%2e%2e/v1/rules", "/v1/chat/..%2fv1/rules"):
        assert anyio.run(_raw_get, app, raw, []) == 404, raw
    assert anyio.run(_raw_get, app, "/v1/rules/", []) == 401
    assert anyio.run(_raw_get, app, "/healthz/", []) in (307, 401, 404)


def test_blank_keys_leave_the_api_open_and_say_so(advisor: Advisor, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="netadvisor"):
        app = make_app(advisor, " , ")
    assert "holds no key" in caplog.text
    with TestClient(app) as client:
        assert client.get("/v1/rules").status_code == 200


def test_a_key_is_compared_with_every_configured_key_in_constant_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[int, int]] = []
    real = hmac.compare_digest

    def counting(a: bytes, b: bytes) -> bool:
        calls.append((len(a), len(b)))
        return real(a, b)

    monkeypatch.setattr(operations.hmac, "compare_digest", counting)
    ring = operations.KeyRing(["short", "a-much-longer-key-than-the-first", "third"])
    assert ring.accepts(b"short")
    # no early exit on the first match, and equal-length digests: the keys' lengths do not show
    assert calls == [(32, 32)] * 3
    calls.clear()
    assert not ring.accepts(b"x" * 1000)
    assert calls == [(32, 32)] * 3


def test_keys_are_not_kept_in_clear(advisor: Advisor) -> None:
    ring = operations.KeyRing(["secret-value-123"])
    assert b"secret-value-123" not in repr(vars(ring)).encode()


# -- metrics ------------------------------------------------------------------------------------------------


def test_metrics_count_requests_by_route_template_and_status(client: TestClient) -> None:
    for _ in range(3):
        assert client.post("/v1/recommendations", json={}).status_code == 200
    client.post("/v1/recommendations", json={"requirements": {"hosts": 0}})
    client.get("/v1/rules/NA001")
    client.get("/v1/rules/NA002")
    client.get("/v1/rules/NOPE")
    assert requests_counted(client, "POST", "/v1/recommendations", 200) == 3
    assert requests_counted(client, "POST", "/v1/recommendations", 422) == 1
    assert requests_counted(client, "GET", "/v1/rules/{rule_id}", 200) == 2
    assert requests_counted(client, "GET", "/v1/rules/{rule_id}", 404) == 1
    response = client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain")
    assert "NA001" not in response.text, "raw paths never become labels"


def test_probing_random_urls_and_methods_mints_no_new_series(client: TestClient) -> None:
    for index in range(40):
        client.get(f"/random/{index}/probe")
        client.request(f"X{index}", "/healthz")
    routes = {dict(labels)["route"] for labels in samples(client, "netadvisor_http_requests_total")}
    methods = {dict(labels)["method"] for labels in samples(client, "netadvisor_http_requests_total")}
    assert routes <= {"(unmatched)", "/healthz", "/metrics"}
    assert methods <= {"GET", "other"}
    assert requests_counted(client, "GET", "(unmatched)", 404) == 40
    assert requests_counted(client, "other", "/healthz", 405) == 40


def test_keyless_requests_are_refused_before_their_body_is_read(advisor: Advisor) -> None:
    with TestClient(make_app(advisor, KEYS[0])) as client:
        response = client.post("/v1/recommendations", content=b"x" * (2 * 1024 * 1024))
    assert response.status_code == 401


def test_refused_requests_are_counted_under_the_route_they_aimed_at(advisor: Advisor) -> None:
    with TestClient(make_app(advisor, KEYS[0])) as client:
        client.get("/v1/drivers/bridge")
        big = b"{" + b" " * (2 * 1024 * 1024) + b"}"
        client.post("/v1/recommendations", content=big, headers={"Authorization": f"Bearer {KEYS[0]}"})
        assert requests_counted(client, "GET", "/v1/drivers/{driver}", 401) == 1
        assert requests_counted(client, "POST", "/v1/recommendations", 413) == 1


def test_latency_histogram_has_one_observation_per_request(client: TestClient) -> None:
    for _ in range(5):
        client.get("/v1/drivers")
    counts = samples(client, "netadvisor_http_request_duration_seconds_count")
    assert counts[(("method", "GET"), ("route", "/v1/drivers"))] == 5
    buckets = samples(client, "netadvisor_http_request_duration_seconds_bucket")
    assert buckets[(("le", "+Inf"), ("method", "GET"), ("route", "/v1/drivers"))] == 5


def test_recommendations_are_counted_by_top_driver(client: TestClient) -> None:
    client.post("/v1/recommendations", json={"requirements": {"cross_host": True}})
    client.post("/v1/recommendations", json={"requirements": {"own_mac": True, "cloud": "gcp"}})
    client.post("/v1/recommendations", json={})
    client.post("/v1/recommendations?format=markdown", json={})
    counted = samples(client, "netadvisor_recommendations_total")
    assert counted == {
        (("driver", "overlay"),): 1,
        (("driver", "none_viable"),): 1,
        (("driver", "bridge"),): 2,
    }


def test_two_apps_keep_separate_counts(advisor: Advisor) -> None:
    with TestClient(make_app(advisor)) as one, TestClient(make_app(advisor)) as two:
        one.post("/v1/recommendations", json={})
        assert samples(one, "netadvisor_recommendations_total") == {(("driver", "bridge"),): 1}
        assert samples(two, "netadvisor_recommendations_total") == {}


def test_findings_are_counted_by_rule_and_bounded() -> None:
    metrics = Metrics()
    token = metrics_module.bind(metrics)
    try:
        record_findings(["NR001", "NR001", "NR002", 'bad "label"\n', "x" * 100])
    finally:
        metrics_module.unbind(token)
    values = {
        sample.labels["rule"]: sample.value
        for family in text_string_to_metric_families(metrics.exposition().decode())
        for sample in family.samples
        if sample.name == "netadvisor_review_findings_total"
    }
    assert values == {"NR001": 2, "NR002": 1, "other": 2}
    many = Metrics()
    many.count_findings(f"R{index:04d}" for index in range(metrics_module.MAX_RULE_LABELS + 50))
    labels = {
        sample.labels["rule"]
        for family in text_string_to_metric_families(many.exposition().decode())
        for sample in family.samples
        if sample.name == "netadvisor_review_findings_total"
    }
    assert len(labels) == metrics_module.MAX_RULE_LABELS + 1 and "other" in labels


def test_hooks_outside_a_request_do_nothing() -> None:
    record_recommendation("bridge")
    record_recommendation(None)
    record_findings(["NR001"])


def test_process_figures_are_exported_in_single_process_mode(client: TestClient) -> None:
    assert "process_resident_memory_bytes" in client.get("/metrics").text


def test_several_workers_get_a_fresh_shared_metrics_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MULTIPROC_ENV, raising=False)
    with multiprocess_metrics(1) as path:
        assert path is None and MULTIPROC_ENV not in os.environ
    with multiprocess_metrics(3) as path:
        assert path is not None and os.environ[MULTIPROC_ENV] == path and os.listdir(path) == []
    assert MULTIPROC_ENV not in os.environ and not os.path.exists(path)


def test_an_operator_chosen_metrics_directory_is_kept(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.setenv(MULTIPROC_ENV, str(tmp_path))
    with multiprocess_metrics(4) as path:
        assert path == str(tmp_path)
    assert tmp_path.exists() and os.environ[MULTIPROC_ENV] == str(tmp_path)


# -- request IDs --------------------------------------------------------------------------------------------


def test_every_answer_carries_a_request_id(advisor: Advisor) -> None:
    with TestClient(make_app(advisor, KEYS[0])) as client:
        answers = [
            client.get("/healthz"),
            client.get("/v1/rules"),  # 401
            client.get("/nowhere", headers={"Authorization": f"Bearer {KEYS[0]}"}),  # 404
            client.post(
                "/v1/recommendations",
                content=b"x" * (2 * 1024 * 1024),
                headers={"Authorization": f"Bearer {KEYS[0]}"},
            ),  # 413
            client.post("/v1/recommendations", json=[], headers={"Authorization": f"Bearer {KEYS[0]}"}),
        ]
    assert [answer.status_code for answer in answers] == [200, 401, 404, 413, 422]
    ids = [answer.headers["X-Request-ID"] for answer in answers]
    assert all(re.fullmatch(r"[0-9a-f]{32}", request_id) for request_id in ids)
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize(
    "incoming",
    [
        "abc-123",
        "0b8f6a1e-6c0c-4c55-9d0a-5f1c2e3d4a5b",
        "01HZX3J6M7Q2",
        "Root=1-67891233-abcdef012345678912345678",
    ],
)
def test_a_sane_incoming_request_id_is_echoed(client: TestClient, incoming: str) -> None:
    assert client.get("/healthz", headers={"X-Request-ID": incoming}).headers["X-Request-ID"] == incoming


@pytest.mark.parametrize(
    "incoming",
    ["", "x" * 129, "has space", 'quote"s', "semi;colon", "<script>", "tab\there", "naïve", "a,b"],
)
def test_an_unsafe_incoming_request_id_is_replaced(client: TestClient, incoming: str) -> None:
    echoed = client.get("/healthz", headers={"X-Request-ID": incoming.encode("utf-8")}).headers[
        "X-Request-ID"
    ]
    assert echoed != incoming and re.fullmatch(r"[0-9a-f]{32}", echoed)


# -- access logs --------------------------------------------------------------------------------------------


def access_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    formatter = JsonFormatter()
    return [json.loads(formatter.format(record)) for record in caplog.records if record.name == ACCESS_LOGGER]


def test_one_json_access_line_per_request(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER):
        response = client.get("/v1/rules/NA001", headers={"X-Request-ID": "trace-42"})
        client.post("/v1/recommendations", json={"requirements": {"hosts": 0}})
    first, second = access_lines(caplog)
    assert set(first) >= ACCESS_FIELDS
    assert first["method"] == "GET" and first["route"] == "/v1/rules/{rule_id}" and first["status"] == 200
    assert first["request_id"] == "trace-42" == response.headers["X-Request-ID"]
    assert first["level"] == "info" and first["client"] == "testclient"
    assert isinstance(first["duration_ms"], float) and first["duration_ms"] >= 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", first["ts"])
    assert second["status"] == 422 and second["route"] == "/v1/recommendations"


def test_access_lines_never_hold_keys_or_raw_control_characters(
    advisor: Advisor, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        caplog.at_level(logging.INFO, logger=ACCESS_LOGGER),
        TestClient(make_app(advisor, KEYS[0])) as client,
    ):
        client.get("/v1/rules", headers={"Authorization": f"Bearer {KEYS[0]}"})
        client.get("/v1/rules", headers={"Authorization": "Bearer guessed-key"})
        client.get("/a%0d%0aforged%20line%1b[31m", headers={"Authorization": f"Bearer {KEYS[0]}"})
    formatter = JsonFormatter()
    lines = [formatter.format(record) for record in caplog.records if record.name == ACCESS_LOGGER]
    assert len(lines) == 3
    for line in lines:
        assert KEYS[0] not in line and "guessed-key" not in line
        assert all(ord(char) >= 0x20 for char in line), "control characters are escaped"
        json.loads(line)
    assert [json.loads(line)["status"] for line in lines] == [200, 401, 404]


def test_other_log_lines_carry_the_request_id(client: TestClient, capsys: pytest.CaptureFixture[str]) -> None:
    record = logging.LogRecord("netadvisor.api", logging.ERROR, __file__, 1, "boom %s", ("x",), None)
    token = operations.request_id_var.set("req-7")
    try:
        line = json.loads(JsonFormatter().format(record))
    finally:
        operations.request_id_var.reset(token)
    assert line == {
        **line,
        "msg": "boom x",
        "level": "error",
        "request_id": "req-7",
        "logger": "netadvisor.api",
    }


def test_an_unexpected_error_is_a_500_envelope_counted_and_logged_with_its_request_id(
    advisor: Advisor, capsys: pytest.CaptureFixture[str]
) -> None:
    app = make_app(advisor)

    def broken() -> None:
        raise RuntimeError("boom")

    app.add_api_route("/broken", broken)
    capsys.readouterr()
    with TestClient(app, raise_server_exceptions=False) as c:
        response = c.get("/broken", headers={"X-Request-ID": "req-500"})
        assert response.status_code == 500
        assert envelope(response)["code"] == "internal_error"
        assert "boom" not in response.text, "no internals in the answer"
        # the ID the client can quote to find the traceback below
        assert response.headers["X-Request-ID"] == "req-500"
        assert response.headers["Content-Type"] == "application/json"
        assert requests_counted(c, "GET", "/broken", 500) == 1
        minted = c.get("/broken")
        assert minted.status_code == 500 and len(minted.headers["X-Request-ID"]) == 32
    # what the server writes on stdout: JSON lines, formatted when logged
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    ours = [line for line in lines if line.get("request_id") == "req-500"]
    access = [line for line in ours if line["logger"] == ACCESS_LOGGER]
    assert [(line["status"], line["route"]) for line in access] == [(500, "/broken")]
    tracebacks = [line for line in ours if line["logger"] == "netadvisor.api"]
    assert tracebacks and "RuntimeError: boom" in tracebacks[0]["exc"]


def test_uvicorns_plain_access_log_is_replaced(client: TestClient) -> None:
    assert logging.getLogger("uvicorn.access").disabled


# -- the published document ---------------------------------------------------------------------------------


def test_the_document_says_which_operations_need_a_key(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    scheme = document["components"]["securitySchemes"]["bearerAuth"]
    assert scheme == {**scheme, "type": "http", "scheme": "bearer"}
    for path, operations_ in document["paths"].items():
        for method, operation in operations_.items():
            # /v1/request-fields: the browser form's help texts, needed before the user has typed a key
            open_ = path in ("/healthz", "/metrics", "/v1/request-fields") or path.startswith("/v1/chat/")
            protected = {"bearerAuth": []} in operation.get("security", [])
            assert protected is not open_, f"{method} {path}"
            if protected:
                unauthorized = operation["responses"]["401"]
                assert "WWW-Authenticate" in unauthorized["headers"]


def test_the_document_lists_metrics_as_plain_text(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/metrics"]["get"]
    assert "text/plain" in operation["responses"]["200"]["content"]


def test_the_document_promises_no_422_where_none_can_happen(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "422" not in paths["/v1/plugins/{name}"]["get"]["responses"]
    assert "422" in paths["/v1/recommendations"]["post"]["responses"]
    # `?lang=` can name an unsupported language: the catalogue routes document that 422, in the envelope.
    for path in ("/v1/rules/{rule_id}", "/v1/drivers/{driver}", "/v1/rules", "/v1/review-rules/{rule_id}"):
        schema = paths[path]["get"]["responses"]["422"]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/ErrorEnvelope"}


@pytest.mark.parametrize(("status", "client"), [(200, "::1"), (503, None)])
def test_an_access_line_written_directly_is_the_line_the_formatter_writes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], status: int, client: str | None
) -> None:
    """With only our handler listening, log_access skips the LogRecord; the line must not change."""
    from service.observability.logs import AccessRecord, configure_logging, log_access

    configure_logging("info")
    record = AccessRecord(
        "GET", "/v1/rules/{rule_id}", '/v1/rules/\u00fc\x07"', status, 1.23456, "r-1", client
    )
    monkeypatch.setattr(logging.root, "handlers", [])  # nobody else listening: the direct way
    log_access(record)
    direct = capsys.readouterr().out.strip()
    monkeypatch.setattr(logging.root, "handlers", [logging.NullHandler()])  # a listener: the usual way
    log_access(record)
    usual = capsys.readouterr().out.strip()
    timestamp = re.compile(r'"ts": "[0-9T:.-]+Z"')
    assert timestamp.search(direct) and direct.isascii()
    assert timestamp.sub("TS", direct) == timestamp.sub("TS", usual)
    assert json.loads(direct)["path"] == '/v1/rules/\u00fc\x07"'
