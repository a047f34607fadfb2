"""One error envelope for every error the API returns: {"error": {"code", "message", "details"}}."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.errors import NetadvisorError
from service.validation import describe_errors

log = logging.getLogger("netadvisor.api")


class ErrorBody(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. `invalid_request`, `not_found`.")
    message: str = Field(description="What went wrong, naming the field and the fix where there is one.")
    details: Any = Field(None, description="Structured details, e.g. one entry per invalid field.")


class ErrorEnvelope(BaseModel):
    error: ErrorBody


def error_response(status: int, code: str, message: str, details: Any = None) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "details": details}}
    return JSONResponse(body, status_code=status)


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


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


def install_error_handlers(app: FastAPI, body_model: dict[str, type[BaseModel]]) -> None:
    """`body_model` maps a route path to the model of its JSON body, to list valid fields in messages."""

    @app.exception_handler(NetadvisorError)
    async def _domain(_: Request, exc: NetadvisorError) -> JSONResponse:
        return error_response(exc.http_status, exc.code, exc.message, exc.details)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        details = describe_errors(exc.errors(), body_model.get(request.url.path))
        first = details[0]["message"] if details else "invalid request"
        more = f" (and {len(details) - 1} more)" if len(details) > 1 else ""
        return error_response(422, "invalid_request", first + more, details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        unreadable = _unreadable_json(exc)
        if unreadable is not None:
            message = f"(body): the body is not valid JSON: {unreadable}"
            details = [{"field": "(body)", "type": "json_invalid", "message": message}]
            return error_response(422, "invalid_request", message, details)
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        response = error_response(exc.status_code, code, str(exc.detail))
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, "internal_error", "internal error; the server log has the details")
