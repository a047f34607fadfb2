"""The service app plus one trivial JSON route, the baseline for the HTTP benchmark.

Served by the same uvicorn configuration as `netadvisor serve`, so the ratio isolates what the advisor
itself costs per request from what HTTP, uvicorn and FastAPI cost.
"""

from __future__ import annotations

from fastapi import FastAPI, Request

from service.api.app import create_app


def create_bench_app() -> FastAPI:
    app = create_app()

    @app.post("/bench/trivial")
    async def trivial(request: Request) -> dict[str, bool]:
        await request.body()  # read the same body the real route reads, then answer a constant
        return {"ok": True}

    return app
