"""Request authentication for the chat platforms, exactly as each platform specifies it.

- Slack: `X-Slack-Signature: v0=<hex HMAC-SHA256(signing secret, "v0:{timestamp}:{raw body}")>`, with
  `X-Slack-Request-Timestamp` no more than 5 minutes away from now (replay protection).
- Mattermost: the command's static token, in `Authorization: Token <token>` or the `token` form field.
- Teams: `Authorization: HMAC <base64 HMAC-SHA256(base64decode(security token), raw body)>`.
- Feishu / Lark: the event's Verification Token, and with an Encrypt Key `X-Lark-Signature` (below).
- DingTalk: `timestamp` and `sign` headers, an HMAC of the timestamp (below), within one hour.

Every comparison is constant-time (`hmac.compare_digest`). An integration whose secret is not configured is
disabled (404 naming the variable that enables it), never open. A refusal is 401 and is logged with its
reason on `netadvisor.chat`; the log never holds the secret, the signature or the token.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import re
from typing import NamedTuple

from pydantic import SecretStr

from service.errors import IntegrationDisabled, Unauthorized

log = logging.getLogger("netadvisor.chat")

# Slack's replay window; Feishu documents none, so its signed requests get the same one.
REPLAY_WINDOW_SECONDS = 300
_DIGITS = re.compile(r"[0-9]{1,12}")


def configured(secret: SecretStr | None, platform: str, env_var: str) -> str:
    """The secret's value, or IntegrationDisabled naming the variable that enables the integration."""
    value = secret.get_secret_value().strip() if secret is not None else ""
    if not value:
        raise IntegrationDisabled(
            f"the {platform} integration is disabled: set {env_var} to enable it",
            {"integration": platform.lower(), "setting": env_var},
        )
    return value


def _refuse(platform: str, reason: str, message: str) -> Unauthorized:
    log.warning("%s request refused: %s", platform, reason)
    return Unauthorized(message, {"integration": platform.lower()})


def _require_fresh(platform: str, header: str, timestamp: str, now: float) -> None:
    """A Unix-seconds timestamp header within five minutes of now (Slack's window, which Feishu's check
    borrows): an older request is a replay."""
    if not _DIGITS.fullmatch(timestamp):
        raise _refuse(platform, f"{header} is not a Unix time", f"malformed {header}")
    age = now - int(timestamp)
    if abs(age) > REPLAY_WINDOW_SECONDS:
        raise _refuse(
            platform,
            f"timestamp {age:+.0f}s from now, outside the {REPLAY_WINDOW_SECONDS}s window (replay?)",
            "request timestamp is more than 5 minutes from now",
        )


def verify_slack(
    signing_secret: str, timestamp: str | None, signature: str | None, body: bytes, now: float
) -> None:
    if not timestamp or not signature:
        missing = "X-Slack-Request-Timestamp" if not timestamp else "X-Slack-Signature"
        raise _refuse("Slack", f"missing {missing} header", f"missing {missing} header")
    _require_fresh("Slack", "X-Slack-Request-Timestamp", timestamp, now)
    base = b"v0:" + timestamp.encode("ascii") + b":" + body
    expected = b"v0=" + hmac.new(signing_secret.encode("utf-8"), base, hashlib.sha256).hexdigest().encode()
    if not hmac.compare_digest(expected, signature.encode("latin-1", "replace")):
        raise _refuse("Slack", "signature mismatch", "request signature does not match")


def verify_mattermost(token: str, authorization: str | None, form_token: str | None) -> None:
    given: str | None = None
    if authorization and authorization[:6].lower() == "token ":
        given = authorization[6:].strip()
    elif form_token:
        given = form_token
    if not given:
        raise _refuse("Mattermost", "no token in Authorization header or form", "missing token")
    if not hmac.compare_digest(token.encode("utf-8"), given.encode("utf-8", "replace")):
        raise _refuse("Mattermost", "token mismatch", "token does not match")


def teams_key(secret: str) -> bytes:
    """The HMAC key: the security token Teams showed, base64-decoded (disabled if it is not base64)."""
    try:
        return base64.b64decode(secret, validate=True)
    except (binascii.Error, ValueError):
        raise IntegrationDisabled(
            "the Teams integration is disabled: NETADVISOR_TEAMS_SECRET is not the base64 security token "
            "Teams showed when the outgoing webhook was created",
            {"integration": "teams", "setting": "NETADVISOR_TEAMS_SECRET"},
        ) from None


def verify_teams(key: bytes, authorization: str | None, body: bytes) -> None:
    if not authorization:
        raise _refuse("Teams", "missing Authorization header", "missing Authorization header")
    scheme, _, given = authorization.partition(" ")
    if scheme.lower() != "hmac" or not given.strip():
        raise _refuse(
            "Teams", "Authorization header is not 'HMAC <signature>'", "expected HMAC authorization"
        )
    expected = base64.b64encode(hmac.new(key, body, hashlib.sha256).digest())
    if not hmac.compare_digest(expected, given.strip().encode("latin-1", "replace")):
        raise _refuse("Teams", "signature mismatch", "request signature does not match")


# -- Feishu / Lark (issue 12) ------------------------------------------------------------------------------
# Lark's own SDK (larksuite/oapi-sdk-python, lark_oapi/event/dispatcher_handler.py `_verify_sign`):
#   X-Lark-Signature = hex(sha256((X-Lark-Request-Timestamp + X-Lark-Request-Nonce + encrypt_key) + raw body))
# a plain SHA-256 of the concatenation, not an HMAC. Feishu signs only when an Encrypt Key is configured; the
# replay window is ours, Slack's REPLAY_WINDOW_SECONDS (Feishu documents replay protection as the Encrypt
# Key's purpose, no window).


class LarkHeaders(NamedTuple):
    timestamp: str | None  # X-Lark-Request-Timestamp, Unix seconds
    nonce: str | None  # X-Lark-Request-Nonce
    signature: str | None  # X-Lark-Signature

    @property
    def present(self) -> bool:
        return bool(self.timestamp or self.nonce or self.signature)


def verify_feishu_signature(encrypt_key: str, headers: LarkHeaders, body: bytes, now: float) -> None:
    timestamp, nonce, signature = headers
    for header, value in (
        ("X-Lark-Request-Timestamp", timestamp),
        ("X-Lark-Request-Nonce", nonce),
        ("X-Lark-Signature", signature),
    ):
        if not value:
            raise _refuse("Feishu", f"missing {header} header", f"missing {header} header")
    assert timestamp is not None and nonce is not None and signature is not None
    _require_fresh("Feishu", "X-Lark-Request-Timestamp", timestamp, now)
    base = (timestamp + nonce + encrypt_key).encode("utf-8") + body
    expected = hashlib.sha256(base).hexdigest().encode("ascii")
    if not hmac.compare_digest(expected, signature.strip().lower().encode("latin-1", "replace")):
        raise _refuse("Feishu", "signature mismatch", "request signature does not match")


def verify_feishu_token(token: str, given: object) -> None:
    """The Verification Token every Feishu event carries (`header.token`, or `token` in v1 events and the
    URL check): what authenticates a request when no Encrypt Key is configured."""
    if not isinstance(given, str) or not given:
        raise _refuse("Feishu", "no verification token in the event", "missing verification token")
    if not hmac.compare_digest(token.encode("utf-8"), given.encode("utf-8", "replace")):
        raise _refuse("Feishu", "verification token mismatch", "verification token does not match")


# -- DingTalk (issue 12) -----------------------------------------------------------------------------------
# DingTalk's robot callback docs (quoted verbatim by e.g. nonebot's DingTalk adapter): the request carries
# headers `timestamp` (milliseconds) and `sign`; sign = Base64(HmacSHA256(key=appSecret,
# msg=timestamp + "\n" + appSecret)); a timestamp more than one hour from now is an illegal request.
# The signature does not cover the body: within that hour a captured pair signs any body, so serve over HTTPS.
DINGTALK_MAX_SKEW_MS = 3_600_000
_MILLIS = re.compile(r"[0-9]{1,15}")


def verify_dingtalk(app_secret: str, timestamp: str | None, sign: str | None, now: float) -> None:
    if not timestamp or not sign:
        missing = "timestamp" if not timestamp else "sign"
        raise _refuse("DingTalk", f"missing {missing} header", f"missing {missing} header")
    if not _MILLIS.fullmatch(timestamp):
        raise _refuse("DingTalk", "timestamp is not Unix milliseconds", "malformed timestamp header")
    age_ms = now * 1000 - int(timestamp)
    if abs(age_ms) > DINGTALK_MAX_SKEW_MS:
        raise _refuse(
            "DingTalk",
            f"timestamp {age_ms / 1000:+.0f}s from now, outside DingTalk's one-hour window (replay?)",
            "request timestamp is more than 1 hour from now",
        )
    secret = app_secret.encode("utf-8")
    digest = hmac.new(secret, timestamp.encode("ascii") + b"\n" + secret, hashlib.sha256).digest()
    if not hmac.compare_digest(base64.b64encode(digest), sign.strip().encode("latin-1", "replace")):
        raise _refuse("DingTalk", "signature mismatch", "request signature does not match")
