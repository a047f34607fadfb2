"""`POST /v1/recommendations` for valid JSON requests, and `GET /healthz`, without FastAPI's routing.

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

`GET /healthz` (liveness probes: every replica, every few seconds) gets the route's own fixed answer
(`routes.health_response`) here too, which spares it FastAPI's route resolution, most of its cost.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import orjson
from fastapi import FastAPI
from fastapi.responses import Response
from fastapi.routing import APIRoute
from pydantic import ValidationError
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.routes import OutputFormat, answer, health_response, wants
from service.errors import NetadvisorError
from service.models import RecommendationRequest

PATH = "/v1/recommendations"
HEALTH_PATH = "/healthz"
_FORMATS: frozenset[str] = frozenset({"json", "markdown", "text"})


def _media_type(value: bytes) -> bytes:
    return value.split(b";", 1)[0].strip().lower()


class RecommendationFastPath:
    def __init__(self, app: ASGIApp, service: FastAPI) -> None:
        self.app = app
        # Read on use: the middleware stack is built before the app's state and routes are final.
        self.service = service
        self._templates: dict[tuple[str, str], BaseRoute | None] = {}

    def _template(self, method: str, path: str) -> BaseRoute | None:
        """The route FastAPI would have picked, which the metrics and the access log report."""
        if (method, path) not in self._templates:
            self._templates[method, path] = next(
                (
                    route
                    for route in self.service.router.routes
                    if isinstance(route, APIRoute) and route.path == path and method in (route.methods or ())
                ),
                None,
            )
        return self._templates[method, path]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and scope["path"] == HEALTH_PATH:
            scope["route"] = self._template("GET", HEALTH_PATH)
            await health_response(self.service.state)(scope, receive, send)
            return
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != PATH:
            await self.app(scope, receive, send)
            return
        body, messages = await _read_body(receive)
        response = self._answer(scope, body)
        if response is None:
            await self.app(scope, _replay(messages, receive), send)
            return
        scope["route"] = self._template("POST", PATH)
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
            state = self.service.state
            return answer(state.advisor, request, output, state.response_cache)
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
