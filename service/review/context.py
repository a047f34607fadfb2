"""What every check can ask: the project, the requirements that apply where, and the advisor's answer.

Requirements come from three places and are merged field by field, the more specific winning:

    top-level `x-network-requirements`  <  the requirements file / request body  <  the service's own

A field counts as *given* only when one of those sources sets it. The checks that compare drivers with
requirements (NR001, NR002) blame only selection rules that read a given field: a difference that comes
from defaults alone (say, the host driver's usual isolation penalty) is the advisor's general advice, not
a contradiction of what this project asked for.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from pydantic import ValidationError

from service.advisor import Advisor
from service.catalogue import EffectKind, SelectionRule
from service.commands import LAN_DRIVERS
from service.facts import Facts, derive_facts, requirement_fields
from service.i18n import DEFAULT_LANGUAGE, Language, gettext_for
from service.models import (
    Command,
    Deployment,
    Driver,
    DriverResult,
    Platform,
    Recommendation,
    RecommendationRequest,
    Requirements,
)
from service.review.errors import InvalidRequirements
from service.review.project import Network, Project, RequirementsSpec, Service
from service.review.yamltree import Mark
from service.validation import describe_errors

_DRIVERS = {driver.value: driver for driver in Driver}

# Requirements that bind every network a service is on (where it runs, what it must never do), as opposed
# to capabilities it needs from at least one of them (its own LAN address, reach across hosts ...). A
# service on a macvlan network for its LAN address and a bridge for its web UI has `own_ip` from the
# macvlan; the bridge does not contradict it. `tests/review/test_checks.py` checks every requirement
# field is in exactly one of the two sets, so a new field forces the choice.
CONSTRAINT_FIELDS = frozenset(
    {"cloud", "platform", "wireless_parent", "mac_limit", "host_isolation", "network_access", "encryption"}
)
CAPABILITY_FIELDS = frozenset(Requirements.model_fields) - CONSTRAINT_FIELDS


@dataclass(frozen=True, slots=True)
class Effective:
    requirements: Requirements
    given: frozenset[str]  # the fields some source set
    key: str  # identity, for grouping services and caching the advisor's answers

    def values(self, fields: set[str] | frozenset[str]) -> dict[str, Any]:
        dumped = self.requirements.model_dump(mode="json")
        return {name: dumped[name] for name in sorted(fields) if name in dumped}


@dataclass(frozen=True, slots=True)
class RuleEffect:
    """One of the advisor's reasons for a driver, typed: the selection rule's own effect on that driver
    (as compiled from its YAML), not the `effect` label the response shows (`exclude`, `+20`)."""

    rule: str
    kind: EffectKind
    delta: int  # the score change; 0 for an exclusion
    message: str

    @property
    def excludes(self) -> bool:
        return self.kind == "exclude"

    @property
    def gains(self) -> bool:
        return self.kind == "score" and self.delta > 0

    @property
    def loses(self) -> bool:
        return self.kind == "score" and self.delta < 0

    @property
    def identity(self) -> tuple[str, EffectKind, int]:
        """What two drivers' reasons share when the same rule moved both the same way."""
        return (self.rule, self.kind, self.delta)


@dataclass(frozen=True, slots=True)
class Placement:
    """A driver chosen for some services: a network they share, or their `network_mode`."""

    driver: Driver
    mark: Mark
    services: tuple[Service, ...]
    effective: Effective
    network: Network | None
    what: str  # "network `lan` (macvlan)" / "service `web` (network_mode: host)"


@dataclass(frozen=True, slots=True)
class External:
    """Requirements given outside the Compose files, and where (for error messages)."""

    values: dict[str, Any]
    source: str
    deployment: dict[str, Any] | None = None


def validate_requirements(
    values: dict[str, Any], file: str | None, marks: dict[str, Mark], mark: Mark | None
) -> Requirements:
    try:
        return Requirements.model_validate(values)
    except ValidationError as exc:
        details = describe_errors(exc.errors(), Requirements)
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first.get("loc") else ""
        where = marks.get(field) or mark
        message = details[0]["message"] if details else "invalid requirements"
        more = f" (and {len(details) - 1} more)" if len(details) > 1 else ""
        if where is not None:
            raise InvalidRequirements(
                f"x-network-requirements: {message}{more}",
                where.file,
                where.line,
                where.column,
                {"errors": details},
            ) from None
        raise InvalidRequirements(f"requirements: {message}{more}", file, extra={"errors": details}) from None


class ReviewContext:
    def __init__(
        self,
        project: Project,
        advisor: Advisor,
        external: External | None = None,
        review_codes: frozenset[str] = frozenset(),
        language: Language = DEFAULT_LANGUAGE,
    ) -> None:
        self.project = project
        self.review_codes = review_codes
        self.advisor = advisor
        # The findings' language: checks write `ctx._("template {x}").format(x=...)`, and the advisor's
        # messages quoted in findings come from the catalogue of the same language.
        self.language = language
        self._ = gettext_for(language)
        self.catalogue = advisor.catalogue_for(language)
        self.external = external
        self._recommendations: dict[str, Recommendation] = {}
        self._effective: dict[str, Effective] = {}
        self._by_service: dict[str | None, Effective | None] = {}
        self.stack_file = bool(project.stack_hints)
        # Each source must be valid on its own, so an error points at the file and line that caused it.
        for spec in self._specs():
            validate_requirements(spec.values, spec.mark.file, spec.field_marks, spec.mark)
        if external is not None:
            validate_requirements(external.values, external.source, {}, None)

    def _specs(self) -> list[RequirementsSpec]:
        specs = [self.project.requirements] if self.project.requirements else []
        specs += [s.requirements for s in self.project.services.values() if s.requirements is not None]
        return specs

    @property
    def requirements_given(self) -> bool:
        return bool(self._specs()) or bool(self.external and self.external.values)

    # -- requirements ------------------------------------------------------------------------------------

    def effective(self, service: Service | None) -> Effective | None:
        """The requirements that apply to `service` (None: project-wide); None when nothing was given."""
        key = service.name if service is not None else None
        if key not in self._by_service:
            self._by_service[key] = self._effective_for(service)
        return self._by_service[key]

    def _effective_for(self, service: Service | None) -> Effective | None:
        merged: dict[str, Any] = {}
        marks: dict[str, Mark] = {}
        if self.project.requirements is not None:
            merged.update(self.project.requirements.values)
            marks.update(self.project.requirements.field_marks)
        if self.external is not None:
            merged.update(self.external.values)
        if service is not None and service.requirements is not None:
            merged.update(service.requirements.values)
            marks.update(service.requirements.field_marks)
        if not merged:
            return None
        key = json.dumps(merged, sort_keys=True, default=str)
        cached = self._effective.get(key)
        if cached is None:
            mark = service.requirements.mark if service is not None and service.requirements else None
            requirements = validate_requirements(merged, None, marks, mark)
            cached = Effective(requirements, frozenset(merged), key)
            self._effective[key] = cached
        return cached

    def swarm(self, services: tuple[Service, ...] | list[Service]) -> bool:
        """Deployed as a Swarm stack: the requirements say so, or (when they do not say) the file uses
        `deploy` settings only `docker stack deploy` reads."""
        effectives = [self.effective(s) for s in services] or [self.effective(None)]
        if any(e is not None and "swarm" in e.given for e in effectives):
            return any(e is not None and e.requirements.swarm for e in effectives)
        return self.stack_file

    # -- the advisor -------------------------------------------------------------------------------------

    def rule(self, rule_id: str) -> SelectionRule:
        rule = self.catalogue.rule(rule_id)
        if rule is None:  # the review catalogue is checked against the selection catalogue at start-up
            raise KeyError(rule_id)
        return rule

    def effects(self, result: DriverResult) -> list[RuleEffect]:
        """The advisor's reasons for `result`'s driver, each with the effect its selection rule has on it.

        A rule has at most one score-or-exclude effect per driver (the catalogue refuses a driver both
        excluded and scored by one rule), and warnings are not reasons, so the driver names the effect.
        """
        effects = []
        for reason in result.reasons:
            compiled = next(
                effect
                for effect in self.rule(reason.rule).effects
                if effect.driver is result.driver and effect.kind != "warn"
            )
            effects.append(RuleEffect(reason.rule, compiled.kind, compiled.delta, reason.message))
        return effects

    def facts(
        self, effective: Effective | None, deployment: Deployment | None = None, swarm: bool | None = None
    ) -> Facts:
        requirements = effective.requirements if effective is not None else Requirements()
        if swarm is not None and swarm != requirements.swarm:
            requirements = requirements.model_copy(update={"swarm": swarm})
        return derive_facts(requirements, deployment)

    def deployment_for(
        self, network: Network | None, addressing: bool = True, service: Service | None = None
    ) -> Deployment:
        """What the file says about the network, as far as it is valid deployment input, for commands.

        `addressing=False` leaves out the subnet and parent: a LAN's subnet must not become a bridge's.
        """
        values: dict[str, Any] = dict((self.external.deployment or {}) if self.external else {})
        if service is not None:
            values.setdefault("container_name", service.container_name or service.name)
            if service.image is not None:
                values.setdefault("image", service.image)
        if network is not None and network.declared and not network.external:
            values.setdefault("network_name", network.name)
        if addressing and network is not None and network.declared and not network.external:
            for name, value in _addressing(network).items():
                values.setdefault(name, value)
        # Drop what does not validate, field by field, rather than lose every hint.
        names = ("network_name", "container_name")
        for attempt in (values, {k: v for k, v in values.items() if k in names}, {}):
            try:
                return Deployment.model_validate(attempt)
            except ValidationError:
                continue
        return Deployment()  # pragma: no cover - the empty attempt always validates

    def recommend(
        self,
        effective: Effective | None,
        network: Network | None = None,
        addressing: bool = True,
        service: Service | None = None,
    ) -> Recommendation:
        deployment = self.deployment_for(network, addressing, service)
        key = (effective.key if effective else "{}") + deployment.model_dump_json()
        cached = self._recommendations.get(key)
        if cached is None:
            requirements = effective.requirements if effective is not None else Requirements()
            cached = self.advisor.recommend(
                RecommendationRequest(requirements=requirements, deployment=deployment), self.language
            )
            self._recommendations[key] = cached
        return cached

    def commands_for(
        self, driver: Driver, effective: Effective | None, network: Network | None
    ) -> tuple[list[Command], str | None]:
        """The advisor's prerequisites + network commands and Compose snippet for `driver`, if viable."""
        requirements = effective.requirements if effective is not None else Requirements()
        if driver in LAN_DRIVERS and not (requirements.own_ip or requirements.own_mac):
            # A LAN network exists to give containers their own LAN address; ask for one so the commands
            # show the full addressing.
            extra = {"own_ip": True}
            base = dict(effective.requirements.model_dump(exclude_unset=True)) if effective else {}
            try:
                requirements = Requirements.model_validate({**base, **extra})
                effective = Effective(
                    requirements,
                    frozenset({*base, *extra}),
                    json.dumps({**base, **extra}, sort_keys=True, default=str),
                )
            except ValidationError:  # pragma: no cover - own_ip is always valid
                pass
        attached = self.project.attached(network.name) if network is not None else []
        rec = self.recommend(effective, network, service=attached[0] if attached else None)
        result = next((r for r in rec.ranking if r.driver is driver), None)
        if result is None or result.commands is None:
            return [], None
        commands = [*result.commands.prerequisites, *result.commands.network]
        return commands, result.commands.compose or None

    def blamed(
        self, rule_ids: list[tuple[str, str]], effective: Effective
    ) -> list[tuple[str, str, dict[str, Any]]]:
        """Of (rule, message) pairs, those whose condition reads a requirement that was given."""
        result = []
        for rule_id, message in rule_ids:
            rule = self.catalogue.rule(rule_id)
            if rule is None:
                continue
            fields = requirement_fields(rule.condition.facts) & effective.given
            if fields:
                result.append((rule_id, message, effective.values(fields)))
        return result

    def other_drivers(self, service: Service, network: Network | None) -> list[Driver]:
        """The drivers of the service's other networks (known ones only)."""
        result = []
        for attachment in service.attachments:
            other = self.project.networks.get(attachment.network)
            if other is None or (network is not None and other.name == network.name):
                continue
            driver = _DRIVERS.get(other.effective_driver(self.swarm([service])) or "")
            if driver is not None:
                result.append(driver)
        return result

    # -- placements --------------------------------------------------------------------------------------

    @cached_property
    def placements(self) -> list[Placement]:
        """Every driver choice in the project that has requirements to be checked against."""
        result: list[Placement] = []
        for service in self.project.services.values():
            mode = service.mode
            effective = self.effective(service)
            if (
                mode in ("host", "none", "bridge")
                and effective is not None
                and service.network_mode is not None
            ):
                what = self._("service `{name}`").format(name=service.name)
                result.append(
                    Placement(Driver(mode), service.network_mode.mark, (service,), effective, None, what)
                )
        for network in self.project.networks.values():
            attached = self.project.attached(network.name)
            groups: dict[str, list[Service]] = {}
            effectives: dict[str, Effective] = {}
            for service in attached:
                effective = self.effective(service)
                if effective is None:
                    continue
                groups.setdefault(effective.key, []).append(service)
                effectives[effective.key] = effective
            for key, services in groups.items():
                platform = effectives[key].requirements.platform
                name = network.effective_driver(self.swarm(services), platform is Platform.windows)
                driver = _DRIVERS.get(name or "")
                if driver is None:
                    continue  # external with an unknown driver, `${DRIVER}`, or a plugin
                if driver not in self.catalogue.scope(platform.value).drivers:
                    continue  # Windows' nat etc. under Linux requirements: the advisor does not rank them
                mark = network.anchor or _attachment_mark(services[0], network.name)
                what = (
                    self._("the project's default network")
                    if not network.declared
                    else self._("network `{name}`").format(name=network.name)
                )
                result.append(Placement(driver, mark, tuple(services), effectives[key], network, what))
        return result


def _addressing(network: Network) -> dict[str, str]:
    """The file's parent interface and first IPv4 pool (subnet, gateway, ip_range), resolved ones only."""
    values: dict[str, str] = {}
    parent = network.driver_opts.get("parent")
    if parent is not None and not parent.unresolved:
        values["parent_interface"] = parent.value
    pool = next((p for p in network.pools if p.subnet is not None and ":" not in p.subnet.value), None)
    if pool is not None and pool.subnet is not None and not pool.subnet.unresolved:
        values["subnet"] = pool.subnet.value
        for name in ("gateway", "ip_range"):
            located = getattr(pool, name)
            if located is not None and not located.unresolved:
                values[name] = located.value
    return values


def _attachment_mark(service: Service, network: str) -> Mark:
    for attachment in service.attachments:
        if attachment.network == network:
            return attachment.mark
    return service.mark
