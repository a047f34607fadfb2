"""A review report as text (terminal), Markdown (PR comment), GitHub workflow annotations, or SARIF 2.1.0.

SARIF carries what GitHub code scanning reads: `tool.driver.rules` with id, name, short and full
description, help text and Markdown, helpUri and default level; results with ruleId, ruleIndex, level,
message, a physical location (repo-relative URI, start line and column) and a `primaryLocationLineHash`
partial fingerprint that stays the same when lines move. Suppressed findings stay in the log with an
`inSource` suppression and its justification, so code scanning shows them as dismissed, not missing.
"""

from __future__ import annotations

import json
from typing import Any

from service.review.catalogue import ReviewCatalogue, ReviewRule
from service.review.models import Finding, ReviewReport

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
_GITHUB_COMMAND = {"error": "error", "warning": "warning", "info": "notice"}
_ICON = {"error": "🔴", "warning": "🟠", "info": "🔵"}
_SARIF_TEXT_LIMIT = 1024  # GitHub: shortDescription and fullDescription are at most 1024 characters


def render(report: ReviewReport, output: str, catalogue: ReviewCatalogue) -> str:
    if output == "json":
        return report.model_dump_json(indent=2) + "\n"
    if output == "sarif":
        return json.dumps(sarif(report, catalogue), indent=2, ensure_ascii=False) + "\n"
    if output == "github":
        return github(report)
    if output == "markdown":
        return markdown(report)
    return text(report)


# -- text ------------------------------------------------------------------------------------------------


def _counts(report: ReviewReport) -> str:
    s = report.summary
    parts = [
        f"{s.error} error{'s' * (s.error != 1)}",
        f"{s.warning} warning{'s' * (s.warning != 1)}",
        f"{s.info} info",
    ]
    if s.suppressed:
        parts.append(f"{s.suppressed} suppressed")
    return ", ".join(parts)


def _subject(finding: Finding) -> str:
    parts = []
    if finding.service:
        parts.append(f"service {finding.service}")
    if finding.network:
        parts.append(f"network {finding.network}")
    return f" [{', '.join(parts)}]" if parts else ""


def text(report: ReviewReport) -> str:
    out: list[str] = []
    for error in report.errors:
        where = _where(error.file, error.line, error.column)
        out.append(f"{where}error {error.code}: {error.message}")
    for finding in report.findings:
        state = " (suppressed: " + finding.suppressed.reason + ")" if finding.suppressed else ""
        out.append(
            f"{finding.file}:{finding.line}:{finding.column}: {finding.severity} {finding.rule} "
            f"{finding.name}{_subject(finding)}{state}"
        )
        out.append(f"    {finding.message}")
        out.append(f"    expected: {finding.expected}")
        out.append(f"    found:    {finding.found}")
        out.append(f"    fix:      {finding.fix.description}")
        for command in finding.fix.commands:
            out.append(f"      $ {command.command}")
        if finding.fix.compose:
            out.extend(f"      | {line}" for line in finding.fix.compose.rstrip("\n").splitlines())
        out.append(f"    docs:     {finding.docs_url}  (netadvisor explain {finding.rule})")
    if report.errors:
        out.append("review could not run")
    else:
        files = ", ".join(report.files)
        out.append(f"{_counts(report)} in {files}" if report.findings else f"no findings in {files}")
    return "\n".join(out) + "\n"


def _where(file: str | None, line: int | None, column: int | None) -> str:
    if file is None:
        return ""
    if line is None:
        return f"{file}: "
    return f"{file}:{line}:{column or 1}: "


# -- Markdown (PR comments) ------------------------------------------------------------------------------


def _cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def markdown(report: ReviewReport) -> str:
    out = ["## netadvisor network review", ""]
    if report.errors:
        out.append("**The review could not run.**")
        out.append("")
        for error in report.errors:
            out.append(f"- `{error.code}` {_where(error.file, error.line, error.column)}{error.message}")
        return "\n".join(out) + "\n"
    active = [f for f in report.findings if f.suppressed is None]
    suppressed = [f for f in report.findings if f.suppressed is not None]
    if not report.findings:
        out.append(f"No findings in {', '.join(f'`{name}`' for name in report.files)}.")
        return "\n".join(out) + "\n"
    out.append(f"**{_counts(report)}** in {', '.join(f'`{name}`' for name in report.files)}.")
    if not report.requirements_given:
        out.append("")
        out.append(
            "_No requirements were given (`x-network-requirements` or `--requirements`), so the driver "
            "checks against requirements did not run._"
        )
    if active:
        out += ["", "| | rule | where | finding |", "| --- | --- | --- | --- |"]
        for finding in active:
            out.append(
                f"| {_ICON[finding.severity]} {finding.severity} | [{finding.rule}]({finding.docs_url}) "
                f"`{finding.name}` | `{finding.file}:{finding.line}`{_cell(_subject(finding))} | "
                f"{_cell(finding.message)} |"
            )
        for finding in active:
            out += _details(finding)
    if suppressed:
        out += ["", f"<details><summary>{len(suppressed)} suppressed</summary>", ""]
        for finding in suppressed:
            reason = finding.suppressed.reason if finding.suppressed else ""
            out.append(
                f"- {finding.rule} `{finding.file}:{finding.line}`{_subject(finding)}: {finding.message} "
                f"— suppressed: {reason}"
            )
        out += ["", "</details>"]
    return "\n".join(out) + "\n"


def _details(finding: Finding) -> list[str]:
    out = [
        "",
        f"### {finding.rule} `{finding.name}` at `{finding.file}:{finding.line}`",
        "",
        finding.message,
        "",
    ]
    out.append(f"- **Expected:** {finding.expected}")
    out.append(f"- **Found:** {finding.found}")
    if finding.selection_rules:
        out.append(f"- **Selection rules:** {', '.join(finding.selection_rules)}")
    out += ["", f"**Fix:** {finding.fix.description}"]
    if finding.fix.compose:
        out += ["", "```yaml", finding.fix.compose.rstrip("\n"), "```"]
    if finding.fix.commands:
        out += ["", "```sh", *(command.command for command in finding.fix.commands), "```"]
    out += ["", f"Docs: {finding.docs_url} · `netadvisor explain {finding.rule}`"]
    return out


# -- GitHub workflow commands ----------------------------------------------------------------------------


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github(report: ReviewReport) -> str:
    """`::error file=…,line=…,col=…,title=…::message`; suppressed findings as notices that say so."""
    out = []
    for error in report.errors:
        props = [f"title={_escape_property('netadvisor: ' + error.code)}"]
        if error.file:
            props.insert(0, f"file={_escape_property(error.file)}")
            if error.line:
                props.insert(1, f"line={error.line},col={error.column or 1}")
        out.append(f"::error {','.join(props)}::{_escape_data(error.message)}")
    for finding in report.findings:
        command = "notice" if finding.suppressed else _GITHUB_COMMAND[finding.severity]
        title = f"{finding.rule} {finding.name}" + (" (suppressed)" if finding.suppressed else "")
        message = f"{finding.message}\nFix: {finding.fix.description}"
        if finding.suppressed:
            message += f"\nSuppressed: {finding.suppressed.reason}"
        where = (
            f"file={_escape_property(finding.file)},line={finding.line},col={finding.column},"
            f"title={_escape_property(title)}"
        )
        out.append(f"::{command} {where}::{_escape_data(message)}")
    return "\n".join(out) + ("\n" if out else "")


# -- SARIF 2.1.0 -----------------------------------------------------------------------------------------


def _trim(value: str, limit: int = _SARIF_TEXT_LIMIT) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def _rule_help(rule: ReviewRule) -> tuple[str, str]:
    data = rule.data
    text_parts = [data.summary, "", data.rationale.strip(), "", f"Fix: {data.fix}"]
    if data.known_problems:
        text_parts += ["", f"Known problems: {data.known_problems.strip()}"]
    text_parts += ["", f"Source: {data.source}"]
    md = [f"**{data.summary}**", "", data.rationale.strip(), "", f"**Fix:** {data.fix}"]
    if data.known_problems:
        md += ["", f"**Known problems:** {data.known_problems.strip()}"]
    md += ["", f"Source: <{data.source}>"] + [f"- <{url}>" for url in data.references]
    return "\n".join(text_parts), "\n".join(md)


def sarif_rule(rule: ReviewRule) -> dict[str, Any]:
    help_text, help_markdown = _rule_help(rule)
    return {
        "id": rule.id,
        "name": rule.data.name,
        "shortDescription": {"text": _trim(rule.data.summary)},
        "fullDescription": {"text": _trim(rule.data.rationale)},
        "help": {"text": help_text, "markdown": help_markdown},
        "helpUri": rule.data.source,
        "defaultConfiguration": {"level": _SARIF_LEVEL[rule.severity]},
        "properties": {"tags": ["docker", "network", "compose"], "precision": "high"},
    }


def sarif(report: ReviewReport, catalogue: ReviewCatalogue) -> dict[str, Any]:
    rules = [sarif_rule(rule) for rule in catalogue.rules]
    results = [_sarif_result(finding, catalogue) for finding in report.findings]
    notifications = [
        {
            "level": "error",
            "message": {"text": error.message},
            "descriptor": {"id": error.code},
            **(
                {"locations": [_location(error.file, error.line or 1, error.column or 1)]}
                if error.file
                else {}
            ),
        }
        for error in report.errors
    ]
    artifacts = [{"location": {"uri": name}} for name in report.files]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": report.tool.name,
                "version": report.tool.version,
                "semanticVersion": report.tool.version,
                "informationUri": report.tool.information_uri,
                "rules": rules,
                "properties": {
                    "catalogueVersion": report.tool.catalogue_version,
                    "reviewCatalogueVersion": report.tool.review_catalogue_version,
                },
            }
        },
        "automationDetails": {"id": "netadvisor/review/"},
        "invocations": [
            {"executionSuccessful": not report.errors, "toolExecutionNotifications": notifications}
        ],
        "results": results,
        "columnKind": "unicodeCodePoints",
    }
    if artifacts:
        run["artifacts"] = artifacts
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def _location(file: str, line: int, column: int) -> dict[str, Any]:
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": file},
            "region": {"startLine": line, "startColumn": column},
        }
    }


def _sarif_result(finding: Finding, catalogue: ReviewCatalogue) -> dict[str, Any]:
    message = (
        f"{finding.message}\nExpected: {finding.expected}. Found: {finding.found}.\n"
        f"Fix: {finding.fix.description}"
    )
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": catalogue.index[finding.rule],
        "level": _SARIF_LEVEL[finding.severity],
        "message": {"text": message},
        "locations": [_location(finding.file, finding.line, finding.column)],
        "partialFingerprints": {"primaryLocationLineHash": finding.fingerprint},
        "properties": {
            "service": finding.service,
            "network": finding.network,
            "services": finding.services,
            "selectionRules": finding.selection_rules,
            "requirements": finding.requirements,
            "fixCompose": finding.fix.compose,
            "fixCommands": [command.command for command in finding.fix.commands],
        },
    }
    if finding.suppressed is not None:
        result["suppressions"] = [
            {
                "kind": "inSource",
                "status": "accepted",
                "justification": finding.suppressed.reason,
                "location": _location(
                    finding.suppressed.file, finding.suppressed.line, finding.suppressed.column
                ),
            }
        ]
    return result
