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

from service.i18n import Gettext, english
from service.review.catalogue import ReviewCatalogue, ReviewRule
from service.review.models import Finding, ReviewReport

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
_GITHUB_COMMAND = {"error": "error", "warning": "warning", "info": "notice"}
_ICON = {"error": "🔴", "warning": "🟠", "info": "🔵"}
_SARIF_TEXT_LIMIT = 1024  # GitHub: shortDescription and fullDescription are at most 1024 characters


def render(report: ReviewReport, output: str, catalogue: ReviewCatalogue, gettext: Gettext = english) -> str:
    """The report in `output`; `gettext` is its language (the findings are already written in it)."""
    if output == "json":
        return report.model_dump_json(indent=2) + "\n"
    if output == "sarif":
        return json.dumps(sarif(report, catalogue, gettext), indent=2, ensure_ascii=False) + "\n"
    if output == "github":
        return github(report, gettext)
    if output == "markdown":
        return markdown(report, gettext)
    return text(report, gettext)


# -- text ------------------------------------------------------------------------------------------------


def _counts(report: ReviewReport, _: Gettext = english) -> str:
    s = report.summary
    parts = [
        (_("{count} error") if s.error == 1 else _("{count} errors")).format(count=s.error),
        (_("{count} warning") if s.warning == 1 else _("{count} warnings")).format(count=s.warning),
        _("{count} info").format(count=s.info),
    ]
    if s.suppressed:
        parts.append(_("{count} suppressed").format(count=s.suppressed))
    return _(", ").join(parts)


def _subject(finding: Finding, _: Gettext = english) -> str:
    parts = []
    if finding.service:
        parts.append(_("service {name}").format(name=finding.service))
    if finding.network:
        parts.append(_("network {name}").format(name=finding.network))
    return f" [{_(', ').join(parts)}]" if parts else ""


def text(report: ReviewReport, _: Gettext = english) -> str:
    out: list[str] = []
    for error in report.errors:
        where = _where(error.file, error.line, error.column)
        out.append(f"{where}error {error.code}: {error.message}")
    for finding in report.findings:
        state = (
            _(" (suppressed: {reason})").format(reason=finding.suppressed.reason)
            if finding.suppressed
            else ""
        )
        out.append(
            f"{finding.file}:{finding.line}:{finding.column}: {finding.severity} {finding.rule} "
            f"{finding.name}{_subject(finding, _)}{state}"
        )
        out.append(f"    {finding.message}")
        out.append(_("    expected: {expected}").format(expected=finding.expected))
        out.append(_("    found:    {found}").format(found=finding.found))
        out.append(_("    fix:      {fix}").format(fix=finding.fix.description))
        for command in finding.fix.commands:
            out.append(f"      $ {command.command}")
        if finding.fix.compose:
            out.extend(f"      | {line}" for line in finding.fix.compose.rstrip("\n").splitlines())
        out.append(
            _("    docs:     {url}  (netadvisor explain {rule})").format(
                url=finding.docs_url, rule=finding.rule
            )
        )
    if report.errors:
        out.append(_("review could not run"))
    else:
        files = ", ".join(report.files)
        summary = _("{counts} in {files}") if report.findings else _("no findings in {files}")
        out.append(summary.format(counts=_counts(report, _), files=files))
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


def markdown(report: ReviewReport, _: Gettext = english) -> str:
    out = [_("## netadvisor network review"), ""]
    if report.errors:
        out.append(_("**The review could not run.**"))
        out.append("")
        for error in report.errors:
            out.append(f"- `{error.code}` {_where(error.file, error.line, error.column)}{error.message}")
        return "\n".join(out) + "\n"
    active = [f for f in report.findings if f.suppressed is None]
    suppressed = [f for f in report.findings if f.suppressed is not None]
    files = ", ".join(f"`{name}`" for name in report.files)
    if not report.findings:
        out.append(_("No findings in {files}.").format(files=files))
        return "\n".join(out) + "\n"
    out.append(_("**{counts}** in {files}.").format(counts=_counts(report, _), files=files))
    if not report.requirements_given:
        out.append("")
        out.append(
            _(
                "_No requirements were given (`x-network-requirements` or `--requirements`), so the driver "
                "checks against requirements did not run._"
            )
        )
    if active:
        out += ["", _("| | rule | where | finding |"), "| --- | --- | --- | --- |"]
        for finding in active:
            out.append(
                f"| {_ICON[finding.severity]} {finding.severity} | [{finding.rule}]({finding.docs_url}) "
                f"`{finding.name}` | `{finding.file}:{finding.line}`{_cell(_subject(finding, _))} | "
                f"{_cell(finding.message)} |"
            )
        for finding in active:
            out += _details(finding, _)
    if suppressed:
        out += ["", _("<details><summary>{count} suppressed</summary>").format(count=len(suppressed)), ""]
        for finding in suppressed:
            reason = finding.suppressed.reason if finding.suppressed else ""
            out.append(
                f"- {finding.rule} `{finding.file}:{finding.line}`{_subject(finding, _)}: {finding.message} "
                + _("— suppressed: {reason}").format(reason=reason)
            )
        out += ["", "</details>"]
    return "\n".join(out) + "\n"


def _details(finding: Finding, _: Gettext = english) -> list[str]:
    where = _("### {rule} `{name}` at `{file}:{line}`").format(
        rule=finding.rule, name=finding.name, file=finding.file, line=finding.line
    )
    out = ["", where, "", finding.message, ""]
    out.append(_("- **Expected:** {expected}").format(expected=finding.expected))
    out.append(_("- **Found:** {found}").format(found=finding.found))
    if finding.selection_rules:
        out.append(_("- **Selection rules:** {rules}").format(rules=", ".join(finding.selection_rules)))
    out += ["", _("**Fix:** {fix}").format(fix=finding.fix.description)]
    if finding.fix.compose:
        out += ["", "```yaml", finding.fix.compose.rstrip("\n"), "```"]
    if finding.fix.commands:
        out += ["", "```sh", *(command.command for command in finding.fix.commands), "```"]
    out += [
        "",
        _("Docs: {url} · `netadvisor explain {rule}`").format(url=finding.docs_url, rule=finding.rule),
    ]
    return out


# -- GitHub workflow commands ----------------------------------------------------------------------------


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github(report: ReviewReport, _: Gettext = english) -> str:
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
        title = f"{finding.rule} {finding.name}" + (_(" (suppressed)") if finding.suppressed else "")
        message = finding.message + "\n" + _("Fix: {fix}").format(fix=finding.fix.description)
        if finding.suppressed:
            message += "\n" + _("Suppressed: {reason}").format(reason=finding.suppressed.reason)
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


def sarif(report: ReviewReport, catalogue: ReviewCatalogue, gettext: Gettext = english) -> dict[str, Any]:
    rules = [sarif_rule(rule) for rule in catalogue.rules]
    results = [_sarif_result(finding, catalogue, gettext) for finding in report.findings]
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


def _sarif_result(finding: Finding, catalogue: ReviewCatalogue, _: Gettext = english) -> dict[str, Any]:
    message = _("{message}\nExpected: {expected}. Found: {found}.\nFix: {fix}").format(
        message=finding.message, expected=finding.expected, found=finding.found, fix=finding.fix.description
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
