"""'Did you mean' only for a near miss: one threshold for every edge, never a fallback to any word."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from service.query.grammar import parse_query
from service.query.problems import QueryError
from service.suggest import closest

# Every driver `/v1/drivers/{driver}` describes: Docker Engine's six, then Windows' four.
DRIVERS = [
    "bridge",
    "host",
    "overlay",
    "ipvlan",
    "macvlan",
    "none",
    "nat",
    "transparent",
    "l2bridge",
    "l2tunnel",
]


@pytest.mark.parametrize(
    ("word", "candidates", "expected"),
    [
        ("overlya", DRIVERS, "overlay"),
        ("macvlam", DRIVERS, "macvlan"),
        ("transparant", DRIVERS, "transparent"),
        ("l2brigde", DRIVERS, "l2bridge"),
        ("crosshost", ["cross_host", "hosts", "swarm"], "cross_host"),
        ("awz", ["none", "aws", "azure", "gcp", "other"], "aws"),
        ("kubernetes", DRIVERS, None),
        ("banana", DRIVERS, None),
        ("xyz", ["cross_host", "hosts", "swarm"], None),
        # scattered shared letters, which difflib's default cutoff (0.6) would still call a match
        ("kubernetes", ["subnet", "gateway"], None),
        ("overlya", ["discovery", "encrypted"], None),
    ],
)
def test_closest_suggests_near_misses_only(word: str, candidates: list[str], expected: str | None) -> None:
    assert closest(word, candidates) == expected


def query_problem(text: str) -> tuple[str, str | None]:
    with pytest.raises(QueryError) as caught:
        parse_query(text)
    problem = caught.value.problems[0]
    return problem.message, problem.suggestion


def test_a_query_word_like_nothing_points_at_help_not_at_a_random_word() -> None:
    message, suggestion = query_problem("kubernetes")
    assert suggestion is None
    assert message == "unknown token `kubernetes`; send `help` for the words and keys it knows"
    message, suggestion = query_problem("banana=3")
    assert suggestion is None and "did you mean" not in message
    message, suggestion = query_problem("cloud=moon")
    assert suggestion is None
    assert message == "`cloud=moon`: unknown cloud (valid: none, aws, azure, gcp, other)"


def test_a_query_near_miss_still_gets_its_correction() -> None:
    assert query_problem("swram") == ("unknown token `swram`; did you mean `swarm`?", "swarm")


def test_an_unknown_json_field_like_nothing_lists_the_fields_without_a_guess(client: TestClient) -> None:
    response = client.post("/v1/recommendations", json={"requirements": {"banana": True}})
    message = response.json()["error"]["message"]
    assert response.status_code == 422 and "did you mean" not in message
    assert message.startswith("requirements.banana: unknown field; valid fields here: cloud, ")


def test_an_unknown_driver_over_http_gets_a_suggestion_only_for_a_near_miss(client: TestClient) -> None:
    near = client.get("/v1/drivers/overlya").json()["error"]["message"]
    assert near == "no driver 'overlya'; did you mean 'overlay'? valid drivers: " + ", ".join(DRIVERS)
    far = client.get("/v1/drivers/kubernetes").json()["error"]["message"]
    assert far == "no driver 'kubernetes'; valid drivers: " + ", ".join(DRIVERS)
