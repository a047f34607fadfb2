"""Properties of the engine that hold for every valid request, and for every hostile string.

Hypothesis generates requirements and deployments across the whole model (every field, every range, every
enum) and hostile strings for every value a user can put into a command. What must always hold:

- an answer: a ranked recommendation with at least one viable driver, or none and a non-empty `conflicts`
  that says what excluded each driver;
- determinism: the same request gives byte-identical JSON, also after a JSON round trip of the request;
- order: no excluded driver ranks above a viable one, ranks are 1..n (6 drivers on Linux, 10 on Windows),
  viable scores never increase;
- commands: `shlex.split(command) == argv` for every command, and every Compose snippet loads with
  `yaml.safe_load` and validates against the Compose spec;
- no user-supplied value reaches a command unvalidated: a hostile value is either refused by the model, or
  it lands in argv only as whole tokens (never split, never merged into shell syntax) and as whole scalars
  in the Compose YAML.
"""

from __future__ import annotations

import ipaddress
import re
import shlex
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from service.advisor import Advisor
from service.models import (
    Cloud,
    Command,
    Deployment,
    HostIsolation,
    NetworkAccess,
    Performance,
    Platform,
    Recommendation,
    RecommendationRequest,
    Requirements,
)
from tests.hostile_strings import NASTY

PROPERTY_SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# -- strategies: valid requests --------------------------------------------------------------------------


@st.composite
def port_specs(draw: st.DrawFn) -> str:
    start = draw(st.integers(1, 65535))
    spec = str(start)
    if draw(st.booleans()):
        spec += f"-{min(65535, start + draw(st.integers(0, 2000)))}"
    return spec + draw(st.sampled_from(["", "/tcp", "/udp", "/sctp", "/TCP"]))


def _overlapping(specs: list[str]) -> bool:
    """Overlapping specs are a validation error (one host port, one binding); valid requests avoid them."""
    try:
        Requirements(ports=specs)
    except ValueError:
        return True
    return False


REQUIREMENT_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "cross_host": st.booleans(),
    "hosts": st.one_of(st.integers(1, 12), st.integers(1, 10_000)),
    "swarm": st.booleans(),
    "ports": st.lists(port_specs(), max_size=4).filter(lambda specs: not _overlapping(specs)),
    "own_ip": st.booleans(),
    "own_mac": st.booleans(),
    "mac_limit": st.booleans(),
    "ipv6": st.booleans(),
    "vlan": st.one_of(st.none(), st.integers(1, 4094)),
    # The enum; the legacy bools are read as lan/none and noted in the assumptions, which a JSON round
    # trip of the request (it serialises the enum) cannot reproduce: test_scenarios covers them.
    "multicast": st.sampled_from(["none", "containers", "lan"]),
    "network_access": st.sampled_from([value.value for value in NetworkAccess]),
    "host_isolation": st.sampled_from([value.value for value in HostIsolation]),
    "performance": st.sampled_from([value.value for value in Performance]),
    "encryption": st.booleans(),
    "service_discovery": st.booleans(),
    "host_access": st.booleans(),
    "containers_per_host": st.one_of(st.integers(1, 50), st.integers(1, 100_000)),
    "platform": st.sampled_from([value.value for value in Platform]),
    "cloud": st.sampled_from([value.value for value in Cloud]),
    "wireless_parent": st.booleans(),
}

requirements = st.fixed_dictionaries({}, optional=REQUIREMENT_VALUES)

NAME = st.from_regex(r"[a-zA-Z0-9][a-zA-Z0-9_.-]{0,30}", fullmatch=True)
IFNAME = st.from_regex(r"[a-zA-Z0-9][a-zA-Z0-9_.-]{0,14}", fullmatch=True)
IMAGE = st.one_of(
    st.sampled_from(
        [
            "nginx",
            "nginx:1.27-alpine",
            "registry.example.com:5000/team/app:2",
            "ghcr.io/org/app@sha256:" + "a" * 64,
            "library/redis:7",
        ]
    ),
    st.from_regex(
        r"[a-z0-9]{1,10}(/[a-z0-9]{1,10}){0,2}(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,10})?", fullmatch=True
    ),
)


@st.composite
def v4_subnets(draw: st.DrawFn) -> ipaddress.IPv4Network:
    prefix = draw(st.integers(1, 30))
    return ipaddress.IPv4Network((draw(st.integers(0, 2**32 - 1)), prefix), strict=False)


@st.composite
def deployments(draw: st.DrawFn) -> dict[str, Any]:
    deployment: dict[str, Any] = {}
    for name, strategy in (("network_name", NAME), ("container_name", NAME), ("image", IMAGE)):
        if draw(st.booleans()):
            deployment[name] = draw(strategy)
    if draw(st.booleans()):
        deployment["parent_interface"] = draw(IFNAME)
    if draw(st.booleans()):
        subnet = draw(v4_subnets())
        deployment["subnet"] = str(subnet)
        if draw(st.booleans()):
            offset = draw(st.integers(1, subnet.num_addresses - 2))
            deployment["gateway"] = str(subnet.network_address + offset)
        if draw(st.booleans()):
            range_prefix = draw(st.integers(subnet.prefixlen, 30))
            blocks = 2 ** (range_prefix - subnet.prefixlen)
            index = draw(st.integers(0, blocks - 1))
            start = subnet.network_address + index * 2 ** (32 - range_prefix)
            deployment["ip_range"] = str(ipaddress.IPv4Network((start, range_prefix)))
    if draw(st.booleans()):
        network = ipaddress.IPv6Network(
            (draw(st.integers(0, 2**128 - 1)), draw(st.integers(1, 126))), strict=False
        )
        assume(network.network_address.ipv4_mapped is None)
        deployment["ipv6_subnet"] = str(network)
    if draw(st.booleans()):
        deployment["mtu"] = draw(st.integers(576, 9216))
    if draw(st.booleans()):
        if draw(st.booleans()):
            deployment["advertise_addr"] = str(ipaddress.IPv4Address(draw(st.integers(0, 2**32 - 1))))
        else:
            deployment["advertise_addr"] = str(ipaddress.IPv6Address(draw(st.integers(0, 2**128 - 1))))
    return deployment


requests = st.builds(
    lambda req, dep: RecommendationRequest.model_validate({"requirements": req, "deployment": dep}),
    requirements,
    deployments(),
)

# -- helpers ---------------------------------------------------------------------------------------------


def all_commands(rec: Recommendation) -> Iterator[Command]:
    for result in rec.ranking:
        if result.commands is None:
            continue
        commands = result.commands
        yield from (*commands.prerequisites, *commands.network, *commands.run, *commands.service)


def composes(rec: Recommendation) -> Iterator[str]:
    for result in rec.ranking:
        if result.commands is not None and result.commands.compose:
            yield result.commands.compose


def check_commands_and_compose(rec: Recommendation, compose_validator: Any) -> None:
    for command in all_commands(rec):
        assert command.argv, command
        assert shlex.split(command.command) == command.argv, command
        assert command.command == shlex.join(command.argv)
    for compose in composes(rec):
        document = yaml.safe_load(compose)
        assert isinstance(document, dict) and "services" in document
        compose_validator.validate(document)


# -- properties of every valid request -------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(request=requests)
def test_every_valid_request_gets_an_answer_or_an_explanation(
    advisor: Advisor, compose_validator: Any, request: RecommendationRequest
) -> None:
    rec = advisor.recommend(request)
    ranked = advisor.catalogue.scope(request.requirements.platform.value).drivers
    assert sorted(result.rank for result in rec.ranking) == list(range(1, len(ranked) + 1))
    assert {result.driver for result in rec.ranking} == set(ranked)
    if rec.recommendation is not None:
        top = rec.ranking[0]
        assert top.viable and top.driver is rec.recommendation and top.commands is not None
        assert rec.conflicts == []
    else:
        assert not any(result.viable for result in rec.ranking)
        assert len(rec.conflicts) == len(ranked)
        assert all(conflict.excluded_by for conflict in rec.conflicts)
        assert all(exclusion.message for conflict in rec.conflicts for exclusion in conflict.excluded_by)
    # no excluded driver above a viable one; among the viable, scores never go up
    viable = [result.viable for result in rec.ranking]
    assert viable == sorted(viable, reverse=True)
    scores = [result.score for result in rec.ranking if result.viable]
    assert scores == sorted(scores, reverse=True)
    for result in rec.ranking:
        assert (result.commands is not None) == result.viable
    check_commands_and_compose(rec, compose_validator)


@PROPERTY_SETTINGS
@given(request=requests)
def test_the_same_request_gives_the_same_json(advisor: Advisor, request: RecommendationRequest) -> None:
    first = advisor.recommend(request).model_dump_json()
    again = advisor.recommend(request).model_dump_json()
    round_tripped = RecommendationRequest.model_validate_json(request.model_dump_json(exclude_unset=True))
    assert first == again == advisor.recommend(round_tripped).model_dump_json()


# -- hostile strings -------------------------------------------------------------------------------------

VALID_PREFIXES = {
    "network_name": "net",
    "container_name": "app",
    "image": "nginx",
    "parent_interface": "eth0",
    "windows_adapter": "Ethernet",
    "subnet": "10.0.0.0/24",
    "gateway": "10.0.0.1",
    "ip_range": "10.0.0.0/26",
    "ipv6_subnet": "fd00::/64",
    "advertise_addr": "10.0.0.5",
}
STRING_FIELDS = tuple(VALID_PREFIXES)
SHELL_SPECIAL = re.compile(r"[\s'\"`$\\|&;<>(){}\[\]*?~#!]")


def hostile(prefix: str) -> st.SearchStrategy[str]:
    nasty = st.sampled_from(NASTY)
    return st.one_of(
        nasty,
        st.builds(lambda a, b: prefix + a + b, nasty, st.text(max_size=4)),
        st.builds(lambda a: a + prefix, nasty),
        st.builds(lambda a: prefix[:2] + a + prefix[2:], nasty),
        st.text(min_size=1, max_size=24),
        st.text(alphabet="abcdefghij0123456789.-_:/@ $;|&'\"`\\\n", min_size=1, max_size=24),
    )


def test_every_deployment_string_field_is_covered() -> None:
    properties = Deployment.model_json_schema()["properties"]
    strings = {name for name in properties if properties[name].get("anyOf", [{}])[0].get("type") == "string"}
    assert strings == set(STRING_FIELDS)


# Values users type freely (names): a sentinel of the same field is swapped for the hostile value in a
# second request; the two answers must then differ exactly by that substitution, token for token.
NAME_FIELDS = {
    "network_name": "zqsentinelnet",
    "container_name": "zqsentinelapp",
    "image": "zqsentinelimg",
    "parent_interface": "zqsent0",
}


def replace_everywhere(value: Any, old: str, new: str) -> Any:
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, list):
        return [replace_everywhere(item, old, new) for item in value]
    if isinstance(value, dict):
        return {replace_everywhere(k, old, new): replace_everywhere(v, old, new) for k, v in value.items()}
    return value


def accepted(field: str, value: str, context: dict[str, Any]) -> RecommendationRequest | None:
    try:
        return RecommendationRequest.model_validate({"requirements": context, "deployment": {field: value}})
    except ValidationError:
        return None


@pytest.mark.parametrize("field", sorted(NAME_FIELDS))
def test_hostile_names_are_refused_or_land_as_whole_tokens(
    advisor: Advisor, compose_validator: Any, field: str
) -> None:
    sentinel = NAME_FIELDS[field]

    @PROPERTY_SETTINGS
    @given(value=hostile(VALID_PREFIXES[field]), context=requirements)
    def check(value: str, context: dict[str, Any]) -> None:
        context = {**context, "vlan": None}  # a VLAN suffix is appended to a dot-less parent only
        request = accepted(field, value, context)
        if request is None:
            return  # refused by the model: it never reaches a command
        assert not SHELL_SPECIAL.search(value) and not value.startswith("-"), value
        assert value.isascii() and value.isprintable()
        plain = advisor.recommend(request)
        reference = advisor.recommend(accepted(field, sentinel, context))  # type: ignore[arg-type]
        check_commands_and_compose(plain, compose_validator)
        got = list(all_commands(plain))
        want = list(all_commands(reference))
        assert len(got) == len(want)
        for mine, theirs in zip(got, want, strict=True):
            assert mine.argv == [token.replace(sentinel, value) for token in theirs.argv]
        for mine_yaml, their_yaml in zip(composes(plain), composes(reference), strict=True):
            assert yaml.safe_load(mine_yaml) == replace_everywhere(
                yaml.safe_load(their_yaml), sentinel, value
            )

    check()


def test_hostile_windows_adapters_are_refused_or_stay_one_argv_word(
    advisor: Advisor, compose_validator: Any
) -> None:
    """Windows adapter names have spaces ("Ethernet 2"), so they are the one name field that may hold a
    shell-special character; accepted, the name is one argv word (inside `--opt ...interface=NAME`) and the
    shell form quotes it (check_commands_and_compose: shlex.split gives the argv back)."""

    @PROPERTY_SETTINGS
    @given(value=hostile("Ethernet"))
    def check(value: str) -> None:
        request = accepted("windows_adapter", value, {"platform": "windows", "own_ip": True})
        if request is None:
            return
        assert value.isprintable() and not value.startswith("-") and not re.search(r"['\"`$;&|<>\\]", value)
        rec = advisor.recommend(request)
        check_commands_and_compose(rec, compose_validator)
        transparent = next(result for result in rec.ranking if result.driver.value == "transparent")
        assert transparent.commands is not None
        option = f"com.docker.network.windowsshim.interface={value}"
        assert option in transparent.commands.network[0].argv

    check()


@pytest.mark.parametrize("field", sorted(set(STRING_FIELDS) - set(NAME_FIELDS) - {"windows_adapter"}))
def test_hostile_addresses_are_refused_or_canonical(
    advisor: Advisor, compose_validator: Any, field: str
) -> None:
    @PROPERTY_SETTINGS
    @given(value=hostile(VALID_PREFIXES[field]), context=requirements)
    def check(value: str, context: dict[str, Any]) -> None:
        deployment: dict[str, Any] = {field: value}
        if field in ("gateway", "ip_range"):
            deployment["subnet"] = "10.0.0.0/8"  # these need the subnet they belong to
        try:
            request = RecommendationRequest.model_validate(
                {"requirements": context, "deployment": deployment}
            )
        except ValidationError:
            return
        stored = getattr(request.deployment, field)
        assert re.fullmatch(r"[0-9a-f.:/]+", stored), stored  # the canonical form, never the raw text
        rec = advisor.recommend(request)
        check_commands_and_compose(rec, compose_validator)
        for command in all_commands(rec):
            for index, token in enumerate(command.argv[:-1]):
                if token in ("--subnet", "--gateway", "--ip-range", "--advertise-addr"):
                    assert re.fullmatch(r"[0-9a-f.:/]+", command.argv[index + 1])

    check()


PUBLISH = re.compile(r"\d{1,5}(-\d{1,5})?:\d{1,5}(-\d{1,5})?(/udp|/sctp)?")


@PROPERTY_SETTINGS
@given(spec=hostile("80"), context=requirements)
def test_hostile_port_specs_are_refused_or_published_in_canonical_form(
    advisor: Advisor, compose_validator: Any, spec: str, context: dict[str, Any]
) -> None:
    try:
        request = RecommendationRequest.model_validate({"requirements": {**context, "ports": [spec]}})
    except ValidationError:
        return
    rec = advisor.recommend(request)
    check_commands_and_compose(rec, compose_validator)
    for command in all_commands(rec):
        for index, token in enumerate(command.argv[:-1]):
            if token == "--publish":
                assert PUBLISH.fullmatch(command.argv[index + 1]), command.argv
    for compose in composes(rec):
        for service in yaml.safe_load(compose)["services"].values():
            for entry in service.get("ports", []):
                assert PUBLISH.fullmatch(entry), entry


def test_a_request_model_refuses_what_no_strategy_should_produce() -> None:
    with pytest.raises(ValidationError):
        Requirements.model_validate({"ports": ["80; reboot"]})
    with pytest.raises(ValidationError):
        Deployment.model_validate({"network_name": "-rf"})
