"""The hand-written YAML emitter must round-trip through PyYAML's real parser for any JSON-shaped data."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from service.yamlout import emit

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**53), max_value=2**53),
    st.text(max_size=20),
    st.sampled_from(
        ["yes", "No", "on", "null", "~", "1.5", "0x1f", "1e3", "- x", "a: b", "#c", "'q'", '"d"', ""]
    ),
)
keys = st.one_of(st.text(min_size=1, max_size=12), st.sampled_from(["true", "null", "80", "a b", "k:v"]))
documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4).filter(
            lambda items: not any(isinstance(i, list) and i for i in items)
        ),
        st.dictionaries(keys, children, max_size=4),
    ),
    max_leaves=25,
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(keys, documents, min_size=1, max_size=5))
def test_emit_round_trips(document: dict[str, Any]) -> None:
    assert yaml.safe_load(emit(document)) == document


def test_plain_strings_stay_readable() -> None:
    text = emit({"services": {"app": {"image": "nginx", "network_mode": "host", "ports": ["80:80"]}}})
    assert text == 'services:\n  app:\n    image: nginx\n    network_mode: host\n    ports:\n    - "80:80"\n'
