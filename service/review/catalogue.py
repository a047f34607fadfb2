"""Review rules: `rules/review/NR###.yaml`, validated once when loaded, with the selection rules' discipline.

A review rule is data: a stable code (the file name; never reused, `rules/RETIRED.yaml` lists retired
ones), a kebab-case name, a severity, a summary, the rationale, a source URL that says why, optional
references and known problems, the general fix, and test cases of both kinds: small Compose documents
(with optional requirements) for which the rule must fire and must stay silent. The check itself is
Python (`service/review/checks/NR###.py`, one module per code); a rule without a check refuses to load, and
a meta-test fails for a check without a rule.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from service.catalogue import RuleMetadata
from service.errors import CatalogueError
from service.i18n import Gettext
from service.models import Requirements
from service.review.errors import ReviewError
from service.review.yamltree import load_documents

REVIEW_CODE = re.compile(r"^NR[0-9]{3}$")
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Severity = Literal["error", "warning", "info"]
SEVERITY_ORDER: dict[str, int] = {"info": 1, "warning": 2, "error": 3}


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReviewCase(_Data):
    """A Compose document (YAML text) and optional requirements, as `POST /v1/reviews` would get them."""

    name: str = Field(min_length=3, description="What the case shows, in a few words, for the docs.")
    compose: str = Field(min_length=1)
    requirements: dict[str, Any] | None = None


class FiringCase(ReviewCase):
    """A case the rule must fire for, pinned to the line its finding points at."""

    line: int = Field(ge=1, description="The 1-based line in `compose` where the rule's finding points.")


class ReviewCases(_Data):
    fires: list[FiringCase] = Field(min_length=1, description="Documents for which the rule must fire.")
    silent: list[ReviewCase] = Field(min_length=1, description="Documents for which it must stay silent.")


class ReviewRuleData(RuleMetadata):
    """A review rule as written in `rules/review/<id>.yaml`."""

    CODE = REVIEW_CODE
    CODE_EXAMPLE = "NR001"

    severity: Severity
    source: str = Field(description="Where the fact comes from; also the finding's docs URL.")
    # 4, not 10: the same model carries the Chinese fix, a third as long ("两者只保留一个。" is 8).
    fix: str = Field(min_length=4, description="How to fix it, in general; findings add the specifics.")
    needs_requirements: bool = Field(
        False, description="Fires only when requirements are given (x-network-requirements or a file)."
    )
    selection_rules: list[str] = Field(
        default_factory=list, description="Selection rules whose facts or thresholds the check reuses."
    )
    cases: ReviewCases


@dataclass(frozen=True, slots=True)
class ReviewRule:
    data: ReviewRuleData

    @property
    def id(self) -> str:
        return self.data.id

    @property
    def severity(self) -> Severity:
        return self.data.severity


class ReviewCatalogue:
    def __init__(self, rules: list[ReviewRule], version: str, root: Path) -> None:
        self.rules = tuple(sorted(rules, key=lambda rule: rule.id))
        self.version = version
        self.root = root
        self._by_id = {rule.id: rule for rule in self.rules}
        self.index = {rule.id: position for position, rule in enumerate(self.rules)}

    def rule(self, rule_id: str) -> ReviewRule | None:
        return self._by_id.get(rule_id.upper())

    def localized(self, translate: Gettext) -> ReviewCatalogue:
        """The same rules with their summary and fix in another language (the rationale quotes Docker's
        documentation and stays as written); the version stays the rules'."""
        rules = [ReviewRule(translate_review_rule(rule.data, translate)) for rule in self.rules]
        return ReviewCatalogue(rules, self.version, self.root)

    def __contains__(self, rule_id: str) -> bool:
        return rule_id.upper() in self._by_id


def review_rule_texts(data: ReviewRuleData) -> list[str]:
    """The human texts of a review rule a translation covers (the extractor's list too)."""
    return [data.summary, data.fix]


def translate_review_rule(data: ReviewRuleData, translate: Gettext) -> ReviewRuleData:
    return data.model_copy(update={"summary": translate(data.summary), "fix": translate(data.fix)})


def review_rules_dir(rules_root: Path) -> Path:
    return rules_root / "review"


@lru_cache(maxsize=8)
def load_review_catalogue(rules_root: Path) -> ReviewCatalogue:
    """The review rules under `<rules_root>/review/`; the selection catalogue's root is `rules_root`."""
    root = review_rules_dir(rules_root.resolve())
    digest = hashlib.sha256()
    try:
        files = sorted(root.glob("NR*.yaml"))
        retired_raw = (
            (rules_root / "RETIRED.yaml").read_bytes() if (rules_root / "RETIRED.yaml").is_file() else b""
        )
    except OSError as exc:
        raise CatalogueError(f"cannot read the review rules at {root}: {exc}") from exc
    if not files:
        raise CatalogueError(f"no review rules under {root}")
    retired = _retired_codes(retired_raw)
    rules: list[ReviewRule] = []
    for path in files:
        raw = path.read_bytes()
        digest.update(path.name.encode())
        digest.update(raw)
        try:
            content = yaml.load(raw, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
        except yaml.YAMLError as exc:
            raise CatalogueError(f"{path}: not valid YAML: {exc}") from exc
        try:
            data = ReviewRuleData.model_validate(content)
        except ValidationError as exc:
            raise CatalogueError(f"{path}: {exc}") from exc
        if data.id != path.stem:
            raise CatalogueError(f"{path}: id {data.id} must match the file name {path.stem}.yaml")
        if data.id in retired:
            raise CatalogueError(f"{path}: {data.id} is retired (rules/RETIRED.yaml); codes are never reused")
        _check_cases(path, data)
        rules.append(ReviewRule(data))
    names = [rule.data.name for rule in rules]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise CatalogueError(f"review rule names must be unique: {duplicates}")
    return ReviewCatalogue(rules, f"sha256:{digest.hexdigest()[:12]}", root)


def _check_cases(path: Path, data: ReviewRuleData) -> None:
    cases: list[tuple[str, list[FiringCase] | list[ReviewCase]]] = [
        ("fires", data.cases.fires),
        ("silent", data.cases.silent),
    ]
    for kind, group in cases:
        for index, case in enumerate(group):
            where = f"{path}: cases.{kind}[{index}] ({case.name})"
            if isinstance(case, FiringCase) and case.line > len(case.compose.splitlines()):
                raise CatalogueError(f"{where}: line {case.line} is past the end of the compose document")
            try:
                load_documents(case.compose, f"{data.id}-{kind}-{index}.yaml")
            except ReviewError as exc:
                raise CatalogueError(f"{where}: the compose document does not load: {exc.message}") from exc
            if case.requirements is not None:
                try:
                    Requirements.model_validate(case.requirements)
                except ValidationError as exc:
                    raise CatalogueError(f"{where}: not valid requirements: {exc}") from exc


def _retired_codes(raw: bytes) -> set[str]:
    if not raw.strip():
        return set()
    try:
        content = yaml.load(raw, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise CatalogueError(f"RETIRED.yaml: not valid YAML: {exc}") from exc
    entries = (content or {}).get("retired") or [] if isinstance(content, dict) else []
    return {str(entry.get("id")) for entry in entries if isinstance(entry, dict)}
