"""A rule's `when` condition as one line of Markdown, shared by the selection and review rule pages."""

from __future__ import annotations

import json
from typing import Any

_OPS = {"eq": "=", "ne": "≠", "gt": ">", "ge": "≥", "lt": "<", "le": "≤", "in": "in", "not_in": "not in"}


def condition_text(raw: Any) -> str:
    if "all" in raw:
        return " and ".join(_wrap(part) for part in raw["all"])
    if "any" in raw:
        return " or ".join(_wrap(part) for part in raw["any"])
    if "not" in raw:
        return f"not ({condition_text(raw['not'])})"
    (op,) = [key for key in raw if key != "fact"]
    return f"`{raw['fact']}` {_OPS[op]} `{json.dumps(raw[op])}`"


def _wrap(part: Any) -> str:
    text = condition_text(part)
    return f"({text})" if ("all" in part or "any" in part) else text
