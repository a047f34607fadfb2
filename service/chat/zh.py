"""Every Chinese string the Feishu and DingTalk bots show, in one place (issue 12).

The answers themselves are English until the i18n catalogue lands; these are the words around them: the
help (which lists the Chinese keywords of service.query.tokens) and the frame of a typo reply. The i18n
work can move this table into its catalogue unchanged: each entry is a plain format string.
"""

from __future__ import annotations

from service.query.tokens import TARGETS, ZH_BARE_WORDS, ZH_KEY_ALIASES

STRINGS: dict[str, str] = {
    "help.intro": "**netadvisor** 告诉你该用哪种 Docker 网络驱动、为什么，以及要执行的命令。",
    "help.example": "示例：`{invocation} 跨主机 集群模式 加密 主机数=3 端口=80,443`",
    "help.english": (
        "英文写法同样可用（`{invocation} cross-host swarm encrypted`），完整列表：`{invocation} help`。"
    ),
    "help.switches": "**开关**（前面加 `不` 或 `no-` 表示关闭，例如 `不加密`）：",
    "help.settings": "**取值**（`键=值`，全角 `＝`、`：`、`，` 也可以）：",
    "help.shortcuts": "**单词即取值**：{words}",
    "help.outro": "回答目前是英文；驱动、原因和命令与 API 的回答完全相同。",
    "error.title": "**无法读取这条查询。**",
    "error.help": "输入 `{invocation} 帮助` 查看全部写法。",
    "headline.help": "netadvisor：如何提问",
    "headline.error": "无法读取这条查询",
}


def _field_line(name: str) -> str:
    target = TARGETS[name]
    words = " / ".join(f"`{word}`" for word in ZH_KEY_ALIASES.get(name, ()))
    english = f"`{target.display}`" if target.kind == "bool" else f"`{target.example}`"
    return f"- {words}（{english}）"


def help_text(invocation: str) -> str:
    """The Chinese help: every Chinese keyword, beside the English token it stands for."""
    switches = [_field_line(name) for name, target in TARGETS.items() if target.kind == "bool"]
    settings = [
        _field_line(name)
        for name, target in TARGETS.items()
        if target.kind != "bool" and ZH_KEY_ALIASES.get(name)
    ]
    out = [
        STRINGS["help.intro"],
        STRINGS["help.example"].format(invocation=invocation),
        "",
        STRINGS["help.switches"],
        *switches,
        "",
        STRINGS["help.settings"],
        *settings,
        "",
        STRINGS["help.shortcuts"].format(words="、".join(f"`{word}`" for word in ZH_BARE_WORDS)),
        "",
        STRINGS["help.english"].format(invocation=invocation),
        STRINGS["help.outro"],
    ]
    return "\n".join(out) + "\n"
