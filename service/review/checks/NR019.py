"""NR019 ipv6-without-subnet: the check; the rule's data is `rules/review/NR019.yaml`."""

from __future__ import annotations

from collections.abc import Iterator

from service.commands import DEFAULT_IPV6_SUBNET, snippet
from service.review.catalogue import ReviewRule
from service.review.checks._common import Hit
from service.review.context import ReviewContext
from service.review.models import Fix


def ipv6_without_subnet(ctx: ReviewContext, rule: ReviewRule) -> Iterator[Hit]:
    for network in ctx.project.networks.values():
        if network.external or network.enable_ipv6 is None or not network.enable_ipv6.value:
            continue
        if any(":" in subnet.value for subnet in network.subnets()):
            continue
        yield Hit(
            mark=network.enable_ipv6.mark,
            message=ctx._(
                "network `{network}` enables IPv6 without an IPv6 subnet: Docker's default pools "
                "hold no IPv6 prefixes, so the engine picks a unique-local /64 of its own (older engines "
                "refuse the network), a prefix you did not choose and nothing outside the host routes to"
            ).format(network=network.name),
            expected=ctx._("an IPv6 subnet in ipam.config (a /64 routed to this host, or a stable ULA)"),
            found=ctx._("enable_ipv6: true and no IPv6 subnet"),
            fix=Fix(
                description=ctx._("Add an IPv6 subnet to the network's ipam.config."),
                compose=snippet(
                    {
                        "networks": {
                            network.name: {
                                "enable_ipv6": True,
                                "ipam": {"config": [{"subnet": DEFAULT_IPV6_SUBNET}]},
                            }
                        }
                    }
                ),
            ),
            network=network.name,
            services=tuple(s.name for s in ctx.project.attached(network.name)),
            selection_rules=tuple(rule.data.selection_rules),
            key="ipv6",
        )
