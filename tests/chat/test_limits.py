"""Every chat reply stays within its platform's limits, for the largest answers the advisor can produce.

The largest answers are searched for, not guessed: starting from the values that lengthen commands (256
published port ranges, the longest names and image reference the models accept), a hill climb flips one
requirement at a time and keeps whatever makes the Markdown longer. A second climb does the same among
answers with no viable driver (conflicts and relaxations instead of commands). The replies for the worst
cases found, sent through the real endpoints, must respect each platform's limits and still carry the
top driver, every driver's one-line verdict and a note saying what was left out.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterator
from enum import Enum
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from service.advisor import Advisor
from service.api.app import create_app
from service.chat import mattermost, slack, teams
from service.chat.answer import answer_query
from service.models import Recommendation, Requirements
from service.query.grammar import parse_query
from service.query.problems import QueryError
from service.query.tokens import TARGETS
from service.render import render_recommendation
from service.settings import Settings

SLACK_SECRET = "limits-slack-secret"
MATTERMOST_TOKEN = "limits-mattermost-token"
TEAMS_SECRET = base64.b64encode(b"limits-teams-token").decode()

SLACK_MAX_BLOCKS = 50
SLACK_MAX_SECTION = 3000
SLACK_MAX_HEADER = 150
SLACK_AGGREGATE = 12_000  # `msg_blocks_too_long` is reported near 13k; the brief asks to stay under ~12k
MATTERMOST_MAX = 16_383
TEAMS_MAX_UTF16_BYTES = 40 * 1024

LONG_PORTS = ",".join(f"{10000 + 3 * n}-{10001 + 3 * n}/udp" for n in range(256))  # the model's maximum
LONG_DEPLOYMENT = {
    "name": "n" * 64,
    "container": "c" * 64,
    "image": "registry.example.com:5000/" + "/".join(["abcdefghij" * 2] * 6) + ":" + "t" * 100,
    "parent": "enp123s0f1.409",
    "subnet": "10.0.0.0/8",
    "gateway": "10.0.0.1",
    "range": "10.128.0.0/9",
    "ipv6-subnet": "fd00:1234:5678:9abc::/64",
    "mtu": "9000",
    "advertise": "fd00:1234:5678:9abc:1234:5678:9abc:def0",
}


def _choices() -> dict[str, list[str | None]]:
    """Per requirement: the query tokens to try (None: leave it out)."""
    choices: dict[str, list[str | None]] = {}
    for name, info in Requirements.model_fields.items():
        target = TARGETS[name]
        annotation = info.annotation
        if annotation is bool:
            choices[name] = [None, f"no-{target.display}" if info.default else target.display]
        elif isinstance(annotation, type) and issubclass(annotation, Enum):
            choices[name] = [None] + [f"{target.display}={m.value}" for m in annotation if m != info.default]
    choices["hosts"] = [None, "hosts=2", "hosts=3", "hosts=10000"]
    choices["ports"] = [None, "ports=80", f"ports={LONG_PORTS}"]
    choices["vlan"] = [None, "vlan=4094"]
    choices["containers_per_host"] = [None, "containers=100000"]
    choices["deployment"] = [None, " ".join(f"{key}={value}" for key, value in LONG_DEPLOYMENT.items())]
    return choices


def _query(state: dict[str, str | None]) -> str:
    return " ".join(token for token in state.values() if token)


def _climb(
    advisor: Advisor, start: dict[str, str | None], keep: Callable[[Recommendation], bool]
) -> tuple[int, str]:
    choices = _choices()

    def size(state: dict[str, str | None]) -> int:
        rec = advisor.recommend(parse_query(_query(state)).request)
        return len(render_recommendation(rec)) if keep(rec) else -1

    state, best = start, size(start)
    improved = True
    while improved:
        improved = False
        for name, options in choices.items():
            for option in options:
                if option == state.get(name):
                    continue
                candidate = {**state, name: option}
                length = size(candidate)
                if length > best:
                    state, best, improved = candidate, length, True
    return best, _query(state)


@pytest.fixture(scope="module")
def worst_queries(advisor: Advisor) -> dict[str, str]:
    amplified = {"ports": f"ports={LONG_PORTS}", "deployment": _choices()["deployment"][1]}
    viable_size, viable = _climb(advisor, amplified, lambda rec: rec.recommendation is not None)
    start = {**amplified, "own_mac": "own-mac", "cloud": "cloud=aws"}
    conflict_size, conflict = _climb(advisor, start, lambda rec: rec.recommendation is None)
    # The search must actually find answers bigger than every platform takes in one message.
    assert viable_size > 30_000, viable_size
    assert conflict_size > 2_000, conflict_size
    return {"viable": viable, "no_viable": conflict}


@pytest.fixture(scope="module")
def chat(advisor: Advisor) -> Iterator[TestClient]:
    settings = Settings(
        slack_signing_secret=SecretStr(SLACK_SECRET),
        mattermost_token=SecretStr(MATTERMOST_TOKEN),
        teams_secret=SecretStr(TEAMS_SECRET),
    )
    with TestClient(create_app(settings, advisor=advisor)) as client:
        yield client


def _slack(client: TestClient, text: str) -> dict[str, Any]:
    body = urlencode({"command": "/netadvisor", "text": text}).encode()
    ts = str(int(time.time()))
    signature = (
        "v0=" + hmac.new(SLACK_SECRET.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    )
    headers = {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}
    response = client.post("/v1/chat/slack", content=body, headers=headers)
    assert response.status_code == 200
    reply: dict[str, Any] = response.json()
    return reply


def _mattermost(client: TestClient, text: str) -> dict[str, Any]:
    body = urlencode({"command": "/netadvisor", "text": text, "token": MATTERMOST_TOKEN}).encode()
    response = client.post("/v1/chat/mattermost", content=body)
    assert response.status_code == 200
    reply: dict[str, Any] = response.json()
    return reply


def _teams(client: TestClient, text: str) -> tuple[dict[str, Any], bytes]:
    body = json.dumps({"type": "message", "text": f"<at>netadvisor</at> {text}"}).encode()
    digest = hmac.new(base64.b64decode(TEAMS_SECRET), body, hashlib.sha256).digest()
    response = client.post(
        "/v1/chat/teams", content=body, headers={"Authorization": "HMAC " + base64.b64encode(digest).decode()}
    )
    assert response.status_code == 200
    reply: dict[str, Any] = response.json()
    return reply, response.content


def _check_slack(reply: dict[str, Any]) -> str:
    blocks = reply["blocks"]
    assert 1 <= len(blocks) <= SLACK_MAX_BLOCKS
    for block in blocks:
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= SLACK_MAX_HEADER
        elif block["type"] == "section":
            assert 1 <= len(block["text"]["text"]) <= SLACK_MAX_SECTION
            assert block["text"]["text"].count("```") % 2 == 0, "a code fence split across sections"
    assert slack.block_text_size(blocks) <= SLACK_AGGREGATE
    return "\n".join(
        block["text"]["text"] if "text" in block else block["elements"][0]["text"] for block in blocks
    )


def _check_all(client: TestClient, query: str) -> dict[str, str]:
    slack_text = _check_slack(_slack(client, query))
    mattermost_text = _mattermost(client, query)["text"]
    assert len(mattermost_text) <= MATTERMOST_MAX
    assert mattermost_text.count("```") % 2 == 0
    teams_reply, raw = _teams(client, query)
    assert len(raw.decode().encode("utf-16-le")) <= TEAMS_MAX_UTF16_BYTES
    assert teams.utf16_size(teams_reply) <= TEAMS_MAX_UTF16_BYTES
    assert teams_reply["text"].count("```") % 2 == 0
    return {"slack": slack_text, "mattermost": mattermost_text, "teams": teams_reply["text"]}


@pytest.mark.slow
def test_largest_viable_answer_fits_every_platform_and_keeps_the_essentials(
    chat: TestClient, advisor: Advisor, worst_queries: dict[str, str]
) -> None:
    query = worst_queries["viable"]
    rec = advisor.recommend(parse_query(query).request)
    assert rec.recommendation is not None
    full = render_recommendation(rec)
    assert len(full) > MATTERMOST_MAX  # really a case that needed shortening
    for platform, text in _check_all(chat, query).items():
        assert f"Use {rec.recommendation.value}" in text, platform
        assert "NA0" in text, platform  # the reasons
        for result in rec.ranking:  # one line per driver, excluded ones saying why
            assert f"`{result.driver.value}` (rank {result.rank}," in text, (platform, result.driver)
        assert "Shortened to fit" in text and "netadvisor ask" in text, platform
        assert "```" in text, platform  # some commands survive, in code blocks


@pytest.mark.slow
def test_largest_no_viable_answer_fits_every_platform_with_conflicts_and_relaxations(
    chat: TestClient, advisor: Advisor, worst_queries: dict[str, str]
) -> None:
    query = worst_queries["no_viable"]
    rec = advisor.recommend(parse_query(query).request)
    assert rec.recommendation is None
    for platform, text in _check_all(chat, query).items():
        assert "No driver meets all of these requirements" in text, platform
        for conflict in rec.conflicts:
            for exclusion in conflict.excluded_by:
                assert exclusion.rule in text, (platform, exclusion.rule)
        if rec.relaxations:
            assert "What would make it work" in text, platform


def test_help_and_a_page_of_typos_fit_every_platform(chat: TestClient) -> None:
    help_texts = _check_all(chat, "help")
    assert all("`hosts=3`" in text for text in help_texts.values())
    typos = " ".join(f"{'x' * 50}{n}=1" for n in range(100))
    for text in _check_all(chat, typos).values():
        assert "Could not read that query" in text


def test_an_answer_that_fits_is_not_shortened(chat: TestClient, advisor: Advisor) -> None:
    query = "cross-host swarm encrypted hosts=3 ports=80,443"
    rec = advisor.recommend(parse_query(query).request)
    for platform, text in _check_all(chat, query).items():
        assert "Shortened" not in text, platform
        assert "services:" in text, platform  # the Compose snippet is there
        assert rec.ranking[0].commands is not None
        for command in rec.ranking[0].commands.network:
            assert command.command in text.replace("&amp;", "&"), platform


# -- any query at all ---------------------------------------------------------------------------------------

_VOCABULARY = sorted(
    {
        *(t.display for t in TARGETS.values() if t.kind == "bool"),
        *(f"no-{t.display}" for t in TARGETS.values() if t.kind == "bool"),
        *(t.example for t in TARGETS.values() if t.kind != "bool"),
        "hosts=10000",
        "containers=100000",
        f"ports={LONG_PORTS}",
        "name=" + "n" * 64,
        "image=" + LONG_DEPLOYMENT["image"],
        "aws",
        "rootless",
        "mac",
        "share",
        "help",
        "hots=3",
        "swram",
        "vlan=99999",
        "parent=eth0;rm",
    }
)


@given(st.lists(st.sampled_from(_VOCABULARY), max_size=12), st.sampled_from(["slack", "mattermost", "teams"]))
@settings(max_examples=150, deadline=None, database=None, derandomize=True)
def test_any_combination_of_tokens_answers_within_the_platform_limits(
    advisor: Advisor, tokens: list[str], platform: str
) -> None:
    answer = answer_query(advisor, " ".join(tokens), invocation="/netadvisor")
    if platform == "slack":
        _check_slack(slack.reply(answer))
    elif platform == "mattermost":
        text = mattermost.reply(answer)["text"]
        assert len(text) <= MATTERMOST_MAX and text.count("```") % 2 == 0
    else:
        assert teams.utf16_size(teams.reply(answer)) <= TEAMS_MAX_UTF16_BYTES


@given(st.text(max_size=400))
@settings(max_examples=300, deadline=None, database=None, derandomize=True)
def test_any_text_is_an_answer_or_a_named_refusal(text: str) -> None:
    try:
        parse_query(text)
    except QueryError as exc:  # anything else (a KeyError, an IndexError...) fails the test
        problems = exc.problems
        assert problems and all(problem.message for problem in problems)


@pytest.mark.slow
def test_largest_viable_answer_in_chinese_fits_and_says_what_was_left_out(
    chat: TestClient, advisor: Advisor, worst_queries: dict[str, str]
) -> None:
    """The same worst case asked with `lang=zh`: the shortening finds the translated Compose and
    assumptions sections and writes its note in Chinese, within every platform's limits."""
    query = worst_queries["viable"] + " lang=zh"
    rec = advisor.recommend(parse_query(query).request, "zh-CN")
    assert rec.recommendation is not None
    for platform, text in _check_all(chat, query).items():
        assert f"使用 {rec.recommendation.value}" in text, platform
        assert "为适应一条" in text and "netadvisor ask" in text, platform
        assert "Shortened" not in text and "Compose snippet" not in text, platform
