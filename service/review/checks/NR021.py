"""NR021 unused-network: the check; the rule's data is `rules/review/NR021.yaml`."""

from __future__ import annotations

from collections.abc import Iterator

from service.review.catalogue import ReviewRule
from service.review.checks._common import Hit
from service.review.context import ReviewContext
from service.review.models import Fix
from service.review.project import DEFAULT_NETWORK


def unused_network(ctx: ReviewContext, rule: ReviewRule) -> Iterator[Hit]:
    for network in ctx.project.networks.values():
        if not network.declared or network.name == DEFAULT_NETWORK or ctx.project.attached(network.name):
            continue
        if network.mark is None:
            continue
        yield Hit(
            mark=network.mark,
            message=ctx._("network `{network}` is declared but no service joins it").format(
                network=network.name
            ),
            expected=ctx._("every declared network used by a service"),
            found=ctx._("networks.{network} unused").format(network=network.name),
            fix=Fix(
                description=ctx._(
                    "Remove `{network}`, or add it to the `networks:` of the services that need it."
                ).format(network=network.name)
            ),
            network=network.name,
            key="unused",
        )
