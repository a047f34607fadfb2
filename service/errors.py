"""Typed errors of the pure core. Each edge (HTTP, CLI, chat) translates them once into its own shape."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    """Every error code netadvisor gives, closed: clients may switch on them; a new one is an API change.
    How each edge shows a code (an HTTP status, an exit code) is the edge's business, not the core's."""

    internal_error = "internal_error"
    invalid_request = "invalid_request"
    not_found = "not_found"
    payload_too_large = "payload_too_large"
    unauthorized = "unauthorized"
    integration_disabled = "integration_disabled"
    catalogue_error = "catalogue_error"
    bad_request = "bad_request"
    review_failed = "review_failed"
    invalid_compose = "invalid_compose"
    invalid_requirements = "invalid_requirements"
    compose_too_complex = "compose_too_complex"
    compose_too_large = "compose_too_large"
    missing_file = "missing_file"
    cli_error = "cli_error"
    # Protocol-level refusals the HTTP framework raises before any netadvisor code runs.
    method_not_allowed = "method_not_allowed"
    not_acceptable = "not_acceptable"
    unsupported_media_type = "unsupported_media_type"
    http_error = "http_error"


class NetadvisorError(Exception):
    """Base class: a stable machine-readable `code`, a human message, optional structured details."""

    code: ErrorCode = ErrorCode.internal_error

    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidRequest(NetadvisorError):
    code = ErrorCode.invalid_request


class NotFound(NetadvisorError):
    code = ErrorCode.not_found


class PayloadTooLarge(NetadvisorError):
    code = ErrorCode.payload_too_large


class Unauthorized(NetadvisorError):
    code = ErrorCode.unauthorized


class IntegrationDisabled(NetadvisorError):
    code = ErrorCode.integration_disabled


class CatalogueError(NetadvisorError):
    """The rule catalogue on disk is broken: a start-up failure, never a request failure."""

    code = ErrorCode.catalogue_error
