"""Networks several checks look at: LAN (macvlan/ipvlan) networks, declared subnets, overlays."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from service.commands import is_lan_driver, snippet
from service.models import Driver
from service.review.checks._common import parse_network
from service.review.context import ReviewContext
from service.review.models import Fix
from service.review.project import Network, Service


def lan_networks(ctx: ReviewContext) -> Iterator[tuple[Network, str]]:
    for network in ctx.project.networks.values():
        if not network.declared or network.external:
            continue
        driver = network.effective_driver(ctx.swarm(ctx.project.attached(network.name)))
        if driver is not None and is_lan_driver(driver):
            yield network, driver


def lan_fix(
    ctx: ReviewContext, network: Network, driver: str, description: str, settings: dict[str, Any]
) -> Fix:
    attached = ctx.project.attached(network.name)
    effective = ctx.effective(attached[0] if attached else None)
    commands, _ = ctx.commands_for(Driver(driver), effective, network)
    return Fix(
        description=description,
        compose=snippet({"networks": {network.name: settings}}),
        commands=commands,
        driver=Driver(driver),
    )


def declared_subnets(ctx: ReviewContext) -> list[tuple[Network, Any, Any]]:
    result = []
    for network in ctx.project.networks.values():
        if network.external:
            continue
        for located in network.subnets():
            parsed = parse_network(located.value)
            if parsed is not None:
                result.append((network, located, parsed))
    order = {name: index for index, name in enumerate(ctx.project.files)}
    return sorted(
        result, key=lambda item: (order.get(item[1].mark.file, 99), item[1].mark.line, item[1].mark.column)
    )


def overlays(ctx: ReviewContext) -> Iterator[tuple[Network, list[Service]]]:
    for network in ctx.project.networks.values():
        if not network.declared or network.external:
            continue
        attached = ctx.project.attached(network.name)
        if network.effective_driver(ctx.swarm(attached)) == "overlay":
            yield network, attached
