"""The service layer: what every adapter (HTTP, CLI, chat, review) calls. No FastAPI here."""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import ValidationError

from service.catalogue import Catalogue, DriverInfo, SelectionRule, load_catalogue
from service.engine import recommend, recommend_data
from service.errors import NotFound
from service.models import Driver, Recommendation, RecommendationRequest
from service.settings import Settings
from service.suggest import closest
from service.validation import invalid_request


class Advisor:
    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue

    @classmethod
    def from_settings(cls, settings: Settings) -> Advisor:
        return cls(load_catalogue(settings.rules_dir))

    def recommend(self, request: RecommendationRequest) -> Recommendation:
        return recommend(self.catalogue, request)

    def recommend_json(self, request: RecommendationRequest) -> tuple[bytes, str | None]:
        """The answer serialised for HTTP, and its top driver (None when nothing is viable)."""
        data = recommend_data(self.catalogue, request)
        return orjson.dumps(data), data["recommendation"]

    def recommend_raw(self, payload: Any) -> Recommendation:
        """Validate an untrusted payload (CLI file, chat) and recommend; InvalidRequest names the field."""
        try:
            request = RecommendationRequest.model_validate(payload)
        except ValidationError as exc:
            raise invalid_request(exc.errors(), RecommendationRequest) from None
        return self.recommend(request)

    def rules(self) -> list[SelectionRule]:
        return list(self.catalogue.rules)

    def rule(self, rule_id: str) -> SelectionRule:
        rule = self.catalogue.rule(rule_id)
        if rule is None:
            raise NotFound(f"no rule {rule_id!r}; GET /v1/rules lists them", {"rule": rule_id})
        return rule

    def drivers(self) -> list[DriverInfo]:
        return list(self.catalogue.drivers.values())

    def driver(self, name: str) -> DriverInfo:
        try:
            return self.catalogue.drivers[Driver(name)]
        except ValueError:
            names = [driver.value for driver in Driver]
            close = closest(name.lower(), names)
            hint = f"did you mean {close!r}? " if close else ""
            message = f"no driver {name!r}; {hint}valid drivers: {', '.join(names)}"
            raise NotFound(message, {"driver": name}) from None
