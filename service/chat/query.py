"""The chat query language: one line of tokens in, a validated `RecommendationRequest` out.

    cross-host swarm encrypted ports=80,443 hosts=3 platform=rootless share

- A bare flag turns a yes/no requirement on (`swarm`, `own-ip`, `wifi`); `no-FLAG` turns it off (`no-dns`).
- Everything else is `key=value` (or `key:value`): `hosts=3`, `ports=80,443,8000-9000`, `subnet=10.1.0.0/24`.
- Keys, flags and enum values are case-insensitive; `-` and `_` are interchangeable; each field's own name
  works as a key, plus the aliases below. A few bare words pick an enum value (`aws`, `rootless`, `mac`).
- `help` asks for this list, `share` (chat only) posts the answer to the channel instead of only to you.

Values still go through the pydantic models, so a chat query can ask for nothing the JSON API refuses, and
a refusal names the token the person typed and, for an unknown token, the nearest valid one (difflib).
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from service.errors import InvalidRequest
from service.models import Deployment, RecommendationRequest, Requirements

SectionName = Literal["requirements", "deployment"]
Kind = Literal["bool", "enum", "int", "list", "str"]

MAX_QUERY_CHARS = 8192
MAX_PROBLEMS = 10  # stop suggesting after this many bad tokens: a pasted essay should not cost a second

# Names a person would type for a field, besides the field's own name. For yes/no fields each also works as
# a bare flag (and `no-` + it as the negation); for the others it is the key of `key=value`.
KEY_ALIASES: dict[str, tuple[str, ...]] = {
    "cross_host": ("crosshost", "multihost", "multi-host", "multinode", "multi-node"),
    "hosts": ("host-count", "nodes", "node-count"),
    "swarm": ("swarm-mode", "docker-swarm"),
    "ports": ("port", "publish", "published"),
    "own_ip": ("ownip", "lan-ip", "own-address"),
    "own_mac": ("ownmac", "lan-mac", "unique-mac"),
    "mac_limit": ("maclimit", "mac-limited", "limited-macs", "port-security"),
    "ipv6": ("v6", "dual-stack", "dualstack"),
    "vlan": ("vlan-id", "vid", "802.1q"),
    "multicast": ("broadcast", "mdns"),
    "host_interfaces": ("host-ifaces", "host-nics", "host-routes"),
    "network_access": ("access", "net-access"),
    "host_isolation": ("isolation",),
    "performance": ("perf",),
    "encryption": ("encrypted", "encrypt", "ipsec"),
    "service_discovery": ("dns", "discovery", "name-resolution"),
    "host_access": ("hostaccess", "reach-from-host"),
    "containers_per_host": ("containers", "per-host", "density"),
    "platform": ("os", "engine"),
    "cloud": ("provider", "vpc"),
    "wireless_parent": ("wifi", "wi-fi", "wireless", "wlan"),
    "network_name": ("name", "network", "net-name"),
    "parent_interface": ("parent", "iface", "interface", "nic"),
    "subnet": ("cidr", "ipv4-subnet"),
    "gateway": ("gw",),
    "ip_range": ("range",),
    "ipv6_subnet": ("subnet6", "v6-subnet"),
    "image": ("img",),
    "container_name": ("container",),
    "mtu": (),
    "advertise_addr": ("advertise", "advertise-address"),
}

# Other spellings of enum values (keys normalised: lower case, '_' -> '-').
VALUE_ALIASES: dict[str, dict[str, str]] = {
    "platform": {
        "desktop": "docker-desktop",
        "mac": "docker-desktop",
        "macos": "docker-desktop",
        "osx": "docker-desktop",
        "dd": "docker-desktop",
        "win": "windows",
        "windows-containers": "windows",
    },
    "cloud": {
        "amazon": "aws",
        "ec2": "aws",
        "google": "gcp",
        "gce": "gcp",
        "microsoft": "azure",
        "on-prem": "none",
        "onprem": "none",
        "bare-metal": "none",
        "no": "none",
    },
    "network_access": {"internet": "full", "open": "full", "isolated": "internal", "offline": "none"},
    "host_isolation": {"none": "not_needed", "no": "not_needed", "strict": "required", "yes": "required"},
    "performance": {"fast": "high", "max": "high", "native": "high", "normal": "standard"},
    # `multicast` was yes/no: yes still means the LAN, as `multicast: true` does in a request.
    "multicast": {"yes": "lan", "true": "lan", "no": "none", "false": "none", "cluster": "containers"},
}

# Bare words that set an enum field (the value must be a valid member; checked at import time below).
BARE_VALUES: dict[str, tuple[str, str]] = {
    "linux": ("platform", "linux"),
    "docker-desktop": ("platform", "docker-desktop"),
    "desktop": ("platform", "docker-desktop"),
    "mac": ("platform", "docker-desktop"),
    "macos": ("platform", "docker-desktop"),
    "rootless": ("platform", "rootless"),
    "windows": ("platform", "windows"),
    "aws": ("cloud", "aws"),
    "azure": ("cloud", "azure"),
    "gcp": ("cloud", "gcp"),
    "on-prem": ("cloud", "none"),
    "no-cloud": ("cloud", "none"),
    "internal": ("network_access", "internal"),
    "offline": ("network_access", "none"),
    "no-network": ("network_access", "none"),
    "high-perf": ("performance", "high"),
    "high-performance": ("performance", "high"),
    "fast": ("performance", "high"),
    "no-isolation": ("host_isolation", "not_needed"),
    "strict-isolation": ("host_isolation", "required"),
}

# The token help and suggestions show for each field (the shortest natural one).
DISPLAY: dict[str, str] = {
    "cross_host": "cross-host",
    "encryption": "encrypted",
    "service_discovery": "dns",
    "network_access": "access",
    "host_isolation": "isolation",
    "performance": "perf",
    "containers_per_host": "containers",
    "wireless_parent": "wifi",
    "network_name": "name",
    "parent_interface": "parent",
    "ip_range": "range",
    "container_name": "container",
    "advertise_addr": "advertise",
}

# An example value per non-flag field, for help and for "needs a value, e.g. ..." messages.
EXAMPLES: dict[str, str] = {
    "hosts": "3",
    "ports": "80,443,8000-9000",
    "vlan": "20",
    "network_access": "internal",
    "host_isolation": "required",
    "performance": "high",
    "containers_per_host": "50",
    "platform": "rootless",
    "cloud": "aws",
    "network_name": "web-net",
    "parent_interface": "eth0",
    "subnet": "192.168.1.0/24",
    "gateway": "192.168.1.1",
    "ip_range": "192.168.1.128/26",
    "ipv6_subnet": "fd00:db8:1::/64",
    "image": "nginx:1.27",
    "container_name": "web",
    "mtu": "1450",
    "advertise_addr": "10.0.0.5",
}

HELP_WORDS = frozenset({"help", "?", "h", "usage", "commands"})
SHARE_WORDS = frozenset({"share", "public", "in-channel"})
STOP_WORDS = frozenset({"and", "with", "+", "&", ","})
TRUE_WORDS = frozenset({"true", "yes", "y", "on", "1", "t"})
FALSE_WORDS = frozenset({"false", "no", "n", "off", "0", "f"})
_QUOTES = "\"'`\u201c\u201d\u2018\u2019"
_DASHES = "-\u2013\u2014"  # '--swarm' typed on macOS often arrives as an en or em dash


def _unwrap(annotation: Any) -> Any:
    if typing.get_origin(annotation) in (types.UnionType, typing.Union):
        return next(arg for arg in typing.get_args(annotation) if arg is not type(None))
    return annotation


@dataclass(frozen=True, slots=True)
class Target:
    """One field of the request that a token sets."""

    section: SectionName
    name: str
    kind: Kind
    enum: type[Enum] | None = None

    @property
    def display(self) -> str:
        return DISPLAY.get(self.name, self.name.replace("_", "-"))

    @property
    def path(self) -> str:
        return f"{self.section}.{self.name}"

    @property
    def example(self) -> str:
        return f"{self.display}={EXAMPLES.get(self.name, 'yes')}"


def norm(word: str) -> str:
    return word.strip().lower().replace("_", "-").lstrip(_DASHES)


def _targets() -> dict[str, Target]:
    sections: tuple[tuple[SectionName, type[BaseModel]], ...] = (
        ("requirements", Requirements),
        ("deployment", Deployment),
    )
    result: dict[str, Target] = {}
    for section, model in sections:
        for name, info in model.model_fields.items():
            annotation = _unwrap(info.annotation)
            kind: Kind
            enum: type[Enum] | None = None
            if annotation is bool:
                kind = "bool"
            elif isinstance(annotation, type) and issubclass(annotation, Enum):
                kind, enum = "enum", annotation
            elif annotation is int:
                kind = "int"
            elif typing.get_origin(annotation) is list:
                kind = "list"
            else:
                kind = "str"
            result[name] = Target(section, name, kind, enum)
    return result


TARGETS: dict[str, Target] = _targets()


def _keys() -> dict[str, Target]:
    """Every key (normalised) -> the field it sets: the field's own name, its display token, its aliases."""
    keys: dict[str, Target] = {}
    for name, target in TARGETS.items():
        for word in (name, target.display, *KEY_ALIASES.get(name, ())):
            key = norm(word)
            other = keys.get(key)
            if other is not None and other is not target:
                raise RuntimeError(f"query token {key!r} names both {other.path} and {target.path}")
            keys[key] = target
    return keys


KEYS: dict[str, Target] = _keys()


def _enum_values(target: Target) -> dict[str, str]:
    """Normalised spelling -> the enum member's value, for one enum field."""
    assert target.enum is not None
    values = {norm(str(member.value)): str(member.value) for member in target.enum}
    for alias, canonical in VALUE_ALIASES.get(target.name, {}).items():
        values.setdefault(norm(alias), canonical)
    return values


ENUM_VALUES: dict[str, dict[str, str]] = {
    name: _enum_values(target) for name, target in TARGETS.items() if target.kind == "enum"
}


def _flag_value(target: Target, answer: str) -> object:
    """What a bare flag (`yes`) or its `no-` form means: a bool, or an enum field that was once a bool
    (`multicast`: its VALUE_ALIASES map yes/no), else None: the key needs a value."""
    if target.kind == "bool":
        return answer == "yes"
    if target.kind == "enum":
        return ENUM_VALUES[target.name].get(answer)
    return None


for _word, (_field, _value) in BARE_VALUES.items():  # a typo in the tables fails at import, not per request
    if _value not in ENUM_VALUES[_field].values() or norm(_word) in KEYS:
        raise RuntimeError(f"bad bare query word {_word!r} -> {_field}={_value}")


def tokens_for(name: str) -> list[str]:
    """Every token that can set field `name` (what help and the coverage test use)."""
    target = TARGETS[name]
    keys = sorted(key for key, t in KEYS.items() if t is target)
    bare = sorted(word for word, (field_name, _) in BARE_VALUES.items() if field_name == name)
    return keys + bare


# -- errors --------------------------------------------------------------------------------------------


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


def _nearest(word: str, candidates: dict[str, str]) -> str:
    """The display form of the candidate closest to `word` (there is always one)."""
    close = difflib.get_close_matches(word, candidates.keys(), n=1, cutoff=0.6)
    if not close:
        close = difflib.get_close_matches(word, candidates.keys(), n=1, cutoff=0.0)
    return candidates[close[0]]


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


_BARE_CANDIDATES = _bare_candidates()


# -- parser --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChatQuery:
    request: RecommendationRequest
    share: bool = False
    help: bool = False


@dataclass
class _Builder:
    values: dict[str, Any] = field(default_factory=dict)  # field name -> value (pre-validation)
    origin: dict[str, str] = field(default_factory=dict)  # field name -> the token that set it
    port_origin: list[str] = field(default_factory=list)  # one token per ports entry
    problems: list[Problem] = field(default_factory=list)
    share: bool = False
    help: bool = False

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
        token = raw.strip(_QUOTES).rstrip(",")
        if not token or token.lower() in STOP_WORDS:
            return
        if "=" in token:
            key, value = token.split("=", 1)
        elif ":" in token.strip(":"):
            key, value = token.split(":", 1)
        else:
            self.bare(token)
            return
        self.pair(token, key, value.strip(_QUOTES).rstrip(","))

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
        if target is not None and _flag_value(target, "yes") is not None:
            self.set(target, _flag_value(target, "yes"), token)
            return
        negated = KEYS.get(word[3:]) if word.startswith("no-") else None
        if negated is not None and _flag_value(negated, "no") is not None:
            self.set(negated, _flag_value(negated, "no"), token)
            return
        if target is not None:
            self.missing_value(token, target)
            return
        suggestion = _nearest(word, _BARE_CANDIDATES)
        self.problem(
            Problem(
                token,
                f"unknown token `{shown(token)}`; did you mean `{suggestion}`?",
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
            suggestion = _nearest(word, candidates)
            self.problem(
                Problem(
                    token,
                    f"unknown key `{shown(key)}` in `{shown(token)}`; did you mean `{suggestion}`?",
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
            suggestion = f"{target.display}={_nearest(norm(value), {k: k for k in values})}"
            valid = ", ".join(str(member.value) for member in target.enum or ())
            self.problem(
                Problem(
                    token,
                    f"`{shown(token)}`: unknown {target.display}; did you mean `{suggestion}`? "
                    f"(valid: {valid})",
                    "invalid_value",
                    target.path,
                    suggestion,
                )
            )
            return
        # int and str values keep their case and go to pydantic as typed.
        self.set(target, value.strip(), token)

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
        return ChatQuery(request=request, share=self.share, help=self.help)

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
    # "hosts = 3" and "hosts: 3" are one token each.
    text = re.sub(r"\s*=\s*", "=", text.replace("\u00a0", " "))
    text = re.sub(r"(?<=[A-Za-z0-9_-]):\s+(?=\S)", ":", text)
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
    "is a 422 naming it and the nearest valid one. `share` is accepted and ignored (it is for chat)."
)


def parse_rest_query(text: str) -> RecommendationRequest:
    """`GET /v1/recommendations?q=`: the chat grammar; `share` means nothing here, `help` is a 422."""
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
    return query.request


# -- help ----------------------------------------------------------------------------------------------


def help_text(invocation: str = "/netadvisor", *, markdown: bool = True, can_share: bool = True) -> str:
    """The whole grammar, generated from the tables above and the models' field descriptions."""

    def code(text: str) -> str:
        return f"`{text}`" if markdown else text

    def bold(text: str) -> str:
        return f"**{text}**" if markdown else text

    def describe(target: Target) -> str:
        info = (Requirements if target.section == "requirements" else Deployment).model_fields[target.name]
        text = info.description or ""
        return text if markdown else text.replace("`", "")

    def aliases(target: Target) -> str:
        names = [norm(word) for word in KEY_ALIASES.get(target.name, ()) if norm(word) != target.display]
        return f" (also {', '.join(names[:3])})" if names else ""

    example = f"{invocation} cross-host swarm encrypted hosts=3 ports=80,443"
    out = [
        f"{bold('netadvisor')} says which Docker network driver to use, why, and the commands.",
        f"Example: {code(example)}",
        "",
        bold("Switches") + f" ({code('no-')} turns one off; aliases work with it too):",
    ]
    for target in TARGETS.values():
        if target.kind == "bool":
            if Requirements.model_fields[target.name].default is True:
                out.append(f"- {code('no-' + target.display)}: {describe(target)} (on unless you say this)")
            else:
                out.append(f"- {code(target.display)}{aliases(target)}: {describe(target)}")
    out += ["", bold("Settings") + f" ({code('key=value')} or {code('key:value')}):"]
    for target in TARGETS.values():
        if target.section == "requirements" and target.kind != "bool":
            choices = ""
            if target.enum is not None:
                choices = " One of " + ", ".join(str(member.value) for member in target.enum) + "."
            out.append(f"- {code(target.example)}{aliases(target)}: {describe(target)}{choices}")
    shortcuts = ", ".join(BARE_VALUES)
    out += [
        f"Shortcuts: {code(shortcuts) if markdown else shortcuts}.",
        "",
        bold("Values for the commands") + " (optional; defaults are listed under Assumptions):",
    ]
    for target in TARGETS.values():
        if target.section == "deployment":
            out.append(f"- {code(target.example)}{aliases(target)}: {describe(target)}")
    if can_share:
        out += ["", f"Add {code('share')} to post the answer in the channel; by default only you see it."]
    return "\n".join(out) + "\n"
