"""NR003 host-network-with-ports: the check; the rule's data is `rules/review/NR003.yaml`."""

from __future__ import annotations

from collections.abc import Iterator

from service.commands import snippet
from service.review.catalogue import ReviewRule
from service.review.checks._common import Hit, on_host_network, port_mark, ports_text
from service.review.context import ReviewContext
from service.review.models import Fix


def host_network_with_ports(ctx: ReviewContext, rule: ReviewRule) -> Iterator[Hit]:
    for service in ctx.project.services.values():
        if not service.ports or not on_host_network(service, ctx):
            continue
        yield Hit(
            mark=port_mark(service),
            message=f"service `{service.name}` uses the host network and publishes ports "
            f"({ports_text(service)}): Docker Compose v2 starts it anyway and the engine warns "
            '"Published ports are discarded when using host network mode" (the Compose spec calls the '
            "combination an error); the app's ports already open on every host interface",
            expected="no `ports:` with the host network",
            found=f"ports: {ports_text(service)}",
            fix=Fix(
                description="Remove `ports:` (the app listens on the host's interfaces directly), or drop "
                "host networking and keep the ports on a user-defined bridge.",
                compose=snippet({"services": {service.name: {"network_mode": "host"}}}),
            ),
            service=service.name,
            services=(service.name,),
            key="ports",
        )
