"""Domain metrics hooks called by the adapters (issue 6 fills them in). No FastAPI here."""

from __future__ import annotations

from collections.abc import Iterable


def record_recommendation(top_driver: str | None) -> None:
    """Count one recommendation by its top driver ("none_viable" when nothing fits)."""


def record_findings(rule_ids: Iterable[str]) -> None:
    """Count review findings by rule ID."""
