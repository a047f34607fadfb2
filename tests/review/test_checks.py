"""What a platform engineer gets back when a Compose file is reviewed."""

from __future__ import annotations

import pytest

from service.advisor import Advisor
from service.models import Requirements
from service.review.context import CAPABILITY_FIELDS, CONSTRAINT_FIELDS
from service.review.errors import InvalidRequirements
from service.review.merge import SourceFile
from service.review.models import ReviewReport
from service.review.reviewer import Reviewer, failing

# The acceptance case of issue 4: a macvlan network on a cloud host, a host-mode service with ports and
# a static address outside its subnet. Line numbers are part of the contract.
SHOP = """\
name: shop
x-network-requirements:
  cloud: aws
services:
  proxy:
    image: traefik:v3.1
    network_mode: host
    ports:
      - "80:80"
      - "443:443"
  app:
    image: shop/app:2
    networks:
      lan:
        ipv4_address: 10.0.5.20
networks:
  lan:
    driver: macvlan
    driver_opts:
      parent: eth0
    ipam:
      config:
        - subnet: 192.168.1.0/24
          gateway: 192.168.1.1
"""


@pytest.fixture(scope="module")
def reviewer(advisor: Advisor) -> Reviewer:
    return Reviewer.for_advisor(advisor)


def review(reviewer: Reviewer, text: str, requirements: dict[str, object] | None = None) -> ReviewReport:
    return reviewer.review([SourceFile("compose.yaml", text)], requirements)


def test_macvlan_in_aws_host_mode_ports_and_a_stray_address_give_exactly_those_findings(
    reviewer: Reviewer,
) -> None:
    report = review(reviewer, SHOP)
    assert [(f.rule, f.line, f.column) for f in report.findings] == [
        ("NR003", 8, 5),  # `ports:` of the host-mode proxy
        ("NR011", 15, 9),  # `ipv4_address: 10.0.5.20`, outside 192.168.1.0/24
        ("NR001", 18, 5),  # `driver: macvlan` with cloud: aws
    ]
    assert all(f.file == "compose.yaml" and f.severity == "error" for f in report.findings)
    assert report.summary.error == 3 and report.requirements_given
    macvlan = report.findings[2]
    assert (macvlan.network, macvlan.service) == ("lan", "app")
    assert macvlan.selection_rules == ["NA013"] and macvlan.requirements == {"cloud": "aws"}
    assert "NA013 (cloud=aws)" in macvlan.message and "macvlan" in macvlan.message
    assert macvlan.fix.driver is not None and macvlan.fix.driver.value == "bridge"
    assert [c.argv for c in macvlan.fix.commands] == [
        ["docker", "network", "create", "--driver", "bridge", "lan"]
    ]
    assert macvlan.fix.compose and "driver: bridge" in macvlan.fix.compose
    host = report.findings[0]
    assert host.service == "proxy" and "80:80" in host.found
    stray = report.findings[1]
    assert "10.0.5.20" in stray.message and "192.168.1.0/24" in stray.expected


def test_the_same_file_without_requirements_drops_only_the_requirement_check(reviewer: Reviewer) -> None:
    text = SHOP.replace("x-network-requirements:\n  cloud: aws\n", "")
    report = review(reviewer, text)
    assert [f.rule for f in report.findings] == ["NR003", "NR011"]
    assert not report.requirements_given


def test_requirements_from_a_file_or_body_count_like_the_files_own(reviewer: Reviewer) -> None:
    text = SHOP.replace("x-network-requirements:\n  cloud: aws\n", "")
    report = review(reviewer, text, {"cloud": "gcp"})
    nr001 = next(f for f in report.findings if f.rule == "NR001")
    assert nr001.requirements == {"cloud": "gcp"}


def test_service_requirements_override_the_project_and_the_request(reviewer: Reviewer) -> None:
    text = """services:
  probe:
    image: probe
    network_mode: host
    x-network-requirements: {host_isolation: required}
  tool:
    image: tool
    network_mode: host
"""
    report = review(reviewer, text, {"host_isolation": "not_needed"})
    assert [(f.rule, f.service) for f in report.findings] == [("NR001", "probe")]


def test_invalid_requirements_point_at_the_field(reviewer: Reviewer) -> None:
    text = "x-network-requirements:\n  cloud: aws\n  hostz: 3\nservices:\n  a: {image: x}\n"
    with pytest.raises(InvalidRequirements) as failure:
        review(reviewer, text)
    assert (failure.value.line, failure.value.code) == (3, "invalid_requirements")
    assert "hostz" in failure.value.message and "hosts" in failure.value.message


def test_every_requirement_is_a_constraint_or_a_capability() -> None:
    assert set(Requirements.model_fields) == CONSTRAINT_FIELDS | CAPABILITY_FIELDS
    assert not CONSTRAINT_FIELDS & CAPABILITY_FIELDS


def test_an_environment_constraint_binds_every_network_of_a_service(reviewer: Reviewer) -> None:
    """The bridge beside a macvlan does not excuse the macvlan in a cloud."""
    text = """services:
  dns:
    image: pihole/pihole
    networks: [lan, web]
networks:
  web: {}
  lan:
    driver: macvlan
    driver_opts: {parent: eth0}
    ipam:
      config:
        - subnet: 192.168.1.0/24
"""
    report = review(reviewer, text, {"cloud": "azure", "own_ip": True})
    assert [(f.rule, f.network) for f in report.findings] == [("NR001", "lan")]


# -- suppressions ----------------------------------------------------------------------------------------


SUPPRESSED = """services:
  proxy:
    image: traefik
    network_mode: host
    ports: ["80:80"]
    x-netadvisor-ignore:
      - rule: NR003
        reason: the ports document what traefik listens on; Docker ignores them
networks:
  shared:
    x-netadvisor-ignore:
      - rule: NR021
"""


def test_suppressed_findings_are_reported_as_suppressed_and_never_fail(reviewer: Reviewer) -> None:
    report = review(reviewer, SUPPRESSED)
    by_rule = {f.rule: f for f in report.findings}
    host = by_rule["NR003"]
    assert host.suppressed is not None and host.suppressed.reason.startswith("the ports document")
    assert (host.suppressed.file, host.suppressed.line) == ("compose.yaml", 7)
    # the NR021 suppression has no reason: an error of its own, and it suppresses nothing
    assert by_rule["NR022"].line == 12 and by_rule["NR022"].suppressed is None
    assert by_rule["NR021"].suppressed is None
    assert report.summary.suppressed == 1 and report.summary.error == 1 and report.summary.info == 1
    assert failing(report, "error"), "the invalid suppression (NR022) is an error"
    fixed = SUPPRESSED + "        reason: other projects join it\n"
    report = review(reviewer, fixed)
    assert [f.rule for f in report.findings if f.suppressed is None] == []
    assert not failing(report, "info")


@pytest.mark.parametrize(
    ("fail_on", "fails"), [("error", False), ("warning", True), ("info", True), ("none", False)]
)
def test_fail_on_threshold(reviewer: Reviewer, fail_on: str, fails: bool) -> None:
    report = review(reviewer, "services:\n  a:\n    image: x\n    network_mode: none\n    ports: ['80:80']\n")
    assert [f.severity for f in report.findings] == ["warning"]
    assert failing(report, fail_on) is fails


# -- stable identities -----------------------------------------------------------------------------------


def test_fingerprints_survive_lines_moving(reviewer: Reviewer) -> None:
    before = review(reviewer, SHOP)
    after = review(reviewer, "# a comment\n# and another\n" + SHOP)
    assert [f.line + 2 for f in before.findings] == [f.line for f in after.findings]
    assert [f.fingerprint for f in before.findings] == [f.fingerprint for f in after.findings]
    assert len({f.fingerprint for f in before.findings}) == 3


def test_findings_point_into_the_file_that_defined_the_key(reviewer: Reviewer) -> None:
    base = "services:\n  app:\n    image: app\n    networks:\n      lan: {}\nnetworks:\n  lan: {}\n"
    override = (
        "services:\n  app:\n    networks:\n      lan:\n        ipv4_address: 10.9.0.5\n"
        "networks:\n  lan:\n    ipam:\n      config:\n        - subnet: 10.8.0.0/24\n"
    )
    report = reviewer.review([SourceFile("compose.yaml", base), SourceFile("compose.prod.yaml", override)])
    (finding,) = report.findings
    assert (finding.rule, finding.file, finding.line) == ("NR011", "compose.prod.yaml", 5)


def test_a_compose_file_docker_accepts_with_every_network_feature_reviews_cleanly(reviewer: Reviewer) -> None:
    text = """name: full
x-net: &net
  driver: bridge
  ipam:
    config:
      - subnet: 10.30.0.0/24
        gateway: 10.30.0.1
services:
  api:
    image: api
    networks:
      front:
        aliases: [backend]
        ipv4_address: 10.30.0.10
        priority: 100
        gw_priority: 1
        interface_name: eth1
      back: null
    ports:
      - name: web
        target: 8080
        host_ip: 127.0.0.1
        published: "8080"
        protocol: tcp
        app_protocol: http
        mode: host
    environment:
      DB_HOST: db
    depends_on:
      db:
        condition: service_healthy
        restart: true
  db:
    image: postgres:16
    networks: [back]
    healthcheck:
      test: ["CMD", "pg_isready"]
networks:
  front:
    <<: *net
    labels: [com.example.tier=front]
  back:
    internal: true
    enable_ipv6: true
    enable_ipv4: true
    ipam:
      config:
        - subnet: fd00:30::/64
  outside:
    external: true
    name: ${EXTERNAL_NET:-shared}
    x-netadvisor-ignore:
      - {rule: NR021, reason: other stacks attach to it}
"""
    report = review(reviewer, text)
    assert [(f.rule, f.suppressed is not None) for f in report.findings] == [("NR021", True)]
