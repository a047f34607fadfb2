"""Slack, Mattermost and Teams: requests signed exactly as each platform signs them, and every refusal.

The signatures here are computed from each platform's published scheme, not with the service's own code,
so a mistake in the verification (wrong base string, wrong key decoding) fails these tests.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from service.advisor import Advisor
from service.api import chat_routes
from service.api.app import create_app
from service.chat import slack, teams
from service.chat.layout import Code, Section
from service.settings import Settings

SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"  # the example secret in Slack's documentation
MATTERMOST_TOKEN = "xr3j5x3p4pfjpq5njnfscnhtfc"
TEAMS_SECRET = base64.b64encode(b"teams-webhook-security-token-32b").decode()
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "slack_signing_secret": SecretStr(SLACK_SECRET),
        "mattermost_token": SecretStr(MATTERMOST_TOKEN),
        "teams_secret": SecretStr(TEAMS_SECRET),
        "api_keys": SecretStr("a-key-chat-requests-never-carry"),  # chat paths must not need it
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def chat(advisor: Advisor) -> Iterator[TestClient]:
    with TestClient(create_app(_settings(), advisor=advisor)) as client:
        yield client


# -- Slack --------------------------------------------------------------------------------------------------


def slack_body(text: str, **fields: str) -> bytes:
    form = {
        "token": "deprecated-verification-token",
        "team_id": "T1DC2JH3J",
        "channel_id": "G8PSS9T3V",
        "user_id": "U2CERLKJA",
        "command": "/netadvisor",
        "text": text,
        "response_url": "https://hooks.slack.com/commands/T1DC2JH3J/1/x",
        **fields,
    }
    return urlencode(form).encode()


def slack_headers(body: bytes, *, timestamp: int | None = None, secret: str = SLACK_SECRET) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {**FORM, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def ask_slack(client: TestClient, text: str, **fields: str) -> dict[str, Any]:
    body = slack_body(text, **fields)
    response = client.post("/v1/chat/slack", content=body, headers=slack_headers(body))
    assert response.status_code == 200, response.text
    reply: dict[str, Any] = response.json()
    return reply


def block_texts(reply: dict[str, Any]) -> list[str]:
    texts = []
    for block in reply["blocks"]:
        if "text" in block:
            texts.append(block["text"]["text"])
        texts += [element["text"] for element in block.get("elements", ())]
    return texts


def test_slack_documented_example_request_verifies(chat: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """Slack's own worked example (secret, timestamp, body and signature from its documentation)."""
    body = (
        b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
        b"&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
        b"&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZ"
        b"RskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
    )
    headers = {
        **FORM,
        "X-Slack-Request-Timestamp": "1531420618",
        "X-Slack-Signature": "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
    }
    monkeypatch.setattr(chat_routes, "clock", lambda: 1531420618 + 30)
    response = chat.post("/v1/chat/slack", content=body, headers=headers)
    assert response.status_code == 200
    # Empty text: the command explains itself, in the words of the command as it was invoked.
    assert "`/webhook-collect cross-host swarm" in "\n".join(block_texts(response.json()))
    monkeypatch.setattr(chat_routes, "clock", lambda: 1531420618 + 301)
    assert chat.post("/v1/chat/slack", content=body, headers=headers).status_code == 401


def test_slack_answer_is_block_kit_with_driver_reasons_warnings_commands_and_exclusions(
    chat: TestClient,
) -> None:
    reply = ask_slack(chat, "cross-host swarm encrypted hosts=3")
    assert reply["response_type"] == "ephemeral"
    assert reply["text"] == "Use overlay (score 100/100)"
    assert reply["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Use overlay (score 100/100)"},
    }
    text = "\n".join(block_texts(reply))
    assert "*Why*\n\u2022 NA004" in text  # headings become bold lines, list items bullets
    assert "*Warnings*\n\u2022 NA030" in text
    assert "```\ndocker network create --driver overlay" in text  # fenced, no language tag
    assert "```\ndocker service create" in text
    for driver in ("bridge", "host", "ipvlan", "macvlan", "none"):
        assert re.search(rf"\u2022 `{driver}` \(rank \d, (excluded|score \d+)\): \S", text), driver
    assert not re.search(r"^#", text, re.MULTILINE), "Slack has no Markdown headings"
    assert "**" not in text


def test_slack_share_posts_in_channel(chat: TestClient) -> None:
    assert ask_slack(chat, "swarm share")["response_type"] == "in_channel"


def test_slack_escapes_what_slack_would_read_as_markup(chat: TestClient) -> None:
    # Answers no longer say "<parent>" (NA041 names the parent in the assumptions); the escaping itself
    # still matters: unescaped, Slack would take `<parent>` for a link/mention and drop it.
    text = "\n".join(block_texts(ask_slack(chat, "own-mac vlan=20")))
    assert "<parent>" not in text and "&lt;parent&gt;" not in text
    assert slack.escape("use <parent>.20 & co") == "use &lt;parent&gt;.20 &amp; co"


def test_slack_reads_its_escaped_and_linkified_text(chat: TestClient) -> None:
    reply = ask_slack(
        chat, "own-mac &amp; image=<http://registry.example.com/team/app:2|registry.example.com/team/app:2>"
    )
    text = "\n".join(block_texts(reply))
    assert "registry.example.com/team/app:2" in text
    assert "Could not read" not in text


def test_slack_typo_is_a_friendly_ephemeral_reply_not_an_error(chat: TestClient) -> None:
    reply = ask_slack(chat, "cross-host hots=3 share")
    assert reply["response_type"] == "ephemeral"  # a typo is never posted to the channel
    text = "\n".join(block_texts(reply))
    assert "`hots=3`" in text and "did you mean `hosts=3`?" in text
    assert "`/netadvisor help`" in text
    assert "Traceback" not in text


def test_slack_help(chat: TestClient) -> None:
    text = "\n".join(block_texts(ask_slack(chat, "help", command="/dockernet")))
    assert "`/dockernet cross-host swarm" in text
    assert "`no-dns`" in text and "`hosts=3`" in text and "`share`" in text


def test_slack_no_viable_driver_shows_conflicts_and_relaxations(chat: TestClient) -> None:
    reply = ask_slack(chat, "own-mac cloud=aws")
    assert reply["blocks"][0]["text"]["text"] == "No driver meets all of these requirements"
    text = "\n".join(block_texts(reply))
    assert "\u2022 `macvlan`: NA013 (cloud=aws)" in text
    assert "Instead: ipvlan L2" in text
    assert "*What would make it work*" in text
    assert "Drop `cloud=aws`" in text and "then `macvlan` is recommended" in text


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda h, b: {**h, "X-Slack-Signature": "v0=" + "0" * 64}, "signature mismatch"),
        (lambda h, b: {**h, "X-Slack-Signature": h["X-Slack-Signature"].upper()}, "signature mismatch"),
        (lambda h, b: slack_headers(b, secret="another-apps-secret"), "signature mismatch"),
        (lambda h, b: slack_headers(b, timestamp=int(time.time()) - 301), "outside the 300s window"),
        (lambda h, b: slack_headers(b, timestamp=int(time.time()) + 301), "outside the 300s window"),
        (lambda h, b: {k: v for k, v in h.items() if k != "X-Slack-Signature"}, "missing X-Slack-Signature"),
        (
            lambda h, b: {k: v for k, v in h.items() if k != "X-Slack-Request-Timestamp"},
            "missing X-Slack-Request-Timestamp",
        ),
        (lambda h, b: {**h, "X-Slack-Request-Timestamp": "1e9"}, "not a Unix time"),
    ],
    ids=[
        "wrong",
        "case-changed",
        "other-secret",
        "stale",
        "future",
        "no-signature",
        "no-timestamp",
        "bad-timestamp",
    ],
)
def test_slack_refusals_are_401_envelopes_logged_without_secrets(
    chat: TestClient, caplog: pytest.LogCaptureFixture, mutate: Any, reason: str
) -> None:
    body = slack_body("swarm")
    headers = mutate(slack_headers(body), body)
    with caplog.at_level(logging.WARNING, logger="netadvisor.chat"):
        response = chat.post("/v1/chat/slack", content=body, headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    logged = [r.getMessage() for r in caplog.records if r.name == "netadvisor.chat"]
    assert any(reason in message for message in logged), logged
    everything = caplog.text + response.text
    assert SLACK_SECRET not in everything
    signature = headers.get("X-Slack-Signature", "v0=")[3:]
    assert not signature or signature not in everything


def test_slack_timestamp_inside_the_window_is_accepted(chat: TestClient) -> None:
    body = slack_body("swarm")
    headers = slack_headers(body, timestamp=int(time.time()) - 290)
    assert chat.post("/v1/chat/slack", content=body, headers=headers).status_code == 200


def test_slack_body_changed_after_signing_is_refused(chat: TestClient) -> None:
    body = slack_body("swarm")
    headers = slack_headers(body)
    tampered = body.replace(b"swarm", b"host-access")
    assert chat.post("/v1/chat/slack", content=tampered, headers=headers).status_code == 401


def test_slack_unreadable_payloads_after_a_valid_signature(chat: TestClient) -> None:
    not_utf8 = b"text=\xff\xfe"
    response = chat.post("/v1/chat/slack", content=not_utf8, headers=slack_headers(not_utf8))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"
    no_text = urlencode({"command": "/netadvisor"}).encode()
    response = chat.post("/v1/chat/slack", content=no_text, headers=slack_headers(no_text))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"


# -- disabled integrations ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "setting", "variable"),
    [
        ("/v1/chat/slack", "slack_signing_secret", "NETADVISOR_SLACK_SIGNING_SECRET"),
        ("/v1/chat/mattermost", "mattermost_token", "NETADVISOR_MATTERMOST_TOKEN"),
        ("/v1/chat/teams", "teams_secret", "NETADVISOR_TEAMS_SECRET"),
    ],
)
@pytest.mark.parametrize("unset", [None, SecretStr(""), SecretStr("   ")], ids=["unset", "empty", "blank"])
def test_an_integration_without_its_secret_is_disabled_not_open(
    advisor: Advisor, path: str, setting: str, variable: str, unset: SecretStr | None
) -> None:
    with TestClient(create_app(_settings(**{setting: unset}), advisor=advisor)) as client:
        # Even a request that would pass with an empty secret is refused.
        body = slack_body("swarm")
        headers = {**slack_headers(body, secret=""), "Authorization": "Token "}
        response = client.post(path, content=body, headers=headers)
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "integration_disabled"
    assert variable in error["message"]


def test_teams_secret_that_is_not_base64_disables_teams(advisor: Advisor) -> None:
    with TestClient(create_app(_settings(teams_secret=SecretStr("not base64!")), advisor=advisor)) as client:
        response = client.post("/v1/chat/teams", content=b"{}", headers={"Authorization": "HMAC x"})
    assert response.status_code == 404
    assert "NETADVISOR_TEAMS_SECRET" in response.json()["error"]["message"]


# -- Mattermost ---------------------------------------------------------------------------------------------


def mattermost_body(text: str, token: str | None = MATTERMOST_TOKEN) -> bytes:
    form = {"channel_id": "c1", "command": "/netadvisor", "text": text, "user_id": "u1", "user_name": "ann"}
    if token is not None:
        form["token"] = token
    return urlencode(form).encode()


def test_mattermost_header_token_gets_a_markdown_reply(chat: TestClient) -> None:
    body = mattermost_body("own-mac vlan=20 parent=eth0", token=None)
    headers = {**FORM, "Authorization": f"Token {MATTERMOST_TOKEN}", "Accept": "application/json"}
    response = chat.post("/v1/chat/mattermost", content=body, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    reply = response.json()
    assert reply["response_type"] == "ephemeral"  # always explicit: Mattermost assumes no default
    text = reply["text"]
    assert text.startswith("# Use macvlan")
    assert "\n## Why\n" in text and "\n## Warnings\n" in text
    assert "```sh\ndocker network create --driver macvlan" in text
    assert "parent=eth0.20" in text
    assert re.search(r"^- `bridge` \(rank \d, excluded\): Excluded by NA011", text, re.MULTILINE)


def test_mattermost_form_token_works_and_share_posts_in_channel(chat: TestClient) -> None:
    response = chat.post("/v1/chat/mattermost", content=mattermost_body("swarm share"), headers=FORM)
    assert response.status_code == 200
    assert response.json()["response_type"] == "in_channel"


def test_mattermost_typo_is_a_friendly_reply(chat: TestClient) -> None:
    response = chat.post("/v1/chat/mattermost", content=mattermost_body("platform=rootles"), headers=FORM)
    assert response.status_code == 200
    reply = response.json()
    assert reply["response_type"] == "ephemeral"
    assert "did you mean `platform=rootless`?" in reply["text"]


@pytest.mark.parametrize(
    ("body_token", "header"),
    [
        ("wrong-token", None),
        (None, None),
        (None, f"Token {MATTERMOST_TOKEN[:-1]}"),
        (None, f"Bearer {MATTERMOST_TOKEN}"),
        (MATTERMOST_TOKEN + "x", None),
    ],
    ids=["wrong-form", "missing", "wrong-header", "wrong-scheme", "longer"],
)
def test_mattermost_refusals(
    chat: TestClient, caplog: pytest.LogCaptureFixture, body_token: str | None, header: str | None
) -> None:
    headers = {**FORM, **({"Authorization": header} if header else {})}
    with caplog.at_level(logging.WARNING, logger="netadvisor.chat"):
        response = chat.post(
            "/v1/chat/mattermost", content=mattermost_body("swarm", body_token), headers=headers
        )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert any(r.name == "netadvisor.chat" for r in caplog.records)
    assert MATTERMOST_TOKEN not in caplog.text


def test_mattermost_unreadable_body_is_400_only_once_authenticated(chat: TestClient) -> None:
    headers = {**FORM, "Authorization": f"Token {MATTERMOST_TOKEN}"}
    assert chat.post("/v1/chat/mattermost", content=b"text=\xff", headers=headers).status_code == 400
    assert chat.post("/v1/chat/mattermost", content=b"text=\xff", headers=FORM).status_code == 401


# -- Teams --------------------------------------------------------------------------------------------------


def teams_activity(text: str) -> bytes:
    activity = {
        "type": "message",
        "id": "1485983408511",
        "timestamp": "2017-02-01T21:10:07.437Z",
        "serviceUrl": "https://smba.trafficmanager.net/amer-client-ss.msg/",
        "channelId": "msteams",
        "from": {"id": "29:1XJKJMvc5GBtc2JwZq0oj8tHZmzrQgFmB39ATiQWA85gQtHieVkKilBZ9XHoq9j7", "name": "Tim"},
        "conversation": {"id": "19:253b1f341670408fb6fe51050b6e5ceb@thread.skype;messageid=1485983194839"},
        "text": text,
        "textFormat": "plain",
    }
    return json.dumps(activity).encode()


def teams_headers(body: bytes, secret: str = TEAMS_SECRET) -> dict[str, str]:
    """What Teams sends: HMAC-SHA256 of the raw body, keyed with the base64-decoded security token."""
    digest = hmac.new(base64.b64decode(secret), body, hashlib.sha256).digest()
    return {"Content-Type": "application/json", "Authorization": "HMAC " + base64.b64encode(digest).decode()}


def ask_teams(client: TestClient, text: str) -> dict[str, Any]:
    body = teams_activity(text)
    response = client.post("/v1/chat/teams", content=body, headers=teams_headers(body))
    assert response.status_code == 200, response.text
    reply: dict[str, Any] = response.json()
    return reply


def test_teams_mention_and_html_are_stripped_and_the_reply_is_a_markdown_message(chat: TestClient) -> None:
    reply = ask_teams(chat, "<at>Net Advisor</at>&nbsp;cross-host&nbsp;swarm <b>encrypted</b>")
    assert reply["type"] == "message"
    assert reply["textFormat"] == "markdown"
    text = reply["text"]
    assert text.startswith("**Use overlay (score 100/100)**\n\n")
    assert "**Why**\n\n- NA004" in text and "**Warnings**" in text
    assert "```\ndocker network create --driver overlay" in text
    assert "\n\n- `bridge` (rank " in text  # one paragraph per line: Teams folds single newlines
    assert "<at>" not in text


def test_teams_typo_reply_names_the_bot_as_mentioned(chat: TestClient) -> None:
    text = ask_teams(chat, "<at>Net Advisor</at> swram")["text"]
    assert "did you mean `swarm`?" in text
    assert "`@Net Advisor help`" in text


def test_teams_help_does_not_offer_share(chat: TestClient) -> None:
    text = ask_teams(chat, "<at>netadvisor</at> help")["text"]
    assert "`no-dns`" in text and "`share`" not in text


def test_teams_escapes_angle_brackets_outside_code(chat: TestClient) -> None:
    text = ask_teams(chat, "<at>netadvisor</at> own-mac vlan=20")["text"]
    assert "<parent>" not in text  # answers no longer carry bare placeholders (NA041)
    sections = [Section(None, 0, ["use <parent>.20", Code("sh", "echo <x>")])]
    assert teams.text_for(sections) == "use &lt;parent&gt;.20\n\n```\necho <x>\n```\n"


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"Authorization": "HMAC " + base64.b64encode(b"x" * 32).decode()}, "signature mismatch"),
        ({}, "missing Authorization"),
        ({"Authorization": "Bearer abc"}, "not 'HMAC <signature>'"),
        ({"Authorization": "HMAC "}, "not 'HMAC <signature>'"),
    ],
    ids=["wrong", "missing", "scheme", "empty"],
)
def test_teams_refusals(
    chat: TestClient, caplog: pytest.LogCaptureFixture, headers: dict[str, str], reason: str
) -> None:
    body = teams_activity("<at>netadvisor</at> swarm")
    with caplog.at_level(logging.WARNING, logger="netadvisor.chat"):
        response = chat.post(
            "/v1/chat/teams", content=body, headers={"Content-Type": "application/json", **headers}
        )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert any(reason in r.getMessage() for r in caplog.records if r.name == "netadvisor.chat")
    assert TEAMS_SECRET not in caplog.text


def test_teams_signature_from_another_webhook_is_refused(chat: TestClient) -> None:
    body = teams_activity("swarm")
    other = base64.b64encode(b"another-webhooks-security-token!").decode()
    assert chat.post("/v1/chat/teams", content=body, headers=teams_headers(body, other)).status_code == 401


def test_teams_unreadable_payloads_after_a_valid_signature(chat: TestClient) -> None:
    for body, status in ((b"{not json", 400), (b"[1, 2]", 400), (b'{"type": "message"}', 422)):
        response = chat.post("/v1/chat/teams", content=body, headers=teams_headers(body))
        assert response.status_code == status, body
        assert response.json()["error"]["code"] in ("bad_request", "invalid_request")
