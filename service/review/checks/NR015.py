"""NR015 subnet-in-default-pools: the check; the rule's data is `rules/review/NR015.yaml`."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from service.commands import is_lan_driver, snippet
from service.review.catalogue import ReviewRule
from service.review.checks._common import Hit
from service.review.checks._networks import declared_subnets
from service.review.context import ReviewContext
from service.review.models import Fix

DEFAULT_POOLS = (
    *(ipaddress.IPv4Network(f"172.{second}.0.0/16") for second in range(17, 32)),
    ipaddress.IPv4Network("192.168.0.0/16"),
)


def subnet_in_default_pools(ctx: ReviewContext, rule: ReviewRule) -> Iterator[Hit]:
    for network, located, subnet in declared_subnets(ctx):
        if subnet.version != 4:
            continue
        driver = network.effective_driver(ctx.swarm(ctx.project.attached(network.name)))
        if is_lan_driver(driver) and "parent" in network.driver_opts:
            continue  # a LAN network's subnet is the LAN's; Docker's automatic pools avoid host routes
        pools = [pool for pool in DEFAULT_POOLS if subnet.overlaps(pool)]
        if not pools:
            continue
        _ = ctx._
        docker0 = (
            _(" and docker0's own 172.17.0.0/16") if any(str(p) == "172.17.0.0/16" for p in pools) else ""
        )
        yield Hit(
            mark=located.mark,
            message=_(
                "network `{network}`: subnet {subnet} lies in Docker's default address pools "
                "({pools}{docker0}), which Docker hands out to networks without "
                'a subnet: on a host with other Compose projects it may already be taken ("Pool overlaps"), '
                "and the order of `docker compose up` decides"
            ).format(
                network=network.name,
                subnet=subnet,
                pools=", ".join(str(p) for p in pools[:3]),
                docker0=docker0,
            ),
            expected=_(
                "a subnet outside 172.17.0.0/16-172.31.0.0/16 and 192.168.0.0/16 (e.g. in 10.0.0.0/8), "
                "or daemon pools that exclude it"
            ),
            found=f"subnet: {subnet}",
            fix=Fix(
                description=_(
                    "Pick a subnet outside the default pools, or move the pools away from it with "
                    '"default-address-pools" in /etc/docker/daemon.json (restart dockerd).'
                ),
                compose=snippet(
                    {"networks": {network.name: {"ipam": {"config": [{"subnet": "10.203.0.0/24"}]}}}}
                ),
            ),
            network=network.name,
            key=f"{subnet}",
        )
