"""`help`: the whole grammar as chat or terminal text, generated from the token tables and the models."""

from __future__ import annotations

from dataclasses import dataclass

from service.models import Deployment, Requirements
from service.query.tokens import BARE_VALUES, KEY_ALIASES, TARGETS, Target, norm


@dataclass(frozen=True, slots=True)
class _Style:
    """Markdown (chat) or plain text (a terminal): how a token, a heading and a description look."""

    markdown: bool

    def code(self, text: str) -> str:
        return f"`{text}`" if self.markdown else text

    def bold(self, text: str) -> str:
        return f"**{text}**" if self.markdown else text

    def describe(self, target: Target) -> str:
        info = (Requirements if target.section == "requirements" else Deployment).model_fields[target.name]
        text = info.description or ""
        return text if self.markdown else text.replace("`", "")


def _aliases(target: Target) -> str:
    names = [norm(word) for word in KEY_ALIASES.get(target.name, ()) if norm(word) != target.display]
    return f" (also {', '.join(names[:3])})" if names else ""


def _switches(style: _Style) -> list[str]:
    """The yes/no requirements: bare flags, or `no-FLAG` for those that are on by default."""
    out = [style.bold("Switches") + f" ({style.code('no-')} turns one off; aliases work with it too):"]
    for target in TARGETS.values():
        if target.kind != "bool":
            continue
        if Requirements.model_fields[target.name].default is True:
            out.append(
                f"- {style.code('no-' + target.display)}: {style.describe(target)} (on unless you say this)"
            )
        else:
            out.append(f"- {style.code(target.display)}{_aliases(target)}: {style.describe(target)}")
    return out


def _choices(target: Target) -> str:
    if target.enum is None:
        return ""
    return " One of " + ", ".join(str(member.value) for member in target.enum) + "."


def _settings(style: _Style) -> list[str]:
    """The other requirements (`key=value`), then the bare words that set an enum."""
    out = [style.bold("Settings") + f" ({style.code('key=value')} or {style.code('key:value')}):"]
    for target in TARGETS.values():
        if target.section == "requirements" and target.kind != "bool":
            text = f"{style.describe(target)}{_choices(target)}"
            out.append(f"- {style.code(target.example)}{_aliases(target)}: {text}")
    shortcuts = ", ".join(word for word in BARE_VALUES if word.isascii())  # Chinese: service.chat.zh
    out.append(f"Shortcuts: {style.code(shortcuts)}.")
    return out


def _deployment(style: _Style) -> list[str]:
    out = [style.bold("Values for the commands") + " (optional; defaults are listed under Assumptions):"]
    for target in TARGETS.values():
        if target.section == "deployment":
            out.append(f"- {style.code(target.example)}{_aliases(target)}: {style.describe(target)}")
    return out


def help_text(invocation: str = "/netadvisor", *, markdown: bool = True, can_share: bool = True) -> str:
    """The whole grammar, generated from the token tables and the models' field descriptions."""
    style = _Style(markdown)
    example = f"{invocation} cross-host swarm encrypted hosts=3 ports=80,443"
    out = [
        f"{style.bold('netadvisor')} says which Docker network driver to use, why, and the commands.",
        f"Example: {style.code(example)}",
        "",
        *_switches(style),
        "",
        *_settings(style),
        "",
        *_deployment(style),
    ]
    if can_share:
        out += [
            "",
            f"Add {style.code('share')} to post the answer in the channel; by default only you see it.",
        ]
    return "\n".join(out) + "\n"
