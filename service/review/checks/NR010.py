"""NR010 ipam-address-outside-subnet: the check; the rule's data is `rules/review/NR010.yaml`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from service.commands import snippet, suggested_gateway, suggested_ip_range
from service.i18n import Gettext, english
from service.review.catalogue import ReviewRule
from service.review.checks._common import Hit, parse_address, parse_network
from service.review.context import ReviewContext
from service.review.models import Fix
from service.review.project import Network, Pool


def ipam_address_outside_subnet(ctx: ReviewContext, rule: ReviewRule) -> Iterator[Hit]:
    for network in ctx.project.networks.values():
        if network.external:
            continue
        for pool in network.pools:
            yield from _pool_hits(network, pool, ctx._)


def _pool_hits(network: Network, pool: Pool, _: Gettext = english) -> Iterator[Hit]:
    if pool.subnet is None or pool.subnet.unresolved:
        return
    subnet = parse_network(pool.subnet.value)
    if subnet is None:
        yield Hit(
            mark=pool.subnet.mark,
            message=_(
                "network `{network}`: subnet {subnet} is not an IP network in CIDR form; Docker "
                "refuses to create the network"
            ).format(network=network.name, subnet=repr(pool.subnet.value)),
            expected=_("a subnet like 192.168.1.0/24 or fd00:1::/64"),
            found=f"subnet: {pool.subnet.value}",
            fix=Fix(description=_("Write the subnet as ADDRESS/PREFIX, e.g. 192.168.1.0/24.")),
            network=network.name,
            key=f"subnet={pool.subnet.value}",
        )
        return
    # The advisor's addressing policy, so a fix-it suggests the gateway and container range it would use.
    first_host = suggested_gateway(subnet)
    checks: list[tuple[str, Any, str]] = []
    if pool.gateway is not None and not pool.gateway.unresolved:
        checks.append(("gateway", pool.gateway, str(first_host)))
    if pool.ip_range is not None and not pool.ip_range.unresolved:
        checks.append(("ip_range", pool.ip_range, str(suggested_ip_range(subnet))))
    for name, located in pool.aux_addresses:
        if not located.unresolved:
            checks.append((f"aux_addresses.{name}", located, str(first_host)))
    for what, located, suggestion in checks:
        value = located.value
        if what == "ip_range":
            block = parse_network(value)
            inside = block is not None and block.version == subnet.version and block.subnet_of(subnet)  # type: ignore[arg-type]
        else:
            address = parse_address(value)
            inside = address is not None and address.version == subnet.version and address in subnet
        if inside:
            continue
        yield Hit(
            mark=located.mark,
            message=_(
                "network `{network}`: {field} {value} is outside the subnet {subnet}; Docker refuses to "
                "create the network"
            ).format(network=network.name, field=what, value=value, subnet=subnet),
            expected=_("{field} inside {subnet}").format(field=what, subnet=subnet),
            found=f"{what}: {value}",
            fix=Fix(
                description=_(
                    "Use a {field} inside {subnet} (for example {suggestion}), or correct the subnet."
                ).format(field=what.split(".")[0].replace("_", " "), subnet=subnet, suggestion=suggestion),
                compose=snippet(
                    {
                        "networks": {
                            network.name: {
                                "ipam": {"config": [{"subnet": str(subnet), what.split(".")[0]: suggestion}]}
                            }
                        }
                    }
                )
                if "." not in what
                else None,
            ),
            network=network.name,
            key=f"{what}={value}",
        )
