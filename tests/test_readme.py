"""The README's request fields table is generated from the model and must be current."""

from __future__ import annotations

import pytest

from service.docs.fields import END, README, START, render_fields_table, with_fields_table
from service.models import Deployment, Requirements


def test_readme_fields_table_is_current() -> None:
    text = README.read_text(encoding="utf-8")
    assert with_fields_table(text) == text, "the request fields table in README.md is stale: run `make docs`"


def test_the_table_lists_every_field_with_its_description() -> None:
    table = render_fields_table()
    for section, model in (("requirements", Requirements), ("deployment", Deployment)):
        for name, field in model.model_fields.items():
            row = next(line for line in table.splitlines() if line.startswith(f"| `{section}.{name}` |"))
            assert (field.description or "") in row
    assert "| `requirements.platform` | one of `linux`, `docker-desktop`, `rootless`, `windows` |" in table
    assert "| `requirements.hosts` | integer from 1 to 10000 | `1` |" in table


def test_a_readme_without_markers_is_refused_not_silently_left_alone() -> None:
    with pytest.raises(ValueError, match="markers"):
        with_fields_table("# a README\n")
    assert with_fields_table(f"a\n{START}\nold\n{END}\nb\n").startswith(f"a\n{START}\n| field |")
