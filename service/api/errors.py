"""One error envelope for every error the API returns: {"error": {"code", "message", "details"}}."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from service.errors import ErrorCode, NetadvisorError
from service.validation import describe_errors

log = logging.getLogger("netadvisor.api")


class ErrorBody(BaseModel):
    code: ErrorCode = Field(description="Stable machine-readable code, one of a closed set.")
    message: str = Field(description="What went wrong, naming the field and the fix where there is one.")
    details: Any = Field(None, description="Structured details, e.g. one entry per invalid field.")


class ErrorEnvelope(BaseModel):
    error: ErrorBody


# The only place an error code meets an HTTP status.
STATUS: dict[ErrorCode, int] = {
    ErrorCode.internal_error: 500,
    ErrorCode.invalid_request: 422,
    ErrorCode.not_found: 404,
    ErrorCode.payload_too_large: 413,
    ErrorCode.unauthorized: 401,
    # Not configured means not there: a 404 naming the variable that enables it (a 5xx would say the
    # server is failing, and a probe would page someone for a feature switched off on purpose).
    ErrorCode.integration_disabled: 404,
    ErrorCode.catalogue_error: 500,
    ErrorCode.bad_request: 400,
    ErrorCode.review_failed: 422,
    ErrorCode.invalid_compose: 422,
    ErrorCode.invalid_requirements: 422,
    ErrorCode.compose_too_complex: 422,
    ErrorCode.compose_too_large: 413,
    ErrorCode.missing_file: 422,
    ErrorCode.cli_error: 500,  # raised by the CLI only; should one ever reach HTTP it is a server bug
    ErrorCode.method_not_allowed: 405,
    ErrorCode.not_acceptable: 406,
    ErrorCode.unsupported_media_type: 415,
    ErrorCode.http_error: 400,
}

# Statuses the framework raises itself (routing, content negotiation), read back as codes.
_HTTP_CODES = {
    400: ErrorCode.bad_request,
    401: ErrorCode.unauthorized,
    404: ErrorCode.not_found,
    405: ErrorCode.method_not_allowed,
    406: ErrorCode.not_acceptable,
    413: ErrorCode.payload_too_large,
    415: ErrorCode.unsupported_media_type,
}


def envelope(code: ErrorCode, message: str, details: Any = None) -> dict[str, Any]:
    """The one error envelope every error answer carries."""
    return {"error": {"code": code, "message": message, "details": details}}


def envelope_bytes(code: ErrorCode, message: str, details: Any = None) -> bytes:
    """The envelope serialised as JSONResponse does, for the pure ASGI layers (API keys, body limit) that
    answer before FastAPI runs."""
    body = envelope(code, message, details)
    return json.dumps(body, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")


def error_response(
    code: ErrorCode, message: str, details: Any = None, status: int | None = None
) -> JSONResponse:
    """The one error envelope as a response; the status comes from STATUS unless the framework chose it."""
    return JSONResponse(
        envelope(code, message, details),
        status_code=STATUS[code] if status is None else status,
    )


def _unreadable_json(exc: StarletteHTTPException) -> str | None:
    """Why FastAPI's JSON parsing failed, for bodies it answers with a bare 400 rather than the
    `json_invalid` 422 it gives malformed JSON: invalid UTF-8, nesting deeper than the parser recurses,
    integers longer than Python converts. To the client these are all "not valid JSON", so they get the
    same documented 422."""
    cause = exc.__cause__
    if exc.status_code != 400 or cause is None:
        return None
    if isinstance(cause, UnicodeDecodeError):
        return "it is not UTF-8"
    if isinstance(cause, RecursionError):
        return "it is nested too deeply"
    if isinstance(cause, ValueError):
        return "a number in it has too many digits"
    return None


_HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"})
INTERNAL_ERROR_MESSAGE = "internal error; the server log has the details"


def allowed_methods(request: Request) -> list[str]:
    """Every documented method at this path. Starlette's 405 names only the first route whose path matched,
    so `/v1/recommendations` (a GET route and a POST route) would say `Allow: POST` alone. The document
    lists each path's operations in one place, whichever router and route serve them."""
    path = request.url.path
    for template, operations in request.app.openapi().get("paths", {}).items():
        if compile_path(template)[0].match(path):
            return sorted(method.upper() for method in operations if method.upper() in _HTTP_METHODS)
    return []


def _method_not_allowed(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    # Routes outside the document (the docs pages) keep the methods Starlette computed, sorted (it lists
    # them from a set, in no stable order).
    fallback = (exc.headers or {}).get("Allow", "")
    methods = allowed_methods(request) or sorted(
        method.strip() for method in fallback.split(",") if method.strip()
    )
    allow = ", ".join(methods)
    message = f"{request.method} is not allowed on {request.url.path}; it answers {allow}"
    response = error_response(ErrorCode.method_not_allowed, message, {"allow": methods}, status=405)
    response.headers["Allow"] = allow
    return response


def install_error_handlers(app: FastAPI, body_model: dict[str, type[BaseModel]]) -> None:
    """`body_model` maps a route path to the model of its JSON body, to list valid fields in messages."""

    @app.exception_handler(NetadvisorError)
    async def _domain(_: Request, exc: NetadvisorError) -> JSONResponse:
        return error_response(exc.code, exc.message, exc.details)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        details = describe_errors(exc.errors(), body_model.get(request.url.path))
        first = details[0]["message"] if details else "invalid request"
        more = f" (and {len(details) - 1} more)" if len(details) > 1 else ""
        return error_response(ErrorCode.invalid_request, first + more, details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        unreadable = _unreadable_json(exc)
        if unreadable is not None:
            message = f"(body): the body is not valid JSON: {unreadable}"
            details = [{"field": "(body)", "type": "json_invalid", "message": message}]
            return error_response(ErrorCode.invalid_request, message, details)
        if exc.status_code == 405:
            return _method_not_allowed(request, exc)
        code = _HTTP_CODES.get(exc.status_code, ErrorCode.http_error)
        response = error_response(code, str(exc.detail), status=exc.status_code)
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(ErrorCode.internal_error, INTERNAL_ERROR_MESSAGE)
