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
from service.i18n import DEFAULT_LANGUAGE, Gettext, Language, gettext_for
from service.observability.metrics import record_recommendation
from service.query.grammar import parse_query
from service.query.help import help_text
from service.query.problems import QueryError
from service.render import headline, render_recommendation

AnswerKind = Literal["recommendation", "help", "error"]

_INVOCATION = re.compile(r"^[/@]?[A-Za-z0-9][A-Za-z0-9 _.-]{0,40}$")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True, slots=True)
class ChatAnswer:
    kind: AnswerKind
    markdown: str  # the one rendering every platform converts
    headline: str  # one line: notification text and fallback
    share: bool  # the asker wants it posted to the channel
    language: Language = DEFAULT_LANGUAGE  # what `markdown` and `headline` are written in


def safe_invocation(value: str | None, default: str) -> str:
    """The command as the person typed it (`/netadvisor`, `@NetAdvisor`), if it looks like one."""
    value = (value or "").strip()
    return value if _INVOCATION.fullmatch(value) else default


def chat_language(text: str, preferred: Language | None = None) -> Language:
    """The reply's language before the query is read: the platform's or user's preference when the
    adapter knows one (e.g. a Feishu user's locale), else Chinese for a line with Chinese characters in it
    (Chinese keywords), else English. A `lang=` token in the query overrides this (`answer_query`)."""
    if preferred is not None:
        return preferred
    return "zh-CN" if _CJK.search(text) else DEFAULT_LANGUAGE


def answer_query(
    advisor: Advisor,
    text: str,
    *,
    invocation: str,
    can_share: bool = True,
    language: Language | None = None,
) -> ChatAnswer:
    """Answer one chat line; `language` is the adapter's preference (see `chat_language`)."""
    chosen = chat_language(text, language)
    try:
        query = parse_query(text)
    except QueryError as exc:
        return _unreadable(exc, invocation, gettext_for(chosen), chosen)
    chosen = query.language or chosen
    _ = gettext_for(chosen)
    if query.help or not text.strip():
        markdown = help_text(invocation, markdown=True, can_share=can_share, gettext=_)
        if chosen != DEFAULT_LANGUAGE:  # the Chinese keywords after the intro: a short limit cuts the end
            intro, rest = markdown.split("\n", 1)
            markdown = f"{intro}\n\n{zh.keywords_help(invocation)}\n{rest}"
        return ChatAnswer("help", markdown, _("netadvisor: how to ask"), False, chosen)
    rec = advisor.recommend(query.request, chosen)
    record_recommendation(rec.recommendation.value if rec.recommendation else None)
    markdown = render_recommendation(rec, "markdown", gettext=_)
    return ChatAnswer("recommendation", markdown, headline(rec, _), query.share, chosen)


def _unreadable(exc: QueryError, invocation: str, _: Gettext, language: Language) -> ChatAnswer:
    lines = [f"- {problem.message}" for problem in exc.problems]
    markdown = "\n".join(
        [
            _("**Could not read that query.**"),
            *lines,
            _("Type `{invocation} help` for every token.").format(invocation=invocation),
        ]
    )
    title = _("Could not read that query: {problems}").format(problems=exc.message)
    return ChatAnswer("error", markdown + "\n", title, False, language)
