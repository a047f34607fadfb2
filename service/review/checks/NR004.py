"""NR004 none-network-with-ports: the check; the rule's data is `rules/review/NR004.yaml`."""

from __future__ import annotations

from collections.abc import Iterator

from service.review.catalogue import ReviewRule
from service.review.checks._common import Hit, port_mark, ports_text, snippet
from service.review.context import ReviewContext
from service.review.models import Fix


def none_network_with_ports(ctx: ReviewContext, rule: ReviewRule) -> Iterator[Hit]:
    for service in ctx.project.services.values():
        if service.mode != "none" or not service.ports:
            continue
        _ = ctx._
        ports = ports_text(service, _=_)
        yield Hit(
            mark=port_mark(service),
            message=_(
                "service `{service}` has `network_mode: none`, so it has only a loopback "
                "interface; the published ports ({ports}) can never be reached"
            ).format(service=service.name, ports=ports),
            expected=_("no `ports:` with network_mode: none"),
            found=f"ports: {ports}",
            fix=Fix(
                description=_(
                    "Remove `ports:`; if clients must reach the service, attach it to a network "
                    "(`internal: true` keeps it away from the outside world)."
                ),
                compose=snippet({"services": {service.name: {"network_mode": "none"}}}),
            ),
            service=service.name,
            services=(service.name,),
            key="ports",
        )
