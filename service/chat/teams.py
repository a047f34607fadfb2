"""Microsoft Teams outgoing webhooks: the @mention stripped off the question, a Markdown text message back.

Why a text message and not an Adaptive Card: the answer's point is copy-pasteable commands. Teams renders
fenced code ("preformatted text") in text-only messages on every client, while an Adaptive Card's
TextBlock Markdown has no code blocks and its CodeBlock element needs card version 1.5 (we would send 1.4)
and renders wrongly in the new Teams client (microsoft/AdaptiveCards#8927). A text message also reuses the
one Markdown rendering with two changes Teams needs: headings become bold lines (text messages have no
headings), and lines are separated by blank lines (Teams folds single newlines into one paragraph).
The whole payload stays under Teams' bot message limit of 40 KB measured in UTF-16.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from service.chat.answer import ChatAnswer
from service.chat.layout import Code, Section, fit, parse_markdown
from service.i18n import gettext_for

MAX_PAYLOAD_UTF16_BYTES = 40 * 1024
PAYLOAD_BUDGET = 36_000

_MENTION = re.compile(r"<at\b[^>]*>(.*?)</at>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def mentioned_name(text: str) -> str | None:
    match = _MENTION.search(text)
    return html.unescape(match[1]).strip() if match else None


def clean_text(text: str) -> str:
    """The question without `<at>Bot</at>` mentions, HTML tags, entities and non-breaking spaces."""
    text = _MENTION.sub(" ", text)
    text = re.sub(r"<br\s*/?>|</p>|</div>", " ", text, flags=re.IGNORECASE)
    text = _TAG.sub("", text)
    text = html.unescape(text)
    return text.replace("\u00a0", " ").strip()


def text_for(sections: list[Section]) -> str:
    paragraphs: list[str] = []
    for section in sections:
        if section.title:
            paragraphs.append(f"**{section.title}**")
        for part in section.parts:
            if isinstance(part, Code):
                paragraphs.append(f"```\n{part.body}\n```")
            else:  # Teams reads HTML in messages: `<parent>` in a sentence must not vanish as a tag
                paragraphs.append(part.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
    return "\n\n".join(paragraphs) + "\n"


def payload_for(text: str) -> dict[str, Any]:
    return {"type": "message", "textFormat": "markdown", "text": text}


def utf16_size(payload: dict[str, Any]) -> int:
    return len(json.dumps(payload, ensure_ascii=False).encode("utf-16-le"))


def reply(answer: ChatAnswer) -> dict[str, Any]:
    _ = gettext_for(answer.language)
    sections = fit(
        parse_markdown(answer.markdown, _),
        lambda candidate: utf16_size(payload_for(text_for(candidate))) <= PAYLOAD_BUDGET,
        platform="Teams",
        gettext=_,
    )
    return payload_for(text_for(sections))
