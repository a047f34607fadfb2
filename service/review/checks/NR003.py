"""NR003 host-network-with-ports: the check; the rule's data is `rules/review/NR003.yaml`."""

from __future__ import annotations

from collections.abc import Iterator

from service.review.catalogue import ReviewRule
from service.review.checks._common import Hit, on_host_network, ports_text, published_ports, service_fix
from service.review.context import ReviewContext


def host_network_with_ports(ctx: ReviewContext, rule: ReviewRule) -> Iterator[Hit]:
    for service in ctx.project.services.values():
        if not service.ports or not on_host_network(service, ctx):
            continue
        _ = ctx._
        ports = ports_text(service, _=_)
        yield Hit(
            message=_(
                "service `{service}` uses the host network and publishes ports "
                "({ports}): Docker Compose v2 starts it anyway and the engine warns "
                '"Published ports are discarded when using host network mode" (the Compose spec calls the '
                "combination an error); the app's ports already open on every host interface"
            ).format(service=service.name, ports=ports),
            expected=_("no `ports:` with the host network"),
            fix=service_fix(
                service,
                _(
                    "Remove `ports:` (the app listens on the host's interfaces directly), or drop "
                    "host networking and keep the ports on a user-defined bridge."
                ),
                {"network_mode": "host"},
            ),
            **published_ports(service, _=_),
        )
