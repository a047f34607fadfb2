"""Memoized command building gives exactly what the builder gives, and its keys hold everything it reads."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from pydantic import ValidationError

from bench.distinct import INT_POOLS, PORT_SPECS, STRING_POOLS, distinct_requests
from service import command_memo
from service.catalogue import Catalogue
from service.command_memo import commands_for, memo_key
from service.commands import COMMAND_PLACEHOLDERS, AssumptionLog, build_commands
from service.engine import recommend_data
from service.lru import LruCache
from service.models import Deployment, Driver, RecommendationRequest, Requirements

BASES = [RecommendationRequest.model_validate(body) for body in distinct_requests(240, seed=5)]
LAN_PLACEHOLDERS = sorted(COMMAND_PLACEHOLDERS)


def _prerequisites(driver: Driver) -> list[tuple[str, list[str]]]:
    """A rule prerequisite using every placeholder the driver's commands resolve."""
    names = LAN_PLACEHOLDERS if driver in (Driver.macvlan, Driver.ipvlan) else ["network"]
    return [("prepare", ["tool", *(f"{{{name}}}" for name in names)])]


def _built(driver: Driver, request: RecommendationRequest) -> tuple[Any, Any]:
    log = AssumptionLog()
    commands = build_commands(driver, request, log, _prerequisites(driver))
    return commands, log.items()


def _alternatives(name: str, info: Any) -> list[Any]:
    """Other values a field may take: every enum member and bool, pooled ints and strings, None."""
    annotation = info.annotation
    values: list[Any] = [None] if not info.is_required() and info.default is None else []
    if name == "ports":
        return [[], [PORT_SPECS[0]], PORT_SPECS[3:5]]
    values += [True, False] if annotation is bool else []
    values += INT_POOLS.get(name, []) + STRING_POOLS.get(name, [])
    members = getattr(annotation, "__members__", None)
    values += [member.value for member in members.values()] if members else []
    return values


def _variants(request: RecommendationRequest, section: str, name: str, info: Any) -> list[Any]:
    body = request.model_dump(mode="json", exclude_defaults=True)
    out = []
    for value in _alternatives(name, info):
        changed = {**body, section: {**body.get(section, {}), name: value}}
        try:
            variant = RecommendationRequest.model_validate(changed)
        except ValidationError:
            continue
        if variant != request:
            out.append(variant)
    return out


@pytest.mark.parametrize("driver", list(Driver))
def test_requests_with_the_same_memo_key_get_the_same_commands(driver: Driver) -> None:
    """Change one field at a time, every field, to each of several values: whenever the memo key stays the
    same, the commands and the assumptions they record must stay the same too."""
    fields = [("requirements", name, info) for name, info in Requirements.model_fields.items()]
    fields += [("deployment", name, info) for name, info in Deployment.model_fields.items()]
    prerequisites = _prerequisites(driver)
    same_key = changed_key = 0
    for request in BASES[:100]:
        key, expected = memo_key(driver, request, prerequisites), _built(driver, request)
        for section, name, info in fields:
            for variant in _variants(request, section, name, info):
                if memo_key(driver, variant, prerequisites) != key:
                    changed_key += 1
                    continue
                assert _built(driver, variant) == expected, f"{driver.value} commands read {section}.{name}"
                same_key += 1
    assert same_key > 1000 and changed_key > 100  # both kinds of change were tried


def test_a_memoized_answer_is_the_built_one(catalogue: Catalogue) -> None:
    """Whole answers with the memo empty, then warm (every lookup a hit): the same JSON bytes."""
    command_memo.clear()
    cold = [orjson.dumps(recommend_data(catalogue, request)) for request in BASES]
    hits = command_memo.memo_stats()[0]
    warm = [orjson.dumps(recommend_data(catalogue, request)) for request in BASES]
    assert command_memo.memo_stats()[0] > hits
    assert cold == warm


@pytest.mark.parametrize("driver", list(Driver))
def test_a_hit_records_the_same_assumptions_as_a_build(driver: Driver) -> None:
    request = RecommendationRequest.model_validate({"requirements": {"own_ip": True, "host_access": True}})
    expected = _built(driver, request)
    for _ in range(2):  # a miss, then a hit
        log = AssumptionLog()
        commands = commands_for(driver, request, log, _prerequisites(driver))
        assert (commands, log.items()) == expected


def test_lru_evicts_the_least_recently_used_and_counts() -> None:
    cache: LruCache[str, int] = LruCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "b" is now the least recently used
    cache.put("c", 3)
    assert (cache.get("b"), cache.get("a"), cache.get("c"), len(cache)) == (None, 1, 3, 2)
    assert (cache.hits, cache.misses) == (3, 1)


def test_lru_of_size_zero_keeps_nothing() -> None:
    cache: LruCache[str, int] = LruCache(0)
    cache.put("a", 1)
    assert cache.get("a") is None and len(cache) == 0
