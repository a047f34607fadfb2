"""Whatever arrives, the review answers with findings or a `ReviewError` that says where: never a crash.

Hypothesis builds Compose documents from the network-relevant parts of the specification (services with
network_mode, networks, ports, addresses; networks with drivers, options and IPAM), mixing valid values
with odd ones (unresolved variables, wrong families, garbage), and plain text that is barely YAML.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.advisor import Advisor
from service.api.errors import STATUS
from service.review.errors import ReviewError
from service.review.merge import SourceFile
from service.review.reviewer import Reviewer
from service.review.yamltree import MAX_BYTES

NAMES = st.sampled_from(["web", "db", "api", "lan", "front", "back", "default", "mesh", "x"])
ADDRESSES = st.sampled_from(
    ["192.168.1.10", "10.0.0.5", "fd00::5", "300.1.1.1", "${IP}", "${IP:-10.0.0.9}", "", "not-an-ip"]
)
SUBNETS = st.sampled_from(
    [
        "192.168.1.0/24",
        "10.0.0.0/8",
        "172.20.0.0/16",
        "fd00::/64",
        "10.0.0.1/24",
        "${SUBNET}",
        "bogus",
        "0.0.0.0/0",
    ]
)
PORTS = st.one_of(
    st.sampled_from(
        [
            "80",
            "80:80",
            "8000-9000:80",
            "127.0.0.1:53:53/udp",
            "[::1]:6001:6001",
            "30000-32767:30000-32767",
            "${PORT}:80",
            "${PORT:-8080}:80",
            "65536:1",
            "9-1:1-9",
            "a:b",
            "::1:6000:6000/sctp",
        ]
    ),
    st.integers(min_value=-5, max_value=70000),
    st.fixed_dictionaries(
        {"target": st.one_of(st.integers(1, 65535), st.sampled_from(["80", "x", "1000-1200"]))},
        optional={
            "published": st.sampled_from(["8080", "8000-9000", 443, "${P}"]),
            "protocol": st.sampled_from(["tcp", "udp"]),
            "host_ip": st.sampled_from(["127.0.0.1", "::"]),
            "mode": st.sampled_from(["host", "ingress"]),
        },
    ),
)
DRIVERS = st.sampled_from(
    ["bridge", "host", "none", "overlay", "macvlan", "ipvlan", "weave", "${DRIVER}", "NAT"]
)

ATTACHMENT = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {},
        optional={
            "ipv4_address": ADDRESSES,
            "ipv6_address": ADDRESSES,
            "mac_address": st.sampled_from(["02:42:ac:11:00:02", "zz"]),
            "aliases": st.lists(NAMES, max_size=2),
        },
    ),
)
SERVICE = st.fixed_dictionaries(
    {"image": st.just("nginx")},
    optional={
        "network_mode": st.sampled_from(
            ["host", "none", "bridge", "service:db", "container:x", "${MODE}", "custom"]
        ),
        "networks": st.one_of(
            st.lists(NAMES, max_size=3, unique=True), st.dictionaries(NAMES, ATTACHMENT, max_size=3)
        ),
        "ports": st.lists(PORTS, max_size=4),
        "depends_on": st.lists(NAMES, max_size=2, unique=True),
        "links": st.lists(NAMES, max_size=2, unique=True),
        "environment": st.dictionaries(
            st.sampled_from(["DB_HOST", "URL", "X"]),
            st.sampled_from(["db", "http://api:80", "web:5432", "1"]),
            max_size=2,
        ),
        "mac_address": st.sampled_from(["02:42:ac:11:00:02"]),
        "x-network-requirements": st.sampled_from(
            [{}, {"cloud": "aws"}, {"own_ip": True}, {"swarm": True, "hosts": 3}]
        ),
        "x-netadvisor-ignore": st.lists(
            st.fixed_dictionaries(
                {"rule": st.sampled_from(["NR003", "NR021", "NR999", "bad"])},
                optional={"reason": st.sampled_from(["ok", ""])},
            ),
            max_size=2,
        ),
    },
)
POOL = st.fixed_dictionaries(
    {},
    optional={
        "subnet": SUBNETS,
        "gateway": ADDRESSES,
        "ip_range": SUBNETS,
        "aux_addresses": st.dictionaries(NAMES, ADDRESSES, max_size=1),
    },
)
NETWORK = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {},
        optional={
            "driver": DRIVERS,
            "driver_opts": st.dictionaries(
                st.sampled_from(["parent", "com.docker.network.driver.mtu", "ipvlan_mode"]),
                st.sampled_from(["eth0", "1400", "l2", 9000]),
                max_size=2,
            ),
            "internal": st.booleans(),
            "attachable": st.sampled_from([True, False, "true", "${ATTACH}"]),
            "enable_ipv6": st.booleans(),
            "external": st.booleans(),
            "name": st.sampled_from(["host", "bridge", "none", "shared"]),
            "ipam": st.fixed_dictionaries({}, optional={"config": st.lists(POOL, max_size=3)}),
        },
    ),
)
COMPOSE = st.fixed_dictionaries(
    {"services": st.dictionaries(NAMES, SERVICE, max_size=4)},
    optional={
        "networks": st.dictionaries(NAMES, NETWORK, max_size=4),
        "x-network-requirements": st.sampled_from(
            [{"cloud": "gcp"}, {"cross_host": True}, {"ports": ["30000-32767"]}]
        ),
    },
)
REQUIREMENTS = st.one_of(
    st.none(),
    st.sampled_from([{}, {"cloud": "aws"}, {"own_ip": True, "own_mac": True}, {"network_access": "none"}]),
)


@pytest.fixture(scope="module")
def reviewer(advisor: Advisor) -> Reviewer:
    return Reviewer.for_advisor(advisor)


@settings(
    max_examples=300, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)
@given(document=COMPOSE, requirements=REQUIREMENTS)
def test_generated_compose_reviews_or_fails_cleanly(
    reviewer: Reviewer, document: dict[str, Any], requirements: Any
) -> None:
    text = yaml.safe_dump(document, sort_keys=False)
    try:
        report = reviewer.review([SourceFile("compose.yaml", text)], requirements)
    except ReviewError as exc:
        refused: ReviewError | None = exc
    else:
        refused = None
    if refused is not None:
        assert refused.code in {"invalid_compose", "invalid_requirements", "missing_file"}
        return
    for finding in report.findings:
        assert finding.line >= 1 and finding.column >= 1 and finding.file == "compose.yaml"
        assert finding.message and finding.fix.description


@settings(
    max_examples=300, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)
@given(
    text=st.lists(
        st.sampled_from(
            [*"ab:- \n[]{}&*!<>'\"#$%|@`,?\t", "services:", "  ", "<<:", "&x", "*x", "!reset", "${A}"]
        ),
        max_size=80,
    ).map("".join)
)
def test_arbitrary_text_never_crashes(reviewer: Reviewer, text: str) -> None:
    try:
        reviewer.review([SourceFile("c.yaml", text)])
    except ReviewError as exc:
        status = STATUS[exc.code]
    else:
        status = 200
    assert status in (200, 413, 422)


def test_a_large_legitimate_file_is_reviewed_whole(reviewer: Reviewer) -> None:
    """Near the 1 MiB limit: hundreds of services, each on a network, with ports."""
    services = "".join(
        f"  s{i}:\n    image: nginx:1.27\n    networks: [n{i % 50}]\n    ports: ['{10000 + i}:80']\n"
        "    environment:\n      DB_HOST: db\n      MODE: production\n"
        for i in range(6000)
    )
    networks = "".join(
        f"  n{i}:\n    ipam:\n      config:\n        - subnet: 10.{i}.0.0/24\n" for i in range(50)
    )
    # The last service publishes ports on the host network (NR003): found only if the whole file is read.
    last = "  last:\n    image: nginx:1.27\n    network_mode: host\n    ports: ['80:80']\n"
    text = "services:\n" + services + last + "networks:\n" + networks
    assert len(text.encode()) < MAX_BYTES
    report = reviewer.review([SourceFile("big.yaml", text)])
    assert report.errors == []
    assert [(finding.rule, finding.service) for finding in report.findings] == [("NR003", "last")]
