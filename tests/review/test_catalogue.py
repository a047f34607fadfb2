"""Review-rule meta-tests: every rule is complete, has a check, fires and stays silent on its own cases.

Test IDs carry the rule code, so `pytest -k NR011` runs everything about rule NR011.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest
import yaml

from service.advisor import Advisor
from service.api.app import create_app
from service.catalogue import Catalogue
from service.errors import CatalogueError
from service.review.catalogue import REVIEW_CODE, FiringCase, ReviewCase, load_review_catalogue
from service.review.checks import CHECKS
from service.review.merge import SourceFile
from service.review.reviewer import Reviewer
from service.settings import Settings
from tests.paths import RULES, SERVICE

RULES_ROOT = RULES
REVIEW = load_review_catalogue(RULES_ROOT)
RULES = {rule.id: rule for rule in REVIEW.rules}
CASES = [
    pytest.param(rule_id, kind, case, id=f"{rule_id}-{kind}-{index}-{case.name.replace(' ', '_')}")
    for rule_id, rule in RULES.items()
    for kind, cases in (("fires", rule.data.cases.fires), ("silent", rule.data.cases.silent))
    for index, case in enumerate(cases)
]


@pytest.fixture(scope="module")
def reviewer(advisor: Advisor) -> Reviewer:
    return Reviewer.for_advisor(advisor)


@pytest.mark.parametrize(("rule_id", "kind", "case"), CASES)
def test_rule_case(reviewer: Reviewer, rule_id: str, kind: str, case: ReviewCase) -> None:
    """Each case, reviewed as `POST /v1/reviews` would review it, fires or spares exactly this rule."""
    report = reviewer.review([SourceFile("compose.yaml", case.compose)], case.requirements)
    fired = [f for f in report.findings if f.rule == rule_id]
    if kind == "fires":
        assert fired, f"{rule_id} should fire for:\n{case.compose}\ngot {[f.rule for f in report.findings]}"
        assert isinstance(case, FiringCase)
        lines = [finding.line for finding in fired]
        assert case.line in lines, (
            f"{rule_id} ({case.name}) should point at line {case.line} "
            f"({_line(case.compose, case.line)!r}), points at {lines}"
        )
        for finding in fired:
            assert finding.file == "compose.yaml" and finding.line >= 1 and finding.column >= 1
            assert finding.severity == RULES[rule_id].severity
            assert finding.message and finding.expected and finding.found and finding.fix.description
            assert finding.docs_url == RULES[rule_id].data.source
    else:
        assert not fired, f"{rule_id} should stay silent for:\n{case.compose}\ngot: {fired[0].message}"


def _line(text: str, number: int) -> str:
    lines = text.splitlines()
    return lines[number - 1].strip() if 0 < number <= len(lines) else "past the end"


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule_is_complete(rule_id: str) -> None:
    data = RULES[rule_id].data
    assert REVIEW_CODE.fullmatch(data.id) and data.name and data.summary and data.rationale and data.fix
    assert data.source.startswith("https://"), "every rule cites where its fact comes from"
    assert data.cases.fires and data.cases.silent, "cases of both kinds"


def test_every_rule_has_a_check_and_every_check_a_rule() -> None:
    assert set(RULES) == set(CHECKS), (
        f"rules without a check: {sorted(set(RULES) - set(CHECKS))}; "
        f"checks without a rule: {sorted(set(CHECKS) - set(RULES))}"
    )


def test_selection_rules_named_by_review_rules_exist(catalogue: Catalogue) -> None:
    for rule in REVIEW.rules:
        for code in rule.data.selection_rules:
            assert catalogue.rule(code) is not None, f"{rule.id} names {code}"


def test_codes_are_unique_and_never_reused(catalogue: Catalogue) -> None:
    ids = [rule.id for rule in REVIEW.rules]
    assert len(ids) == len(set(ids))
    assert not {code.id for code in catalogue.retired} & set(ids)


def test_catalogue_doc_documents_every_review_rule() -> None:
    text = (RULES_ROOT / "CATALOGUE.md").read_text()
    for rule_id, rule in RULES.items():
        assert f"### {rule_id}" in text and rule.data.name in text


def test_reviewer_refuses_a_rule_without_a_check(advisor: Advisor, tmp_path: Path) -> None:
    rules = _copy(tmp_path)
    data = yaml.safe_load((rules / "review" / "NR021.yaml").read_text())
    data["id"] = "NR099"
    (rules / "review" / "NR099.yaml").write_text(yaml.safe_dump(data | {"name": "no-check-here"}))
    with pytest.raises(CatalogueError, match=r"without a check.*NR099"):
        Reviewer(advisor, load_review_catalogue(rules))


# --- load-time validation: a broken rule fails when the catalogue loads, never during a review ------------


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(RULES_ROOT, target)
    return target


_FIRES = {"name": "a case", "line": 1, "compose": "services: {}"}
_SILENT = {"name": "a case", "compose": "services: {}"}


def _without(case: dict[str, object], key: str) -> dict[str, object]:
    return {k: v for k, v in case.items() if k != key}


def _rewrite(rules: Path, rule_id: str, **changes: object) -> None:
    path = rules / "review" / f"{rule_id}.yaml"
    data = yaml.safe_load(path.read_text())
    data.update(changes)
    path.write_text(yaml.safe_dump(data))


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"cases": {"fires": [_FIRES], "silent": []}}, "cases.silent"),
        ({"cases": {"fires": [], "silent": [_SILENT]}}, "cases.fires"),
        ({"cases": {"fires": [_FIRES | {"compose": "a: ["}], "silent": [_SILENT]}}, "does not load"),
        (
            {"cases": {"fires": [_FIRES | {"requirements": {"cloud": "amazon"}}], "silent": [_SILENT]}},
            "not valid requirements",
        ),
        ({"cases": {"fires": [_FIRES | {"line": 2}], "silent": [_SILENT]}}, "past the end"),
        ({"cases": {"fires": [_FIRES | {"line": 0}], "silent": [_SILENT]}}, "cases.fires.0.line"),
        ({"cases": {"fires": [_without(_FIRES, "line")], "silent": [_SILENT]}}, "cases.fires.0.line"),
        ({"cases": {"fires": [_without(_FIRES, "name")], "silent": [_SILENT]}}, "cases.fires.0.name"),
        ({"cases": {"fires": [_FIRES], "silent": [_without(_SILENT, "name")]}}, "cases.silent.0.name"),
        ({"cases": {"fires": [_FIRES], "silent": [_SILENT | {"line": 1}]}}, "cases.silent.0.line"),
        ({"cases": {"fires": [_FIRES | {"note": "old"}], "silent": [_SILENT]}}, "cases.fires.0.note"),
        ({"source": "docs.docker.com"}, "https URLs"),
        ({"severity": "critical"}, "severity"),
        ({"name": "Not Kebab"}, "kebab-case"),
        ({"id": "NR999"}, "must match the file name"),
        ({"unknown_key": 1}, "Extra inputs"),
    ],
)
def test_broken_rule_fails_at_load(tmp_path: Path, changes: dict[str, object], expected: str) -> None:
    rules = _copy(tmp_path)
    _rewrite(rules, "NR021", **changes)
    load_review_catalogue.cache_clear()
    with pytest.raises(CatalogueError) as failure:
        load_review_catalogue(rules)
    assert expected in str(failure.value)


def test_retired_code_cannot_come_back(tmp_path: Path) -> None:
    rules = _copy(tmp_path)
    (rules / "RETIRED.yaml").write_text(
        yaml.safe_dump({"retired": [{"id": "NR021", "retired": "2026-11-28", "why": "test"}]})
    )
    with pytest.raises(CatalogueError, match="retired"):
        load_review_catalogue(rules)


def test_duplicate_names_are_refused(tmp_path: Path) -> None:
    rules = _copy(tmp_path)
    _rewrite(rules, "NR021", name=RULES["NR020"].data.name)
    with pytest.raises(CatalogueError, match="unique"):
        load_review_catalogue(rules)


def test_the_review_package_never_imports_fastapi() -> None:
    """The service layer stays usable without the web framework (CLI, chat, tests)."""
    for path in sorted((SERVICE / "review").rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith(("fastapi", "starlette")), f"{path.name} imports {name}"


def test_a_broken_review_rule_fails_app_start_up(tmp_path: Path) -> None:
    """The review rules load with the app, so a broken one stops start-up, naming its file, instead of
    answering the first review with a 500."""
    rules = _copy(tmp_path)
    broken = rules / "review" / "NR021.yaml"
    broken.write_text("id: NR021\nseverity: [\n")
    with pytest.raises(CatalogueError) as failure:
        create_app(Settings(rules_dir=rules))
    assert f"{broken.resolve()}: not valid YAML" in str(failure.value)
