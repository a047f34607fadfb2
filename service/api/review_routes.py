"""Architecture review over HTTP (issue 4): `POST /v1/reviews` and the review-rule catalogue.

A thin adapter: the review itself is `service.review` (no FastAPI there). A review that cannot run
(invalid YAML, not a mapping, an alias bomb, a file `include` needs but the request lacks) raises a
`ReviewError`, which the app's error handler answers with the one error envelope: 422 (413 for a file
over 1 MiB), `details` holding the file, line and column.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse, Response

from service.advisor import Advisor
from service.api.errors import ErrorEnvelope
from service.api.language import BAD_LANG, get_catalogue_language, get_language, mark_language
from service.errors import NotFound
from service.i18n import Language, gettext_for
from service.observability.metrics import record_findings
from service.review.catalogue import ReviewRuleData
from service.review.errors import MissingFile
from service.review.merge import SourceFile, joined_name
from service.review.models import ReviewFormat, ReviewReport, ReviewRequest
from service.review.render import render
from service.review.reviewer import Reviewer

router = APIRouter()

ERRORS: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorEnvelope, "description": "Request body, or one file in it, over the size limit."},
    415: {"model": ErrorEnvelope, "description": "`Content-Type` is missing or not `application/json`."},
    422: {
        "model": ErrorEnvelope,
        "description": "Invalid request, or the review could not run: `code` is `invalid_request`, "
        "`invalid_compose`, `invalid_requirements`, `compose_too_complex` or `missing_file`; `details` "
        "names the file, line and column.",
    },
}
_MEDIA = {
    "json": "application/json",
    "sarif": "application/sarif+json",
    "markdown": "text/markdown; charset=utf-8",
    "github": "text/plain; charset=utf-8",
    "text": "text/plain; charset=utf-8",
}


def get_reviewer(request: Request) -> Reviewer:
    """The app's reviewer, built by `create_app` at start-up (rebuilt if the app's advisor is swapped)."""
    reviewer: Reviewer | None = getattr(request.app.state, "reviewer", None)
    advisor: Advisor = request.app.state.advisor
    if reviewer is None or reviewer.advisor is not advisor:
        reviewer = Reviewer.for_advisor(advisor)
        request.app.state.reviewer = reviewer
    return reviewer


ReviewerDep = Annotated[Reviewer, Depends(get_reviewer)]


@router.post(
    "/v1/reviews",
    tags=["review"],
    summary="Review Compose files (and requirements) for network design problems",
    response_model=ReviewReport,
    responses={
        **ERRORS,
        200: {
            "description": "The review: findings with rule, severity, file, line, column, fix and docs URL. "
            "`?format=sarif` gives SARIF 2.1.0 for code scanning, `markdown` a PR comment, `github` "
            "workflow annotations.",
            "content": {
                "application/sarif+json": {"schema": {"type": "object"}},
                "text/markdown": {"schema": {"type": "string"}},
                "text/plain": {"schema": {"type": "string"}},
            },
        },
    },
)
def create_review(  # a plain def: a large file takes a CPU-bound moment, kept off the event loop
    body: ReviewRequest,
    reviewer: ReviewerDep,
    language: Annotated[Language, Depends(get_language)],
    format: Annotated[ReviewFormat, Query(description="Output format.")] = "json",
) -> Response:
    files = {file.name: file for file in body.files}

    def lookup(path: str, relative_to: str) -> SourceFile:
        name = joined_name(path, relative_to)
        if name not in files:
            raise MissingFile(f"{name!r} is not among the request's files; add it to `files`", relative_to)
        return SourceFile(name, files[name].content)

    main = body.main or [file.name for file in body.files]
    requirements = (
        body.requirements.model_dump(mode="json", exclude_unset=True) if body.requirements else None
    )
    report = reviewer.review(
        [SourceFile(name, files[name].content) for name in main],
        requirements,
        requirements_source="the request's requirements",
        source=lookup,
        language=language,
    )
    record_findings(finding.rule for finding in report.findings if finding.suppressed is None)
    response: Response
    if format == "json":
        response = Response(report.model_dump_json(), media_type=_MEDIA["json"])
    else:
        content = render(report, format, reviewer.catalogues[language], gettext_for(language))
        media = _MEDIA["sarif"] if format == "sarif" else _MEDIA[format]
        response = (Response if format == "sarif" else PlainTextResponse)(content, media_type=media)
    mark_language(response.headers, language)
    return response


@router.get(
    "/v1/review-rules",
    tags=["review"],
    summary="All review rules",
    response_model=list[ReviewRuleData],
    responses=BAD_LANG,
)
async def list_review_rules(
    reviewer: ReviewerDep, language: Annotated[Language, Depends(get_catalogue_language)], response: Response
) -> list[ReviewRuleData]:
    mark_language(response.headers, language)
    return [rule.data for rule in reviewer.catalogues[language].rules]


@router.get(
    "/v1/review-rules/{rule_id}",
    tags=["review"],
    summary="One review rule",
    response_model=ReviewRuleData,
    responses={404: {"model": ErrorEnvelope, "description": "Unknown rule code."}, **BAD_LANG},
)
async def get_review_rule(
    rule_id: str,
    reviewer: ReviewerDep,
    language: Annotated[Language, Depends(get_catalogue_language)],
    response: Response,
) -> ReviewRuleData:
    mark_language(response.headers, language)
    rule = reviewer.catalogues[language].rule(rule_id)
    if rule is None:
        raise NotFound(f"no review rule {rule_id!r}; GET /v1/review-rules lists them", {"rule": rule_id})
    return rule.data
