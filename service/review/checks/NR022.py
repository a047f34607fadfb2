"""NR022 invalid-suppression: the check; the rule's data is `rules/review/NR022.yaml`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from service.commands import snippet
from service.review.catalogue import REVIEW_CODE, ReviewRule
from service.review.checks._common import Hit
from service.review.context import ReviewContext
from service.review.models import Fix


def invalid_suppression(ctx: ReviewContext, rule: ReviewRule) -> Iterator[Hit]:
    owners: list[tuple[str | None, str | None, list[Any]]] = [
        *((s.name, None, s.ignores) for s in ctx.project.services.values()),
        *((None, n.name, n.ignores) for n in ctx.project.networks.values()),
    ]
    _ = ctx._
    for service, network, ignores in owners:
        for ignore in ignores:
            problem = ignore.problem
            if problem is None and ignore.rule is not None and not REVIEW_CODE.fullmatch(ignore.rule):
                problem = _("names {rule}, which is not a review rule code (NR###)").format(
                    rule=repr(ignore.rule)
                )
            elif problem is None and ignore.rule is not None and ignore.rule not in ctx.review_codes:
                problem = _(
                    "names {rule}, which is not a review rule (`netadvisor explain` lists them)"
                ).format(rule=ignore.rule)
            if problem is None:
                continue
            owner = (
                _("service `{name}`").format(name=service)
                if service
                else _("network `{name}`").format(name=network)
            )
            yield Hit(
                mark=ignore.mark,
                message=_("x-netadvisor-ignore on {owner} {problem}; the entry is not honoured").format(
                    owner=owner, problem=problem
                ),
                expected="{rule: NR###, reason: " + _("why the finding does not apply") + "}",
                found=f"rule: {ignore.rule or '(none)'}, reason: {ignore.reason or '(none)'}",
                fix=Fix(
                    description=_(
                        "Give each entry the rule code and a reason, which reviewers read in the "
                        "report and in code scanning."
                    ),
                    compose=snippet(
                        {"x-netadvisor-ignore": [{"rule": "NR021", "reason": "other projects join it"}]}
                    ),
                ),
                service=service,
                network=network,
                services=(service,) if service else (),
                key=f"{ignore.rule}|{ignore.reason}",
            )
