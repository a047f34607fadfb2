"""Feishu (Lark) bots: events in through the event subscription, the answer out as a card reply.

Feishu does not take a reply in the HTTP response to an event: the endpoint acknowledges the event and the
answer goes out through the open API, as a reply to the message (`POST /open-apis/im/v1/messages/
{message_id}/reply`) authorised by a tenant access token (`POST /open-apis/auth/v3/tenant_access_token/
internal` with the app's id and secret). Both calls sit behind `FeishuReplier` so the endpoint can be tested
against a local fake of the API; `FeishuClient` is the real one (stdlib urllib: no extra dependency).

The reply is an interactive card (schema 2.0) with one `markdown` element per section: card Markdown
renders headings, lists and fenced code with a language (larksuite/cli skill reference, card components
`markdown`), where a `text` message renders nothing. A card's request body may not exceed 30 KB (the
reply/send message docs: "卡片及富文本消息请求体最大不能超过30KB", error 230025), measured here on the exact
bytes sent. The reply's `uuid` is the event id: Feishu sends at most one message per uuid within an hour,
so an event Feishu redelivers (it retries when no 200 arrives in time) is not answered twice.

Encrypted events (`{"encrypt": ...}`) are AES-256-CBC with key = SHA-256(Encrypt Key), the IV the first 16
bytes of the base64-decoded value, PKCS#7 padding (lark_oapi/core/utils/decryptor.py).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import re
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, Protocol

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from service.chat.answer import ChatAnswer
from service.chat.layout import Code, Section, fit, parse_markdown
from service.chat.payloads import BadPayload, parse_json_object
from service.chat.verify import LarkHeaders, verify_feishu_signature, verify_feishu_token
from service.errors import Unauthorized
from service.i18n import gettext_for

log = logging.getLogger("netadvisor.chat")

FEISHU_API = "https://open.feishu.cn"  # Lark (international): https://open.larksuite.com
MAX_CARD_REQUEST_BYTES = 30 * 1024
REQUEST_BUDGET = 28_000
MESSAGE_EVENT = "im.message.receive_v1"
MAX_UUID_CHARS = 50  # the reply API's limit on `uuid`

_MENTION_KEY = re.compile(r"@_user_\d+")
_MESSAGE_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")


class FeishuApiError(Exception):
    """The open API refused a call or could not be reached (logged; the event was already acknowledged)."""


def decrypt(encrypt_key: str, encrypted: str) -> bytes:
    """The plaintext of an `{"encrypt": ...}` event. Raises ValueError when it is not one of ours."""
    try:
        raw = base64.b64decode(encrypted, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not base64") from None
    if len(raw) < 32 or len(raw) % 16:
        raise ValueError("not an AES-CBC ciphertext")
    key = hashlib.sha256(encrypt_key.encode("utf-8")).digest()
    decryptor = Cipher(algorithms.AES(key), modes.CBC(raw[:16])).decryptor()
    padded = decryptor.update(raw[16:]) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return unpadder.update(padded) + unpadder.finalize()  # raises ValueError on bad padding


@dataclass(frozen=True, slots=True)
class FeishuMessage:
    event_id: str
    message_id: str
    chat_type: str  # p2p or group
    text: str  # the question, mentions removed; empty for non-text messages (answered with the help)


def _question(message: dict[str, Any]) -> str:
    if message.get("message_type") != "text":
        return ""
    try:
        content = json.loads(message.get("content") or "{}")
    except ValueError:
        return ""
    text = content.get("text") if isinstance(content, dict) else None
    if not isinstance(text, str):
        return ""
    # `@_user_1` stands for each @mention (the bot's own in a group); it is not part of the question.
    return _MENTION_KEY.sub(" ", text).strip()


def message_of(event: dict[str, Any]) -> FeishuMessage | None:
    """The message of an `im.message.receive_v1` event (schema 2.0), or None for any other event."""
    header = event.get("header")
    body = event.get("event")
    if not isinstance(header, dict) or not isinstance(body, dict):
        return None
    if header.get("event_type") != MESSAGE_EVENT:
        return None
    sender = body.get("sender")
    if isinstance(sender, dict) and sender.get("sender_type") not in (None, "user"):
        return None  # another bot or app: answering it could start two bots talking forever
    message = body.get("message")
    if not isinstance(message, dict):
        return None
    message_id = message.get("message_id")
    if not isinstance(message_id, str) or not _MESSAGE_ID.fullmatch(message_id):
        return None
    event_id = str(header.get("event_id") or message_id)
    return FeishuMessage(event_id, message_id, str(message.get("chat_type") or ""), _question(message))


def _element(section: Section) -> dict[str, Any]:
    lines: list[str] = []
    if section.title and section.level != 1:
        lines.append(f"**{section.title}**")
    for part in section.parts:
        lines.append(f"```{part.language}\n{part.body}\n```" if isinstance(part, Code) else part)
    return {"tag": "markdown", "content": "\n".join(lines)}


def card_for(sections: list[Section], headline: str) -> dict[str, Any]:
    title = next((s.title for s in sections if s.level == 1 and s.title), None) or headline
    elements = [_element(section) for section in sections if section.parts or section.level != 1]
    return {
        "schema": "2.0",
        "header": {"title": {"tag": "plain_text", "content": title[:200]}},
        "body": {"elements": [element for element in elements if element["content"]]},
    }


def request_body(card: dict[str, Any], uuid: str) -> dict[str, Any]:
    """The reply API's JSON body: `content` is the card serialised to a string, as the API wants it."""
    return {
        "msg_type": "interactive",
        "content": json.dumps(card, ensure_ascii=False, separators=(",", ":")),
        "uuid": uuid[:MAX_UUID_CHARS],
    }


def encoded(body: dict[str, Any]) -> bytes:
    """The exact bytes sent: what the 30 KB limit is measured on."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def reply(answer: ChatAnswer, uuid: str) -> dict[str, Any]:
    """The reply API body for an answer, shortened (layout.fit) to stay under the card limit."""
    _ = gettext_for(answer.language)
    sections = fit(
        parse_markdown(answer.markdown, _),
        lambda candidate: (
            len(encoded(request_body(card_for(candidate, answer.headline), uuid))) <= REQUEST_BUDGET
        ),
        platform="Feishu",
        gettext=_,
    )
    return request_body(card_for(sections, answer.headline), uuid)


class FeishuReplier(Protocol):
    def reply(self, message_id: str, body: dict[str, Any]) -> None: ...


class FeishuClient:
    """The open API over HTTPS: a tenant access token (cached until shortly before it expires), then the
    reply. Thread-safe: replies are sent from the server's worker threads."""

    def __init__(self, base_url: str, app_id: str, app_secret: str, *, timeout: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._app_id = app_id
        self._app_secret = app_secret
        self._timeout = timeout
        self._lock = threading.Lock()
        self._token: str | None = None
        self._token_expires = 0.0

    def _post(self, path: str, body: dict[str, Any], token: str | None = None) -> dict[str, Any]:
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(  # noqa: S310 - the base URL is the operator's setting, https by default
            self.base_url + path, data=encoded(body), headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:  # noqa: S310
                data = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:300].decode("utf-8", "replace")
            raise FeishuApiError(f"{path}: HTTP {exc.code}: {detail}") from None
        except (urllib.error.URLError, TimeoutError, ValueError) as exc:
            raise FeishuApiError(f"{path}: {exc}") from None
        if not isinstance(data, dict) or data.get("code") != 0:
            code, msg = (data.get("code"), data.get("msg")) if isinstance(data, dict) else (None, None)
            raise FeishuApiError(f"{path}: code {code}: {msg}")
        return data

    def tenant_token(self) -> str:
        with self._lock:
            if self._token is None or time.monotonic() >= self._token_expires:
                data = self._post(
                    "/open-apis/auth/v3/tenant_access_token/internal",
                    {"app_id": self._app_id, "app_secret": self._app_secret},
                )
                token, expire = data.get("tenant_access_token"), data.get("expire")
                if not isinstance(token, str) or not token:
                    raise FeishuApiError("tenant_access_token missing from the token response")
                lifetime = float(expire) if isinstance(expire, int | float) else 0.0
                # Renew a minute early: a token that expires in flight fails the reply.
                self._token, self._token_expires = token, time.monotonic() + max(lifetime - 60, 0)
            return self._token

    def reply(self, message_id: str, body: dict[str, Any]) -> None:
        if not _MESSAGE_ID.fullmatch(message_id):
            raise FeishuApiError("message_id is not a Feishu message id")
        self._post(f"/open-apis/im/v1/messages/{message_id}/reply", body, self.tenant_token())


def deliver(replier: FeishuReplier, message_id: str, body: dict[str, Any]) -> None:
    """Send a reply after the event was acknowledged; a failure is logged (nobody is left to answer)."""
    try:
        replier.reply(message_id, body)
    except FeishuApiError as exc:
        log.warning("Feishu reply to %s failed: %s", message_id, exc)


def _decrypted(data: dict[str, Any], encrypt_key: str | None) -> dict[str, Any]:
    if "encrypt" not in data:
        return data
    if not encrypt_key:
        raise BadPayload(
            "the event is encrypted: set NETADVISOR_FEISHU_ENCRYPT_KEY to the app's Encrypt Key",
            {"integration": "feishu", "setting": "NETADVISOR_FEISHU_ENCRYPT_KEY"},
        )
    try:  # one answer for every way this fails, so a refusal says nothing about the padding
        plain = json.loads(decrypt(encrypt_key, str(data["encrypt"])))
        if not isinstance(plain, dict):
            raise ValueError("not an object")
    except ValueError:
        log.warning("Feishu request refused: the event does not decrypt with the configured Encrypt Key")
        raise Unauthorized(
            "the event does not decrypt with the configured Encrypt Key", {"integration": "feishu"}
        ) from None
    return plain


def open_event(
    body: bytes,
    *,
    token: str,
    encrypt_key: str | None,
    headers: LarkHeaders,
    now: float,
) -> dict[str, Any]:
    """Authenticate an event request and return the event (decrypted), as Lark's SDK does it:
    the signature (when an Encrypt Key is set and the request is signed), then the Verification Token
    inside the event; only the URL check may come unsigned (the docs exempt it from the signature check)."""
    signed = headers.present
    if encrypt_key and signed:
        verify_feishu_signature(encrypt_key, headers, body, now)
    event = _decrypted(parse_json_object(body, "feishu"), encrypt_key)
    header = event.get("header")
    verify_feishu_token(token, header.get("token") if isinstance(header, dict) else event.get("token"))
    if encrypt_key and not signed and event.get("type") != "url_verification":
        verify_feishu_signature(encrypt_key, headers, body, now)  # refused: names the missing header
    return event
