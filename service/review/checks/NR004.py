"""NR004 none-network-with-ports: the check; the rule's data is `rules/review/NR004.yaml`."""

from __future__ import annotations

from collections.abc import Iterator

from service.review.catalogue import ReviewRule
from service.review.checks._common import Hit, ports_text, published_ports, service_fix
from service.review.context import ReviewContext


def none_network_with_ports(ctx: ReviewContext, rule: ReviewRule) -> Iterator[Hit]:
    for service in ctx.project.services.values():
        if service.mode != "none" or not service.ports:
            continue
        _ = ctx._
        ports = ports_text(service, _=_)
        yield Hit(
            message=_(
                "service `{service}` has `network_mode: none`, so it has only a loopback "
                "interface; the published ports ({ports}) can never be reached"
            ).format(service=service.name, ports=ports),
            expected=_("no `ports:` with network_mode: none"),
            fix=service_fix(
                service,
                _(
                    "Remove `ports:`; if clients must reach the service, attach it to a network "
                    "(`internal: true` keeps it away from the outside world)."
                ),
                {"network_mode": "none"},
            ),
            **published_ports(service, _=_),
        )
