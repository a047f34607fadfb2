"""Chinese (zh-CN) answers: the translation catalogue is complete and current, the language is negotiated
the way HTTP clients and people ask for it, and only human texts change: codes, JSON keys, enum values and
commands stay exactly as in English, which itself stays byte-identical."""

from __future__ import annotations

import io
import json
import re
import string
from typing import Any

import pytest
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from service.advisor import Advisor
from service.catalogue import Catalogue
from service.chat import mattermost, slack, teams
from service.chat.answer import answer_query
from service.cli import main
from service.docs.messages import template, updated_po
from service.i18n import gettext_for, negotiate, po_path, translations
from service.models import RecommendationRequest
from service.render import render_recommendation
from service.review.merge import SourceFile
from service.review.reviewer import Reviewer

ZH = gettext_for("zh-CN")
SWARM = {"requirements": {"hosts": 3, "swarm": True, "encryption": True}}
NOTHING_FITS = {"requirements": {"own_mac": True, "cloud": "aws"}}


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _po() -> Any:
    with po_path("zh-CN").open("rb") as handle:
        return read_po(handle, locale="zh_CN")


# -- the catalogue ------------------------------------------------------------------------------------------


def test_every_text_has_a_checked_chinese_translation_with_the_same_placeholders(
    catalogue: Catalogue,
) -> None:
    po = _po()
    missing, fuzzy, placeholders = [], [], []
    for message in template(catalogue):
        if not message.id:
            continue
        entry = po.get(message.id)
        if entry is None or not entry.string:
            missing.append(message.id)
        elif entry.fuzzy:
            fuzzy.append(message.id)
        elif _fields(entry.string) != _fields(message.id):
            placeholders.append((message.id, entry.string))
    assert not missing, f"untranslated (run `make docs`, then translate): {missing}"
    assert not fuzzy, f"fuzzy translations (check them, then drop the flag): {fuzzy}"
    assert not placeholders, f"translations that drop or rename a {{placeholder}}: {placeholders}"


def test_the_po_file_is_current(catalogue: Catalogue) -> None:
    """`make docs` would change nothing: no msgid is missing from the .po, none is left over."""
    current = po_path("zh-CN").read_bytes()
    assert updated_po("zh-CN", current, template(catalogue)) == current, "run `make docs`"


def test_the_extractor_finds_the_code_and_the_rule_texts(catalogue: Catalogue) -> None:
    ids = {message.id for message in template(catalogue)}
    assert "Excluded by {rule}: {message}" in ids  # engine.py, `_(...)`
    assert "Start the container on the network." in ids  # commands.py, `self._(...)`
    assert "replace with your application's image" in ids  # commands.py, `N_(...)`
    assert "What would make it work" in ids  # render.py
    rule = catalogue.rule("NA011")
    assert rule is not None and rule.data.messages and rule.data.compromise
    assert set(rule.data.messages.values()) | set(rule.data.compromise.make_up.values()) <= ids
    assert catalogue.drivers[next(iter(catalogue.drivers))].title in ids


def test_a_fuzzy_translation_is_not_shown() -> None:
    """Babel proposes a similar old translation for a new msgid as fuzzy; the app must show English."""
    po = _po()
    entry = po.get("Start the container on the network.")
    entry.flags.add("fuzzy")
    buffer = io.BytesIO()
    from babel.messages.mofile import write_mo

    write_mo(buffer, po)
    buffer.seek(0)
    from babel.support import Translations

    assert Translations(buffer).gettext(entry.id) == entry.id
    assert translations("zh-CN").gettext(entry.id) != entry.id


# -- negotiation ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh", "zh-CN"),
        ("zh-CN", "zh-CN"),
        ("zh-cn", "zh-CN"),
        ("zh_CN", "zh-CN"),
        ("zh-Hans", "zh-CN"),
        ("zh-Hans-CN", "zh-CN"),
        ("zh-SG", "zh-CN"),
        ("zh-TW", "en"),  # Traditional script: no translation, so not Simplified by mistake
        ("zh-Hant", "en"),
        ("zh-HK, zh-CN;q=0.5", "zh-CN"),
        ("en-US,en;q=0.9,zh-CN;q=0.8", "en"),
        ("en;q=0.5, zh-CN;q=0.9", "zh-CN"),
        ("zh-CN;q=0, en", "en"),
        ("fr-FR, de;q=0.9", "en"),
        ("fr, zh;q=0.1", "zh-CN"),
        ("*", "en"),
        ("", "en"),
        ("zh;q=abc", "en"),
    ],
)
def test_accept_language(header: str, expected: str) -> None:
    assert negotiate(header) == expected


def test_an_explicit_choice_wins_and_an_unknown_one_is_refused() -> None:
    assert negotiate("en", "zh") == "zh-CN"
    assert negotiate("zh-CN", "en") == "en"
    assert negotiate("zh-CN", "fr") is None


# -- HTTP ---------------------------------------------------------------------------------------------------


def _zh_top_summary(advisor: Advisor) -> str:
    rule = advisor.catalogue.rule("NA005")
    assert rule is not None
    return ZH("Recommended ({rule}): {message}").format(rule="NA005", message=ZH(rule.data.message))


def test_accept_language_zh_gives_chinese_texts_and_says_so(client: TestClient, advisor: Advisor) -> None:
    response = client.post("/v1/recommendations", json=SWARM, headers={"Accept-Language": "zh-CN,en;q=0.5"})
    assert response.status_code == 200
    assert response.headers["content-language"] == "zh-CN"
    assert "accept-language" in response.headers["vary"].lower()
    body = response.json()
    top = body["ranking"][0]
    assert top["summary"] == _zh_top_summary(advisor)
    assert top["summary"].startswith("推荐（NA005）：")
    assert any("覆盖网络" in reason["message"] for reason in top["reasons"])
    assert top["commands"]["network"][0]["description"].startswith("在管理节点上：创建加密（IPsec）覆盖网络")


def test_only_human_texts_change(client: TestClient) -> None:
    english = client.post("/v1/recommendations", json=SWARM).json()
    chinese = client.post("/v1/recommendations?lang=zh", json=SWARM).json()

    def shape(value: Any, key: str = "") -> Any:
        """Everything but the human texts: keys, codes, enum values, scores, argv, Compose."""
        if isinstance(value, dict):
            return {k: shape(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [shape(v, key) for v in value]
        return (
            None
            if key in {"summary", "message", "description", "note", "make_up", "instead", "alternatives"}
            else value
        )

    assert shape(chinese) == shape(english)
    assert chinese["ranking"][0]["summary"] != english["ranking"][0]["summary"]


def test_lang_query_wins_over_the_header(client: TestClient) -> None:
    response = client.post("/v1/recommendations?lang=zh", json=SWARM, headers={"Accept-Language": "en"})
    assert response.headers["content-language"] == "zh-CN"
    assert response.json()["ranking"][0]["summary"].startswith("推荐")
    response = client.post("/v1/recommendations?lang=en", json=SWARM, headers={"Accept-Language": "zh"})
    assert response.headers["content-language"] == "en"
    assert response.json()["ranking"][0]["summary"].startswith("Recommended (NA005)")


def test_english_is_byte_identical_and_the_default(client: TestClient, advisor: Advisor) -> None:
    expected, _ = advisor.recommend_json(RecommendationRequest.model_validate(SWARM))
    plain = client.post("/v1/recommendations", json=SWARM)
    asked = client.post("/v1/recommendations", json=SWARM, headers={"Accept-Language": "en-GB"})
    assert plain.content == asked.content == expected
    assert plain.headers["content-language"] == "en"


def test_an_unsupported_language_falls_back_to_english(client: TestClient) -> None:
    english = client.post("/v1/recommendations", json=SWARM)
    french = client.post("/v1/recommendations", json=SWARM, headers={"Accept-Language": "fr-FR,de;q=0.8"})
    assert french.status_code == 200
    assert french.headers["content-language"] == "en"
    assert french.content == english.content


def test_an_unsupported_lang_parameter_is_a_422_naming_it(client: TestClient) -> None:
    response = client.get("/v1/recommendations", params={"q": "swarm", "lang": "fr"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert error["message"].startswith("lang: ") and "'zh'" in error["message"]  # names the valid tags
    assert error["details"][0]["field"] == "lang"


def test_markdown_and_text_in_chinese(client: TestClient) -> None:
    query = {"q": "cross-host swarm encrypted", "format": "markdown"}
    markdown = client.get("/v1/recommendations", params=query, headers={"Accept-Language": "zh"})
    assert markdown.headers["content-language"] == "zh-CN"
    text = markdown.text
    assert text.startswith("\n# 使用 overlay（得分 ")
    for heading in (
        "## 理由",
        "## 警告",
        "## 前置步骤",
        "## 网络",
        "## Swarm 服务",
        "## 所有驱动",
        "## 命令中的假设",
    ):
        assert f"\n{heading}\n" in text
    assert "docker network create --driver overlay --attachable --opt encrypted app-overlay" in text
    plain = client.get(
        "/v1/recommendations", params={"q": "own-mac cloud=aws", "format": "text", "lang": "zh"}
    )
    lines = plain.text.splitlines()
    title = lines.index("没有任何驱动能满足所有这些需求")
    assert lines[title + 1] == "=" * 2 * len(lines[title])  # CJK characters take two columns each
    assert "怎样才能满足" in lines
    assert any(line.startswith("折中方案：") for line in lines)


def test_nothing_fits_in_chinese_keeps_codes_and_values(client: TestClient) -> None:
    body = client.post("/v1/recommendations?lang=zh-Hans", json=NOTHING_FITS).json()
    assert body["recommendation"] is None
    macvlan = next(c for c in body["conflicts"] if c["driver"] == "macvlan")
    exclusion = macvlan["excluded_by"][0]
    assert exclusion["rule"] == "NA013" and exclusion["requirements"] == {"cloud": "aws"}
    assert exclusion["message"].startswith("大多数云服务商（aws）会阻止 macvlan")
    assert body["compromise"]["gives_up"][0]["make_up"].startswith("没有自己的 MAC")
    assert [r["requirement"] for r in body["relaxations"]] == ["cloud", "own_mac"]


def test_rules_and_drivers_in_chinese(client: TestClient) -> None:
    drivers = client.get("/v1/drivers", headers={"Accept-Language": "zh-CN"})
    assert drivers.headers["content-language"] == "zh-CN"
    overlay = next(d for d in drivers.json() if d["driver"] == "overlay")
    assert overlay["title"] == "覆盖网络（VXLAN）"
    assert overlay["docs"].startswith("https://")
    rule = client.get("/v1/rules/NA013?lang=zh").json()
    assert rule["id"] == "NA013" and rule["name"] == "macvlan-blocked-in-cloud"
    assert "云服务商" in rule["summary"]
    english = client.get("/v1/drivers/overlay")
    assert english.headers["content-language"] == "en" and english.json()["title"] == "Overlay (VXLAN)"


# -- every rule ----------------------------------------------------------------------------------------------


def test_every_rule_case_that_fires_reads_in_chinese(advisor: Advisor, catalogue: Catalogue) -> None:
    """Each firing case's Chinese answer carries the rule's translated texts, placeholders filled."""
    for rule in catalogue.rules:
        for case in rule.data.cases.fires:
            request = RecommendationRequest.model_validate({"requirements": case.requirements})
            english = advisor.recommend(request)
            chinese = advisor.recommend(request, "zh-CN")
            pairs = [
                (en.message, zh.message)
                for en_result, zh_result in zip(english.ranking, chinese.ranking, strict=True)
                for en, zh in [
                    *zip(en_result.reasons, zh_result.reasons, strict=True),
                    *zip(en_result.warnings, zh_result.warnings, strict=True),
                ]
                if en.rule == rule.id
            ]
            assert pairs or rule.data.effects.prerequisites, f"{rule.id} {case}: no effect shown"
            for en_text, zh_text in pairs:
                assert zh_text != en_text, f"{rule.id} {case}: {en_text!r} is not translated"
                assert "{" not in zh_text, f"{rule.id}: unfilled placeholder in {zh_text!r}"


# -- CLI ----------------------------------------------------------------------------------------------------


def test_cli_lang_zh(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["recommend", "--hosts", "3", "--swarm", "--encryption", "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("\n使用 overlay（得分 90/100）\n")
    assert "docker swarm init" in out
    assert main(["ask", "--lang", "zh-CN", "own-mac cloud=aws", "--format", "markdown"]) == 0
    assert "# 没有任何驱动能满足所有这些需求" in capsys.readouterr().out
    assert main(["drivers", "--lang", "zh"]) == 0
    assert "覆盖网络（VXLAN）" in capsys.readouterr().out


def test_cli_unknown_lang_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["recommend", "--lang", "klingon"])
    assert exited.value.code == 2
    assert "unsupported language 'klingon'; use en or zh" in capsys.readouterr().err


def test_render_without_gettext_is_english(advisor: Advisor) -> None:
    rec = advisor.recommend(RecommendationRequest.model_validate(SWARM))
    assert render_recommendation(rec).startswith("\n# Use overlay (score 90/100)\n")


# -- chat ---------------------------------------------------------------------------------------------------


def test_chat_lang_token_chinese_words_and_the_adapters_preference(advisor: Advisor) -> None:
    asked = answer_query(advisor, "cross-host swarm lang=zh", invocation="/netadvisor")
    assert asked.language == "zh-CN" and asked.headline == "使用 overlay（得分 100/100）"
    assert "\n## 理由\n" in asked.markdown
    assert answer_query(advisor, "中文 cross-host swarm", invocation="/n").language == "zh-CN"
    # The adapter's preference (a user's locale) applies unless the query says otherwise.
    assert answer_query(advisor, "swarm", invocation="/n", language="zh-CN").language == "zh-CN"
    assert answer_query(advisor, "swarm lang=en", invocation="/n", language="zh-CN").language == "en"
    english = answer_query(advisor, "cross-host swarm", invocation="/n")
    assert english.language == "en" and english.headline == "Use overlay (score 100/100)"


def test_chat_refusals_in_chinese(advisor: Advisor) -> None:
    refused = answer_query(advisor, "中文 swarm lang=fr", invocation="/netadvisor")
    assert refused.kind == "error" and refused.language == "zh-CN"
    assert refused.markdown.startswith("**无法读懂这条查询。**\n- `lang=fr`: unsupported language")
    assert "输入 `/netadvisor help` 查看所有词语。" in refused.markdown


def test_slack_reply_in_chinese(advisor: Advisor) -> None:
    reply = slack.reply(answer_query(advisor, "cross-host swarm encrypted 中文", invocation="/netadvisor"))
    assert reply["text"].startswith("使用 overlay")
    texts = [block["text"]["text"] for block in reply["blocks"] if "text" in block]
    assert any("覆盖网络" in text for text in texts)


# -- review --------------------------------------------------------------------------------------------------

HOST_WITH_PORTS = "services:\n  web:\n    image: nginx\n    network_mode: host\n    ports: ['80:80']\n"


def test_every_review_rule_case_that_fires_reads_in_chinese(advisor: Advisor) -> None:
    """Each review rule's firing cases give findings whose message, expectation and fix are Chinese."""
    reviewer = Reviewer.for_advisor(advisor)
    for rule in reviewer.rules.rules:
        for case in rule.data.cases.fires:
            files = [SourceFile("compose.yaml", case.compose)]
            english = reviewer.review(files, case.requirements)
            chinese = reviewer.review(files, case.requirements, language="zh-CN")
            assert [f.fingerprint for f in chinese.findings] == [f.fingerprint for f in english.findings]
            pairs = [
                (en, zh)
                for en, zh in zip(english.findings, chinese.findings, strict=True)
                if en.rule == rule.id
            ]
            assert pairs, f"{rule.id} {case.name}: no finding"
            for en, zh in pairs:
                assert (zh.rule, zh.line, zh.severity, zh.fix.compose) == (
                    en.rule,
                    en.line,
                    en.severity,
                    en.fix.compose,
                )
                for field in ("message", "expected"):
                    assert getattr(zh, field) != getattr(en, field), (
                        f"{rule.id} {case.name}: {field} not translated"
                    )
                assert zh.fix.description != en.fix.description, f"{rule.id} {case.name}: fix not translated"
                assert re.search("[\u4e00-\u9fff]", zh.message), zh.message


def _review_body() -> dict[str, Any]:
    return {"files": [{"name": "compose.yaml", "content": HOST_WITH_PORTS}]}


def test_review_api_in_chinese_json_and_sarif(client: TestClient) -> None:
    response = client.post("/v1/reviews", json=_review_body(), headers={"Accept-Language": "zh-CN"})
    assert response.headers["content-language"] == "zh-CN"
    finding = response.json()["findings"][0]
    assert finding["rule"] == "NR003" and finding["severity"] == "error"
    assert finding["message"].startswith("服务 `web` 使用主机网络并发布了端口（80:80）")
    assert finding["expected"] == "使用主机网络时不要有 `ports:`"
    sarif = client.post("/v1/reviews?format=sarif&lang=zh", json=_review_body())
    assert sarif.headers["content-language"] == "zh-CN"
    result = sarif.json()["runs"][0]["results"][0]
    assert result["ruleId"] == "NR003" and result["level"] == "error"
    assert (
        "\n期望：使用主机网络时不要有 `ports:`。实际：ports: 80:80。\n修复：删除 `ports:`"
        in result["message"]["text"]
    )
    english = client.post("/v1/reviews", json=_review_body())
    assert english.headers["content-language"] == "en"
    assert english.json()["findings"][0]["message"].startswith("service `web` uses the host network")


def test_review_markdown_and_cli_in_chinese(
    client: TestClient, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    markdown = client.post("/v1/reviews?format=markdown&lang=zh", json=_review_body()).text
    assert markdown.startswith("## netadvisor 网络审查\n")
    assert "| | 规则 | 位置 | 发现 |" in markdown and "- **期望：** 使用主机网络时不要有 `ports:`" in markdown
    compose = tmp_path / "compose.yaml"
    compose.write_text(HOST_WITH_PORTS)
    assert main(["review", str(compose), "--lang", "zh"]) == 1
    out = capsys.readouterr().out
    assert "    期望：使用主机网络时不要有 `ports:`" in out
    assert out.rstrip().endswith("compose.yaml 中有 1 个错误、0 个警告、0 条提示")


def test_review_rules_and_sarif_rule_descriptions_in_chinese(client: TestClient) -> None:
    rule = client.get("/v1/review-rules/NR003", headers={"Accept-Language": "zh"})
    assert rule.headers["content-language"] == "zh-CN"
    body = rule.json()
    assert body["id"] == "NR003" and body["severity"] == "error"
    assert body["summary"].startswith("使用主机网络的服务发布了端口")
    assert body["rationale"].startswith("The Compose specification")  # a quote of Docker's docs, as written
    sarif = client.post("/v1/reviews?format=sarif&lang=zh", json=_review_body()).json()
    rules = {r["id"]: r for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["NR003"]["shortDescription"]["text"] == body["summary"]


def test_a_misspelt_query_parameter_on_the_catalogue_is_named(client: TestClient) -> None:
    response = client.get("/v1/drivers", params={"lnag": "zh"})
    assert response.status_code == 422
    assert response.json()["error"]["message"].startswith("'lnag': unknown query parameter")


def test_cli_explain_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "NA013", "--lang", "zh"]) == 0
    assert "云服务商" in capsys.readouterr().out
    assert main(["explain", "NR021", "--lang", "zh"]) == 0
    assert "网络已声明，但没有任何服务加入它。" in capsys.readouterr().out


def test_help_in_chinese_fits_every_chat_platform(
    advisor: Advisor, capsys: pytest.CaptureFixture[str]
) -> None:
    answer = answer_query(advisor, "help 中文", invocation="/netadvisor")
    assert answer.kind == "help" and answer.language == "zh-CN"
    assert answer.markdown.startswith("**netadvisor** 告诉你该用哪个 Docker 网络驱动")
    assert (
        "- `cross-host`（也可写作 crosshost, multihost, multi-host）: 不同 Docker 主机上的容器"
        in answer.markdown
    )
    for reply in (slack.reply(answer), mattermost.reply(answer), teams.reply(answer)):
        assert "Shortened" not in json.dumps(reply, ensure_ascii=False)
    assert main(["ask", "--lang", "zh", "help"]) == 0
    assert "示例：netadvisor ask cross-host swarm" in capsys.readouterr().out


def test_rest_query_lang_token(client: TestClient) -> None:
    """A chat query pasted into `?q=` keeps its `lang=zh`; `?lang=` still wins."""
    chinese = client.get("/v1/recommendations", params={"q": "cross-host swarm lang=zh"})
    assert chinese.headers["content-language"] == "zh-CN"
    assert chinese.json()["ranking"][0]["summary"].startswith("推荐")
    english = client.get("/v1/recommendations", params={"q": "cross-host swarm 中文", "lang": "en"})
    assert english.headers["content-language"] == "en"
    header = client.get(
        "/v1/recommendations", params={"q": "cross-host swarm"}, headers={"Accept-Language": "zh"}
    )
    assert header.headers["content-language"] == "zh-CN"
