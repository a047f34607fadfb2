"""Request authentication for the three chat platforms, exactly as each platform specifies it.

- Slack: `X-Slack-Signature: v0=<hex HMAC-SHA256(signing secret, "v0:{timestamp}:{raw body}")>`, with
  `X-Slack-Request-Timestamp` no more than 5 minutes away from now (replay protection).
- Mattermost: the command's static token, in `Authorization: Token <token>` or the `token` form field.
- Teams: `Authorization: HMAC <base64 HMAC-SHA256(base64decode(security token), raw body)>`.

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

from pydantic import SecretStr

from service.errors import IntegrationDisabled, Unauthorized

log = logging.getLogger("netadvisor.chat")

SLACK_MAX_SKEW_SECONDS = 300
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


def verify_slack(
    signing_secret: str, timestamp: str | None, signature: str | None, body: bytes, now: float
) -> None:
    if not timestamp or not signature:
        missing = "X-Slack-Request-Timestamp" if not timestamp else "X-Slack-Signature"
        raise _refuse("Slack", f"missing {missing} header", f"missing {missing} header")
    if not _DIGITS.fullmatch(timestamp):
        raise _refuse(
            "Slack", "X-Slack-Request-Timestamp is not a Unix time", "malformed X-Slack-Request-Timestamp"
        )
    age = now - int(timestamp)
    if abs(age) > SLACK_MAX_SKEW_SECONDS:
        raise _refuse(
            "Slack",
            f"timestamp {age:+.0f}s from now, outside the {SLACK_MAX_SKEW_SECONDS}s window (replay?)",
            "request timestamp is more than 5 minutes from now",
        )
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
