"""NR018 internal-network-with-ports: the check; the rule's data is `rules/review/NR018.yaml`."""

from __future__ import annotations

from collections.abc import Iterator

from service.commands import snippet
from service.review.catalogue import ReviewRule
from service.review.checks._common import Hit, about_service, networks_of, port_mark, ports_text
from service.review.context import ReviewContext
from service.review.models import Fix


def internal_network_with_ports(ctx: ReviewContext, rule: ReviewRule) -> Iterator[Hit]:
    for service in ctx.project.services.values():
        if not service.ports or service.network_mode is not None:
            continue
        networks = networks_of(ctx, service)
        if not networks or not all(network.is_internal for network, _ in networks):
            continue
        names = ", ".join(f"`{network.name}`" for network, _ in networks)
        yield Hit(
            mark=port_mark(service),
            message=ctx._(
                "service `{service}` publishes ports ({ports}) but is only on "
                "internal networks ({networks}): an internal network has no way in from outside, so the "
                "ports are never reachable"
            ).format(service=service.name, ports=ports_text(service, _=ctx._), networks=names),
            expected=ctx._("published ports on a service that is also on a non-internal network"),
            found=ctx._("ports on internal-only service `{service}`").format(service=service.name),
            fix=Fix(
                description=ctx._(
                    "Remove `ports:`, or also attach the service to a non-internal network (a "
                    "front-end bridge) that carries the published ports."
                ),
                compose=snippet(
                    {
                        "services": {
                            service.name: {"networks": [*(n.name for n, _ in networks), "frontend"]}
                        },
                        "networks": {"frontend": {"driver": "bridge"}},
                    }
                ),
            ),
            key="ports",
            **about_service(service, networks[0][0].name, rule),
        )
