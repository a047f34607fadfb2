"""Human renderings of a recommendation: Markdown (HTTP, chat, PR comments) and plain text (CLI).

One renderer for every surface, so the CLI, the API's `text/markdown` answer and the chat replies say the
same thing. `style="text"` drops Markdown syntax for terminals but keeps the same content and order.
"""

from __future__ import annotations

from typing import Literal

from service.models import Command, Commands, DriverResult, Recommendation

Style = Literal["markdown", "text"]

# Section titles other renderers (chat) look for when they must shorten an answer.
COMPOSE_TITLE = "Compose"
ASSUMPTIONS_TITLE = "Assumptions in the commands"


def render_recommendation(rec: Recommendation, style: Style = "markdown", *, commands: bool = True) -> str:
    md = style == "markdown"
    out: list[str] = []
    top = rec.ranking[0] if rec.recommendation is not None else None
    if top is not None:
        out.append(_heading(f"Use {top.driver.value} (score {top.score}/100)", 1, md))
        out.append(top.summary)
        out.extend(_top_details(top, md, commands))
    else:
        out.append(_heading("No driver meets all of these requirements", 1, md))
        out.extend(_conflicts(rec, md))
        out.extend(_compromise(rec, md, commands))
    out.append(_heading("All drivers", 2, md))
    for result in rec.ranking:
        verdict = f"score {result.score}" if result.viable else "excluded"
        out.append(f"- {_code(result.driver.value, md)} (rank {result.rank}, {verdict}): {result.summary}")
    if rec.assumptions:
        out.append(_heading(ASSUMPTIONS_TITLE, 2, md))
        for item in rec.assumptions:
            out.append(f"- {_code(item.field, md)} = {_code(item.value, md)}: {item.note}")
    out.append("")
    out.append(f"catalogue {rec.catalogue_version}")
    return "\n".join(out).rstrip() + "\n"


def _compromise(rec: Recommendation, md: bool, commands: bool) -> list[str]:
    compromise = rec.compromise
    if compromise is None:
        return []
    out = [_heading(f"Compromise: {compromise.driver.value}", 2, md)]
    out.append(
        f"Nothing meets every requirement; {_code(compromise.driver.value, md)} is the one to use anyway "
        f"(make-up cost {compromise.cost}). It gives up:"
    )
    for given in compromise.gives_up:
        wanted = ", ".join(f"{name}={_value(value)}" for name, value in given.requirements.items())
        out.append(f"- {given.rule} ({wanted}): {given.message}")
        out.append(f"  Make up for it: {given.make_up}")
    if commands:
        out.extend(_command_sections(compromise.commands, md))
    return out


def _command_sections(commands: Commands, md: bool) -> list[str]:
    out: list[str] = []
    sections: list[tuple[str, list[Command]]] = [
        ("Prerequisites", commands.prerequisites),
        ("Network", commands.network),
        ("Run", commands.run),
        ("Swarm service", commands.service),
    ]
    for title, items in sections:
        if items:
            out.append(_heading(title, 2, md))
            if items is commands.service and commands.alternatives:
                out.append(commands.alternatives)
            out.extend(_commands(items, md))
    if commands.compose:
        out.append(_heading(COMPOSE_TITLE, 2, md))
        out.append(_block(commands.compose.rstrip("\n"), "yaml", md))
    return out


def _top_details(top: DriverResult, md: bool, commands: bool) -> list[str]:
    out: list[str] = []
    if top.reasons:
        out.append(_heading("Why", 2, md))
        out.extend(f"- {reason.rule} ({reason.effect}): {reason.message}" for reason in top.reasons)
    if top.warnings:
        out.append(_heading("Warnings", 2, md))
        out.extend(f"- {warning.rule}: {warning.message}" for warning in top.warnings)
    if commands and top.commands is not None:
        out.extend(_command_sections(top.commands, md))
    return out


def _conflicts(rec: Recommendation, md: bool) -> list[str]:
    out: list[str] = []
    for conflict in rec.conflicts:
        for exclusion in conflict.excluded_by:
            wanted = ", ".join(f"{name}={_value(value)}" for name, value in exclusion.requirements.items())
            out.append(
                f"- {_code(conflict.driver.value, md)}: {exclusion.rule} ({wanted}): {exclusion.message}"
            )
            if exclusion.instead:
                out.append(f"  Instead: {exclusion.instead}")
    if rec.relaxations:
        out.append(_heading("What would make it work", 2, md))
        for relax in rec.relaxations:
            out.append(
                f"- Drop {_code(f'{relax.requirement}={_value(relax.current)}', md)} "
                f"(back to {_value(relax.relaxed)}): "
                f"then {_code(relax.recommendation.value, md)} is recommended."
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
    return f"\n{text}\n{underline * len(text)}"


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
