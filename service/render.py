"""Human renderings of a recommendation: Markdown (HTTP, chat, PR comments) and plain text (CLI).

One renderer for every surface, so the CLI, the API's `text/markdown` answer and the chat replies say the
same thing. `style="text"` drops Markdown syntax for terminals but keeps the same content and order.
"""

from __future__ import annotations

import unicodedata
from typing import Literal

from service.i18n import N_, Gettext, english
from service.models import Command, Commands, DriverResult, Recommendation

Style = Literal["markdown", "text"]

# Section titles other renderers (chat) look for when they must shorten an answer.
# They are msgids: a renderer in another language shows, and looks for, gettext(TITLE).
COMPOSE_TITLE = N_("Compose")
ASSUMPTIONS_TITLE = N_("Assumptions in the commands")


def headline(rec: Recommendation, gettext: Gettext = english) -> str:
    """The answer in one line: the rendering's title, and chat's notification text."""
    if rec.recommendation is None:
        return gettext("No driver meets all of these requirements")
    top = rec.ranking[0]
    return gettext("Use {driver} (score {score}/100)").format(driver=top.driver.value, score=top.score)


def render_recommendation(
    rec: Recommendation, style: Style = "markdown", *, commands: bool = True, gettext: Gettext = english
) -> str:
    """The answer as Markdown or text; `gettext` gives its headings' language (the answer's texts come
    from the engine, already in the language of the catalogue it ran with)."""
    md = style == "markdown"
    _ = gettext
    out: list[str] = []
    top = rec.ranking[0] if rec.recommendation is not None else None
    out.append(_heading(headline(rec, gettext), 1, md))
    if top is not None:
        out.append(top.summary)
        out.extend(_top_details(top, md, commands, _))
    else:
        out.extend(_conflicts(rec, md, _))
        out.extend(_compromise(rec, md, commands, _))
    out.append(_heading(_("All drivers"), 2, md))
    for result in rec.ranking:
        line = (
            _("- {driver} (rank {rank}, score {score}): {summary}")
            if result.viable
            else _("- {driver} (rank {rank}, excluded): {summary}")
        )
        out.append(
            line.format(
                driver=_code(result.driver.value, md),
                rank=result.rank,
                score=result.score,
                summary=result.summary,
            )
        )
    if rec.assumptions:
        out.append(_heading(_(ASSUMPTIONS_TITLE), 2, md))
        for item in rec.assumptions:
            out.append(f"- {_code(item.field, md)} = {_code(item.value, md)}: {item.note}")
    out.append("")
    out.append(_("catalogue {version}").format(version=rec.catalogue_version))
    return "\n".join(out).rstrip() + "\n"


def _compromise(rec: Recommendation, md: bool, commands: bool, _: Gettext) -> list[str]:
    compromise = rec.compromise
    if compromise is None:
        return []
    out = [_heading(_("Compromise: {driver}").format(driver=compromise.driver.value), 2, md)]
    out.append(
        _(
            "Nothing meets every requirement; {driver} is the one to use anyway "
            "(make-up cost {cost}). It gives up:"
        ).format(driver=_code(compromise.driver.value, md), cost=compromise.cost)
    )
    for given in compromise.gives_up:
        wanted = ", ".join(f"{name}={_value(value)}" for name, value in given.requirements.items())
        out.append(f"- {given.rule} ({wanted}): {given.message}")
        out.append(_("  Make up for it: {make_up}").format(make_up=given.make_up))
    if commands:
        out.extend(_command_sections(compromise.commands, md, _))
    return out


def _command_sections(commands: Commands, md: bool, _: Gettext) -> list[str]:
    out: list[str] = []
    sections: list[tuple[str, list[Command]]] = [
        (N_("Prerequisites"), commands.prerequisites),
        (N_("Network"), commands.network),
        (N_("Run"), commands.run),
        (N_("Swarm service"), commands.service),
    ]
    for title, items in sections:
        if items:
            out.append(_heading(_(title), 2, md))
            if items is commands.service and commands.alternatives:
                out.append(commands.alternatives)
            out.extend(_commands(items, md))
    if commands.compose:
        out.append(_heading(_(COMPOSE_TITLE), 2, md))
        out.append(_block(commands.compose.rstrip("\n"), "yaml", md))
    return out


def _top_details(top: DriverResult, md: bool, commands: bool, _: Gettext) -> list[str]:
    out: list[str] = []
    if top.reasons:
        out.append(_heading(_("Why"), 2, md))
        out.extend(f"- {reason.rule} ({reason.effect}): {reason.message}" for reason in top.reasons)
    if top.warnings:
        out.append(_heading(_("Warnings"), 2, md))
        out.extend(f"- {warning.rule}: {warning.message}" for warning in top.warnings)
    if commands and top.commands is not None:
        out.extend(_command_sections(top.commands, md, _))
    return out


def _conflicts(rec: Recommendation, md: bool, _: Gettext) -> list[str]:
    out: list[str] = []
    for conflict in rec.conflicts:
        for exclusion in conflict.excluded_by:
            wanted = ", ".join(f"{name}={_value(value)}" for name, value in exclusion.requirements.items())
            out.append(
                f"- {_code(conflict.driver.value, md)}: {exclusion.rule} ({wanted}): {exclusion.message}"
            )
            if exclusion.instead:
                out.append(_("  Instead: {instead}").format(instead=exclusion.instead))
    if rec.relaxations:
        out.append(_heading(_("What would make it work"), 2, md))
        for relax in rec.relaxations:
            out.append(
                _("- Drop {requirement} (back to {relaxed}): then {driver} is recommended.").format(
                    requirement=_code(f"{relax.requirement}={_value(relax.current)}", md),
                    relaxed=_value(relax.relaxed),
                    driver=_code(relax.recommendation.value, md),
                )
            )
    return out


def _commands(items: list[Command], md: bool) -> list[str]:
    out = []
    for item in items:
        out.append(item.description)
        out.append(_block(item.command, "sh", md))
    return out


def _heading(text: str, level: int, md: bool) -> str:
    if md:
        return f"\n{'#' * level} {text}\n"
    underline = "=" if level == 1 else "-"
    return f"\n{text}\n{underline * _width(text)}"


def _width(text: str) -> int:
    """Terminal columns: CJK characters and full-width punctuation take two, so underlines fit them."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _code(text: str, md: bool) -> str:
    return f"`{text}`" if md else text


def _block(text: str, language: str, md: bool) -> str:
    if md:
        return f"```{language}\n{text}\n```"
    return "\n".join(f"    {line}" for line in text.splitlines())


def _value(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)
