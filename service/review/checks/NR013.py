"""NR013 ports-on-lan-network: the check; the rule's data is `rules/review/NR013.yaml`."""

from __future__ import annotations

from collections.abc import Iterator

from service.commands import is_lan_driver, plan_lan
from service.review.catalogue import ReviewRule
from service.review.checks._common import Hit, networks_of, ports_text, published_ports, service_fix
from service.review.context import ReviewContext
from service.review.project import Network


def ports_on_lan_network(ctx: ReviewContext, rule: ReviewRule) -> Iterator[Hit]:
    for service in ctx.project.services.values():
        if not service.ports or service.network_mode is not None:
            continue
        networks = networks_of(ctx, service)
        if not networks or not all(is_lan_driver(driver) for _, driver in networks):
            continue
        network, driver = networks[0]
        _ = ctx._
        ports = ports_text(service, _=_)
        yield Hit(
            message=_(
                "service `{service}` is only on {driver} network `{network}` and publishes "
                "ports ({ports}): {driver} containers are reached on their own LAN address, and "
                "Docker maps no ports for them"
            ).format(service=service.name, driver=driver, network=network.name, ports=ports),
            expected=_("clients use the container's LAN IP and the app's own ports"),
            fix=service_fix(
                service,
                _(
                    "Remove `ports:` and give the container a fixed address so clients can find it, "
                    "or also attach a bridge network if ports must be published on the host's IP."
                ),
                {"networks": {network.name: {"ipv4_address": _first_address(ctx, network)}}},
            ),
            **published_ports(service, network.name, rule, _=_),
        )


def _first_address(ctx: ReviewContext, network: Network) -> str:
    """The static address the advisor would give the first container: from the network's own subnet and
    ip_range where the file has valid ones, else from the advisor's default LAN plan."""
    deployment = ctx.deployment_for(network)
    lan, _ = plan_lan(None, None, deployment.subnet, deployment.gateway, deployment.ip_range)
    return lan.static_ip
