"""What a platform engineer gets back for the situations the product exists for."""

from __future__ import annotations

import pytest

from service.advisor import Advisor
from service.models import Driver
from tests.conftest import ask


def reasons_of(rec, driver: Driver) -> dict[str, str]:  # type: ignore[no-untyped-def]
    result = next(r for r in rec.ranking if r.driver is driver)
    return {reason.rule: reason.effect for reason in result.reasons}


def test_three_hosts_swarm_encrypted_gets_encrypted_overlay_and_swarm_prerequisites(advisor: Advisor) -> None:
    rec = ask(advisor, {"hosts": 3, "swarm": True, "encryption": True})
    assert rec.recommendation is Driver.overlay
    top = rec.ranking[0]
    assert top.commands is not None
    network = top.commands.network[0].argv
    assert network[:5] == ["docker", "network", "create", "--driver", "overlay"]
    assert "--opt" in network and network[network.index("--opt") + 1] == "encrypted"
    prerequisites = [command.argv for command in top.commands.prerequisites]
    assert ["docker", "swarm", "init"] in prerequisites
    assert ["docker", "swarm", "join-token", "worker"] in prerequisites
    assert top.commands.service and top.commands.service[0].argv[:3] == ["docker", "service", "create"]
    assert "--replicas" in top.commands.service[0].argv
    # the drivers that cannot encrypt between hosts are excluded by the encryption rule, with its ID
    for driver in (Driver.bridge, Driver.host, Driver.macvlan, Driver.ipvlan):
        assert reasons_of(rec, driver).get("NA029") == "exclude"
    assert {w.rule for w in top.warnings} >= {"NA030", "NA032"}


def test_own_mac_on_aws_excludes_macvlan_and_says_what_to_do_instead(advisor: Advisor) -> None:
    rec = ask(advisor, {"own_mac": True, "cloud": "aws"})
    assert rec.recommendation is None
    assert all(not result.viable for result in rec.ranking)
    macvlan = next(conflict for conflict in rec.conflicts if conflict.driver is Driver.macvlan)
    assert [(e.rule, e.requirements) for e in macvlan.excluded_by] == [("NA013", {"cloud": "aws"})]
    assert macvlan.excluded_by[0].instead and "ipvlan" in macvlan.excluded_by[0].instead
    relaxed = {relax.requirement: relax.recommendation for relax in rec.relaxations}
    assert relaxed == {"own_mac": Driver.bridge, "cloud": Driver.macvlan}


def test_defaults_give_a_user_defined_bridge(advisor: Advisor) -> None:
    rec = ask(advisor)
    assert rec.recommendation is Driver.bridge
    top = rec.ranking[0]
    assert top.commands is not None
    create = top.commands.network[0].argv
    assert create[:5] == ["docker", "network", "create", "--driver", "bridge"]
    assert create[-1] != "bridge", "never the default bridge network"
    assert top.commands.run[0].argv[top.commands.run[0].argv.index("--network") + 1] == create[-1]
    assert "NA002" in {warning.rule for warning in top.warnings}


def test_no_networking_answers_none_and_only_none(advisor: Advisor) -> None:
    rec = ask(advisor, {"network_access": "none"})
    assert rec.recommendation is Driver.none
    assert [r.driver for r in rec.ranking if r.viable] == [Driver.none]
    assert rec.ranking[0].commands is not None
    assert rec.ranking[0].commands.run[0].argv[-3:-1] == ["--network", "none"]
    assert all(
        not r.viable for r in ask(advisor, {"network_access": "internal"}).ranking if r.driver is Driver.none
    )


def test_large_port_range_on_a_host_without_isolation_needs_picks_host(advisor: Advisor) -> None:
    rec = ask(advisor, {"ports": ["30000-32767/udp"], "host_isolation": "not_needed"})
    assert rec.recommendation is Driver.host
    bridge = next(r for r in rec.ranking if r.driver is Driver.bridge)
    assert {"NA022": "-20", "NA023": "-40"}.items() <= reasons_of(rec, Driver.bridge).items()
    assert "2768" in next(w.message for w in bridge.warnings if w.rule == "NA022")
    host_run = rec.ranking[0].commands.run[0].argv  # type: ignore[union-attr]
    assert "--publish" not in host_run, "published ports are ignored with host networking"


def test_own_ip_in_cloud_with_ports_picks_ipvlan_and_publishes_nothing(advisor: Advisor) -> None:
    rec = ask(advisor, {"cross_host": True, "ports": ["8000-9000"], "own_ip": True, "cloud": "aws"})
    assert rec.recommendation is Driver.ipvlan
    top = rec.ranking[0]
    assert "NA014" in {w.rule for w in top.warnings}, "secondary IPs must be assigned in the cloud"
    assert top.commands is not None
    assert "--publish" not in top.commands.run[0].argv
    assert "--ip" in top.commands.run[0].argv


def test_host_access_to_macvlan_adds_the_shim(advisor: Advisor) -> None:
    rec = ask(advisor, {"own_mac": True, "host_access": True}, parent_interface="enp3s0",
              subnet="10.20.0.0/24", gateway="10.20.0.1", ip_range="10.20.0.64/26")  # fmt: skip
    assert rec.recommendation is Driver.macvlan
    commands = rec.ranking[0].commands
    assert commands is not None
    assert [c.argv for c in commands.prerequisites] == [
        ["ip", "link", "add", "macvlan-shim", "link", "enp3s0", "type", "macvlan", "mode", "bridge"],
        ["ip", "addr", "add", "10.20.0.127/32", "dev", "macvlan-shim"],
        ["ip", "link", "set", "macvlan-shim", "up"],
        ["ip", "route", "add", "10.20.0.64/26", "dev", "macvlan-shim"],
    ]
    create = commands.network[0].argv
    assert create[create.index("--aux-address") + 1] == "host-shim=10.20.0.127"
    run = commands.run[0].argv
    assert run[run.index("--ip") + 1] == "10.20.0.64"  # Docker hands out the range's first address
    assert run[run.index("--mac-address") + 1] == "02:42:0a:14:00:40"


def test_vlan_puts_the_parent_on_a_subinterface(advisor: Advisor) -> None:
    rec = ask(advisor, {"own_ip": True, "vlan": 30}, parent_interface="eno1")
    assert rec.recommendation in (Driver.ipvlan, Driver.macvlan)
    create = rec.ranking[0].commands.network[0].argv  # type: ignore[union-attr]
    assert "parent=eno1.30" in create
    assert not next(r for r in rec.ranking if r.driver is Driver.bridge).viable


def test_swarm_macvlan_gets_disjoint_per_node_ranges(advisor: Advisor) -> None:
    import ipaddress

    rec = ask(
        advisor,
        {"own_mac": True, "swarm": True, "hosts": 3},
        subnet="192.168.1.0/24",
        ip_range="192.168.1.128/26",
    )
    assert rec.recommendation is Driver.macvlan
    network = rec.ranking[0].commands.network  # type: ignore[union-attr]
    config_only = [c.argv for c in network if "--config-only" in c.argv]
    assert len(config_only) == 3
    ranges = [ipaddress.ip_network(argv[argv.index("--ip-range") + 1]) for argv in config_only]
    assert all(not a.overlaps(b) for i, a in enumerate(ranges) for b in ranges[i + 1 :])
    assert all(r.subnet_of(ipaddress.ip_network("192.168.1.128/26")) for r in ranges)
    final = network[-1].argv
    assert final[final.index("--scope") : final.index("--scope") + 2] == ["--scope", "swarm"]
    assert "--config-from" in final
    service = rec.ranking[0].commands.service[0].argv  # type: ignore[union-attr]
    assert service[service.index("--endpoint-mode") + 1] == "dnsrr"


def test_lan_defaults_are_listed_as_assumptions_to_replace(advisor: Advisor) -> None:
    rec = ask(advisor, {"own_ip": True})
    by_field = {a.field: a for a in rec.assumptions}
    assert "replace with your LAN's subnet" in by_field["subnet"].note
    assert by_field["subnet"].value == "192.168.1.0/24"
    assert Driver.ipvlan in by_field["subnet"].drivers
    assert "parent_interface" in by_field
    given = ask(advisor, {"own_ip": True}, subnet="10.1.2.0/24", parent_interface="eth1")
    assert not {"subnet", "parent_interface"} & {a.field for a in given.assumptions}


@pytest.mark.parametrize(
    ("requirements", "excluded", "rule"),
    [
        ({"platform": "docker-desktop", "own_ip": True}, Driver.macvlan, "NA016"),
        ({"platform": "rootless", "cross_host": True}, Driver.overlay, "NA018"),
        ({"wireless_parent": True}, Driver.macvlan, "NA015"),
        ({"multicast": True}, Driver.overlay, "NA033"),
        ({"host_isolation": "required"}, Driver.host, "NA026"),
        ({"mac_limit": True}, Driver.macvlan, "NA012"),
        ({"platform": "windows"}, Driver.host, "NA020"),
        ({"swarm": True}, Driver.none, "NA006"),
    ],
)
def test_hard_limits_exclude_with_their_rule(
    advisor: Advisor, requirements: dict[str, object], excluded: Driver, rule: str
) -> None:
    rec = ask(advisor, requirements)
    result = next(r for r in rec.ranking if r.driver is excluded)
    assert not result.viable and result.commands is None and result.score == 0
    assert reasons_of(rec, excluded)[rule] == "exclude"
    assert result.summary.startswith(f"Excluded by {rule}")


def test_ranking_lists_every_driver_viable_first(advisor: Advisor) -> None:
    rec = ask(advisor, {"cross_host": True, "multicast": True})
    # Linux answers rank Docker Engine's six drivers; Windows-only drivers never appear in them.
    assert sorted(r.driver for r in rec.ranking) == sorted(advisor.catalogue.scope("linux").drivers)
    assert len(rec.ranking) == 6
    viable = [r.viable for r in rec.ranking]
    assert viable == sorted(viable, reverse=True)
    scores = [r.score for r in rec.ranking if r.viable]
    assert scores == sorted(scores, reverse=True)
    assert [r.rank for r in rec.ranking] == list(range(1, 7))
    assert all((r.commands is not None) == r.viable for r in rec.ranking)


def test_losers_say_why_they_lost(advisor: Advisor) -> None:
    rec = ask(advisor, {"performance": "high", "host_isolation": "not_needed"})
    bridge = next(r for r in rec.ranking if r.driver is Driver.bridge)
    assert bridge.viable and rec.recommendation is not Driver.bridge
    assert "NA028" in bridge.summary and "scores" in bridge.summary


def test_windows_answers_rank_windows_drivers_and_exclude_linux_only_ones(advisor: Advisor) -> None:
    rec = ask(advisor, {"platform": "windows"})
    assert rec.recommendation is Driver.nat
    assert rec.ranking[0].commands.network[0].argv[3:5] == ["--driver", "nat"]  # type: ignore[union-attr]
    assert len(rec.ranking) == 10
    by_driver = {r.driver: r for r in rec.ranking}
    for driver in (Driver.bridge, Driver.host, Driver.macvlan, Driver.ipvlan):
        assert not by_driver[driver].viable
        assert by_driver[driver].summary.startswith("Excluded by NA020: ")


def test_same_request_same_answer(advisor: Advisor) -> None:
    request = {"cross_host": True, "ports": ["80", "9000-9100"], "ipv6": True, "cloud": "gcp"}
    assert ask(advisor, request).model_dump_json() == ask(advisor, request).model_dump_json()


def test_swarm_lan_network_lists_eight_nodes_then_says_repeat(advisor: Advisor) -> None:
    rec = ask(advisor, {"own_ip": True, "swarm": True, "hosts": 12})
    network = rec.ranking[0].commands.network  # type: ignore[union-attr]
    config_only = [c for c in network if "--config-only" in c.argv]
    assert len(config_only) == 8
    assert "Repeat on nodes 9-12" in config_only[-1].description
    tight = ask(
        advisor, {"own_ip": True, "swarm": True, "hosts": 40}, subnet="10.0.0.0/24", ip_range="10.0.0.0/28"
    )
    last = [c for c in tight.ranking[0].commands.network if "--config-only" in c.argv][-1]  # type: ignore[union-attr]
    assert "holds only 16 blocks for 40 nodes" in last.description
