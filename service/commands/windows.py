"""Ready-made commands for Windows containers: nat, transparent, l2bridge, l2tunnel, overlay and none.

Windows is not Linux with other driver names. Per Microsoft's "Windows container networking" page,
`docker network create` on Windows takes no `--aux-address`, `--internal`, `--ip-range`, `--ipam-driver`,
`--ipam-opt`, `--ipv6` or `--opt encrypted`, and `docker run` no `--ip6`; Windows options are
`com.docker.network.windowsshim.*` driver options. So Windows answers are built here, never by patching
the Linux builder, and nothing here can emit one of those options (tests/test_windows.py checks every
command of many Windows answers).

`build_platform_commands` is the engine's one entry point: Windows requests come here, every other
request goes to the Linux builder (`builder.build_commands`) unchanged. Descriptions and notes are gettext
templates translated first and formatted after, as in `builder`.

Sources: https://learn.microsoft.com/en-us/virtualization/windowscontainers/container-networking/architecture,
.../container-networking/network-drivers-topologies, .../container-networking/advanced and
.../manage-containers/swarm-mode.
"""

from __future__ import annotations

import ipaddress

from service.commands.addressing import DEFAULT_LAN_SUBNET, suggested_gateway, suggested_ip_range
from service.commands.builder import (
    ALTERNATIVES_NOTE,
    AssumptionLog,
    BuilderBase,
    CommandData,
    CommandsData,
    build_commands,
    command,
    host_ip_note,
    service_publish_args,
)
from service.commands.compose import snippet
from service.i18n import N_, Gettext, english
from service.models import Driver, NetworkAccess, Platform, RecommendationRequest

# A Windows base image for the placeholder: a Linux image cannot run on a Windows container host.
WINDOWS_IMAGE = "mcr.microsoft.com/windows/servercore:ltsc2022"
INTERFACE_OPTION = "com.docker.network.windowsshim.interface"
VLAN_OPTION = "com.docker.network.windowsshim.vlanid"
OUTBOUND_NAT_OPTION = "com.docker.network.windowsshim.enable_outboundnat"
# Options Microsoft lists as unsupported on Windows; the tests assert no Windows command contains one.
UNSUPPORTED_OPTIONS = frozenset(
    {
        "--aux-address",
        "--internal",
        "--ip-range",
        "--ipam-driver",
        "--ipam-opt",
        "--ipv6",
        "--ip6",
        "encrypted",
    }
)

_NETWORK_NAMES = {
    Driver.nat: "app-nat",
    Driver.overlay: "app-overlay",
    Driver.transparent: "lan-transparent",
    Driver.l2bridge: "lan-l2bridge",
    Driver.l2tunnel: "azure-l2tunnel",
}
# The network step's description per driver (transparent's depends on its addressing: see
# network_description); translated where shown.
_NETWORK_DESCRIPTIONS = {
    Driver.nat: N_(
        "Create a user-defined nat network (Windows' single-host network, like a Linux user-defined bridge)."
    ),
    Driver.overlay: N_(
        "On a manager node: create an overlay; Microsoft's Swarm guide attaches Swarm services to it, so the "
        "app runs as a service."
    ),
    Driver.l2bridge: N_(
        "Create an l2bridge network on the host's own subnet (static addresses only; OutboundNAT lets "
        "containers reach the outside)."
    ),
    Driver.l2tunnel: N_(
        "Create an l2tunnel network (Azure only: addresses and policy come from Azure's SDN and its plugin)."
    ),
}
# Drivers whose containers sit on the physical network behind an external Hyper-V switch.
_EXTERNAL_SWITCH = (Driver.transparent, Driver.l2bridge, Driver.l2tunnel)


def build_platform_commands(
    driver: Driver,
    request: RecommendationRequest,
    log: AssumptionLog,
    rule_prerequisites: list[tuple[str, list[str]]],
    gettext: Gettext = english,
) -> CommandsData:
    """Commands for `driver`: Windows' own for `platform: windows`, Linux's for every other platform."""
    if request.requirements.platform is not Platform.windows:
        return build_commands(driver, request, log, rule_prerequisites, gettext)
    return _WindowsBuilder(driver, request, log, gettext).build()


class _WindowsBuilder(BuilderBase):
    @property
    def image(self) -> str:
        return self.value(
            "image",
            self.dep.image,
            WINDOWS_IMAGE,
            N_(
                "replace with your application's Windows image, built on a base that matches the host's "
                "Windows version (ltsc2022 needs Windows Server 2022)"
            ),
        )

    @property
    def network(self) -> str:
        return self.value(
            "network_name",
            self.dep.network_name,
            _NETWORK_NAMES.get(self.driver, self.driver.value),
            N_("any name you like; the run, service and Compose commands refer to it"),
        )

    def static_addressing(self) -> tuple[str, str, str] | None:
        """(subnet, gateway, container IP) for drivers with static LAN addresses, else None.

        l2bridge takes static addresses only; transparent when the user gave a subnet (else the LAN's DHCP
        server hands them out). Windows networks take no --ip-range, so the container's --ip is the first
        address of the user's ip_range, or of the subnet's third quarter: a block to keep out of the DHCP
        pool, as on Linux.
        """
        if self.driver is Driver.transparent and self.dep.subnet is None:
            return None
        if self.driver not in (Driver.transparent, Driver.l2bridge):
            return None
        subnet_text = self.value(
            "subnet",
            self.dep.subnet,
            DEFAULT_LAN_SUBNET,
            N_(
                "replace with the Windows host's own LAN subnet: l2bridge containers take static addresses "
                "on it"
            ),
        )
        subnet = ipaddress.IPv4Network(subnet_text)
        first_host = subnet.network_address + 1
        gateway = self.value(
            "gateway",
            self.dep.gateway,
            str(suggested_gateway(subnet)),
            N_("replace with your LAN router's address"),
        )
        if self.dep.ip_range is not None:
            block = ipaddress.IPv4Network(self.dep.ip_range)
        else:
            block = suggested_ip_range(subnet)  # the Linux LAN plan's block (service/commands/addressing)
            self.log.record(
                "ip_range",
                str(block),
                self._(
                    "the block the containers' static --ip addresses come from (Windows takes no "
                    "--ip-range); keep it out of your DHCP pool"
                ),
                self.driver,
            )
        address = max(block.network_address, first_host)
        if str(address) == gateway:
            address += 1
        return subnet_text, gateway, str(address)

    # -- commands -----------------------------------------------------------------------------------------

    def build(self) -> CommandsData:
        addressing = self.static_addressing()
        service = self.service_commands() if self.req.swarm or self.driver is Driver.overlay else []
        run = self.run_commands(addressing) if self.driver is not Driver.overlay else []
        data: CommandsData = {
            "prerequisites": self.swarm_prerequisites(),
            "network": self.network_commands(addressing),
            "run": run,
            "service": service,
            "alternatives": self._(ALTERNATIVES_NOTE) if run and service else None,
            "compose": self.compose(addressing),
        }
        return data

    def driver_options(self) -> list[tuple[str, str]]:
        """The windowsshim options: the host adapter, the VLAN, and OutboundNAT for l2bridge."""
        options: list[tuple[str, str]] = []
        adapter = self.dep.windows_adapter or self.dep.parent_interface
        if self.driver in _EXTERNAL_SWITCH and adapter is not None:
            options.append((INTERFACE_OPTION, adapter))
        if self.driver in (Driver.transparent, Driver.l2bridge) and self.req.vlan is not None:
            options.append((VLAN_OPTION, str(self.req.vlan)))
        if self.driver is Driver.l2bridge and self.req.network_access is NetworkAccess.full:
            options.append((OUTBOUND_NAT_OPTION, "true"))
        return options

    def network_commands(self, addressing: tuple[str, str, str] | None) -> list[CommandData]:
        if self.driver is Driver.none:
            return []
        argv = ["docker", "network", "create", "--driver", self.driver.value]
        if addressing is not None:
            argv += ["--subnet", addressing[0], "--gateway", addressing[1]]
        elif self.driver in (Driver.nat, Driver.overlay) and self.dep.subnet is not None:
            argv += ["--subnet", self.dep.subnet]
            argv += ["--gateway", self.dep.gateway] if self.dep.gateway else []
        for name, value in self.driver_options():
            argv += ["--opt", f"{name}={value}"]
        return [command(self.network_description(addressing), [*argv, self.network])]

    def network_description(self, addressing: tuple[str, str, str] | None) -> str:
        if self.driver is Driver.transparent:
            text = (
                self._(
                    "Create a transparent network: containers join the physical LAN through an external "
                    "Hyper-V switch, with static addresses (--subnet/--gateway of the LAN)."
                )
                if addressing
                else self._(
                    "Create a transparent network: containers join the physical LAN through an external "
                    "Hyper-V switch, with addresses from the LAN's DHCP server."
                )
            )
        else:
            template = _NETWORK_DESCRIPTIONS.get(self.driver, N_("Create the {driver} network."))
            text = self._(template).format(driver=self.driver.value)
        if self.dep.mtu is not None:
            text += self._(
                " deployment.mtu is not applied: Microsoft documents no MTU option for Windows networks."
            )
        return text

    def run_commands(self, addressing: tuple[str, str, str] | None) -> list[CommandData]:
        argv = ["docker", "run", "--detach", "--name", self.container]
        if self.driver is Driver.none:
            argv += ["--network", "none"]
            why = self._("Start the container; it has only a loopback interface.")
            return [command(why, [*argv, self.image])]
        argv += ["--network", self.network]
        if addressing is not None:
            argv += ["--ip", addressing[2]]
        if self.driver is Driver.nat:
            for spec in self.ports:
                argv += ["--publish", spec.publish_arg()]
        return [command(self._("Start the container on the network."), [*argv, self.image])]

    def service_commands(self) -> list[CommandData]:
        argv = ["docker", "service", "create", "--detach", "--name", self.container]
        argv += ["--replicas", str(self.req.hosts)]
        if self.driver is Driver.overlay:
            argv += ["--network", self.network]
            description = self._("Run the service on the overlay.")
        else:
            description = self._(
                "Run the service; nat networks are per node, so Swarm publishes it on its ingress."
            )
        argv += service_publish_args(self.ports)
        description += host_ip_note(self.ports, self._)
        return [command(description, [*argv, self.image])]

    def compose(self, addressing: tuple[str, str, str] | None) -> str:
        service: dict[str, object] = {"image": self.image}
        document: dict[str, object] = {"services": {self.container: service}}
        if self.driver is Driver.none:
            service["network_mode"] = "none"
            return snippet(document)
        name = self.network
        attachment: dict[str, object] = {"ipv4_address": addressing[2]} if addressing else {}
        ports = [spec for spec in self.ports if not (self.req.swarm and spec.host_ip is not None)]
        if self.driver in (Driver.nat, Driver.overlay) and ports:
            service["ports"] = [spec.compose_entry() for spec in ports]
        service["networks"] = {name: attachment or None}
        if self.req.swarm:
            service["deploy"] = {"replicas": self.req.hosts}
        network: dict[str, object] = {"name": name, "driver": self.driver.value}
        options = dict(self.driver_options())
        if options:
            network["driver_opts"] = options
        pool: dict[str, object] = {}
        if addressing is not None:
            pool = {"subnet": addressing[0], "gateway": addressing[1]}
        elif self.driver in (Driver.nat, Driver.overlay) and self.dep.subnet is not None:
            pool = {"subnet": self.dep.subnet}
            if self.dep.gateway is not None:
                pool["gateway"] = self.dep.gateway
        if pool:
            network["ipam"] = {"config": [pool]}
        document["networks"] = {name: network}
        return snippet(document)
