"""NR023 shared-namespace-with-ports: the check; the rule's data is `rules/review/NR023.yaml`."""

from __future__ import annotations

from collections.abc import Iterator

from service.commands import snippet
from service.review.catalogue import ReviewRule
from service.review.checks._common import Hit, port_mark, ports_text
from service.review.context import ReviewContext
from service.review.models import Fix


def shared_namespace_with_ports(ctx: ReviewContext, rule: ReviewRule) -> Iterator[Hit]:
    for service in ctx.project.services.values():
        if service.mode not in ("service", "container") or not service.ports or service.network_mode is None:
            continue
        owner = service.network_mode.value.split(":", 1)[1]
        yield Hit(
            mark=port_mark(service),
            message=f"service `{service.name}` shares the network stack of `{owner}` "
            f"(`network_mode: {service.network_mode.value}`) and publishes ports ({ports_text(service)}); "
            "Docker refuses to publish ports on a container that uses another's network namespace",
            expected=f"the ports published on `{owner}`",
            found=f"ports: {ports_text(service)} on `{service.name}`",
            fix=Fix(
                description=f"Move the `ports:` entries to the service that owns the stack (`{owner}`); "
                "both containers listen on the same interfaces.",
                compose=snippet({"services": {owner: {"ports": [p.raw for p in service.ports]}}})
                if service.mode == "service"
                else None,
            ),
            service=service.name,
            services=(service.name,),
            key=f"ports|{service.network_mode.value}",
        )
