"""`POST /v1/recommendations` for valid JSON requests, and `GET /healthz`, without FastAPI's routing.

FastAPI resolves a route's parameters on every request (the body model, `format`, `Accept`, the advisor
dependency): for this route that cost more than the engine (bench/README.md). This ASGI layer, inside the
API-key check, the body limit and the 415 check (RequireJson), answers the requests it can answer without
guessing: a JSON body (`Content-Type: application/json`) that decodes to an object and validates as
`RecommendationRequest`, at most one `format` and one `lang` query parameter, each with a value the route
accepts, and at most one `Accept` and one `Accept-Language` header (within the route's length limit). It
answers them through the route's own `Answerer`, `wants` and language negotiation (`negotiate`, then
`mark_language` inside `Answerer.answer`), so the two cannot disagree on what an answer is.

Everything else (a missing or different content type, bad JSON, a validation error, an odd query) is
handed on untouched, body included, to the FastAPI route, which answers it as before: errors keep their
one envelope and their exact wording. tests/api/test_fastpath.py sends the same requests to an app with
and without this layer and compares status, headers and bytes.

`GET /healthz` (liveness probes: every replica, every few seconds) gets the route's own answer
(`routes.health`, serialised once: it is fixed for the app's catalogue) here too, which spares it FastAPI's
route resolution, most of its cost. `HEAD /healthz` and every other method stay with FastAPI's routes.
"""

from __future__ import annotations

from typing import Any, get_args
from urllib.parse import parse_qsl

import orjson
from fastapi import FastAPI
from fastapi.responses import Response
from fastapi.routing import APIRoute
from pydantic import ValidationError
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.language import MAX_ACCEPT_LANGUAGE, LangTag
from service.api.limits import replay
from service.api.routes import Answerer, OutputFormat, health, wants
from service.errors import NetadvisorError
from service.i18n import Language, negotiate
from service.models import RecommendationRequest

PATH = "/v1/recommendations"
HEALTH_PATH = "/healthz"
_FORMATS: frozenset[str] = frozenset(get_args(OutputFormat))
_LANG_TAGS: frozenset[str] = frozenset(get_args(LangTag))


def _media_type(value: bytes) -> bytes:
    return value.split(b";", 1)[0].strip().lower()


class RecommendationFastPath:
    def __init__(self, app: ASGIApp, service: FastAPI) -> None:
        self.app = app
        # Read on use: the middleware stack is built before the app's state and routes are final.
        self.service = service
        self._templates: dict[tuple[str, str], BaseRoute | None] = {}
        self._health_body: bytes | None = None

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
            await self._health()(scope, receive, send)
            return
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != PATH:
            await self.app(scope, receive, send)
            return
        body, messages = await _read_body(receive)
        response = self._answer(scope, body)
        if response is None:
            await self.app(scope, replay(messages, receive), send)
            return
        scope["route"] = self._template("POST", PATH)
        await response(scope, receive, send)

    def _health(self) -> Response:
        if self._health_body is None:  # the route's JSON, as FastAPI serialises it (compact, UTF-8)
            self._health_body = orjson.dumps(health(self.service.state.advisor))
        return Response(self._health_body, media_type="application/json")

    def _answer(self, scope: Scope, body: bytes | None) -> Response | None:
        """The answer, or None to let the FastAPI route answer (it explains every refusal)."""
        asked = _asked(scope)
        if body is None or asked is None:
            return None
        output, language = asked
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
            return Answerer(state.advisor, state.response_cache).answer(request, output, language)
        except NetadvisorError:  # typed errors have their handlers behind the route
            return None


def _asked(scope: Scope) -> tuple[OutputFormat, Language] | None:
    """The format `wants` picks and the language `negotiate` picks, or None when the headers or query are
    anything but plain (the route then answers, or explains the refusal)."""
    headers = _single_headers(scope)
    if headers is None:
        return None
    content_type = headers.get(b"content-type")
    if content_type is None or _media_type(content_type) != b"application/json":
        return None
    query = _query(scope)
    formats = [value for name, value in query if name == "format"]
    langs = [value for name, value in query if name == "lang"]
    if not (_plain(formats, _FORMATS) and _plain(langs, _LANG_TAGS)):
        return None
    accept_language = _text(headers.get(b"accept-language"))
    if accept_language is not None and len(accept_language) > MAX_ACCEPT_LANGUAGE:
        return None
    language = negotiate(accept_language, langs[0] if langs else None)
    if language is None:
        return None
    chosen: Any = formats[0] if formats else None
    return wants(chosen, _text(headers.get(b"accept"))), language


def _plain(values: list[str], allowed: frozenset[str]) -> bool:
    """At most one value, and one the route accepts (it answers repeats and bad values itself)."""
    return len(values) <= 1 and all(value in allowed for value in values)


_SINGLE = (b"content-type", b"accept", b"accept-language")


def _single_headers(scope: Scope) -> dict[bytes, bytes] | None:
    """The headers the answer depends on, or None if one of them is repeated."""
    found: dict[bytes, bytes] = {}
    for name, value in scope["headers"]:
        if name in _SINGLE:
            if name in found:
                return None
            found[name] = value
    return found


def _text(value: bytes | None) -> str | None:
    return value.decode("latin-1") if value is not None else None


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
