"""NR007 large-published-port-range: the check; the rule's data is `rules/review/NR007.yaml`."""

from __future__ import annotations

from collections.abc import Iterator

from service.catalogue import SelectionRule
from service.commands import is_lan_driver
from service.i18n import Gettext, english
from service.models import Driver
from service.review.catalogue import ReviewRule
from service.review.checks._common import (
    Hit,
    about_service,
    networks_of,
    ports_text,
    selection_rule,
    service_fix,
)
from service.review.context import ReviewContext


def large_published_port_range(ctx: ReviewContext, rule: ReviewRule) -> Iterator[Hit]:
    selection = selection_rule(ctx, rule)
    for service in ctx.project.services.values():
        if not service.ports or service.mode in ("host", "none", "service", "container"):
            continue
        drivers = [driver for _, driver in networks_of(ctx, service)]
        if drivers and all(is_lan_driver(driver) for driver in drivers):
            continue  # NR013's business: LAN containers publish nothing
        counts = [(port.host_port_count, port) for port in service.ports if port.error is None]
        total = sum(count for count, _ in counts)
        if not counts:
            continue
        largest, port = max(counts, key=lambda item: item[0])
        facts = ctx.facts(ctx.effective(service))
        facts.update(published_port_count=total, largest_port_range=largest, has_ports=True)
        if not selection.condition(facts):
            continue
        _ = ctx._
        threshold = _threshold(selection, _)
        yield Hit(
            mark=port.mark,
            message=_(
                "service `{service}` publishes {total} host ports ({ports}): one "
                "docker-proxy process and its NAT rules per port ({rule}'s threshold is "
                "{threshold}); users report hosts running out of memory and processes"
            ).format(
                service=service.name,
                total=total,
                ports=ports_text(service, _=_),
                rule=selection.id,
                threshold=threshold,
            ),
            expected=_("fewer than {threshold} published ports, or host networking").format(
                threshold=threshold
            ),
            found=_("{total} published ports").format(total=total),
            fix=service_fix(
                service,
                _(
                    "Use host networking for this service (no proxy, no NAT), or set "
                    '"userland-proxy": false in /etc/docker/daemon.json and restart dockerd (removes the '
                    "proxies, not the NAT rules)."
                ),
                {"network_mode": "host"},
                Driver.host,
            ),
            key=f"{total}",
            **about_service(service, linked=rule),
        )


def _threshold(selection: SelectionRule, _: Gettext = english) -> str:
    when = selection.data.when
    for op in ("ge", "gt"):
        if isinstance(when, dict) and when.get("fact") == "published_port_count" and op in when:
            return str(when[op] + (1 if op == "gt" else 0))
    return _("in its condition")
