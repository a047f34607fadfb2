"""Overlay networks and Swarm services from the advisor's commands, in a single-node swarm.

Each test runs the advisor's own `docker swarm init --advertise-addr 127.0.0.1` (deployment
`advertise_addr`) and its finalizer leaves the swarm again. `docker service create` runs exactly as
returned, without `--no-resolve-image`: the daemon's registry lookup for the digest fails on 127.0.0.1 (the
DNS guard of .ci/engine/start.sh) and the client carries on with the local image.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Any

import pytest

from service.models import Driver
from tests.docker_engine.conftest import Lab
from tests.docker_engine.harness import IMAGE, IMAGE_PAGE, SWARM_ADDR, http_get, port_is_free

pytestmark = pytest.mark.docker_engine

MTU_OPTION = "com.docker.network.driver.mtu"
VXLAN_OVERHEAD = 50


def option(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def swarm_ask(lab: Lab, requirements: dict[str, Any], driver: Driver, **deployment: Any) -> Any:
    """The commands for `driver`, asked with advertise_addr 127.0.0.1; checks the swarm init it returns."""
    rec = lab.ask(requirements, advertise_addr=SWARM_ADDR, **deployment)
    commands = lab.commands(rec, driver)
    assert commands.prerequisites[0].argv == ["docker", "swarm", "init", "--advertise-addr", SWARM_ADDR]
    return rec, commands


def task_addresses(lab: Lab, container: str, service: str) -> set[str]:
    """The IPv4 addresses `tasks.SERVICE` resolves to, asked from inside a container on the network."""
    shown = lab.docker.sh(container, f"nslookup tasks.{service}", check=False).stdout
    return set(re.findall(r"^Address:\s+(\d+\.\d+\.\d+\.\d+)\s*$", shown, re.MULTILINE))


def test_attachable_overlay_containers_resolve_each_other_and_a_service_runs(lab: Lab) -> None:
    network, first, second, service = lab.name("ov"), lab.name("a"), lab.name("b"), lab.name("svc")
    rec, commands = swarm_ask(
        lab, {"swarm": True}, Driver.overlay, network_name=network, container_name=first
    )
    assert rec.recommendation is Driver.overlay
    lab.run_all(commands, "prerequisites", "network", "run")
    _, again = swarm_ask(lab, {"swarm": True}, Driver.overlay, network_name=network, container_name=second)
    lab.run_all(again, "run")
    for container in (first, second):
        lab.wait_running(container)

    assert lab.fetch_from(first, f"http://{second}/") == IMAGE_PAGE
    assert lab.fetch_from(second, f"http://{first}/") == IMAGE_PAGE
    info = lab.docker.json("network", "inspect", network)[0]
    assert (info["Driver"], info["Scope"], info["Attachable"]) == ("overlay", "swarm", True)

    _, svc = swarm_ask(lab, {"swarm": True}, Driver.overlay, network_name=network, container_name=service)
    assert option(svc.service[0].argv, "--network") == network
    lab.run_all(svc, "service")
    lab.wait_service(service, 1)
    assert len(task_addresses(lab, first, service)) == 1
    assert lab.fetch_from(first, f"http://tasks.{service}/") == IMAGE_PAGE


def test_encrypted_overlay_for_two_hosts_carries_traffic_and_two_replicas(lab: Lab) -> None:
    network, first, second, service = lab.name("enc"), lab.name("a"), lab.name("b"), lab.name("svc")
    requirements = {"hosts": 2, "swarm": True, "encryption": True}
    rec, commands = swarm_ask(lab, requirements, Driver.overlay, network_name=network, container_name=first)
    assert rec.recommendation is Driver.overlay
    prerequisites = lab.run_all(commands, "prerequisites")
    assert "docker swarm join --token SWMTKN-" in prerequisites[-1].stdout, (
        "join-token prints the join command"
    )
    lab.run_all(commands, "network", "run")
    _, again = swarm_ask(lab, requirements, Driver.overlay, network_name=network, container_name=second)
    lab.run_all(again, "run")
    for container in (first, second):
        lab.wait_running(container)

    assert "encrypted" in lab.docker.json("network", "inspect", "--format", "{{json .Options}}", network)
    assert lab.fetch_from(first, f"http://{second}/") == IMAGE_PAGE
    assert lab.fetch_from(second, f"http://{first}/") == IMAGE_PAGE

    _, svc = swarm_ask(lab, requirements, Driver.overlay, network_name=network, container_name=service)
    assert option(svc.service[0].argv, "--replicas") == "2"
    lab.run_all(svc, "service")
    lab.wait_service(service, 2)
    assert len(task_addresses(lab, first, service)) == 2


def test_overlay_mtu_reaches_the_network_and_its_containers(lab: Lab) -> None:
    """Docker treats the overlay's MTU option as the underlay's: containers get it minus 50 (VXLAN)."""
    network, container = lab.name("mtu"), lab.name("a")
    deployment = {"network_name": network, "container_name": container, "mtu": 1400}
    _, commands = swarm_ask(lab, {"swarm": True}, Driver.overlay, **deployment)
    lab.run_all(commands, "prerequisites", "network", "run")
    lab.wait_running(container)

    options = lab.docker.json("network", "inspect", "--format", "{{json .Options}}", network)
    assert options[MTU_OPTION] == "1400"
    shown = lab.docker.sh(container, "ip -o link show dev eth0").stdout
    assert f" mtu {1400 - VXLAN_OVERHEAD} " in shown, shown


def test_internal_overlay_talks_inside_but_cannot_reach_outside(lab: Lab) -> None:
    outside = lab.outside_listener()
    network, first, second = lab.name("int"), lab.name("a"), lab.name("b")
    requirements = {"swarm": True, "network_access": "internal"}
    rec, commands = swarm_ask(lab, requirements, Driver.overlay, network_name=network, container_name=first)
    assert rec.recommendation is Driver.overlay and "--internal" in commands.network[0].argv
    lab.run_all(commands, "prerequisites", "network", "run")
    _, again = swarm_ask(lab, requirements, Driver.overlay, network_name=network, container_name=second)
    lab.run_all(again, "run")
    control_net, control = lab.name("open"), lab.name("control")
    lab.docker_own("network", "create", "--driver", "overlay", "--attachable", control_net)
    lab.docker_own("run", "--detach", "--name", control, "--network", control_net, IMAGE)
    for container in (first, second, control):
        lab.wait_running(container)

    assert lab.fetch_from(control, outside) == "outside-ok", "control: an ordinary overlay gets out"
    assert lab.fetch_from(first, f"http://{second}/") == IMAGE_PAGE
    assert lab.cannot_fetch_from(first, outside)
    interfaces = lab.docker.sh(first, "ip -o link").stdout
    assert "eth1" not in interfaces, "no docker_gwbridge leg on an internal overlay"


@pytest.mark.xfail(
    reason="moby/moby#43615 (open): on Engine 20.10 a standalone container's attach to an IPv6 overlay "
    "times out intermittently even with an IPv4 subnet (failed in 3 of 5 runs here); the advisor warns "
    "(NA054) and steers to Swarm services, which the next test proves",
    strict=False,
)
def test_ipv6_overlay_container_gets_an_address_inside_the_requested_subnet(lab: Lab) -> None:
    subnet = lab.ipv6_subnet()
    network, container = lab.name("v6"), lab.name("a")
    deployment = {"network_name": network, "container_name": container, "ipv6_subnet": str(subnet)}
    _, commands = swarm_ask(lab, {"swarm": True, "ipv6": True}, Driver.overlay, **deployment)
    lab.run_all(commands, "prerequisites", "network", "run")
    lab.wait_running(container)

    address = lab.networks_of(container)[network]["GlobalIPv6Address"]
    assert address and ipaddress.ip_address(address) in subnet
    assert f"inet6 {address}/{subnet.prefixlen} " in lab.docker.sh(container, "ip addr show dev eth0").stdout


@pytest.mark.xfail(
    reason="moby/moby#41624 (open): Swarm intermittently rejects IPv6 overlay tasks with 'Invalid address "
    "...: It does not belong to any of this network's subnets'; seen in 1 of 3 CI runs here, right after "
    "the standalone IPv6 attach above had timed out (moby/moby#43615); passes otherwise",
    strict=False,
)
@pytest.mark.parametrize("ipv4_subnet", [False, True], ids=["advisor-adds-ipv4-subnet", "user-ipv4-subnet"])
def test_ipv6_overlay_service_tasks_get_addresses_inside_the_requested_subnet(
    lab: Lab, ipv4_subnet: bool
) -> None:
    subnet = lab.ipv6_subnet()
    network, service = lab.name("v6"), lab.name("svc")
    deployment: dict[str, Any] = {
        "network_name": network,
        "container_name": service,
        "ipv6_subnet": str(subnet),
    }
    if ipv4_subnet:
        deployment["subnet"] = str(lab.subnet())
    _, commands = swarm_ask(lab, {"swarm": True, "ipv6": True}, Driver.overlay, **deployment)
    lab.run_all(commands, "prerequisites", "network", "service")
    lab.wait_service(service, 1)

    task = lab.docker(
        "ps", "-q", "--filter", f"label=com.docker.swarm.service.name={service}"
    ).stdout.split()[0]
    shown = lab.docker.sh(task, "ip -6 -o addr show dev eth0 scope global").stdout
    found = [ipaddress.IPv6Interface(word).ip for word in shown.split() if "/" in word and ":" in word]
    assert found and all(address in subnet for address in found), shown


def test_swarm_macvlan_config_from_network_runs_a_container_and_a_dnsrr_service(lab: Lab) -> None:
    parent, subnet = lab.veth(), lab.subnet()
    network, container, service = lab.name("lan"), lab.name("a"), lab.name("svc")
    lan = {"parent_interface": parent, "subnet": str(subnet), "network_name": network}
    requirements = {"swarm": True, "own_mac": True}
    rec, commands = swarm_ask(lab, requirements, Driver.macvlan, container_name=container, **lan)
    assert rec.recommendation is Driver.macvlan
    assert ["--config-only" in c.argv for c in commands.network] == [True, False]
    lab.run_all(commands, "prerequisites", "network", "run")
    lab.wait_running(container)

    run = commands.run[0].argv
    shown = lab.docker.sh(container, "ip addr show dev eth0").stdout
    assert f"inet {option(run, '--ip')}/{subnet.prefixlen} " in shown, shown
    assert f"link/ether {option(run, '--mac-address')} " in shown, shown
    info = lab.docker.json("network", "inspect", network)[0]
    assert (info["Driver"], info["Scope"], info["ConfigFrom"]["Network"]) == (
        "macvlan",
        "swarm",
        f"{network}-config",
    )

    _, svc = swarm_ask(lab, requirements, Driver.macvlan, container_name=service, **lan)
    assert option(svc.service[0].argv, "--endpoint-mode") == "dnsrr"
    lab.run_all(svc, "service")
    lab.wait_service(service, 1)
    ip_range = ipaddress.ip_network(option(commands.network[0].argv, "--ip-range"))
    addresses = task_addresses(lab, container, service)
    assert len(addresses) == 1 and all(ipaddress.ip_address(a) in ip_range for a in addresses), addresses
    assert lab.fetch_from(container, f"http://{service}/") == IMAGE_PAGE, "dnsrr: the name is the task's IP"


def test_swarm_host_network_global_service_serves_on_the_hosts_port(lab: Lab) -> None:
    if not port_is_free(80):
        pytest.skip("host port 80 is in use; the test image's httpd binds it on the host network")
    service = lab.name("svc")
    requirements = {
        "swarm": True,
        "host_isolation": "not_needed",
        "performance": "high",
        "ports": ["30000-32767"],
    }
    rec, commands = swarm_ask(lab, requirements, Driver.host, container_name=service)
    assert rec.recommendation is Driver.host
    lab.run_all(commands, "prerequisites", "service")  # not `run` too: both would bind the host's port 80
    lab.wait_service(service, 1)
    assert http_get("http://127.0.0.1:80/") == IMAGE_PAGE


def test_swarm_bridge_service_starts(lab: Lab) -> None:
    service = lab.name("svc")
    _, commands = swarm_ask(
        lab, {"swarm": True}, Driver.bridge, network_name=lab.name("br"), container_name=service
    )
    lab.run_all(commands, "prerequisites", "network", "service")
    lab.wait_service(service, 1)


def test_swarm_published_port_answers_through_the_routing_mesh(lab: Lab) -> None:
    port = next(p for p in range(18280, 18380) if port_is_free(p))
    network, service = lab.name("ov"), lab.name("svc")
    requirements = {"swarm": True, "ports": [str(port)]}
    rec, commands = swarm_ask(lab, requirements, Driver.overlay, network_name=network, container_name=service)
    assert rec.recommendation is Driver.overlay
    assert option(commands.service[0].argv, "--publish") == f"{port}:{port}"
    lab.run_all(commands, "prerequisites", "network", "service")
    lab.wait_service(service, 1)
    if not Path("/proc/sys/net/ipv4/vs").is_dir():
        pytest.skip(
            "service created and Running, but this kernel has no IPVS (/proc/sys/net/ipv4/vs missing): "
            "the ingress routing mesh cannot forward published service ports"
        )
    task = lab.docker(
        "ps", "-q", "--filter", f"label=com.docker.swarm.service.name={service}"
    ).stdout.split()[0]
    lab.docker("exec", task, "httpd", "-p", str(port), "-h", "/www")
    assert http_get(f"http://127.0.0.1:{port}/", within=20) == IMAGE_PAGE
