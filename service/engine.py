"""The advisor engine: requirements in, the platform's drivers ranked with reasons, warnings and commands out.

Pure and deterministic: no I/O, no clock, no FastAPI. The same request and catalogue always give the same
answer, which is what lets chat, review and HTTP share it and lets tests compare answers exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from service.catalogue import Catalogue, SelectionRule
from service.command_memo import commands_for
from service.commands import AssumptionLog
from service.facts import Facts, derive_facts, requirement_fields
from service.i18n import Gettext
from service.models import (
    MULTICAST_FROM_BOOL,
    Driver,
    Recommendation,
    RecommendationRequest,
    Requirements,
)


@dataclass(slots=True)
class DriverState:
    """A driver's standing while rules apply; plain tuples here, response models only at the end."""

    driver: Driver
    score: int
    reasons: list[tuple[str, str, str]] = field(default_factory=list)  # (rule, effect, message)
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (rule, message)
    exclusions: list[tuple[SelectionRule, str]] = field(default_factory=list)
    prerequisites: list[tuple[str, list[str]]] = field(default_factory=list)

    @property
    def viable(self) -> bool:
        return not self.exclusions

    @property
    def clamped(self) -> int:
        """The reported score: 0-100 for viable drivers; an excluded driver scores 0 whatever rules added."""
        return max(0, min(100, self.score)) if not self.exclusions else 0


def evaluate(catalogue: Catalogue, facts: Facts) -> list[DriverState]:
    """Apply every rule whose condition holds; return the drivers ranked (viable first, then by score)."""
    # Only the platform's drivers are ranked: Windows answers add nat, transparent, l2bridge, l2tunnel.
    scope = catalogue.scope(facts["platform"])
    states = {driver: DriverState(driver, catalogue.drivers[driver].base_score) for driver in scope.drivers}
    for holds, rule in catalogue.conditions:
        if not holds(facts):
            continue
        for effect in rule.effects:
            state = states.get(effect.driver)
            if state is None:  # a driver this platform's answers do not rank
                continue
            message = effect.template.format_map(facts) if effect.needs_format else effect.template
            if effect.kind == "warn":
                state.warnings.append((rule.id, message))
                continue
            if effect.kind == "exclude":
                state.exclusions.append((rule, message))
            else:
                state.score += effect.delta
            state.reasons.append((rule.id, effect.label, message))
        for prerequisite in rule.data.effects.prerequisites:
            if (target := states.get(prerequisite.driver)) is not None:
                target.prerequisites.append((prerequisite.description, prerequisite.argv))
    order = scope.order
    return sorted(states.values(), key=lambda s: (not s.viable, -s.clamped, order[s.driver]))


def recommend(catalogue: Catalogue, request: RecommendationRequest) -> Recommendation:
    """The answer as the typed, validated `Recommendation` model."""
    return Recommendation.model_validate(recommend_data(catalogue, request))


def recommend_data(catalogue: Catalogue, request: RecommendationRequest) -> dict[str, Any]:
    """The answer as plain JSON-shaped data, exactly what `Recommendation` validates.

    The HTTP layer serialises this directly (orjson): validating and re-serialising the model would cost
    more than computing the answer. Tests pin both paths to the same JSON.
    """
    facts = derive_facts(request.requirements, request.deployment)
    ranked = evaluate(catalogue, facts)
    top = ranked[0] if ranked[0].viable else None
    log = AssumptionLog()
    preference = catalogue.scope(facts["platform"]).preference
    results = [
        {
            "driver": state.driver.value,
            "rank": rank,
            "score": state.clamped,
            "viable": state.viable,
            "summary": _summary(state, top, catalogue, preference),
            "reasons": [{"rule": r, "effect": e, "message": m} for r, e, m in state.reasons],
            "warnings": [{"rule": r, "message": m} for r, m in state.warnings],
            "commands": commands_for(state.driver, request, log, state.prerequisites, catalogue.language)
            if state.viable
            else None,
        }
        for rank, state in enumerate(ranked, start=1)
    ]
    conflicts: list[dict[str, Any]] = []
    relaxations: list[dict[str, Any]] = []
    compromise = None
    if top is None:
        conflicts = [_conflict(state, facts) for state in ranked]
        relaxations = _relaxations(catalogue, request, ranked)
        compromise = _compromise(catalogue, request, ranked, facts, log)
    _record_multicast_bool(request.requirements, log, ranked, catalogue.gettext)
    return {
        "recommendation": top.driver.value if top else None,
        "ranking": results,
        "conflicts": conflicts,
        "relaxations": relaxations,
        "compromise": compromise,
        "assumptions": log.items(),
        "catalogue_version": catalogue.version,
    }


def _record_multicast_bool(
    requirements: Requirements, log: AssumptionLog, ranked: list[DriverState], gettext: Gettext
) -> None:
    given = requirements.multicast_bool
    if given is None:
        return
    value = MULTICAST_FROM_BOOL[given].value
    note = gettext(
        "`multicast: {given}` was read as `{value}` (true = lan, false = none); say "
        "`containers` if only containers on Docker networks must hear each other"
    ).format(given=str(given).lower(), value=value)
    for state in ranked:
        log.record("multicast", value, note, state.driver)


def _compromise(
    catalogue: Catalogue,
    request: RecommendationRequest,
    ranked: list[DriverState],
    facts: Facts,
    log: AssumptionLog,
) -> dict[str, Any] | None:
    """The excluded driver whose every exclusion can be made up for, cheapest first, then by preference.

    Each exclusion rule may carry `compromise: {cost, make_up: {driver: text}, commands_with}`; a driver
    excluded by a rule without a make-up for it is no compromise. Cost is the sum of the rules' costs.
    """
    candidates: list[tuple[int, int, DriverState]] = []
    for state in ranked:
        specs = [rule.data.compromise for rule, _ in state.exclusions]
        if all(spec is not None and state.driver in spec.make_up for spec in specs):
            cost = sum(spec.cost for spec in specs if spec is not None)
            candidates.append((cost, catalogue.scope(facts["platform"]).order[state.driver], state))
    if not candidates:
        return None
    cost, _, chosen = min(candidates, key=lambda item: item[:2])
    overrides: dict[str, Any] = {}
    gives_up = []
    for rule, message in chosen.exclusions:
        spec = rule.data.compromise
        assert spec is not None
        overrides |= spec.commands_with
        gives_up.append(
            {
                "rule": rule.id,
                "requirements": {name: facts[name] for name in rule.condition.facts},
                "message": message,
                "make_up": spec.make_up[chosen.driver],
            }
        )
    adjusted = request
    if overrides:
        requirements = Requirements.model_validate({**request.requirements.model_dump(), **overrides})
        adjusted = request.model_copy(update={"requirements": requirements})
    commands = commands_for(chosen.driver, adjusted, log, chosen.prerequisites, catalogue.language)
    return {"driver": chosen.driver.value, "cost": cost, "gives_up": gives_up, "commands": commands}


def _summary(
    state: DriverState, top: DriverState | None, catalogue: Catalogue, preference: tuple[Driver, ...]
) -> str:
    # The catalogue's gettext: its language's templates, formatted after translation.
    _ = catalogue.gettext
    if not state.viable:
        rule, message = state.exclusions[0]
        if len(state.exclusions) > 1:
            return _("Excluded by {rule}: {message} (and {more} more rules)").format(
                rule=rule.id, message=message, more=len(state.exclusions) - 1
            )
        return _("Excluded by {rule}: {message}").format(rule=rule.id, message=message)
    if top is not None and state is top:
        best = _strongest(state, "+")
        if best is not None:
            return _("Recommended ({rule}): {message}").format(rule=best[0], message=best[1])
        return _("Recommended: no requirement rules it out and it has the highest base score.")
    assert top is not None
    return _behind(state, top, catalogue, preference)


def _strongest(state: DriverState, sign: str) -> tuple[str, str] | None:
    """The (rule, message) of the largest score change of this sign, if any rule moved the score so."""
    moves = [
        (abs(int(effect)), rule, message) for rule, effect, message in state.reasons if effect[0] == sign
    ]
    if not moves:
        return None
    _size, rule_id, message = max(moves, key=lambda item: item[0])
    return rule_id, message


def _behind(
    state: DriverState, top: DriverState, catalogue: Catalogue, preference: tuple[Driver, ...]
) -> str:
    """Why a viable driver is not the recommendation."""
    _ = catalogue.gettext
    scores = {"score": state.clamped, "top": top.driver.value, "top_score": top.clamped}
    if state.clamped == top.clamped:
        order = " > ".join(driver.value for driver in preference)
        return _(
            "Viable and scores {score}, like {top}; the tie goes to "
            "{top} by the preference order in rules/drivers.yaml ({order})."
        ).format(order=order, **scores)
    worst = _strongest(state, "-")
    if worst is not None:
        return _("Viable but scores {score} against {top_score} for {top}; {rule}: {message}").format(
            rule=worst[0], message=worst[1], **scores
        )
    best = _strongest(top, "+")
    if best is not None:
        return _(
            "Viable but scores {score} against {top_score} for {top}, which {rule} favours: {message}"
        ).format(rule=best[0], message=best[1], **scores)
    return _(
        "Viable but scores {score} against {top_score} for {top}, whose base score is higher "
        "(rules/drivers.yaml)."
    ).format(**scores)


def _conflict(state: DriverState, facts: Facts) -> dict[str, Any]:
    return {
        "driver": state.driver.value,
        "excluded_by": [
            {
                "rule": rule.id,
                "requirements": {name: facts[name] for name in rule.condition.facts},
                "message": message,
                "instead": rule.data.instead,
            }
            for rule, message in state.exclusions
        ],
    }


def _relaxations(
    catalogue: Catalogue, request: RecommendationRequest, ranked: list[DriverState]
) -> list[dict[str, Any]]:
    """Each requirement the user set whose default would let some driver through, and that driver.

    Only requirements that an exclusion actually read can unlock a driver, so only those are retried.
    """
    requirements = request.requirements
    defaults = Requirements()
    read = requirement_fields(
        name for state in ranked for rule, _ in state.exclusions for name in rule.condition.facts
    )
    results: list[dict[str, Any]] = []
    for name in sorted(read & requirements.model_fields_set):
        current: Any = getattr(requirements, name)
        relaxed: Any = getattr(defaults, name)
        if current == relaxed:
            continue
        candidate = requirements.model_copy(update={name: relaxed})
        best = evaluate(catalogue, derive_facts(candidate, request.deployment))[0]
        if best.viable:
            results.append(
                {
                    "requirement": name,
                    "current": _plain(current),
                    "relaxed": _plain(relaxed),
                    "recommendation": best.driver.value,
                }
            )
    return results


def _plain(value: Any) -> Any:
    return getattr(value, "value", value)
