"""The chat query language: what people type in Slack, Mattermost, Teams, `?q=` and `netadvisor ask`."""

from __future__ import annotations

import json
from enum import Enum
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.cli import main
from service.models import Deployment, Driver, Requirements
from service.query.grammar import parse_query
from service.query.help import help_text
from service.query.problems import QueryError
from service.query.tokens import BARE_VALUES, tokens_for

# A valid, non-default value for every field that is not a yes/no flag or an enum. A field added to the
# models without an entry here fails test_every_field_has_a_token, which is the point.
SAMPLES: dict[str, str] = {
    "hosts": "3",
    "ports": "80,443,8000-9000",
    "vlan": "20",
    "containers_per_host": "50",
    "network_name": "web-net",
    "parent_interface": "eth0.20",
    "windows_adapter": "Ethernet2",
    "subnet": "10.20.0.0/24",
    "ip_range": "10.20.0.128/26",
    "gateway": "10.20.0.1",
    "ipv6_subnet": "fd00:db8:1::/64",
    "image": "registry.example.com/team/app:2",
    "container_name": "web",
    "mtu": "1450",
    "advertise_addr": "10.0.0.5",
}


def _fields() -> list[tuple[str, str, Any]]:
    out = []
    for section, model in (("requirements", Requirements), ("deployment", Deployment)):
        out += [(section, name, info) for name, info in model.model_fields.items()]
    return out


@pytest.mark.parametrize(
    ("section", "name", "info"), _fields(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_field_has_a_token(section: str, name: str, info: Any) -> None:
    """Every Requirements and Deployment field is reachable, through each of its tokens, to a non-default."""
    tokens = tokens_for(name)
    assert tokens, f"{section}.{name} has no query token"
    annotation = info.annotation
    is_enum = isinstance(annotation, type) and issubclass(annotation, Enum)
    reached_non_default = False
    for token in tokens:
        if token in BARE_VALUES:
            query, expected = token, BARE_VALUES[token][1]
        elif annotation is bool:
            query, expected = (token, True) if info.default is False else (f"no-{token}", False)
        elif is_enum:
            expected = next(member.value for member in annotation if member != info.default)
            query = f"{token}={expected}"
        else:
            assert name in SAMPLES, f"add a sample value for {section}.{name} to SAMPLES"
            query = f"{token}={SAMPLES[name]}"
            expected = SAMPLES[name].split(",") if name == "ports" else SAMPLES[name]
            if name in ("gateway", "ip_range"):
                query += f" subnet={SAMPLES['subnet']}"
        got = getattr(getattr(parse_query(query).request, section), name)
        got = got.value if isinstance(got, Enum) else got
        assert str(got) == str(expected) if not isinstance(got, list) else got == expected, query
        reached_non_default = reached_non_default or got != getattr(info.default, "value", info.default)
    assert reached_non_default, f"no token sets {section}.{name} to anything but its default"


def test_the_brief_s_example_tokens_all_work() -> None:
    request = parse_query(
        "cross-host swarm own-ip own-mac mac-limit multicast ipv6 encrypted host-access wifi no-dns "
        "ports=80,443,8000-9000 hosts=3 vlan=20 platform=rootless cloud=aws access=internal "
        "isolation=required perf=high containers=50 subnet=10.20.0.0/24 gateway=10.20.0.1 "
        "range=10.20.0.128/26 ipv6-subnet=fd00:db8:1::/64 parent=eth0 name=lan image=nginx:1.27 "
        "container=web mtu=1450 advertise=10.0.0.5"
    ).request
    req, dep = request.requirements, request.deployment
    assert (req.cross_host, req.swarm, req.own_ip, req.own_mac, req.mac_limit) == (True,) * 5
    assert req.multicast.value == "lan"  # the bare word means LAN multicast, as `multicast: true` does
    assert (req.ipv6, req.encryption, req.host_access, req.wireless_parent) == (True,) * 4
    assert req.service_discovery is False
    assert req.ports == ["80", "443", "8000-9000"]
    assert (req.hosts, req.vlan, req.containers_per_host) == (3, 20, 50)
    assert (req.platform.value, req.cloud.value, req.network_access.value) == ("rootless", "aws", "internal")
    assert (req.host_isolation.value, req.performance.value) == ("required", "high")
    assert (dep.subnet, dep.gateway, dep.ip_range) == ("10.20.0.0/24", "10.20.0.1", "10.20.0.128/26")
    assert (dep.ipv6_subnet, dep.parent_interface, dep.network_name) == ("fd00:db8:1::/64", "eth0", "lan")
    assert (dep.image, dep.container_name, dep.mtu, dep.advertise_addr) == (
        "nginx:1.27",
        "web",
        1450,
        "10.0.0.5",
    )


@pytest.mark.parametrize(
    ("query", "field", "value"),
    [
        ("multihost", "cross_host", True),
        ("cross_host", "cross_host", True),
        ("CROSS-HOST", "cross_host", True),
        ("--swarm", "swarm", True),
        ("\u2014swarm", "swarm", True),  # `--swarm` after macOS smart punctuation
        ("swarm=yes", "swarm", True),
        ("swarm:off", "swarm", False),
        ("no-discovery", "service_discovery", False),
        ("dns=no", "service_discovery", False),
        ("desktop", "platform", "docker-desktop"),
        ("mac", "platform", "docker-desktop"),
        ("platform=mac", "platform", "docker-desktop"),
        ("Platform:Docker-Desktop", "platform", "docker-desktop"),
        ("os=rootless", "platform", "rootless"),
        ("aws", "cloud", "aws"),
        ("cloud=Google", "cloud", "gcp"),
        ("isolation=not-needed", "host_isolation", "not_needed"),
        ("no-isolation", "host_isolation", "not_needed"),
        ("perf=fast", "performance", "high"),
        ("offline", "network_access", "none"),
        ("hosts = 3", "hosts", 3),
        ("hosts: 3", "hosts", 3),
        ("nodes=4", "hosts", 4),
        ('"hosts=5"', "hosts", 5),
        ("ports=80, 443 ,53/udp", "ports", ["80", "443", "53/udp"]),
        ("port=80 port=443", "ports", ["80", "443"]),
    ],
)
def test_aliases_people_type(query: str, field: str, value: object) -> None:
    got = getattr(parse_query(query).request.requirements, field)
    assert (got.value if isinstance(got, Enum) else got) == value


def test_values_keep_their_case_and_colons() -> None:
    deployment = parse_query(
        "image:Registry.example.com:5000/team/app:V2 ipv6-subnet:fd00::/64"
    ).request.deployment
    assert deployment.image == "Registry.example.com:5000/team/app:V2"
    assert deployment.ipv6_subnet == "fd00::/64"


def test_share_help_and_filler_words() -> None:
    query = parse_query("cross-host and swarm, share")
    assert query.share and not query.help
    assert query.request.requirements.cross_host and query.request.requirements.swarm
    assert parse_query("help").help
    assert not parse_query("swarm").share


@pytest.mark.parametrize(
    ("query", "token", "suggestion"),
    [
        ("hots=3", "hots=3", "hosts=3"),
        ("crosshots", "crosshots", "crosshost"),
        ("swram", "swarm", "swarm"),
        ("encrpyted", "encrpyted", "encrypted"),
        ("platform=rootles", "platform=rootles", "platform=rootless"),
        ("cloud=awz", "cloud=awz", "cloud=aws"),
        ("parnet=eth0", "parnet=eth0", "parent=eth0"),
        ("swarm=maybe", "swarm=maybe", "swarm=yes"),
    ],
)
def test_unknown_tokens_name_the_token_and_the_nearest_valid_one(
    query: str, token: str, suggestion: str
) -> None:
    with pytest.raises(QueryError) as caught:
        parse_query(query)
    problem = caught.value.problems[0]
    assert problem.suggestion == suggestion
    assert f"`{suggestion}`" in caught.value.message
    assert query.split("=", maxsplit=1)[0] in caught.value.message


def test_every_bad_token_is_reported_not_just_the_first() -> None:
    with pytest.raises(QueryError) as caught:
        parse_query("swarm hots=3 encrpyted vlan")
    assert [problem.token for problem in caught.value.problems] == ["hots=3", "encrpyted", "vlan"]
    assert caught.value.problems[2].type == "missing_value"
    assert "`vlan=20`" in caught.value.problems[2].message


@pytest.mark.parametrize(
    ("query", "token", "fragment"),
    [
        ("parent=eth0;rm", "parent=eth0;rm", "must be a Linux interface name"),
        ("hosts=0", "hosts=0", "greater than or equal to 1"),
        ("vlan=5000", "vlan=5000", "less than or equal to 4094"),
        ("vlan=abc", "vlan=abc", "valid integer"),
        ("ports=80,99999", "ports=80,99999", "between 1 and 65535"),
        ("name=-bad", "name=-bad", "must start with a letter or digit"),
        ("subnet=10.0.0.1/24", "subnet=10.0.0.1/24", "no host bits set"),
        ("image=Nginx", "image=Nginx", "image reference"),
    ],
)
def test_values_go_through_the_models_validation(query: str, token: str, fragment: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse_query(query)
    problem = caught.value.problems[0]
    assert problem.token == token
    assert fragment in problem.message
    assert problem.message.startswith(f"`{token}`")


def test_cross_field_rules_of_the_model_apply() -> None:
    with pytest.raises(QueryError, match="gateway and ip_range need subnet"):
        parse_query("gateway=10.0.0.1")
    with pytest.raises(QueryError, match="must be a host address inside subnet"):
        parse_query("subnet=10.0.0.0/24 gateway=10.9.9.9")


def test_contradictions_are_refused_rather_than_guessed() -> None:
    with pytest.raises(QueryError, match="`no-swarm` contradicts `swarm`"):
        parse_query("swarm no-swarm")
    with pytest.raises(QueryError, match="contradicts"):
        parse_query("hosts=3 hosts=4")


def test_a_pasted_essay_is_refused_quickly_and_politely() -> None:
    with pytest.raises(QueryError, match="at most 8192"):
        parse_query("swarm " * 5000)
    with pytest.raises(QueryError) as caught:
        parse_query(" ".join(f"word{n}" for n in range(500)))
    assert len(caught.value.problems) == 10
    assert "(and 7 more)" in caught.value.message


def test_help_lists_a_token_for_every_field() -> None:
    text = help_text("/netadvisor")
    for name in [*Requirements.model_fields, *Deployment.model_fields]:
        assert any(f"`{token}" in text or f"`no-{token}`" in text for token in tokens_for(name)), name
    assert "`share`" in text
    assert "`share`" not in help_text("@bot", can_share=False)
    assert "`" not in help_text("netadvisor ask", markdown=False)


# -- GET /v1/recommendations?q= -----------------------------------------------------------------------------


def test_get_with_a_query_answers_like_the_post(client: TestClient) -> None:
    query = "cross-host swarm encrypted hosts=3"
    got = client.get("/v1/recommendations", params={"q": query})
    posted = client.post(
        "/v1/recommendations",
        json={"requirements": {"cross_host": True, "swarm": True, "encryption": True, "hosts": 3}},
    )
    assert got.status_code == 200
    assert got.headers["content-type"].startswith("application/json")
    assert got.json() == posted.json()
    assert got.json()["recommendation"] == Driver.overlay.value


def test_get_negotiates_markdown_and_text(client: TestClient) -> None:
    markdown = client.get("/v1/recommendations", params={"q": "swarm", "format": "markdown"})
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert markdown.text.lstrip().startswith("# Use overlay")
    text = client.get("/v1/recommendations", params={"q": "swarm"}, headers={"Accept": "text/plain"})
    assert text.headers["content-type"].startswith("text/plain")
    assert text.text.lstrip().startswith("Use overlay")


def test_get_with_a_typo_is_a_422_envelope_naming_token_and_nearest(client: TestClient) -> None:
    response = client.get("/v1/recommendations", params={"q": "cross-host hots=3"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert "`hots=3`" in error["message"] and "`hosts=3`" in error["message"]
    assert error["details"][0]["token"] == "hots=3"
    assert error["details"][0]["suggestion"] == "hosts=3"


def test_get_refuses_bad_values_with_the_models_message(client: TestClient) -> None:
    response = client.get("/v1/recommendations", params={"q": "macvlan parent=eth0;rm"})
    assert response.status_code == 422
    assert [detail["token"] for detail in response.json()["error"]["details"]] == ["macvlan"]
    response = client.get("/v1/recommendations", params={"q": "own-mac parent=eth0;rm"})
    assert response.status_code == 422
    assert "must be a Linux interface name" in response.json()["error"]["message"]


def test_get_without_q_is_a_422_envelope(client: TestClient) -> None:
    response = client.get("/v1/recommendations")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"


# -- netadvisor ask -----------------------------------------------------------------------------------------


def test_cli_ask_answers_in_text_markdown_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "cross-host swarm encrypted"]) == 0
    assert capsys.readouterr().out.startswith("\nUse overlay")
    assert main(["ask", "cross-host", "swarm", "--format", "markdown"]) == 0  # unquoted words work too
    assert capsys.readouterr().out.startswith("\n# Use overlay")
    assert main(["ask", "own-mac cloud=aws", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["recommendation"] is None and data["relaxations"]


def test_cli_ask_typo_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "swram"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("netadvisor: error: unknown token `swram`; did you mean `swarm`?")
    assert "Traceback" not in captured.err


def test_cli_ask_help_prints_the_grammar(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "help"]) == 0
    out = capsys.readouterr().out
    assert "netadvisor ask cross-host swarm" in out and "Add share" not in out
