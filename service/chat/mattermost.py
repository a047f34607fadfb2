"""Mattermost slash commands: the Markdown reply, with an explicit `response_type`, under 16,383 characters.

Mattermost renders the same Markdown as the API's `text/markdown` answer (headings, lists, fenced code), so
the reply is the one rendering, re-emitted unchanged unless it is too long for a post.
"""

from __future__ import annotations

from typing import Any

from service.chat.answer import ChatAnswer
from service.chat.layout import Code, Section, fit, parse_markdown
from service.i18n import gettext_for

MAX_POST_CHARS = 16_383  # Mattermost's limit on a post's message
TEXT_BUDGET = 16_000


def markdown_for(sections: list[Section]) -> str:
    out: list[str] = []
    for section in sections:
        if section.title:
            out += ["", f"{'#' * max(section.level, 1)} {section.title}", ""]
        elif section.level == 0 and out:
            out.append("")
        for part in section.parts:
            out.append(f"```{part.language}\n{part.body}\n```" if isinstance(part, Code) else part)
    return "\n".join(out).strip() + "\n"


def reply(answer: ChatAnswer) -> dict[str, Any]:
    _ = gettext_for(answer.language)
    sections = fit(
        parse_markdown(answer.markdown, _),
        lambda candidate: len(markdown_for(candidate)) <= TEXT_BUDGET,
        platform="Mattermost",
        gettext=_,
    )
    text = markdown_for(sections)
    if len(text) > MAX_POST_CHARS:  # unreachable with the budget above; a hard stop all the same
        text = text[: MAX_POST_CHARS - 2] + "\u2026\n"
    return {
        # Mattermost assumes no default (its FAQ), so say it every time.
        "response_type": "in_channel" if answer.share else "ephemeral",
        "text": text,
        # The text is Markdown, not Slack's format: do not let Mattermost translate `<...>` in it.
        "skip_slack_parsing": True,
    }
