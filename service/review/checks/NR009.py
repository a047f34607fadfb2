"""NR009 lan-network-without-subnet: the check; the rule's data is `rules/review/NR009.yaml`."""

from __future__ import annotations

from collections.abc import Iterator

from service.review.catalogue import ReviewRule
from service.review.checks._common import Hit
from service.review.checks._networks import lan_fix, lan_networks
from service.review.context import ReviewContext
from service.review.yamltree import Mark


def lan_network_without_subnet(ctx: ReviewContext, rule: ReviewRule) -> Iterator[Hit]:
    for network, driver in lan_networks(ctx):
        if network.subnets() or any(p.subnet is not None for p in network.pools):
            continue
        yield Hit(
            mark=network.ipam_key or network.anchor or Mark("", 1, 1),
            message=ctx._(
                "{driver} network `{network}` has no IPAM subnet: Docker then picks one from its "
                "default pools (172.17.0.0/12, 192.168.0.0/16), not your LAN's, so the containers get "
                "addresses the LAN cannot route"
            ).format(driver=driver, network=network.name),
            expected=ctx._(
                "ipam.config with the LAN's subnet, its gateway and an ip_range DHCP never hands out"
            ),
            found=ctx._("no ipam.config subnet"),
            fix=lan_fix(
                ctx,
                network,
                driver,
                ctx._(
                    "Give the LAN's subnet and router, and an ip_range outside the DHCP pool (replace the "
                    "example addresses with yours)."
                ),
                {
                    "driver": driver,
                    "ipam": {
                        "config": [
                            {
                                "subnet": "192.168.1.0/24",
                                "gateway": "192.168.1.1",
                                "ip_range": "192.168.1.128/26",
                            }
                        ]
                    },
                },
            ),
            network=network.name,
            services=tuple(s.name for s in ctx.project.attached(network.name)),
            key="subnet",
        )
