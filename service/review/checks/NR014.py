"""NR014 overlapping-subnets: the check; the rule's data is `rules/review/NR014.yaml`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from service.review.catalogue import ReviewRule
from service.review.checks._common import Hit
from service.review.checks._networks import declared_subnets
from service.review.context import ReviewContext
from service.review.models import Fix
from service.review.project import Network


def overlapping_subnets(ctx: ReviewContext, rule: ReviewRule) -> Iterator[Hit]:
    seen: list[tuple[Network, Any, Any]] = []
    for network, located, subnet in declared_subnets(ctx):
        for other, other_located, other_subnet in seen:
            if other_subnet.version != subnet.version or not subnet.overlaps(other_subnet):
                continue
            _ = ctx._
            same = other.name == network.name
            where = _("another of its IPAM blocks") if same else _("network `{name}`").format(name=other.name)
            yield Hit(
                mark=located.mark,
                message=_(
                    "network `{network}`: subnet {subnet} overlaps {other} of {where} "
                    '({mark}); Docker refuses the second network ("Pool overlaps with other one '
                    'on this address space")'
                ).format(
                    network=network.name,
                    subnet=subnet,
                    other=other_subnet,
                    where=where,
                    mark=other_located.mark,
                ),
                expected=_("subnets that do not overlap"),
                found=_("{subnet} and {other}").format(subnet=subnet, other=other_subnet),
                fix=Fix(
                    description=_("Give `{network}` a subnet that does not overlap {other}.").format(
                        network=network.name, other=other_subnet
                    )
                ),
                network=network.name,
                key=f"{subnet}|{other_subnet}",
            )
            break
        seen.append((network, located, subnet))
