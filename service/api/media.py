"""Refuse a JSON-body request whose `Content-Type` is missing or not JSON with 415, naming the one it needs.

Without this, FastAPI reads a form or text body as "no JSON object" and answers a 422 about the fields,
which sends the client looking in the wrong place. Chat routes are not covered: each takes what its
platform sends (forms for Slack and Mattermost, JSON for Teams) and checks it itself.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

from service.api.errors import envelope_bytes
from service.errors import ErrorCode

JSON = "application/json"


def media_type(header: bytes | None) -> str | None:
    """`application/json; charset=utf-8` -> `application/json`; None when absent or blank."""
    if header is None:
        return None
    value = header.decode("latin-1").split(";", 1)[0].strip().lower()
    return value or None


class RequireJson:
    def __init__(self, app: ASGIApp, paths: Iterable[str]) -> None:
        self.app = app
        self.paths = frozenset(paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # POST only: the one method these paths take a body with; any other gets its 405 from routing.
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        given = media_type(dict(scope["headers"]).get(b"content-type"))
        if given == JSON:
            await self.app(scope, receive, send)
            return
        shown = "no Content-Type" if given is None else f"Content-Type {given!r}"
        body = envelope_bytes(
            ErrorCode.unsupported_media_type,
            f"the body must be JSON: send `Content-Type: {JSON}` (the request has {shown})",
            {"expected": JSON, "received": given},
        )
        headers = [
            (b"content-type", JSON.encode()),
            (b"content-length", str(len(body)).encode()),
            # The media types a POST here takes (`Accept-Post`, W3C Linked Data Platform 1.0, section 7.1).
            (b"accept-post", JSON.encode()),
        ]
        await send({"type": "http.response.start", "status": 415, "headers": headers})
        await send({"type": "http.response.body", "body": body})
