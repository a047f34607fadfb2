"""Catalogue-wide meta-tests: every rule is complete, cites a source, and has cases that fire and stay silent.

Test IDs carry the rule code, so `pytest -k NA013` runs everything about rule NA013.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from service.catalogue import Catalogue, load_catalogue
from service.errors import CatalogueError
from service.facts import derive_facts
from service.models import Driver, Platform, Requirements

CATALOGUE = load_catalogue()
RULES = {rule.id: rule for rule in CATALOGUE.rules}
CASES = [
    pytest.param(rule_id, kind, case.requirements, id=f"{rule_id}-{kind}-{case.name}")
    for rule_id, rule in RULES.items()
    for kind, cases in (("fires", rule.data.cases.fires), ("silent", rule.data.cases.silent))
    for case in cases
]


@pytest.mark.parametrize(("rule_id", "kind", "case"), CASES)
def test_rule_case(rule_id: str, kind: str, case: dict[str, object]) -> None:
    rule = RULES[rule_id]
    facts = derive_facts(Requirements.model_validate(case))
    fired = rule.condition(facts)
    assert fired is (kind == "fires"), (
        f"{rule_id} expected to {'fire' if kind == 'fires' else 'stay silent'} for {case}; "
        f"condition {rule.condition.source} gave {fired}"
    )


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule_is_complete(rule_id: str) -> None:
    data = RULES[rule_id].data
    assert data.name and data.summary and data.rationale and data.message
    assert data.source.startswith("https://"), "every rule cites where its fact comes from"
    assert data.cases.fires and data.cases.silent, "cases of both kinds"
    assert data.effects.drivers, "a rule must move at least one driver"


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule_fires_in_the_engine(rule_id: str) -> None:
    """The firing cases make the rule show up in the answer for every driver it affects.

    Each driver is checked in the first firing case whose platform ranks it (Windows' nat only in a
    Windows answer), and every affected driver must be checked by some case.
    """
    from service.engine import recommend
    from service.models import RecommendationRequest

    rule = RULES[rule_id]
    effects = rule.data.effects
    unchecked = {*effects.exclude, *effects.score, *effects.warn}
    for case in rule.data.cases.fires:
        request = RecommendationRequest(requirements=Requirements.model_validate(case.requirements))
        results = {result.driver: result for result in recommend(CATALOGUE, request).ranking}
        for driver in unchecked & set(results):
            if driver in {*effects.exclude, *effects.score}:
                assert rule_id in {reason.rule for reason in results[driver].reasons}, (
                    f"{rule_id} missing on {driver}"
                )
            if driver in effects.warn:
                assert rule_id in {warning.rule for warning in results[driver].warnings}
            if driver in effects.exclude:
                assert not results[driver].viable
        unchecked -= set(results)
    assert not unchecked, f"no firing case of {rule_id} ranks {sorted(d.value for d in unchecked)}"


def test_codes_are_unique_and_never_reused() -> None:
    ids = [rule.id for rule in CATALOGUE.rules]
    assert len(ids) == len(set(ids))
    assert not {code.id for code in CATALOGUE.retired} & set(ids)


def test_every_driver_is_described() -> None:
    assert list(CATALOGUE.drivers) == list(Driver)
    for info in CATALOGUE.drivers.values():
        windows_only = info.platforms == (Platform.windows,)
        docs = "https://learn.microsoft.com/" if windows_only else "https://docs.docker.com/"
        assert info.docs.startswith(docs)


def test_windows_drivers_appear_only_in_windows_answers() -> None:
    windows_only = {Driver.nat, Driver.transparent, Driver.l2bridge, Driver.l2tunnel}
    for platform in Platform:
        scope = set(CATALOGUE.scope(platform.value).drivers)
        if platform is Platform.windows:
            assert scope == set(Driver)
        else:
            assert scope == set(Driver) - windows_only


def test_a_platform_order_must_name_each_of_its_drivers(rules_copy: Path) -> None:
    path = rules_copy / "drivers.yaml"
    text = path.read_text()
    path.write_text(text.replace("windows: [nat, overlay, transparent,", "windows: [nat, overlay,"))
    with pytest.raises(CatalogueError, match=r"platform_preference\.windows must list each driver"):
        load_catalogue(rules_copy)


# --- load-time validation: a broken rule fails when the catalogue loads, never during a request ----------


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(CATALOGUE.root, target)
    return target


def _rewrite(rules_dir: Path, rule_id: str, **changes: object) -> None:
    path = rules_dir / "selection" / f"{rule_id}.yaml"
    data = yaml.safe_load(path.read_text())
    data.update(changes)
    path.write_text(yaml.safe_dump(data))


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"when": {"fact": "own_ipp", "eq": True}}, "unknown fact 'own_ipp'"),
        ({"when": {"fact": "cloud", "eq": "amazon"}}, "'amazon' is not a value of 'cloud'"),
        ({"when": {"fact": "hosts", "ge": True}}, "fact 'hosts' is int, got bool"),
        ({"when": {"fact": "own_ip", "gt": 1}}, "only applies to numeric facts"),
        ({"when": {"every": []}}, "unknown keys"),
        ({"cases": {"fires": [{"name": "own IP", "own_ip": True}], "silent": []}}, "cases.silent"),
        (
            {"cases": {"fires": [{"name": "typo", "own_ipp": True}], "silent": [{"name": "none"}]}},
            "not valid requirements",
        ),
        ({"cases": {"fires": [{"own_ip": True}], "silent": [{"name": "none"}]}}, "cases.fires.0.name"),
        (
            {"cases": {"fires": [{"name": "own IP", "own_ip": True}], "silent": [{"name": "own IP"}]}},
            "case names must be unique within a rule: ['own IP'] repeat",
        ),
        ({"source": "docs.docker.com"}, "https URLs"),
        ({"effects": {}}, "at least one effect"),
        ({"message": "uses {no_such_fact}"}, "placeholder {no_such_fact} is not a fact"),
        ({"id": "NA999"}, "must match the file name"),
    ],
)
def test_broken_rule_fails_at_load(rules_copy: Path, changes: dict[str, object], expected: str) -> None:
    _rewrite(rules_copy, "NA010", **changes)
    with pytest.raises(CatalogueError, match=None) as failure:
        load_catalogue(rules_copy)
    assert expected in str(failure.value)


def test_retired_code_cannot_come_back(rules_copy: Path) -> None:
    (rules_copy / "RETIRED.yaml").write_text(
        yaml.safe_dump({"retired": [{"id": "NA010", "retired": "2026-11-28", "why": "test"}]})
    )
    with pytest.raises(CatalogueError, match="retired"):
        load_catalogue(rules_copy)


def test_prerequisite_placeholders_are_checked(rules_copy: Path) -> None:
    path = rules_copy / "selection" / "NA037.yaml"
    data = yaml.safe_load(path.read_text())
    data["effects"]["prerequisites"][0]["argv"] = ["ip", "link", "add", "{shim}"]
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(CatalogueError, match=r"unknown placeholder \{shim\}"):
        load_catalogue(rules_copy)


def test_catalogue_doc_is_generated_and_current(catalogue: Catalogue) -> None:
    from service.docs.catalogue import catalogue_path, render_catalogue

    assert catalogue_path(catalogue).read_text() == render_catalogue(catalogue), (
        "rules/CATALOGUE.md is stale: run `make docs`"
    )
