"""The rule and driver catalogue: YAML files under `rules/`, validated and compiled once at start-up.

Layout (one grep for a rule code finds its file, its docs and its tests):

    rules/drivers.yaml              what each driver is, its base score, pros, cons, limits
    rules/selection/NA001.yaml      one selection rule per file, named by its code
    rules/RETIRED.yaml              codes that were used once and must never be reused
"""

from __future__ import annotations

import hashlib
import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from service.commands import COMMAND_PLACEHOLDERS
from service.conditions import CompiledCondition, ConditionError, compile_condition
from service.errors import CatalogueError
from service.facts import FACT_TYPES
from service.i18n import DEFAULT_LANGUAGE, Gettext, Language, english, gettext_for
from service.models import Driver, Platform, Requirements

_M = TypeVar("_M", bound=BaseModel)
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

SELECTION_CODE = re.compile(r"^NA[0-9]{3}$")
_KEBAB = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PrerequisiteSpec(_Data):
    driver: Driver
    description: str = Field(min_length=4)  # 4, not 10: the model also carries Chinese texts, a third as long
    argv: list[str] = Field(min_length=1)

    @field_validator("argv")
    @classmethod
    def _placeholders_known(cls, argv: list[str]) -> list[str]:
        for part in argv:
            for name in _template_fields(part):
                if name not in COMMAND_PLACEHOLDERS:
                    raise ValueError(
                        f"unknown placeholder {{{name}}}; known: {', '.join(sorted(COMMAND_PLACEHOLDERS))}"
                    )
        return argv


class Effects(_Data):
    exclude: list[Driver] = Field(default_factory=list)
    score: dict[Driver, int] = Field(default_factory=dict)
    warn: list[Driver] = Field(default_factory=list)
    prerequisites: list[PrerequisiteSpec] = Field(default_factory=list)

    @field_validator("score")
    @classmethod
    def _bounded(cls, score: dict[Driver, int]) -> dict[Driver, int]:
        for driver, delta in score.items():
            if delta == 0 or not -100 <= delta <= 100:
                raise ValueError(f"score for {driver.value} must be a non-zero change between -100 and 100")
        return score

    @model_validator(mode="after")
    def _not_empty(self) -> Effects:
        if not (self.exclude or self.score or self.warn or self.prerequisites):
            raise ValueError("a rule needs at least one effect: exclude, score, warn or prerequisites")
        overlap = set(self.exclude) & set(self.score)
        if overlap:
            raise ValueError(f"a driver cannot be excluded and scored by one rule: {sorted(overlap)}")
        return self

    @property
    def drivers(self) -> set[Driver]:
        return {*self.exclude, *self.score, *self.warn, *(p.driver for p in self.prerequisites)}


class SelectionCase(BaseModel):
    """Requirements a rule is checked against, named for the situation they describe.

    Written flat, `{name: 3 hosts, hosts: 3}`: every key but `name` is a requirement (checked against
    `Requirements` when the catalogue loads), so a case reads like the request it stands for.
    """

    model_config = ConfigDict(extra="allow", frozen=True)

    name: str = Field(
        min_length=3, max_length=80, description="The situation, in a few words (also its test ID)."
    )

    @property
    def requirements(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class RuleCases(_Data):
    fires: list[SelectionCase] = Field(min_length=1, description="Requirements for which the rule fires.")
    silent: list[SelectionCase] = Field(min_length=1, description="Requirements for which it stays silent.")

    @model_validator(mode="after")
    def _unique_names(self) -> RuleCases:
        names = [case.name for case in (*self.fires, *self.silent)]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"case names must be unique within a rule: {repeated} repeat")
        return self


class RuleMetadata(_Data):
    """What every rule carries, selection (NA) or review (NR): identity, the why, and where the fact is from.

    Subclasses set `CODE` (the code pattern) and `CODE_EXAMPLE`.
    """

    CODE: ClassVar[re.Pattern[str]]
    CODE_EXAMPLE: ClassVar[str]

    id: str
    name: str
    summary: str = Field(min_length=4, max_length=200)  # 4: also the Chinese summary
    rationale: str = Field(min_length=40)
    source: str
    references: list[str] = Field(default_factory=list)
    known_problems: str | None = None

    @field_validator("id")
    @classmethod
    def _code(cls, value: str) -> str:
        if not cls.CODE.fullmatch(value):
            raise ValueError(f"rule IDs here look like {cls.CODE_EXAMPLE}")
        return value

    @field_validator("name")
    @classmethod
    def _kebab(cls, value: str) -> str:
        if not _KEBAB.fullmatch(value):
            raise ValueError("rule names are kebab-case, e.g. macvlan-blocked-in-cloud")
        return value

    @field_validator("summary")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if "\n" in value.strip():
            raise ValueError("the summary is one line")
        return value.strip()

    @field_validator("source", "references")
    @classmethod
    def _urls(cls, value: str | list[str]) -> str | list[str]:
        for url in [value] if isinstance(value, str) else value:
            if not url.startswith("https://"):
                raise ValueError(f"sources are https URLs, got {url!r}")
        return value


class CompromiseSpec(_Data):
    """How an exclusion can be lived with: when nothing is viable, the engine proposes the excluded driver
    whose every exclusion carries a make-up here, at the lowest total `cost`, ties broken by the
    preference order in drivers.yaml. An exclusion without one cannot be made up for."""

    cost: int = Field(
        ge=1, le=3, description="1: a flag or a setting makes up for it; 2: extra work; 3: a real loss."
    )
    make_up: dict[Driver, str] = Field(min_length=1, description="Per excluded driver: how to make up.")
    commands_with: dict[str, Any] = Field(
        default_factory=dict,
        description="Requirement values the compromise's commands are built with (e.g. an internal "
        "network when no networking was asked for).",
    )


class SelectionRuleData(RuleMetadata):
    """A selection rule as written in `rules/selection/<id>.yaml`."""

    CODE = SELECTION_CODE
    CODE_EXAMPLE = "NA001"

    instead: str | None = None
    when: dict[str, Any]
    message: str = Field(min_length=4)  # 4: also the Chinese message
    messages: dict[Driver, str] = Field(default_factory=dict)
    effects: Effects
    compromise: CompromiseSpec | None = None
    cases: RuleCases

    @field_validator("message", "messages")
    @classmethod
    def _message_facts(cls, value: str | dict[Driver, str]) -> str | dict[Driver, str]:
        for text in [value] if isinstance(value, str) else value.values():
            for name in _template_fields(text):
                if name not in FACT_TYPES:
                    raise ValueError(f"message placeholder {{{name}}} is not a fact")
        return value

    @model_validator(mode="after")
    def _messages_match_effects(self) -> SelectionRuleData:
        stray = set(self.messages) - self.effects.drivers
        if stray:
            raise ValueError(
                f"messages for drivers the rule does not affect: {sorted(d.value for d in stray)}"
            )
        if self.compromise is not None:
            not_excluded = set(self.compromise.make_up) - set(self.effects.exclude)
            if not_excluded:
                raise ValueError(
                    f"compromise.make_up for drivers the rule does not exclude: "
                    f"{sorted(d.value for d in not_excluded)}"
                )
        return self


EffectKind = Literal["exclude", "score", "warn"]


@dataclass(frozen=True, slots=True)
class CompiledEffect:
    """One effect on one driver, flattened at load time so the engine's loop does no lookups."""

    kind: EffectKind
    driver: Driver
    delta: int
    label: str  # what the response shows as the effect: "exclude", "+20", "warn"
    template: str
    needs_format: bool


@dataclass(frozen=True, slots=True)
class SelectionRule:
    data: SelectionRuleData
    condition: CompiledCondition
    id: str = ""
    effects: tuple[CompiledEffect, ...] = ()

    @classmethod
    def compile(cls, data: SelectionRuleData, condition: CompiledCondition) -> SelectionRule:
        effects: list[CompiledEffect] = []
        plan: list[tuple[EffectKind, Driver, int, str]] = [
            *(("exclude", driver, 0, "exclude") for driver in data.effects.exclude),
            *(("score", driver, delta, f"{delta:+d}") for driver, delta in data.effects.score.items()),
            *(("warn", driver, 0, "warn") for driver in data.effects.warn),
        ]
        for kind, driver, delta, label in plan:
            template = data.messages.get(driver, data.message)
            effects.append(CompiledEffect(kind, driver, delta, label, template, "{" in template))
        return cls(data, condition, data.id, tuple(effects))


class DriverInfo(_Data):
    driver: Driver
    title: str
    what: str
    base_score: int = Field(ge=0, le=100)
    when_to_use: list[str] = Field(min_length=1)
    pros: list[str] = Field(min_length=1)
    cons: list[str] = Field(min_length=1)
    hard_limits: list[str] = Field(min_length=1)
    seed_article: str = Field(description="What the seed article says, and where Docker's docs differ.")
    docs: str
    platforms: tuple[Platform, ...] = Field(
        (),
        description="The platforms whose answers rank this driver; empty: every platform. A driver that "
        "exists only on Windows is listed for `windows` alone, so Linux answers never mention it.",
    )


class RetiredCode(_Data):
    id: str
    retired: str
    why: str


class _Preference(_Data):
    preference: tuple[Driver, ...]
    platform_preference: dict[Platform, tuple[Driver, ...]] = Field(default_factory=dict)


class _RetiredFile(_Data):
    retired: list[RetiredCode] = Field(default_factory=list)


@dataclass(frozen=True, slots=True)
class DriverScope:
    """The drivers one platform's answers rank, and the order that breaks their ties."""

    drivers: tuple[Driver, ...]
    preference: tuple[Driver, ...]
    order: dict[Driver, int]


@dataclass(frozen=True, slots=True)
class DriverTable:
    """drivers.yaml: each driver's description, and per platform the drivers ranked and their order."""

    infos: dict[Driver, DriverInfo]
    preference: tuple[Driver, ...]
    scopes: dict[str, DriverScope]


class Catalogue:
    """Loaded once per process; immutable afterwards and safe to share between requests."""

    def __init__(
        self,
        rules: list[SelectionRule],
        drivers: DriverTable,
        retired: list[RetiredCode],
        version: str,
        root: Path,
    ) -> None:
        self.rules = tuple(sorted(rules, key=lambda rule: rule.id))
        self.drivers = drivers.infos
        # Ties in score (and between compromises) go to the earlier driver here: drivers.yaml `preference`.
        self.preference = preference = drivers.preference
        self.order = {driver: index for index, driver in enumerate(preference)}
        self._scopes = drivers.scopes
        self.retired = tuple(retired)
        self.version = version
        self.root = root
        self._by_id = {rule.id: rule for rule in self.rules}
        # The language of every human text in this catalogue and of what the engine writes with it; the
        # version stays the rules' (a translation is not a rule change), so a cache keys on both.
        self.language: Language = DEFAULT_LANGUAGE
        self.gettext: Gettext = english
        # What the engine's loop reads for every rule of every request, without attribute lookups.
        self.conditions = tuple((rule.condition.predicate, rule) for rule in self.rules)

    def rule(self, rule_id: str) -> SelectionRule | None:
        return self._by_id.get(rule_id.upper())

    def scope(self, platform: str) -> DriverScope:
        """The drivers an answer for `platform` ranks (a `Platform` value), in preference order."""
        return self._scopes[platform]

    def localized(self, language: Language) -> Catalogue:
        """The same rules with their human texts in `language`, compiled once (the Advisor keeps one per
        language): the engine then formats translated templates with the same facts, so placeholders are
        filled after translation, never translated after formatting."""
        if language == self.language:
            return self
        translate = gettext_for(language)
        rules = [
            SelectionRule.compile(translate_rule(rule.data, translate), rule.condition) for rule in self.rules
        ]
        infos = {driver: translate_driver(info, translate) for driver, info in self.drivers.items()}
        localized = Catalogue(
            rules,
            DriverTable(infos, self.preference, self._scopes),
            list(self.retired),
            self.version,
            self.root,
        )
        localized.language, localized.gettext = language, translate
        return localized


def rule_texts(data: SelectionRuleData) -> list[str]:
    """Every human text of a selection rule that a translation covers (the extractor's list too).

    The rationale stays English: it quotes Docker's documentation, and the quote is the source.
    """
    texts = [data.summary, data.message, *data.messages.values()]
    texts += [data.instead] if data.instead else []
    texts += list(data.compromise.make_up.values()) if data.compromise else []
    texts += [prerequisite.description for prerequisite in data.effects.prerequisites]
    return texts


def translate_rule(data: SelectionRuleData, translate: Gettext) -> SelectionRuleData:
    effects = data.effects.model_copy(
        update={
            "prerequisites": [
                p.model_copy(update={"description": translate(p.description)})
                for p in data.effects.prerequisites
            ]
        }
    )
    compromise = data.compromise
    if compromise is not None:
        make_up = {driver: translate(text) for driver, text in compromise.make_up.items()}
        compromise = compromise.model_copy(update={"make_up": make_up})
    return data.model_copy(
        update={
            "summary": translate(data.summary),
            "message": translate(data.message),
            "messages": {driver: translate(text) for driver, text in data.messages.items()},
            "instead": translate(data.instead) if data.instead else data.instead,
            "compromise": compromise,
            "effects": effects,
        }
    )


DRIVER_TEXT_FIELDS = ("title", "what", "seed_article")
DRIVER_LIST_FIELDS = ("when_to_use", "pros", "cons", "hard_limits")


def driver_texts(info: DriverInfo) -> list[str]:
    """Every human text of a driver's description (the extractor's list too)."""
    texts = [getattr(info, name) for name in DRIVER_TEXT_FIELDS]
    for name in DRIVER_LIST_FIELDS:
        texts += getattr(info, name)
    return texts


def translate_driver(info: DriverInfo, translate: Gettext) -> DriverInfo:
    update: dict[str, Any] = {name: translate(getattr(info, name)) for name in DRIVER_TEXT_FIELDS}
    update |= {name: [translate(text) for text in getattr(info, name)] for name in DRIVER_LIST_FIELDS}
    return info.model_copy(update=update)


def default_rules_dir() -> Path:
    """The `rules/` folder of a source checkout, else the copy packaged inside the wheel."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "rules", here / "_rules"):
        if (candidate / "drivers.yaml").is_file():
            return candidate
    return here.parent / "rules"


def load_catalogue(root: Path | None = None) -> Catalogue:
    root = (root or default_rules_dir()).resolve()
    digest = hashlib.sha256()
    try:
        drivers_raw = _read_yaml(root / "drivers.yaml", digest)
        retired_raw = _read_yaml(root / "RETIRED.yaml", digest)
        rule_files = sorted((root / "selection").glob("*.yaml"))
    except OSError as exc:
        raise CatalogueError(f"cannot read the rule catalogue at {root}: {exc}") from exc
    if not rule_files:
        raise CatalogueError(f"no selection rules under {root / 'selection'}")

    drivers = _parse_drivers(drivers_raw)
    retired = _parse(_RetiredFile, retired_raw or {}, root / "RETIRED.yaml").retired
    retired_ids = {code.id for code in retired}
    rules = [_load_rule(path, _read_yaml(path, digest), retired_ids) for path in rule_files]
    names = [rule.data.name for rule in rules]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise CatalogueError(f"rule names must be unique: {duplicates}")
    version = f"sha256:{digest.hexdigest()[:12]}"
    return Catalogue(rules, drivers, retired, version, root)


def _load_rule(path: Path, raw: Any, retired_ids: set[str]) -> SelectionRule:
    """One rule file: parsed, its code checked against its file name and the retired codes, compiled."""
    data = _parse(SelectionRuleData, raw, path)
    if data.id != path.stem:
        raise CatalogueError(f"{path}: id {data.id} must match the file name {path.stem}.yaml")
    if data.id in retired_ids:
        raise CatalogueError(f"{path}: {data.id} is retired (rules/RETIRED.yaml); codes are never reused")
    try:
        condition = compile_condition(data.when)
    except ConditionError as exc:
        raise CatalogueError(f"{path}: {exc}") from exc
    _check_requirements(path, data)
    return SelectionRule.compile(data, condition)


def _check_requirements(path: Path, data: SelectionRuleData) -> None:
    """Every case, and a compromise's `commands_with`, must be valid requirements."""
    checks = [(f"cases.fires[{i}]", case.requirements) for i, case in enumerate(data.cases.fires)]
    checks += [(f"cases.silent[{i}]", case.requirements) for i, case in enumerate(data.cases.silent)]
    if data.compromise is not None:
        checks.append(("compromise.commands_with", data.compromise.commands_with))
    for where, values in checks:
        try:
            Requirements.model_validate(values)
        except ValidationError as exc:
            raise CatalogueError(f"{path}: {where} is not valid requirements: {exc}") from exc


def _read_yaml(path: Path, digest: Any) -> Any:
    raw = path.read_bytes()
    digest.update(path.name.encode())
    digest.update(raw)
    try:
        return yaml.load(raw, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{path}: not valid YAML: {exc}") from exc


def _parse(model: type[_M], raw: Any, path: Path) -> _M:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise CatalogueError(f"{path}: {exc}") from exc


def _parse_drivers(raw: Any) -> DriverTable:
    if not isinstance(raw, dict) or not isinstance(raw.get("drivers"), list):
        raise CatalogueError("drivers.yaml: expected a top-level `drivers:` list")
    orders = _parse(
        _Preference,
        {"preference": raw.get("preference"), "platform_preference": raw.get("platform_preference") or {}},
        Path("drivers.yaml"),
    )
    infos = [_parse(DriverInfo, item, Path("drivers.yaml")) for item in raw["drivers"]]
    by_driver = {info.driver: info for info in infos}
    missing = set(Driver) - set(by_driver)
    if missing or len(infos) != len(by_driver):
        raise CatalogueError(f"drivers.yaml must describe each driver once; missing {sorted(missing)}")
    scopes = {platform.value: _scope(platform, by_driver, orders) for platform in Platform}
    return DriverTable({driver: by_driver[driver] for driver in Driver}, orders.preference, scopes)


def _scope(platform: Platform, infos: dict[Driver, DriverInfo], orders: _Preference) -> DriverScope:
    """A platform's drivers, in its own order (`platform_preference`) or the general `preference`.

    The order must name each of the platform's drivers exactly once, so a tie is never decided by list
    position and a driver added to drivers.yaml cannot be forgotten in an order.
    """
    ranked = {driver for driver, info in infos.items() if not info.platforms or platform in info.platforms}
    preference = orders.platform_preference.get(platform, orders.preference)
    key = f"platform_preference.{platform.value}" if platform in orders.platform_preference else "preference"
    if len(preference) != len(set(preference)) or set(preference) != ranked:
        expected = ", ".join(sorted(driver.value for driver in ranked))
        raise CatalogueError(
            f"drivers.yaml: {key} must list each driver {platform.value} answers rank exactly once: "
            f"{expected}"
        )
    return DriverScope(
        tuple(driver for driver in Driver if driver in ranked),
        preference,
        {driver: index for index, driver in enumerate(preference)},
    )


def _template_fields(text: str) -> list[str]:
    return [field for _, field, _, _ in string.Formatter().parse(text) if field]
