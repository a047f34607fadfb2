"""NR012 mac-address-on-ipvlan: the check; the rule's data is `rules/review/NR012.yaml`."""

from __future__ import annotations

from collections.abc import Iterator

from service.i18n import Gettext, english
from service.review.catalogue import ReviewRule
from service.review.checks._common import Hit, networks_of
from service.review.context import ReviewContext
from service.review.models import Fix
from service.review.project import Service
from service.review.yamltree import Mark


def mac_address_on_ipvlan(ctx: ReviewContext, rule: ReviewRule) -> Iterator[Hit]:
    for service in ctx.project.services.values():
        networks = networks_of(ctx, service)
        ipvlan = [network for network, driver in networks if driver == "ipvlan"]
        if not ipvlan:
            continue
        for attachment in service.attachments:
            if attachment.mac_address is not None and attachment.network in {n.name for n in ipvlan}:
                yield _mac_hit(
                    service,
                    attachment.network,
                    attachment.mac_address.mark,
                    attachment.mac_address.value,
                    ctx._,
                )
        if service.mac_address is not None and len(networks) == len(ipvlan):
            yield _mac_hit(
                service, ipvlan[0].name, service.mac_address.mark, service.mac_address.value, ctx._
            )


def _mac_hit(service: Service, network: str, mark: Mark, value: str, _: Gettext = english) -> Hit:
    return Hit(
        mark=mark,
        message=_(
            "service `{service}` sets mac_address {value} on ipvlan network `{network}`: ipvlan "
            "containers share the parent interface's MAC and cannot take their own, so Docker refuses it"
        ).format(service=service.name, value=value, network=network),
        expected=_("no mac_address on ipvlan (or macvlan, if each container needs its own MAC)"),
        found=f"mac_address: {value}",
        fix=Fix(
            description=_(
                "Remove mac_address, or switch the network to macvlan if the container must appear "
                "with its own MAC (not possible in most clouds or on Wi-Fi)."
            ),
        ),
        service=service.name,
        network=network,
        services=(service.name,),
        key=f"mac={value}",
    )
