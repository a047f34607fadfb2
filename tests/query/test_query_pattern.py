"""The `q` pattern in the OpenAPI document describes the query language from above: every query the parser
accepts matches it. That is what lets a client (and Schemathesis' negative_data_rejection check) rely on it:
a query that does not match is always refused. Checked on queries built from the real vocabulary, with the
spellings the parser forgives (case, `_` for `-`, quotes, leading dashes, blanks around `=`, lists with
blanks after commas), random junk mixed in."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.api.app import create_app
from service.query.grammar import parse_query
from service.query.problems import QueryError
from service.query.tokens import BARE_VALUES, KEYS, QUERY_PATTERN, SHARE_WORDS, STOP_WORDS

PATTERN = re.compile(QUERY_PATTERN)
VALUES = [
    "3",
    "yes",
    "no",
    "80",
    "80, 443",
    "rootless",
    "aws",
    "10.1.0.0/24",
    "eth0",
    "nginx:1.27",
    "high",
    "x",
]
WORDS = sorted({*KEYS, *BARE_VALUES, *SHARE_WORDS, *STOP_WORDS})


def spellings(word: str) -> st.SearchStrategy[str]:
    return st.sampled_from(
        [word, word.upper(), word.title(), word.replace("-", "_"), f"--{word}", f'"{word}"']
    )


token = st.one_of(
    st.sampled_from(WORDS).flatmap(spellings),
    st.sampled_from(WORDS).map(lambda word: f"no-{word}"),
    st.tuples(
        st.sampled_from(sorted(KEYS)).flatmap(spellings),
        st.sampled_from(["=", " = ", ":", ": "]),
        st.sampled_from(VALUES),
    ).map("".join),
    st.text(max_size=6),
)


@settings(max_examples=600, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.lists(token, max_size=6), st.sampled_from([" ", "  ", "\t", "\u00a0", ", "]))
def test_every_query_the_parser_accepts_matches_the_documented_pattern(tokens: list[str], blank: str) -> None:
    query = blank.join(tokens)
    try:
        parse_query(query)
    except QueryError:
        return
    assert PATTERN.search(query), query


def test_the_pattern_refuses_what_is_not_the_language() -> None:
    for query in ["foo", "swarm foo", "x=1", "hosts=3 bogus=4", "swarm;rm -rf /"]:
        assert not PATTERN.search(query), query
        try:
            parse_query(query)
        except QueryError:
            continue
        raise AssertionError(f"{query!r} does not match and yet was accepted")


def test_the_document_publishes_it() -> None:
    parameters = create_app().openapi()["paths"]["/v1/recommendations"]["get"]["parameters"]
    q = next(parameter for parameter in parameters if parameter["name"] == "q")
    assert q["schema"]["pattern"] == QUERY_PATTERN
