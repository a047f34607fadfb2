"""Documentation of review rules: the `Review rules` part of `rules/CATALOGUE.md` and `netadvisor explain`.

Same fixed sections as the selection rules (what it does, why, known problems, example, fix, references),
so one grep for a code finds its YAML, its docs and its test cases.
"""

from __future__ import annotations

import json
from pathlib import Path

from service.catalogue import Catalogue, SelectionRule
from service.errors import NotFound
from service.i18n import DEFAULT_LANGUAGE
from service.review.catalogue import ReviewCase, ReviewRule, load_review_catalogue, review_rules_dir


def render_review_rules(rules_root: Path) -> list[str]:
    """The Markdown lines of the review-rule section (empty when the catalogue has no `review/` folder)."""
    if not review_rules_dir(rules_root).is_dir():
        return []
    catalogue = load_review_catalogue(rules_root)
    out = [
        "",
        "## Review rules",
        "",
        f"{len(catalogue.rules)} review rules check Compose files (`netadvisor review`, `POST /v1/reviews`).",
        "A code is its file name (`rules/review/NR001.yaml`), its check in `service/review/checks/NR001.py`",
        "and its test ID (`pytest -k NR001`); `netadvisor explain NR001` prints its section. Rules marked",
        "*requirements* run only when requirements are given.",
        "",
        "| code | name | severity | summary |",
        "| --- | --- | --- | --- |",
    ]
    for rule in catalogue.rules:
        needs = " (*requirements*)" if rule.data.needs_requirements else ""
        link = f"[{rule.id}](#{rule.id.lower()})"
        out.append(f"| {link} | {rule.data.name} | {rule.severity}{needs} | {rule.data.summary} |")
    for rule in catalogue.rules:
        out += ["", *review_rule_markdown(rule, level=3)]
    return out


def _case(case: ReviewCase) -> list[str]:
    out = [f"_{case.name}_", "", "```yaml", case.compose.rstrip("\n"), "```"]
    if case.requirements is not None:
        out += ["", f"with requirements `{json.dumps(case.requirements, sort_keys=True)}`"]
    return out


def review_rule_markdown(rule: ReviewRule, level: int = 3) -> list[str]:
    data = rule.data
    head = "#" * level
    sub = "#" * (level + 1)
    out = [
        f"{head} {rule.id}",
        "",
        f"**{data.name}** ({data.severity}): {data.summary}",
        "",
        f"{sub} Why",
        "",
    ]
    out.append(data.rationale.strip())
    if data.needs_requirements:
        out += [
            "",
            "Runs only when requirements are given (`x-network-requirements`, `--requirements`, or the "
            "request body).",
        ]
    if data.selection_rules:
        out += ["", f"Uses selection rules: {', '.join(data.selection_rules)}."]
    if data.known_problems:
        out += ["", f"{sub} Known problems", "", data.known_problems.strip()]
    out += ["", f"{sub} Example", "", "Fires for:", ""]
    for firing in data.cases.fires:
        out += [*_case(firing), ""]
    out += ["Silent for:", ""]
    for index, case in enumerate(data.cases.silent):
        out += _case(case)
        if index < len(data.cases.silent) - 1:
            out.append("")
    out += ["", f"{sub} Fix", "", data.fix.strip(), "", f"{sub} References", "", f"- {data.source}"]
    out += [f"- {url}" for url in data.references]
    return out


def review_rule_text(rule: ReviewRule) -> str:
    data = rule.data
    out = [f"{rule.id} {data.name} ({data.severity})", "", data.summary, "", data.rationale.strip()]
    if data.known_problems:
        out += ["", "Known problems: " + data.known_problems.strip()]
    out += ["", "Fix: " + data.fix.strip()]
    if data.needs_requirements:
        out += ["", "Runs only when requirements are given."]
    if data.selection_rules:
        out += ["", "Uses selection rules: " + ", ".join(data.selection_rules)]
    out += ["", "Fires for:"]
    for firing in data.cases.fires:
        out += _indented(firing)
    out += ["Silent for:"]
    for case in data.cases.silent:
        out += _indented(case)
    out += ["Source: " + data.source, *("  " + url for url in data.references)]
    return "\n".join(out) + "\n"


def _indented(case: ReviewCase) -> list[str]:
    out = [f"  # {case.name}"]
    out += ["  " + line for line in case.compose.rstrip("\n").splitlines()]
    if case.requirements is not None:
        out.append(f"  # with requirements {json.dumps(case.requirements, sort_keys=True)}")
    out.append("")
    return out


def selection_rule_text(rule: SelectionRule, markdown: bool) -> str:
    from service.docs.conditions import condition_text

    data = rule.data
    effects = data.effects
    what = []
    if effects.exclude:
        what.append("excludes " + ", ".join(d.value for d in effects.exclude))
    if effects.score:
        what.append("scores " + ", ".join(f"{d.value} {delta:+d}" for d, delta in effects.score.items()))
    if effects.warn:
        what.append("warns on " + ", ".join(d.value for d in effects.warn))
    if markdown:
        out = [f"### {rule.id}", "", f"**{data.name}**: {data.summary}", ""]
        out += [f"When {condition_text(data.when)}, it {'; '.join(what) or 'adds prerequisites'}.", ""]
        out += [data.rationale.strip()]
        if data.known_problems:
            out += ["", f"Known problems: {data.known_problems.strip()}"]
        if data.instead:
            out += ["", f"Instead: {data.instead.strip()}"]
        out += ["", f"- {data.source}", *(f"- {url}" for url in data.references)]
        return "\n".join(out) + "\n"
    out = [
        f"{rule.id} {data.name}",
        "",
        data.summary,
        "",
        f"When {condition_text(data.when).replace('`', '')}, it {'; '.join(what) or 'adds prerequisites'}.",
        "",
        data.rationale.strip(),
    ]
    if data.known_problems:
        out += ["", "Known problems: " + data.known_problems.strip()]
    if data.instead:
        out += ["", "Instead: " + data.instead.strip()]
    out += ["", "Source: " + data.source, *("  " + url for url in data.references)]
    return "\n".join(out) + "\n"


def explain(code: str, catalogue: Catalogue, output: str = "text") -> str:
    """A rule's documentation, review (NR###) or selection (NA###); NotFound for anything else.

    A localized selection catalogue (`Advisor.catalogue_for`) gives the rules' summaries, messages and
    fixes in its language; the rationale quotes Docker's documentation and stays as written."""
    code = code.strip().upper()
    review = load_review_catalogue(catalogue.root)
    if catalogue.language != DEFAULT_LANGUAGE:
        review = review.localized(catalogue.gettext)
    rule = review.rule(code)
    if rule is not None:
        if output == "json":
            return rule.data.model_dump_json(indent=2) + "\n"
        if output == "markdown":
            return "\n".join(review_rule_markdown(rule, level=2)) + "\n"
        return review_rule_text(rule)
    selection = catalogue.rule(code)
    if selection is not None:
        if output == "json":
            return selection.data.model_dump_json(indent=2) + "\n"
        return selection_rule_text(selection, output == "markdown")
    raise NotFound(
        f"no rule {code!r}: review rules are NR001-NR{len(review.rules):03d}, selection rules NA### "
        "(`netadvisor rules` lists them)",
        {"rule": code},
    )
