"""Reading the platforms' request bodies (after authentication, from the raw bytes it was computed on)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from service.errors import ErrorCode, InvalidRequest, NetadvisorError

MAX_FORM_FIELDS = 100


class BadPayload(NetadvisorError):
    """The body is not the format the platform sends (not form-encoded, not JSON, not UTF-8)."""

    code = ErrorCode.bad_request


def parse_form(body: bytes, platform: str) -> dict[str, str]:
    """A form-encoded slash-command body -> first value of each field."""
    try:
        text = body.decode("utf-8")
        fields = parse_qs(text, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadPayload(
            f"the body is not a form-encoded {platform} slash command: {exc}", {"integration": platform}
        ) from None
    return {key: values[0] for key, values in fields.items()}


def require_text(fields: dict[str, Any], platform: str) -> str:
    text = fields.get("text")
    if not isinstance(text, str):
        raise InvalidRequest(
            f"text: required field is missing; a {platform} request carries the command's text in `text`",
            [{"field": "text", "type": "missing", "message": "text: required field is missing"}],
        )
    return text


def parse_json_object(body: bytes, platform: str) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadPayload(f"the body is not JSON: {exc}", {"integration": platform}) from None
    if not isinstance(data, dict):
        raise BadPayload(f"the body must be a JSON object (a {platform} activity)", {"integration": platform})
    return data
