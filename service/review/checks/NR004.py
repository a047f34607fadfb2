"""NR004 none-network-with-ports: the check; the rule's data is `rules/review/NR004.yaml`."""

from __future__ import annotations

from collections.abc import Iterator

from service.commands import snippet
from service.review.catalogue import ReviewRule
from service.review.checks._common import Hit, port_mark, ports_text
from service.review.context import ReviewContext
from service.review.models import Fix


def none_network_with_ports(ctx: ReviewContext, rule: ReviewRule) -> Iterator[Hit]:
    for service in ctx.project.services.values():
        if service.mode != "none" or not service.ports:
            continue
        yield Hit(
            mark=port_mark(service),
            message=f"service `{service.name}` has `network_mode: none`, so it has only a loopback "
            f"interface; the published ports ({ports_text(service)}) can never be reached",
            expected="no `ports:` with network_mode: none",
            found=f"ports: {ports_text(service)}",
            fix=Fix(
                description="Remove `ports:`; if clients must reach the service, attach it to a network "
                "(`internal: true` keeps it away from the outside world).",
                compose=snippet({"services": {service.name: {"network_mode": "none"}}}),
            ),
            service=service.name,
            services=(service.name,),
            key="ports",
        )
