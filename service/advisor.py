"""The service layer: what every adapter (HTTP, CLI, chat, review) calls. No FastAPI here."""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import ValidationError

from service.catalogue import Catalogue, DriverInfo, SelectionRule, load_catalogue
from service.engine import recommend, recommend_data
from service.errors import NotFound
from service.i18n import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES, Language
from service.models import Driver, Recommendation, RecommendationRequest
from service.settings import Settings
from service.suggest import closest
from service.validation import invalid_request


class Advisor:
    """Every call takes the answer's language (default English): the same rules, their texts translated.

    One catalogue per supported language is compiled here, at start-up, so a broken translation stops
    `serve` like a broken rule does; a cached answer must be keyed on (catalogue version, language, request).
    """

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.catalogues: dict[Language, Catalogue] = {
            language: catalogue.localized(language) for language in SUPPORTED_LANGUAGES
        }

    def catalogue_for(self, language: Language) -> Catalogue:
        return self.catalogues[language]

    @classmethod
    def from_settings(cls, settings: Settings) -> Advisor:
        return cls(load_catalogue(settings.rules_dir))

    def recommend(
        self, request: RecommendationRequest, language: Language = DEFAULT_LANGUAGE
    ) -> Recommendation:
        return recommend(self.catalogues[language], request)

    def recommend_json(
        self, request: RecommendationRequest, language: Language = DEFAULT_LANGUAGE
    ) -> tuple[bytes, str | None]:
        """The answer serialised for HTTP, and its top driver (None when nothing is viable)."""
        data = recommend_data(self.catalogues[language], request)
        return orjson.dumps(data), data["recommendation"]

    def recommend_raw(self, payload: Any, language: Language = DEFAULT_LANGUAGE) -> Recommendation:
        """Validate an untrusted payload (CLI file, chat) and recommend; InvalidRequest names the field."""
        try:
            request = RecommendationRequest.model_validate(payload)
        except ValidationError as exc:
            raise invalid_request(exc.errors(), RecommendationRequest) from None
        return self.recommend(request, language)

    def rules(self, language: Language = DEFAULT_LANGUAGE) -> list[SelectionRule]:
        return list(self.catalogues[language].rules)

    def rule(self, rule_id: str, language: Language = DEFAULT_LANGUAGE) -> SelectionRule:
        rule = self.catalogues[language].rule(rule_id)
        if rule is None:
            raise NotFound(f"no rule {rule_id!r}; GET /v1/rules lists them", {"rule": rule_id})
        return rule

    def drivers(self, language: Language = DEFAULT_LANGUAGE) -> list[DriverInfo]:
        return list(self.catalogues[language].drivers.values())

    def driver(self, name: str, language: Language = DEFAULT_LANGUAGE) -> DriverInfo:
        try:
            return self.catalogues[language].drivers[Driver(name)]
        except ValueError:
            names = [driver.value for driver in Driver]
            close = closest(name.lower(), names)
            hint = f"did you mean {close!r}? " if close else ""
            message = f"no driver {name!r}; {hint}valid drivers: {', '.join(names)}"
            raise NotFound(message, {"driver": name}) from None
