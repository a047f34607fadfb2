"""NR017 overlay-mtu-in-cloud: the check; the rule's data is `rules/review/NR017.yaml`."""

from __future__ import annotations

from collections.abc import Iterator

from service.commands import MTU_OPTION, mtu_options, snippet
from service.models import Deployment
from service.review.catalogue import ReviewRule
from service.review.checks._common import Hit, requirement_text, selection_rule
from service.review.checks._networks import overlays
from service.review.context import ReviewContext
from service.review.models import Fix
from service.review.yamltree import Mark


def overlay_mtu_in_cloud(ctx: ReviewContext, rule: ReviewRule) -> Iterator[Hit]:
    selection = selection_rule(ctx, rule)
    for network, attached in overlays(ctx):
        mtu = network.mtu
        deployment = Deployment()
        if mtu is not None:
            if mtu.unresolved:
                continue
            try:
                deployment = Deployment(mtu=int(mtu.value))
            except ValueError:
                continue  # an MTU is set, if an odd one: not this rule's business
        for effective in {
            e.key: e for e in ([ctx.effective(s) for s in attached] or [ctx.effective(None)]) if e
        }.values():
            if not selection.condition(ctx.facts(effective, deployment)):
                continue
            values = effective.values({"cloud"})
            yield Hit(
                mark=network.anchor or Mark("", 1, 1),
                message=ctx._(
                    "overlay network `{network}` runs in a cloud ({requirements}) "
                    "with no MTU option: VXLAN adds 50 bytes, and where the VPC's MTU is below 1500 (GCP "
                    "1460, OpenStack 1450, VPNs less) large packets are silently dropped"
                ).format(network=network.name, requirements=requirement_text(values)),
                expected=ctx._("driver_opts {option}: the underlay MTU minus 50").format(option=MTU_OPTION),
                found=ctx._("no MTU driver option"),
                fix=Fix(
                    description=ctx._(
                        "Check the VPC's MTU (`ip link show` on a host) and set the overlay's to it "
                        "minus 50 (minus about 60 more if encrypted)."
                    ),
                    compose=snippet(
                        {"networks": {network.name: {"driver": "overlay", "driver_opts": mtu_options(1410)}}}
                    ),
                ),
                network=network.name,
                services=tuple(s.name for s in attached),
                selection_rules=tuple(rule.data.selection_rules),
                requirements=values,
                key=effective.key,
            )
