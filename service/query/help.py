"""`help`: the whole grammar as chat or terminal text, generated from the token tables and the models."""

from __future__ import annotations

from dataclasses import dataclass

from service.i18n import Gettext, english
from service.models import Deployment, Requirements
from service.query.tokens import BARE_VALUES, KEY_ALIASES, TARGETS, Target, norm


@dataclass(frozen=True, slots=True)
class _Style:
    """Markdown (chat) or plain text (a terminal): how a token, a heading and a description look."""

    markdown: bool
    _: Gettext = english  # the help's language; the field descriptions are msgids too

    def code(self, text: str) -> str:
        return f"`{text}`" if self.markdown else text

    def bold(self, text: str) -> str:
        return f"**{text}**" if self.markdown else text

    def describe(self, target: Target) -> str:
        info = (Requirements if target.section == "requirements" else Deployment).model_fields[target.name]
        text = self._(info.description) if info.description else ""
        return text if self.markdown else text.replace("`", "")


def help_fields() -> list[str]:
    """The model field descriptions the help shows (the extractor's list: they are translated here)."""
    return [
        description
        for target in TARGETS.values()
        if (description := _model(target).model_fields[target.name].description)
    ]


def _model(target: Target) -> type[Requirements] | type[Deployment]:
    return Requirements if target.section == "requirements" else Deployment


def _aliases(target: Target, _: Gettext) -> str:
    names = [norm(word) for word in KEY_ALIASES.get(target.name, ()) if norm(word) != target.display]
    return _(" (also {aliases})").format(aliases=", ".join(names[:3])) if names else ""


def _switches(style: _Style) -> list[str]:
    """The yes/no requirements: bare flags, or `no-FLAG` for those that are on by default."""
    _ = style._
    out = [_("{switches} ({no} turns one off; aliases work with it too):").format(
        switches=style.bold(_("Switches")), no=style.code("no-")
    )]  # fmt: skip
    for target in TARGETS.values():
        if target.kind != "bool":
            continue
        if Requirements.model_fields[target.name].default is True:
            line = _("- {flag}: {description} (on unless you say this)")
            out.append(
                line.format(flag=style.code("no-" + target.display), description=style.describe(target))
            )
        else:
            flag = style.code(target.display) + _aliases(target, _)
            out.append(f"- {flag}: {style.describe(target)}")
    return out


def _choices(target: Target, _: Gettext) -> str:
    if target.enum is None:
        return ""
    return _(" One of {values}.").format(values=", ".join(str(member.value) for member in target.enum))


def _settings(style: _Style) -> list[str]:
    """The other requirements (`key=value`), then the bare words that set an enum."""
    _ = style._
    out = [_("{settings} ({pair} or {colon}):").format(
        settings=style.bold(_("Settings")), pair=style.code("key=value"), colon=style.code("key:value")
    )]  # fmt: skip
    for target in TARGETS.values():
        if target.section == "requirements" and target.kind != "bool":
            text = f"{style.describe(target)}{_choices(target, _)}"
            out.append(f"- {style.code(target.example)}{_aliases(target, _)}: {text}")
    shortcuts = ", ".join(word for word in BARE_VALUES if word.isascii())  # Chinese: service.chat.zh
    out.append(_("Shortcuts: {shortcuts}.").format(shortcuts=style.code(shortcuts)))
    return out


def _deployment(style: _Style) -> list[str]:
    _ = style._
    out = [
        _("{values} (optional; defaults are listed under Assumptions):").format(
            values=style.bold(_("Values for the commands"))
        )
    ]
    for target in TARGETS.values():
        if target.section == "deployment":
            out.append(f"- {style.code(target.example)}{_aliases(target, _)}: {style.describe(target)}")
    return out


def help_text(
    invocation: str = "/netadvisor",
    *,
    markdown: bool = True,
    can_share: bool = True,
    gettext: Gettext = english,
) -> str:
    """The whole grammar, generated from the token tables and the models' field descriptions."""
    style = _Style(markdown, gettext)
    _ = gettext
    example = f"{invocation} cross-host swarm encrypted hosts=3 ports=80,443"
    out = [
        _("{netadvisor} says which Docker network driver to use, why, and the commands.").format(
            netadvisor=style.bold("netadvisor")
        ),
        _("Example: {example}").format(example=style.code(example)),
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
            _("Add {share} to post the answer in the channel; by default only you see it.").format(
                share=style.code("share")
            ),
        ]
    return "\n".join(out) + "\n"
