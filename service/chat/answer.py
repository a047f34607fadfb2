"""What a chat command answers, independent of the platform: a recommendation, the help, or a typo note.

A typo is a normal reply in chat (HTTP 200, only the asker sees it), never an HTTP error: the platforms
show non-200 answers as "the app failed", which tells the person nothing about their typo.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from service.advisor import Advisor
from service.chat import zh
from service.observability.metrics import record_recommendation
from service.query.grammar import parse_query
from service.query.help import help_text
from service.query.problems import QueryError
from service.render import render_recommendation

AnswerKind = Literal["recommendation", "help", "error"]
Lang = Literal[
    "en", "zh"
]  # the reply's language: help and the typo frame; the answer body is English for now

_INVOCATION = re.compile(r"^[/@]?[A-Za-z0-9][A-Za-z0-9 _.-]{0,40}$")


@dataclass(frozen=True, slots=True)
class ChatAnswer:
    kind: AnswerKind
    markdown: str  # the one rendering every platform converts
    headline: str  # one line: notification text and fallback
    share: bool  # the asker wants it posted to the channel


def safe_invocation(value: str | None, default: str) -> str:
    """The command as the person typed it (`/netadvisor`, `@NetAdvisor`), if it looks like one."""
    value = (value or "").strip()
    return value if _INVOCATION.fullmatch(value) else default


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")


def language_of(text: str) -> Lang:
    """Chinese if the person typed any Chinese (帮助, 跨主机 ...), else English: until the i18n work wires in
    an explicit choice, what someone types is the best hint of what they read."""
    return "zh" if _CJK.search(text) else "en"


def answer_query(
    advisor: Advisor, text: str, *, invocation: str, can_share: bool = True, lang: Lang = "en"
) -> ChatAnswer:
    try:
        query = parse_query(text)
    except QueryError as exc:
        lines = [f"- {problem.message}" for problem in exc.problems]
        if lang == "zh":
            title, hint = zh.STRINGS["error.title"], zh.STRINGS["error.help"].format(invocation=invocation)
            headline = zh.STRINGS["headline.error"] + "\uff1a" + exc.message
        else:
            title, hint = "**Could not read that query.**", f"Type `{invocation} help` for every token."
            headline = "Could not read that query: " + exc.message
        return ChatAnswer("error", "\n".join([title, *lines, hint]) + "\n", headline, False)
    if query.help or not text.strip():
        if lang == "zh":
            return ChatAnswer("help", zh.help_text(invocation), zh.STRINGS["headline.help"], False)
        markdown = help_text(invocation, markdown=True, can_share=can_share)
        return ChatAnswer("help", markdown, "netadvisor: how to ask", False)
    rec = advisor.recommend(query.request)
    record_recommendation(rec.recommendation.value if rec.recommendation else None)
    if rec.recommendation is not None:
        top = rec.ranking[0]
        headline = f"Use {top.driver.value} (score {top.score}/100)"
    else:
        headline = "No driver meets all of these requirements"
    return ChatAnswer("recommendation", render_recommendation(rec, "markdown"), headline, query.share)
