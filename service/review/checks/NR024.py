"""NR024 discovery-port-on-bridge: the check; the rule's data is `rules/review/NR024.yaml`."""

from __future__ import annotations

from collections.abc import Iterator

from service.facts import DISCOVERY_UDP_PORTS
from service.models import Driver
from service.review.catalogue import ReviewRule
from service.review.checks._common import Hit, about_service, networks_of, service_fix
from service.review.context import ReviewContext
from service.review.ports import PortBinding


def _discovery_port(port: PortBinding) -> int | None:
    """The first LAN broadcast/multicast port (the advisor's own list, so both agree) this binding carries."""
    if port.error is not None or port.target is None or port.protocol != "udp":
        return None
    low, high = port.target
    return next((number for number in DISCOVERY_UDP_PORTS if low <= number <= high), None)


def discovery_port_on_bridge(ctx: ReviewContext, rule: ReviewRule) -> Iterator[Hit]:
    for service in ctx.project.services.values():
        if service.mode not in (None, "bridge"):
            continue  # host networking receives the LAN's broadcasts; none/service/container are others'
        drivers = [driver for _, driver in networks_of(ctx, service)]
        if service.mode is None and not (drivers and all(driver == Driver.bridge for driver in drivers)):
            continue  # a macvlan/ipvlan attachment sits on the LAN itself
        for port in service.ports:
            number = _discovery_port(port)
            if number is None:
                continue
            yield Hit(
                mark=port.mark,
                message=ctx._(
                    "service `{service}` publishes {port}/udp on a bridge network: a "
                    "bridge never receives the LAN's broadcasts or multicast, so clients on the LAN that "
                    "discover or ask by broadcast (DHCP, PXE, mDNS, SSDP) never reach it"
                ).format(service=service.name, port=number),
                expected=ctx._("host networking (or macvlan/ipvlan) for a LAN broadcast/multicast protocol"),
                found=ctx._("{port} published on a bridge").format(port=port.raw),
                fix=service_fix(
                    service,
                    ctx._(
                        "Run the service with host networking and drop its `ports:`, or put it "
                        "on a macvlan network on the LAN (see `netadvisor explain NA055`)."
                    ),
                    {"network_mode": "host"},
                    Driver.host,
                ),
                key=f"{number}/udp",
                **about_service(service, linked=rule),
            )
            break  # one finding a service: the fix is the same for all its discovery ports
