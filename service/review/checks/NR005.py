"""NR005 network-mode-with-networks: the check; the rule's data is `rules/review/NR005.yaml`."""

from __future__ import annotations

from collections.abc import Iterator

from service.review.catalogue import ReviewRule
from service.review.checks._common import Hit
from service.review.context import ReviewContext
from service.review.models import Fix


def network_mode_with_networks(ctx: ReviewContext, rule: ReviewRule) -> Iterator[Hit]:
    for service in ctx.project.services.values():
        if service.network_mode is None or service.networks_key is None:
            continue
        mode = service.network_mode.value
        _ = ctx._
        networks = ", ".join(a.network for a in service.attachments)
        yield Hit(
            mark=service.networks_key,
            message=_(
                "service `{service}` sets both `network_mode: {mode}` and `networks:`; Compose "
                "rejects a service with both"
            ).format(service=service.name, mode=mode),
            expected=_("either network_mode or networks"),
            found=_("network_mode: {mode} and networks: {networks}").format(mode=mode, networks=networks),
            fix=Fix(
                description=_(
                    "Keep one: `network_mode` for host/none/another service's stack, or `networks:` "
                    "for Compose networks. For the host or none network in a Swarm stack, use an external "
                    "network named `host`/`none` under `networks:`."
                ),
            ),
            service=service.name,
            services=(service.name,),
            key=f"network_mode={mode}",
        )
