"""NR002 driver-not-first-for-requirements: the check; the rule's data is `rules/review/NR002.yaml`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from service.models import DriverResult
from service.review.catalogue import ReviewRule
from service.review.checks._advice import advice, blame_text, service_names, users_text
from service.review.checks._common import Hit
from service.review.context import ReviewContext


def driver_not_first_for_requirements(ctx: ReviewContext, rule: ReviewRule) -> Iterator[Hit]:
    for candidate in ctx.placements:
        rec = ctx.recommend(candidate.effective, candidate.network, addressing=False)
        used = next(r for r in rec.ranking if r.driver is candidate.driver)
        if not used.viable or rec.recommendation in (None, candidate.driver):
            continue
        # A service that is also on a network with the advisor's pick already has it.
        services = tuple(
            s for s in candidate.services if rec.recommendation not in ctx.other_drivers(s, candidate.network)
        )
        if not services:
            continue
        placement = replace(candidate, services=services)
        top = rec.ranking[0]
        blamed = ctx.blamed(_deciding(ctx, top, used), placement.effective)
        if not blamed:
            continue
        fix, _ = advice(ctx, placement)
        values: dict[str, Any] = {}
        for _, _, read in blamed:
            values.update(read)
        why = blame_text(blamed, ctx._)
        names = service_names(placement)
        yield Hit(
            mark=placement.mark,
            message=ctx._(
                "{what} uses {driver}{users} (score {score}), but for your requirements the advisor ranks "
                "{top} first (score {top_score}): {why}"
            ).format(
                what=placement.what,
                driver=placement.driver.value,
                users=users_text(placement, ctx._),
                score=used.score,
                top=top.driver.value,
                top_score=top.score,
                why=why,
            ),
            expected=ctx._("{driver}, the advisor's first choice").format(driver=top.driver.value),
            found=ctx._("{driver} (rank {rank})").format(driver=placement.driver.value, rank=used.rank),
            fix=fix,
            service=names[0] if len(names) == 1 else None,
            network=placement.network.name if placement.network else None,
            services=names,
            selection_rules=tuple(dict.fromkeys(rule for rule, _, _ in blamed)),
            requirements=values,
            key=f"{placement.driver.value}|{placement.effective.key}",
        )


def _deciding(ctx: ReviewContext, top: DriverResult, used: DriverResult) -> list[tuple[str, str]]:
    """What separates the two, as (rule, message): the top driver's gains the used one did not get, and
    the used one's losses the top one did not get."""
    top_effects, used_effects = ctx.effects(top), ctx.effects(used)
    top_ids = {effect.identity for effect in top_effects}
    used_ids = {effect.identity for effect in used_effects}
    deciding = [(e.rule, e.message) for e in top_effects if e.gains and e.identity not in used_ids]
    deciding += [(e.rule, e.message) for e in used_effects if e.loses and e.identity not in top_ids]
    return deciding
