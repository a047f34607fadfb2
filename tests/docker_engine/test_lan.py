"""macvlan and ipvlan from the advisor's commands, on a real engine.

The "LAN" is a veth pair the test creates (`parent_interface`): frames stay on this machine. Kernel
features the engine needs (ipvlan, 802.1Q sub-interfaces, dummy links for `--internal`) are probed once
per session; a test that needs a missing one skips with the probe's error as the reason.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from service.models import Driver
from tests.docker_engine.conftest import Lab
from tests.docker_engine.harness import IMAGE_PAGE, http_get, link_names, run_argv

pytestmark = pytest.mark.docker_engine


def option(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def opts(argv: list[str]) -> dict[str, str]:
    """The `--opt key=value` pairs of a `docker network create`."""
    pairs = [argv[i + 1] for i, arg in enumerate(argv) if arg == "--opt"]
    return {key: value for key, _, value in (pair.partition("=") for pair in pairs)}


def eth0(lab: Lab, container: str) -> str:
    return lab.docker.sh(container, "ip addr show dev eth0").stdout


def network_info(lab: Lab, network: str) -> dict[str, Any]:
    info: dict[str, Any] = lab.docker.json("network", "inspect", network)[0]
    return info


def lan_deployment(lab: Lab, parent: str, role: str = "app") -> dict[str, str]:
    return {
        "parent_interface": parent,
        "subnet": str(lab.subnet()),
        "network_name": lab.name("lan"),
        "container_name": lab.name(role),
    }


def test_macvlan_container_gets_exactly_the_requested_ip_and_mac(lab: Lab) -> None:
    deployment = lan_deployment(lab, lab.veth())
    rec = lab.ask({"own_ip": True, "own_mac": True}, **deployment)
    assert rec.recommendation is Driver.macvlan
    commands = lab.commands(rec, Driver.macvlan)
    run = commands.run[0].argv
    ip, mac = option(run, "--ip"), option(run, "--mac-address")
    assert ipaddress.ip_address(ip) in ipaddress.ip_network(deployment["subnet"])
    lab.run_all(commands, "prerequisites", "network", "run")
    container = deployment["container_name"]
    lab.wait_running(container)

    shown = eth0(lab, container)
    prefix = ipaddress.ip_network(deployment["subnet"]).prefixlen
    assert f"inet {ip}/{prefix} " in shown, shown
    assert f"link/ether {mac} " in shown, shown
    info = network_info(lab, deployment["network_name"])
    assert (info["Driver"], info["Options"]["parent"]) == ("macvlan", deployment["parent_interface"])


def test_macvlan_without_own_ip_takes_an_address_from_the_ip_range(lab: Lab) -> None:
    deployment = lan_deployment(lab, lab.veth())
    commands = lab.commands(lab.ask({}, **deployment), Driver.macvlan)
    assert "--ip" not in commands.run[0].argv
    ip_range = ipaddress.ip_network(option(commands.network[0].argv, "--ip-range"))
    lab.run_all(commands, "prerequisites", "network", "run")
    container = deployment["container_name"]
    lab.wait_running(container)

    address = lab.networks_of(container)[deployment["network_name"]]["IPAddress"]
    assert ipaddress.ip_address(address) in ip_range
    assert f"inet {address}/" in eth0(lab, container)


def test_macvlan_host_access_shim_lets_the_host_reach_the_container(lab: Lab) -> None:
    deployment = lan_deployment(lab, lab.veth())
    rec = lab.ask({"own_ip": True, "own_mac": True, "host_access": True}, **deployment)
    assert rec.recommendation is Driver.macvlan
    commands = lab.commands(rec, Driver.macvlan)
    shim = commands.prerequisites[0].argv[3]  # the advisor's shim name, listed in its assumptions
    assert shim in {a.value for a in rec.assumptions if a.field == "shim_name"}
    if shim in link_names(run_argv(["ip", "-o", "link"]).stdout):
        pytest.skip(f"a link named {shim} already exists on this host; the advisor's shim would clash")
    steps = [c.argv[:3] for c in commands.prerequisites]
    assert steps == [
        ["ip", "link", "add"],
        ["ip", "addr", "add"],
        ["ip", "link", "set"],
        ["ip", "route", "add"],
    ]
    ip = option(commands.run[0].argv, "--ip")
    lab.run_all(commands, "prerequisites", "network", "run")
    lab.wait_running(deployment["container_name"])

    assert http_get(f"http://{ip}/") == IMAGE_PAGE, "the host reaches its macvlan container via the shim"
    route = run_argv(["ip", "route", "get", ip]).stdout
    assert f"dev {shim}" in route, route


def test_macvlan_ipv6_address_inside_the_requested_subnet(lab: Lab) -> None:
    subnet6 = lab.ipv6_subnet()
    deployment = lan_deployment(lab, lab.veth())
    rec = lab.ask({"own_ip": True, "own_mac": True, "ipv6": True}, ipv6_subnet=str(subnet6), **deployment)
    assert rec.recommendation is Driver.macvlan
    lab.run_all(lab.commands(rec, Driver.macvlan), "prerequisites", "network", "run")
    container = deployment["container_name"]
    lab.wait_running(container)

    address = lab.networks_of(container)[deployment["network_name"]]["GlobalIPv6Address"]
    assert address and ipaddress.ip_address(address) in subnet6
    assert f"inet6 {address}/{subnet6.prefixlen} " in eth0(lab, container)


def ipvlan_request(lab: Lab, parent: str) -> tuple[dict[str, Any], dict[str, str]]:
    return {"own_ip": True, "cloud": "aws"}, lan_deployment(lab, parent)


def test_ipvlan_l2_network_has_the_driver_mode_parent_and_addressing_asked_for(lab: Lab) -> None:
    parent = lab.veth()
    requirements, deployment = ipvlan_request(lab, parent)
    rec = lab.ask(requirements, **deployment)
    assert rec.recommendation is Driver.ipvlan
    commands = lab.commands(rec, Driver.ipvlan)
    lab.run_all(commands, "prerequisites", "network")

    create = commands.network[0].argv
    info = network_info(lab, deployment["network_name"])
    assert info["Driver"] == "ipvlan"
    assert info["Options"] == {"ipvlan_mode": "l2", "parent": parent}
    assert info["IPAM"]["Config"] == [
        {
            "Subnet": option(create, "--subnet"),
            "Gateway": option(create, "--gateway"),
            "IPRange": option(create, "--ip-range"),
        }
    ]


def test_ipvlan_l2_container_gets_the_requested_ip_and_the_parents_mac(lab: Lab) -> None:
    if lab.engine.kernel.ipvlan:
        pytest.skip(lab.engine.kernel.ipvlan)
    parent = lab.veth()
    requirements, deployment = ipvlan_request(lab, parent)
    commands = lab.commands(lab.ask(requirements, **deployment), Driver.ipvlan)
    lab.run_all(commands, "prerequisites", "network", "run")
    container = deployment["container_name"]
    lab.wait_running(container)

    shown = eth0(lab, container)
    ip = option(commands.run[0].argv, "--ip")
    assert f"inet {ip}/" in shown, shown
    parent_mac = run_argv(["cat", f"/sys/class/net/{parent}/address"]).stdout.strip()
    assert f"link/ether {parent_mac} " in shown, "ipvlan children share the parent's MAC"


@pytest.mark.parametrize(
    ("driver", "requirements"),
    [
        (Driver.macvlan, {"own_ip": True, "own_mac": True, "vlan": 10}),
        (Driver.ipvlan, {"own_ip": True, "mac_limit": True, "vlan": 10}),
    ],
    ids=["macvlan", "ipvlan"],
)
def test_vlan_parent_becomes_an_8021q_subinterface(
    lab: Lab, driver: Driver, requirements: dict[str, Any]
) -> None:
    if lab.engine.kernel.vlan:
        pytest.skip(lab.engine.kernel.vlan)
    if driver is Driver.ipvlan and lab.engine.kernel.ipvlan:
        pytest.skip(lab.engine.kernel.ipvlan)
    parent = lab.veth()
    deployment = lan_deployment(lab, parent)
    rec = lab.ask(requirements, **deployment)
    assert rec.recommendation is driver
    commands = lab.commands(rec, driver)
    assert opts(commands.network[0].argv)["parent"] == f"{parent}.10"
    lab.run_all(commands, "prerequisites", "network", "run")
    container = deployment["container_name"]
    lab.wait_running(container)

    details = run_argv(["ip", "-d", "link", "show", f"{parent}.10"]).stdout
    assert "vlan protocol 802.1Q id 10 " in details, details
    assert f"inet {option(commands.run[0].argv, '--ip')}/" in eth0(lab, container)


@pytest.mark.parametrize("driver", [Driver.macvlan, Driver.ipvlan], ids=["macvlan", "ipvlan"])
def test_internal_lan_network_talks_inside_only(lab: Lab, driver: Driver) -> None:
    if lab.engine.kernel.dummy:
        pytest.skip(f"--internal {driver.value} needs a dummy parent: {lab.engine.kernel.dummy}")
    if driver is Driver.ipvlan and lab.engine.kernel.ipvlan:
        pytest.skip(lab.engine.kernel.ipvlan)
    outside = lab.outside_listener()
    subnet, network, first, second = str(lab.subnet()), lab.name("lan"), lab.name("a"), lab.name("b")
    rec = lab.ask({"network_access": "internal"}, subnet=subnet, network_name=network, container_name=first)
    commands = lab.commands(rec, driver)
    assert "--internal" in commands.network[0].argv and "parent" not in opts(commands.network[0].argv)
    lab.run_all(commands, "prerequisites", "network", "run")
    again = lab.ask(
        {"network_access": "internal"}, subnet=subnet, network_name=network, container_name=second
    )
    lab.run_all(lab.commands(again, driver), "run")
    for container in (first, second):
        lab.wait_running(container)

    assert lab.fetch_from(first, f"http://{second}/") == IMAGE_PAGE
    assert lab.cannot_fetch_from(first, outside)
