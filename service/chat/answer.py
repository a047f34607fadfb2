"""What a chat command answers, independent of the platform: a recommendation, the help, or a typo note.

A typo is a normal reply in chat (HTTP 200, only the asker sees it), never an HTTP error: the platforms
show non-200 answers as "the app failed", which tells the person nothing about their typo.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from service.advisor import Advisor
from service.observability.metrics import record_recommendation
from service.query.grammar import parse_query
from service.query.help import help_text
from service.query.problems import QueryError
from service.render import render_recommendation

AnswerKind = Literal["recommendation", "help", "error"]

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


def answer_query(advisor: Advisor, text: str, *, invocation: str, can_share: bool = True) -> ChatAnswer:
    try:
        query = parse_query(text)
    except QueryError as exc:
        lines = [f"- {problem.message}" for problem in exc.problems]
        markdown = "\n".join(
            [
                "**Could not read that query.**",
                *lines,
                f"Type `{invocation} help` for every token.",
            ]
        )
        return ChatAnswer("error", markdown + "\n", "Could not read that query: " + exc.message, False)
    if query.help or not text.strip():
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
