"""Every status code the published document promises can actually be produced, and looks as documented.

The fuzzer (tests/api/test_schemathesis.py) checks that whatever it provokes is documented; this module checks
the converse for the answers random data rarely or never provokes: a 413 needs a megabyte, a chat 200 needs
a valid signature, a disabled-integration 404 needs an integration left unconfigured. Each (operation,
status) pair in openapi/openapi.json has a recipe here; a pair without one fails the first test, so a newly
documented code arrives with its proof.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from service.advisor import Advisor
from service.api.app import create_app
from service.settings import Settings
from tests.paths import OPENAPI

DOCUMENT = json.loads(OPENAPI.read_text())
KEY = "contract-key-0123456789"
AUTH = {"Authorization": f"Bearer {KEY}"}
SLACK = "contract-slack-secret"
MATTERMOST = "contract-mattermost-token"
TEAMS = base64.b64encode(b"contract-teams-key").decode()
BIG = b"{" + b" " * (1024 * 1024 + 1) + b"}"
FEISHU_TOKEN = "contract-feishu-verification-token"
DINGTALK = "contract-dingtalk-app-secret"
URL_CHECK = json.dumps({"challenge": "c-123", "token": FEISHU_TOKEN, "type": "url_verification"}).encode()
DING_MESSAGE = json.dumps({"msgtype": "text", "text": {"content": "cross-host swarm"}}).encode()
COMPOSE = "services:\n  web:\n    image: nginx:1.27\n    ports: ['80:80']\n"


class Clients:
    def __init__(self, full: TestClient, bare: TestClient) -> None:
        self.full = full  # API keys and every chat integration configured
        self.bare = bare  # nothing configured: chat integrations answer 404


@pytest.fixture(scope="module")
def clients(advisor: Advisor) -> Iterator[Clients]:
    full = Settings(
        api_keys=SecretStr(KEY),
        slack_signing_secret=SecretStr(SLACK),
        mattermost_token=SecretStr(MATTERMOST),
        teams_secret=SecretStr(TEAMS),
        feishu_app_id="cli_contract",
        feishu_app_secret=SecretStr("contract-feishu-secret"),
        feishu_verification_token=SecretStr(FEISHU_TOKEN),
        feishu_api_base="http://127.0.0.1:9",  # the 200 recipe is the URL check: nothing goes out
        dingtalk_app_secret=SecretStr(DINGTALK),
    )
    with (
        TestClient(create_app(full, advisor=advisor)) as full_client,
        TestClient(create_app(Settings(), advisor=advisor)) as bare_client,
    ):
        yield Clients(full_client, bare_client)


def slack(body: bytes) -> dict[str, str]:
    timestamp = str(int(time.time()))
    digest = hmac.new(SLACK.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": "application/x-www-form-urlencoded",
    }


def teams(body: bytes) -> dict[str, str]:
    digest = hmac.new(base64.b64decode(TEAMS), body, hashlib.sha256).digest()
    return {"Authorization": f"HMAC {base64.b64encode(digest).decode()}", "Content-Type": "application/json"}


def dingtalk() -> dict[str, str]:
    timestamp = str(int(time.time() * 1000))
    digest = hmac.new(DINGTALK.encode(), f"{timestamp}\n{DINGTALK}".encode(), hashlib.sha256).digest()
    return {
        "timestamp": timestamp,
        "sign": base64.b64encode(digest).decode(),
        "Content-Type": "application/json",
    }


MM = {"Authorization": f"Token {MATTERMOST}", "Content-Type": "application/x-www-form-urlencoded"}
FORM = b"command=%2Fnetadvisor&text=cross-host+swarm"
ACTIVITY = json.dumps({"type": "message", "text": "<at>netadvisor</at> cross-host swarm"}).encode()

Recipe = Callable[[Clients], Any]


def first_review_rule(c: Clients) -> str:
    rules = c.full.get("/v1/review-rules", headers=AUTH).json()
    return str(rules[0]["id"])


def revalidated(path: str, **params: str) -> Recipe:
    """A 304: the answer's own ETag sent back in If-None-Match (in Chinese, so the language's tag)."""

    def recipe(c: Clients) -> Any:
        asked = {**params, "lang": "zh"}
        tag = c.full.get(path, params=asked, headers=AUTH).headers["etag"]
        return c.full.get(path, params=asked, headers={**AUTH, "If-None-Match": tag})

    return recipe


RECIPES: dict[tuple[str, str, str], Recipe] = {
    ("GET", "/healthz", "200"): lambda c: c.full.get("/healthz"),
    ("HEAD", "/healthz", "200"): lambda c: c.full.head("/healthz"),
    ("GET", "/metrics", "200"): lambda c: c.full.get("/metrics"),
    # recommendations
    ("POST", "/v1/recommendations", "200"): lambda c: c.full.post(
        "/v1/recommendations", json={}, headers=AUTH
    ),
    ("POST", "/v1/recommendations", "401"): lambda c: c.full.post("/v1/recommendations", json={}),
    ("POST", "/v1/recommendations", "413"): lambda c: c.full.post(
        "/v1/recommendations", content=BIG, headers=AUTH
    ),
    ("POST", "/v1/recommendations", "415"): lambda c: c.full.post(
        "/v1/recommendations", content=b"requirements=x", headers={**AUTH, "Content-Type": "text/plain"}
    ),
    ("POST", "/v1/recommendations", "422"): lambda c: c.full.post(
        "/v1/recommendations", json={"requirements": {"hosts": 0}}, headers=AUTH
    ),
    ("GET", "/v1/recommendations", "200"): lambda c: c.full.get(
        "/v1/recommendations", params={"q": "cross-host swarm"}, headers=AUTH
    ),
    ("GET", "/v1/recommendations", "401"): lambda c: c.full.get("/v1/recommendations", params={"q": "x"}),
    ("GET", "/v1/recommendations", "413"): lambda c: c.full.request(
        "GET", "/v1/recommendations", params={"q": "x"}, content=BIG, headers=AUTH
    ),
    ("GET", "/v1/recommendations", "422"): lambda c: c.full.get("/v1/recommendations", headers=AUTH),
    ("GET", "/v1/recommendations", "304"): revalidated("/v1/recommendations", q="cross-host swarm"),
    ("GET", "/v1/rules", "304"): revalidated("/v1/rules"),
    ("GET", "/v1/rules/{rule_id}", "304"): revalidated("/v1/rules/NA001"),
    ("GET", "/v1/drivers", "304"): revalidated("/v1/drivers"),
    ("GET", "/v1/drivers/{driver}", "304"): revalidated("/v1/drivers/macvlan"),
    ("GET", "/v1/review-rules", "304"): revalidated("/v1/review-rules"),
    ("GET", "/v1/review-rules/{rule_id}", "304"): revalidated("/v1/review-rules/NR001"),
    ("GET", "/v1/plugins", "304"): revalidated("/v1/plugins"),
    ("GET", "/v1/plugins/{name}", "304"): revalidated("/v1/plugins/weave"),
    # catalogue
    ("GET", "/v1/rules", "200"): lambda c: c.full.get("/v1/rules", headers=AUTH),
    ("GET", "/v1/rules", "401"): lambda c: c.full.get("/v1/rules"),
    ("GET", "/v1/rules/{rule_id}", "200"): lambda c: c.full.get("/v1/rules/NA001", headers=AUTH),
    ("GET", "/v1/rules/{rule_id}", "401"): lambda c: c.full.get("/v1/rules/NA001"),
    ("GET", "/v1/rules/{rule_id}", "404"): lambda c: c.full.get("/v1/rules/NA999", headers=AUTH),
    ("GET", "/v1/rules", "422"): lambda c: c.full.get("/v1/rules", params={"lang": "fr"}, headers=AUTH),
    ("GET", "/v1/rules/{rule_id}", "422"): lambda c: c.full.get("/v1/rules/NA001?lang=fr", headers=AUTH),
    ("GET", "/v1/drivers", "422"): lambda c: c.full.get("/v1/drivers", params={"lnag": "zh"}, headers=AUTH),
    ("GET", "/v1/drivers/{driver}", "422"): lambda c: c.full.get("/v1/drivers/host?lang=xx", headers=AUTH),
    ("GET", "/v1/drivers", "200"): lambda c: c.full.get("/v1/drivers", headers=AUTH),
    ("GET", "/v1/drivers", "401"): lambda c: c.full.get("/v1/drivers"),
    ("GET", "/v1/drivers/{driver}", "200"): lambda c: c.full.get("/v1/drivers/macvlan", headers=AUTH),
    ("GET", "/v1/drivers/{driver}", "401"): lambda c: c.full.get("/v1/drivers/macvlan"),
    ("GET", "/v1/drivers/{driver}", "404"): lambda c: c.full.get("/v1/drivers/weave", headers=AUTH),
    ("GET", "/v1/request-fields", "200"): lambda c: c.full.get("/v1/request-fields?lang=zh"),  # no key
    ("GET", "/v1/request-fields", "422"): lambda c: c.full.get("/v1/request-fields?lang=fr"),
    ("GET", "/v1/plugins", "200"): lambda c: c.full.get("/v1/plugins", headers=AUTH),
    ("GET", "/v1/plugins", "401"): lambda c: c.full.get("/v1/plugins"),
    ("GET", "/v1/plugins/{name}", "200"): lambda c: c.full.get("/v1/plugins/weave", headers=AUTH),
    ("GET", "/v1/plugins/{name}", "401"): lambda c: c.full.get("/v1/plugins/weave"),
    ("GET", "/v1/plugins/{name}", "404"): lambda c: c.full.get("/v1/plugins/flannel", headers=AUTH),
    # review
    ("POST", "/v1/reviews", "200"): lambda c: c.full.post(
        "/v1/reviews", json={"files": [{"name": "compose.yaml", "content": COMPOSE}]}, headers=AUTH
    ),
    ("POST", "/v1/reviews", "401"): lambda c: c.full.post("/v1/reviews", json={"files": []}),
    ("POST", "/v1/reviews", "413"): lambda c: c.full.post("/v1/reviews", content=BIG, headers=AUTH),
    ("POST", "/v1/reviews", "415"): lambda c: c.full.post("/v1/reviews", content=b"{}", headers=AUTH),
    ("POST", "/v1/reviews", "422"): lambda c: c.full.post("/v1/reviews", json={"files": []}, headers=AUTH),
    ("GET", "/v1/review-rules", "200"): lambda c: c.full.get("/v1/review-rules", headers=AUTH),
    ("GET", "/v1/review-rules", "401"): lambda c: c.full.get("/v1/review-rules"),
    ("GET", "/v1/review-rules/{rule_id}", "200"): lambda c: c.full.get(
        f"/v1/review-rules/{first_review_rule(c)}", headers=AUTH
    ),
    ("GET", "/v1/review-rules/{rule_id}", "401"): lambda c: c.full.get("/v1/review-rules/X"),
    ("GET", "/v1/review-rules", "422"): lambda c: c.full.get("/v1/review-rules?lang=de", headers=AUTH),
    ("GET", "/v1/review-rules/{rule_id}", "422"): lambda c: c.full.get(
        "/v1/review-rules/NR001", params={"lang": "ja"}, headers=AUTH
    ),
    ("GET", "/v1/review-rules/{rule_id}", "404"): lambda c: c.full.get(
        "/v1/review-rules/NOPE999", headers=AUTH
    ),
    # chat: Slack
    ("POST", "/v1/chat/slack", "200"): lambda c: c.full.post(
        "/v1/chat/slack", content=FORM, headers=slack(FORM)
    ),
    ("POST", "/v1/chat/slack", "400"): lambda c: c.full.post(
        "/v1/chat/slack", content=b"\xff\xfe", headers=slack(b"\xff\xfe")
    ),
    ("POST", "/v1/chat/slack", "401"): lambda c: c.full.post("/v1/chat/slack", content=FORM),
    ("POST", "/v1/chat/slack", "413"): lambda c: c.full.post("/v1/chat/slack", content=BIG),
    ("POST", "/v1/chat/slack", "422"): lambda c: c.full.post(
        "/v1/chat/slack", content=b"command=x", headers=slack(b"command=x")
    ),
    ("POST", "/v1/chat/slack", "404"): lambda c: c.bare.post(
        "/v1/chat/slack", content=FORM, headers=slack(FORM)
    ),
    # chat: Mattermost
    ("POST", "/v1/chat/mattermost", "200"): lambda c: c.full.post(
        "/v1/chat/mattermost", content=FORM, headers=MM
    ),
    ("POST", "/v1/chat/mattermost", "400"): lambda c: c.full.post(
        "/v1/chat/mattermost", content=b"\xff\xfe", headers=MM
    ),
    ("POST", "/v1/chat/mattermost", "401"): lambda c: c.full.post("/v1/chat/mattermost", content=FORM),
    ("POST", "/v1/chat/mattermost", "413"): lambda c: c.full.post("/v1/chat/mattermost", content=BIG),
    ("POST", "/v1/chat/mattermost", "422"): lambda c: c.full.post(
        "/v1/chat/mattermost", content=b"command=x", headers=MM
    ),
    ("POST", "/v1/chat/mattermost", "404"): lambda c: c.bare.post(
        "/v1/chat/mattermost", content=FORM, headers=MM
    ),
    # chat: Teams
    ("POST", "/v1/chat/teams", "200"): lambda c: c.full.post(
        "/v1/chat/teams", content=ACTIVITY, headers=teams(ACTIVITY)
    ),
    ("POST", "/v1/chat/teams", "400"): lambda c: c.full.post(
        "/v1/chat/teams", content=b"[1]", headers=teams(b"[1]")
    ),
    ("POST", "/v1/chat/teams", "401"): lambda c: c.full.post("/v1/chat/teams", content=ACTIVITY),
    ("POST", "/v1/chat/teams", "413"): lambda c: c.full.post("/v1/chat/teams", content=BIG),
    ("POST", "/v1/chat/teams", "422"): lambda c: c.full.post(
        "/v1/chat/teams", content=b"{}", headers=teams(b"{}")
    ),
    ("POST", "/v1/chat/teams", "404"): lambda c: c.bare.post(
        "/v1/chat/teams", content=ACTIVITY, headers=teams(ACTIVITY)
    ),
    # chat: Feishu / Lark (no Encrypt Key here: the token authenticates; tests/chat/test_feishu_dingtalk.py
    # covers signed, encrypted events and the replies)
    ("POST", "/v1/chat/feishu", "200"): lambda c: c.full.post("/v1/chat/feishu", content=URL_CHECK),
    ("POST", "/v1/chat/feishu", "400"): lambda c: c.full.post("/v1/chat/feishu", content=b"[1]"),
    ("POST", "/v1/chat/feishu", "401"): lambda c: c.full.post(
        "/v1/chat/feishu", content=URL_CHECK.replace(FEISHU_TOKEN.encode(), b"wrong-token")
    ),
    ("POST", "/v1/chat/feishu", "413"): lambda c: c.full.post("/v1/chat/feishu", content=BIG),
    ("POST", "/v1/chat/feishu", "404"): lambda c: c.bare.post("/v1/chat/feishu", content=URL_CHECK),
    # chat: DingTalk
    ("POST", "/v1/chat/dingtalk", "200"): lambda c: c.full.post(
        "/v1/chat/dingtalk", content=DING_MESSAGE, headers=dingtalk()
    ),
    ("POST", "/v1/chat/dingtalk", "400"): lambda c: c.full.post(
        "/v1/chat/dingtalk", content=b"[1]", headers=dingtalk()
    ),
    ("POST", "/v1/chat/dingtalk", "401"): lambda c: c.full.post("/v1/chat/dingtalk", content=DING_MESSAGE),
    ("POST", "/v1/chat/dingtalk", "413"): lambda c: c.full.post("/v1/chat/dingtalk", content=BIG),
    ("POST", "/v1/chat/dingtalk", "404"): lambda c: c.bare.post(
        "/v1/chat/dingtalk", content=DING_MESSAGE, headers=dingtalk()
    ),
}


def documented() -> list[tuple[str, str, str]]:
    return sorted(
        (method.upper(), path, status)
        for path, operations in DOCUMENT["paths"].items()
        for method, operation in operations.items()
        for status in operation["responses"]
    )


def test_every_documented_answer_has_a_recipe() -> None:
    missing = [pair for pair in documented() if pair not in RECIPES]
    assert not missing, f"documented but never produced by a test (add a recipe): {missing}"
    stale = [pair for pair in RECIPES if pair not in documented()]
    assert not stale, f"recipes for answers the document no longer lists: {stale}"


def response_schema(method: str, path: str, status: str, media_type: str) -> dict[str, Any] | None:
    content = DOCUMENT["paths"][path][method.lower()]["responses"][status].get("content", {})
    spec = content.get(media_type)
    return None if spec is None else spec.get("schema")


@pytest.mark.parametrize(("method", "path", "status"), documented(), ids="{0[0]} {0[1]} {0[2]}".format)
def test_every_documented_answer_can_be_produced(
    clients: Clients, method: str, path: str, status: str
) -> None:
    recipe = RECIPES.get((method, path, status))
    if recipe is None:
        pytest.fail("no recipe: see test_every_documented_answer_has_a_recipe")
    response = recipe(clients)
    assert response.status_code == int(status), response.text[:300]
    media_type = response.headers.get("content-type", "").split(";")[0]
    schema = response_schema(method, path, status, media_type)
    if media_type == "application/json":
        body = response.json()
        if schema is not None:
            jsonschema.validate(body, {**schema, "components": DOCUMENT["components"]})
        if int(status) >= 400:
            assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    if status == "401" and not path.startswith("/v1/chat/"):
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "X-Request-ID" in response.headers
