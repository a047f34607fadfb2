"""The apps the HTTP benchmark serves: the service itself, and the bare FastAPI baseline.

Both are served by the same uvicorn configuration as `netadvisor serve`, so each ratio isolates what the
service adds per request (middleware, validation, the engine, serialising) to what HTTP, uvicorn and
FastAPI cost anyway.
"""

from __future__ import annotations

from fastapi import FastAPI

from service.api.app import create_app


def create_bench_app() -> FastAPI:
    return create_app()


def create_bare_app() -> FastAPI:
    """A FastAPI app with one route and nothing else: no middleware, no dependencies, no models."""
    app = FastAPI()

    @app.get("/bare")
    async def bare() -> dict[str, bool]:
        return {"ok": True}

    return app
