"""NR006 default-bridge-has-no-name-resolution: the check; the rule's data is `rules/review/NR006.yaml`."""

from __future__ import annotations

import re
from collections.abc import Iterator

from service.commands import default_network_name, snippet
from service.models import Driver
from service.review.catalogue import ReviewRule
from service.review.checks._common import Hit, on_default_bridge, on_host_network
from service.review.context import ReviewContext
from service.review.models import Fix
from service.review.project import Service

# A service name in an environment value counts as a call when it is written as a host: after `://` or
# `@`, before `:PORT`, or as the whole value (or a list item) of a variable whose name says "host".
_HOST_CONTEXT = (
    "(?:(?<=://)|(?<=@))({names})(?=$|[:/,;\\s'\"?)])|(?:^|(?<=[\\s,;=]))({names}):[0-9]{{1,5}}(?![0-9])"
)
_HOST_ITEM = "(?:^|(?<=[,;\\s]))({names})(?=$|[,;\\s])"
_HOST_KEY = re.compile(
    r"HOST|ADDR|SERVER|URL|URI|ENDPOINT|BROKER|CONNECT|PEER|SEED|NODES|MASTER|UPSTREAM|PROXY|TARGET|DSN",
    re.IGNORECASE,
)


def _calls(ctx: ReviewContext, service: Service) -> dict[str, list[str]]:
    """The other services `service` refers to by name, and how (depends_on, links, environment)."""
    others = _other_names(ctx, service)
    if not others:
        return {}
    found: dict[str, list[str]] = {}
    for dependency in service.depends_on:
        if dependency.value in others:
            found.setdefault(others[dependency.value], []).append("depends_on")
    for link in service.links:
        target = link.value.split(":", 1)[0]
        if target in others:
            found.setdefault(others[target], []).append("links")
    for key, name in _environment_calls(service, others):
        found.setdefault(name, []).append(ctx._("environment {variable}").format(variable=key))
    return found


def _other_names(ctx: ReviewContext, service: Service) -> dict[str, str]:
    """Every name another service answers to (its service name, its container_name) -> its service name."""
    others: dict[str, str] = {}
    for other in ctx.project.services.values():
        if other.name == service.name:
            continue
        others[other.name] = other.name
        if other.container_name:
            others[other.container_name] = other.name
    return others


def _environment_calls(service: Service, others: dict[str, str]) -> Iterator[tuple[str, str]]:
    """(variable, service called) for each other service an environment value names as a host."""
    names = "|".join(re.escape(name) for name in sorted(others, key=len, reverse=True))
    in_context = re.compile(_HOST_CONTEXT.format(names=names))
    as_item = re.compile(_HOST_ITEM.format(names=names))
    for key, value in service.environment:
        matches = [m.group(1) or m.group(2) for m in in_context.finditer(value.value)]
        if _HOST_KEY.search(key):
            matches += [m.group(1) for m in as_item.finditer(value.value)]
        for name in dict.fromkeys(matches):
            yield key, others[name]


def default_bridge_by_name(ctx: ReviewContext, rule: ReviewRule) -> Iterator[Hit]:
    services = ctx.project.services
    on_default = {name for name, service in services.items() if on_default_bridge(service, ctx)}
    if not on_default:
        return
    _ = ctx._
    relations: dict[str, list[str]] = {name: [] for name in on_default}
    for name, service in services.items():
        for callee, how in _calls(ctx, service).items():
            ways = ", ".join(dict.fromkeys(how))
            if name in on_default:
                legacy = _(" (legacy links; deprecated)") if how == ["links"] else ""
                calls = _("calls `{callee}` by name ({ways})").format(callee=callee, ways=ways)
                relations[name].append(calls + legacy)
            elif callee in on_default and not on_host_network(service, ctx):
                called = _("is called by name from `{caller}` ({ways})").format(caller=name, ways=ways)
                relations[callee].append(called)
    for name in sorted(on_default):
        if not relations[name]:
            continue
        service = services[name]
        mark = service.network_mode.mark if service.network_mode is not None else service.mark
        peers = sorted({*_calls(ctx, service), *(n for n in services if name in _calls(ctx, services[n]))})
        involved = tuple(sorted({name, *peers}))
        network = default_network_name(Driver.bridge)
        yield Hit(
            mark=mark,
            message=_(
                "service `{service}` is on Docker's default bridge, where containers reach each other "
                "only by IP address, and it {relations}"
            ).format(service=name, relations=_("; it ").join(relations[name])),
            expected=_("services that call each other by name on a user-defined network"),
            found=_("`{service}` on the default bridge (network_mode: bridge)").format(service=name),
            fix=Fix(
                description=_(
                    "Drop `network_mode: bridge` from these services so Compose attaches them to the "
                    "project's own network (a user-defined bridge with DNS by service name), or put them "
                    "on a named network as below."
                ),
                compose=snippet(
                    {
                        "services": {peer: {"networks": [network]} for peer in involved},
                        "networks": {network: {"driver": "bridge"}},
                    }
                ),
                commands=ctx.commands_for(Driver.bridge, ctx.effective(service), None)[0][:1],
                driver=Driver.bridge,
            ),
            service=name,
            services=involved,
            selection_rules=tuple(rule.data.selection_rules),
            key="default-bridge",
        )
