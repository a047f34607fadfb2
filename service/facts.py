"""Facts: the flat view of a request that rule conditions read.

Every requirement field is a fact under its own name; a few derived facts save rules from repeating
arithmetic (how many ports are published, whether more than one host is involved). `FACT_TYPES` is the
schema conditions are checked against when the catalogue loads, so a rule naming a fact that does not
exist, or comparing it with a value of the wrong type or outside its enum, never reaches a request.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from service.models import Deployment, Multicast, Requirements


@dataclass(frozen=True, slots=True)
class FactType:
    kind: type  # bool, int, str or list
    choices: frozenset[str] | None = None  # allowed values of an enum fact
    description: str = ""
    sources: tuple[str, ...] = ()  # the requirement fields a derived fact is computed from


def _requirement_fact_types() -> dict[str, FactType]:
    result: dict[str, FactType] = {}
    for name, field in Requirements.model_fields.items():
        annotation = field.annotation
        if typing.get_origin(annotation) in (types.UnionType, typing.Union):  # `int | None`
            annotation = next(arg for arg in typing.get_args(annotation) if arg is not type(None))
        if typing.get_origin(annotation) is typing.Annotated:  # `JsonInt`: the type, not its validators
            annotation = typing.get_args(annotation)[0]
        if isinstance(annotation, type) and issubclass(annotation, Enum):
            result[name] = FactType(
                str, frozenset(member.value for member in annotation), field.description or ""
            )
        elif annotation is bool:
            result[name] = FactType(bool, None, field.description or "")
        elif annotation is int:
            result[name] = FactType(int, None, field.description or "")
        elif typing.get_origin(annotation) is list:
            result[name] = FactType(list, None, field.description or "")
        else:  # pragma: no cover - a new field type must be taught here before rules can read it
            raise TypeError(f"requirements.{name}: no fact type for {annotation!r}")
    return result


DERIVED_FACT_TYPES: dict[str, FactType] = {
    "published_port_count": FactType(int, None, "Total host ports the `ports` specs publish.", ("ports",)),
    "largest_port_range": FactType(int, None, "Ports in the largest single `ports` spec.", ("ports",)),
    "has_ports": FactType(bool, None, "At least one port is published.", ("ports",)),
    "multi_host": FactType(
        bool, None, "`cross_host`, `swarm` or more than one host.", ("cross_host", "swarm", "hosts")
    ),
    "total_containers": FactType(
        int, None, "`hosts` x `containers_per_host`.", ("hosts", "containers_per_host")
    ),
    "vlan_set": FactType(bool, None, "`vlan` is given.", ("vlan",)),
    "mtu_set": FactType(bool, None, "`deployment.mtu` is given."),
    "discovery_ports": FactType(
        bool,
        None,
        "A published UDP port is a LAN broadcast/multicast protocol's: 67/68 DHCP, 69 TFTP, 4011 PXE "
        "proxyDHCP, 5353 mDNS, 1900 SSDP.",
        ("ports",),
    ),
    "lan_broadcast": FactType(
        bool,
        None,
        "`multicast` is `lan`, or it is not given and `discovery_ports` holds.",
        ("multicast", "ports"),
    ),
    "privileged_ports": FactType(bool, None, "A published host port is below 1024.", ("ports",)),
    "host_ip_ports": FactType(
        bool, None, "A port spec names a host IP, as in `127.0.0.1:5432:5432`.", ("ports",)
    ),
    "public_ports": FactType(
        bool, None, "A port is published on an address other than loopback.", ("ports",)
    ),
}

# UDP ports whose protocols live on LAN broadcast or multicast: a client on the LAN only reaches the
# server if the server sits in the same broadcast domain (Pi-hole's DHCP page, Plex's README).
DISCOVERY_UDP_PORTS = (67, 68, 69, 4011, 5353, 1900)


def requirement_fields(fact_names: Iterable[str]) -> set[str]:
    """The requirement fields behind facts: a requirement fact is its own field, a derived one its sources."""
    fields: set[str] = set()
    for name in fact_names:
        derived = DERIVED_FACT_TYPES.get(name)
        fields.update(derived.sources if derived is not None else (name,))
    return fields


FACT_TYPES: dict[str, FactType] = {**_requirement_fact_types(), **DERIVED_FACT_TYPES}

Facts = dict[str, Any]


def derive_facts(requirements: Requirements, deployment: Deployment | None = None) -> Facts:
    facts: Facts = {
        name: (value.value if isinstance(value, Enum) else value)
        for name, value in requirements.__dict__.items()
    }
    specs = requirements.port_specs()
    counts = [spec.count for spec in specs]
    facts["published_port_count"] = sum(counts)
    facts["largest_port_range"] = max(counts, default=0)
    facts["has_ports"] = bool(specs)
    facts["multi_host"] = requirements.cross_host or requirements.swarm or requirements.hosts > 1
    facts["total_containers"] = requirements.hosts * requirements.containers_per_host
    facts["vlan_set"] = requirements.vlan is not None
    facts["mtu_set"] = deployment is not None and deployment.mtu is not None
    discovery = any(spec.covers(port, "udp") for spec in specs for port in DISCOVERY_UDP_PORTS)
    facts["discovery_ports"] = discovery
    inferred = discovery and "multicast" not in requirements.model_fields_set
    facts["lan_broadcast"] = requirements.multicast is Multicast.lan or inferred
    facts["privileged_ports"] = any(spec.start < 1024 for spec in specs)
    facts["public_ports"] = any(not spec.loopback_only for spec in specs)
    facts["host_ip_ports"] = any(spec.host_ip is not None for spec in specs)
    return facts
