"""Memoized command building: the commands and Compose snippet of a driver, keyed by what they read.

`commands.build_platform_commands` is a pure function of the driver, the request fields it reads for
that driver (`memo_key`), the language its notes are written in and the rule prerequisites; it also
records the defaults it used in the request's `AssumptionLog`. Building them took about half the engine's
time, and distinct requests share them far more often than they share whole answers (most requirement
fields only move scores), so the result is kept per key together with the assumptions it recorded, which
are replayed into the log on a hit: the answer is byte-identical either way
(tests/commands/test_command_memo.py, bench/snapshot_answers.py).

Cached values are shared between answers: nothing downstream may mutate them (the HTTP layer serialises
them, `recommend()` copies them into response models).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from service.commands import AssumptionLog, CommandsData, build_platform_commands
from service.i18n import DEFAULT_LANGUAGE, Language, gettext_for
from service.lru import LruCache
from service.models import (
    Deployment,
    Driver,
    NetworkAccess,
    Platform,
    RecommendationRequest,
    Requirements,
)

MEMO_SIZE = 4096  # entries of a few KB each: a few tens of MB in the worst case

_Recorded = tuple[tuple[str, str, str], ...]  # (field, value, note) in the order they were first recorded
_memo: LruCache[tuple[Any, ...], tuple[CommandsData, _Recorded]] = LruCache(MEMO_SIZE)

# What command building reads, per driver, and only when it reads it: host and none ignore addressing,
# bridge and overlay the LAN, macvlan and ipvlan published ports; without Swarm only an overlay's join step
# looks at the host count; a default IPv6 subnet is used only with IPv6. The keys below say exactly that,
# so distinct requests share commands often. tests/commands/test_command_memo.py changes requests one field
# at a time and checks that whenever the key stays the same, so do the commands and the assumptions: a
# builder that starts reading something new fails that test until the key reads it too. Every key also
# holds the platform and the language (notes and descriptions are translated). Windows answers (`platform:
# windows`, service/commands/windows.py, any driver) are not memoized: they are built each time, so nothing
# about what that builder reads can go stale here.


def _swarm(driver: Driver, r: Requirements, d: Deployment) -> tuple[Any, ...]:
    if r.swarm:
        return (True, r.hosts, r.cross_host, d.advertise_addr)
    if driver is Driver.overlay:  # always needs Swarm mode; a join step when more than one host
        return (False, r.hosts > 1 or r.cross_host, d.advertise_addr)
    return (False,)


def _ipv6(r: Requirements, d: Deployment) -> tuple[Any, ...]:
    return (True, d.ipv6_subnet) if r.ipv6 else (False,)


def _published(r: Requirements) -> tuple[Any, ...]:
    # Ports are published only with full network access.
    return (r.network_access, tuple(r.ports) if r.network_access is NetworkAccess.full else ())


def _host_key(driver: Driver, r: Requirements, d: Deployment) -> tuple[Any, ...]:
    # `none` in Swarm: its service command names a network (see commands.service_commands).
    network = d.network_name if driver is Driver.none and r.swarm else None
    return (*_swarm(driver, r, d), d.image, d.container_name, network)


def _bridge_key(driver: Driver, r: Requirements, d: Deployment) -> tuple[Any, ...]:
    # Only a bridge reads the platform (`nat` on Windows), an IP range and no encryption; only an overlay
    # reads encryption.
    bridge = driver is Driver.bridge
    own = (r.platform, d.ip_range) if bridge else (r.encryption,)
    addressing = (d.network_name, d.subnet, d.gateway, d.mtu, d.image, d.container_name)
    return (*_swarm(driver, r, d), *_published(r), *_ipv6(r, d), *own, *addressing)


def _lan_key(driver: Driver, r: Requirements, d: Deployment) -> tuple[Any, ...]:
    internal = r.network_access is NetworkAccess.internal
    # macvlan: a shim for host access, a MAC of its own; ipvlan shares the parent's MAC, so only whether
    # the container gets a fixed IP matters.
    own = (r.own_ip, r.own_mac, r.host_access) if driver is Driver.macvlan else (r.own_ip or r.own_mac,)
    lan = (d.parent_interface, r.vlan, d.subnet, d.gateway, d.ip_range, d.network_name, d.mtu)
    return (*_swarm(driver, r, d), internal, *_ipv6(r, d), *own, *lan, d.image, d.container_name)


_KEYS: dict[Driver, Callable[[Driver, Requirements, Deployment], tuple[Any, ...]]] = {
    Driver.host: _host_key,
    Driver.none: _host_key,
    Driver.bridge: _bridge_key,
    Driver.overlay: _bridge_key,
    Driver.macvlan: _lan_key,
    Driver.ipvlan: _lan_key,
}


def memo_key(
    driver: Driver,
    request: RecommendationRequest,
    prerequisites: list[tuple[str, list[str]]],
    language: Language = DEFAULT_LANGUAGE,
) -> tuple[Any, ...] | None:
    """Everything the Linux builder reads for this driver in `language`; equal keys, equal commands and
    assumptions. None for what is never memoized: Windows answers and any driver without a derived key."""
    requirements = request.requirements
    key = _KEYS.get(driver)
    if key is None or requirements.platform is Platform.windows:
        return None
    return (
        driver,
        language,
        requirements.platform,
        key(driver, requirements, request.deployment),
        tuple((description, tuple(argv)) for description, argv in prerequisites),
    )


def commands_for(
    driver: Driver,
    request: RecommendationRequest,
    log: AssumptionLog,
    prerequisites: list[tuple[str, list[str]]],
    language: Language = DEFAULT_LANGUAGE,
) -> CommandsData:
    """`build_platform_commands` in `language`, memoized; the defaults it used are recorded in `log` as if
    it had run."""
    key = memo_key(driver, request, prerequisites, language)
    if key is None:
        return build_platform_commands(driver, request, log, prerequisites, gettext_for(language))
    cached = _memo.get(key)
    if cached is None:
        own = AssumptionLog()
        commands = build_platform_commands(driver, request, own, prerequisites, gettext_for(language))
        recorded = tuple((item["field"], item["value"], item["note"]) for item in own.items())
        cached = (commands, recorded)
        _memo.put(key, cached)
    commands, recorded = cached
    for name, value, note in recorded:
        log.record(name, value, note, driver)
    return commands


def memo_stats() -> tuple[int, int, int]:
    """Hits, misses and entries so far."""
    return _memo.hits, _memo.misses, len(_memo)


def clear() -> None:
    """Forget every memoized result (tests that compare with the unmemoized builder)."""
    _memo.clear()
