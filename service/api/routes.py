"""Advisor routes: recommendations, the rule catalogue and the driver catalogue."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import Response

from service import __version__
from service.advisor import Advisor
from service.api.errors import ErrorEnvelope
from service.api.response_cache import CachedAnswer, ResponseCache, cache_key
from service.catalogue import DriverInfo, SelectionRuleData
from service.models import Recommendation, RecommendationRequest
from service.observability.metrics import record_recommendation
from service.query.grammar import QUERY_DESCRIPTION, parse_rest_query
from service.render import render_recommendation

router = APIRouter()
# Handlers and dependencies are `async def` on purpose: they do no I/O and the engine answers in well
# under a millisecond, so a thread-pool hop per request (what a plain `def` gets) would cost more than
# the work itself.

ERRORS: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorEnvelope, "description": "Request body over the size limit."},
    422: {"model": ErrorEnvelope, "description": "Invalid request; `details` names each field and the fix."},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorEnvelope, "description": "Unknown ID."}}

OutputFormat = Literal["json", "markdown", "text"]
FormatQuery = Annotated[OutputFormat | None, Query(description="Output format; overrides the Accept header.")]
AcceptHeader = Annotated[str | None, Header(include_in_schema=False)]


def recommendation_responses(description: str) -> dict[int | str, dict[str, Any]]:
    """The documented answers of both recommendation routes: JSON, Markdown or text, and the errors."""
    text = {"schema": {"type": "string"}}
    return {
        **ERRORS,
        200: {"description": description, "content": {"text/markdown": text, "text/plain": text}},
    }


async def get_advisor(request: Request) -> Advisor:
    advisor: Advisor = request.app.state.advisor
    return advisor


AdvisorDep = Annotated[Advisor, Depends(get_advisor)]


def wants(format_: OutputFormat | None, accept: str | None) -> OutputFormat:
    if format_ is not None:
        return format_
    if accept and "text/markdown" in accept:
        return "markdown"
    if accept and "text/plain" in accept and "application/json" not in accept:
        return "text"
    return "json"


def answer(
    advisor: Advisor, request: RecommendationRequest, output: OutputFormat, cache: ResponseCache
) -> Response:
    """One recommendation in the asked-for format; both recommendation routes (and the fast path) end here."""
    if cache.maxsize == 0:
        found = _computed(advisor, request, output)
    else:
        key = cache_key(request, output, advisor.catalogue.version)
        cached = cache.get(key)
        if cached is None:
            cached = _computed(advisor, request, output)
            cache.put(key, cached)
        found = cached
    record_recommendation(found.top)
    return Response(found.body, media_type=found.media_type)


def _computed(advisor: Advisor, request: RecommendationRequest, output: OutputFormat) -> CachedAnswer:
    if output == "json":
        # The engine's plain data serialised by orjson; FastAPI's response_model pass would validate and
        # serialise it again, which costs more than computing the answer (bench/README.md).
        content, top = advisor.recommend_json(request)
        return CachedAnswer(content, "application/json", top)
    rec = advisor.recommend(request)
    media = "text/markdown" if output == "markdown" else "text/plain"
    top = rec.recommendation.value if rec.recommendation else None
    return CachedAnswer(render_recommendation(rec, output).encode(), f"{media}; charset=utf-8", top)


def response_cache(request: Request) -> ResponseCache:
    cache: ResponseCache = request.app.state.response_cache
    return cache


# Registered by `create_app` on the app itself, ahead of the routers: FastAPI resolves a route of an
# included router through one more matching layer (about a sixth of a bare request's cost here), and
# probes call this every few seconds on every replica.
HEALTHZ_ROUTE: dict[str, Any] = {
    "path": "/healthz",
    "methods": ["GET"],
    "tags": ["operations"],
    "summary": "Liveness and catalogue status",
    "response_model": dict[str, Any],
}


async def healthz(request: Request) -> Response:
    return health_response(request.app.state)


def health_response(state: Any) -> Response:
    """The `/healthz` answer; service/api/fastpath.py sends the same for GET without routing."""
    # The answer is fixed for the app's catalogue, so it is serialised once (the JSON FastAPI would
    # send) rather than encoded on every call.
    body: bytes | None = getattr(state, "healthz_body", None)
    if body is None:
        advisor: Advisor = state.advisor
        content = {
            "status": "ok",
            "version": __version__,
            "catalogue_version": advisor.catalogue.version,
            "rules": len(advisor.catalogue.rules),
        }
        body = state.healthz_body = orjson.dumps(content)
    return Response(body, media_type="application/json")


@router.post(
    "/v1/recommendations",
    tags=["advisor"],
    summary="Rank the six drivers for the given requirements, with reasons and commands",
    response_model=Recommendation,
    responses=recommendation_responses(
        "Ranked drivers. `recommendation` is null, with `conflicts`, when nothing fits."
    ),
)
async def create_recommendation(
    body: RecommendationRequest,
    advisor: AdvisorDep,
    request: Request,
    format: FormatQuery = None,
    accept: AcceptHeader = None,
) -> Response:
    # Valid JSON requests are answered by service/api/fastpath.py before they reach this handler, through
    # the same `answer`; this handler answers what the fast path hands on (and every invalid request).
    return answer(advisor, body, wants(format, accept), response_cache(request))


@router.get(
    "/v1/recommendations",
    tags=["advisor"],
    summary="The same ranking for a one-line query, e.g. `?q=cross-host swarm encrypted ports=80,443`",
    response_model=Recommendation,
    responses=recommendation_responses("Ranked drivers, as for the POST."),
)
async def query_recommendation(
    q: Annotated[str, Query(max_length=8192, description=QUERY_DESCRIPTION)],
    advisor: AdvisorDep,
    request: Request,
    format: FormatQuery = None,
    accept: AcceptHeader = None,
) -> Response:
    # the chat query language; a bad token is a 422
    return answer(advisor, parse_rest_query(q), wants(format, accept), response_cache(request))


@router.get(
    "/v1/rules", tags=["catalogue"], summary="All selection rules", response_model=list[SelectionRuleData]
)
async def list_rules(advisor: AdvisorDep) -> list[SelectionRuleData]:
    return [rule.data for rule in advisor.rules()]


@router.get(
    "/v1/rules/{rule_id}",
    tags=["catalogue"],
    summary="One selection rule",
    response_model=SelectionRuleData,
    responses=NOT_FOUND,
)
async def get_rule(rule_id: str, advisor: AdvisorDep) -> SelectionRuleData:
    return advisor.rule(rule_id).data


@router.get("/v1/drivers", tags=["catalogue"], summary="What each driver is", response_model=list[DriverInfo])
async def list_drivers(advisor: AdvisorDep) -> list[DriverInfo]:
    return advisor.drivers()


@router.get(
    "/v1/drivers/{driver}",
    tags=["catalogue"],
    summary="One driver: pros, cons, when to use it, hard limits",
    response_model=DriverInfo,
    responses=NOT_FOUND,
)
async def get_driver(driver: str, advisor: AdvisorDep) -> DriverInfo:
    return advisor.driver(driver)
