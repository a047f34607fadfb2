"""The request and response contract of the advisor.

Pure pydantic: no FastAPI here, so the engine, the CLI and the HTTP layer share one definition and the
OpenAPI schema documents every field from these descriptions.
"""

from __future__ import annotations

import ipaddress
import itertools
import re
import types
import typing
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    PrivateAttr,
    Strict,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from service.ports import PORT_SPEC_PATTERN, PortSpec, parse_port_spec


def _integral_float(value: object) -> object:
    """JSON has one number type: `3.0` is the integer 3 (JSON Schema agrees); `3.5` stays a float, fails."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# What the schema says is what is accepted: an integer is a JSON number with no fraction, never the string
# "3" or `true`; a boolean is `true` or `false`, never "yes" or 1. (pydantic's lax mode would coerce both,
# so requests the document calls invalid would be answered.)
JsonInt = Annotated[int, BeforeValidator(_integral_float), Strict()]
JsonBool = Annotated[bool, Strict()]


class Driver(StrEnum):
    """The built-in network drivers: Docker Engine's six, then the four only Windows containers have.

    Ties are broken by the preference order in rules/drivers.yaml, never by this order. A Windows-only
    driver appears only in answers for `platform: windows` (its `platforms` scope in drivers.yaml).
    """

    bridge = "bridge"
    host = "host"
    overlay = "overlay"
    ipvlan = "ipvlan"
    macvlan = "macvlan"
    none = "none"
    nat = "nat"
    transparent = "transparent"
    l2bridge = "l2bridge"
    l2tunnel = "l2tunnel"


class NetworkAccess(StrEnum):
    full = "full"
    internal = "internal"
    none = "none"


class HostIsolation(StrEnum):
    required = "required"
    preferred = "preferred"
    not_needed = "not_needed"


class Performance(StrEnum):
    standard = "standard"
    high = "high"


class Multicast(StrEnum):
    """Where multicast/broadcast must reach: nowhere, other containers, or devices on the physical LAN."""

    none = "none"
    containers = "containers"
    lan = "lan"


# `multicast` was a yes/no field; a bool still validates and the answer's assumptions say how it was read.
MULTICAST_FROM_BOOL = {True: Multicast.lan, False: Multicast.none}


class Platform(StrEnum):
    linux = "linux"
    docker_desktop = "docker-desktop"
    rootless = "rootless"
    windows = "windows"


class Cloud(StrEnum):
    none = "none"
    aws = "aws"
    azure = "azure"
    gcp = "gcp"
    other = "other"


class _Strict(BaseModel):
    """Unknown fields are a mistake the user wants to hear about, not something to drop silently."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


class Requirements(_Strict):
    """What the application needs and where it runs. Every field is optional."""

    cross_host: JsonBool = Field(
        False, description="Containers on different Docker hosts must talk to each other directly."
    )
    hosts: JsonInt = Field(1, ge=1, le=10_000, description="How many Docker hosts run the app.")
    swarm: JsonBool = Field(
        False, description="Deployed as Swarm services (`docker service` / `docker stack`)."
    )
    ports: list[Annotated[str, Field(json_schema_extra={"pattern": PORT_SPEC_PATTERN})]] = Field(
        default_factory=list,
        max_length=256,
        description='Ports published to clients: "80", "8000-9000", "53/udp", "30000-32767/tcp".',
        examples=[["80", "8000-9000", "53/udp"]],
    )
    own_ip: JsonBool = Field(
        False,
        description="Each container needs its own address on the physical LAN, reachable without port "
        "mapping.",
    )
    own_mac: JsonBool = Field(
        False,
        description="Each container must appear on the LAN as a separate device with its own MAC address.",
    )
    mac_limit: JsonBool = Field(
        False,
        description="The switch, NIC, hypervisor or cloud limits how many MAC addresses a port may use.",
    )
    ipv6: JsonBool = Field(False, description="Containers need IPv6 addresses.")
    vlan: JsonInt | None = Field(
        None, ge=1, le=4094, description="The 802.1Q VLAN the containers must sit on."
    )
    multicast: Annotated[
        Multicast,
        # The contract says what the validator accepts: the enum, or the legacy bool.
        WithJsonSchema(
            {
                "anyOf": [
                    {"type": "string", "enum": [member.value for member in Multicast]},
                    {"type": "boolean"},
                ],
                "title": "Multicast",
            }
        ),
    ] = Field(
        Multicast.none,
        description="Where the app's multicast or broadcast must reach: `none`; `containers` (cluster "
        "discovery between containers); `lan` (devices on the physical LAN: mDNS, SSDP, DHCP, PXE, VRRP). "
        "`true` is read as `lan` and `false` as `none`, and the answer's `assumptions` say so.",
    )
    host_interfaces: JsonBool = Field(
        False,
        description="The app must see or change the host's own interfaces, routes or addresses "
        "(keepalived/VRRP floating IPs, VPN gateways, node monitoring agents, packet capture).",
    )
    network_access: NetworkAccess = Field(
        NetworkAccess.full,
        description="`internal`: containers talk only to each other, no outside access; `none`: no "
        "networking.",
    )
    host_isolation: HostIsolation = Field(
        HostIsolation.preferred, description="May the container share the host's network stack."
    )
    performance: Performance = Field(
        Performance.standard,
        description="`high`: near-native throughput and latency, avoid NAT and encapsulation.",
    )
    encryption: JsonBool = Field(False, description="Traffic between hosts must be encrypted.")
    service_discovery: JsonBool = Field(True, description="Containers find each other by name.")
    host_access: JsonBool = Field(
        False, description="Processes on the Docker host itself must reach the containers' IPs."
    )
    containers_per_host: JsonInt = Field(10, ge=1, le=100_000, description="Containers on one host.")
    platform: Platform = Field(Platform.linux, description="The engine the app runs on.")
    cloud: Cloud = Field(Cloud.none, description="Runs on a cloud VM inside a VPC/VNet.")
    wireless_parent: JsonBool = Field(False, description="The host's uplink is Wi-Fi.")

    # The bool a client sent for `multicast`, if it sent one: the answer lists how it was read.
    _multicast_bool: bool | None = PrivateAttr(None)

    @model_validator(mode="wrap")
    @classmethod
    def _remember_multicast_bool(cls, data: Any, handler: ModelWrapValidatorHandler[Requirements]) -> Any:
        given = data.get("multicast") if isinstance(data, dict) else None
        model = handler(data)
        if isinstance(given, bool):
            model._multicast_bool = given
        return model

    @property
    def multicast_bool(self) -> bool | None:
        return self._multicast_bool

    @field_validator("multicast", mode="before")
    @classmethod
    def _multicast_bool_value(cls, value: object) -> object:
        return MULTICAST_FROM_BOOL[value] if isinstance(value, bool) else value

    @field_validator("ports")
    @classmethod
    def _ports_parse(cls, value: list[str]) -> list[str]:
        specs = []
        for index, raw in enumerate(value):
            try:
                specs.append((index, raw, parse_port_spec(raw)))
            except ValueError as exc:
                raise ValueError(f"[{index}] {exc}") from None
        # A host port can be published once per protocol: Docker refuses the second binding, and the
        # Compose spec refuses the snippet. Say which two specs collide rather than guess a merge.
        specs.sort(key=lambda item: (item[2].protocol, item[2].start))
        for (i, raw_a, a), (j, raw_b, b) in itertools.pairwise(specs):
            if a.protocol == b.protocol and b.start <= a.end:
                first, second = sorted(((i, raw_a), (j, raw_b)))
                raise ValueError(
                    f"[{second[0]}] {second[1]!r} overlaps [{first[0]}] {first[1]!r} ({a.protocol}): "
                    "publish each port once, e.g. merge them into one range"
                )
        return value

    def port_specs(self) -> tuple[PortSpec, ...]:
        return tuple(parse_port_spec(raw) for raw in self.ports)


# Formats, written once as ECMA-262 patterns (what JSON Schema `pattern` uses; these need no flags and no
# look-behind, so Python's `re` reads them the same way). The document publishes them and the validators
# below enforce exactly them, so a string the document calls malformed is always refused; what a pattern
# cannot say (host bits set, a gateway outside its subnet) is checked after it.
# Docker's own grammar for object names (daemon/names.RestrictedNamePattern).
DOCKER_NAME_PATTERN = r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$"
# Linux IFNAMSIZ is 16 including the NUL; a dot marks an 802.1Q sub-interface Docker creates on the fly.
IFNAME_PATTERN = r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,14}$"
# A Windows network adapter as `Get-NetAdapter` names it ("Ethernet 2", "vEthernet (External)", and on a
# Chinese Windows "以太网 2"): letters, digits, CJK, spaces and ._()-, starting with a letter or digit.
WINDOWS_ADAPTER_PATTERN = r"^[A-Za-z0-9\u4e00-\u9fff][A-Za-z0-9\u4e00-\u9fff ._()-]{0,127}$"
# distribution/reference, simplified: [registry[:port]/]path[:tag][@digest], lower-case path components.
IMAGE_PATTERN = (
    r"^(?:[a-zA-Z0-9.-]+(?::[0-9]+)?/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*"
    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$"
)
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_IPV4 = rf"{_OCTET}(?:\.{_OCTET}){{3}}"
_H = "[0-9a-fA-F]{1,4}"
# RFC 4291 2.2 text forms 1 and 2 (full and `::`-compressed); no embedded IPv4, no zone index.
_IPV6 = (
    rf"(?:(?:{_H}:){{7}}{_H}|(?:{_H}:){{1,7}}:|(?:{_H}:){{1,6}}:{_H}|(?:{_H}:){{1,5}}(?::{_H}){{1,2}}"
    rf"|(?:{_H}:){{1,4}}(?::{_H}){{1,3}}|(?:{_H}:){{1,3}}(?::{_H}){{1,4}}|(?:{_H}:){{1,2}}(?::{_H}){{1,5}}"
    rf"|{_H}:(?::{_H}){{1,6}}|:(?:(?::{_H}){{1,7}}|:))"
)
IPV4_PATTERN = rf"^{_IPV4}$"
IP_PATTERN = rf"^(?:{_IPV4}|{_IPV6})$"
# /1-/30: a network that holds a gateway and containers.
IPV4_CIDR_PATTERN = rf"^{_IPV4}/(?:[1-9]|[12][0-9]|30)$"
# /1-/126.
IPV6_CIDR_PATTERN = rf"^{_IPV6}/(?:[1-9]|[1-9][0-9]|1[01][0-9]|12[0-6])$"

_DOCKER_NAME = re.compile(DOCKER_NAME_PATTERN)
_IFNAME = re.compile(IFNAME_PATTERN)
_WINDOWS_ADAPTER = re.compile(WINDOWS_ADAPTER_PATTERN)
_IMAGE = re.compile(IMAGE_PATTERN)
_IPV4_ADDRESS = re.compile(IPV4_PATTERN)
_IP_ADDRESS = re.compile(IP_PATTERN)
_IPV4_CIDR = re.compile(IPV4_CIDR_PATTERN)
_IPV6_CIDR = re.compile(IPV6_CIDR_PATTERN)


def _pattern(pattern: str) -> dict[str, Any]:
    return {"pattern": pattern}


DockerName = Annotated[
    str, Field(min_length=1, max_length=64, json_schema_extra=_pattern(DOCKER_NAME_PATTERN))
]


class Deployment(_Strict):
    """Optional values the generated commands use; anything missing gets a default listed in `assumptions`."""

    network_name: DockerName | None = Field(
        None, description="Name of the network to create (Docker's name rules: `[a-zA-Z0-9][a-zA-Z0-9_.-]*`)."
    )
    parent_interface: str | None = Field(
        None,
        description="Host interface for macvlan/ipvlan (`eth0`, or `eth0.20` for a VLAN sub-interface); "
        "at most 15 characters.",
        json_schema_extra=_pattern(IFNAME_PATTERN),
    )
    windows_adapter: str | None = Field(
        None,
        description="Windows containers only: the host's network adapter for transparent, l2bridge and "
        "l2tunnel networks, as `Get-NetAdapter` names it (`Ethernet 2`); overrides `parent_interface` there.",
        json_schema_extra=_pattern(WINDOWS_ADAPTER_PATTERN),
    )
    subnet: str | None = Field(
        None,
        description="IPv4 subnet in CIDR form, /1 to /30, no host bits set, e.g. `192.168.1.0/24`.",
        json_schema_extra=_pattern(IPV4_CIDR_PATTERN),
    )
    gateway: str | None = Field(
        None, description="IPv4 gateway inside `subnet`.", json_schema_extra=_pattern(IPV4_PATTERN)
    )
    ip_range: str | None = Field(
        None,
        description="CIDR inside `subnet` that Docker assigns container IPs from.",
        json_schema_extra=_pattern(IPV4_CIDR_PATTERN),
    )
    ipv6_subnet: str | None = Field(
        None,
        description="IPv6 subnet in CIDR form, /1 to /126, no host bits set, e.g. `fd00:db8:1::/64`.",
        json_schema_extra=_pattern(IPV6_CIDR_PATTERN),
    )
    image: str | None = Field(
        None,
        max_length=255,
        description="Image for the generated `docker run`.",
        json_schema_extra=_pattern(IMAGE_PATTERN),
    )
    container_name: DockerName | None = Field(
        None, description="Name for the generated container or service."
    )
    mtu: JsonInt | None = Field(
        None,
        ge=576,
        le=9216,
        description="MTU option for the network. Overlay: the underlay's MTU; Docker itself subtracts the "
        "50-byte VXLAN header (and the IPsec overhead when encrypted). Other drivers: the containers' MTU.",
    )
    advertise_addr: str | None = Field(
        None,
        description="Address `docker swarm init --advertise-addr` uses (an IP of this host).",
        json_schema_extra=_pattern(IP_PATTERN),
    )

    @field_validator("network_name", "container_name")
    @classmethod
    def _docker_name(cls, value: str | None) -> str | None:
        if value is not None and not _DOCKER_NAME.fullmatch(value):
            raise ValueError(
                "must start with a letter or digit and contain only letters, digits, '_', '.' and '-'"
            )
        return value

    @field_validator("parent_interface")
    @classmethod
    def _ifname(cls, value: str | None) -> str | None:
        if value is not None and not _IFNAME.fullmatch(value):
            raise ValueError(
                "must be a Linux interface name: 1-15 letters, digits, '_', '.' or '-', starting with a "
                "letter or digit (e.g. eth0 or eth0.20)"
            )
        return value

    @field_validator("windows_adapter")
    @classmethod
    def _windows_adapter(cls, value: str | None) -> str | None:
        if value is not None and not _WINDOWS_ADAPTER.fullmatch(value):
            raise ValueError(
                "must be a Windows adapter name: 1-128 letters, digits, spaces or '._()-', starting with a "
                "letter or digit (e.g. Ethernet 2)"
            )
        return value

    @field_validator("image")
    @classmethod
    def _image(cls, value: str | None) -> str | None:
        if value is not None and not _IMAGE.fullmatch(value):
            raise ValueError(
                "must be an image reference such as nginx:1.27 or registry.example.com/team/app:2"
            )
        return value

    @field_validator("subnet", "ip_range")
    @classmethod
    def _v4_network(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not _IPV4_CIDR.fullmatch(value):
            raise ValueError("must be an IPv4 network in CIDR form, a.b.c.d/N with N from 1 to 30")
        try:
            network = ipaddress.IPv4Network(value, strict=True)
        except ValueError as exc:
            raise ValueError(f"must be an IPv4 network in CIDR form with no host bits set ({exc})") from None
        if network.prefixlen == 0 or network.prefixlen > 30:
            raise ValueError("prefix length must be between /1 and /30 so it holds a gateway and containers")
        return str(network)

    @field_validator("ipv6_subnet")
    @classmethod
    def _v6_network(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not _IPV6_CIDR.fullmatch(value):
            raise ValueError("must be an IPv6 network in CIDR form, e.g. fd00:db8:1::/64 (prefix 1 to 126)")
        try:
            network = ipaddress.IPv6Network(value, strict=True)
        except ValueError as exc:
            raise ValueError(f"must be an IPv6 network in CIDR form with no host bits set ({exc})") from None
        if network.network_address.ipv4_mapped is not None:
            raise ValueError("must be a real IPv6 prefix, not an IPv4-mapped one (::ffff:0:0/96)")
        if network.prefixlen == 0 or network.prefixlen > 126:
            raise ValueError("prefix length must be between /1 and /126")
        return str(network)

    @field_validator("gateway")
    @classmethod
    def _v4_address(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not _IPV4_ADDRESS.fullmatch(value):
            raise ValueError("must be an IPv4 address such as 192.168.1.1")
        try:
            return str(ipaddress.IPv4Address(value))
        except ValueError:
            raise ValueError("must be an IPv4 address such as 192.168.1.1") from None

    @field_validator("advertise_addr")
    @classmethod
    def _any_address(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not _IP_ADDRESS.fullmatch(value):
            raise ValueError("must be an IP address of this host, such as 10.0.0.5")
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            raise ValueError("must be an IP address of this host, such as 10.0.0.5") from None

    @model_validator(mode="after")
    def _inside_subnet(self) -> Deployment:
        if self.subnet is None:
            if self.gateway is not None or self.ip_range is not None:
                raise ValueError("gateway and ip_range need subnet: give the subnet they belong to")
            return self
        subnet = ipaddress.IPv4Network(self.subnet)
        if self.gateway is not None:
            gateway = ipaddress.IPv4Address(self.gateway)
            if gateway not in subnet or gateway in (subnet.network_address, subnet.broadcast_address):
                raise ValueError(f"gateway {gateway} must be a host address inside subnet {subnet}")
        if self.ip_range is not None and not ipaddress.IPv4Network(self.ip_range).subnet_of(subnet):
            raise ValueError(f"ip_range {self.ip_range} must lie inside subnet {subnet}")
        return self


class RecommendationRequest(_Strict):
    requirements: Requirements = Field(default_factory=Requirements)
    deployment: Deployment = Field(default_factory=Deployment)


# --- response -------------------------------------------------------------------------------------------


class Reason(BaseModel):
    rule: str = Field(description="ID of the rule that moved this driver.")
    effect: str = Field(description="`exclude`, `+N`/`-N` (score), or `warn`.")
    message: str


class DriverWarning(BaseModel):
    model_config = ConfigDict(title="Warning")

    rule: str
    message: str


class Command(BaseModel):
    description: str = Field(description="What the command does and where to run it.")
    argv: list[str] = Field(
        description="The command as an argument vector; `command` is its shell rendering."
    )
    command: str = Field(description="`shlex.join(argv)`: paste into a POSIX shell as is.")


class Commands(BaseModel):
    prerequisites: list[Command] = Field(default_factory=list)
    network: list[Command] = Field(default_factory=list)
    run: list[Command] = Field(default_factory=list)
    service: list[Command] = Field(default_factory=list, description="Only when `swarm` is true.")
    alternatives: str | None = Field(
        None,
        description="Set when both `run` and `service` are given: they are alternatives, one or the other.",
    )
    compose: str = Field("", description="A Compose snippet (YAML) that validates against the Compose spec.")


class DriverResult(BaseModel):
    driver: Driver
    rank: int = Field(ge=1, le=len(Driver))
    score: int = Field(ge=0, le=100)
    viable: bool
    summary: str = Field(description="One sentence: why this driver is where it is.")
    reasons: list[Reason]
    warnings: list[DriverWarning]
    commands: Commands | None = Field(None, description="Ready-made commands; only for viable drivers.")


class ConflictExclusion(BaseModel):
    rule: str
    requirements: dict[str, object] = Field(description="The requirement values the rule's condition read.")
    message: str
    instead: str | None = Field(None, description="What the rule suggests using instead.")


class Conflict(BaseModel):
    driver: Driver
    excluded_by: list[ConflictExclusion]


class Relaxation(BaseModel):
    requirement: str = Field(description="The requirement to give up.")
    current: object = Field(description="What you asked for.")
    relaxed: object = Field(description="The default it would fall back to.")
    recommendation: Driver = Field(description="The driver that would then be recommended.")


class Assumption(BaseModel):
    field: str = Field(description="The `deployment` field the commands needed.")
    value: str = Field(description="The default used in the commands.")
    note: str = Field(description="What to replace it with.")
    drivers: list[Driver] = Field(description="The drivers whose commands use this default.")


class GivenUp(BaseModel):
    rule: str = Field(description="The exclusion rule whose requirement the compromise does not meet.")
    requirements: dict[str, object] = Field(description="The requirement values that rule read.")
    message: str = Field(description="Why the rule excluded the driver.")
    make_up: str = Field(description="How to make up for the requirement the driver does not meet.")


class Compromise(BaseModel):
    driver: Driver = Field(
        description="The excluded driver a careful engineer would still use: the one whose exclusions can "
        "all be made up for, at the lowest total cost, ties broken by the preference order."
    )
    cost: int = Field(ge=0, description="Sum of the exclusion rules' make-up costs (1 cheap, 3 costly).")
    gives_up: list[GivenUp]
    commands: Commands


class Recommendation(BaseModel):
    recommendation: Driver | None = Field(description="The rank-1 driver, or null when nothing is viable.")
    ranking: list[DriverResult]
    conflicts: list[Conflict] = Field(
        default_factory=list, description="When nothing is viable: what excluded each driver."
    )
    relaxations: list[Relaxation] = Field(
        default_factory=list,
        description="When nothing is viable: each single requirement whose relaxation makes a driver viable.",
    )
    compromise: Compromise | None = Field(
        None,
        description="When nothing is viable: the driver to use anyway, what it gives up and how to make up "
        "for each, with its commands. Null when a driver is viable or no exclusion can be made up for.",
    )
    assumptions: list[Assumption] = Field(default_factory=list)
    catalogue_version: str


def field_value_type(annotation: Any) -> Any:
    """A request field's value type without its `| None` or validators (`JsonInt | None` -> `int`): what
    the CLI flags and the query grammar parse a field's text into."""
    if typing.get_origin(annotation) in (types.UnionType, typing.Union):
        annotation = next(arg for arg in typing.get_args(annotation) if arg is not type(None))
    if typing.get_origin(annotation) is typing.Annotated:  # `JsonInt`: the type, without its validators
        annotation = typing.get_args(annotation)[0]
    return annotation
