"""NR020 undeclared-network: the check; the rule's data is `rules/review/NR020.yaml`."""

from __future__ import annotations

from collections.abc import Iterator

from service.commands import snippet
from service.review.catalogue import ReviewRule
from service.review.checks._common import Hit
from service.review.context import ReviewContext
from service.review.models import Fix
from service.suggest import closest


def undeclared_network(ctx: ReviewContext, rule: ReviewRule) -> Iterator[Hit]:
    declared = sorted(ctx.project.networks)
    for service in ctx.project.services.values():
        for attachment in service.attachments:
            if attachment.network in ctx.project.networks:
                continue
            close = closest(attachment.network, declared)
            _ = ctx._
            hint = _(" (did you mean `{name}`?)").format(name=close) if close else ""
            yield Hit(
                mark=attachment.mark,
                message=_(
                    "service `{service}` joins network `{network}`, which is not "
                    "declared under the top-level `networks:`{hint}; Compose refuses the file"
                ).format(service=service.name, network=attachment.network, hint=hint),
                expected=_("`{network}` declared under networks:").format(network=attachment.network)
                + (_(" (declared: {names})").format(names=", ".join(declared)) if declared else ""),
                found=f"networks: {attachment.network}",
                fix=Fix(
                    description=_(
                        "Declare `{network}` under the top-level `networks:` (or fix the name)."
                    ).format(network=attachment.network),
                    compose=snippet({"networks": {attachment.network: {"driver": "bridge"}}})
                    if not close
                    else snippet({"services": {service.name: {"networks": [close]}}}),
                ),
                service=service.name,
                network=attachment.network,
                services=(service.name,),
                key=attachment.network,
            )
