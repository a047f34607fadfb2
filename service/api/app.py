"""The FastAPI application factory."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel

from service import __version__
from service.advisor import Advisor
from service.api import chat_routes, plugin_routes, review_routes, ui_routes
from service.api.errors import install_error_handlers
from service.api.fastpath import RecommendationFastPath
from service.api.http_cache import ConditionalGet, document_not_modified
from service.api.limits import BodySizeLimit
from service.api.media import RequireJson
from service.api.operations import install_operations
from service.api.response_cache import ResponseCache
from service.api.routes import REQUEST_FIELDS_PATH, router
from service.models import RecommendationRequest
from service.plugins import load_plugins
from service.review.models import ReviewRequest
from service.review.reviewer import Reviewer
from service.settings import Settings

# Swagger UI and ReDoc load their JS, CSS and favicon from here (fastapi-offline's bundled copies), never
# from a CDN, so the docs work on a machine without internet. Everything under STATIC_PREFIX is public.
STATIC_PREFIX = "/static/"
DOCS_ASSETS_PATH = "/static/docs"
DOCS_PATH, REDOC_PATH = "/docs", "/redoc"


def create_app(
    settings: Settings | None = None, advisor: Advisor | None = None, *, fast_path: bool = True
) -> FastAPI:
    """The service. `fast_path=False` leaves every recommendation POST to FastAPI (tests compare both)."""
    settings = settings or Settings()
    app = FastAPIOffline(
        docs_url=DOCS_PATH,
        redoc_url=None,  # served by ui_routes, with a CSP that keeps ReDoc's CDN logo from loading
        static_url=DOCS_ASSETS_PATH,
        # Swagger UI would otherwise send the document to validator.swagger.io for a badge.
        swagger_ui_parameters={"validatorUrl": None},
        title="netadvisor",
        version=__version__,
        description=(
            "Tells you which Docker network driver to use (bridge, host, overlay, ipvlan, macvlan, none), "
            "why, and the exact commands to set it up. Every decision cites the rule and its source."
        ),
    )
    app.state.settings = settings
    app.state.advisor = advisor or Advisor.from_settings(settings)
    # The review rules load now, with the selection rules: a broken one fails start-up with a
    # CatalogueError naming its file, never the first review with a 500.
    app.state.reviewer = Reviewer.for_advisor(app.state.advisor)
    app.state.plugins = load_plugins(settings.rules_dir)
    app.state.response_cache = ResponseCache(settings.response_cache_size)
    json_bodies: dict[str, type[BaseModel]] = {
        "/v1/recommendations": RecommendationRequest,
        "/v1/reviews": ReviewRequest,
    }
    install_error_handlers(app, json_bodies)
    app.include_router(router)
    app.include_router(review_routes.router)
    app.include_router(chat_routes.router)
    app.include_router(plugin_routes.router)
    ui_routes.add_redoc(
        app.router, REDOC_PATH, app.title, app.openapi_url or "/openapi.json", DOCS_ASSETS_PATH
    )
    app.include_router(ui_routes.router)
    app.mount(ui_routes.ASSETS_PATH, ui_routes.assets(), name="ui-assets")
    if fast_path:  # innermost: after the key check, the body limit and the 415 check, before routing
        app.add_middleware(RecommendationFastPath, service=app)
    # A JSON route given a form or no Content-Type: 415 naming application/json, not a 422 about fields.
    app.add_middleware(RequireJson, paths=json_bodies)
    # ETag, Cache-Control and 304 for the answers that are a pure function of the URL (and its language).
    app.add_middleware(ConditionalGet, private=settings.api_keys is not None)
    # Oversized bodies are refused before anything else reads them.
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    # Added after, so it runs outside the limit: request IDs, API keys, metrics and access logs (none of
    # which reads the body) cover every answer, 413 included, and keyless requests are refused unread.
    install_operations(
        app,
        settings,
        public_paths=(DOCS_PATH, REDOC_PATH, ui_routes.PAGE_PATH, REQUEST_FIELDS_PATH),
        public_prefixes=(STATIC_PREFIX,),
    )
    app.state.metrics.cache_capacity.set(settings.response_cache_size)
    documented = app.openapi

    def openapi() -> dict[str, Any]:
        schema = documented()
        document_not_modified(schema)  # idempotent: the same entries on every call
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
