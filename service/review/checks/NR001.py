"""NR001 driver-excluded-by-requirements: the check; the rule's data is `rules/review/NR001.yaml`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from service.models import Recommendation
from service.review.catalogue import ReviewRule
from service.review.checks._advice import advice, blame_text, service_names, users_text
from service.review.checks._common import Hit, requirement_text
from service.review.context import CAPABILITY_FIELDS, Placement, ReviewContext
from service.review.project import Service


def driver_excluded_by_requirements(ctx: ReviewContext, rule: ReviewRule) -> Iterator[Hit]:
    for placement in ctx.placements:
        rec = ctx.recommend(placement.effective, placement.network, addressing=False)
        used = next(r for r in rec.ranking if r.driver is placement.driver)
        if used.viable:
            continue
        exclusions = [(effect.rule, effect.message) for effect in ctx.effects(used) if effect.excludes]
        blamed = ctx.blamed(exclusions, placement.effective)
        if not blamed:
            continue
        services = _lacking(ctx, placement, rec, blamed)
        if services:
            yield from _excluded_hit(ctx, replace(placement, services=services), blamed)


def _lacking(
    ctx: ReviewContext,
    placement: Placement,
    rec: Recommendation,
    blamed: list[tuple[str, str, dict[str, Any]]],
) -> tuple[Service, ...]:
    """The placement's services that really lack what the blamed rules ask for.

    A capability another of the service's networks provides is not missing (whether that network itself
    fits the environment is its own finding); a constraint binds every network.
    """
    if not all(set(read) <= CAPABILITY_FIELDS for _, _, read in blamed):
        return placement.services
    codes = {code for code, _, _ in blamed}
    excluded = {
        result.driver: {effect.rule for effect in ctx.effects(result) if effect.excludes}
        for result in rec.ranking
    }
    return tuple(
        service
        for service in placement.services
        if not any(not codes & excluded[driver] for driver in ctx.other_drivers(service, placement.network))
    )


def _excluded_hit(
    ctx: ReviewContext, placement: Placement, blamed: list[tuple[str, str, dict[str, Any]]]
) -> Iterator[Hit]:
    fix, pick = advice(ctx, placement)
    values: dict[str, Any] = {}
    for _, _, read in blamed:
        values.update(read)
    _ = ctx._
    why = blame_text(blamed, _)
    pick_text = (
        _(" The advisor recommends {driver}.").format(driver=pick.value)
        if pick
        else _(" No driver meets all of them.")
    )
    names = service_names(placement)
    used = {"what": placement.what, "driver": placement.driver.value, "users": users_text(placement, _)}
    yield Hit(
        mark=placement.mark,
        message=_("{what} uses {driver}{users}, which your requirements rule out: {why}.").format(
            why=why, **used
        )
        + pick_text,
        expected=_("a driver the requirements allow ({driver}, the advisor's pick)").format(driver=pick.value)
        if pick
        else _("requirements some driver can meet"),
        found=_("{driver} with {requirements}").format(
            driver=placement.driver.value, requirements=requirement_text(values)
        ),
        fix=fix,
        service=names[0] if len(names) == 1 else None,
        network=placement.network.name if placement.network else None,
        services=names,
        selection_rules=tuple(rule for rule, _, _ in blamed),
        requirements=values,
        key=f"{placement.driver.value}|{placement.effective.key}",
    )
