"""The Chinese keywords of the chat grammar, listed for the Chinese help (issue 12).

The answers and the help are translated by the gettext catalogue (service.i18n); this module adds what only
Chinese readers need: the list of the Chinese keywords of service.query.tokens, appended to the Chinese help.
"""

from __future__ import annotations

from service.query.tokens import TARGETS, ZH_BARE_WORDS, ZH_KEY_ALIASES

STRINGS: dict[str, str] = {
    "help.heading": "**中文关键词**（下文的英文写法同样可用）：",
    "help.example": "示例：`{invocation} 跨主机 集群模式 加密 主机数=3 端口=80,443`",
    "help.switches": "**开关**（前面加 `不` 或 `no-` 表示关闭，例如 `不加密`）：",
    "help.settings": "**取值**（`键=值`，全角 `＝`、`：`、`，` 也可以）：",
    "help.shortcuts": "**单词即取值**：{words}",
}


def _field_line(name: str) -> str:
    target = TARGETS[name]
    words = " / ".join(f"`{word}`" for word in ZH_KEY_ALIASES.get(name, ()))
    english = f"`{target.display}`" if target.kind == "bool" else f"`{target.example}`"
    return f"- {words}（{english}）"


def keywords_help(invocation: str) -> str:
    """Every Chinese keyword beside the English token it stands for: appended to the translated help."""
    switches = [_field_line(name) for name, target in TARGETS.items() if target.kind == "bool"]
    settings = [
        _field_line(name)
        for name, target in TARGETS.items()
        if target.kind != "bool" and ZH_KEY_ALIASES.get(name)
    ]
    out = [
        STRINGS["help.heading"],
        STRINGS["help.example"].format(invocation=invocation),
        "",
        STRINGS["help.switches"],
        *switches,
        "",
        STRINGS["help.settings"],
        *settings,
        "",
        STRINGS["help.shortcuts"].format(words="、".join(f"`{word}`" for word in ZH_BARE_WORDS)),
    ]
    return "\n".join(out) + "\n"
