"""`POST /v1/recommendations` for valid JSON requests, without FastAPI's per-request machinery.

FastAPI resolves a route's parameters on every request (the body model, `format`, `Accept`, the advisor
dependency): for this route that cost more than the engine (bench/README.md). This ASGI layer, inside the
API-key check and the body limit, answers the requests it can answer without guessing: a JSON body
(`Content-Type: application/json`) that decodes to an object and validates as `RecommendationRequest`,
at most one `format` query parameter with a valid value and at most one `Accept` header. It answers them
through the route's own `answer` and `wants`, so the two cannot disagree on what an answer is.

Everything else (a missing or different content type, bad JSON, a validation error, an odd query) is
handed on untouched, body included, to the FastAPI route, which answers it as before: errors keep their
one envelope and their exact wording. tests/test_fastpath.py sends the same requests to an app with and
without this layer and compares status, headers and bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

import orjson
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.advisor import Advisor
from service.api.response_cache import ResponseCache
from service.api.routes import OutputFormat, answer, wants
from service.errors import NetadvisorError
from service.models import RecommendationRequest

PATH = "/v1/recommendations"
_FORMATS: frozenset[str] = frozenset({"json", "markdown", "text"})


def _media_type(value: bytes) -> bytes:
    return value.split(b";", 1)[0].strip().lower()


class RecommendationFastPath:
    def __init__(
        self,
        app: ASGIApp,
        advisor: Callable[[], Advisor],
        cache: Callable[[], ResponseCache],
        route: Callable[[], BaseRoute | None],
    ) -> None:
        self.app = app
        # Looked up on first use: the middleware stack is built before the app state and routes are final.
        self._advisor = advisor
        self._cache = cache
        self._route = route
        self._template: BaseRoute | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != PATH:
            await self.app(scope, receive, send)
            return
        body, messages = await _read_body(receive)
        response = self._answer(scope, body)
        if response is None:
            await self.app(scope, _replay(messages, receive), send)
            return
        if self._template is None:
            self._template = self._route()
        scope["route"] = self._template  # the route template the metrics and the access log report
        await response(scope, receive, send)

    def _answer(self, scope: Scope, body: bytes | None) -> Response | None:
        """The answer, or None to let the FastAPI route answer (it explains every refusal)."""
        output = _output(scope)
        if body is None or output is None:
            return None
        try:
            payload = orjson.loads(body)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(payload, dict):
            return None
        try:
            request = RecommendationRequest.model_validate(payload)
        except ValidationError:
            return None
        try:
            return answer(self._advisor(), request, output, self._cache())
        except NetadvisorError:  # typed errors have their handlers behind the route
            return None


def _output(scope: Scope) -> OutputFormat | None:
    """The format `wants` picks, or None when the headers or query are anything but plain."""
    content_type = accept = None
    for name, value in scope["headers"]:
        if name == b"content-type":
            if content_type is not None:
                return None
            content_type = value
        elif name == b"accept":
            if accept is not None:
                return None
            accept = value
    if content_type is None or _media_type(content_type) != b"application/json":
        return None
    formats = [value for name, value in _query(scope) if name == "format"]
    if len(formats) > 1 or (formats and formats[0] not in _FORMATS):
        return None
    chosen: Any = formats[0] if formats else None
    return wants(chosen, accept.decode("latin-1") if accept is not None else None)


def _query(scope: Scope) -> list[tuple[str, str]]:
    raw = scope.get("query_string", b"")
    return parse_qsl(raw.decode("latin-1"), keep_blank_values=True) if raw else []


async def _read_body(receive: Receive) -> tuple[bytes | None, list[Message]]:
    """The whole body (the body limit outside has bounded it), and the messages to replay; the body is
    None when the client went away first."""
    messages: list[Message] = []
    chunks: list[bytes] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return None, messages
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), messages


def _replay(messages: list[Message], then: Receive) -> Receive:
    queue = list(messages)

    async def receive() -> Message:
        if queue:
            return queue.pop(0)
        return await then()

    return receive
