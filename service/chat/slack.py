"""Slack slash commands: the reply as Block Kit, in Slack's mrkdwn, within Slack's limits.

Limits kept (docs/reference/peers-and-conventions.md 2a): at most 50 blocks, a section's text at most 3000
characters, a header's at most 150, and the blocks' text together well under the ~12-13k characters after
which Slack answers `msg_blocks_too_long`. mrkdwn differs from Markdown: `*bold*`, no headings, no lists,
`&`, `<` and `>` escaped; code fences work (without a language tag).
"""

from __future__ import annotations

import html
import re
from typing import Any

from service.chat.answer import ChatAnswer
from service.chat.layout import Part, Section, fit, parse_markdown
from service.i18n import gettext_for

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
TOTAL_TEXT_BUDGET = 11_000  # Slack refuses somewhere near 12-13k; stay well under
SECTION_CHUNK = 2900  # pack sections to this, leaving room for the fences a split adds
# A one-line command longer than this cannot sit in one section once fenced and escaped: left out.
MAX_CODE_LINE = 2400

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")


def clean_text(text: str) -> str:
    """Slack's slash-command `text` as typed: links unwrapped, `&amp;` `&lt;` `&gt;` unescaped."""
    text = re.sub(r"<(?:[^<>|]*)\|([^<>]*)>", r"\1", text)  # <http://x.example|x.example> -> x.example
    text = re.sub(r"<((?:https?|mailto):[^<>]*)>", r"\1", text)
    return html.unescape(text)


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn_line(line: str) -> str:
    """One Markdown text line as Slack mrkdwn."""
    text = escape(line)
    text = _BOLD.sub(r"*\1*", text)
    text = _LINK.sub(r"<\2|\1>", text)
    if text.startswith("- "):
        text = "\u2022 " + text[2:]
    return text


def _code(body: str) -> str:
    return f"```\n{escape(body)}\n```"


def _pieces(part: Part) -> list[str]:
    """A part as mrkdwn, split so that no piece exceeds SECTION_CHUNK (long code splits at lines)."""
    if isinstance(part, str):
        text = mrkdwn_line(part)
        return [text if len(text) <= SECTION_CHUNK else text[: SECTION_CHUNK - 1] + "\u2026"]
    whole = _code(part.body)
    if len(whole) <= SECTION_CHUNK:
        return [whole]
    pieces: list[str] = []
    lines: list[str] = []
    for line in part.body.splitlines():
        if lines and len(_code("\n".join([*lines, line]))) > SECTION_CHUNK:
            pieces.append(_code("\n".join(lines)))
            lines = []
        lines.append(line[: SECTION_CHUNK - 20])
    if lines:
        pieces.append(_code("\n".join(lines)))
    return pieces


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def blocks_for(sections: list[Section]) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    for section in sections:
        pieces: list[str] = []
        if section.level == 1 and section.title:
            title = section.title if len(section.title) <= MAX_HEADER_TEXT else section.title[:149] + "\u2026"
            blocks.append({"type": "header", "text": {"type": "plain_text", "text": title}})
        elif section.title:
            pieces.append(f"*{escape(section.title)}*")
        for part in section.parts:
            pieces.extend(_pieces(part))
        if section.title is None and not section.note and pieces and pieces[0].startswith("catalogue "):
            blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": pieces[0]}]})
            continue
        chunk = ""
        for piece in pieces:
            if chunk and len(chunk) + 1 + len(piece) > SECTION_CHUNK:
                blocks.append(_section(chunk))
                chunk = ""
            chunk = f"{chunk}\n{piece}" if chunk else piece
        if chunk:
            blocks.append(_section(chunk))
    return blocks


def block_text_size(blocks: list[dict[str, Any]]) -> int:
    total = 0
    for block in blocks:
        if "text" in block:
            total += len(block["text"]["text"])
        for element in block.get("elements", ()):
            total += len(element.get("text", ""))
    return total


def _fits(sections: list[Section]) -> bool:
    blocks = blocks_for(sections)
    return len(blocks) <= MAX_BLOCKS and block_text_size(blocks) <= TOTAL_TEXT_BUDGET


def reply(answer: ChatAnswer) -> dict[str, Any]:
    """The JSON body Slack posts: ephemeral unless the asker added `share`."""
    _ = gettext_for(answer.language)
    sections = fit(
        parse_markdown(answer.markdown, _), _fits, platform="Slack", max_code_line=MAX_CODE_LINE, gettext=_
    )
    blocks = blocks_for(sections)[:MAX_BLOCKS]
    return {
        "response_type": "in_channel" if answer.share else "ephemeral",
        "text": escape(answer.headline[:300]),
        "blocks": blocks,
    }
