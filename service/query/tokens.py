"""The query language's vocabulary: which words set which request field, generated from the models.

Every key (a field's own name, its display token, its aliases), every enum spelling and every bare word
is checked at import time, so a typo in the tables fails start-up, not a request.
"""

from __future__ import annotations

import re
import typing
from dataclasses import dataclass
from enum import Enum
from typing import Literal

from pydantic import BaseModel

from service.commands import plan_lan
from service.models import Deployment, Requirements, field_value_type

SectionName = Literal["requirements", "deployment"]
Kind = Literal["bool", "enum", "int", "list", "str"]

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

# Chinese names for the same fields (issue 12: the Feishu and DingTalk bots). Kept apart from KEY_ALIASES so
# the English help, which lists a field's first aliases, reads exactly as before. The words are the ones the
# seed article (docker-network-drivers.zh.md) and Docker's Chinese docs use: 跨主机 cross-host, 加密
# encrypted, 多播/组播 multicast, 局域网IP an address on the LAN, 端口 ports, 子网 subnet, 网关 gateway.
ZH_KEY_ALIASES: dict[str, tuple[str, ...]] = {
    "cross_host": ("跨主机", "多主机", "跨节点"),
    "hosts": ("主机数", "节点数"),
    "swarm": ("集群模式", "swarm模式"),
    "ports": ("端口", "发布端口"),
    "own_ip": ("局域网IP", "独立IP"),
    "own_mac": ("局域网MAC", "独立MAC"),
    "mac_limit": ("MAC限制", "MAC数量限制"),
    "ipv6": ("双栈",),
    "vlan": ("VLAN号",),
    "multicast": ("多播", "组播", "广播"),
    "host_interfaces": ("主机网卡",),
    "network_access": ("网络访问", "外网访问"),
    "host_isolation": ("隔离",),
    "performance": ("性能",),
    "encryption": ("加密",),
    "service_discovery": ("服务发现", "名称解析"),
    "host_access": ("主机访问",),
    "containers_per_host": ("容器数",),
    "platform": ("平台",),
    "cloud": ("云", "云厂商"),
    "wireless_parent": ("无线", "无线网卡"),
    "network_name": ("网络名",),
    "parent_interface": ("父接口", "网卡"),
    "subnet": ("子网",),
    "gateway": ("网关",),
    "ip_range": ("IP范围", "地址范围"),
    "ipv6_subnet": ("IPv6子网",),
    "image": ("镜像",),
    "container_name": ("容器名",),
    "mtu": (),
    "advertise_addr": ("通告地址",),
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
# Chinese values (issue 12), merged into the table above after it, so no English spelling changes meaning.
ZH_VALUE_ALIASES: dict[str, dict[str, str]] = {
    "platform": {"桌面版": "docker-desktop", "无根": "rootless"},
    "cloud": {
        "亚马逊": "aws",
        "谷歌": "gcp",
        "微软": "azure",
        "阿里云": "other",
        "腾讯云": "other",
        "华为云": "other",
        "本地": "none",
        "无": "none",
    },
    "network_access": {"完全": "full", "内网": "internal", "无": "none"},
    "host_isolation": {"必须": "required", "最好": "preferred", "不需要": "not_needed"},
    "performance": {"高": "high", "普通": "standard"},
    "multicast": {"局域网": "lan", "容器间": "containers", "无": "none", "是": "lan", "否": "none"},
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
    # Chinese (issue 12)
    "亚马逊云": ("cloud", "aws"),
    "谷歌云": ("cloud", "gcp"),
    "微软云": ("cloud", "azure"),
    "本地机房": ("cloud", "none"),
    "无根模式": ("platform", "rootless"),
    "内网": ("network_access", "internal"),
    "断网": ("network_access", "none"),
    "高性能": ("performance", "high"),
    "严格隔离": ("host_isolation", "required"),
}
ZH_BARE_WORDS = tuple(word for word in BARE_VALUES if not word.isascii())

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

_EXAMPLE_LAN, _ = plan_lan(None, None, None, None, None)
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
    # The advisor's own default LAN plan, so the help shows a range the advisor would suggest.
    "parent_interface": _EXAMPLE_LAN.parent,
    "subnet": _EXAMPLE_LAN.subnet,
    "gateway": _EXAMPLE_LAN.gateway,
    "ip_range": _EXAMPLE_LAN.ip_range,
    "ipv6_subnet": "fd00:db8:1::/64",
    "image": "nginx:1.27",
    "container_name": "web",
    "mtu": "1450",
    "advertise_addr": "10.0.0.5",
}

HELP_WORDS = frozenset({"help", "?", "h", "usage", "commands", "帮助", "\uff1f"})
SHARE_WORDS = frozenset({"share", "public", "in-channel", "分享"})
NEGATIONS = ("no-", "不", "无")  # `no-dns`, and in Chinese 不加密 (not encrypted), 无服务发现 (no discovery)
STOP_WORDS = frozenset({"and", "with", "+", "&", ","})
TRUE_WORDS = frozenset({"true", "yes", "y", "on", "1", "t"})
FALSE_WORDS = frozenset({"false", "no", "n", "off", "0", "f"})
QUOTES = "\"'`\u201c\u201d\u2018\u2019"
DASHES = "-\u2013\u2014"  # '--swarm' typed on macOS often arrives as an en or em dash


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
    return word.strip().lower().replace("_", "-").lstrip(DASHES)


def _targets() -> dict[str, Target]:
    sections: tuple[tuple[SectionName, type[BaseModel]], ...] = (
        ("requirements", Requirements),
        ("deployment", Deployment),
    )
    result: dict[str, Target] = {}
    for section, model in sections:
        for name, info in model.model_fields.items():
            annotation = field_value_type(info.annotation)
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
        for word in (name, target.display, *KEY_ALIASES.get(name, ()), *ZH_KEY_ALIASES.get(name, ())):
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
    aliases = {**VALUE_ALIASES.get(target.name, {}), **ZH_VALUE_ALIASES.get(target.name, {})}
    for alias, canonical in aliases.items():
        values.setdefault(norm(alias), canonical)
    return values


ENUM_VALUES: dict[str, dict[str, str]] = {
    name: _enum_values(target) for name, target in TARGETS.items() if target.kind == "enum"
}


def flag_value(target: Target, answer: str) -> object:
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


# -- the grammar as a pattern, for the OpenAPI document -----------------------------------------------------


def _insensitive(word: str) -> str:
    """A word as `norm` reads it, as an ECMA-262 pattern with no flags: any case (and the Kelvin sign, which
    `str.lower()` turns into `k`), `_` for `-`."""
    parts = []
    for char in word:
        if char == "-":
            parts.append("[-_]")
        elif char == "k":
            parts.append("[kK\u212a]")
        elif char.isalpha():
            parts.append(f"[{char}{char.upper()}]")
        else:
            parts.append(re.escape(char))
    return "".join(parts)


def _query_pattern() -> str:
    """Every query the parser can accept matches; so a query that does not match is always refused.

    A token is: quotes and commas only (skipped); or, after optional quotes and leading dashes, a known word
    (a flag, `no-` + a flag, a bare value, `share`, `help`, a stop word), or `key=value` / `key:value` with
    a known key (blanks around `=` and after `:` allowed, and `, 443` continuing a list). It says which
    words and keys exist; whether a value fits its key is checked after (a 422 naming the token)."""
    quotes = "[" + re.escape(QUOTES) + "]"
    dashes = "[" + re.escape(DASHES) + "]"
    words = sorted(
        {*KEYS, *BARE_VALUES, *SHARE_WORDS, *HELP_WORDS, *STOP_WORDS} - {","}, key=lambda w: (-len(w), w)
    )
    word = "(?:" + "|".join(_insensitive(w) for w in words) + ")"
    key = "(?:" + "|".join(_insensitive(k) for k in sorted(KEYS, key=lambda w: (-len(w), w))) + ")"
    value = r"\S+(?:\s*,\s*[0-9]\S*)*"
    token = (
        f"(?:[,{re.escape(QUOTES)}]+"
        f"|{quotes}*{dashes}*(?:(?:[nN][oO][-_])?{word}|{key}\\s*[=:]\\s*{value})[,{re.escape(QUOTES)}]*)"
    )
    return rf"^\s*(?:{token}(?:\s+{token})*)?\s*$"


QUERY_PATTERN = _query_pattern()
