"""Where the tests find the repository's files, so no test counts `parents[...]` from its own location."""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parent
REPO_ROOT = TESTS.parent
SERVICE = REPO_ROOT / "service"
RULES = REPO_ROOT / "rules"
OPENAPI = REPO_ROOT / "openapi" / "openapi.json"
SCHEMAS = TESTS / "schemas"
CORPUS = TESTS / "review_corpus"
