"""The one LAN address policy: what the advisor's commands and the review's fix-its suggest."""

from __future__ import annotations

import ipaddress

import pytest

from service.advisor import Advisor
from service.commands import (
    DEFAULT_LAN_SUBNET,
    is_lan_driver,
    plan_lan,
    split_range,
    suggested_gateway,
    suggested_ip_range,
)
from service.models import Driver
from service.review.merge import SourceFile
from service.review.reviewer import Reviewer
from tests.conftest import ask


@pytest.mark.parametrize(
    ("subnet", "expected"),
    [
        ("192.168.1.0/24", "192.168.1.128/26"),  # the third quarter: router below, shim at the top
        ("10.20.0.0/16", "10.20.128.0/18"),
        ("192.168.50.0/28", "192.168.50.8/30"),  # the smallest subnet still quartered
        ("192.168.50.0/29", "192.168.50.0/29"),  # too small to quarter: used whole
        ("fd00:1::/64", "fd00:1:0:0:8000::/66"),  # the same policy for IPv6
        ("fd00:1::/125", "fd00:1::/125"),
    ],
)
def test_suggested_ip_range_is_the_subnets_third_quarter(subnet: str, expected: str) -> None:
    assert suggested_ip_range(ipaddress.ip_network(subnet)) == ipaddress.ip_network(expected)


@pytest.mark.parametrize(
    ("subnet", "expected"), [("192.168.1.0/24", "192.168.1.1"), ("fd00:1::/64", "fd00:1::1")]
)
def test_suggested_gateway_is_the_first_host(subnet: str, expected: str) -> None:
    assert suggested_gateway(ipaddress.ip_network(subnet)) == ipaddress.ip_address(expected)


def test_plan_without_values_uses_and_reports_the_defaults() -> None:
    lan, defaults = plan_lan(None, None, None, None, None)
    assert (lan.parent, lan.subnet, lan.gateway, lan.ip_range) == (
        "eth0",
        DEFAULT_LAN_SUBNET,
        "192.168.1.1",
        "192.168.1.128/26",
    )
    assert (lan.static_ip, lan.shim_address) == ("192.168.1.128", "192.168.1.191")
    assert [name for name, _, _ in defaults] == ["parent_interface", "subnet", "gateway", "ip_range"]


def test_plan_keeps_given_values_and_reports_no_default_for_them() -> None:
    lan, defaults = plan_lan("enp3s0", 20, "10.1.2.0/24", "10.1.2.254", "10.1.2.64/27")
    assert (lan.parent, lan.gateway, lan.ip_range) == ("enp3s0.20", "10.1.2.254", "10.1.2.64/27")
    assert (lan.static_ip, lan.shim_address) == ("10.1.2.64", "10.1.2.95")
    assert defaults == ()


def test_static_address_and_shim_step_around_the_gateway() -> None:
    # A range starting at the subnet's first host, where the router sits, and ending at the top.
    lan, _ = plan_lan("eth0", None, "10.0.0.0/29", "10.0.0.1", "10.0.0.0/29")
    assert lan.static_ip == "10.0.0.2"
    assert lan.shim_address == "10.0.0.6"  # the highest host, never the broadcast address


def test_node_blocks_split_the_range_evenly_and_say_when_it_is_too_small() -> None:
    ranges = split_range(ipaddress.IPv4Network("192.168.1.128/26"), 3, listed=8)
    assert [str(block) for block in ranges.listed] == [
        "192.168.1.128/28",
        "192.168.1.144/28",
        "192.168.1.160/28",
    ]
    tight = split_range(ipaddress.IPv4Network("192.168.1.128/31"), 4, listed=8)
    assert tight.available == 2


def test_lan_drivers_are_macvlan_and_ipvlan_by_name() -> None:
    assert {driver for driver in Driver if is_lan_driver(driver)} == {Driver.macvlan, Driver.ipvlan}
    assert not is_lan_driver(None)


def test_a_review_fix_suggests_the_range_the_advisor_would_use(advisor: Advisor) -> None:
    compose = """\
services:
  app:
    image: nginx
    networks: [lan]
networks:
  lan:
    driver: macvlan
    driver_opts: {parent: eth0}
    ipam:
      config:
        - subnet: 10.20.0.0/24
          ip_range: 10.30.0.0/24
"""
    report = Reviewer.for_advisor(advisor).review([SourceFile("compose.yaml", compose.encode())])
    (finding,) = [f for f in report.findings if f.rule == "NR010"]
    answer = ask(advisor, {"own_ip": True}, subnet="10.20.0.0/24")
    assumed = {a.field: a.value for a in answer.assumptions}
    assert f"(for example {assumed['ip_range']})" in finding.fix.description


def test_a_review_fix_suggests_the_address_the_advisor_would_give(advisor: Advisor) -> None:
    compose = """\
services:
  dns:
    image: pihole/pihole
    ports: ["53:53/udp"]
    networks: [lan]
networks:
  lan:
    driver: macvlan
    driver_opts: {parent: eth0}
    ipam:
      config:
        - subnet: 10.1.2.0/24
          gateway: 10.1.2.1
"""
    report = Reviewer.for_advisor(advisor).review([SourceFile("compose.yaml", compose.encode())])
    (finding,) = [f for f in report.findings if f.rule == "NR013"]
    answer = ask(advisor, {"own_ip": True}, subnet="10.1.2.0/24", gateway="10.1.2.1")
    macvlan = next(r for r in answer.ranking if r.driver is Driver.macvlan)
    assert macvlan.commands is not None
    (run,) = macvlan.commands.run
    address = run.argv[run.argv.index("--ip") + 1]
    assert address == "10.1.2.128"
    assert finding.fix.compose is not None and f'ipv4_address: "{address}"' in finding.fix.compose
