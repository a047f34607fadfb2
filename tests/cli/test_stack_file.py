"""docker-stack.yml: valid against the Compose spec, and saying what a rolling Swarm deployment needs."""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any

import pytest
import yaml

from service.settings import Settings
from tests.cli.test_serve import free_port, running
from tests.paths import REPO_ROOT

STACK = REPO_ROOT / "docker-stack.yml"


@pytest.fixture(scope="module")
def stack() -> dict[str, Any]:
    document = yaml.safe_load(STACK.read_text())
    assert isinstance(document, dict)
    return document


@pytest.fixture(scope="module")
def api(stack: dict[str, Any]) -> dict[str, Any]:
    service: dict[str, Any] = stack["services"]["api"]
    return service


def seconds(duration: str) -> float:
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", duration)
    assert parts and "".join(n + u for n, u in parts) == duration, duration
    return sum(float(number) * units[unit] for number, unit in parts)


def test_the_stack_file_validates_against_the_compose_spec(
    stack: dict[str, Any], compose_validator: Any
) -> None:
    compose_validator.validate(stack)


def test_three_replicas_of_the_service_image(api: dict[str, Any]) -> None:
    assert api["image"] == "netadvisor:latest"
    assert api["deploy"]["mode"] == "replicated"
    assert api["deploy"]["replicas"] == 3


def test_updates_roll_one_at_a_time_starting_the_new_task_first_and_roll_back(api: dict[str, Any]) -> None:
    update = api["deploy"]["update_config"]
    assert update["parallelism"] == 1
    assert update["order"] == "start-first"
    assert update["failure_action"] == "rollback"
    assert seconds(update["monitor"]) >= 3 * seconds(api["healthcheck"]["interval"])
    assert api["deploy"]["rollback_config"]["order"] == "start-first"


def test_tasks_are_restarted_and_bounded(api: dict[str, Any]) -> None:
    assert api["deploy"]["restart_policy"]["condition"] == "any"
    limits = api["deploy"]["resources"]["limits"]
    assert float(limits["cpus"]) > 0 and re.fullmatch(r"\d+M", limits["memory"])
    reservations = api["deploy"]["resources"]["reservations"]
    assert int(reservations["memory"][:-1]) <= int(limits["memory"][:-1])


def test_port_8000_is_published_through_the_routing_mesh(api: dict[str, Any]) -> None:
    assert api["ports"] == [{"target": 8000, "published": 8000, "protocol": "tcp", "mode": "ingress"}]
    assert api["environment"]["NETADVISOR_PORT"] == "8000"
    assert api["environment"]["NETADVISOR_HOST"] == "0.0.0.0"  # inside the container


def test_every_environment_variable_is_a_setting(api: dict[str, Any]) -> None:
    fields = {f"NETADVISOR_{name.upper()}" for name in Settings.model_fields}
    assert set(api["environment"]) <= fields
    assert "NETADVISOR_API_KEYS" not in api["environment"], "keys do not belong in the stack file"
    Settings.model_validate(
        {key.removeprefix("NETADVISOR_").lower(): v for key, v in api["environment"].items()}
    )


def test_the_stop_grace_period_outlasts_the_graceful_shutdown(api: dict[str, Any]) -> None:
    assert seconds(api["stop_grace_period"]) > 10  # `netadvisor serve` allows requests 10 s to finish


def healthcheck_command(api: dict[str, Any], port: int) -> list[str]:
    test = api["healthcheck"]["test"]
    assert test[0] == "CMD" and test[1] == "python"
    assert "/healthz" in test[-1]
    return [sys.executable, *test[2:-1], test[-1].replace(":8000/", f":{port}/")]


@pytest.mark.slow
def test_the_healthcheck_passes_against_a_live_server_and_fails_without_one(api: dict[str, Any]) -> None:
    nothing = free_port()
    refused = subprocess.run(healthcheck_command(api, nothing), check=False, capture_output=True, timeout=30)
    assert refused.returncode != 0
    with running() as server:
        result = subprocess.run(
            healthcheck_command(api, server.port), check=False, capture_output=True, timeout=30
        )
        assert result.returncode == 0, result.stderr
