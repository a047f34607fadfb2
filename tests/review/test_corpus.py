"""Real-world Compose files (tests/review_corpus/, origins in its README): each is valid Compose, reviews
without an internal error, and gives exactly the findings checked by hand in expected.yaml."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from service.advisor import Advisor
from service.review.merge import SourceFile
from service.review.reviewer import Reviewer
from tests.paths import CORPUS

EXPECTED: list[dict[str, Any]] = yaml.safe_load((CORPUS / "expected.yaml").read_text())
FILES = sorted(
    path.relative_to(CORPUS).as_posix() for path in CORPUS.rglob("*.yaml") if path.name != "expected.yaml"
)


class _ComposeLoader(yaml.SafeLoader):
    """PyYAML with Compose's `!reset` / `!override` tags, for schema-checking the corpus itself."""


_ComposeLoader.add_multi_constructor(
    "!",
    lambda loader, suffix, node: (
        loader.construct_sequence(node)
        if isinstance(node, yaml.SequenceNode)
        else loader.construct_mapping(node)
        if isinstance(node, yaml.MappingNode)
        else loader.construct_scalar(node)
    ),
)


@pytest.fixture(scope="module")
def reviewer(advisor: Advisor) -> Reviewer:
    return Reviewer.for_advisor(advisor)


def test_the_corpus_is_large_enough_and_every_file_is_expected() -> None:
    assert len(FILES) >= 20
    assert {name for entry in EXPECTED for name in entry["files"]} == set(FILES)


@pytest.mark.parametrize("name", FILES)
def test_corpus_file_is_valid_compose(name: str, compose_validator: Any) -> None:
    document = yaml.load((CORPUS / name).read_text(), Loader=_ComposeLoader)
    errors = list(compose_validator.iter_errors(document))
    assert not errors, f"{name}: {errors[0].message}"


@pytest.mark.parametrize(
    "entry",
    EXPECTED,
    ids=[f"{'+'.join(e['files'])}{'-req' if e.get('requirements') else ''}" for e in EXPECTED],
)
def test_corpus_review(reviewer: Reviewer, entry: dict[str, Any]) -> None:
    files = [SourceFile(name, (CORPUS / name).read_bytes()) for name in entry["files"]]
    report = reviewer.review(files, entry.get("requirements"))
    assert [f"{f.rule}:{f.line}" for f in report.findings] == entry["findings"]
    assert report.errors == [] and report.files == entry["files"]
    for finding in report.findings:
        assert finding.message and finding.fix.description and finding.docs_url.startswith("https://")


def test_reviewing_the_same_file_again_gives_the_same_report(reviewer: Reviewer) -> None:
    """The review keeps no state between calls (how fast it is belongs in bench/, not here)."""
    files = [SourceFile("nextcloud-fpm.yaml", (CORPUS / "nextcloud-fpm.yaml").read_bytes())]
    first = reviewer.review(files)
    assert all(reviewer.review(files) == first for _ in range(3))
