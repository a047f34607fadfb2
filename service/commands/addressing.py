"""LAN address planning: the subnet, gateway, container range, first static address and shim address a
macvlan/ipvlan network gets, and the per-node blocks of a Swarm LAN network.

One policy for the advisor's commands and the review's fix-its, so a review never suggests a range the
advisor would not. Where the user gave no value a default is used and returned as a `Default`, which the
command builder records as an assumption to replace.
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import overload

from service.i18n import N_

DEFAULT_LAN_SUBNET = "192.168.1.0/24"
DEFAULT_PARENT = "eth0"
DEFAULT_IPV6_SUBNET = "fd4e:6574:6164::/64"  # a ULA /64 ("Netad" in hex); no global routing needed
DEFAULT_OVERLAY_V4_SUBNET = "10.213.0.0/24"  # only with IPv6: Swarm networks cannot drop IPv4

Default = tuple[str, str, str]  # (deployment field, value used, what to replace it with)


@dataclass(frozen=True, slots=True)
class Lan:
    """Addressing for macvlan/ipvlan: the LAN the containers join."""

    parent: str
    subnet: str
    gateway: str
    ip_range: str
    static_ip: str
    shim_address: str


def suggested_gateway(
    subnet: ipaddress.IPv4Network | ipaddress.IPv6Network,
) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """The subnet's first host: where a LAN's router (and Docker's own gateway) usually sits."""
    return next(subnet.hosts(), subnet.network_address)


@overload
def suggested_ip_range(subnet: ipaddress.IPv4Network) -> ipaddress.IPv4Network: ...
@overload
def suggested_ip_range(subnet: ipaddress.IPv6Network) -> ipaddress.IPv6Network: ...
@overload
def suggested_ip_range(
    subnet: ipaddress.IPv4Network | ipaddress.IPv6Network,
) -> ipaddress.IPv4Network | ipaddress.IPv6Network: ...


def suggested_ip_range(
    subnet: ipaddress.IPv4Network | ipaddress.IPv6Network,
) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """The container range: the subnet's third quarter, clear of the router at the bottom and of the
    shim address at the top (the docs' own example uses the upper half: --ip-range=192.168.32.128/25).
    A subnet too small to quarter into blocks of four or more is used whole."""
    if subnet.prefixlen + 2 > subnet.max_prefixlen - 2:
        return subnet
    quarter = subnet.num_addresses // 4
    return type(subnet)((int(subnet.network_address) + 2 * quarter, subnet.prefixlen + 2))


@lru_cache(maxsize=1024)  # a pure function of its arguments; ipaddress arithmetic is slow in CPython
def plan_lan(
    parent: str | None,
    vlan: int | None,
    subnet_text: str | None,
    gateway_text: str | None,
    range_text: str | None,
) -> tuple[Lan, tuple[Default, ...]]:
    """The LAN addressing for the given values (any may be None), and the defaults used for the rest."""
    defaults: list[Default] = []
    if parent is None:
        note = N_("replace with the host interface on the LAN (`ip route show default` names it)")
        defaults.append(("parent_interface", DEFAULT_PARENT, note))
        parent = DEFAULT_PARENT
    if vlan is not None and "." not in parent:
        parent = f"{parent}.{vlan}"  # Docker creates the 802.1Q sub-interface on the fly
    if subnet_text is None:
        note = N_("replace with your LAN's subnet: macvlan/ipvlan containers take addresses on the real LAN")
        defaults.append(("subnet", DEFAULT_LAN_SUBNET, note))
        subnet_text = DEFAULT_LAN_SUBNET
    subnet = ipaddress.IPv4Network(subnet_text)
    first_host = subnet.network_address + 1
    last_host = subnet.broadcast_address - 1
    if gateway_text is None:
        gateway = first_host
        defaults.append(("gateway", str(gateway), N_("replace with your LAN router's address")))
    else:
        gateway = ipaddress.IPv4Address(gateway_text)
    if range_text is None:
        ip_range = suggested_ip_range(subnet)
        note = N_("a block your DHCP server never hands out, so containers and LAN devices cannot clash")
        defaults.append(("ip_range", str(ip_range), note))
    else:
        ip_range = ipaddress.IPv4Network(range_text)
    # The first container address: the range's first usable host that is not the gateway.
    static_ip = max(ip_range.network_address, first_host)
    if static_ip == gateway and static_ip < min(ip_range.broadcast_address, last_host):
        static_ip += 1
    # The shim takes the container range's highest address, reserved with --aux-address so Docker never
    # hands it to a container. It must come from `ip_range`, the block the LAN's DHCP server never hands
    # out: any other address of the subnet may already belong to a LAN device.
    shim = min(ip_range.broadcast_address, last_host)
    if shim in (gateway, static_ip) and shim > max(ip_range.network_address, first_host):
        shim -= 1
    lan = Lan(parent, str(subnet), str(gateway), str(ip_range), str(static_ip), str(shim))
    return lan, tuple(defaults)


@dataclass(frozen=True, slots=True)
class NodeRanges:
    """Equal, disjoint blocks of a container range, one per Swarm node; only the listed ones are built."""

    listed: list[ipaddress.IPv4Network]
    available: int  # how many blocks of this size the range holds
    prefixlen: int


def split_range(block: ipaddress.IPv4Network, parts: int, listed: int) -> NodeRanges:
    """Blocks for `parts` nodes, by arithmetic: building every subnet of a /9 for 10,000 nodes took 150 ms."""
    extra_bits = math.ceil(math.log2(parts)) if parts > 1 else 0
    prefixlen = min(block.prefixlen + extra_bits, 32)
    available = 2 ** (prefixlen - block.prefixlen)
    size = 2 ** (32 - prefixlen)
    start = int(block.network_address)
    count = min(parts, available, listed)
    blocks = [ipaddress.IPv4Network((start + index * size, prefixlen)) for index in range(count)]
    return NodeRanges(blocks, min(available, parts), prefixlen)
