"""Memoized command building: the commands and Compose snippet of a driver, keyed by what they read.

`commands.build_commands` is a pure function of the driver, the deployment values, the requirement
fields it reads (`COMMAND_REQUIREMENTS`) and the rule prerequisites; it also records the defaults it used
in the request's `AssumptionLog`. Building them took about half the engine's time, and distinct requests
share them far more often than they share whole answers (most requirement fields only move scores), so
the result is kept per key together with the assumptions it recorded, which are replayed into the log on
a hit: the answer is byte-identical either way (tests/test_command_memo.py, bench/snapshot_answers.py).

Cached values are shared between answers: nothing downstream may mutate them (the HTTP layer serialises
them, `recommend()` copies them into response models).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from service.commands import AssumptionLog, CommandsData, build_commands
from service.lru import LruCache
from service.models import Driver, RecommendationRequest

# What command building reads, per driver: requirement fields and deployment fields. A driver's commands
# never depend on a field outside its sets (host and none ignore addressing; bridge and overlay ignore the
# LAN; macvlan and ipvlan publish no ports), so distinct requests share them often. tests/test_command_memo.py
# changes every other field, request by request, and checks the commands and assumptions stay the same: a
# builder that starts reading a new field fails that test until the field is added here.
_EVERY_DRIVER_REQUIREMENTS = ("swarm", "hosts", "cross_host")
_EVERY_DRIVER_DEPLOYMENT = ("image", "container_name", "advertise_addr")
_NETWORK_REQUIREMENTS = ("network_access", "ipv6")
_NETWORK_DEPLOYMENT = ("network_name", "subnet", "gateway", "ip_range", "ipv6_subnet", "mtu")
_BRIDGE_REQUIREMENTS = (
    *_EVERY_DRIVER_REQUIREMENTS,
    *_NETWORK_REQUIREMENTS,
    "ports",
    "platform",
    "encryption",
)
_LAN_REQUIREMENTS = (
    *_EVERY_DRIVER_REQUIREMENTS,
    *_NETWORK_REQUIREMENTS,
    "vlan",
    "own_ip",
    "own_mac",
    "host_access",
)
COMMAND_INPUTS: dict[Driver, tuple[tuple[str, ...], tuple[str, ...]]] = {
    Driver.host: (_EVERY_DRIVER_REQUIREMENTS, _EVERY_DRIVER_DEPLOYMENT),
    # `none` in Swarm: its service command names a network (see commands.service_commands).
    Driver.none: (_EVERY_DRIVER_REQUIREMENTS, (*_EVERY_DRIVER_DEPLOYMENT, "network_name")),
    Driver.bridge: (_BRIDGE_REQUIREMENTS, (*_EVERY_DRIVER_DEPLOYMENT, *_NETWORK_DEPLOYMENT)),
    Driver.overlay: (_BRIDGE_REQUIREMENTS, (*_EVERY_DRIVER_DEPLOYMENT, *_NETWORK_DEPLOYMENT)),
    Driver.macvlan: (
        _LAN_REQUIREMENTS,
        (*_EVERY_DRIVER_DEPLOYMENT, *_NETWORK_DEPLOYMENT, "parent_interface"),
    ),
    Driver.ipvlan: (_LAN_REQUIREMENTS, (*_EVERY_DRIVER_DEPLOYMENT, *_NETWORK_DEPLOYMENT, "parent_interface")),
}
MEMO_SIZE = 4096  # entries of a few KB each: a few tens of MB in the worst case

_Recorded = tuple[tuple[str, str, str], ...]  # (field, value, note) in the order they were first recorded
_memo: LruCache[tuple[Any, ...], tuple[CommandsData, _Recorded]] = LruCache(MEMO_SIZE)


def _getter(names: tuple[str, ...]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """A C-speed tuple of the named values (itemgetter returns a bare value for one name, so never one)."""
    assert len(names) > 1
    return operator.itemgetter(*names)


# Per driver: the hashable requirement values, whether `ports` matters, the deployment values.
_KEY_PARTS = {
    driver: (
        _getter(tuple(name for name in requirement_names if name != "ports")),
        "ports" in requirement_names,
        _getter(deployment_names),
    )
    for driver, (requirement_names, deployment_names) in COMMAND_INPUTS.items()
}


def _key(
    driver: Driver, request: RecommendationRequest, prerequisites: list[tuple[str, list[str]]]
) -> tuple[Any, ...]:
    requirement_values, reads_ports, deployment_values = _KEY_PARTS[driver]
    requirements = request.requirements.__dict__
    return (
        driver,
        requirement_values(requirements),
        tuple(requirements["ports"]) if reads_ports else (),  # the one list field
        deployment_values(request.deployment.__dict__),
        tuple((description, tuple(argv)) for description, argv in prerequisites),
    )


def commands_for(
    driver: Driver,
    request: RecommendationRequest,
    log: AssumptionLog,
    prerequisites: list[tuple[str, list[str]]],
) -> CommandsData:
    """`build_commands`, memoized; the defaults it used are recorded in `log` as if it had run."""
    key = _key(driver, request, prerequisites)
    cached = _memo.get(key)
    if cached is None:
        own = AssumptionLog()
        commands = build_commands(driver, request, own, prerequisites)
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
