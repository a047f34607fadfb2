"""Operational concerns (issue 6): API keys, metrics, request IDs, access logs.

`install_operations` adds two pure ASGI middlewares and the `/metrics` route. From the outside in:

1. `RequestContext`: picks the request ID (a sane incoming `X-Request-ID`, else a new one) and echoes it,
   times the request, counts it in Prometheus by route *template* and status, and writes the JSON access
   line. It is outermost so that every answer (401, 413, 404, 500) is counted, logged and carries the ID.
2. `BearerAuth`: when `NETADVISOR_API_KEYS` is set, every request needs `Authorization: Bearer <key>`,
   except the open paths: `/healthz` (liveness probes), `/metrics` (scraped from inside the network; it
   holds counts, no request data), the API docs (`/docs`, `/redoc`, `/openapi.json`: the same document
   the repository publishes; Swagger UI must load it before you can paste a key), the browser page `/`,
   the assets under `/static/` and `/v1/request-fields` (the form's help texts, also in the document; the
   page asks for the key itself) and `/v1/chat/...` (chat platforms sign their own requests; those routes
   check the signatures).

Neither reads the request body, so both sit outside the body-size limit: a client without a key is
refused before the server buffers anything it sent.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import time
from collections.abc import Callable, Iterable
from typing import Any

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse, Response
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.errors import INTERNAL_ERROR_MESSAGE, ErrorEnvelope, envelope_bytes
from service.errors import ErrorCode
from service.observability import metrics as metrics_module
from service.observability.logs import (
    AccessRecord,
    access_logged,
    configure_logging,
    log_access,
    request_id_var,
)
from service.observability.metrics import CONTENT_TYPE, Metrics
from service.settings import Settings

log = logging.getLogger("netadvisor.operations")

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_HEADER = REQUEST_ID_HEADER.lower().encode()
# Accepted from clients as is: what UUIDs, ULIDs and tracing IDs use, nothing a log or header could trip on.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:/+=-]{1,128}$")
UNMATCHED_ROUTE = "(unmatched)"
METRICS_PATH = "/metrics"
HEALTH_PATH = "/healthz"
CHAT_PREFIX = "/v1/chat/"
SECURITY_SCHEME = "bearerAuth"


# -- API keys ------------------------------------------------------------------------------------------------


def parse_api_keys(raw: str | None) -> list[str]:
    """Comma-separated keys; blanks around and between commas are ignored."""
    if raw is None:
        return []
    return [key.strip() for key in raw.split(",") if key.strip()]


class KeyRing:
    """Holds SHA-256 digests of the keys, never the keys, and checks a token against all of them.

    Comparing equal-length digests with `hmac.compare_digest`, against every key without stopping at a
    match, means the time taken says neither how long the keys are, nor which one matched, nor how many
    leading characters of a guess were right.
    """

    def __init__(self, keys: Iterable[str]) -> None:
        self._digests = tuple(hashlib.sha256(key.encode()).digest() for key in keys)

    def __bool__(self) -> bool:
        return bool(self._digests)

    def __len__(self) -> int:
        return len(self._digests)

    def accepts(self, token: bytes) -> bool:
        digest = hashlib.sha256(token).digest()
        matched = False
        for known in self._digests:
            matched |= hmac.compare_digest(digest, known)
        return matched


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


def is_open(path: str, open_paths: frozenset[str], open_prefixes: tuple[str, ...] = ()) -> bool:
    """Paths that never need a key. Exact matches, plus the chat prefix and the static-asset prefixes:
    Starlette routes match the path literally (no dot-segment folding), so `/v1/chat/../v1/recommendations`
    reaches no route, and StaticFiles refuses paths that leave its folder."""
    return path in open_paths or path.startswith((CHAT_PREFIX, *open_prefixes))


class BearerAuth:
    def __init__(
        self,
        app: ASGIApp,
        keys: KeyRing,
        open_paths: frozenset[str],
        open_prefixes: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.keys = keys
        self.open_paths = open_paths
        self.open_prefixes = open_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or not self.keys
            or is_open(scope["path"], self.open_paths, self.open_prefixes)
        ):
            await self.app(scope, receive, send)
            return
        header = _header(scope, b"authorization")
        scheme, _, token = (header or b"").partition(b" ")
        token = token.strip()
        if header is None or scheme.lower() != b"bearer" or not token:
            await _unauthorized(
                send,
                "this API needs an API key: send `Authorization: Bearer <key>`",
                'Bearer realm="netadvisor"',
            )
            return
        if not self.keys.accepts(token):
            await _unauthorized(
                send,
                "the API key is not valid",
                'Bearer realm="netadvisor", error="invalid_token"',
            )
            return
        await self.app(scope, receive, send)


async def _unauthorized(send: Send, message: str, challenge: str) -> None:
    body = envelope_bytes(ErrorCode.unauthorized, message)
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"www-authenticate", challenge.encode()),
    ]
    await send({"type": "http.response.start", "status": 401, "headers": headers})
    await send({"type": "http.response.body", "body": body})


# -- request ID, metrics, access log ------------------------------------------------------------------------


def incoming_request_id(scope: Scope) -> str | None:
    raw = _header(scope, b"x-request-id")
    if raw is None:
        return None
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        return None
    return text if _SAFE_REQUEST_ID.fullmatch(text) else None


class RouteTemplates:
    """The template of the route that served (or would have served) a request: `/v1/rules/{rule_id}`.

    Metric labels are templates, never raw paths, so a client probing random URLs cannot mint series.
    The router records the route it picked in the scope; for requests answered before routing (401, 413)
    the template is found among the documented paths, compiled the way Starlette compiles route paths.
    """

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self._compiled: list[tuple[re.Pattern[str], str]] | None = None

    def __call__(self, scope: Scope) -> str:
        path = getattr(scope.get("route"), "path", None)
        if isinstance(path, str):
            return path
        if self._compiled is None:
            try:
                templates = list(self.app.openapi().get("paths", {}))
            except Exception:  # a broken document must not break requests; it fails its own tests
                log.exception("cannot build the OpenAPI document to label metrics")
                templates = []
            self._compiled = [(compile_path(template)[0], template) for template in templates]
        requested = str(scope.get("path", ""))
        for pattern, template in self._compiled:
            if pattern.match(requested):
                return template
        return UNMATCHED_ROUTE


_INTERNAL_ERROR_BODY = envelope_bytes(ErrorCode.internal_error, INTERNAL_ERROR_MESSAGE)


def _internal_error_start() -> Message:
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(_INTERNAL_ERROR_BODY)).encode()),
    ]
    return {"type": "http.response.start", "status": 500, "headers": headers}


def new_request_id() -> str:
    """32 random hex digits, like `uuid4().hex` (which costs seven times as much: it builds a UUID)."""
    return os.urandom(16).hex()


class RequestContext:
    """The outermost middleware. Its per-request work is kept to what it must do (bench/README.md):
    the ID is random bytes in hex, the header is appended to the raw list, metric children are looked up
    once per label set, and the access line is only built when the access logger is enabled."""

    def __init__(self, app: ASGIApp, metrics: Metrics, templates: Callable[[Scope], str]) -> None:
        self.app = app
        self.metrics = metrics
        self.templates = templates

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = incoming_request_id(scope) or new_request_id()
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500
        responded = False
        counted: float | None = None  # the elapsed time the metrics recorded, once they have
        id_header = (_REQUEST_ID_HEADER, request_id.encode())

        def count() -> float:
            nonlocal counted
            counted = time.perf_counter() - started
            self.metrics.observe_request(str(scope.get("method", "")), self.templates(scope), status, counted)
            return counted

        async def send_with_id(message: Message) -> None:
            nonlocal status, responded
            if message["type"] == "http.response.start":
                status = int(message["status"])
                responded = True
                # Nothing inside sets this header, so appending is what MutableHeaders' replace would do.
                message["headers"] = [*message.get("headers", ()), id_header]
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                # Counted before the last bytes leave: a client that scrapes /metrics right after its
                # answer (on another worker, even) must find its request counted.
                count()
            await send(message)

        id_token = request_id_var.set(request_id)
        metrics_token = metrics_module.bind(self.metrics)
        failed = False
        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            failed = True
            # Starlette's outermost layer would send the 500 past this middleware, without the ID; send it
            # here instead (that layer still logs the traceback and sends nothing once a response started).
            if not responded:
                await send_with_id(_internal_error_start())
                await send_with_id({"type": "http.response.body", "body": _INTERNAL_ERROR_BODY})
            raise
        except BaseException:
            failed = True
            raise
        finally:
            # An exception that escaped before the response started becomes the 500 the outer error
            # handler sends; count and log it as that.
            status = status if responded else 500
            self._log(scope, status, counted if counted is not None else count(), request_id)
            if not failed:
                metrics_module.unbind(metrics_token)
                request_id_var.reset(id_token)
            # else: left set, so the 500 handler outside (same task, and each request has its own task)
            # logs the traceback with this request's ID.

    def _log(self, scope: Scope, status: int, elapsed: float, request_id: str) -> None:
        if not access_logged(status):  # the line would be dropped: do not build it
            return
        client = scope.get("client")
        log_access(
            AccessRecord(
                method=str(scope.get("method", ""))[:16],
                route=self.templates(scope),
                path=str(scope.get("path", ""))[:256],
                status=status,
                duration_ms=elapsed * 1000,
                request_id=request_id,
                client=str(client[0]) if client else None,
            )
        )


# -- OpenAPI -----------------------------------------------------------------------------------------------


def _document(schema: dict[str, Any], open_paths: frozenset[str]) -> None:
    """Add the bearer scheme and the 401 answer to every operation the keys protect."""
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    if "ErrorEnvelope" not in schemas:
        envelope = ErrorEnvelope.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(envelope.pop("$defs", {}))
        schemas["ErrorEnvelope"] = envelope
    components.setdefault("securitySchemes", {})[SECURITY_SCHEME] = {
        "type": "http",
        "scheme": "bearer",
        "description": "An API key from `NETADVISOR_API_KEYS`. Needed only when the server sets that "
        "variable; without it the API is open.",
    }
    unauthorized = {
        "description": "API keys are configured and the request has no valid `Authorization: Bearer` key.",
        "headers": {
            "WWW-Authenticate": {
                "description": "The `Bearer` challenge (RFC 6750).",
                "schema": {"type": "string"},
            }
        },
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}},
    }
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            if _cannot_fail_validation(operation):
                operation["responses"].pop("422", None)
            if is_open(path, open_paths):
                continue
            # Either a key or none: which one depends on how the server is configured.
            operation["security"] = [{SECURITY_SCHEME: []}, {}]
            operation["responses"].setdefault("401", unauthorized)


def _cannot_fail_validation(operation: dict[str, Any]) -> bool:
    """FastAPI documents a 422 for every operation with a parameter. One whose only parameters are plain
    string path segments (`/v1/rules/{rule_id}`) and that takes no body cannot answer it: routing already
    guarantees a non-empty string. Documenting it would promise an answer no client can ever see."""
    if "requestBody" in operation:
        return False
    for parameter in operation.get("parameters", []):
        constraints = {
            key: value
            for key, value in parameter.get("schema", {}).items()
            if key not in ("title", "description", "examples")
        }
        if parameter.get("in") != "path" or constraints != {"type": "string"}:
            return False
    return True


# -- wiring -------------------------------------------------------------------------------------------------


def install_operations(
    app: FastAPI,
    settings: Settings,
    public_paths: Iterable[str] = (),
    public_prefixes: tuple[str, ...] = (),
) -> None:
    """Add middleware and routes for operations. Called once by `create_app`, which names the pages it
    serves outside the API (`public_paths`: the docs pages, the browser page; `public_prefixes`: their
    static assets): those need no key."""
    configure_logging(settings.log_level)
    metrics = Metrics()
    app.state.metrics = metrics

    raw_keys = settings.api_keys.get_secret_value() if settings.api_keys is not None else None
    keys = KeyRing(parse_api_keys(raw_keys))
    if raw_keys is not None and not keys:
        log.warning("NETADVISOR_API_KEYS is set but holds no key: the API is open to anyone")
    docs = (app.docs_url, app.redoc_url, app.openapi_url, app.swagger_ui_oauth2_redirect_url)
    open_paths = frozenset({HEALTH_PATH, METRICS_PATH, *public_paths, *(path for path in docs if path)})

    @app.get(
        METRICS_PATH,
        tags=["operations"],
        summary="Prometheus metrics (text exposition format)",
        response_class=PlainTextResponse,
        response_description="Counters and histograms in the Prometheus text format.",
    )
    def prometheus_metrics() -> Response:
        return Response(metrics.exposition(), media_type=CONTENT_TYPE)

    # add_middleware puts each new one outside the previous: auth first, then the request context
    # around it, so refusals are counted and logged too.
    if keys:  # without keys the check would pass every request: one layer less on every request
        app.add_middleware(BearerAuth, keys=keys, open_paths=open_paths, open_prefixes=public_prefixes)
    app.add_middleware(RequestContext, metrics=metrics, templates=RouteTemplates(app))

    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            _document(generate(), open_paths)
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
