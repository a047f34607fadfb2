"""NR008 lan-network-without-parent: the check; the rule's data is `rules/review/NR008.yaml`."""

from __future__ import annotations

from collections.abc import Iterator

from service.commands import DEFAULT_PARENT
from service.review.catalogue import ReviewRule
from service.review.checks._common import Hit
from service.review.checks._networks import lan_fix, lan_networks
from service.review.context import ReviewContext
from service.review.yamltree import Mark


def lan_network_without_parent(ctx: ReviewContext, rule: ReviewRule) -> Iterator[Hit]:
    for network, driver in lan_networks(ctx):
        if "parent" in network.driver_opts or network.is_internal:
            continue
        yield Hit(
            mark=network.anchor or network.driver_opts_key or Mark("", 1, 1),
            message=ctx._(
                "{driver} network `{network}` names no `parent` interface: Docker then creates a "
                "dummy interface, so the containers are cut off from the LAN instead of joining it"
            ).format(driver=driver, network=network.name),
            expected=ctx._("driver_opts.parent: the host interface on the LAN (eth0, or eth0.<vlan>)"),
            found=ctx._("no driver_opts.parent"),
            fix=lan_fix(
                ctx,
                network,
                driver,
                ctx._("Add the host's LAN interface as `parent` (`ip route show default` names it)."),
                {"driver": driver, "driver_opts": {"parent": DEFAULT_PARENT}},
            ),
            network=network.name,
            services=tuple(s.name for s in ctx.project.attached(network.name)),
            key="parent",
        )
