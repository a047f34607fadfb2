"""Feishu (Lark) and DingTalk bots (issue 12): signed exactly as each platform signs, replies within limits.

Signatures and ciphertexts are computed here from each platform's published scheme (Feishu: sha256 of
timestamp + nonce + Encrypt Key + body, AES-256-CBC with a SHA-256 key and the IV in front; DingTalk:
Base64 HMAC-SHA256 of timestamp + "\\n" + AppSecret), never with the service's own functions. Feishu's
replies go out through its open API; here that API is a real HTTP server on 127.0.0.1 that records every
request, so the test sees the exact requests production would send.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from fastapi.testclient import TestClient
from pydantic import SecretStr

from service.advisor import Advisor
from service.api import chat_routes
from service.api.app import create_app
from service.api.errors import STATUS
from service.chat import feishu
from service.errors import ErrorCode
from service.query.grammar import parse_query
from service.query.help import help_text
from service.query.problems import QueryError
from service.settings import Settings
from tests.chat.test_limits import LONG_DEPLOYMENT, LONG_PORTS, _climb

APP_ID = "cli_a1b2c3d4e5f6a7b8"
APP_SECRET = "feishu-app-secret-for-tests"
VERIFICATION_TOKEN = "v3rificationT0kenFromTheConsole"
ENCRYPT_KEY = "kudryavtsev-encrypt-key-1234"
DINGTALK_SECRET = "SECdingtalkAppSecretForTheRobot0123456789"
TENANT_TOKEN = "t-g1044ghJRUIJJ5ELPB3OFGBKDJTTF7D2FXM5X3UU"

FEISHU_MAX_CARD_REQUEST_BYTES = 30 * 1024  # "卡片及富文本消息请求体最大不能超过30KB"
DINGTALK_MAX_BODY_BYTES = 20_000  # "body 大小不合法;请保持大小在 20000bytes 以内"
DINGTALK_MAX_MARKDOWN_CHARS = 3_500
CJK = re.compile(r"[\u3400-\u9fff]")


# -- a fake Feishu open API on 127.0.0.1 -------------------------------------------------------------------


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class FakeFeishu:
    url: str
    requests: list[Recorded] = field(default_factory=list)
    reply_code: int = 0  # what the reply API answers; non-zero: a Feishu error code
    token_lifetime: int = 7200  # seconds, as the auth API's `expire`

    def replies(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.endswith("/reply")]

    def cards(self) -> list[dict[str, Any]]:
        return [json.loads(r.body["content"]) for r in self.replies()]


@pytest.fixture
def fake_feishu() -> Iterator[FakeFeishu]:
    state: dict[str, FakeFeishu] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers["Content-Length"]))
            fake = state["fake"]
            fake.requests.append(
                Recorded(self.path, {k.lower(): v for k, v in self.headers.items()}, json.loads(raw))
            )
            if self.path == "/open-apis/auth/v3/tenant_access_token/internal":
                answer = {
                    "code": 0,
                    "msg": "ok",
                    "tenant_access_token": TENANT_TOKEN,
                    "expire": fake.token_lifetime,
                }
            elif self.path.startswith("/open-apis/im/v1/messages/") and self.path.endswith("/reply"):
                answer = {"code": fake.reply_code, "msg": "success" if not fake.reply_code else "refused"}
            else:
                self.send_error(404)
                return
            data = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["fake"] = FakeFeishu(f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state["fake"]
    server.shutdown()
    server.server_close()


def _settings(fake: FakeFeishu | None = None, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "feishu_app_id": APP_ID,
        "feishu_app_secret": SecretStr(APP_SECRET),
        "feishu_verification_token": SecretStr(VERIFICATION_TOKEN),
        "feishu_encrypt_key": SecretStr(ENCRYPT_KEY),
        "feishu_api_base": fake.url if fake else "http://127.0.0.1:9",
        "dingtalk_app_secret": SecretStr(DINGTALK_SECRET),
        "api_keys": SecretStr("a-key-chat-requests-never-carry"),
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def bots(advisor: Advisor, fake_feishu: FakeFeishu) -> Iterator[TestClient]:
    with TestClient(create_app(_settings(fake_feishu), advisor=advisor)) as client:
        yield client


# -- Feishu: the documented scheme, computed here ----------------------------------------------------------


def lark_encrypt(plain: bytes, key: str = ENCRYPT_KEY) -> str:
    aes_key = hashlib.sha256(key.encode()).digest()
    iv = os.urandom(16)
    padder = padding.PKCS7(128).padder()
    encryptor = Cipher(algorithms.AES(aes_key), modes.CBC(iv)).encryptor()
    data = encryptor.update(padder.update(plain) + padder.finalize()) + encryptor.finalize()
    return base64.b64encode(iv + data).decode()


def lark_headers(body: bytes, *, timestamp: int | None = None, key: str = ENCRYPT_KEY) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    nonce = "13a8e4b2f0c9"
    signature = hashlib.sha256((ts + nonce + key).encode() + body).hexdigest()
    return {
        "Content-Type": "application/json",
        "X-Lark-Request-Timestamp": ts,
        "X-Lark-Request-Nonce": nonce,
        "X-Lark-Signature": signature,
    }


def message_event(text: str, *, event_id: str = "5e3702a84e847582be8db7fb73283c02") -> dict[str, Any]:
    return {
        "schema": "2.0",
        "header": {
            "event_id": event_id,
            "token": VERIFICATION_TOKEN,
            "create_time": "1608725989000",
            "event_type": "im.message.receive_v1",
            "tenant_key": "2ca1d211f64f6438",
            "app_id": APP_ID,
        },
        "event": {
            "sender": {"sender_id": {"open_id": "ou_84aad35d084aa403a838cf73ee18467"}, "sender_type": "user"},
            "message": {
                "message_id": "om_5ce6d572455d361153b7cb51da133945",
                "chat_id": "oc_5ce6d572455d361153b7xx51da133945",
                "chat_type": "group",
                "message_type": "text",
                "content": json.dumps({"text": f"@_user_1 {text}"}, ensure_ascii=False),
                "mentions": [{"key": "@_user_1", "id": {"open_id": "ou_bot"}, "name": "netadvisor"}],
            },
        },
    }


def post_event(client: TestClient, event: dict[str, Any], *, encrypt: bool = True) -> Any:
    plain = json.dumps(event, ensure_ascii=False).encode()
    body = json.dumps({"encrypt": lark_encrypt(plain)}).encode() if encrypt else plain
    return client.post("/v1/chat/feishu", content=body, headers=lark_headers(body))


def test_the_documented_decryption_vector_decrypts() -> None:
    """Feishu's own example (Encrypt Key `test key`), which every Lark SDK tests against."""
    assert feishu.decrypt("test key", "P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=") == b"hello world"
    with pytest.raises(ValueError):
        feishu.decrypt("another key", "P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=")


def test_url_verification_answers_the_challenge_plain_and_encrypted(advisor: Advisor) -> None:
    check = {"challenge": "ajls384kdjx98XX", "token": VERIFICATION_TOKEN, "type": "url_verification"}
    for settings, body in (
        (_settings(feishu_encrypt_key=None), json.dumps(check).encode()),
        (_settings(), json.dumps({"encrypt": lark_encrypt(json.dumps(check).encode())}).encode()),
    ):
        with TestClient(create_app(settings, advisor=advisor)) as client:
            # The URL check comes unsigned (the docs exempt it from the signature check).
            response = client.post("/v1/chat/feishu", content=body)
            assert response.status_code == 200, response.text
            assert response.json() == {"challenge": "ajls384kdjx98XX"}
            wrong = {**check, "token": "someone-elses-token"}
            refused = client.post("/v1/chat/feishu", content=json.dumps(wrong).encode())
            assert refused.status_code == 401
            assert refused.json()["error"]["code"] == "unauthorized"


def test_a_message_is_acknowledged_then_answered_through_the_open_api(
    bots: TestClient, fake_feishu: FakeFeishu
) -> None:
    response = post_event(bots, message_event("cross-host swarm encrypted hosts=3"))
    assert response.status_code == 200, response.text
    assert response.json() == {}
    token_call, reply_call = fake_feishu.requests
    # The tenant access token, exactly as the auth API documents it.
    assert token_call.path == "/open-apis/auth/v3/tenant_access_token/internal"
    assert token_call.body == {"app_id": APP_ID, "app_secret": APP_SECRET}
    assert token_call.headers["content-type"] == "application/json; charset=utf-8"
    # The reply: to the message, as the bot, an interactive card whose content is a JSON string.
    assert reply_call.path == "/open-apis/im/v1/messages/om_5ce6d572455d361153b7cb51da133945/reply"
    assert reply_call.headers["authorization"] == f"Bearer {TENANT_TOKEN}"
    assert reply_call.headers["content-type"] == "application/json; charset=utf-8"
    assert set(reply_call.body) == {"msg_type", "content", "uuid"}
    assert reply_call.body["msg_type"] == "interactive"
    assert reply_call.body["uuid"] == "5e3702a84e847582be8db7fb73283c02"  # redeliveries are not re-answered
    card = json.loads(reply_call.body["content"])
    assert card["schema"] == "2.0"
    assert card["header"]["title"]["content"].startswith("Use overlay")
    markdown = "\n".join(element["content"] for element in card["body"]["elements"])
    assert all(element["tag"] == "markdown" for element in card["body"]["elements"])
    assert "NA005" in markdown and "**Why**" in markdown
    assert "```sh\ndocker network create --driver overlay --attachable --opt encrypted" in markdown


def test_the_tenant_token_is_reused_until_it_expires(bots: TestClient, fake_feishu: FakeFeishu) -> None:
    for n in range(3):
        assert post_event(bots, message_event("swarm", event_id=f"event-{n}")).status_code == 200
    paths = [r.path for r in fake_feishu.requests]
    assert paths.count("/open-apis/auth/v3/tenant_access_token/internal") == 1
    assert [r.body["uuid"] for r in fake_feishu.replies()] == ["event-0", "event-1", "event-2"]


def test_a_token_about_to_expire_is_renewed(bots: TestClient, fake_feishu: FakeFeishu) -> None:
    fake_feishu.token_lifetime = 45  # under the minute of margin: never reused
    for n in range(2):
        assert post_event(bots, message_event("swarm", event_id=f"event-{n}")).status_code == 200
    paths = [r.path for r in fake_feishu.requests]
    assert paths.count("/open-apis/auth/v3/tenant_access_token/internal") == 2


def test_an_unreachable_open_api_is_logged_not_raised(
    advisor: Advisor, caplog: pytest.LogCaptureFixture
) -> None:
    # Port 9 (discard) on loopback: nothing listens, the connection is refused.
    with (
        TestClient(create_app(_settings(None), advisor=advisor)) as client,
        caplog.at_level(logging.WARNING, logger="netadvisor.chat"),
    ):
        assert post_event(client, message_event("swarm")).status_code == 200
    assert "Feishu reply to om_5ce6d572455d361153b7cb51da133945 failed" in caplog.text
    assert "tenant_access_token/internal" in caplog.text


def test_chinese_keywords_get_the_same_answer_and_the_help_is_chinese(
    bots: TestClient, fake_feishu: FakeFeishu
) -> None:
    post_event(bots, message_event("跨主机 集群模式 加密 主机数＝3"))
    post_event(bots, message_event("cross-host swarm encrypted hosts=3 lang=zh"))
    post_event(bots, message_event("cross-host swarm encrypted hosts=3"))
    chinese, english_asking_for_chinese, english = fake_feishu.cards()
    assert chinese == english_asking_for_chinese  # the same requirements, answered in Chinese
    assert chinese != english and "overlay" in json.dumps(chinese, ensure_ascii=False)
    post_event(bots, message_event("帮助"))
    help_card = fake_feishu.cards()[-1]
    text = help_card["body"]["elements"][0]["content"]
    assert "`跨主机`" in text and "`加密`" in text and "`端口`" in text
    assert help_card["header"]["title"]["content"] == "netadvisor：怎样提问"


def test_feishu_refusals_are_401_envelopes_and_send_nothing(
    bots: TestClient, fake_feishu: FakeFeishu
) -> None:
    body = json.dumps({"encrypt": lark_encrypt(json.dumps(message_event("swarm")).encode())}).encode()
    now = int(time.time())
    cases = {
        "signed with another key": lark_headers(body, key="not-the-encrypt-key"),
        "six minutes old (replay)": lark_headers(body, timestamp=now - 360),
        "unsigned": {"Content-Type": "application/json"},
    }
    for name, headers in cases.items():
        response = bots.post("/v1/chat/feishu", content=body, headers=headers)
        assert response.status_code == 401, name
        assert response.json()["error"]["code"] == "unauthorized", name
    unsigned = bots.post("/v1/chat/feishu", content=body).json()["error"]["message"]
    assert "X-Lark-Request-Timestamp" in unsigned
    # A signed request whose event carries someone else's Verification Token.
    event = message_event("swarm")
    event["header"]["token"] = "another-apps-token"
    assert post_event(bots, event).status_code == 401
    # A body tampered with after signing.
    headers = lark_headers(body)
    tampered = body.replace(b'"}', b'X"}')
    assert bots.post("/v1/chat/feishu", content=tampered, headers=headers).status_code == 401
    assert fake_feishu.requests == []


def test_within_five_minutes_is_accepted(bots: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    body = json.dumps({"encrypt": lark_encrypt(json.dumps(message_event("swarm")).encode())}).encode()
    headers = lark_headers(body, timestamp=1_700_000_000)
    monkeypatch.setattr(chat_routes, "clock", lambda: 1_700_000_000 + 299)
    assert bots.post("/v1/chat/feishu", content=body, headers=headers).status_code == 200
    monkeypatch.setattr(chat_routes, "clock", lambda: 1_700_000_000 + 301)
    assert bots.post("/v1/chat/feishu", content=body, headers=headers).status_code == 401


def test_without_an_encrypt_key_the_verification_token_authenticates(
    advisor: Advisor, fake_feishu: FakeFeishu
) -> None:
    with TestClient(create_app(_settings(fake_feishu, feishu_encrypt_key=None), advisor=advisor)) as client:
        assert post_event(client, message_event("swarm"), encrypt=False).status_code == 200
        assert len(fake_feishu.replies()) == 1
        encrypted = post_event(client, message_event("swarm"))
        assert encrypted.status_code == 400
        assert "NETADVISOR_FEISHU_ENCRYPT_KEY" in encrypted.json()["error"]["message"]


def test_other_events_are_acknowledged_and_not_answered(bots: TestClient, fake_feishu: FakeFeishu) -> None:
    event = message_event("swarm")
    event["header"]["event_type"] = "im.chat.member.bot.added_v1"
    assert post_event(bots, event).json() == {}
    from_a_bot = message_event("swarm")
    from_a_bot["event"]["sender"]["sender_type"] = "app"
    assert post_event(bots, from_a_bot).json() == {}
    assert fake_feishu.requests == []


def test_a_refused_reply_is_logged_and_the_event_still_acknowledged(
    bots: TestClient, fake_feishu: FakeFeishu, caplog: pytest.LogCaptureFixture
) -> None:
    fake_feishu.reply_code = 230002  # "The bot is not in the chat"
    with caplog.at_level(logging.WARNING, logger="netadvisor.chat"):
        assert post_event(bots, message_event("swarm")).status_code == 200
    assert "code 230002" in caplog.text
    assert APP_SECRET not in caplog.text and TENANT_TOKEN not in caplog.text


@pytest.mark.parametrize(
    ("missing", "variable"),
    [
        ("feishu_verification_token", "NETADVISOR_FEISHU_VERIFICATION_TOKEN"),
        ("feishu_app_id", "NETADVISOR_FEISHU_APP_ID"),
        ("feishu_app_secret", "NETADVISOR_FEISHU_APP_SECRET"),
    ],
)
def test_feishu_is_disabled_until_its_secrets_are_set(advisor: Advisor, missing: str, variable: str) -> None:
    with TestClient(create_app(_settings(**{missing: None}), advisor=advisor)) as client:
        response = client.post("/v1/chat/feishu", content=json.dumps(message_event("swarm")).encode())
    assert response.status_code == STATUS[ErrorCode.integration_disabled]
    error = response.json()["error"]
    assert error["code"] == "integration_disabled"
    assert variable in error["message"]


# -- DingTalk ----------------------------------------------------------------------------------------------


def dingtalk_headers(*, timestamp_ms: int | None = None, secret: str = DINGTALK_SECRET) -> dict[str, str]:
    ts = str(int(time.time() * 1000) if timestamp_ms is None else timestamp_ms)
    digest = hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()
    return {"Content-Type": "application/json", "timestamp": ts, "sign": base64.b64encode(digest).decode()}


def dingtalk_body(text: str) -> bytes:
    message = {
        "msgtype": "text",
        "text": {"content": f" {text}"},
        "msgId": "msgQ5rW3+Cq0T1Fl0QH5a7Agw==",
        "createAt": "1718000000000",
        "conversationType": "2",
        "conversationId": "cid6KeBBLoveMJOGXoYKF5x7EeiodoA==",
        "conversationTitle": "ops",
        "senderId": "$:LWCP_v1:$Ff09GIxQ1gJ8tuU0gw==",
        "senderNick": "Zhang San",
        "chatbotUserId": "$:LWCP_v1:$Bot==",
        "sessionWebhook": "https://oapi.dingtalk.com/robot/sendBySession?session=xxx",
        "sessionWebhookExpiredTime": 1718000000000 + 5_400_000,
        "isAdmin": False,
    }
    return json.dumps(message, ensure_ascii=False).encode()


def ask_dingtalk(client: TestClient, text: str) -> dict[str, Any]:
    response = client.post("/v1/chat/dingtalk", content=dingtalk_body(text), headers=dingtalk_headers())
    assert response.status_code == 200, response.text
    reply: dict[str, Any] = response.json()
    return reply


def test_dingtalk_answers_in_the_response_with_markdown(bots: TestClient) -> None:
    reply = ask_dingtalk(bots, "cross-host swarm encrypted hosts=3")
    assert set(reply) == {"msgtype", "markdown"}
    assert reply["msgtype"] == "markdown"
    assert reply["markdown"]["title"].startswith("Use overlay")
    text = reply["markdown"]["text"]
    assert text.startswith("# Use overlay")
    assert "docker network create --driver overlay" in text
    chinese = ask_dingtalk(bots, "跨主机 集群模式 加密 主机数=3")
    assert chinese == ask_dingtalk(bots, "cross-host swarm encrypted hosts=3 lang=zh")
    assert chinese["markdown"]["title"].startswith("使用 overlay")
    assert ask_dingtalk(bots, "@netadvisor cross-host swarm encrypted hosts=3") == reply


def test_dingtalk_help_and_typos_in_chinese(bots: TestClient) -> None:
    help_reply = ask_dingtalk(bots, "帮助")["markdown"]["text"]
    assert "`局域网IP`" in help_reply and "`多播`" in help_reply
    typo = ask_dingtalk(bots, "跨组机 加密")["markdown"]["text"]
    assert "无法读懂这条查询" in typo
    assert "`跨主机`" in typo  # the nearest Chinese keyword
    english_typo = ask_dingtalk(bots, "cross-hots")["markdown"]["text"]
    assert "Could not read that query" in english_typo and not CJK.search(english_typo)


def test_dingtalk_refusals(bots: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    body = dingtalk_body("swarm")
    now_ms = 1_700_000_000_000
    monkeypatch.setattr(chat_routes, "clock", lambda: now_ms / 1000)
    cases = {
        "another secret": dingtalk_headers(timestamp_ms=now_ms, secret="SECsomeoneelse"),
        "more than an hour old": dingtalk_headers(timestamp_ms=now_ms - 3_600_001),
        "more than an hour ahead": dingtalk_headers(timestamp_ms=now_ms + 3_600_001),
        "no sign": {"timestamp": str(now_ms)},
        "seconds, not milliseconds, and so decades off": dingtalk_headers(timestamp_ms=now_ms // 1000),
    }
    for name, headers in cases.items():
        response = bots.post("/v1/chat/dingtalk", content=body, headers=headers)
        assert response.status_code == 401, name
        assert response.json()["error"]["code"] == "unauthorized", name
    ok = bots.post(
        "/v1/chat/dingtalk", content=body, headers=dingtalk_headers(timestamp_ms=now_ms - 3_599_000)
    )
    assert ok.status_code == 200


def test_dingtalk_is_disabled_until_its_secret_is_set(advisor: Advisor) -> None:
    with TestClient(create_app(_settings(dingtalk_app_secret=None), advisor=advisor)) as client:
        response = client.post(
            "/v1/chat/dingtalk", content=dingtalk_body("swarm"), headers=dingtalk_headers()
        )
    assert response.status_code == STATUS[ErrorCode.integration_disabled]
    assert response.json()["error"]["code"] == "integration_disabled"
    assert "NETADVISOR_DINGTALK_APP_SECRET" in response.json()["error"]["message"]


def test_dingtalk_non_text_message_gets_the_help(bots: TestClient) -> None:
    body = json.dumps({"msgtype": "picture", "content": {"downloadCode": "x"}}).encode()
    response = bots.post("/v1/chat/dingtalk", content=body, headers=dingtalk_headers())
    assert response.status_code == 200
    assert "cross-host swarm encrypted" in response.json()["markdown"]["text"]


# -- limits: the largest answers the advisor gives ---------------------------------------------------------


@pytest.fixture(scope="module")
def largest_query(advisor: Advisor) -> str:
    deployment = " ".join(f"{key}={value}" for key, value in LONG_DEPLOYMENT.items())
    size, query = _climb(
        advisor,
        {"ports": f"ports={LONG_PORTS}", "deployment": deployment},
        lambda rec: rec.recommendation is not None,
    )
    assert size > 30_000, size  # bigger than either platform takes in one message
    return query


@pytest.mark.slow
def test_the_largest_answer_fits_a_feishu_card(
    bots: TestClient, fake_feishu: FakeFeishu, largest_query: str
) -> None:
    assert post_event(bots, message_event(largest_query)).status_code == 200
    (reply_call,) = fake_feishu.replies()
    sent = json.dumps(reply_call.body, ensure_ascii=False, separators=(",", ":")).encode()
    assert len(sent) <= FEISHU_MAX_CARD_REQUEST_BYTES
    markdown = "\n".join(e["content"] for e in json.loads(reply_call.body["content"])["body"]["elements"])
    assert markdown.count("```") % 2 == 0
    assert "Shortened to fit in one Feishu message" in markdown
    assert "## All drivers" not in markdown and "**All drivers**" in markdown


@pytest.mark.slow
def test_the_largest_answer_fits_a_dingtalk_message(bots: TestClient, largest_query: str) -> None:
    response = bots.post(
        "/v1/chat/dingtalk", content=dingtalk_body(largest_query), headers=dingtalk_headers()
    )
    assert response.status_code == 200
    text = response.json()["markdown"]["text"]
    assert len(text) <= DINGTALK_MAX_MARKDOWN_CHARS
    assert len(json.dumps(response.json(), ensure_ascii=False).encode()) <= DINGTALK_MAX_BODY_BYTES
    assert text.count("```") % 2 == 0
    assert text.startswith("# Use ")
    assert "Shortened to fit in one DingTalk message" in text


def test_an_answer_just_under_the_dingtalk_limit_is_sent_whole(bots: TestClient, advisor: Advisor) -> None:
    """At the limit: an answer that fits is not shortened; one character more and it is."""
    from service.chat import dingtalk
    from service.chat.answer import ChatAnswer

    def answer(reason: str) -> ChatAnswer:
        return ChatAnswer(
            "recommendation", f"# Use bridge (score 70/100)\n\n## Why\n\n- {reason}\n", "h", False
        )

    short = len(dingtalk.reply(answer("x"))["markdown"]["text"])
    at_limit = "x" * (1 + DINGTALK_MAX_MARKDOWN_CHARS - short)
    text = dingtalk.reply(answer(at_limit))["markdown"]["text"]
    assert len(text) == DINGTALK_MAX_MARKDOWN_CHARS and "Shortened" not in text and at_limit in text
    over = dingtalk.reply(answer(at_limit + "x"))["markdown"]["text"]
    assert len(over) <= DINGTALK_MAX_MARKDOWN_CHARS
    assert "Shortened to fit in one DingTalk message" in over


# -- the grammar in Chinese --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("chinese", "english"),
    [
        ("跨主机 集群模式 加密 端口=80,443 主机数=3", "cross-host swarm encrypted ports=80,443 hosts=3"),
        (
            "局域网IP 多播 子网=192.168.1.0/24 父接口=eth0",
            "own-ip multicast subnet=192.168.1.0/24 parent=eth0",
        ),
        ("端口＝80，443 主机数：3", "ports=80,443 hosts=3"),  # full-width = , : from a Chinese IME
        ("端口=80、443", "ports=80,443"),
        ("不加密 无服务发现", "no-encrypted no-dns"),
        ("云=阿里云 平台=无根", "cloud=other platform=rootless"),
        ("亚马逊云 高性能 严格隔离", "aws perf=high isolation=required"),
        ("跨主机\u3000加密", "cross-host encrypted"),  # the ideographic space
    ],
)
def test_chinese_keywords_mean_what_the_english_ones_mean(chinese: str, english: str) -> None:
    assert parse_query(chinese).request == parse_query(english).request


def test_the_english_grammar_is_unchanged() -> None:
    assert not CJK.search(help_text("/netadvisor"))
    for typo in ("cross-hots", "zzzz", "qqqqqq=1"):
        with pytest.raises(QueryError) as caught:
            parse_query(typo)
        assert not CJK.search(caught.value.message), typo


def test_a_chinese_typo_suggests_the_nearest_chinese_keyword() -> None:
    with pytest.raises(QueryError) as caught:
        parse_query("跨组机")
    assert caught.value.problems[0].suggestion == "跨主机"
