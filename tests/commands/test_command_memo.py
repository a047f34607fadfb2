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
from service.commands import COMMAND_PLACEHOLDERS, AssumptionLog, build_platform_commands
from service.engine import recommend_data
from service.i18n import SUPPORTED_LANGUAGES, Language, gettext_for
from service.lru import LruCache
from service.models import Deployment, Driver, Platform, RecommendationRequest, Requirements

BASES = [RecommendationRequest.model_validate(body) for body in distinct_requests(240, seed=5)]
# Windows answers are never memoized; the bases include some so the tests show they bypass the memo.
WINDOWS_BASES = [
    request.model_copy(
        update={"requirements": request.requirements.model_copy(update={"platform": Platform.windows})}
    )
    for request in BASES[:20]
]
LAN_PLACEHOLDERS = sorted(COMMAND_PLACEHOLDERS)


def _prerequisites(driver: Driver) -> list[tuple[str, list[str]]]:
    """A rule prerequisite using every placeholder the driver's commands resolve."""
    names = LAN_PLACEHOLDERS if driver in (Driver.macvlan, Driver.ipvlan) else ["network"]
    return [("prepare", ["tool", *(f"{{{name}}}" for name in names)])]


def _built(driver: Driver, request: RecommendationRequest, language: Language = "en") -> tuple[Any, Any]:
    log = AssumptionLog()
    commands = build_platform_commands(driver, request, log, _prerequisites(driver), gettext_for(language))
    return commands, log.items()


def _alternatives(name: str, info: Any) -> list[Any]:
    """Other values a field may take: every enum member and bool, pooled ints and strings, None."""
    annotation = info.annotation
    values: list[Any] = [None] if not info.is_required() and info.default is None else []
    if name == "ports":
        return [[], [PORT_SPECS[0]], PORT_SPECS[3:5], ["127.0.0.1:5432", "80"]]  # one with a host IP
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


MEMOIZED = [driver for driver in Driver if memo_key(driver, BASES[0], _prerequisites(driver)) is not None]
# The English run tries more requests; the Chinese one checks the translated notes keep the same keys.
BASE_COUNT: dict[Language, int] = {"en": 100, "zh-CN": 30}


def test_windows_drivers_and_windows_answers_are_never_memoized() -> None:
    windows_only = {Driver.nat, Driver.transparent, Driver.l2bridge, Driver.l2tunnel}
    assert windows_only.isdisjoint(MEMOIZED) and len(MEMOIZED) == 6
    for driver in Driver:
        for request in WINDOWS_BASES:
            assert memo_key(driver, request, _prerequisites(driver)) is None


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
@pytest.mark.parametrize("driver", MEMOIZED)
def test_requests_with_the_same_memo_key_get_the_same_commands(driver: Driver, language: Language) -> None:
    """Change one field at a time, every field, to each of several values: whenever the memo key stays the
    same, the commands and the assumptions they record (in the answer's language) must stay the same too."""
    fields = [("requirements", name, info) for name, info in Requirements.model_fields.items()]
    fields += [("deployment", name, info) for name, info in Deployment.model_fields.items()]
    prerequisites = _prerequisites(driver)
    same_key = changed_key = 0
    for request in BASES[: BASE_COUNT[language]]:
        key = memo_key(driver, request, prerequisites, language)
        if key is None:  # a Windows answer, built every time (the test above)
            assert request.requirements.platform is Platform.windows
            continue
        expected = _built(driver, request, language)
        for section, name, info in fields:
            for variant in _variants(request, section, name, info):
                variant_key = memo_key(driver, variant, prerequisites, language)
                if variant_key != key:
                    changed_key += 1
                    continue
                assert _built(driver, variant, language) == expected, (
                    f"{driver.value} commands read {section}.{name}"
                )
                same_key += 1
    assert same_key > 10 * BASE_COUNT[language] and changed_key > BASE_COUNT[language]


@pytest.mark.parametrize("driver", MEMOIZED)
def test_the_language_is_part_of_the_key(driver: Driver) -> None:
    """The same request in English then Chinese: two keys, and each language gets its own notes."""
    request = RecommendationRequest.model_validate({"requirements": {"own_ip": True, "ipv6": True}})
    prerequisites = _prerequisites(driver)
    assert memo_key(driver, request, prerequisites, "en") != memo_key(driver, request, prerequisites, "zh-CN")
    for language in ("en", "zh-CN", "en"):
        log = AssumptionLog()
        commands = commands_for(driver, request, log, prerequisites, language)
        assert (commands, log.items()) == _built(driver, request, language)
    english, chinese = _built(driver, request, "en"), _built(driver, request, "zh-CN")
    assert english != chinese  # a translated note or description, so a shared entry would be visible


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_a_memoized_answer_is_the_built_one(catalogue: Catalogue, language: Language) -> None:
    """Whole answers (Windows ones too) with the memo empty, then warm (every lookup a hit): the same JSON
    bytes; English first, so a Chinese answer served from English entries would differ."""
    localized = catalogue.localized(language)
    requests = BASES + WINDOWS_BASES
    command_memo.clear()
    [recommend_data(catalogue, request) for request in requests]  # the English entries, warm
    cold = [orjson.dumps(recommend_data(localized, request)) for request in requests]
    hits = command_memo.memo_stats()[0]
    warm = [orjson.dumps(recommend_data(localized, request)) for request in requests]
    assert command_memo.memo_stats()[0] > hits
    assert cold == warm


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
@pytest.mark.parametrize("driver", list(Driver))
def test_a_hit_records_the_same_assumptions_as_a_build(driver: Driver, language: Language) -> None:
    """Linux drivers on Linux, and every driver (Windows' four included) on Windows, which bypasses the
    memo: a miss then a hit give the builder's own commands and assumptions, in the answer's language."""
    platform = "linux" if driver in MEMOIZED else "windows"
    for platform_name in {platform, "windows"}:
        body = {"requirements": {"own_ip": True, "host_access": True, "platform": platform_name}}
        request = RecommendationRequest.model_validate(body)
        expected = _built(driver, request, language)
        for _ in range(2):  # a miss, then a hit
            log = AssumptionLog()
            commands = commands_for(driver, request, log, _prerequisites(driver), language)
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
