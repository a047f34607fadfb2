"""The apps the HTTP benchmark serves: the service itself, and the bare FastAPI baseline.

Both are served by the same uvicorn configuration as `netadvisor serve`, so each ratio isolates what the
service adds per request (middleware, validation, the engine, serialising) to what HTTP, uvicorn and
FastAPI cost anyway.
"""

from __future__ import annotations

from fastapi import FastAPI, Request

from service.api.app import create_app


def create_bench_app() -> FastAPI:
    return create_app()


def create_bare_app() -> FastAPI:
    """A FastAPI app with two bare routes and nothing else: no middleware, no dependencies, no models.

    `POST /bare` reads the body the way a route must before it can answer, so a POST benchmark and its
    baseline send the same bodies from the same wrk script: the client's own cost is the same on both."""
    app = FastAPI()

    @app.get("/bare")
    async def bare() -> dict[str, bool]:
        return {"ok": True}

    @app.post("/bare")
    async def bare_post(request: Request) -> dict[str, bool]:
        await request.body()
        return {"ok": True}

    return app
