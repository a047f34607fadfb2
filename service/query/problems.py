"""What is wrong with a query: one `Problem` per bad token, each naming the nearest valid token."""

from __future__ import annotations

from dataclasses import dataclass

from service.errors import InvalidRequest
from service.query.tokens import BARE_VALUES, EXAMPLES, HELP_WORDS, KEYS, SHARE_WORDS
from service.suggest import closest


@dataclass(frozen=True, slots=True)
class Problem:
    token: str | None
    message: str
    type: str  # unknown_token, missing_value, invalid_value, conflict, too_long
    field: str | None = None
    suggestion: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {
            "token": self.token,
            "field": self.field,
            "type": self.type,
            "message": self.message,
            "suggestion": self.suggestion,
        }


class QueryError(InvalidRequest):
    """The query has tokens we cannot read; `problems` names each, with the nearest valid token."""

    def __init__(self, problems: list[Problem]) -> None:
        shown = "; ".join(problem.message for problem in problems[:3])
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        super().__init__(shown + more, [problem.as_dict() for problem in problems])
        self.problems = problems


def shown(token: str, limit: int = 60) -> str:
    """A token as it may appear inside a `code span` of a reply: no backticks, not endless."""
    text = token.replace("`", "'").replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def nearest(word: str, candidates: dict[str, str]) -> str | None:
    """The display form of the candidate close enough to `word` to be what was meant, if there is one. An
    ASCII word is matched only against ASCII candidates, so the Chinese aliases never change an English
    suggestion."""
    if word.isascii():
        candidates = {key: display for key, display in candidates.items() if key.isascii()}
    close = closest(word, candidates)
    return None if close is None else candidates[close]


def _bare_candidates() -> dict[str, str]:
    candidates: dict[str, str] = {}
    for key, target in KEYS.items():
        if target.kind == "bool":
            candidates[key] = key
            candidates[f"no-{key}"] = f"no-{key}"
        else:
            candidates[key] = f"{key}={EXAMPLES.get(target.name, '')}"
    for word in (*BARE_VALUES, *HELP_WORDS, *SHARE_WORDS):
        candidates[word] = word
    return candidates


BARE_CANDIDATES = _bare_candidates()
