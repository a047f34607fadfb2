"""The advisor's view for NR001 and NR002: its pick for a placement, and who is to blame."""

from __future__ import annotations

from typing import Any

from service.commands import is_lan_driver
from service.i18n import Gettext, english
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
    _ = ctx._
    if rec.recommendation is None:
        relax = _("; ").join(
            _("without {requirement} the advisor would pick {driver}").format(
                requirement=f"{r.requirement}={plain(r.current)}", driver=r.recommendation.value
            )
            for r in rec.relaxations
        )
        description = (
            _("No driver meets all of these requirements: {relaxations}.").format(relaxations=relax)
            if relax
            else _("No driver meets all of these requirements.")
        )
        return Fix(
            description=description + _(" Run `netadvisor recommend` with them for the details.")
        ), None
    top = rec.ranking[0]
    commands: list[Command] = []
    compose = None
    if top.commands is not None:
        commands = [*top.commands.prerequisites, *top.commands.network]
        compose = top.commands.compose or None
    if placement.network is not None:
        description = _("Use {driver} for the network, as the advisor recommends for these requirements")
    else:
        description = _("Use {driver} for the service, as the advisor recommends for these requirements")
    description = description.format(driver=top.driver.value)
    if commands:
        description += _("; create the network with the commands below")
    return Fix(
        description=description + _("."), compose=compose, commands=commands, driver=top.driver
    ), top.driver


def blame_text(blamed: list[tuple[str, str, dict[str, Any]]], _: Gettext = english) -> str:
    # The advisor's messages end with a full stop (。 in Chinese); the finding adds its own after the list.
    return _("; ").join(
        f"{rule} ({requirement_text(read)}): {message.strip().rstrip('.。')}"
        for rule, message, read in blamed
    )


def users_text(placement: Placement, _: Gettext = english) -> str:
    if placement.network is None:
        return f" (network_mode: {placement.driver.value})"
    return _(" (services: {services})").format(services=", ".join(service_names(placement)))


def service_names(placement: Placement) -> tuple[str, ...]:
    return tuple(sorted(service.name for service in placement.services))
