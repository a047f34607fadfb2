"""NR020 undeclared-network: the check; the rule's data is `rules/review/NR020.yaml`."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from service.commands import snippet
from service.review.catalogue import ReviewRule
from service.review.checks._common import Hit
from service.review.context import ReviewContext
from service.review.models import Fix


def undeclared_network(ctx: ReviewContext, rule: ReviewRule) -> Iterator[Hit]:
    declared = sorted(ctx.project.networks)
    for service in ctx.project.services.values():
        for attachment in service.attachments:
            if attachment.network in ctx.project.networks:
                continue
            close = difflib.get_close_matches(attachment.network, declared, n=1)
            hint = f" (did you mean `{close[0]}`?)" if close else ""
            yield Hit(
                mark=attachment.mark,
                message=f"service `{service.name}` joins network `{attachment.network}`, which is not "
                f"declared under the top-level `networks:`{hint}; Compose refuses the file",
                expected=f"`{attachment.network}` declared under networks:"
                + (f" (declared: {', '.join(declared)})" if declared else ""),
                found=f"networks: {attachment.network}",
                fix=Fix(
                    description=f"Declare `{attachment.network}` under the top-level `networks:` (or fix the "
                    "name).",
                    compose=snippet(
                        {"networks": {close[0] if close else attachment.network: {"driver": "bridge"}}}
                    )
                    if not close
                    else snippet({"services": {service.name: {"networks": [close[0]]}}}),
                ),
                service=service.name,
                network=attachment.network,
                services=(service.name,),
                key=attachment.network,
            )
