"""DingTalk robots: the callback's message in, a Markdown message back in the HTTP response.

DingTalk's robot docs describe the callback ("outgoing") flow as: someone @mentions the robot, DingTalk
POSTs the message to the configured address, the developer
"组装响应的消息内容返回，钉钉会将响应内容发送到群里" (assembles the reply and returns it; DingTalk posts
it in the chat), so the answer goes in the response
body, as `{"msgtype": "markdown", "markdown": {"title", "text"}}`. The payload's `sessionWebhook` would also
take it, but answering in the response needs no second request and no expiring URL.

Limits kept: DingTalk refuses bodies over 20,000 bytes ("body 大小不合法;请保持大小在 20000bytes 以内",
reported in timonwong/prometheus-webhook-dingtalk#222 and ZhuLinsen/daily_stock_analysis#61), and
Markdown stops rendering well before that (agentscope-ai/QwenPaw#3742: replies over 3,500 characters are
sent as plain text there for that reason), so the text stays within 3,500 characters and the body is
measured in bytes as well. DingTalk's Markdown is a subset (headings, quotes, bold, links, lists; its docs do
not list code blocks: eryajf/chatgpt-dingtalk#78); fenced code still renders on the desktop client and copies
cleanly on mobile (eryajf/chatgpt-dingtalk#209), which is what a command needs.
"""

from __future__ import annotations

import json
import re
from typing import Any

from service.chat.answer import ChatAnswer
from service.chat.layout import fit, parse_markdown
from service.chat.mattermost import markdown_for
from service.i18n import gettext_for

MAX_BODY_BYTES = 20_000
MAX_MARKDOWN_CHARS = 3_500
MAX_TITLE_CHARS = 60  # the title is only the notification preview
_LEADING_MENTION = re.compile(r"^@\S+\s+")


def question(payload: dict[str, Any]) -> str:
    """The text someone sent, without a leading `@robot` should the client leave one in; empty when the
    message is not text (a picture, a file): answered with the help."""
    text = payload.get("text")
    content = text.get("content") if isinstance(text, dict) else None
    if not isinstance(content, str):
        return ""
    return _LEADING_MENTION.sub("", content.strip()).strip()


def encoded(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def body_for(text: str, title: str) -> dict[str, Any]:
    return {"msgtype": "markdown", "markdown": {"title": title[:MAX_TITLE_CHARS], "text": text}}


def reply(answer: ChatAnswer) -> dict[str, Any]:
    def fits(candidate: list[Any]) -> bool:
        text = markdown_for(candidate)
        return (
            len(text) <= MAX_MARKDOWN_CHARS
            and len(encoded(body_for(text, answer.headline))) <= MAX_BODY_BYTES
        )

    _ = gettext_for(answer.language)
    sections = fit(parse_markdown(answer.markdown, _), fits, platform="DingTalk", gettext=_)
    text = markdown_for(sections)
    if len(text) > MAX_MARKDOWN_CHARS:  # only if the first section alone is too long: a hard stop
        text = text[: MAX_MARKDOWN_CHARS - 2] + "\u2026\n"
    return body_for(text, answer.headline)
