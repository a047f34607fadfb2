"""User-defined bridge networks from the advisor's commands, on a real engine."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from service.models import Driver
from tests.docker_engine.conftest import Lab
from tests.docker_engine.harness import IMAGE, IMAGE_PAGE, http_get, port_is_free

pytestmark = pytest.mark.docker_engine


def test_two_containers_on_the_recommended_bridge_reach_each_other_by_name(lab: Lab) -> None:
    network, first, second = lab.name("net"), lab.name("a"), lab.name("b")
    rec = lab.ask({}, network_name=network, container_name=first)
    assert rec.recommendation is Driver.bridge
    commands = lab.commands(rec, Driver.bridge)
    lab.run_all(commands, "prerequisites", "network", "run")
    again = lab.commands(lab.ask({}, network_name=network, container_name=second), Driver.bridge)
    assert [c.argv for c in again.network] == [c.argv for c in commands.network], "same network both times"
    lab.run_all(again, "run")

    for container in (first, second):
        lab.wait_running(container)
    assert lab.fetch_from(first, f"http://{second}/") == IMAGE_PAGE
    assert lab.fetch_from(second, f"http://{first}/") == IMAGE_PAGE
    assert lab.docker("network", "inspect", "--format", "{{.Driver}}", network).stdout.strip() == "bridge"


def test_published_port_and_port_range_answer_on_the_host(lab: Lab) -> None:
    single = next(p for p in range(18080, 18180) if port_is_free(p))
    start = next(p for p in range(28000, 29000, 3) if all(port_is_free(p + i) for i in range(3)))
    container = lab.name("web")
    rec = lab.ask(
        {"ports": [str(single), f"{start}-{start + 2}"]},
        network_name=lab.name("net"),
        container_name=container,
    )
    assert rec.recommendation is Driver.bridge
    commands = lab.commands(rec, Driver.bridge)
    lab.run_all(commands, "prerequisites", "network", "run")
    lab.wait_running(container)

    # The app listens on the ports it publishes (P:P); the image's own httpd listens on 80 only.
    ports = [single, start, start + 1, start + 2]
    for port in ports:
        lab.docker("exec", container, "httpd", "-p", str(port), "-h", "/www")
    for port in ports:
        assert http_get(f"http://127.0.0.1:{port}/") == IMAGE_PAGE, f"host port {port}"
    bindings = lab.docker.json("inspect", "--format", "{{json .NetworkSettings.Ports}}", container)
    assert {key for key, value in bindings.items() if value} == {f"{port}/tcp" for port in ports}


def test_internal_bridge_talks_inside_but_cannot_reach_outside(lab: Lab) -> None:
    """An `--internal` network: containers reach each other, not a server outside the network.

    Docker 20.10 quirk (documented, asserted below): the container still gets a default route via the
    bridge's gateway; egress is stopped by Docker's iptables isolation rules, not by a missing route. (It
    also means such a container can still reach the host's own addresses: that traffic is not forwarded.)
    A control container on an ordinary bridge reaches the same server, so the server is reachable at all.
    """
    outside = lab.outside_listener()
    network, first, second = lab.name("int"), lab.name("a"), lab.name("b")
    internal = {"network_access": "internal"}
    rec = lab.ask(internal, network_name=network, container_name=first)
    assert rec.recommendation is Driver.bridge
    commands = lab.commands(rec, Driver.bridge)
    assert "--internal" in commands.network[0].argv
    lab.run_all(commands, "prerequisites", "network", "run")
    again = lab.ask(internal, network_name=network, container_name=second)
    lab.run_all(lab.commands(again, Driver.bridge), "run")
    control_net, control = lab.name("open"), lab.name("control")
    lab.docker_own("network", "create", "--driver", "bridge", control_net)
    lab.docker_own("run", "--detach", "--name", control, "--network", control_net, IMAGE)
    for container in (first, second, control):
        lab.wait_running(container)

    assert lab.fetch_from(control, outside) == "outside-ok", "control: the server is reachable from a bridge"
    assert lab.fetch_from(first, f"http://{second}/") == IMAGE_PAGE, "inside the internal network"
    assert lab.cannot_fetch_from(first, outside), "an internal container reached a server outside its network"

    ipam = lab.docker.json("network", "inspect", "--format", "{{json .IPAM.Config}}", network)
    gateway = ipam[0]["Gateway"]
    routes = lab.docker.sh(first, "ip route").stdout.splitlines()
    assert all("dev eth0" in route for route in routes), routes  # its only interface is the internal one
    default = [route for route in routes if route.startswith("default")]
    assert default in ([], [f"default via {gateway} dev eth0 "], [f"default via {gateway} dev eth0"]), routes
    assert lab.docker.json("network", "inspect", "--format", "{{json .Internal}}", network) is True


def test_ipv6_bridge_gives_addresses_inside_the_requested_subnet(lab: Lab) -> None:
    subnet = lab.ipv6_subnet()
    network, first, second = lab.name("v6"), lab.name("a"), lab.name("b")
    rec = lab.ask({"ipv6": True}, network_name=network, container_name=first, ipv6_subnet=str(subnet))
    assert rec.recommendation is Driver.bridge
    commands = lab.commands(rec, Driver.bridge)
    lab.run_all(commands, "prerequisites", "network", "run")
    again = lab.ask({"ipv6": True}, network_name=network, container_name=second, ipv6_subnet=str(subnet))
    lab.run_all(lab.commands(again, Driver.bridge), "run")
    for container in (first, second):
        lab.wait_running(container)

    addresses = {}
    for container in (first, second):
        shown = lab.docker.sh(container, "ip -6 -o addr show dev eth0 scope global").stdout
        found = [ipaddress.IPv6Interface(word).ip for word in shown.split() if "/" in word and ":" in word]
        assert found and all(address in subnet for address in found), (container, shown)
        assert lab.networks_of(container)[network]["GlobalIPv6Address"] == str(found[0])
        addresses[container] = found[0]
    assert lab.docker.sh(first, f"ping -6 -c1 -W3 {addresses[second]}", check=False).ok, "v6 between them"


def test_a_loopback_published_port_is_bound_on_127_0_0_1_only(lab: Lab) -> None:
    """`127.0.0.1:P:P` (the NA062 advice for a private port) publishes on loopback and nowhere else."""
    port = next(p for p in range(18300, 18400) if port_is_free(p))
    container, network = lab.name("db"), lab.name("net")
    rec = lab.ask({"ports": [f"127.0.0.1:{port}:{port}"]}, network_name=network, container_name=container)
    assert rec.recommendation is Driver.bridge
    commands = lab.commands(rec, Driver.bridge)
    run = commands.run[0].argv
    assert run[run.index("--publish") + 1] == f"127.0.0.1:{port}:{port}"
    lab.run_all(commands, "prerequisites", "network", "run")
    lab.wait_running(container)
    lab.docker("exec", container, "httpd", "-p", str(port), "-h", "/www")

    bindings = lab.docker.json("inspect", "--format", "{{json .NetworkSettings.Ports}}", container)
    published = {key: value for key, value in bindings.items() if value}
    assert published == {f"{port}/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(port)}]}
    assert lab.docker("port", container).stdout.split() == [f"{port}/tcp", "->", f"127.0.0.1:{port}"]
    assert http_get(f"http://127.0.0.1:{port}/") == IMAGE_PAGE
    # The host's own address on the network's bridge is not loopback: nothing answers there.
    gateway = lab.docker.json("network", "inspect", "--format", "{{json .IPAM.Config}}", network)[0][
        "Gateway"
    ]
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(3)
        assert sock.connect_ex((gateway, port)) != 0, f"{gateway}:{port} answered; it is not loopback"
