"""One function per review rule code. The rule's data (severity, wording of the docs, source, cases) is in
`rules/review/NR###.yaml`; what a function returns is where it fired and the specifics: what was
expected, what was found, and the fix for this file.

A check reads the `ReviewContext` only. It never raises for odd input: anything it cannot read for sure
(an unresolved `${VAR}`, an external network whose driver the file does not say) it skips.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from service.models import Command, Deployment, Driver
from service.review.context import CAPABILITY_FIELDS, Placement, ReviewContext, is_lan
from service.review.models import Fix
from service.review.project import DEFAULT_NETWORK, MTU_OPTION, Network, Pool, Service
from service.review.yamltree import Mark
from service.yamlout import emit


@dataclass
class Hit:
    mark: Mark
    message: str
    expected: str
    found: str
    fix: Fix
    service: str | None = None
    network: str | None = None
    services: tuple[str, ...] = ()
    selection_rules: tuple[str, ...] = ()
    requirements: dict[str, Any] = field(default_factory=dict)
    key: str = ""  # what was found, for the fingerprint (stable when lines move)


Check = Callable[[ReviewContext], Iterator[Hit]]
CHECKS: dict[str, Check] = {}


def check(code: str) -> Callable[[Check], Check]:
    def register(function: Check) -> Check:
        if code in CHECKS:
            raise ValueError(f"two checks for {code}")
        CHECKS[code] = function
        return function

    return register


def _snippet(document: dict[str, Any]) -> str:
    return emit(document)


def _networks_of(ctx: ReviewContext, service: Service) -> list[tuple[Network, str | None]]:
    result = []
    for attachment in service.attachments:
        network = ctx.project.networks.get(attachment.network)
        if network is not None:
            result.append((network, network.effective_driver(ctx.swarm([service]))))
    return result


def _on_default_bridge(service: Service, ctx: ReviewContext) -> bool:
    if service.mode == "bridge":
        return True
    return any(network.is_default_bridge for network, _ in _networks_of(ctx, service))


def _on_host_network(service: Service, ctx: ReviewContext) -> bool:
    if service.mode == "host":
        return True
    return any(
        network.external and network.external_name == "host" for network, _ in _networks_of(ctx, service)
    )


def _ports_text(service: Service, limit: int = 4) -> str:
    shown = [port.raw for port in service.ports[:limit]]
    more = f" and {len(service.ports) - limit} more" if len(service.ports) > limit else ""
    return ", ".join(shown) + more


def _port_mark(service: Service) -> Mark:
    return service.ports_key or (service.ports[0].mark if service.ports else service.mark)


# -- NR001 / NR002: the driver and the requirements ------------------------------------------------------


def _family(driver: Driver | str | None) -> str:
    value = getattr(driver, "value", driver)
    return "lan" if is_lan(value) else "local" if value in ("bridge", "overlay") else "other"


def _advice(ctx: ReviewContext, placement: Placement) -> tuple[Fix, Driver | None]:
    service = placement.services[0] if placement.services else None
    rec = ctx.recommend(placement.effective, placement.network, addressing=False, service=service)
    if rec.recommendation is not None and _family(rec.recommendation) == _family(placement.driver):
        # The same kind of network: the file's subnet and parent carry over into the commands.
        rec = ctx.recommend(placement.effective, placement.network, service=service)
    if rec.recommendation is None:
        relax = "; ".join(
            f"without {r.requirement}={_plain(r.current)} the advisor would pick {r.recommendation.value}"
            for r in rec.relaxations
        )
        description = "No driver meets all of these requirements" + (f": {relax}." if relax else ".")
        return Fix(description=description + " Run `netadvisor recommend` with them for the details."), None
    top = rec.ranking[0]
    commands: list[Command] = []
    compose = None
    if top.commands is not None:
        commands = [*top.commands.prerequisites, *top.commands.network]
        compose = top.commands.compose or None
    where = "the network" if placement.network is not None else "the service"
    description = f"Use {top.driver.value} for {where}, as the advisor recommends for these requirements"
    if commands:
        description += "; create the network with the commands below"
    return Fix(
        description=description + ".", compose=compose, commands=commands, driver=top.driver
    ), top.driver


def _plain(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return str(getattr(value, "value", value))


def _requirement_text(values: dict[str, Any]) -> str:
    return ", ".join(f"{name}={_plain(value)}" for name, value in values.items())


def _why(blamed: list[tuple[str, str, dict[str, Any]]]) -> str:
    return "; ".join(
        f"{rule} ({_requirement_text(read)}): {message.strip().rstrip('.')}" for rule, message, read in blamed
    )


def _users(placement: Placement) -> str:
    if placement.network is None:
        return f" (network_mode: {placement.driver.value})"
    return f" (services: {', '.join(_service_names(placement))})"


def _service_names(placement: Placement) -> tuple[str, ...]:
    return tuple(sorted(service.name for service in placement.services))


@check("NR001")
def driver_excluded_by_requirements(ctx: ReviewContext) -> Iterator[Hit]:
    for placement in ctx.placements:
        rec = ctx.recommend(placement.effective, placement.network, addressing=False)
        used = next(r for r in rec.ranking if r.driver is placement.driver)
        if used.viable:
            continue
        exclusions = [(reason.rule, reason.message) for reason in used.reasons if reason.effect == "exclude"]
        blamed = ctx.blamed(exclusions, placement.effective)
        if not blamed:
            continue
        services = placement.services
        if all(set(read) <= CAPABILITY_FIELDS for _, _, read in blamed):
            # A capability another of the service's networks provides is not missing (whether that network
            # itself fits the environment is its own finding).
            rules = {rule for rule, _, _ in blamed}
            excluded = {r.driver: {x.rule for x in r.reasons if x.effect == "exclude"} for r in rec.ranking}
            services = tuple(
                s
                for s in services
                if not any(not rules & excluded[d] for d in ctx.other_drivers(s, placement.network))
            )
            if not services:
                continue
        yield from _excluded_hit(ctx, replace(placement, services=services), blamed)


def _excluded_hit(
    ctx: ReviewContext, placement: Placement, blamed: list[tuple[str, str, dict[str, Any]]]
) -> Iterator[Hit]:
    fix, pick = _advice(ctx, placement)
    values: dict[str, Any] = {}
    for _, _, read in blamed:
        values.update(read)
    why = _why(blamed)
    pick_text = f" The advisor recommends {pick.value}." if pick else " No driver meets all of them."
    names = _service_names(placement)
    yield Hit(
        mark=placement.mark,
        message=f"{placement.what} uses {placement.driver.value}{_users(placement)}, which your "
        f"requirements rule out: {why}.{pick_text}",
        expected=f"a driver the requirements allow ({pick.value}, the advisor's pick)"
        if pick
        else "requirements some driver can meet",
        found=f"{placement.driver.value} with {_requirement_text(values)}",
        fix=fix,
        service=names[0] if len(names) == 1 else None,
        network=placement.network.name if placement.network else None,
        services=names,
        selection_rules=tuple(rule for rule, _, _ in blamed),
        requirements=values,
        key=f"{placement.driver.value}|{placement.effective.key}",
    )


@check("NR002")
def driver_not_first_for_requirements(ctx: ReviewContext) -> Iterator[Hit]:
    for candidate in ctx.placements:
        rec = ctx.recommend(candidate.effective, candidate.network, addressing=False)
        used = next(r for r in rec.ranking if r.driver is candidate.driver)
        if not used.viable or rec.recommendation in (None, candidate.driver):
            continue
        # A service that is also on a network with the advisor's pick already has it.
        services = tuple(
            s for s in candidate.services if rec.recommendation not in ctx.other_drivers(s, candidate.network)
        )
        if not services:
            continue
        placement = replace(candidate, services=services)
        top = rec.ranking[0]
        # What separates the two: the top driver's gains the used one did not get, and the used one's losses.
        used_effects = {(r.rule, r.effect) for r in used.reasons}
        top_effects = {(r.rule, r.effect) for r in top.reasons}
        deciding = [
            (r.rule, r.message)
            for r in top.reasons
            if r.effect.startswith("+") and (r.rule, r.effect) not in used_effects
        ]
        deciding += [
            (r.rule, r.message)
            for r in used.reasons
            if r.effect.startswith("-") and (r.rule, r.effect) not in top_effects
        ]
        blamed = ctx.blamed(deciding, placement.effective)
        if not blamed:
            continue
        fix, _ = _advice(ctx, placement)
        values: dict[str, Any] = {}
        for _, _, read in blamed:
            values.update(read)
        why = _why(blamed)
        names = _service_names(placement)
        yield Hit(
            mark=placement.mark,
            message=f"{placement.what} uses {placement.driver.value}{_users(placement)} "
            f"(score {used.score}), but for your requirements the advisor ranks {top.driver.value} first "
            f"(score {top.score}): {why}",
            expected=f"{top.driver.value}, the advisor's first choice",
            found=f"{placement.driver.value} (rank {used.rank})",
            fix=fix,
            service=names[0] if len(names) == 1 else None,
            network=placement.network.name if placement.network else None,
            services=names,
            selection_rules=tuple(dict.fromkeys(rule for rule, _, _ in blamed)),
            requirements=values,
            key=f"{placement.driver.value}|{placement.effective.key}",
        )


# -- network_mode and ports ------------------------------------------------------------------------------


@check("NR003")
def host_network_with_ports(ctx: ReviewContext) -> Iterator[Hit]:
    for service in ctx.project.services.values():
        if not service.ports or not _on_host_network(service, ctx):
            continue
        yield Hit(
            mark=_port_mark(service),
            message=f"service `{service.name}` uses the host network and publishes ports "
            f"({_ports_text(service)}): Docker discards published ports in host mode and Compose refuses "
            "the combination; the app's ports already open on every host interface",
            expected="no `ports:` with the host network",
            found=f"ports: {_ports_text(service)}",
            fix=Fix(
                description="Remove `ports:` (the app listens on the host's interfaces directly), or drop "
                "host networking and keep the ports on a user-defined bridge.",
                compose=_snippet({"services": {service.name: {"network_mode": "host"}}}),
            ),
            service=service.name,
            services=(service.name,),
            key="ports",
        )


@check("NR004")
def none_network_with_ports(ctx: ReviewContext) -> Iterator[Hit]:
    for service in ctx.project.services.values():
        if service.mode != "none" or not service.ports:
            continue
        yield Hit(
            mark=_port_mark(service),
            message=f"service `{service.name}` has `network_mode: none`, so it has only a loopback "
            f"interface; the published ports ({_ports_text(service)}) can never be reached",
            expected="no `ports:` with network_mode: none",
            found=f"ports: {_ports_text(service)}",
            fix=Fix(
                description="Remove `ports:`; if clients must reach the service, attach it to a network "
                "(`internal: true` keeps it away from the outside world).",
                compose=_snippet({"services": {service.name: {"network_mode": "none"}}}),
            ),
            service=service.name,
            services=(service.name,),
            key="ports",
        )


@check("NR005")
def network_mode_with_networks(ctx: ReviewContext) -> Iterator[Hit]:
    for service in ctx.project.services.values():
        if service.network_mode is None or service.networks_key is None:
            continue
        mode = service.network_mode.value
        yield Hit(
            mark=service.networks_key,
            message=f"service `{service.name}` sets both `network_mode: {mode}` and `networks:`; Compose "
            "rejects a service with both",
            expected="either network_mode or networks",
            found=f"network_mode: {mode} and networks: {', '.join(a.network for a in service.attachments)}",
            fix=Fix(
                description="Keep one: `network_mode` for host/none/another service's stack, or `networks:` "
                "for Compose networks. For the host or none network in a Swarm stack, use an external "
                "network named `host`/`none` under `networks:`.",
            ),
            service=service.name,
            services=(service.name,),
            key=f"network_mode={mode}",
        )


@check("NR023")
def shared_namespace_with_ports(ctx: ReviewContext) -> Iterator[Hit]:
    for service in ctx.project.services.values():
        if service.mode not in ("service", "container") or not service.ports or service.network_mode is None:
            continue
        owner = service.network_mode.value.split(":", 1)[1]
        yield Hit(
            mark=_port_mark(service),
            message=f"service `{service.name}` shares the network stack of `{owner}` "
            f"(`network_mode: {service.network_mode.value}`) and publishes ports ({_ports_text(service)}); "
            "Docker refuses to publish ports on a container that uses another's network namespace",
            expected=f"the ports published on `{owner}`",
            found=f"ports: {_ports_text(service)} on `{service.name}`",
            fix=Fix(
                description=f"Move the `ports:` entries to the service that owns the stack (`{owner}`); "
                "both containers listen on the same interfaces.",
                compose=_snippet({"services": {owner: {"ports": [p.raw for p in service.ports]}}})
                if service.mode == "service"
                else None,
            ),
            service=service.name,
            services=(service.name,),
            key=f"ports|{service.network_mode.value}",
        )


# -- the default bridge ----------------------------------------------------------------------------------

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
    others: dict[str, str] = {}
    for other in ctx.project.services.values():
        if other.name == service.name:
            continue
        others[other.name] = other.name
        if other.container_name:
            others[other.container_name] = other.name
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
    names = "|".join(re.escape(name) for name in sorted(others, key=len, reverse=True))
    in_context = re.compile(_HOST_CONTEXT.format(names=names))
    as_item = re.compile(_HOST_ITEM.format(names=names))
    for key, value in service.environment:
        matches = [m.group(1) or m.group(2) for m in in_context.finditer(value.value)]
        if _HOST_KEY.search(key):
            matches += [m.group(1) for m in as_item.finditer(value.value)]
        for name in dict.fromkeys(matches):
            found.setdefault(others[name], []).append(f"environment {key}")
    return found


@check("NR006")
def default_bridge_by_name(ctx: ReviewContext) -> Iterator[Hit]:
    services = ctx.project.services
    on_default = {name for name, service in services.items() if _on_default_bridge(service, ctx)}
    if not on_default:
        return
    relations: dict[str, list[str]] = {name: [] for name in on_default}
    for name, service in services.items():
        for callee, how in _calls(ctx, service).items():
            if name in on_default:
                legacy = " (legacy links; deprecated)" if how == ["links"] else ""
                relations[name].append(f"calls `{callee}` by name ({', '.join(dict.fromkeys(how))}){legacy}")
            elif callee in on_default and not _on_host_network(service, ctx):
                relations[callee].append(f"is called by name from `{name}` ({', '.join(dict.fromkeys(how))})")
    for name in sorted(on_default):
        if not relations[name]:
            continue
        service = services[name]
        mark = service.network_mode.mark if service.network_mode is not None else service.mark
        peers = sorted({*_calls(ctx, service), *(n for n in services if name in _calls(ctx, services[n]))})
        involved = tuple(sorted({name, *peers}))
        network = "app-net"
        yield Hit(
            mark=mark,
            message=f"service `{name}` is on Docker's default bridge, where containers reach each other "
            f"only by IP address, and it {'; it '.join(relations[name])}",
            expected="services that call each other by name on a user-defined network",
            found=f"`{name}` on the default bridge (network_mode: bridge)",
            fix=Fix(
                description="Drop `network_mode: bridge` from these services so Compose attaches them to the "
                "project's own network (a user-defined bridge with DNS by service name), or put them on a "
                "named network as below.",
                compose=_snippet(
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
            selection_rules=("NA002",),
            key="default-bridge",
        )


# -- published port ranges -------------------------------------------------------------------------------


@check("NR007")
def large_published_port_range(ctx: ReviewContext) -> Iterator[Hit]:
    rule = ctx.rule("NA022")
    for service in ctx.project.services.values():
        if not service.ports or service.mode in ("host", "none", "service", "container"):
            continue
        drivers = [driver for _, driver in _networks_of(ctx, service)]
        if drivers and all(is_lan(driver) for driver in drivers):
            continue  # NR013's business: LAN containers publish nothing
        counts = [(port.host_port_count, port) for port in service.ports if port.error is None]
        total = sum(count for count, _ in counts)
        if not counts:
            continue
        largest, port = max(counts, key=lambda item: item[0])
        facts = ctx.facts(ctx.effective(service))
        facts.update(published_port_count=total, largest_port_range=largest, has_ports=True)
        if not rule.condition(facts):
            continue
        yield Hit(
            mark=port.mark,
            message=f"service `{service.name}` publishes {total} host ports ({_ports_text(service)}): one "
            "docker-proxy process and its NAT rules per port (NA022's threshold is "
            f"{_threshold(rule)}); users report hosts running out of memory and processes",
            expected=f"fewer than {_threshold(rule)} published ports, or host networking",
            found=f"{total} published ports",
            fix=Fix(
                description="Use host networking for this service (no proxy, no NAT), or set "
                '"userland-proxy": false in /etc/docker/daemon.json and restart dockerd (removes the '
                "proxies, not the NAT rules).",
                compose=_snippet({"services": {service.name: {"network_mode": "host"}}}),
                driver=Driver.host,
            ),
            service=service.name,
            services=(service.name,),
            selection_rules=("NA022",),
            key=f"{total}",
        )


def _threshold(rule: Any) -> str:
    when = rule.data.when
    for op in ("ge", "gt"):
        if isinstance(when, dict) and when.get("fact") == "published_port_count" and op in when:
            return str(when[op] + (1 if op == "gt" else 0))
    return "in its condition"


# -- macvlan / ipvlan networks ---------------------------------------------------------------------------


def _lan_networks(ctx: ReviewContext) -> Iterator[tuple[Network, str]]:
    for network in ctx.project.networks.values():
        if not network.declared or network.external:
            continue
        driver = network.effective_driver(ctx.swarm(ctx.project.attached(network.name)))
        if driver is not None and is_lan(driver):
            yield network, driver


def _lan_fix(
    ctx: ReviewContext, network: Network, driver: str, description: str, settings: dict[str, Any]
) -> Fix:
    attached = ctx.project.attached(network.name)
    effective = ctx.effective(attached[0] if attached else None)
    commands, _ = ctx.commands_for(Driver(driver), effective, network)
    return Fix(
        description=description,
        compose=_snippet({"networks": {network.name: settings}}),
        commands=commands,
        driver=Driver(driver),
    )


@check("NR008")
def lan_network_without_parent(ctx: ReviewContext) -> Iterator[Hit]:
    for network, driver in _lan_networks(ctx):
        if "parent" in network.driver_opts or network.is_internal:
            continue
        yield Hit(
            mark=network.anchor or network.driver_opts_key or Mark("", 1, 1),
            message=f"{driver} network `{network.name}` names no `parent` interface: Docker then creates a "
            "dummy interface, so the containers are cut off from the LAN instead of joining it",
            expected="driver_opts.parent: the host interface on the LAN (eth0, or eth0.<vlan>)",
            found="no driver_opts.parent",
            fix=_lan_fix(
                ctx,
                network,
                driver,
                "Add the host's LAN interface as `parent` (`ip route show default` names it).",
                {"driver": driver, "driver_opts": {"parent": "eth0"}},
            ),
            network=network.name,
            services=tuple(s.name for s in ctx.project.attached(network.name)),
            key="parent",
        )


@check("NR009")
def lan_network_without_subnet(ctx: ReviewContext) -> Iterator[Hit]:
    for network, driver in _lan_networks(ctx):
        if network.subnets() or any(p.subnet is not None for p in network.pools):
            continue
        yield Hit(
            mark=network.ipam_key or network.anchor or Mark("", 1, 1),
            message=f"{driver} network `{network.name}` has no IPAM subnet: Docker then picks one from its "
            "default pools (172.17.0.0/12, 192.168.0.0/16), not your LAN's, so the containers get addresses "
            "the LAN cannot route",
            expected="ipam.config with the LAN's subnet, its gateway and an ip_range DHCP never hands out",
            found="no ipam.config subnet",
            fix=_lan_fix(
                ctx,
                network,
                driver,
                "Give the LAN's subnet and router, and an ip_range outside the DHCP pool (replace the "
                "example addresses with yours).",
                {
                    "driver": driver,
                    "ipam": {
                        "config": [
                            {
                                "subnet": "192.168.1.0/24",
                                "gateway": "192.168.1.1",
                                "ip_range": "192.168.1.128/26",
                            }
                        ]
                    },
                },
            ),
            network=network.name,
            services=tuple(s.name for s in ctx.project.attached(network.name)),
            key="subnet",
        )


def _network_of_address(value: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(value, strict=False)
    except ValueError:
        return None


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _suggest_range(subnet: ipaddress.IPv4Network | ipaddress.IPv6Network) -> str:
    """The subnet's upper half: a container range clear of the router at the bottom."""
    if subnet.prefixlen >= subnet.max_prefixlen - 2:
        return str(subnet)
    return str(list(subnet.subnets(prefixlen_diff=1))[1])


@check("NR010")
def ipam_address_outside_subnet(ctx: ReviewContext) -> Iterator[Hit]:
    for network in ctx.project.networks.values():
        if network.external:
            continue
        for pool in network.pools:
            yield from _pool_hits(network, pool)


def _pool_hits(network: Network, pool: Pool) -> Iterator[Hit]:
    if pool.subnet is None or pool.subnet.unresolved:
        return
    subnet = _network_of_address(pool.subnet.value)
    where = f"network `{network.name}`"
    if subnet is None:
        yield Hit(
            mark=pool.subnet.mark,
            message=f"{where}: subnet {pool.subnet.value!r} is not an IP network in CIDR form; Docker "
            "refuses to create the network",
            expected="a subnet like 192.168.1.0/24 or fd00:1::/64",
            found=f"subnet: {pool.subnet.value}",
            fix=Fix(description="Write the subnet as ADDRESS/PREFIX, e.g. 192.168.1.0/24."),
            network=network.name,
            key=f"subnet={pool.subnet.value}",
        )
        return
    first_host = next(subnet.hosts(), subnet.network_address)
    checks: list[tuple[str, Any, str]] = []
    if pool.gateway is not None and not pool.gateway.unresolved:
        checks.append(("gateway", pool.gateway, str(first_host)))
    if pool.ip_range is not None and not pool.ip_range.unresolved:
        checks.append(("ip_range", pool.ip_range, _suggest_range(subnet)))
    for name, located in pool.aux_addresses:
        if not located.unresolved:
            checks.append((f"aux_addresses.{name}", located, str(first_host)))
    for what, located, suggestion in checks:
        value = located.value
        if what == "ip_range":
            block = _network_of_address(value)
            inside = block is not None and block.version == subnet.version and block.subnet_of(subnet)  # type: ignore[arg-type]
        else:
            address = _address(value)
            inside = address is not None and address.version == subnet.version and address in subnet
        if inside:
            continue
        yield Hit(
            mark=located.mark,
            message=f"{where}: {what} {value} is outside the subnet {subnet}; Docker refuses to create the "
            "network",
            expected=f"{what} inside {subnet}",
            found=f"{what}: {value}",
            fix=Fix(
                description=f"Use a {what.split('.')[0].replace('_', ' ')} inside {subnet} (for example "
                f"{suggestion}), or correct the subnet.",
                compose=_snippet(
                    {
                        "networks": {
                            network.name: {
                                "ipam": {"config": [{"subnet": str(subnet), what.split(".")[0]: suggestion}]}
                            }
                        }
                    }
                )
                if "." not in what
                else None,
            ),
            network=network.name,
            key=f"{what}={value}",
        )


@check("NR011")
def static_address_outside_subnet(ctx: ReviewContext) -> Iterator[Hit]:
    for service in ctx.project.services.values():
        for attachment in service.attachments:
            network = ctx.project.networks.get(attachment.network)
            if network is None or network.external:
                continue
            for field_name in ("ipv4_address", "ipv6_address"):
                located = getattr(attachment, field_name)
                if located is None or located.unresolved:
                    continue
                hit = _static_hit(service, network, field_name, located.value, located.mark)
                if hit is not None:
                    yield hit


def _static_hit(service: Service, network: Network, field_name: str, value: str, mark: Mark) -> Hit | None:
    version = 4 if field_name == "ipv4_address" else 6
    address = _address(value)
    subnets = [s for s in (_network_of_address(x.value) for x in network.subnets()) if s is not None]
    family = [s for s in subnets if s.version == version]
    gateways = {
        _address(p.gateway.value) for p in network.pools if p.gateway is not None and not p.gateway.unresolved
    }
    common = {
        "service": service.name,
        "network": network.name,
        "services": (service.name,),
        "key": f"{field_name}={value}",
    }
    example = {"services": {service.name: {"networks": {network.name: {field_name: value}}}}}
    if address is None or address.version != version:
        return Hit(
            mark=mark,
            message=f"service `{service.name}`: {field_name} {value!r} on network `{network.name}` is not an "
            f"IPv{version} address",
            expected=f"an IPv{version} address inside the network's subnet",
            found=f"{field_name}: {value}",
            fix=Fix(description=f"Write an IPv{version} address from the subnet of `{network.name}`."),
            **common,  # type: ignore[arg-type]
        )
    if not family:
        return Hit(
            mark=mark,
            message=f"service `{service.name}` asks for {field_name} {value} on network `{network.name}`, "
            f"which has no IPv{version} subnet in its ipam.config; Compose requires one covering every "
            "static address (Docker before 29.0.4 refuses the container)",
            expected=f"network `{network.name}` with an ipam.config subnet containing {value}",
            found=f"no IPv{version} subnet on `{network.name}`",
            fix=Fix(
                description=f"Declare the subnet the address belongs to under networks.{network.name}.ipam.",
                compose=_snippet(
                    {
                        **example,
                        "networks": {
                            network.name: {
                                "ipam": {
                                    "config": [
                                        {
                                            "subnet": str(
                                                ipaddress.ip_network(
                                                    f"{address}/{24 if version == 4 else 64}", strict=False
                                                )
                                            )
                                        }
                                    ]
                                }
                            }
                        },
                    }
                ),
            ),
            **common,  # type: ignore[arg-type]
        )
    if not any(address in subnet for subnet in family):
        subnet_text = ", ".join(str(s) for s in family)
        offset = 10 if family[0].num_addresses > 16 else 1
        suggestion = str(family[0].network_address + offset)
        return Hit(
            mark=mark,
            message=f"service `{service.name}`: {field_name} {value} is outside the subnet of network "
            f"`{network.name}` ({subnet_text}); Docker refuses to start the container",
            expected=f"an address inside {subnet_text}",
            found=f"{field_name}: {value}",
            fix=Fix(
                description=f"Pick an address inside {subnet_text} (and inside its ip_range, clear of the "
                "gateway and of addresses other devices use), or correct the subnet.",
                compose=_snippet(
                    {"services": {service.name: {"networks": {network.name: {field_name: suggestion}}}}}
                ),
            ),
            **common,  # type: ignore[arg-type]
        )
    if address in gateways:
        return Hit(
            mark=mark,
            message=f"service `{service.name}`: {field_name} {value} is the gateway of network "
            f"`{network.name}`; Docker reserves it and refuses the container",
            expected="an address other than the gateway",
            found=f"{field_name}: {value} (the gateway)",
            fix=Fix(description="Pick another address from the subnet for the container."),
            **common,  # type: ignore[arg-type]
        )
    return None


@check("NR012")
def mac_address_on_ipvlan(ctx: ReviewContext) -> Iterator[Hit]:
    for service in ctx.project.services.values():
        networks = _networks_of(ctx, service)
        ipvlan = [network for network, driver in networks if driver == "ipvlan"]
        if not ipvlan:
            continue
        for attachment in service.attachments:
            if attachment.mac_address is not None and attachment.network in {n.name for n in ipvlan}:
                yield _mac_hit(
                    service, attachment.network, attachment.mac_address.mark, attachment.mac_address.value
                )
        if service.mac_address is not None and len(networks) == len(ipvlan):
            yield _mac_hit(service, ipvlan[0].name, service.mac_address.mark, service.mac_address.value)


def _mac_hit(service: Service, network: str, mark: Mark, value: str) -> Hit:
    return Hit(
        mark=mark,
        message=f"service `{service.name}` sets mac_address {value} on ipvlan network `{network}`: ipvlan "
        "containers share the parent interface's MAC and cannot take their own, so Docker refuses it",
        expected="no mac_address on ipvlan (or macvlan, if each container needs its own MAC)",
        found=f"mac_address: {value}",
        fix=Fix(
            description="Remove mac_address, or switch the network to macvlan if the container must appear "
            "with its own MAC (not possible in most clouds or on Wi-Fi).",
        ),
        service=service.name,
        network=network,
        services=(service.name,),
        key=f"mac={value}",
    )


@check("NR013")
def ports_on_lan_network(ctx: ReviewContext) -> Iterator[Hit]:
    for service in ctx.project.services.values():
        if not service.ports or service.network_mode is not None:
            continue
        networks = _networks_of(ctx, service)
        if not networks or not all(is_lan(driver) for _, driver in networks):
            continue
        network, driver = networks[0]
        yield Hit(
            mark=_port_mark(service),
            message=f"service `{service.name}` is only on {driver} network `{network.name}` and publishes "
            f"ports ({_ports_text(service)}): {driver} containers are reached on their own LAN address, and "
            "Docker maps no ports for them",
            expected="clients use the container's LAN IP and the app's own ports",
            found=f"ports: {_ports_text(service)}",
            fix=Fix(
                description="Remove `ports:` and give the container a fixed address so clients can find it, "
                "or also attach a bridge network if ports must be published on the host's IP.",
                compose=_snippet(
                    {
                        "services": {
                            service.name: {"networks": {network.name: {"ipv4_address": "192.168.1.200"}}}
                        }
                    }
                ),
            ),
            service=service.name,
            network=network.name,
            services=(service.name,),
            selection_rules=("NA047",),
            key="ports",
        )


# -- address plans ---------------------------------------------------------------------------------------


def _subnets(ctx: ReviewContext) -> list[tuple[Network, Any, Any]]:
    result = []
    for network in ctx.project.networks.values():
        if network.external:
            continue
        for located in network.subnets():
            parsed = _network_of_address(located.value)
            if parsed is not None:
                result.append((network, located, parsed))
    order = {name: index for index, name in enumerate(ctx.project.files)}
    return sorted(
        result, key=lambda item: (order.get(item[1].mark.file, 99), item[1].mark.line, item[1].mark.column)
    )


@check("NR014")
def overlapping_subnets(ctx: ReviewContext) -> Iterator[Hit]:
    seen: list[tuple[Network, Any, Any]] = []
    for network, located, subnet in _subnets(ctx):
        for other, other_located, other_subnet in seen:
            if other_subnet.version != subnet.version or not subnet.overlaps(other_subnet):
                continue
            same = other.name == network.name
            where = "another of its IPAM blocks" if same else f"network `{other.name}`"
            yield Hit(
                mark=located.mark,
                message=f"network `{network.name}`: subnet {subnet} overlaps {other_subnet} of {where} "
                f'({other_located.mark}); Docker refuses the second network ("Pool overlaps with other one '
                'on this address space")',
                expected="subnets that do not overlap",
                found=f"{subnet} and {other_subnet}",
                fix=Fix(description=f"Give `{network.name}` a subnet that does not overlap {other_subnet}."),
                network=network.name,
                key=f"{subnet}|{other_subnet}",
            )
            break
        seen.append((network, located, subnet))


DEFAULT_POOLS = (
    *(ipaddress.IPv4Network(f"172.{second}.0.0/16") for second in range(17, 32)),
    ipaddress.IPv4Network("192.168.0.0/16"),
)


@check("NR015")
def subnet_in_default_pools(ctx: ReviewContext) -> Iterator[Hit]:
    for network, located, subnet in _subnets(ctx):
        if subnet.version != 4:
            continue
        driver = network.effective_driver(ctx.swarm(ctx.project.attached(network.name)))
        if is_lan(driver) and "parent" in network.driver_opts:
            continue  # a LAN network's subnet is the LAN's; Docker's automatic pools avoid host routes
        pools = [pool for pool in DEFAULT_POOLS if subnet.overlaps(pool)]
        if not pools:
            continue
        docker0 = " and docker0's own 172.17.0.0/16" if any(str(p) == "172.17.0.0/16" for p in pools) else ""
        yield Hit(
            mark=located.mark,
            message=f"network `{network.name}`: subnet {subnet} lies in Docker's default address pools "
            f"({', '.join(str(p) for p in pools[:3])}{docker0}), which Docker hands out to networks without "
            'a subnet: on a host with other Compose projects it may already be taken ("Pool overlaps"), '
            "and the order of `docker compose up` decides",
            expected="a subnet outside 172.17.0.0/16-172.31.0.0/16 and 192.168.0.0/16 (e.g. in 10.0.0.0/8), "
            "or daemon pools that exclude it",
            found=f"subnet: {subnet}",
            fix=Fix(
                description="Pick a subnet outside the default pools, or move the pools away from it with "
                '"default-address-pools" in /etc/docker/daemon.json (restart dockerd).',
                compose=_snippet(
                    {"networks": {network.name: {"ipam": {"config": [{"subnet": "10.203.0.0/24"}]}}}}
                ),
            ),
            network=network.name,
            key=f"{subnet}",
        )


# -- overlay ---------------------------------------------------------------------------------------------


def _overlays(ctx: ReviewContext) -> Iterator[tuple[Network, list[Service]]]:
    for network in ctx.project.networks.values():
        if not network.declared or network.external:
            continue
        attached = ctx.project.attached(network.name)
        if network.effective_driver(ctx.swarm(attached)) == "overlay":
            yield network, attached


@check("NR016")
def overlay_not_attachable(ctx: ReviewContext) -> Iterator[Hit]:
    rule = ctx.rule("NA031")
    for network, attached in _overlays(ctx):
        if network.attachable is not None and network.attachable.value:
            continue
        effectives = [ctx.effective(s) for s in attached] or [ctx.effective(None)]
        swarm = ctx.swarm(attached)
        if not all(rule.condition(ctx.facts(effective, swarm=swarm)) for effective in effectives):
            continue  # deployed as a Swarm stack: services attach without --attachable
        commands, _ = ctx.commands_for(Driver.overlay, effectives[0], network)
        yield Hit(
            mark=network.anchor or Mark("", 1, 1),
            message=f"overlay network `{network.name}` is not attachable: `docker compose up` runs plain "
            "containers, and without `attachable: true` only Swarm services may join an overlay (the "
            'containers fail with "network ... not manually attachable")',
            expected="attachable: true (or swarm: true in the requirements, for `docker stack deploy`)",
            found="driver: overlay without attachable",
            fix=Fix(
                description="Add `attachable: true`; the host must be in Swarm mode (`docker swarm init`) "
                "for any overlay.",
                compose=_snippet({"networks": {network.name: {"driver": "overlay", "attachable": True}}}),
                commands=commands,
                driver=Driver.overlay,
            ),
            network=network.name,
            services=tuple(s.name for s in attached),
            selection_rules=("NA031",),
            key="attachable",
        )


@check("NR017")
def overlay_mtu_in_cloud(ctx: ReviewContext) -> Iterator[Hit]:
    rule = ctx.rule("NA036")
    for network, attached in _overlays(ctx):
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
            if not rule.condition(ctx.facts(effective, deployment)):
                continue
            values = effective.values({"cloud"})
            yield Hit(
                mark=network.anchor or Mark("", 1, 1),
                message=f"overlay network `{network.name}` runs in a cloud ({_requirement_text(values)}) "
                "with no MTU option: VXLAN adds 50 bytes, and where the VPC's MTU is below 1500 (GCP 1460, "
                "OpenStack 1450, VPNs less) large packets are silently dropped",
                expected=f"driver_opts {MTU_OPTION}: the underlay MTU minus 50",
                found="no MTU driver option",
                fix=Fix(
                    description="Check the VPC's MTU (`ip link show` on a host) and set the overlay's to it "
                    "minus 50 (minus about 60 more if encrypted).",
                    compose=_snippet(
                        {
                            "networks": {
                                network.name: {"driver": "overlay", "driver_opts": {MTU_OPTION: "1410"}}
                            }
                        }
                    ),
                ),
                network=network.name,
                services=tuple(s.name for s in attached),
                selection_rules=("NA036",),
                requirements=values,
                key=effective.key,
            )


# -- internal networks, IPv6 -----------------------------------------------------------------------------


@check("NR018")
def internal_network_with_ports(ctx: ReviewContext) -> Iterator[Hit]:
    for service in ctx.project.services.values():
        if not service.ports or service.network_mode is not None:
            continue
        networks = _networks_of(ctx, service)
        if not networks or not all(network.is_internal for network, _ in networks):
            continue
        names = ", ".join(f"`{network.name}`" for network, _ in networks)
        yield Hit(
            mark=_port_mark(service),
            message=f"service `{service.name}` publishes ports ({_ports_text(service)}) but is only on "
            f"internal networks ({names}): an internal network has no way in from outside, so the ports "
            "are never reachable",
            expected="published ports on a service that is also on a non-internal network",
            found=f"ports on internal-only service `{service.name}`",
            fix=Fix(
                description="Remove `ports:`, or also attach the service to a non-internal network (a "
                "front-end bridge) that carries the published ports.",
                compose=_snippet(
                    {
                        "services": {
                            service.name: {"networks": [*(n.name for n, _ in networks), "frontend"]}
                        },
                        "networks": {"frontend": {"driver": "bridge"}},
                    }
                ),
            ),
            service=service.name,
            network=networks[0][0].name,
            services=(service.name,),
            selection_rules=("NA048",),
            key="ports",
        )


@check("NR019")
def ipv6_without_subnet(ctx: ReviewContext) -> Iterator[Hit]:
    for network in ctx.project.networks.values():
        if network.external or network.enable_ipv6 is None or not network.enable_ipv6.value:
            continue
        if any(":" in subnet.value for subnet in network.subnets()):
            continue
        yield Hit(
            mark=network.enable_ipv6.mark,
            message=f"network `{network.name}` enables IPv6 without an IPv6 subnet: Docker's default pools "
            "hold no IPv6 prefixes, so the engine picks a unique-local /64 of its own (older engines refuse "
            "the network), a prefix you did not choose and nothing outside the host routes to",
            expected="an IPv6 subnet in ipam.config (a /64 routed to this host, or a stable ULA)",
            found="enable_ipv6: true and no IPv6 subnet",
            fix=Fix(
                description="Add an IPv6 subnet to the network's ipam.config.",
                compose=_snippet(
                    {
                        "networks": {
                            network.name: {
                                "enable_ipv6": True,
                                "ipam": {"config": [{"subnet": "fd4e:6574:6164::/64"}]},
                            }
                        }
                    }
                ),
            ),
            network=network.name,
            services=tuple(s.name for s in ctx.project.attached(network.name)),
            selection_rules=("NA040",),
            key="ipv6",
        )


# -- references ------------------------------------------------------------------------------------------


@check("NR020")
def undeclared_network(ctx: ReviewContext) -> Iterator[Hit]:
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
                    compose=_snippet(
                        {"networks": {close[0] if close else attachment.network: {"driver": "bridge"}}}
                    )
                    if not close
                    else _snippet({"services": {service.name: {"networks": [close[0]]}}}),
                ),
                service=service.name,
                network=attachment.network,
                services=(service.name,),
                key=attachment.network,
            )


@check("NR021")
def unused_network(ctx: ReviewContext) -> Iterator[Hit]:
    for network in ctx.project.networks.values():
        if not network.declared or network.name == DEFAULT_NETWORK or ctx.project.attached(network.name):
            continue
        if network.mark is None:
            continue
        yield Hit(
            mark=network.mark,
            message=f"network `{network.name}` is declared but no service joins it",
            expected="every declared network used by a service",
            found=f"networks.{network.name} unused",
            fix=Fix(
                description=f"Remove `{network.name}`, or add it to the `networks:` of the services that "
                "need it."
            ),
            network=network.name,
            key="unused",
        )


@check("NR022")
def invalid_suppression(ctx: ReviewContext) -> Iterator[Hit]:
    from service.review.catalogue import REVIEW_CODE

    owners: list[tuple[str | None, str | None, list[Any]]] = [
        *((s.name, None, s.ignores) for s in ctx.project.services.values()),
        *((None, n.name, n.ignores) for n in ctx.project.networks.values()),
    ]
    for service, network, ignores in owners:
        for ignore in ignores:
            problem = ignore.problem
            if problem is None and ignore.rule is not None and not REVIEW_CODE.fullmatch(ignore.rule):
                problem = f"names {ignore.rule!r}, which is not a review rule code (NR###)"
            elif problem is None and ignore.rule is not None and ignore.rule not in ctx.review_codes:
                problem = f"names {ignore.rule}, which is not a review rule (`netadvisor explain` lists them)"
            if problem is None:
                continue
            owner = f"service `{service}`" if service else f"network `{network}`"
            yield Hit(
                mark=ignore.mark,
                message=f"x-netadvisor-ignore on {owner} {problem}; the entry is not honoured",
                expected="{rule: NR###, reason: why the finding does not apply}",
                found=f"rule: {ignore.rule or '(none)'}, reason: {ignore.reason or '(none)'}",
                fix=Fix(
                    description="Give each entry the rule code and a reason, which reviewers read in the "
                    "report and in code scanning.",
                    compose=_snippet(
                        {"x-netadvisor-ignore": [{"rule": "NR021", "reason": "other projects join it"}]}
                    ),
                ),
                service=service,
                network=network,
                services=(service,) if service else (),
                key=f"{ignore.rule}|{ignore.reason}",
            )
