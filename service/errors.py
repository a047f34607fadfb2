"""Typed errors of the pure core. Each edge (HTTP, CLI, chat) translates them once into its own shape."""

from __future__ import annotations

from typing import Any


class NetadvisorError(Exception):
    """Base class: a stable machine-readable `code`, a human message, optional structured details."""

    code = "internal_error"
    http_status = 500

    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidRequest(NetadvisorError):
    code = "invalid_request"
    http_status = 422


class NotFound(NetadvisorError):
    code = "not_found"
    http_status = 404


class PayloadTooLarge(NetadvisorError):
    code = "payload_too_large"
    http_status = 413


class Unauthorized(NetadvisorError):
    code = "unauthorized"
    http_status = 401


class IntegrationDisabled(NetadvisorError):
    code = "integration_disabled"
    http_status = 503


class CatalogueError(NetadvisorError):
    """The rule catalogue on disk is broken: a start-up failure, never a request failure."""

    code = "catalogue_error"
    http_status = 500
