"""ChatOps endpoints (issue 5): Slack and Mattermost slash commands, Microsoft Teams outgoing webhooks.

Each endpoint reads the raw body first (the signatures are computed over the exact bytes), authenticates
it, and only then parses it. The answer is computed and sent synchronously: the engine takes a few
milliseconds at most, far inside Slack's and Mattermost's 3-second and Teams' 5-second deadlines, so there is
no acknowledgement-then-`response_url` round trip to get wrong.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from service.advisor import Advisor
from service.api.errors import ErrorEnvelope
from service.chat import mattermost, slack, teams
from service.chat.answer import answer_query, safe_invocation
from service.chat.payloads import BadPayload, parse_form, parse_json_object, require_text
from service.chat.verify import (
    configured,
    teams_key,
    verify_mattermost,
    verify_slack,
    verify_teams,
)
from service.settings import Settings

router = APIRouter(tags=["chat"])
clock = time.time  # Slack's replay window is checked against this (tests move it)


def _errors(auth: str) -> dict[int | str, dict[str, Any]]:
    return {
        400: {"model": ErrorEnvelope, "description": "The body is not what the platform sends."},
        401: {"model": ErrorEnvelope, "description": f"Authentication failed: {auth}."},
        413: {"model": ErrorEnvelope, "description": "Request body over the size limit."},
        422: {"model": ErrorEnvelope, "description": "The payload has no `text` field."},
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
