"""NR013 ports-on-lan-network: the check; the rule's data is `rules/review/NR013.yaml`."""

from __future__ import annotations

from collections.abc import Iterator

from service.review.catalogue import ReviewRule
from service.review.checks._common import Hit, networks_of, port_mark, ports_text, snippet
from service.review.context import ReviewContext, is_lan
from service.review.models import Fix


def ports_on_lan_network(ctx: ReviewContext, rule: ReviewRule) -> Iterator[Hit]:
    for service in ctx.project.services.values():
        if not service.ports or service.network_mode is not None:
            continue
        networks = networks_of(ctx, service)
        if not networks or not all(is_lan(driver) for _, driver in networks):
            continue
        network, driver = networks[0]
        _ = ctx._
        ports = ports_text(service, _=_)
        yield Hit(
            mark=port_mark(service),
            message=_(
                "service `{service}` is only on {driver} network `{network}` and publishes "
                "ports ({ports}): {driver} containers are reached on their own LAN address, and "
                "Docker maps no ports for them"
            ).format(service=service.name, driver=driver, network=network.name, ports=ports),
            expected=_("clients use the container's LAN IP and the app's own ports"),
            found=f"ports: {ports}",
            fix=Fix(
                description=_(
                    "Remove `ports:` and give the container a fixed address so clients can find it, "
                    "or also attach a bridge network if ports must be published on the host's IP."
                ),
                compose=snippet(
                    {
                        "services": {
                            service.name: {"networks": {network.name: {"ipv4_address": "192.168.1.200"}}}
                        }
                    }
                ),
            ),
            service=service.name,
            network=network.name,
            services=(service.name,),
            selection_rules=tuple(rule.data.selection_rules),
            key="ports",
        )
