"""Realistic situations, each from a doc page or an issue thread (the URL above it), run through the real
engine: the expected top driver (or, when nothing meets every requirement, the compromise driver) and the
rule IDs that must decide or warn. A knowledge change that breaks one of these must say why it is right.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from service.advisor import Advisor
from service.models import Recommendation, RecommendationRequest
from service.render import render_recommendation


@dataclass(frozen=True)
class Scenario:
    name: str
    requirements: dict[str, Any]
    top: str | None  # the recommendation; None when nothing is viable
    rules: frozenset[str]  # rule IDs that must appear (reasons or warnings of any driver)
    compromise: str | None = None  # the compromise driver when `top` is None
    deployment: dict[str, Any] = field(default_factory=dict)


def s(name: str, requirements: dict[str, Any], top: str | None, *rules: str, **extra: Any) -> Scenario:
    return Scenario(name, requirements, top, frozenset(rules), **extra)


SCENARIOS = [
    # --- 1. LAN multicast and broadcast -----------------------------------------------------------------
    # https://github.com/home-assistant/core/issues/34968 ("host network is the only officially supported")
    s("home-assistant-discovery", {"multicast": "lan", "ports": ["8123"]}, "host", "NA055", "NA033"),
    # https://www.home-assistant.io/installation/linux#docker-compose (network_mode: host)
    s("home-assistant-legacy-bool", {"multicast": True}, "host", "NA055"),
    # https://github.com/plexinc/pms-docker ("Using host or macvlan is the easier of the three setups")
    s(
        "plex-with-ssdp-port",
        {"ports": ["32400", "1900/udp", "32410/udp", "32412-32414/udp"]},
        "host",
        "NA055",
        "NA056",
    ),
    # https://docs.pi-hole.net/docker/DHCP/ ("the simplest way ... is to use host networking")
    s("pihole-as-dhcp-server", {"ports": ["53/udp", "53", "67/udp", "80"]}, "host", "NA055", "NA056"),
    # https://docs.pi-hole.net/docker/ (DNS only: the official compose publishes 53 and 80 on a bridge)
    s("pihole-dns-only", {"ports": ["53/udp", "53", "80"]}, "bridge", "NA001", "NA062"),
    # https://docs.pi-hole.net/docker/DHCP/ (macvlan when the host's ports are taken / isolation wanted)
    s(
        "pihole-dhcp-isolated-from-host",
        {"multicast": "lan", "host_isolation": "required"},
        "macvlan",
        "NA055",
        "NA026",
    ),
    # https://docs.docker.com/engine/network/drivers/macvlan/ (Wi-Fi cards refuse extra MACs: ipvlan L2)
    s(
        "mdns-responder-on-wifi-isolated",
        {"multicast": "lan", "host_isolation": "required", "wireless_parent": True},
        "ipvlan",
        "NA055",
        "NA015",
    ),
    # https://docs.pi-hole.net/docker/DHCP/ (PXE/TFTP netboot server: proxyDHCP on 4011, TFTP on 69)
    s("pxe-netboot-server", {"ports": ["69/udp", "4011/udp"]}, "host", "NA055", "NA056"),
    # https://github.com/moby/libnetwork/issues/552 (cluster discovery between containers; overlay has none)
    s("cluster-multicast-on-one-host", {"multicast": "containers"}, "bridge", "NA033", "NA034"),
    # https://github.com/moby/libnetwork/issues/740 (Elasticsearch multicast discovery across swarm nodes)
    s(
        "elasticsearch-multicast-across-nodes",
        {"multicast": "containers", "swarm": True, "hosts": 3},
        "macvlan",
        "NA033",
        "NA035",
    ),
    # https://www.home-assistant.io/installation/linux#docker-compose ("Docker Desktop will not work")
    s(
        "home-assistant-on-docker-desktop",
        {"multicast": "lan", "platform": "docker-desktop"},
        None,
        "NA055",
        "NA063",
        "NA016",
        compromise="bridge",
    ),
    # --- 2. big published port ranges --------------------------------------------------------------------
    # https://github.com/moby/moby/issues/11185 (RTP media range; "--net host ... no proxy, iptables")
    s("rtp-media-range", {"ports": ["10000-20000/udp"]}, "host", "NA022", "NA023"),
    # https://github.com/moby/moby/issues/34328 (coturn publishing 49152-65535/udp)
    s("coturn-relay-range", {"ports": ["3478", "3478/udp", "49152-65535/udp"]}, "host", "NA022", "NA023"),
    # https://github.com/moby/moby/issues/22614 (bridge cannot take it; isolation required: own-IP driver)
    s(
        "turn-range-with-isolation",
        {"ports": ["49152-65535/udp"], "host_isolation": "required"},
        "macvlan",
        "NA023",
        "NA026",
    ),
    # https://github.com/moby/moby/issues/16284 (hundreds of ports: costly but below the 1000 line)
    s("five-hundred-ports", {"ports": ["8000-8499"]}, "bridge", "NA022"),
    # https://github.com/moby/moby/issues/14288 (large ranges start slowly through the bridge)
    s("ftp-passive-range-2000", {"ports": ["21", "30000-31999"]}, "host", "NA022", "NA023"),
    # --- 3. host interfaces ------------------------------------------------------------------------------
    # https://docs.docker.com/engine/network/drivers/host/ (keepalived moves the host's floating IP)
    s("keepalived-floating-ip", {"host_interfaces": True, "multicast": "lan"}, "host", "NA057", "NA055"),
    # https://docs.docker.com/engine/network/drivers/host/ (WireGuard gateway routing for the host)
    s("wireguard-vpn-gateway", {"host_interfaces": True, "ports": ["51820/udp"]}, "host", "NA057"),
    # https://docs.docker.com/engine/network/drivers/host/ (node_exporter reads the host's interfaces)
    s("node-exporter-agent", {"host_interfaces": True, "ports": ["9100"]}, "host", "NA057"),
    # https://docs.docker.com/engine/network/drivers/host/ (tcpdump on the host's NIC)
    s("packet-capture", {"host_interfaces": True, "host_isolation": "not_needed"}, "host", "NA057"),
    # https://docs.docker.com/engine/network/drivers/host/ (a contradiction: no driver, no compromise)
    s(
        "host-interfaces-but-isolated",
        {"host_interfaces": True, "host_isolation": "required"},
        None,
        "NA057",
        "NA026",
    ),
    # https://docs.docker.com/engine/security/rootless/troubleshoot/ (--cap-add stays in the user namespace)
    s("keepalived-on-rootless", {"host_interfaces": True, "platform": "rootless"}, None, "NA057", "NA064"),
    # --- 4. compromises ----------------------------------------------------------------------------------
    # https://docs.docker.com/desktop/features/networking/networking-how-tos/ (no per-container IPs)
    s(
        "own-lan-ip-on-docker-desktop",
        {"own_ip": True, "platform": "docker-desktop", "ports": ["80"]},
        None,
        "NA010",
        "NA016",
        compromise="bridge",
    ),
    # https://docs.docker.com/engine/security/rootless/troubleshoot/ (macvlan not in rootless)
    s(
        "own-lan-ip-rootless",
        {"own_ip": True, "platform": "rootless"},
        None,
        "NA010",
        "NA018",
        compromise="bridge",
    ),
    # https://learn.microsoft.com/en-us/virtualization/windowscontainers/container-networking/architecture
    s(
        "windows-encrypted-swarm",
        {"encryption": True, "cross_host": True, "swarm": True, "platform": "windows", "hosts": 3},
        None,
        "NA080",
        "NA029",
        compromise="overlay",
    ),
    # https://docs.docker.com/engine/network/drivers/none/ ("none is not available for Swarm services")
    s(
        "swarm-service-without-network",
        {"swarm": True, "network_access": "none"},
        None,
        "NA006",
        "NA007",
        compromise="overlay",
    ),
    # https://docs.docker.com/engine/network/drivers/macvlan/ (own MAC cannot be faked on Desktop)
    s(
        "own-mac-on-docker-desktop",
        {"own_mac": True, "platform": "docker-desktop"},
        None,
        "NA011",
        "NA016",
        compromise="bridge",
    ),
    # https://docs.docker.com/engine/network/drivers/macvlan/ ("Most cloud providers block macvlan")
    s("own-mac-on-aws", {"own_mac": True, "cloud": "aws"}, None, "NA011", "NA013", compromise="bridge"),
    # https://docs.docker.com/engine/network/drivers/ipvlan/ (own IPs without own MACs); own IP too on AWS
    s(
        "own-ip-and-mac-on-aws",
        {"own_ip": True, "own_mac": True, "cloud": "aws"},
        None,
        "NA010",
        "NA011",
        "NA013",
        compromise="ipvlan",
    ),
    # --- 5. macvlan default for own LAN IPs --------------------------------------------------------------
    # https://docs.docker.com/engine/network/drivers/ ("look like physical hosts ... unique MAC address")
    s("vm-migration-own-ip", {"own_ip": True}, "macvlan", "NA010", "NA058"),
    # https://docs.docker.com/engine/network/drivers/ipvlan/ ("restriction on the number of MAC addresses")
    s("own-ip-with-port-security", {"own_ip": True, "mac_limit": True}, "ipvlan", "NA012"),
    # https://github.com/dockur/windows/issues/678 (macvlan cannot work with Wi-Fi NICs)
    s("own-ip-on-wifi-laptop", {"own_ip": True, "wireless_parent": True}, "ipvlan", "NA015"),
    # https://docs.docker.com/engine/network/drivers/macvlan/ ("VLAN spread")
    s("two-hundred-own-ip-containers", {"own_ip": True, "containers_per_host": 200}, "ipvlan", "NA059"),
    # https://github.com/moby/moby/issues/30772 (macvlan in AWS fails)
    s("own-ip-in-aws", {"own_ip": True, "cloud": "aws"}, "ipvlan", "NA013", "NA014"),
    # https://docs.docker.com/engine/network/drivers/macvlan/ (legacy app licensed to a MAC)
    s("licence-bound-to-mac", {"own_mac": True}, "macvlan", "NA011"),
    # https://docs.docker.com/engine/network/drivers/macvlan/ (802.1Q sub-interface eth0.20)
    s("own-ip-on-vlan-20", {"own_ip": True, "vlan": 20}, "macvlan", "NA041", "NA058"),
    # https://docs.docker.com/engine/network/drivers/macvlan/ (host reaching its macvlan containers: shim)
    s("own-ip-reachable-from-host", {"own_ip": True, "host_access": True}, "macvlan", "NA037"),
    # --- 6. cross-host -------------------------------------------------------------------------------------
    # https://docs.docker.com/engine/network/drivers/overlay/ (containers on different hosts)
    s("three-host-app", {"cross_host": True, "hosts": 3}, "overlay", "NA003", "NA004"),
    # https://docs.docker.com/engine/network/drivers/overlay/ (--opt encrypted)
    s("encrypted-between-hosts", {"cross_host": True, "encryption": True, "hosts": 2}, "overlay", "NA029"),
    # https://docs.docker.com/engine/swarm/ingress/ (a swarm web service publishing 80)
    s("swarm-web-service", {"swarm": True, "hosts": 3, "ports": ["80"]}, "overlay", "NA005"),
    # --- 7. platforms ------------------------------------------------------------------------------------
    # https://docs.docker.com/engine/security/rootless/troubleshoot/ (no overlay; host namespaced)
    s(
        "rootless-across-two-hosts",
        {"cross_host": True, "hosts": 2, "platform": "rootless", "ports": ["8080"]},
        "bridge",
        "NA003",
        "NA018",
        "NA060",
    ),
    # https://github.com/moby/moby/pull/47103 (host networking namespaced in rootless until Engine 29.5)
    s(
        "rootless-fast-across-hosts",
        {
            "platform": "rootless",
            "cross_host": True,
            "hosts": 2,
            "performance": "high",
            "host_isolation": "not_needed",
        },
        "bridge",
        "NA060",
        "NA028",
    ),
    # https://docs.docker.com/engine/security/rootless/ ("Exposing privileged ports")
    s("rootless-web-on-80", {"platform": "rootless", "ports": ["80", "443"]}, "bridge", "NA061"),
    # https://docs.docker.com/engine/security/rootless/troubleshoot/ (reach it through -p)
    s(
        "rootless-reached-from-host",
        {"platform": "rootless", "host_access": True, "ports": ["8080"]},
        "bridge",
        "NA039",
    ),
    # https://docs.docker.com/desktop/features/networking/networking-how-tos/ ("publish ports with -p")
    s(
        "desktop-dev-server-from-browser",
        {"platform": "docker-desktop", "host_access": True, "ports": ["3000"]},
        "bridge",
        "NA038",
    ),
    # --- 8. everyday ---------------------------------------------------------------------------------------
    # https://docs.docker.com/engine/network/port-publishing/ ("-p 127.0.0.1:8080:80")
    s("postgres-on-loopback", {"ports": ["127.0.0.1:5432:5432"]}, "bridge", "NA001"),
    # https://docs.docker.com/engine/network/packet-filtering-firewalls/ (ufw bypass)
    s("public-web-server", {"ports": ["80", "443"]}, "bridge", "NA001", "NA062"),
    # https://docs.docker.com/engine/network/drivers/none/ (a batch job with no network)
    s("offline-batch-job", {"network_access": "none"}, "none", "NA007"),
    # https://docs.docker.com/reference/cli/docker/network/create/ (--internal database network)
    s("internal-database", {"network_access": "internal"}, "bridge", "NA009"),
    # https://docs.docker.com/engine/network/drivers/host/ ("To optimize performance")
    s(
        "latency-sensitive-no-isolation",
        {"performance": "high", "host_isolation": "not_needed"},
        "host",
        "NA028",
    ),
    # --- 8. Windows containers ---------------------------------------------------------------------------
    # https://learn.microsoft.com/en-us/virtualization/windowscontainers/container-networking/network-drivers-topologies
    # (nat: "Good for Developers", port mapping)
    s("windows-iis-single-host", {"platform": "windows", "ports": ["80", "443"]}, "nat", "NA065", "NA020"),
    # https://learn.microsoft.com/en-us/virtualization/windowscontainers/manage-containers/swarm-mode
    # (overlay services; routing mesh only from Windows Server 2019)
    s(
        "windows-swarm-web-farm",
        {"platform": "windows", "swarm": True, "hosts": 3, "cross_host": True, "ports": ["80"]},
        "overlay",
        "NA005",
        "NA066",
        "NA075",
    ),
    # https://learn.microsoft.com/en-us/virtualization/windowscontainers/container-networking/advanced
    # (transparent network with static --ip on the physical network)
    s(
        "windows-legacy-app-with-lan-address",
        {"platform": "windows", "own_ip": True},
        "transparent",
        "NA067",
        "NA071",
        "NA073",
        deployment={"subnet": "10.123.174.0/23", "gateway": "10.123.174.1"},
    ),
    # https://learn.microsoft.com/en-us/virtualization/windowscontainers/container-networking/network-drivers-topologies
    # (l2bridge: MAC re-write to the host's MAC)
    s(
        "windows-vm-with-mac-limit-needs-lan-address",
        {"platform": "windows", "own_ip": True, "mac_limit": True},
        "l2bridge",
        "NA069",
        "NA074",
    ),
    # https://learn.microsoft.com/en-us/virtualization/windowscontainers/container-networking/advanced
    # ("Set the VLAN ID for a Network": transparent and l2bridge)
    s(
        "windows-containers-on-vlan-11",
        {"platform": "windows", "own_ip": True, "vlan": 11},
        "transparent",
        "NA076",
        "NA067",
    ),
    # https://learn.microsoft.com/en-us/virtualization/windowscontainers/container-networking/network-drivers-topologies
    # (transparent: directly on the physical network)
    s(
        "windows-mdns-discovery-on-the-lan",
        {"platform": "windows", "ports": ["5353/udp", "8080"]},
        "transparent",
        "NA077",
        "NA056",
    ),
    # https://learn.microsoft.com/en-us/virtualization/windowscontainers/container-networking/architecture
    # (IPv6 unsupported on l2bridge, NAT and overlay; no --ipv6)
    s("windows-ipv6-app", {"platform": "windows", "ipv6": True}, None, "NA021", compromise="nat"),
    # https://learn.microsoft.com/en-us/virtualization/windowscontainers/container-networking/architecture
    # ("Networking on virtualized Azure infrastructure via the
    # transparent network driver" is unsupported)
    s(
        "windows-on-azure-vm-with-lan-address",
        {"platform": "windows", "own_ip": True, "cloud": "azure"},
        "l2bridge",
        "NA070",
        "NA067",
    ),
    # https://docs.docker.com/engine/network/drivers/none/ (every Windows driver adds a Hyper-V vNIC)
    s(
        "windows-offline-batch-job",
        {"platform": "windows", "network_access": "none"},
        "none",
        "NA079",
        "NA007",
    ),
    # https://learn.microsoft.com/en-us/virtualization/windowscontainers/container-networking/architecture
    # ("HNS creates network namespace per container endpoint")
    s(
        "windows-vpn-gateway-container",
        {"platform": "windows", "host_interfaces": True},
        None,
        "NA078",
        "NA020",
    ),
]


def answer(advisor: Advisor, scenario: Scenario) -> Recommendation:
    return advisor.recommend(
        RecommendationRequest.model_validate(
            {"requirements": scenario.requirements, "deployment": scenario.deployment}
        )
    )


def fired(rec: Recommendation) -> set[str]:
    return {r.rule for d in rec.ranking for r in d.reasons} | {
        w.rule for d in rec.ranking for w in d.warnings
    }


def test_there_are_at_least_forty_distinct_scenarios() -> None:
    assert len(SCENARIOS) >= 40
    assert len({scenario.name for scenario in SCENARIOS}) == len(SCENARIOS)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda scenario: scenario.name)
def test_scenario(advisor: Advisor, scenario: Scenario) -> None:
    rec = answer(advisor, scenario)
    got = rec.recommendation.value if rec.recommendation else None
    assert got == scenario.top, [(d.driver.value, d.score, d.summary) for d in rec.ranking]
    missing = scenario.rules - fired(rec)
    assert not missing, f"rules that should have decided or warned: {sorted(missing)}"
    if scenario.top is None:
        assert (rec.compromise.driver.value if rec.compromise else None) == scenario.compromise
    else:
        assert rec.compromise is None


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda scenario: scenario.name)
def test_no_answer_leaks_a_bare_placeholder_or_the_old_tie_text(advisor: Advisor, scenario: Scenario) -> None:
    rec = answer(advisor, scenario)
    text = rec.model_dump_json()
    assert "<parent>" not in text
    assert "fewer of your requirements favour it" not in text


# --- the answer's new parts -------------------------------------------------------------------------------


def test_a_bool_multicast_is_listed_in_the_assumptions(advisor: Advisor) -> None:
    rec = advisor.recommend_raw({"requirements": {"multicast": True}})
    (item,) = [a for a in rec.assumptions if a.field == "multicast"]
    assert item.value == "lan" and "true = lan" in item.note
    rec = advisor.recommend_raw({"requirements": {"multicast": "lan"}})
    assert not [a for a in rec.assumptions if a.field == "multicast"]


def test_an_explicit_multicast_overrides_the_port_inference(advisor: Advisor) -> None:
    rec = advisor.recommend_raw({"requirements": {"ports": ["5353/udp"], "multicast": "none"}})
    assert rec.recommendation is not None and rec.recommendation.value == "bridge"
    assert not {"NA055", "NA056"} & fired(rec)


def test_the_compromise_is_in_json_markdown_and_text(advisor: Advisor) -> None:
    rec = advisor.recommend_raw({"requirements": {"own_ip": True, "platform": "docker-desktop"}})
    assert rec.recommendation is None and rec.compromise is not None
    assert rec.compromise.driver.value == "bridge"
    assert [g.rule for g in rec.compromise.gives_up] == ["NA010"]
    assert "-p" in rec.compromise.gives_up[0].make_up
    assert rec.compromise.commands.network[0].argv[:3] == ["docker", "network", "create"]
    data = rec.model_dump(mode="json")
    assert data["compromise"]["driver"] == "bridge"
    markdown = render_recommendation(rec, "markdown")
    text = render_recommendation(rec, "text")
    assert "## Compromise: bridge" in markdown and "Make up for it:" in markdown
    assert "Compromise: bridge\n------------------" in text and "Make up for it:" in text
    assert "docker network create" in markdown and "docker network create" in text


def test_the_swarm_compromise_for_no_network_is_an_internal_overlay(advisor: Advisor) -> None:
    rec = advisor.recommend_raw({"requirements": {"swarm": True, "network_access": "none"}})
    assert rec.compromise is not None and rec.compromise.driver.value == "overlay"
    create = rec.compromise.commands.network[0].argv
    assert "--internal" in create and "--driver" in create


def test_ties_are_explained_by_the_preference_order(advisor: Advisor) -> None:
    rec = advisor.recommend_raw(
        {"requirements": {"ports": ["49152-65535/udp"], "host_isolation": "required"}}
    )
    ipvlan = next(d for d in rec.ranking if d.driver.value == "ipvlan")
    assert ipvlan.score == rec.ranking[0].score
    assert "preference order in rules/drivers.yaml" in ipvlan.summary


def test_the_shim_address_comes_from_the_reserved_range_and_is_listed(advisor: Advisor) -> None:
    rec = advisor.recommend_raw(
        {
            "requirements": {"own_ip": True, "host_access": True},
            "deployment": {"subnet": "192.168.1.0/24", "ip_range": "192.168.1.192/27"},
        }
    )
    (shim,) = [a for a in rec.assumptions if a.field == "shim_address"]
    assert shim.value == "192.168.1.223"  # inside 192.168.1.192/27, outside the DHCP pool
    create = rec.ranking[0].commands.network[0].argv  # type: ignore[union-attr]
    assert "host-shim=192.168.1.223" in create


def test_a_loopback_port_is_published_on_loopback_only(advisor: Advisor) -> None:
    rec = advisor.recommend_raw({"requirements": {"ports": ["127.0.0.1:5432:5432"]}})
    run = rec.ranking[0].commands.run[0].argv  # type: ignore[union-attr]
    assert run[run.index("--publish") + 1] == "127.0.0.1:5432:5432"
    assert "127.0.0.1:5432:5432" in rec.ranking[0].commands.compose  # type: ignore[union-attr]
    assert "NA062" not in fired(rec), "a loopback-only port does not face the firewall question"


def test_host_interfaces_warns_about_net_admin(advisor: Advisor) -> None:
    rec = advisor.recommend_raw({"requirements": {"host_interfaces": True}})
    host = rec.ranking[0]
    assert host.driver.value == "host"
    assert any("NET_ADMIN" in w.message for w in host.warnings if w.rule == "NA057")


@pytest.mark.parametrize(
    ("raw", "publish"),
    [
        ("127.0.0.1:5432:5432", "127.0.0.1:5432:5432"),
        ("[::1]:8080:80", "[::1]:8080:80"),
        ("8080:80", "8080:80"),
        ("10.0.0.5:53:53/udp", "10.0.0.5:53:53/udp"),
        ("9000-9001:8000-8001", "9000-9001:8000-8001"),
        ("80", "80:80"),
    ],
)
def test_ip_prefixed_and_mapped_port_specs_parse(raw: str, publish: str) -> None:
    from service.ports import parse_port_spec

    assert parse_port_spec(raw).publish_arg() == publish


@pytest.mark.parametrize("raw", ["::1:8080:80", "300.0.0.1:80:80", "9000-9002:8000-8001", "localhost:80:80"])
def test_bad_ip_prefixed_port_specs_are_refused(raw: str) -> None:
    from service.ports import parse_port_spec

    with pytest.raises(ValueError):
        parse_port_spec(raw)
