"""Ready-made commands for a driver: prerequisites, `docker network create`, `docker run`,
`docker service create` and a Compose snippet.

Every command is built as an argv list, an option appearing only when it has a value, and shown with
`shlex.join`, so a value can never become shell syntax. Values come from the validated `Deployment`; where
the user gave none, a default is used and recorded as an assumption the user should replace.
"""

from __future__ import annotations

import ipaddress
import shlex
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, TypedDict

from service.commands.addressing import (
    DEFAULT_IPV6_SUBNET,
    DEFAULT_OVERLAY_V4_SUBNET,
    Lan,
    plan_lan,
    split_range,
)
from service.commands.compose import SHIM_AUX_NAME, lan_pool, snippet
from service.commands.policy import (
    DEFAULT_CONTAINER,
    DEFAULT_IMAGE,
    DEFAULT_SHIM_NAME,
    LAN_DRIVERS,
    MTU_OPTION,
    default_network_name,
    mtu_options,
)
from service.i18n import N_, Gettext, english
from service.models import (
    Deployment,
    Driver,
    NetworkAccess,
    RecommendationRequest,
    Requirements,
)
from service.ports import PortSpec

# Placeholders a rule's prerequisite argv may use; each resolves to a validated value or a recorded default.
COMMAND_PLACEHOLDERS = frozenset(
    {"network", "parent", "parent_base", "subnet", "gateway", "ip_range", "shim_name", "shim_address"}
)
# Swarm nodes listed one by one in the per-node config-only commands; beyond this the description says
# "repeat", because a hundred near-identical commands help nobody.
MAX_LISTED_NODES = 8
# When an answer has both: `docker run` and `docker service create` start the same app two ways.
ALTERNATIVES_NOTE = N_(
    "`run` and `service` are alternatives: start the app either as a standalone container (`docker run`) "
    "or as a Swarm service (`docker service create`), not both."
)


# Tokens repeat across drivers and requests ("docker", "--network", subnets); quoting each once saves a
# third of the command-building time. The result is exactly shlex.join's.
_quote = lru_cache(maxsize=8192)(shlex.quote)


class CommandData(TypedDict):
    """A `Command` as plain data; the engine validates the whole response once at the end."""

    description: str
    argv: list[str]
    command: str


class CommandsData(TypedDict):
    prerequisites: list[CommandData]
    network: list[CommandData]
    run: list[CommandData]
    service: list[CommandData]
    alternatives: str | None
    compose: str


def command(description: str, argv: Iterable[str]) -> CommandData:
    args = list(argv)
    return {"description": description, "argv": args, "command": " ".join(map(_quote, args))}


@dataclass
class AssumptionLog:
    """Defaults used in commands, merged across drivers so each appears once with every driver it serves."""

    _entries: dict[tuple[str, str], tuple[str, list[Driver]]] = field(default_factory=dict)

    def record(self, name: str, value: str, note: str, driver: Driver) -> str:
        key = (name, value)
        _, drivers = self._entries.setdefault(key, (note, []))
        if driver not in drivers:
            drivers.append(driver)
        return value

    def items(self) -> list[dict[str, Any]]:
        return [
            {"field": name, "value": value, "note": note, "drivers": [driver.value for driver in drivers]}
            for (name, value), (note, drivers) in self._entries.items()
        ]


class BuilderBase:
    """What every platform's builder shares: the request, the assumption log, resolved values, Swarm."""

    def __init__(
        self, driver: Driver, request: RecommendationRequest, log: AssumptionLog, gettext: Gettext
    ) -> None:
        self.driver = driver
        # Descriptions and notes are translated as templates, then formatted: the values stay as given.
        self._ = gettext
        self.req: Requirements = request.requirements
        self.dep: Deployment = request.deployment
        self.log = log
        # The same spec twice ("80", "80/tcp") is published once: Compose requires unique entries.
        self.ports = self.req.port_specs() if self.req.network_access is NetworkAccess.full else ()

    # -- resolved values ----------------------------------------------------------------------------------

    def value(self, name: str, given: str | None, default: str, note: str) -> str:
        if given is not None:
            return given
        return self.log.record(name, default, self._(note), self.driver)

    @property
    def container(self) -> str:
        return self.value(
            "container_name",
            self.dep.container_name,
            DEFAULT_CONTAINER,
            N_("any name; used for DNS on the network"),
        )

    def needs_swarm(self) -> bool:
        return self.driver is Driver.overlay or (self.req.swarm and self.driver is not Driver.none)

    def swarm_prerequisites(self) -> list[CommandData]:
        if not self.needs_swarm():
            return []
        init = ["docker", "swarm", "init"]
        if self.dep.advertise_addr is not None:
            init += ["--advertise-addr", self.dep.advertise_addr]
        steps = [
            command(
                self._(
                    "On the first manager node: turn on Swarm mode (skip if `docker info` already shows "
                    "`Swarm: active`). Add --advertise-addr with this node's IP if it has several."
                ),
                init,
            )
        ]
        if self.req.hosts > 1 or self.req.cross_host:
            steps.append(
                command(
                    self._(
                        "On the manager: print the `docker swarm join` command, then run it on every other "
                        "node. Open 2377/tcp, 7946/tcp+udp and 4789/udp between the nodes first."
                    ),
                    ["docker", "swarm", "join-token", "worker"],
                )
            )
        return steps


class _Builder(BuilderBase):
    @property
    def image(self) -> str:
        return self.value("image", self.dep.image, DEFAULT_IMAGE, N_("replace with your application's image"))

    @property
    def network(self) -> str:
        return self.value(
            "network_name",
            self.dep.network_name,
            default_network_name(self.driver),
            N_("any name you like; the run, service and Compose commands refer to it"),
        )

    def lan(self) -> Lan:
        lan, defaults = plan_lan(
            self.dep.parent_interface, self.req.vlan, self.dep.subnet, self.dep.gateway, self.dep.ip_range
        )
        for name, value, note in defaults:
            self.log.record(name, value, self._(note), self.driver)
        return lan

    def ipv6_subnet(self) -> str:
        return self.value(
            "ipv6_subnet",
            self.dep.ipv6_subnet,
            DEFAULT_IPV6_SUBNET,
            N_(
                "a unique-local /64; replace with a prefix routed to this host if clients outside must "
                "reach it"
            ),
        )

    @property
    def shim_name(self) -> str:
        # A fixed name, listed in the assumptions: a name cut from the network's (interface names hold 15
        # characters) would split a user's value mid-token and could clash between two networks.
        if not self.shim_used():
            return DEFAULT_SHIM_NAME
        return self.log.record(
            "shim_name",
            DEFAULT_SHIM_NAME,
            self._(
                "the host-side macvlan interface; one per macvlan network, so rename it if the host has "
                "several"
            ),
            self.driver,
        )

    def overlay_v4_subnet(self) -> str | None:
        """The overlay's IPv4 subnet: the user's, or with IPv6 a default, since Swarm networks keep IPv4
        (Engine 28 release notes) and an overlay given only an IPv6 subnet rejects its tasks."""
        if self.dep.subnet is not None or not self.req.ipv6:
            return self.dep.subnet
        return self.log.record(
            "subnet",
            DEFAULT_OVERLAY_V4_SUBNET,
            self._("an IPv4 /24 for the overlay next to its IPv6 /64; pick one no host or network uses"),
            self.driver,
        )

    def mac_for(self, ip: str) -> str:
        # Locally administered unicast (02:...) derived from the IP, as Docker itself derives MACs.
        mac = "02:42:" + ":".join(f"{octet:02x}" for octet in ipaddress.IPv4Address(ip).packed)
        return self.log.record(
            "mac_address",
            mac,
            self._("a locally administered MAC; replace with the one your LAN expects"),
            self.driver,
        )

    # -- commands -----------------------------------------------------------------------------------------

    def build(self, rule_prerequisites: list[tuple[str, list[str]]]) -> CommandsData:
        lan = self.lan() if self.driver in LAN_DRIVERS else None
        placeholders = self.placeholders(lan)
        prerequisites = self.swarm_prerequisites()
        for description, argv in rule_prerequisites:
            prerequisites.append(command(description, [part.format_map(placeholders) for part in argv]))
        run = self.run_commands(lan)
        service = self.service_commands() if self.req.swarm else []
        return {
            "prerequisites": prerequisites,
            "network": self.network_commands(lan),
            "run": run,
            "service": service,
            "alternatives": self._(ALTERNATIVES_NOTE) if run and service else None,
            "compose": self.compose(lan),
        }

    def shim_address(self, lan: Lan) -> str:
        return self.log.record(
            "shim_address",
            lan.shim_address,
            self._(
                "the host's macvlan shim address: the top of ip_range {ip_range}, reserved with "
                "--aux-address so no container gets it; pick another free address of that range if you like"
            ).format(ip_range=lan.ip_range),
            self.driver,
        )

    def placeholders(self, lan: Lan | None) -> dict[str, str]:
        values = {
            "network": self.network if self.driver not in (Driver.host, Driver.none) else self.driver.value
        }
        if lan is not None:
            values |= {
                "parent": lan.parent,
                "parent_base": lan.parent.split(".", 1)[0],
                "subnet": lan.subnet,
                "gateway": lan.gateway,
                "ip_range": lan.ip_range,
                "shim_name": self.shim_name,
                "shim_address": self.shim_address(lan) if self.shim_used() else lan.shim_address,
            }
        return values

    def shim_used(self) -> bool:
        return self.req.host_access and self.driver is Driver.macvlan

    def network_commands(self, lan: Lan | None) -> list[CommandData]:
        if self.driver in (Driver.host, Driver.none):
            return []
        name = self.network
        internal = ["--internal"] if self.req.network_access is NetworkAccess.internal else []
        mtu = ["--opt", f"{MTU_OPTION}={self.dep.mtu}"] if self.dep.mtu is not None else []
        ipv6 = ["--ipv6", "--subnet", self.ipv6_subnet()] if self.req.ipv6 else []
        if self.driver is Driver.bridge:
            argv = ["docker", "network", "create", "--driver", "bridge", *internal]
            if self.dep.subnet is not None:
                argv += ["--subnet", self.dep.subnet]
                argv += ["--gateway", self.dep.gateway] if self.dep.gateway else []
                argv += ["--ip-range", self.dep.ip_range] if self.dep.ip_range else []
            return [
                command(
                    self._(
                        "Create a user-defined bridge (never the default `bridge`: it has no DNS by name)."
                    ),
                    [*argv, *ipv6, *mtu, name],
                )
            ]
        if self.driver is Driver.overlay:
            argv = ["docker", "network", "create", "--driver", "overlay", "--attachable"]
            argv += ["--opt", "encrypted"] if self.req.encryption else []
            argv += internal
            v4_subnet = self.overlay_v4_subnet()
            if v4_subnet is not None:
                argv += ["--subnet", v4_subnet]
                argv += ["--gateway", self.dep.gateway] if self.dep.gateway else []
            what = (
                self._(
                    "On a manager node: create an encrypted (IPsec) overlay; --attachable lets `docker run` "
                    "containers join."
                )
                if self.req.encryption
                else self._(
                    "On a manager node: create an overlay; --attachable lets `docker run` containers join."
                )
            )
            return [
                command(
                    what,
                    [*argv, *ipv6, *mtu, name],
                )
            ]
        assert lan is not None  # macvlan / ipvlan
        mode = ["--opt", "ipvlan_mode=l2"] if self.driver is Driver.ipvlan else []
        aux = (
            ["--aux-address", f"{SHIM_AUX_NAME}={lan.shim_address}"]
            if self.req.host_access and self.driver is Driver.macvlan
            else []
        )
        addressing = ["--subnet", lan.subnet, "--gateway", lan.gateway, "--ip-range", lan.ip_range]
        # --internal swaps the parent for a dummy interface (ipvlan.md), so a parent would be misleading.
        parent = [] if internal else ["--opt", f"parent={lan.parent}"]
        if not self.req.swarm:
            argv = ["docker", "network", "create", "--driver", self.driver.value, *addressing, *aux, *ipv6]
            where = (
                self._("Create the {driver} network isolated from the LAN (--internal).")
                if internal
                else self._("Create the {driver} network on the LAN behind {parent}.")
            )
            return [
                command(
                    where.format(driver=self.driver.value, parent=lan.parent),
                    [*argv, *internal, *parent, *mode, *mtu, name],
                )
            ]
        # Swarm: each node gets a config-only network with its own, disjoint --ip-range (Swarm does not
        # coordinate macvlan IPAM between nodes, moby/moby#49921), then one swarm-scoped network uses them.
        config_name = f"{name}-config"
        steps = []
        ranges = split_range(ipaddress.IPv4Network(lan.ip_range), self.req.hosts, MAX_LISTED_NODES)
        for node, node_range in enumerate(ranges.listed, start=1):
            argv = [
                "docker", "network", "create", "--config-only",
                "--subnet", lan.subnet, "--gateway", lan.gateway, "--ip-range", str(node_range),
                *aux, *ipv6, *parent, *mode, *mtu, config_name,
            ]  # fmt: skip
            steps.append(
                command(
                    self._("On node {node} of {hosts}: its share of the address range.").format(
                        node=node, hosts=self.req.hosts
                    ),
                    argv,
                )
            )
        if ranges.available < self.req.hosts:
            steps[-1]["description"] += self._(
                " {ip_range} holds only {available} blocks for {hosts} nodes: give a larger ip_range."
            ).format(ip_range=lan.ip_range, available=ranges.available, hosts=self.req.hosts)
        elif self.req.hosts > MAX_LISTED_NODES:
            steps[-1]["description"] += self._(
                " Repeat on nodes {first}-{hosts}, each with its own /{prefixlen} block of {ip_range}."
            ).format(
                first=MAX_LISTED_NODES + 1,
                hosts=self.req.hosts,
                prefixlen=ranges.prefixlen,
                ip_range=lan.ip_range,
            )
        steps.append(
            command(
                self._("Once, on a manager: the swarm-scoped network built from each node's config."),
                [
                    "docker",
                    "network",
                    "create",
                    "--driver",
                    self.driver.value,
                    "--scope",
                    "swarm",
                    "--config-from",
                    config_name,
                    "--attachable",
                    *internal,
                    name,
                ],
            )
        )
        return steps

    def run_commands(self, lan: Lan | None) -> list[CommandData]:
        argv = ["docker", "run", "--detach", "--name", self.container]
        if self.driver in (Driver.host, Driver.none):
            argv += ["--network", self.driver.value]
            why = (
                self._("Start the container; it shares the host's network stack.")
                if self.driver is Driver.host
                else self._("Start the container; it has only a loopback interface.")
            )
            return [command(why, [*argv, self.image])]
        argv += ["--network", self.network]
        if lan is not None and (self.req.own_ip or self.req.own_mac):
            argv += ["--ip", lan.static_ip]
            if self.driver is Driver.macvlan and self.req.own_mac:
                argv += ["--mac-address", self.mac_for(lan.static_ip)]
        if self.driver in (Driver.bridge, Driver.overlay):
            for spec in self.ports:
                argv += ["--publish", spec.publish_arg()]
        return [command(self._("Start the container on the network."), [*argv, self.image])]

    def service_commands(self) -> list[CommandData]:
        if self.driver is Driver.none:  # `none` "is not available for Swarm services" (NA006): no command
            return []
        argv = ["docker", "service", "create", "--detach", "--name", self.container]
        if self.driver is Driver.host:
            # One task per node: a host-networked task binds the host's ports, so two cannot share a node.
            argv += ["--mode", "global", "--network", "host"]
            return [command(self._("Run one task per node on the host network."), [*argv, self.image])]
        argv += ["--replicas", str(self.req.hosts)]
        if self.driver is Driver.bridge:
            description = self._(
                "Run the service; bridge networks are per node, so Swarm publishes it on its ingress."
            )
        elif self.driver is Driver.overlay:
            argv += ["--network", self.network]
            description = self._("Run the service on the overlay.")
        else:
            # macvlan/ipvlan in Swarm: no IPVS virtual IP, DNS round-robin only (moby/moby#32981).
            argv += ["--network", self.network, "--endpoint-mode", "dnsrr"]
            description = self._("Run the service on the LAN network (DNS round-robin; no virtual IP).")
        if self.driver in (Driver.bridge, Driver.overlay):
            argv += service_publish_args(self.ports)
            description += host_ip_note(self.ports, self._)
        return [command(description, [*argv, self.image])]

    def compose(self, lan: Lan | None) -> str:
        service: dict[str, object] = {"image": self.image}
        document: dict[str, object] = {"services": {self.container: service}}
        if self.driver is Driver.none:
            service["network_mode"] = "none"
        elif self.driver is Driver.host:
            if self.req.swarm:  # stacks ignore network_mode; they attach to the predefined `host` network
                service["networks"] = {"hostnet": {}}
                service["deploy"] = {"mode": "global"}
                document["networks"] = {"hostnet": {"external": True, "name": "host"}}
            else:
                service["network_mode"] = "host"
        else:
            name = self.network
            attachment: dict[str, object] = {}
            if lan is not None and (self.req.own_ip or self.req.own_mac):
                attachment["ipv4_address"] = lan.static_ip
                if self.driver is Driver.macvlan and self.req.own_mac:
                    attachment["mac_address"] = self.mac_for(lan.static_ip)
            # A stack ignores a host IP and listens on every address (moby/moby#32299): leave those out.
            ports = [spec for spec in self.ports if not (self.req.swarm and spec.host_ip is not None)]
            if self.driver in (Driver.bridge, Driver.overlay) and ports:
                service["ports"] = [spec.compose_entry() for spec in ports]
            service["networks"] = {name: attachment or None}
            if self.req.swarm:
                deploy: dict[str, object] = {"replicas": self.req.hosts}
                if lan is not None:
                    deploy["endpoint_mode"] = "dnsrr"
                service["deploy"] = deploy
            document["networks"] = {name: self.compose_network(name, lan)}
        return snippet(document)

    def compose_network(self, name: str, lan: Lan | None) -> dict[str, object]:
        if lan is not None and self.req.swarm:
            # config-from networks are made with the CLI (see `network`); the stack only refers to it.
            return {"external": True, "name": name}
        network: dict[str, object] = {"name": name, "driver": self.driver.value}
        if self.driver is Driver.overlay:
            network["attachable"] = True
        ipam = self.compose_ipam(lan)
        if self.req.ipv6:
            network["enable_ipv6"] = True
        if self.req.network_access is NetworkAccess.internal:
            network["internal"] = True
        options = self.compose_options(lan)
        if options:
            network["driver_opts"] = options
        if ipam:
            network["ipam"] = {"config": ipam}
        return network

    def compose_options(self, lan: Lan | None) -> dict[str, str]:
        """`driver_opts`: encryption, the LAN parent and mode, the MTU."""
        options: dict[str, str] = {}
        if self.driver is Driver.overlay and self.req.encryption:
            options["encrypted"] = ""
        if lan is not None:
            # --internal swaps the parent for a dummy interface (ipvlan.md), so a parent would mislead.
            if self.req.network_access is not NetworkAccess.internal:
                options["parent"] = lan.parent
            if self.driver is Driver.ipvlan:
                options["ipvlan_mode"] = "l2"
        if self.dep.mtu is not None:
            options |= mtu_options(self.dep.mtu)
        return options

    def compose_ipam(self, lan: Lan | None) -> list[dict[str, object]]:
        """`ipam.config`: the LAN pool, or the user's (or the overlay's default) subnet, then IPv6."""
        ipam: list[dict[str, object]] = []
        if lan is not None:
            ipam.append(lan_pool(lan, shim=self.req.host_access and self.driver is Driver.macvlan))
        elif v4_subnet := (self.overlay_v4_subnet() if self.driver is Driver.overlay else self.dep.subnet):
            pool: dict[str, object] = {"subnet": v4_subnet}
            if self.dep.gateway is not None:
                pool["gateway"] = self.dep.gateway
            if self.dep.ip_range is not None and self.driver is Driver.bridge:
                pool["ip_range"] = self.dep.ip_range
            ipam.append(pool)
        if self.req.ipv6:
            ipam.append({"subnet": self.ipv6_subnet()})
        return ipam


def build_commands(
    driver: Driver,
    request: RecommendationRequest,
    log: AssumptionLog,
    rule_prerequisites: list[tuple[str, list[str]]],
    gettext: Gettext = english,
) -> CommandsData:
    return _Builder(driver, request, log, gettext).build(rule_prerequisites)


def service_publish_args(ports: Iterable[PortSpec]) -> list[str]:
    """`--publish` for a service: specs with a host IP are left out, since the CLI refuses them ("HostIP is
    not supported by a service") and a stack drops the IP and listens on every address (NA081)."""
    return [arg for spec in ports if spec.host_ip is None for arg in ("--publish", spec.service_arg())]


def host_ip_note(ports: Iterable[PortSpec], gettext: Gettext = english) -> str:
    """What the service command leaves out, and why, when a port spec names a host IP."""
    bound = [spec.publish_arg() for spec in ports if spec.host_ip is not None]
    if not bound:
        return ""
    return gettext(
        " Not published: {ports}; a service cannot bind a host IP (NA081 says what to do instead)."
    ).format(ports=", ".join(bound))
