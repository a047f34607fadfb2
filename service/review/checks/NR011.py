"""NR011 static-address-outside-subnet: the check; the rule's data is `rules/review/NR011.yaml`."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from service.commands import snippet
from service.i18n import Gettext, english
from service.review.catalogue import ReviewRule
from service.review.checks._common import Hit, parse_address, parse_network
from service.review.context import ReviewContext
from service.review.models import Fix
from service.review.project import Network, Service
from service.review.yamltree import Mark


def static_address_outside_subnet(ctx: ReviewContext, rule: ReviewRule) -> Iterator[Hit]:
    for service in ctx.project.services.values():
        for attachment in service.attachments:
            network = ctx.project.networks.get(attachment.network)
            if network is None or network.external:
                continue
            for field_name in ("ipv4_address", "ipv6_address"):
                located = getattr(attachment, field_name)
                if located is None or located.unresolved:
                    continue
                hit = _static_hit(service, network, field_name, located.value, located.mark, ctx._)
                if hit is not None:
                    yield hit


def _static_hit(
    service: Service, network: Network, field_name: str, value: str, mark: Mark, _: Gettext = english
) -> Hit | None:
    version = 4 if field_name == "ipv4_address" else 6
    address = parse_address(value)
    subnets = [s for s in (parse_network(x.value) for x in network.subnets()) if s is not None]
    family = [s for s in subnets if s.version == version]
    gateways = {
        parse_address(p.gateway.value)
        for p in network.pools
        if p.gateway is not None and not p.gateway.unresolved
    }
    common = {
        "service": service.name,
        "network": network.name,
        "services": (service.name,),
        "key": f"{field_name}={value}",
    }
    example = {"services": {service.name: {"networks": {network.name: {field_name: value}}}}}
    names = {"service": service.name, "network": network.name, "field": field_name, "value": value}
    if address is None or address.version != version:
        return Hit(
            mark=mark,
            message=_(
                "service `{service}`: {field} {quoted} on network `{network}` is not an IPv{version} address"
            ).format(quoted=repr(value), version=version, **names),
            expected=_("an IPv{version} address inside the network's subnet").format(version=version),
            found=f"{field_name}: {value}",
            fix=Fix(
                description=_("Write an IPv{version} address from the subnet of `{network}`.").format(
                    version=version, network=network.name
                )
            ),
            **common,  # type: ignore[arg-type]
        )
    if not family:
        return Hit(
            mark=mark,
            message=_(
                "service `{service}` asks for {field} {value} on network `{network}`, "
                "which has no IPv{version} subnet in its ipam.config; Compose requires one covering every "
                "static address (Docker before 29.0.4 refuses the container)"
            ).format(version=version, **names),
            expected=_("network `{network}` with an ipam.config subnet containing {value}").format(**names),
            found=_("no IPv{version} subnet on `{network}`").format(version=version, network=network.name),
            fix=Fix(
                description=_(
                    "Declare the subnet the address belongs to under networks.{network}.ipam."
                ).format(network=network.name),
                compose=snippet(
                    {
                        **example,
                        "networks": {
                            network.name: {
                                "ipam": {
                                    "config": [
                                        {
                                            "subnet": str(
                                                ipaddress.ip_network(
                                                    f"{address}/{24 if version == 4 else 64}", strict=False
                                                )
                                            )
                                        }
                                    ]
                                }
                            }
                        },
                    }
                ),
            ),
            **common,  # type: ignore[arg-type]
        )
    if not any(address in subnet for subnet in family):
        subnet_text = ", ".join(str(s) for s in family)
        offset = 10 if family[0].num_addresses > 16 else 1
        suggestion = str(family[0].network_address + offset)
        return Hit(
            mark=mark,
            message=_(
                "service `{service}`: {field} {value} is outside the subnet of network "
                "`{network}` ({subnets}); Docker refuses to start the container"
            ).format(subnets=subnet_text, **names),
            expected=_("an address inside {subnets}").format(subnets=subnet_text),
            found=f"{field_name}: {value}",
            fix=Fix(
                description=_(
                    "Pick an address inside {subnets} (and inside its ip_range, clear of the "
                    "gateway and of addresses other devices use), or correct the subnet."
                ).format(subnets=subnet_text),
                compose=snippet(
                    {"services": {service.name: {"networks": {network.name: {field_name: suggestion}}}}}
                ),
            ),
            **common,  # type: ignore[arg-type]
        )
    if address in gateways:
        return Hit(
            mark=mark,
            message=_(
                "service `{service}`: {field} {value} is the gateway of network "
                "`{network}`; Docker reserves it and refuses the container"
            ).format(**names),
            expected=_("an address other than the gateway"),
            found=_("{field}: {value} (the gateway)").format(field=field_name, value=value),
            fix=Fix(description=_("Pick another address from the subnet for the container.")),
            **common,  # type: ignore[arg-type]
        )
    return None
