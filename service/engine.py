"""The advisor engine: requirements in, all six drivers ranked with reasons, warnings and commands out.

Pure and deterministic: no I/O, no clock, no FastAPI. The same request and catalogue always give the same
answer, which is what lets chat, review and HTTP share it and lets tests compare answers exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from service.catalogue import Catalogue, SelectionRule
from service.commands import AssumptionLog, build_commands
from service.facts import Facts, derive_facts
from service.models import (
    Conflict,
    ConflictExclusion,
    Driver,
    DriverResult,
    DriverWarning,
    Reason,
    Recommendation,
    RecommendationRequest,
    Relaxation,
    Requirements,
)

_ORDER = {driver: index for index, driver in enumerate(Driver)}


@dataclass
class DriverState:
    driver: Driver
    score: int
    reasons: list[Reason] = field(default_factory=list)
    warnings: list[DriverWarning] = field(default_factory=list)
    exclusions: list[tuple[SelectionRule, str]] = field(default_factory=list)
    prerequisites: list[tuple[str, list[str]]] = field(default_factory=list)

    @property
    def viable(self) -> bool:
        return not self.exclusions

    @property
    def clamped(self) -> int:
        """The reported score: 0-100 for viable drivers; an excluded driver scores 0 whatever rules added."""
        return max(0, min(100, self.score)) if self.viable else 0


def evaluate(catalogue: Catalogue, facts: Facts) -> list[DriverState]:
    """Apply every rule whose condition holds; return the drivers ranked (viable first, then by score)."""
    states = {driver: DriverState(driver, info.base_score) for driver, info in catalogue.drivers.items()}
    for rule in catalogue.rules:
        if not rule.condition(facts):
            continue
        effects = rule.data.effects
        for driver in effects.exclude:
            state = states[driver]
            message = rule.message_for(driver, facts)
            state.exclusions.append((rule, message))
            state.reasons.append(Reason(rule=rule.id, effect="exclude", message=message))
        for driver, delta in effects.score.items():
            state = states[driver]
            state.score += delta
            state.reasons.append(
                Reason(rule=rule.id, effect=f"{delta:+d}", message=rule.message_for(driver, facts))
            )
        for driver in effects.warn:
            states[driver].warnings.append(
                DriverWarning(rule=rule.id, message=rule.message_for(driver, facts))
            )
        for prerequisite in effects.prerequisites:
            states[prerequisite.driver].prerequisites.append((prerequisite.description, prerequisite.argv))
    return sorted(states.values(), key=lambda s: (not s.viable, -s.clamped, _ORDER[s.driver]))


def recommend(catalogue: Catalogue, request: RecommendationRequest) -> Recommendation:
    facts = derive_facts(request.requirements, request.deployment)
    ranked = evaluate(catalogue, facts)
    top = ranked[0] if ranked[0].viable else None
    log = AssumptionLog()
    results = []
    for rank, state in enumerate(ranked, start=1):
        commands = build_commands(state.driver, request, log, state.prerequisites) if state.viable else None
        results.append(
            DriverResult(
                driver=state.driver,
                rank=rank,
                score=state.clamped,
                viable=state.viable,
                summary=_summary(state, top),
                reasons=state.reasons,
                warnings=state.warnings,
                commands=commands,
            )
        )
    conflicts: list[Conflict] = []
    relaxations: list[Relaxation] = []
    if top is None:
        conflicts = [_conflict(state, facts) for state in ranked]
        relaxations = _relaxations(catalogue, request)
    return Recommendation(
        recommendation=top.driver if top else None,
        ranking=results,
        conflicts=conflicts,
        relaxations=relaxations,
        assumptions=log.items(),
        catalogue_version=catalogue.version,
    )


def _summary(state: DriverState, top: DriverState | None) -> str:
    if not state.viable:
        rule, message = state.exclusions[0]
        more = f" (and {len(state.exclusions) - 1} more rules)" if len(state.exclusions) > 1 else ""
        return f"Excluded by {rule.id}: {message}{more}"
    positives = [r for r in state.reasons if r.effect.startswith("+")]
    negatives = [r for r in state.reasons if r.effect.startswith("-")]
    if top is not None and state is top:
        if positives:
            best = max(positives, key=lambda r: int(r.effect))
            return f"Recommended ({best.rule}): {best.message}"
        return "Recommended: no requirement rules it out and it has the highest base score."
    assert top is not None
    gap = f"scores {state.clamped} against {top.clamped} for {top.driver.value}"
    if negatives:
        worst = min(negatives, key=lambda r: int(r.effect))
        return f"Viable but {gap}; {worst.rule}: {worst.message}"
    return f"Viable but {gap}: fewer of your requirements favour it."


def _conflict(state: DriverState, facts: Facts) -> Conflict:
    return Conflict(
        driver=state.driver,
        excluded_by=[
            ConflictExclusion(
                rule=rule.id,
                requirements={name: facts[name] for name in rule.condition.facts},
                message=message,
                instead=rule.data.instead,
            )
            for rule, message in state.exclusions
        ],
    )


def _relaxations(catalogue: Catalogue, request: RecommendationRequest) -> list[Relaxation]:
    """Each requirement the user set whose default would let some driver through, and that driver."""
    requirements = request.requirements
    defaults = Requirements()
    results = []
    for name in requirements.model_fields_set:
        current: Any = getattr(requirements, name)
        relaxed: Any = getattr(defaults, name)
        if current == relaxed:
            continue
        candidate = requirements.model_copy(update={name: relaxed})
        ranked = evaluate(catalogue, derive_facts(candidate, request.deployment))
        if ranked[0].viable:
            results.append(
                Relaxation(
                    requirement=name,
                    current=_plain(current),
                    relaxed=_plain(relaxed),
                    recommendation=ranked[0].driver,
                )
            )
    return sorted(results, key=lambda r: r.requirement)


def _plain(value: Any) -> Any:
    return getattr(value, "value", value)
