"""ChatOps endpoints (issue 5): Slack and Mattermost slash commands, Microsoft Teams outgoing webhooks;
Feishu/Lark event subscriptions and DingTalk robot callbacks (issue 12).

Each endpoint reads the raw body first (the signatures are computed over the exact bytes), authenticates
it, and only then parses it. The answer is computed and sent synchronously: the engine takes a few
milliseconds at most, far inside Slack's and Mattermost's 3-second and Teams' 5-second deadlines, so there is
no acknowledgement-then-`response_url` round trip to get wrong.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import JSONResponse
from pydantic import SecretStr

from service.advisor import Advisor
from service.api.errors import ErrorEnvelope
from service.chat import dingtalk, feishu, mattermost, slack, teams
from service.chat.answer import answer_query, safe_invocation
from service.chat.payloads import BadPayload, parse_form, parse_json_object, require_text
from service.chat.verify import (
    LarkHeaders,
    configured,
    teams_key,
    verify_dingtalk,
    verify_mattermost,
    verify_slack,
    verify_teams,
)
from service.settings import Settings

router = APIRouter(tags=["chat"])
clock = time.time  # Slack's replay window is checked against this (tests move it)


def _errors(auth: str, *, text_required: bool = True) -> dict[int | str, dict[str, Any]]:
    text: dict[int | str, dict[str, Any]] = {
        422: {"model": ErrorEnvelope, "description": "The payload has no `text` field."}
    }
    return {
        400: {"model": ErrorEnvelope, "description": "The body is not what the platform sends."},
        401: {"model": ErrorEnvelope, "description": f"Authentication failed: {auth}."},
        413: {"model": ErrorEnvelope, "description": "Request body over the size limit."},
        **(text if text_required else {}),
        404: {
            "model": ErrorEnvelope,
            "description": "The integration is disabled: its secret is not configured (code "
            "`integration_disabled`; the message names the environment variable that enables it).",
        },
    }


def _form_body(fields: dict[str, str]) -> dict[str, Any]:
    return {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "properties": {
                        name: {"type": "string", "description": text} for name, text in fields.items()
                    },
                    "required": ["text"],
                }
            }
        },
    }


_SLASH_FIELDS = {
    "text": "Everything after the command: the query, e.g. `cross-host swarm encrypted share`.",
    "command": "The command as invoked, e.g. `/netadvisor` (used in help and error replies).",
    "user_id": "Who asked.",
    "channel_id": "Where.",
    "response_url": "Not used: the answer is in the response itself.",
}


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _advisor(request: Request) -> Advisor:
    advisor: Advisor = request.app.state.advisor
    return advisor


@router.post(
    "/v1/chat/slack",
    summary="Slack slash command: answers with Block Kit",
    description="Form-encoded slash-command payload, signed with the app's signing secret "
    "(`NETADVISOR_SLACK_SIGNING_SECRET`). Ephemeral by default; `share` in the text posts in the channel. "
    "A query with a typo still answers 200, with a note naming the token and the nearest valid one.",
    responses={
        **_errors("bad or missing X-Slack-Signature, or a timestamp more than 5 minutes off"),
        200: {"description": "Block Kit message: `response_type`, `text`, `blocks`."},
    },
    openapi_extra={"requestBody": _form_body(_SLASH_FIELDS)},
)
async def slack_command(request: Request) -> JSONResponse:
    secret = configured(_settings(request).slack_signing_secret, "Slack", "NETADVISOR_SLACK_SIGNING_SECRET")
    body = await request.body()
    verify_slack(
        secret,
        request.headers.get("x-slack-request-timestamp"),
        request.headers.get("x-slack-signature"),
        body,
        clock(),
    )
    fields = parse_form(body, "slack")
    if fields.get("ssl_check") == "1":  # Slack checking the certificate: nothing to answer
        return JSONResponse({})
    text = slack.clean_text(require_text(fields, "Slack"))
    invocation = safe_invocation(fields.get("command"), "/netadvisor")
    return JSONResponse(slack.reply(answer_query(_advisor(request), text, invocation=invocation)))


@router.post(
    "/v1/chat/mattermost",
    summary="Mattermost slash command: answers in Markdown",
    description="Form-encoded slash-command payload; the command's token (`NETADVISOR_MATTERMOST_TOKEN`) in "
    "`Authorization: Token …` or the `token` field. Ephemeral by default; `share` posts in the channel.",
    responses={
        **_errors("missing or wrong token"),
        200: {"description": "`response_type`, `text` (Markdown, at most 16,383 characters)."},
    },
    openapi_extra={"requestBody": _form_body({**_SLASH_FIELDS, "token": "The command's token."})},
)
async def mattermost_command(request: Request) -> JSONResponse:
    token = configured(_settings(request).mattermost_token, "Mattermost", "NETADVISOR_MATTERMOST_TOKEN")
    body = await request.body()
    try:
        fields: dict[str, str] | None = parse_form(body, "mattermost")
    except BadPayload:  # authenticate first; an unreadable body is reported only to an authenticated caller
        fields = None
    verify_mattermost(token, request.headers.get("authorization"), (fields or {}).get("token"))
    if fields is None:
        fields = parse_form(body, "mattermost")  # raises the 400 with its reason
    text = require_text(fields, "Mattermost")
    invocation = safe_invocation(fields.get("command"), "/netadvisor")
    return JSONResponse(mattermost.reply(answer_query(_advisor(request), text, invocation=invocation)))


@router.post(
    "/v1/chat/teams",
    summary="Microsoft Teams outgoing webhook: answers with a Markdown message",
    description="Bot Framework activity (JSON) posted when someone @mentions the webhook, signed with "
    "`Authorization: HMAC <base64>` using the webhook's security token (`NETADVISOR_TEAMS_SECRET`).",
    responses={
        **_errors("missing or wrong HMAC signature"),
        200: {"description": '`{"type": "message", "textFormat": "markdown", "text": ...}`'},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "type": {"type": "string"},
                            "text": {"type": "string", "description": "`<at>Bot</at> cross-host swarm`"},
                        },
                        "required": ["text"],
                    }
                }
            },
        }
    },
)
async def teams_webhook(request: Request) -> JSONResponse:
    key = teams_key(configured(_settings(request).teams_secret, "Teams", "NETADVISOR_TEAMS_SECRET"))
    body = await request.body()
    verify_teams(key, request.headers.get("authorization"), body)
    raw = require_text(parse_json_object(body, "teams"), "Teams")
    name = teams.mentioned_name(raw)
    invocation = safe_invocation(f"@{name}" if name else None, "@netadvisor")
    answer = answer_query(_advisor(request), teams.clean_text(raw), invocation=invocation, can_share=False)
    return JSONResponse(teams.reply(answer))


def _json_body(description: str, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"type": "object", "description": description, "properties": properties}
                }
            },
        }
    }


def _feishu_replier(request: Request, app_id: str, app_secret: str) -> feishu.FeishuReplier:
    """One client per app (it caches the tenant access token); tests may put a fake in app.state."""
    replier: feishu.FeishuReplier | None = getattr(request.app.state, "feishu_replier", None)
    if replier is None:
        replier = feishu.FeishuClient(_settings(request).feishu_api_base, app_id, app_secret)
        request.app.state.feishu_replier = replier
    return replier


@router.post(
    "/v1/chat/feishu",
    summary="Feishu / Lark event subscription: acknowledges, then replies with a card",
    description='Event callback (JSON, optionally `{"encrypt": ...}`). Answers the URL check with '
    '`{"challenge"}`; for `im.message.receive_v1` it acknowledges with `{}` and replies to the message '
    "through the open API (`NETADVISOR_FEISHU_APP_ID`, `NETADVISOR_FEISHU_APP_SECRET`). Authenticated by "
    "the Verification Token (`NETADVISOR_FEISHU_VERIFICATION_TOKEN`) and, with an Encrypt Key "
    "(`NETADVISOR_FEISHU_ENCRYPT_KEY`), by `X-Lark-Signature` within 5 minutes of "
    "`X-Lark-Request-Timestamp`.",
    responses={
        **_errors(
            "wrong Verification Token, bad X-Lark-Signature, or a timestamp more than 5 minutes off",
            text_required=False,  # a message without text (a picture) is answered with the help
        ),
        200: {"description": '`{"challenge": ...}` for the URL check, else `{}` (the reply goes out after).'},
    },
    openapi_extra=_json_body(
        "A Feishu event (schema 2.0) or the URL check.",
        {
            "type": {"type": "string", "description": "`url_verification` for the URL check."},
            "challenge": {"type": "string"},
            "token": {"type": "string"},
            "encrypt": {"type": "string", "description": "The whole event, encrypted (Encrypt Key set)."},
            "header": {"type": "object", "description": "`event_id`, `event_type`, `token`, ..."},
            "event": {"type": "object", "description": "`message`: `message_id`, `content` ..."},
        },
    ),
)
async def feishu_event(request: Request, background: BackgroundTasks) -> JSONResponse:
    settings = _settings(request)
    token = configured(settings.feishu_verification_token, "Feishu", "NETADVISOR_FEISHU_VERIFICATION_TOKEN")
    app_id = configured(SecretStr(settings.feishu_app_id or ""), "Feishu", "NETADVISOR_FEISHU_APP_ID")
    app_secret = configured(settings.feishu_app_secret, "Feishu", "NETADVISOR_FEISHU_APP_SECRET")
    key = settings.feishu_encrypt_key.get_secret_value().strip() if settings.feishu_encrypt_key else None
    event = feishu.open_event(
        await request.body(),
        token=token,
        encrypt_key=key or None,
        headers=LarkHeaders(
            request.headers.get("x-lark-request-timestamp"),
            request.headers.get("x-lark-request-nonce"),
            request.headers.get("x-lark-signature"),
        ),
        now=clock(),
    )
    if event.get("type") == "url_verification":
        return JSONResponse({"challenge": str(event.get("challenge", ""))})
    message = feishu.message_of(event)
    if message is not None:  # other event types are acknowledged and left alone
        # Chinese keywords or characters get a Chinese answer (chat_language); `lang=` in the text overrides.
        answer = answer_query(_advisor(request), message.text, invocation="@netadvisor", can_share=False)
        replier = _feishu_replier(request, app_id, app_secret)
        background.add_task(
            feishu.deliver, replier, message.message_id, feishu.reply(answer, message.event_id)
        )
    return JSONResponse({})


@router.post(
    "/v1/chat/dingtalk",
    summary="DingTalk robot callback: answers with a Markdown message",
    description="The robot's message callback (JSON), signed with the headers `timestamp` (ms) and `sign` "
    '= Base64(HmacSHA256(AppSecret, timestamp + "\\n" + AppSecret)) (`NETADVISOR_DINGTALK_APP_SECRET`), '
    "at most one hour old. The reply is the response body, at most 3,500 characters of Markdown.",
    responses={
        **_errors("missing or wrong sign, or a timestamp more than 1 hour off", text_required=False),
        200: {"description": '`{"msgtype": "markdown", "markdown": {"title", "text"}}`'},
    },
    openapi_extra=_json_body(
        "A DingTalk robot message.",
        {
            "msgtype": {"type": "string"},
            "text": {"type": "object", "description": '`{"content": "cross-host swarm 加密"}`'},
            "conversationType": {"type": "string", "description": "1 one-to-one, 2 group."},
            "sessionWebhook": {"type": "string", "description": "Not used: the answer is the response."},
        },
    ),
)
async def dingtalk_robot(request: Request) -> JSONResponse:
    secret = configured(_settings(request).dingtalk_app_secret, "DingTalk", "NETADVISOR_DINGTALK_APP_SECRET")
    verify_dingtalk(secret, request.headers.get("timestamp"), request.headers.get("sign"), clock())
    text = dingtalk.question(parse_json_object(await request.body(), "dingtalk"))
    answer = answer_query(_advisor(request), text, invocation="@netadvisor", can_share=False)
    return JSONResponse(dingtalk.reply(answer))
