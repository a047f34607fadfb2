"""The FastAPI application factory."""

from __future__ import annotations

from fastapi import FastAPI

from service import __version__
from service.advisor import Advisor
from service.api import chat_routes, plugin_routes, review_routes, routes
from service.api.errors import install_error_handlers
from service.api.fastpath import RecommendationFastPath
from service.api.http_cache import ConditionalGet
from service.api.limits import BodySizeLimit
from service.api.operations import install_operations, parse_api_keys
from service.api.response_cache import ResponseCache
from service.models import RecommendationRequest
from service.plugins import load_plugins
from service.review.models import ReviewRequest
from service.review.reviewer import Reviewer
from service.settings import Settings


def create_app(
    settings: Settings | None = None, advisor: Advisor | None = None, *, fast_path: bool = True
) -> FastAPI:
    """The service. `fast_path=False` leaves every recommendation POST to FastAPI (tests compare both)."""
    settings = settings or Settings()
    app = FastAPI(
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
    install_error_handlers(app, {"/v1/recommendations": RecommendationRequest, "/v1/reviews": ReviewRequest})
    app.add_api_route(endpoint=routes.healthz, **routes.HEALTHZ_ROUTE)
    app.include_router(routes.router)
    app.include_router(review_routes.router)
    app.include_router(chat_routes.router)
    app.include_router(plugin_routes.router)
    if fast_path:  # innermost: after the key check and the body limit, before FastAPI's routing
        app.add_middleware(RecommendationFastPath, service=app)
    # ETag, Cache-Control and 304 for the answers that are a pure function of the URL.
    app.add_middleware(ConditionalGet, private=bool(parse_api_keys(_raw_keys(settings))))
    # Oversized bodies are refused before anything else reads them.
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    # Added after, so it runs outside the limit: request IDs, API keys, metrics and access logs (none of
    # which reads the body) cover every answer, 413 included, and keyless requests are refused unread.
    install_operations(app, settings)
    app.state.metrics.cache_capacity.set(settings.response_cache_size)
    return app


def _raw_keys(settings: Settings) -> str | None:
    return settings.api_keys.get_secret_value() if settings.api_keys is not None else None
