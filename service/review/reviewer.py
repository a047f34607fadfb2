"""Review Compose files: load and merge them, run every review rule's check, apply suppressions, report.

    reviewer = Reviewer.for_advisor(advisor)
    report = reviewer.review([SourceFile("compose.yaml", text)], requirements={"cloud": "aws"})

`review` raises a `ReviewError` (with file, line and column) when the review cannot run: unreadable or
invalid YAML, a document that is not a mapping, a file over 1 MiB, an alias bomb, invalid requirements.
`failed_report` turns such an error into the same envelope with `errors` filled, for outputs that must
always be well-formed (SARIF, JSON in CI).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Any

from service import __version__
from service.advisor import Advisor
from service.errors import CatalogueError
from service.i18n import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES, Language, gettext_for
from service.review.catalogue import ReviewCatalogue, ReviewRule, load_review_catalogue
from service.review.checks import CHECKS, Hit
from service.review.context import External, ReviewContext
from service.review.errors import ReviewError
from service.review.merge import FileSource, SourceFile, load_project, no_other_files
from service.review.models import Finding, ReviewIssue, ReviewReport, Summary, SuppressionInfo, ToolInfo
from service.review.project import Project, Suppression, read_project
from service.review.yamltree import Limits, Mark

UNSUPPRESSIBLE = frozenset({"NR022"})  # a broken suppression cannot suppress its own report


class Reviewer:
    def __init__(self, advisor: Advisor, rules: ReviewCatalogue) -> None:
        missing = [rule.id for rule in rules.rules if rule.id not in CHECKS]
        if missing:
            raise CatalogueError(f"review rules without a check in service/review/checks/: {missing}")
        for rule in rules.rules:
            unknown = [code for code in rule.data.selection_rules if advisor.catalogue.rule(code) is None]
            if unknown:
                raise CatalogueError(f"{rule.id} names selection rules that do not exist: {unknown}")
        self.advisor = advisor
        self.rules = rules
        # The rules' summaries and fixes per language, for /v1/review-rules and SARIF's rule descriptions.
        self.catalogues: dict[Language, ReviewCatalogue] = {
            language: rules.localized(gettext_for(language)) if language != DEFAULT_LANGUAGE else rules
            for language in SUPPORTED_LANGUAGES
        }

    @classmethod
    def for_advisor(cls, advisor: Advisor) -> Reviewer:
        return cls(advisor, load_review_catalogue(advisor.catalogue.root))

    # -- running -----------------------------------------------------------------------------------------

    def review(  # noqa: PLR0913 - files and requirements, then keyword-only options with defaults
        self,
        files: list[SourceFile],
        requirements: dict[str, Any] | None = None,
        *,
        requirements_source: str = "requirements",
        deployment: dict[str, Any] | None = None,
        source: FileSource = no_other_files,
        limits: Limits | None = None,
        language: Language = DEFAULT_LANGUAGE,
    ) -> ReviewReport:
        root, names = load_project(files, source, limits)
        project = read_project(root, names)
        external = None
        if requirements is not None or deployment is not None:
            external = External(requirements or {}, requirements_source, deployment)
        codes = frozenset(rule.id for rule in self.rules.rules)
        ctx = ReviewContext(project, self.advisor, external, codes, language)
        findings: list[Finding] = []
        for rule in self.rules.rules:
            if rule.data.needs_requirements and not ctx.requirements_given:
                continue
            for hit in CHECKS[rule.id](ctx, rule):
                findings.append(self._finding(rule, hit, project))
        findings = _with_fingerprints(_ordered(findings, names))
        return ReviewReport(
            tool=self.tool(),
            files=names,
            requirements_given=ctx.requirements_given,
            findings=findings,
            summary=summarise(findings),
        )

    def tool(self) -> ToolInfo:
        return ToolInfo(
            version=__version__,
            catalogue_version=self.advisor.catalogue.version,
            review_catalogue_version=self.rules.version,
        )

    def failed_report(self, error: ReviewError, files: list[str]) -> ReviewReport:
        issue = ReviewIssue(
            code=error.code, message=error.bare_message, file=error.file, line=error.line, column=error.column
        )
        return ReviewReport(
            tool=self.tool(),
            files=files,
            requirements_given=False,
            findings=[],
            errors=[issue],
            summary=Summary(),
        )

    # -- findings ----------------------------------------------------------------------------------------

    def _finding(self, rule: ReviewRule, hit: Hit, project: Project) -> Finding:
        mark = hit.mark if hit.mark.file else Mark(project.files[0], hit.mark.line, hit.mark.column)
        suppression = None if rule.id in UNSUPPRESSIBLE else _suppression(rule.id, hit, project)
        return Finding(
            rule=rule.id,
            name=rule.data.name,
            severity=rule.severity,
            file=mark.file,
            line=mark.line,
            column=mark.column,
            service=hit.service,
            network=hit.network,
            services=sorted(set(hit.services) | ({hit.service} if hit.service else set())),
            message=hit.message,
            expected=hit.expected,
            found=hit.found,
            fix=hit.fix,
            docs_url=rule.data.source,
            selection_rules=list(hit.selection_rules),
            requirements=hit.requirements,
            suppressed=SuppressionInfo(
                reason=suppression.reason or "",
                file=suppression.mark.file,
                line=suppression.mark.line,
                column=suppression.mark.column,
            )
            if suppression is not None
            else None,
            fingerprint=_fingerprint(rule.id, mark.file, hit),
        )


def _valid(ignores: list[Suppression], rule_id: str) -> Suppression | None:
    return next((i for i in ignores if i.problem is None and i.rule == rule_id), None)


def _suppression(rule_id: str, hit: Hit, project: Project) -> Suppression | None:
    """A valid `x-netadvisor-ignore` entry for the rule on the finding's service or network."""
    if hit.service is not None and hit.service in project.services:
        found = _valid(project.services[hit.service].ignores, rule_id)
        if found is not None:
            return found
    if hit.network is not None and hit.network in project.networks:
        found = _valid(project.networks[hit.network].ignores, rule_id)
        if found is not None:
            return found
    involved = [project.services[name] for name in hit.services if name in project.services]
    if involved and hit.service is None:
        entries = [_valid(service.ignores, rule_id) for service in involved]
        if all(entry is not None for entry in entries):
            return entries[0]
    return None


def _fingerprint(rule_id: str, file: str, hit: Hit) -> str:
    identity = "\x00".join((rule_id, file, hit.service or "", hit.network or "", hit.key))
    return hashlib.sha256(identity.encode()).hexdigest()[:32]


def _with_fingerprints(findings: list[Finding]) -> list[Finding]:
    """GitHub's form: `hash:occurrence`, so two findings with the same identity stay distinct."""
    seen: Counter[str] = Counter()
    result = []
    for finding in findings:
        seen[finding.fingerprint] += 1
        result.append(
            finding.model_copy(update={"fingerprint": f"{finding.fingerprint}:{seen[finding.fingerprint]}"})
        )
    return result


def _ordered(findings: list[Finding], files: list[str]) -> list[Finding]:
    order = {name: index for index, name in enumerate(files)}
    return sorted(findings, key=lambda f: (order.get(f.file, len(order)), f.line, f.column, f.rule))


def summarise(findings: list[Finding]) -> Summary:
    active = [f for f in findings if f.suppressed is None]
    return Summary(
        error=sum(f.severity == "error" for f in active),
        warning=sum(f.severity == "warning" for f in active),
        info=sum(f.severity == "info" for f in active),
        suppressed=len(findings) - len(active),
        total=len(findings),
    )


def failing(report: ReviewReport, fail_on: str) -> bool:
    """Whether any unsuppressed finding is at or above `fail_on` (error > warning > info; none: never)."""
    levels = {"info": 1, "warning": 2, "error": 3}
    threshold = levels.get(fail_on)
    if threshold is None:
        return False
    return any(f.suppressed is None and levels[f.severity] >= threshold for f in report.findings)
