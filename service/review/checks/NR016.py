"""NR016 overlay-not-attachable: the check; the rule's data is `rules/review/NR016.yaml`."""

from __future__ import annotations

from collections.abc import Iterator

from service.commands import snippet
from service.models import Driver
from service.review.catalogue import ReviewRule
from service.review.checks._common import Hit, selection_rule
from service.review.checks._networks import overlays
from service.review.context import ReviewContext
from service.review.models import Fix
from service.review.yamltree import Mark


def overlay_not_attachable(ctx: ReviewContext, rule: ReviewRule) -> Iterator[Hit]:
    selection = selection_rule(ctx, rule)
    for network, attached in overlays(ctx):
        if network.attachable is not None and network.attachable.value:
            continue
        effectives = [ctx.effective(s) for s in attached] or [ctx.effective(None)]
        swarm = ctx.swarm(attached)
        if not all(selection.condition(ctx.facts(effective, swarm=swarm)) for effective in effectives):
            continue  # deployed as a Swarm stack: services attach without --attachable
        commands, _ = ctx.commands_for(Driver.overlay, effectives[0], network)
        yield Hit(
            mark=network.anchor or Mark("", 1, 1),
            message=ctx._(
                "overlay network `{network}` is not attachable: `docker compose up` runs plain "
                "containers, and without `attachable: true` only Swarm services may join an overlay (the "
                'containers fail with "network ... not manually attachable")'
            ).format(network=network.name),
            expected=ctx._(
                "attachable: true (or swarm: true in the requirements, for `docker stack deploy`)"
            ),
            found=ctx._("driver: overlay without attachable"),
            fix=Fix(
                description=ctx._(
                    "Add `attachable: true`; the host must be in Swarm mode (`docker swarm init`) "
                    "for any overlay."
                ),
                compose=snippet({"networks": {network.name: {"driver": "overlay", "attachable": True}}}),
                commands=commands,
                driver=Driver.overlay,
            ),
            network=network.name,
            services=tuple(s.name for s in attached),
            selection_rules=tuple(rule.data.selection_rules),
            key="attachable",
        )
