"""The report in every format: SARIF 2.1.0 for code scanning (checked against the OASIS schema), GitHub
annotations, Markdown for PR comments, and the JSON envelope. Fix snippets are valid Compose."""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema
import pytest
import yaml

from service.advisor import Advisor
from service.review.errors import InvalidCompose
from service.review.merge import SourceFile
from service.review.models import ReviewReport
from service.review.render import github, markdown, sarif, text
from service.review.reviewer import Reviewer
from tests.paths import SCHEMAS
from tests.review.test_checks import SHOP, SUPPRESSED


@pytest.fixture(scope="module")
def sarif_validator() -> Any:
    schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text())
    return jsonschema.Draft4Validator(schema)


@pytest.fixture(scope="module")
def reviewer(advisor: Advisor) -> Reviewer:
    return Reviewer.for_advisor(advisor)


@pytest.fixture(scope="module")
def shop(reviewer: Reviewer) -> ReviewReport:
    return reviewer.review([SourceFile("deploy/compose.yaml", SHOP)])


@pytest.fixture(scope="module")
def suppressed(reviewer: Reviewer) -> ReviewReport:
    return reviewer.review([SourceFile("compose.yaml", SUPPRESSED)])


def _valid(validator: Any, document: dict[str, Any]) -> None:
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


def test_sarif_validates_and_carries_what_code_scanning_needs(
    sarif_validator: Any, reviewer: Reviewer, shop: ReviewReport
) -> None:
    log = sarif(shop, reviewer.rules)
    _valid(sarif_validator, log)
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-schema-2.1.0.json")
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "netadvisor" and driver["version"]
    rules = driver["rules"]
    assert [rule["id"] for rule in rules] == [rule.id for rule in reviewer.rules.rules]
    for rule in rules:
        assert rule["name"] and rule["helpUri"].startswith("https://")
        assert 0 < len(rule["shortDescription"]["text"]) <= 1024
        assert 0 < len(rule["fullDescription"]["text"]) <= 1024
        assert rule["help"]["text"] and rule["help"]["markdown"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
    assert [r["ruleId"] for r in run["results"]] == ["NR003", "NR011", "NR001"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] == "error" and result["message"]["text"]
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"]["uri"] == "deploy/compose.yaml", "a repository-relative path"
        assert physical["region"]["startLine"] >= 1 and physical["region"]["startColumn"] >= 1
        assert re.fullmatch(r"[0-9a-f]{32}:1", result["partialFingerprints"]["primaryLocationLineHash"])
    assert [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in run["results"]] == [
        8,
        15,
        18,
    ]
    assert run["invocations"][0]["executionSuccessful"] is True


def test_sarif_fingerprints_are_stable_across_runs(reviewer: Reviewer, shop: ReviewReport) -> None:
    again = reviewer.review([SourceFile("deploy/compose.yaml", "\n\n" + SHOP)])
    first = [r["partialFingerprints"] for r in sarif(shop, reviewer.rules)["runs"][0]["results"]]
    second = [r["partialFingerprints"] for r in sarif(again, reviewer.rules)["runs"][0]["results"]]
    assert first == second


def test_sarif_keeps_suppressed_results_with_their_justification(
    sarif_validator: Any, reviewer: Reviewer, suppressed: ReviewReport
) -> None:
    log = sarif(suppressed, reviewer.rules)
    _valid(sarif_validator, log)
    results = {r["ruleId"]: r for r in log["runs"][0]["results"]}
    (suppression,) = results["NR003"]["suppressions"]
    assert suppression["kind"] == "inSource" and suppression["status"] == "accepted"
    assert suppression["justification"].startswith("the ports document")
    assert "suppressions" not in results["NR021"], "a suppression without a reason suppresses nothing"
    assert results["NR022"]["level"] == "error"


def test_sarif_of_a_review_that_could_not_run_is_valid_and_says_why(
    sarif_validator: Any, reviewer: Reviewer
) -> None:
    with pytest.raises(InvalidCompose) as failure:
        reviewer.review([SourceFile("compose.yaml", "services: [\n")])
    report = reviewer.failed_report(failure.value, ["compose.yaml"])
    log = sarif(report, reviewer.rules)
    _valid(sarif_validator, log)
    (invocation,) = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    (note,) = invocation["toolExecutionNotifications"]
    assert note["level"] == "error" and note["descriptor"]["id"] == "invalid_compose"
    assert note["locations"][0]["physicalLocation"]["region"]["startLine"] == 2
    assert log["runs"][0]["results"] == []


def test_github_annotations(shop: ReviewReport, suppressed: ReviewReport) -> None:
    lines = github(shop).splitlines()
    assert lines[0].startswith(
        "::error file=deploy/compose.yaml,line=8,col=5,title=NR003 host-network-with-ports::"
    )
    assert len(lines) == 3 and all("\n" not in line for line in lines)
    assert "%0AFix: " in lines[0]
    notice = next(line for line in github(suppressed).splitlines() if "NR003" in line)
    assert notice.startswith("::notice ") and "(suppressed)" in notice and "Suppressed: the ports" in notice


def test_github_annotation_escaping(reviewer: Reviewer) -> None:
    report = reviewer.review([SourceFile("dir,with:odd%name.yaml", "networks:\n  spare: {}\n")])
    (line,) = github(report).splitlines()
    assert line.startswith("::notice file=dir%2Cwith%3Aodd%25name.yaml,line=2,col=3,")


def test_markdown_for_a_pull_request(shop: ReviewReport, suppressed: ReviewReport) -> None:
    md = markdown(shop)
    assert "**3 errors, 0 warnings, 0 info**" in md
    assert "| 🔴 error | [NR001](https://docs.docker.com/engine/network/drivers/)" in md
    assert "```sh\ndocker network create --driver bridge lan\n```" in md
    assert "### NR011 `static-address-outside-subnet` at `deploy/compose.yaml:15`" in md
    md = markdown(suppressed)
    assert "<details><summary>1 suppressed</summary>" in md and "suppressed: the ports document" in md


def test_text_output_points_at_file_line_and_column(shop: ReviewReport) -> None:
    out = text(shop)
    assert (
        out.splitlines()[0] == "deploy/compose.yaml:8:5: error NR003 host-network-with-ports [service proxy]"
    )
    assert out.rstrip().endswith("3 errors, 0 warnings, 0 info in deploy/compose.yaml")


def test_json_envelope(shop: ReviewReport) -> None:
    data = json.loads(shop.model_dump_json())
    assert data["schema_version"] == "1"
    assert data["tool"]["name"] == "netadvisor" and data["tool"]["version"]
    assert data["summary"] == {"error": 3, "warning": 0, "info": 0, "suppressed": 0, "total": 3}
    assert data["errors"] == []
    finding = data["findings"][0]
    assert set(finding) >= {
        "rule", "severity", "file", "line", "column", "service", "network", "message", "expected", "found",
        "fix", "docs_url", "fingerprint", "suppressed",
    }  # fmt: skip


def test_every_fix_snippet_is_valid_compose(reviewer: Reviewer, compose_validator: Any) -> None:
    """The Compose change each finding proposes validates against the Compose specification's schema."""
    snippets = 0
    for rule in reviewer.rules.rules:
        for case in rule.data.cases.fires:
            report = reviewer.review([SourceFile("compose.yaml", case.compose)], case.requirements)
            for finding in report.findings:
                if finding.fix.compose:
                    document = yaml.safe_load(finding.fix.compose)
                    errors = list(compose_validator.iter_errors(document))
                    assert not errors, f"{finding.rule}: {errors[0].message}\n{finding.fix.compose}"
                    snippets += 1
    assert snippets >= 15
