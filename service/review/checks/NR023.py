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
        _ = ctx._
        ports = ports_text(service, _=_)
        yield Hit(
            mark=port_mark(service),
            message=_(
                "service `{service}` shares the network stack of `{owner}` "
                "(`network_mode: {mode}`) and publishes ports ({ports}); "
                "Docker refuses to publish ports on a container that uses another's network namespace"
            ).format(service=service.name, owner=owner, mode=service.network_mode.value, ports=ports),
            expected=_("the ports published on `{owner}`").format(owner=owner),
            found=_("ports: {ports} on `{service}`").format(ports=ports, service=service.name),
            fix=Fix(
                description=_(
                    "Move the `ports:` entries to the service that owns the stack (`{owner}`); "
                    "both containers listen on the same interfaces."
                ).format(owner=owner),
                compose=snippet({"services": {owner: {"ports": [p.raw for p in service.ports]}}})
                if service.mode == "service"
                else None,
            ),
            service=service.name,
            services=(service.name,),
            key=f"ports|{service.network_mode.value}",
        )
