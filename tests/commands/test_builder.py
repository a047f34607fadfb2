"""The command builder's own choices, where no rule case reaches them."""

from __future__ import annotations

import pytest

from service.commands import AssumptionLog, build_commands
from service.models import Driver, RecommendationRequest


@pytest.mark.parametrize("driver", [Driver.none, Driver.host, Driver.overlay, Driver.macvlan])
def test_a_swarm_answer_has_a_service_command_only_where_swarm_can_run_one(driver: Driver) -> None:
    """`none` "is not available for Swarm services" (NA006): asked for it anyway, the builder gives no
    `docker service create` rather than one on a LAN network that does not exist."""
    request = RecommendationRequest.model_validate({"requirements": {"swarm": True, "hosts": 3}})
    commands = build_commands(driver, request, AssumptionLog(), [])
    services = [" ".join(step["argv"]) for step in commands["service"]]
    if driver is Driver.none:
        assert services == []
    else:
        assert len(services) == 1 and services[0].startswith("docker service create")
