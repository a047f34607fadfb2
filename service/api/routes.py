"""Advisor routes: recommendations, the rule catalogue and the driver catalogue."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import Response

from service import __version__
from service.advisor import Advisor
from service.api.errors import ErrorEnvelope
from service.api.language import (
    BAD_LANG,
    AcceptLanguageHeader,
    LangQuery,
    get_catalogue_language,
    get_language,
    mark_language,
)
from service.api.response_cache import CachedAnswer, ResponseCache, cache_key
from service.catalogue import DriverInfo, SelectionRuleData
from service.field_help import SectionHelp, request_fields
from service.i18n import Language, gettext_for
from service.models import Recommendation, RecommendationRequest
from service.observability.metrics import record_recommendation
from service.query.grammar import QUERY_DESCRIPTION, parse_rest_query
from service.query.tokens import QUERY_PATTERN
from service.render import render_recommendation

router = APIRouter()
# Handlers and dependencies are `async def` on purpose: they do no I/O and the engine answers in well
# under a millisecond, so a thread-pool hop per request (what a plain `def` gets) would cost more than
# the work itself.

ERRORS: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorEnvelope, "description": "Request body over the size limit."},
    422: {"model": ErrorEnvelope, "description": "Invalid request; `details` names each field and the fix."},
}
UNSUPPORTED_MEDIA: dict[int | str, dict[str, Any]] = {
    415: {"model": ErrorEnvelope, "description": "`Content-Type` is missing or not `application/json`."}
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorEnvelope, "description": "Unknown ID."},
    **BAD_LANG,
}

MAX_REST_QUERY_CHARS = 2048
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
LanguageDep = Annotated[Language, Depends(get_language)]
CatalogueLanguageDep = Annotated[Language, Depends(get_catalogue_language)]


def wants(format_: OutputFormat | None, accept: str | None) -> OutputFormat:
    if format_ is not None:
        return format_
    if accept and "text/markdown" in accept:
        return "markdown"
    if accept and "text/plain" in accept and "application/json" not in accept:
        return "text"
    return "json"


@dataclass(frozen=True, slots=True)
class Answerer:
    """The advisor and the response cache: what both recommendation routes answer with."""

    advisor: Advisor
    cache: ResponseCache

    def answer(self, request: RecommendationRequest, output: OutputFormat, language: Language) -> Response:
        """One recommendation in the asked-for format and language. A repeated request (same canonical
        request, format, language and catalogue) gets the bytes computed the first time
        (service/api/response_cache.py); the headers that vary per request are added to every answer."""
        cache = self.cache
        if cache.maxsize == 0:
            found = self._computed(request, output, language)
        else:
            key = cache_key(request, output, language, self.advisor.catalogue.version)
            cached = cache.get(key)
            if cached is None:
                cached = self._computed(request, output, language)
                cache.put(key, cached)
            found = cached
        record_recommendation(found.top)
        response = Response(found.body, media_type=found.media_type)
        mark_language(response.headers, language)
        return response

    def _computed(
        self, request: RecommendationRequest, output: OutputFormat, language: Language
    ) -> CachedAnswer:
        if output == "json":
            # The engine's plain data serialised by orjson; FastAPI's response_model pass would validate
            # and serialise it again, which costs more than computing the answer (bench/README.md).
            content, top = self.advisor.recommend_json(request, language)
            return CachedAnswer(content, "application/json", top)
        rec = self.advisor.recommend(request, language)
        media = "text/markdown" if output == "markdown" else "text/plain"
        top = rec.recommendation.value if rec.recommendation else None
        text = render_recommendation(rec, output, gettext=gettext_for(language))
        return CachedAnswer(text.encode(), f"{media}; charset=utf-8", top)


async def get_answerer(request: Request) -> Answerer:
    state = request.app.state
    return Answerer(state.advisor, state.response_cache)


AnswererDep = Annotated[Answerer, Depends(get_answerer)]


async def get_asked(
    # 2,048 characters: percent-encoded, even 4-byte characters (12 bytes each) keep the request line under
    # the HTTP parser's 80 KiB limit, past which the server answers a bare 400 before any route runs.
    # The pattern is published, not enforced here: the parser refuses what it does not match anyway, and
    # names the token and the nearest valid one, which a pattern error could not.
    q: Annotated[
        str,
        Query(
            max_length=MAX_REST_QUERY_CHARS,
            description=QUERY_DESCRIPTION,
            json_schema_extra={"pattern": QUERY_PATTERN},
        ),
    ],
    lang: LangQuery = None,
    accept_language: AcceptLanguageHeader = None,
) -> tuple[RecommendationRequest, Language]:
    """`?q=` in the chat query language (a bad token is a 422) and the answer's language: `?lang=` first,
    then a `lang=zh` / `中文` token in the query, then Accept-Language."""
    query = parse_rest_query(q)
    explicit = lang if lang is not None or query.language is None else query.language
    return query.request, await get_language(explicit, accept_language)


@router.head(
    "/healthz",
    tags=["operations"],
    summary="Liveness only: 200 and no body (for probes that send HEAD)",
    response_class=Response,
    responses={200: {"description": "The server is up.", "content": None}},
)
async def healthz_head() -> Response:
    return Response()


@router.get("/healthz", tags=["operations"], summary="Liveness and catalogue status")
async def healthz(advisor: AdvisorDep) -> dict[str, Any]:
    return health(advisor)


def health(advisor: Advisor) -> dict[str, Any]:
    """The `GET /healthz` answer; service/api/fastpath.py sends the same bytes without routing."""
    return {
        "status": "ok",
        "version": __version__,
        "catalogue_version": advisor.catalogue.version,
        "rules": len(advisor.catalogue.rules),
    }


@router.post(
    "/v1/recommendations",
    tags=["advisor"],
    summary="Rank the platform's drivers for the given requirements, with reasons and commands",
    response_model=Recommendation,
    responses={
        **recommendation_responses(
            "Ranked drivers. `recommendation` is null, with `conflicts`, when nothing fits."
        ),
        **UNSUPPORTED_MEDIA,
    },
)
async def create_recommendation(
    body: RecommendationRequest,
    answerer: AnswererDep,
    language: LanguageDep,
    format: FormatQuery = None,
    accept: AcceptHeader = None,
) -> Response:
    return answerer.answer(body, wants(format, accept), language)


@router.get(
    "/v1/recommendations",
    tags=["advisor"],
    summary="The same ranking for a one-line query, e.g. `?q=cross-host swarm encrypted ports=80,443`",
    response_model=Recommendation,
    responses=recommendation_responses("Ranked drivers, as for the POST."),
)
async def query_recommendation(
    asked: Annotated[tuple[RecommendationRequest, Language], Depends(get_asked)],
    answerer: AnswererDep,
    format: FormatQuery = None,
    accept: AcceptHeader = None,
) -> Response:
    request, language = asked
    return answerer.answer(request, wants(format, accept), language)


@router.get(
    "/v1/rules",
    tags=["catalogue"],
    summary="All selection rules",
    response_model=list[SelectionRuleData],
    responses=BAD_LANG,
)
async def list_rules(
    advisor: AdvisorDep, language: CatalogueLanguageDep, response: Response
) -> list[SelectionRuleData]:
    mark_language(response.headers, language)
    return [rule.data for rule in advisor.rules(language)]


@router.get(
    "/v1/rules/{rule_id}",
    tags=["catalogue"],
    summary="One selection rule",
    response_model=SelectionRuleData,
    responses=NOT_FOUND,
)
async def get_rule(
    rule_id: str, advisor: AdvisorDep, language: CatalogueLanguageDep, response: Response
) -> SelectionRuleData:
    mark_language(response.headers, language)
    return advisor.rule(rule_id, language).data


@router.get(
    "/v1/drivers",
    tags=["catalogue"],
    summary="What each driver is",
    response_model=list[DriverInfo],
    responses=BAD_LANG,
)
async def list_drivers(
    advisor: AdvisorDep, language: CatalogueLanguageDep, response: Response
) -> list[DriverInfo]:
    mark_language(response.headers, language)
    return advisor.drivers(language)


@router.get(
    "/v1/drivers/{driver}",
    tags=["catalogue"],
    summary="One driver: pros, cons, when to use it, hard limits",
    response_model=DriverInfo,
    responses=NOT_FOUND,
)
async def get_driver(
    driver: str, advisor: AdvisorDep, language: CatalogueLanguageDep, response: Response
) -> DriverInfo:
    mark_language(response.headers, language)
    return advisor.driver(driver, language)


# Open even when API keys are set (like /openapi.json, which holds the same texts in English): the page
# labels its form before the user has typed a key.
REQUEST_FIELDS_PATH = "/v1/request-fields"


@router.get(
    REQUEST_FIELDS_PATH,
    tags=["catalogue"],
    summary="The request's fields and their help texts",
    description="Each section of `RecommendationRequest` and each of its fields with what it means, in the "
    "asked language (the browser form's help texts). The fields' kinds, defaults and limits are in the "
    "request's JSON schema.",
    response_model=list[SectionHelp],
    responses=BAD_LANG,
)
async def list_request_fields(language: CatalogueLanguageDep, response: Response) -> list[SectionHelp]:
    mark_language(response.headers, language)
    return request_fields(gettext_for(language))
