"""The chat query language: one line of tokens in, a validated `RecommendationRequest` out.

    cross-host swarm encrypted ports=80,443 hosts=3 platform=rootless share

- A bare flag turns a yes/no requirement on (`swarm`, `own-ip`, `wifi`); `no-FLAG` turns it off (`no-dns`).
- Everything else is `key=value` (or `key:value`): `hosts=3`, `ports=80,443,8000-9000`, `subnet=10.1.0.0/24`.
- Keys, flags and enum values are case-insensitive; `-` and `_` are interchangeable; each field's own name
  works as a key, plus the aliases below. A few bare words pick an enum value (`aws`, `rootless`, `mac`).
- `help` asks for this list, `share` (chat only) posts the answer to the channel instead of only to you.
- `lang=zh` (or the bare word `中文`; `lang=en`, `english`) picks the answer's language, not a requirement.

Values still go through the pydantic models, so a chat query can ask for nothing the JSON API refuses, and
a refusal names the token the person typed and, for an unknown token, the nearest valid one (difflib).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from service.i18n import Language, language_of
from service.models import RecommendationRequest
from service.query.problems import BARE_CANDIDATES, Problem, QueryError, nearest, shown
from service.query.tokens import (
    BARE_VALUES,
    ENUM_VALUES,
    FALSE_WORDS,
    HELP_WORDS,
    KEYS,
    NEGATIONS,
    QUOTES,
    SHARE_WORDS,
    STOP_WORDS,
    TARGETS,
    TRUE_WORDS,
    Target,
    flag_value,
    norm,
)

MAX_QUERY_CHARS = 8192
_FULL_WIDTH = str.maketrans({"\uff1d": "=", "\uff1a": ":", "\uff0c": ",", "\u3001": ",", "\u3000": " "})
MAX_PROBLEMS = 10  # stop suggesting after this many bad tokens: a pasted essay should not cost a second
LANGUAGE_KEYS = frozenset({"lang", "language", "语言"})
LANGUAGE_WORDS: dict[str, Language] = {"中文": "zh-CN", "chinese": "zh-CN", "english": "en"}


@dataclass(frozen=True, slots=True)
class ChatQuery:
    request: RecommendationRequest
    share: bool = False
    help: bool = False
    language: Language | None = None  # asked for in the query (`lang=zh`); None: the caller decides


def _hint(suggestion: str | None) -> str:
    """A near miss gets its correction; anything else is pointed at the list of words, not a random one."""
    if suggestion is None:
        return "send `help` for the words and keys it knows"
    return f"did you mean `{suggestion}`?"


@dataclass
class _Builder:
    values: dict[str, Any] = field(default_factory=dict)  # field name -> value (pre-validation)
    origin: dict[str, str] = field(default_factory=dict)  # field name -> the token that set it
    port_origin: list[str] = field(default_factory=list)  # one token per ports entry
    problems: list[Problem] = field(default_factory=list)
    share: bool = False
    help: bool = False
    language: Language | None = None

    def problem(self, problem: Problem) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)

    def set(self, target: Target, value: Any, token: str) -> None:
        if target.kind == "list":
            items = [item.strip() for item in str(value).split(",") if item.strip()]
            self.values.setdefault(target.name, []).extend(items)
            self.port_origin.extend([token] * len(items))
            self.origin.setdefault(target.name, token)
            return
        if target.name in self.values and self.values[target.name] != value:
            before = self.origin[target.name]
            self.problem(
                Problem(
                    token,
                    f"`{shown(token)}` contradicts `{shown(before)}`: give {target.display} once",
                    "conflict",
                    target.path,
                )
            )
            return
        self.values[target.name] = value
        self.origin[target.name] = token

    def add(self, raw: str) -> None:
        token = raw.strip(QUOTES).rstrip(",")
        if not token or token.lower() in STOP_WORDS or self.choose_language(token):
            return
        if "=" in token:
            key, value = token.split("=", 1)
        elif ":" in token.strip(":"):
            key, value = token.split(":", 1)
        else:
            self.bare(token)
            return
        self.pair(token, key, value.strip(QUOTES).rstrip(","))

    def bare(self, token: str) -> None:
        word = norm(token)
        if word in HELP_WORDS:
            self.help = True
            return
        if word in SHARE_WORDS:
            self.share = True
            return
        if word in BARE_VALUES:
            name, value = BARE_VALUES[word]
            self.set(TARGETS[name], value, token)
            return
        target = KEYS.get(word)
        if target is not None and flag_value(target, "yes") is not None:
            self.set(target, flag_value(target, "yes"), token)
            return
        prefix = next((prefix for prefix in NEGATIONS if word.startswith(prefix)), None)
        negated = KEYS.get(word[len(prefix) :]) if prefix else None
        if negated is not None and flag_value(negated, "no") is not None:
            self.set(negated, flag_value(negated, "no"), token)
            return
        if target is not None:
            self.missing_value(token, target)
            return
        suggestion = nearest(word, BARE_CANDIDATES)
        self.problem(
            Problem(
                token,
                f"unknown token `{shown(token)}`; {_hint(suggestion)}",
                "unknown_token",
                None,
                suggestion,
            )
        )

    def missing_value(self, token: str, target: Target) -> None:
        message = f"`{shown(token)}` needs a value, e.g. `{target.example}`"
        self.problem(Problem(token, message, "missing_value", target.path, target.example))

    def pair(self, token: str, key: str, value: str) -> None:
        word = norm(key)
        target = KEYS.get(word)
        if target is None:
            candidates = {name: f"{name}={shown(value, 40)}" for name in KEYS}
            suggestion = nearest(word, candidates)
            self.problem(
                Problem(
                    token,
                    f"unknown key `{shown(key)}` in `{shown(token)}`; {_hint(suggestion)}",
                    "unknown_token",
                    None,
                    suggestion,
                )
            )
            return
        if not value.strip():
            self.missing_value(token, target)
            return
        if target.kind == "bool":
            answer = norm(value)
            if answer in TRUE_WORDS or answer in FALSE_WORDS:
                self.set(target, answer in TRUE_WORDS, token)
                return
            suggestion = f"{target.display}={'no' if answer.startswith(('n', 'f')) else 'yes'}"
            self.problem(
                Problem(
                    token,
                    f"`{shown(token)}`: {target.display} is yes or no; did you mean `{suggestion}`?",
                    "invalid_value",
                    target.path,
                    suggestion,
                )
            )
            return
        if target.kind == "enum":
            values = ENUM_VALUES[target.name]
            chosen = values.get(norm(value))
            if chosen is not None:
                self.set(target, chosen, token)
                return
            close = nearest(norm(value), {k: k for k in values})
            suggestion = None if close is None else f"{target.display}={close}"
            valid = ", ".join(str(member.value) for member in target.enum or ())
            guess = "" if suggestion is None else f"; did you mean `{suggestion}`?"
            self.problem(
                Problem(
                    token,
                    f"`{shown(token)}`: unknown {target.display}{guess} (valid: {valid})",
                    "invalid_value",
                    target.path,
                    suggestion,
                )
            )
            return
        # str values keep their case and go to pydantic as typed; a number typed in chat is text, read here
        # as the JSON integer it stands for (the models take no strings for integers).
        text = value.strip()
        number = re.fullmatch(r"[+-]?[0-9]+", text) if target.kind == "int" else None
        self.set(target, int(text) if number else text, token)

    def choose_language(self, token: str) -> bool:
        """`lang=zh`, `中文`: the answer's language, which is no requirement. False: not such a token."""
        key, separator, value = token.partition("=") if "=" in token else token.partition(":")
        if norm(token) in LANGUAGE_WORDS:
            self.language = LANGUAGE_WORDS[norm(token)]
            return True
        if not separator or norm(key) not in LANGUAGE_KEYS:
            return False
        language = language_of(value.strip(QUOTES))
        if language is None:
            message = f"`{shown(token)}`: unsupported language; use lang=zh or lang=en"
            self.problem(Problem(token, message, "invalid_value", None, "lang=zh"))
        else:
            self.language = language
        return True

    def build(self) -> ChatQuery:
        if self.problems:
            raise QueryError(self.problems)
        payload: dict[str, dict[str, Any]] = {"requirements": {}, "deployment": {}}
        for name, value in self.values.items():
            payload[TARGETS[name].section][name] = value
        try:
            request = RecommendationRequest.model_validate(payload)
        except ValidationError as exc:
            raise QueryError([self._explain(error) for error in exc.errors()]) from None
        return ChatQuery(request=request, share=self.share, help=self.help, language=self.language)

    def _explain(self, error: Any) -> Problem:
        loc = tuple(error.get("loc", ()))
        message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
        if len(loc) >= 2 and isinstance(loc[1], str) and loc[1] in TARGETS:
            target = TARGETS[loc[1]]
            token = self.origin.get(target.name, target.display)
            index = re.match(r"^\[(\d+)\] ", message)  # the ports validator names the entry: "[3] ..."
            if target.kind == "list" and index:
                if int(index[1]) < len(self.port_origin):
                    token = self.port_origin[int(index[1])]
                message = message[index.end() :]
            return Problem(token, f"`{shown(token)}`: {message}", "invalid_value", target.path)
        return Problem(None, f"these values do not fit together: {message}", "invalid_value", None)


def parse_query(text: str) -> ChatQuery:
    """Parse one chat line. Raises QueryError (an InvalidRequest, HTTP 422) naming every bad token."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            [Problem(None, f"the query is {len(text)} characters; at most {MAX_QUERY_CHARS}", "too_long")]
        )
    # Full-width = : , and the ideographic comma and space of a Chinese input method read as ASCII.
    text = text.translate(_FULL_WIDTH)
    # "hosts = 3" and "hosts: 3" are one token each (端口: 80 too: \w covers Chinese keys).
    text = re.sub(r"\s*=\s*", "=", text.replace("\u00a0", " "))
    text = re.sub(r"(?<=[\w-]):\s+(?=\S)", ":", text)
    # "ports=80, 443" is one list, as is "ports=80 ,443".
    text = re.sub(r"\s*,\s*(?=[0-9])", ",", text)
    builder = _Builder()
    for raw in text.split():
        builder.add(raw)
    return builder.build()


QUERY_DESCRIPTION = (
    "The chat query language: space-separated tokens. Bare flags turn a yes/no requirement on "
    "(`cross-host`, `swarm`, `own-ip`, `own-mac`, `mac-limit`, `multicast`, `ipv6`, `encrypted`, "
    "`host-access`, `wifi`), `no-FLAG` turns one off (`no-dns`); the rest is `key=value` or `key:value` "
    "(`hosts=3`, `ports=80,443,8000-9000`, `vlan=20`, `platform=rootless`, `cloud=aws`, `access=internal`, "
    "`isolation=required`, `perf=high`, `containers=50`, `subnet=`, `gateway=`, `range=`, `ipv6-subnet=`, "
    "`parent=`, `name=`, `image=`, `container=`, `mtu=`, `advertise=`). Case-insensitive. An unknown token "
    "is a 422 naming it and the nearest valid one. `share` is accepted and ignored (it is for chat). "
    "`lang=zh` (or `中文`) answers in Chinese unless `?lang=` says otherwise."
)


def parse_rest_query(text: str) -> ChatQuery:
    """`GET /v1/recommendations?q=`: the chat grammar; `share` means nothing here, `help` is a 422, and a
    `lang=` token is the answer's language unless `?lang=` says otherwise."""
    query = parse_query(text)
    if query.help:
        raise QueryError(
            [
                Problem(
                    "help",
                    "`help` only answers in chat and `netadvisor ask`; the tokens are in the description of "
                    "`q` in the OpenAPI document (/docs)",
                    "unknown_token",
                )
            ]
        )
    return query
