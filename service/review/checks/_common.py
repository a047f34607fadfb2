"""What every check shares: the `Hit` it yields, and small readers of services, ports and addresses."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypedDict

from service.catalogue import SelectionRule
from service.commands import snippet
from service.i18n import Gettext, english
from service.models import Driver
from service.review.catalogue import ReviewRule
from service.review.context import ReviewContext
from service.review.models import Fix
from service.review.project import Network, Service
from service.review.yamltree import Mark


@dataclass
class Hit:
    mark: Mark
    message: str
    expected: str
    found: str
    fix: Fix
    service: str | None = None
    network: str | None = None
    services: tuple[str, ...] = ()
    selection_rules: tuple[str, ...] = ()
    requirements: dict[str, Any] = field(default_factory=dict)
    key: str = ""  # what was found, for the fingerprint (stable when lines move)


Check = Callable[[ReviewContext, ReviewRule], Iterator[Hit]]


def networks_of(ctx: ReviewContext, service: Service) -> list[tuple[Network, str | None]]:
    result = []
    for attachment in service.attachments:
        network = ctx.project.networks.get(attachment.network)
        if network is not None:
            result.append((network, network.effective_driver(ctx.swarm([service]))))
    return result


def on_default_bridge(service: Service, ctx: ReviewContext) -> bool:
    if service.mode == "bridge":
        return True
    return any(network.is_default_bridge for network, _ in networks_of(ctx, service))


def on_host_network(service: Service, ctx: ReviewContext) -> bool:
    if service.mode == "host":
        return True
    return any(
        network.external and network.external_name == "host" for network, _ in networks_of(ctx, service)
    )


def ports_text(service: Service, limit: int = 4, _: Gettext = english) -> str:
    shown = ", ".join(port.raw for port in service.ports[:limit])
    if len(service.ports) > limit:
        return _("{ports} and {more} more").format(ports=shown, more=len(service.ports) - limit)
    return shown


def port_mark(service: Service) -> Mark:
    return service.ports_key or (service.ports[0].mark if service.ports else service.mark)


def plain(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return str(getattr(value, "value", value))


def requirement_text(values: dict[str, Any]) -> str:
    return ", ".join(f"{name}={plain(value)}" for name, value in values.items())


def parse_network(value: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(value, strict=False)
    except ValueError:
        return None


def parse_address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def selection_rule(ctx: ReviewContext, rule: ReviewRule) -> SelectionRule:
    """The selection rule a review rule names in its YAML (`selection_rules: [NA022]`), whose condition
    or threshold the check reuses so the advisor and the review never disagree."""
    codes = rule.data.selection_rules
    if len(codes) != 1:
        raise ValueError(f"{rule.id} must name exactly one selection rule to reuse, not {codes}")
    return ctx.rule(codes[0])


def service_fix(
    service: Service, description: str, settings: dict[str, Any], driver: Driver | None = None
) -> Fix:
    """A fix that changes one service's settings, shown as the Compose snippet that sets them."""
    return Fix(
        description=description, compose=snippet({"services": {service.name: settings}}), driver=driver
    )


class AboutService(TypedDict):
    """The `Hit` fields that say a finding concerns one service (and maybe one of its networks)."""

    service: str | None
    network: str | None
    services: tuple[str, ...]
    selection_rules: tuple[str, ...]


class PublishedPorts(AboutService):
    """The `Hit` fields of a finding that service X publishes ports where they cannot work."""

    mark: Mark
    found: str
    key: str


def about_service(
    service: Service, network: str | None = None, linked: ReviewRule | None = None
) -> AboutService:
    """`Hit(..., **about_service(service))`: the service is the only one involved; `linked` adds the
    selection rules the review rule's YAML names, for checks that restate a selection rule's fact."""
    return {
        "service": service.name,
        "network": network,
        "services": (service.name,),
        "selection_rules": tuple(linked.data.selection_rules) if linked is not None else (),
    }


def published_ports(
    service: Service, network: str | None = None, linked: ReviewRule | None = None, _: Gettext = english
) -> PublishedPorts:
    """`Hit(..., **published_ports(service))`: pointing at `ports:`, found the ports, one per service."""
    return {
        **about_service(service, network, linked),
        "mark": port_mark(service),
        "found": f"ports: {ports_text(service, _=_)}",
        "key": "ports",
    }
