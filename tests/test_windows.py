"""Windows containers end to end: the drivers ranked, the commands built, and every surface that shows them.

Facts from Microsoft's "Windows container networking" pages (architecture, network-drivers-topologies,
advanced, swarm-mode); each rule cites its page. The commands are checked against the options Microsoft
lists as unsupported on Windows, over a grid of requests rather than a few examples.
"""

from __future__ import annotations

import itertools
import json
import shlex
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from service.advisor import Advisor
from service.chat.answer import answer_query
from service.cli import main
from service.commands import UNSUPPORTED_OPTIONS, WINDOWS_IMAGE
from service.models import Command, Driver, Recommendation, RecommendationRequest
from service.render import render_recommendation
from service.review.merge import SourceFile
from service.review.reviewer import Reviewer

WINDOWS_DRIVERS = {Driver.nat, Driver.overlay, Driver.transparent, Driver.l2bridge, Driver.l2tunnel}
LINUX_ONLY = {Driver.bridge, Driver.host, Driver.macvlan, Driver.ipvlan}


def ask(
    advisor: Advisor, requirements: dict[str, Any], deployment: dict[str, Any] | None = None
) -> Recommendation:
    return advisor.recommend(
        RecommendationRequest.model_validate(
            {"requirements": {"platform": "windows", **requirements}, "deployment": deployment or {}}
        )
    )


def commands_of(rec: Recommendation) -> Iterator[Command]:
    blocks = [result.commands for result in rec.ranking if result.commands is not None]
    if rec.compromise is not None:
        blocks.append(rec.compromise.commands)
    for block in blocks:
        yield from (*block.prerequisites, *block.network, *block.run, *block.service)


def composes_of(rec: Recommendation) -> Iterator[str]:
    yield from (result.commands.compose for result in rec.ranking if result.commands is not None)
    if rec.compromise is not None:
        yield rec.compromise.commands.compose


# A grid over what changes Windows commands: addressing, MACs, VLAN, Swarm, ports (with a host IP),
# IPv6, encryption, isolation, cloud. 2^9 * 2 = 1024 requests.
GRID_FIELDS: list[tuple[str, list[Any]]] = [
    ("own_ip", [False, True]),
    ("mac_limit", [False, True]),
    ("vlan", [None, 11]),
    ("swarm", [False, True]),
    ("ports", [[], ["127.0.0.1:8080:80", "443"]]),
    ("ipv6", [False, True]),
    ("encryption", [False, True]),
    ("network_access", ["full", "internal"]),
    ("cloud", ["none", "azure"]),
    ("hosts", [1, 3]),
]
GRID = [dict(zip([name for name, _ in GRID_FIELDS], values, strict=True)) for values in
        itertools.product(*(values for _, values in GRID_FIELDS))]  # fmt: skip


def test_no_windows_answer_emits_an_option_windows_does_not_support(
    advisor: Advisor, compose_validator: Any
) -> None:
    """Microsoft: `docker network create` takes no --aux-address, --internal, --ip-range, --ipam-driver,
    --ipam-opt, --ipv6 or --opt encrypted on Windows, and `docker run` no --ip6."""
    answered = 0
    for requirements in GRID:
        rec = ask(advisor, requirements)
        assert len(rec.ranking) == 10
        for result in rec.ranking:
            if result.driver in LINUX_ONLY:
                assert not result.viable and "NA020" in {reason.rule for reason in result.reasons}
        for command in commands_of(rec):
            answered += 1
            assert not set(command.argv) & UNSUPPORTED_OPTIONS, (requirements, command.command)
            assert not any(arg.startswith(("--aux-address", "--ip-range")) for arg in command.argv)
            assert command.command == shlex.join(command.argv)
            if command.argv[:2] == ["docker", "run"] or command.argv[:3] == ["docker", "service", "create"]:
                assert command.argv[-1] == WINDOWS_IMAGE
            if "--driver" in command.argv:
                assert command.argv[command.argv.index("--driver") + 1] in {d.value for d in WINDOWS_DRIVERS}
        for compose in composes_of(rec):
            document = yaml.safe_load(compose)
            compose_validator.validate(document)
            for network in document.get("networks", {}).values():
                assert network.get("driver") in {d.value for d in WINDOWS_DRIVERS}
                assert "internal" not in network and "enable_ipv6" not in network
                assert "encrypted" not in network.get("driver_opts", {})
    assert answered > 1000  # the grid really produced commands to check


def test_nat_is_the_single_host_default_with_published_ports(advisor: Advisor) -> None:
    rec = ask(advisor, {"ports": ["8080:80"]})
    top = rec.ranking[0]
    assert top.driver is Driver.nat and top.commands is not None
    assert top.commands.network[0].argv == ["docker", "network", "create", "--driver", "nat", "app-nat"]
    assert top.commands.run[0].argv == [
        "docker", "run", "--detach", "--name", "app", "--network", "app-nat", "--publish", "8080:80",
        WINDOWS_IMAGE,
    ]  # fmt: skip
    assert "driver: nat" in top.commands.compose and '"8080:80"' in top.commands.compose
    image = next(a for a in rec.assumptions if a.field == "image")
    assert image.value == WINDOWS_IMAGE and "Windows" in image.note


def test_a_nat_subnet_is_the_users(advisor: Advisor) -> None:
    rec = ask(
        advisor, {}, {"subnet": "172.16.1.0/24", "gateway": "172.16.1.1", "network_name": "MyNatNetwork"}
    )
    argv = rec.ranking[0].commands.network[0].argv  # type: ignore[union-attr]
    assert argv == [
        "docker", "network", "create", "--driver", "nat", "--subnet", "172.16.1.0/24",
        "--gateway", "172.16.1.1", "MyNatNetwork",
    ]  # fmt: skip


def test_transparent_takes_static_addresses_the_interface_and_the_vlan(advisor: Advisor) -> None:
    rec = ask(
        advisor,
        {"own_ip": True, "vlan": 11},
        {"subnet": "10.123.174.0/23", "gateway": "10.123.174.1", "parent_interface": "Ethernet2"},
    )
    top = rec.ranking[0]
    assert top.driver is Driver.transparent and top.commands is not None
    assert top.commands.network[0].argv == [
        "docker", "network", "create", "--driver", "transparent",
        "--subnet", "10.123.174.0/23", "--gateway", "10.123.174.1",
        "--opt", "com.docker.network.windowsshim.interface=Ethernet2",
        "--opt", "com.docker.network.windowsshim.vlanid=11", "lan-transparent",
    ]  # fmt: skip
    run = top.commands.run[0].argv
    assert run[run.index("--ip") + 1] == "10.123.175.0"  # first address of the subnet's third quarter
    assert any(a.field == "ip_range" and "--ip-range" in a.note for a in rec.assumptions)


def test_transparent_without_a_subnet_uses_the_lans_dhcp(advisor: Advisor) -> None:
    top = ask(advisor, {"own_ip": True}).ranking[0]
    assert top.driver is Driver.transparent and top.commands is not None
    assert "--subnet" not in top.commands.network[0].argv and "--ip" not in top.commands.run[0].argv
    assert "DHCP" in top.commands.network[0].description


def test_l2bridge_gets_static_addresses_and_outbound_nat(advisor: Advisor) -> None:
    rec = ask(advisor, {"own_ip": True, "mac_limit": True})
    top = rec.ranking[0]
    assert top.driver is Driver.l2bridge and top.commands is not None
    create = top.commands.network[0].argv
    assert create[create.index("--subnet") + 1] == "192.168.1.0/24"
    assert "com.docker.network.windowsshim.enable_outboundnat=true" in create
    assert "--ip" in top.commands.run[0].argv
    assert {"subnet", "gateway", "ip_range"} <= {a.field for a in rec.assumptions}
    assert not next(r for r in rec.ranking if r.driver is Driver.transparent).viable  # NA069


def test_swarm_on_windows_runs_services_on_an_overlay(advisor: Advisor) -> None:
    rec = ask(advisor, {"swarm": True, "hosts": 3, "cross_host": True, "ports": ["80"]})
    top = rec.ranking[0]
    assert top.driver is Driver.overlay and top.commands is not None
    assert top.commands.network[0].argv == [
        "docker",
        "network",
        "create",
        "--driver",
        "overlay",
        "app-overlay",
    ]
    assert top.commands.run == [] and top.commands.alternatives is None
    assert top.commands.service[0].argv[-1] == WINDOWS_IMAGE
    assert [c.argv[:3] for c in top.commands.prerequisites] == [
        ["docker", "swarm", "init"],
        ["docker", "swarm", "join-token"],
    ]
    assert "NA075" in {w.rule for w in top.warnings}  # routing mesh only from Windows Server 2019


def test_encryption_across_windows_hosts_is_a_plain_overlay_compromise(advisor: Advisor) -> None:
    rec = ask(advisor, {"encryption": True, "hosts": 2, "cross_host": True})
    assert rec.recommendation is None and rec.compromise is not None
    assert rec.compromise.driver is Driver.overlay
    assert [g.rule for g in rec.compromise.gives_up] == ["NA080"]
    assert "TLS" in rec.compromise.gives_up[0].make_up
    assert all("encrypted" not in c.argv for c in rec.compromise.commands.network)


def test_linux_answers_never_mention_windows_drivers(advisor: Advisor) -> None:
    rec = advisor.recommend(RecommendationRequest.model_validate({"requirements": {"ports": ["80"]}}))
    assert {r.driver for r in rec.ranking} == set(Driver) - {
        Driver.nat,
        Driver.transparent,
        Driver.l2bridge,
        Driver.l2tunnel,
    }
    assert "windows" not in rec.model_dump_json().lower()


def test_markdown_and_text_show_the_windows_driver_and_why_linux_ones_are_out(advisor: Advisor) -> None:
    rec = ask(advisor, {"own_ip": True})
    markdown = render_recommendation(rec, "markdown")
    text = render_recommendation(rec, "text")
    assert markdown.startswith("\n# Use transparent") and "`macvlan` (rank" in markdown
    assert "Use transparent" in text and "macvlan (rank" in text and "Excluded by NA020" in text
    assert "docker network create --driver transparent lan-transparent" in text


def test_http_cli_and_chat_answer_windows_questions(
    advisor: Advisor, client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    response = client.post(
        "/v1/recommendations", json={"requirements": {"platform": "windows", "ports": ["80"]}}
    )
    assert response.status_code == 200 and response.json()["recommendation"] == "nat"
    assert client.get("/v1/drivers/l2tunnel").json()["platforms"] == ["windows"]
    capsys.readouterr()  # the HTTP calls' access log lines
    assert main(["recommend", "--platform", "windows", "--own-ip", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["recommendation"] == "transparent"
    reply = answer_query(advisor, "windows own-ip mac-limit", invocation="/netadvisor")
    assert reply.kind == "recommendation" and reply.headline.startswith("Use l2bridge")


@pytest.fixture(scope="module")
def reviewer(advisor: Advisor) -> Reviewer:
    return Reviewer.for_advisor(advisor)


IIS = """\
services:
  web:
    image: mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2022
    ports: ["8080:80"]
{networks}
"""


@pytest.mark.parametrize(
    ("networks", "requirements"),
    [
        ("    networks: [winnet]\nnetworks:\n  winnet:\n    driver: nat\n", {"platform": "windows"}),
        ("    networks: [winnet]\nnetworks:\n  winnet:\n    driver: nat\n", {"ports": ["8080:80"]}),
        ("    networks: [winnet]\nnetworks:\n  winnet:\n    driver: nat\n", None),
        ("", {"platform": "windows"}),  # Compose's default network is nat on a Windows engine
    ],
    ids=[
        "nat-with-windows-requirements",
        "nat-with-linux-requirements",
        "nat-without-requirements",
        "default",
    ],
)
def test_review_accepts_a_windows_compose_file(
    reviewer: Reviewer, networks: str, requirements: dict[str, object] | None
) -> None:
    report = reviewer.review([SourceFile("compose.yaml", IIS.format(networks=networks))], requirements)
    assert [f.rule for f in report.findings] == []


def test_review_flags_a_linux_driver_in_a_windows_project(reviewer: Reviewer) -> None:
    text = IIS.format(networks="    networks: [lan]\nnetworks:\n  lan:\n    driver: macvlan\n")
    report = reviewer.review([SourceFile("compose.yaml", text)], {"platform": "windows", "own_ip": True})
    (finding,) = [f for f in report.findings if f.rule == "NR001"]
    assert finding.selection_rules == ["NA020"]
    assert finding.fix.driver is Driver.transparent


def test_a_windows_answer_reads_in_chinese_with_the_same_commands(advisor: Advisor) -> None:
    """The Windows builder's texts are gettext templates like the Linux builder's: a zh-CN answer changes
    the descriptions, the alternatives note and the assumption notes, never an argv or the Compose."""
    request = RecommendationRequest.model_validate(
        {"requirements": {"platform": "windows", "swarm": True, "ports": ["127.0.0.1:8080:80", "443"]}}
    )
    english, chinese = advisor.recommend(request), advisor.recommend(request, "zh-CN")
    pairs = [
        (en.commands, zh.commands)
        for en, zh in zip(english.ranking, chinese.ranking, strict=True)
        if en.commands is not None and zh.commands is not None
    ]
    assert {en.driver for en in english.ranking if en.commands is not None} == {Driver.overlay, Driver.nat}
    for en_commands, zh_commands in pairs:
        assert zh_commands.compose == en_commands.compose
        for en_step, zh_step in zip(
            [*en_commands.network, *en_commands.run, *en_commands.service],
            [*zh_commands.network, *zh_commands.run, *zh_commands.service],
            strict=True,
        ):
            assert zh_step.argv == en_step.argv and zh_step.description != en_step.description
    nat = next(r.commands for r in chinese.ranking if r.driver is Driver.nat)
    assert nat is not None and nat.run and nat.service
    assert nat.alternatives is not None and nat.alternatives.startswith("`run` 与 `service` 二选一")
    assert "未发布" in nat.service[0].description and "127.0.0.1:8080:80" in nat.service[0].description
    assert "--publish" in nat.service[0].argv and "127.0.0.1:8080:80" not in nat.service[0].argv
    image = next(a for a in chinese.assumptions if a.field == "image")
    assert image.value == WINDOWS_IMAGE and image.note.startswith("替换为你的应用的 Windows 镜像")
