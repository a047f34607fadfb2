"""NR009 lan-network-without-subnet: the check; the rule's data is `rules/review/NR009.yaml`."""

from __future__ import annotations

from collections.abc import Iterator

from service.commands import lan_pool, plan_lan
from service.review.catalogue import ReviewRule
from service.review.checks._common import Hit
from service.review.checks._networks import lan_fix, lan_networks
from service.review.context import ReviewContext
from service.review.yamltree import Mark

# The advisor's own default LAN plan (subnet, router, container range), as the example to replace.
_EXAMPLE_LAN, _ = plan_lan(None, None, None, None, None)


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
                {"driver": driver, "ipam": {"config": [lan_pool(_EXAMPLE_LAN)]}},
            ),
            network=network.name,
            services=tuple(s.name for s in ctx.project.attached(network.name)),
            key="subnet",
        )
