"""The advisor's view for NR001 and NR002: its pick for a placement, and who is to blame."""

from __future__ import annotations

from typing import Any

from service.commands import is_lan_driver
from service.models import Command, Driver
from service.review.checks._common import plain, requirement_text
from service.review.context import Placement, ReviewContext
from service.review.models import Fix


def _family(driver: Driver | str | None) -> str:
    value = getattr(driver, "value", driver)
    return "lan" if is_lan_driver(value) else "local" if value in ("bridge", "overlay") else "other"


def advice(ctx: ReviewContext, placement: Placement) -> tuple[Fix, Driver | None]:
    service = placement.services[0] if placement.services else None
    rec = ctx.recommend(placement.effective, placement.network, addressing=False, service=service)
    if rec.recommendation is not None and _family(rec.recommendation) == _family(placement.driver):
        # The same kind of network: the file's subnet and parent carry over into the commands.
        rec = ctx.recommend(placement.effective, placement.network, service=service)
    if rec.recommendation is None:
        relax = "; ".join(
            f"without {r.requirement}={plain(r.current)} the advisor would pick {r.recommendation.value}"
            for r in rec.relaxations
        )
        description = "No driver meets all of these requirements" + (f": {relax}." if relax else ".")
        return Fix(description=description + " Run `netadvisor recommend` with them for the details."), None
    top = rec.ranking[0]
    commands: list[Command] = []
    compose = None
    if top.commands is not None:
        commands = [*top.commands.prerequisites, *top.commands.network]
        compose = top.commands.compose or None
    where = "the network" if placement.network is not None else "the service"
    description = f"Use {top.driver.value} for {where}, as the advisor recommends for these requirements"
    if commands:
        description += "; create the network with the commands below"
    return Fix(
        description=description + ".", compose=compose, commands=commands, driver=top.driver
    ), top.driver


def blame_text(blamed: list[tuple[str, str, dict[str, Any]]]) -> str:
    return "; ".join(
        f"{rule} ({requirement_text(read)}): {message.strip().rstrip('.')}" for rule, message, read in blamed
    )


def users_text(placement: Placement) -> str:
    if placement.network is None:
        return f" (network_mode: {placement.driver.value})"
    return f" (services: {', '.join(service_names(placement))})"


def service_names(placement: Placement) -> tuple[str, ...]:
    return tuple(sorted(service.name for service in placement.services))
