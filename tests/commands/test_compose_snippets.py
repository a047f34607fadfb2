"""Every Compose snippet the advisor generates is valid Compose and says what the CLI commands say."""

from __future__ import annotations

import itertools
from typing import Any

import jsonschema
import pytest
import yaml

from service.advisor import Advisor
from service.models import Driver
from tests.conftest import ask

REQUIREMENT_SETS: list[dict[str, Any]] = [
    {},
    {"ports": ["80", "53/udp", "8000-8010"]},
    {"cross_host": True, "hosts": 3},
    {"swarm": True, "hosts": 3, "encryption": True, "ports": ["443"]},
    {"own_ip": True},
    {"own_mac": True, "host_access": True, "vlan": 12},
    {"own_ip": True, "swarm": True, "hosts": 4},
    {"network_access": "internal"},
    {"network_access": "internal", "ports": ["80"]},
    {"network_access": "none"},
    {"ipv6": True, "ports": ["80"]},
    {"multicast": True, "host_isolation": "not_needed"},
    {"performance": "high", "host_isolation": "not_needed", "swarm": True},
    {"platform": "windows"},
    {"ports": ["30000-32767"], "host_isolation": "not_needed"},
]
DEPLOYMENTS: list[dict[str, Any]] = [
    {},
    {"mtu": 1400, "subnet": "10.30.0.0/24", "gateway": "10.30.0.1", "ipv6_subnet": "fd00:1::/64"},
]


def _cases() -> list[Any]:
    return [
        pytest.param(req, dep, id=f"req{i}-dep{j}")
        for (i, req), (j, dep) in itertools.product(enumerate(REQUIREMENT_SETS), enumerate(DEPLOYMENTS))
    ]


@pytest.mark.parametrize(("requirements", "deployment"), _cases())
def test_every_viable_driver_gives_valid_compose(
    advisor: Advisor,
    compose_validator: jsonschema.protocols.Validator,
    requirements: dict[str, Any],
    deployment: dict[str, Any],
) -> None:
    rec = ask(advisor, requirements, **deployment)
    for result in rec.ranking:
        if not result.viable:
            continue
        assert result.commands is not None
        document = yaml.safe_load(result.commands.compose)
        errors = sorted(compose_validator.iter_errors(document), key=str)
        assert not errors, f"{result.driver.value}: {errors[0].message} in\n{result.commands.compose}"
        service = next(iter(document["services"].values()))
        if result.driver is Driver.host and not requirements.get("swarm"):
            assert service["network_mode"] == "host"
            assert "ports" not in service, "Compose rejects ports with network_mode: host"
        if result.driver is Driver.none:
            assert service["network_mode"] == "none"
            assert "networks" not in service
        network_args = [c.argv for c in result.commands.network]
        if network_args and "--config-only" not in network_args[0]:
            name = network_args[-1][-1]
            assert name in document["networks"], "the snippet uses the network the CLI commands create"


@pytest.mark.parametrize(("requirements", "deployment"), _cases())
def test_commands_render_exactly_as_their_argv(
    advisor: Advisor, requirements: dict[str, Any], deployment: dict[str, Any]
) -> None:
    import shlex

    rec = ask(advisor, requirements, **deployment)
    for result in rec.ranking:
        if result.commands is None:
            continue
        for command in [
            *result.commands.prerequisites,
            *result.commands.network,
            *result.commands.run,
            *result.commands.service,
        ]:
            assert shlex.split(command.command) == command.argv
            assert "None" not in command.argv, "an unset option leaked into a command"


def test_static_addresses_match_between_run_and_compose(advisor: Advisor) -> None:
    rec = ask(advisor, {"own_mac": True}, subnet="10.9.0.0/24", gateway="10.9.0.1", ip_range="10.9.0.128/28")
    top = rec.ranking[0]
    assert top.driver is Driver.macvlan and top.commands is not None
    run = top.commands.run[0].argv
    attachment = next(iter(yaml.safe_load(top.commands.compose)["services"]["app"]["networks"].values()))
    assert attachment["ipv4_address"] == run[run.index("--ip") + 1] == "10.9.0.128"
    assert attachment["mac_address"] == run[run.index("--mac-address") + 1]
