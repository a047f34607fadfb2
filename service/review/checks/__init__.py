"""One module per review rule code (`NR007.py` beside `rules/review/NR007.yaml`), and the registry.

The rule's data (severity, wording of the docs, source, cases, the selection rules it reuses) is in the
YAML; a check gets its rule and the `ReviewContext`, and yields where it fired and the specifics: what was
expected, what was found, and the fix for this file.

A check reads the `ReviewContext` (and its rule) only. It never raises for odd input: anything it cannot
read for sure (an unresolved `${VAR}`, an external network whose driver the file does not say) it skips.

`CHECKS` is written out by hand: a new rule adds its module and one line here. The reviewer refuses a
review rule without a check, and a meta-test fails for a check without a rule.
"""

from __future__ import annotations

from service.review.checks._common import Check, Hit
from service.review.checks.NR001 import driver_excluded_by_requirements
from service.review.checks.NR002 import driver_not_first_for_requirements
from service.review.checks.NR003 import host_network_with_ports
from service.review.checks.NR004 import none_network_with_ports
from service.review.checks.NR005 import network_mode_with_networks
from service.review.checks.NR006 import default_bridge_by_name
from service.review.checks.NR007 import large_published_port_range
from service.review.checks.NR008 import lan_network_without_parent
from service.review.checks.NR009 import lan_network_without_subnet
from service.review.checks.NR010 import ipam_address_outside_subnet
from service.review.checks.NR011 import static_address_outside_subnet
from service.review.checks.NR012 import mac_address_on_ipvlan
from service.review.checks.NR013 import ports_on_lan_network
from service.review.checks.NR014 import overlapping_subnets
from service.review.checks.NR015 import subnet_in_default_pools
from service.review.checks.NR016 import overlay_not_attachable
from service.review.checks.NR017 import overlay_mtu_in_cloud
from service.review.checks.NR018 import internal_network_with_ports
from service.review.checks.NR019 import ipv6_without_subnet
from service.review.checks.NR020 import undeclared_network
from service.review.checks.NR021 import unused_network
from service.review.checks.NR022 import invalid_suppression
from service.review.checks.NR023 import shared_namespace_with_ports
from service.review.checks.NR024 import discovery_port_on_bridge

CHECKS: dict[str, Check] = {
    "NR001": driver_excluded_by_requirements,
    "NR002": driver_not_first_for_requirements,
    "NR003": host_network_with_ports,
    "NR004": none_network_with_ports,
    "NR005": network_mode_with_networks,
    "NR006": default_bridge_by_name,
    "NR007": large_published_port_range,
    "NR008": lan_network_without_parent,
    "NR009": lan_network_without_subnet,
    "NR010": ipam_address_outside_subnet,
    "NR011": static_address_outside_subnet,
    "NR012": mac_address_on_ipvlan,
    "NR013": ports_on_lan_network,
    "NR014": overlapping_subnets,
    "NR015": subnet_in_default_pools,
    "NR016": overlay_not_attachable,
    "NR017": overlay_mtu_in_cloud,
    "NR018": internal_network_with_ports,
    "NR019": ipv6_without_subnet,
    "NR020": undeclared_network,
    "NR021": unused_network,
    "NR022": invalid_suppression,
    "NR023": shared_namespace_with_ports,
    "NR024": discovery_port_on_bridge,
}

__all__ = ["CHECKS", "Check", "Hit"]
