"""The request's fields and their help texts, in a language: what the browser form labels itself with.

The English texts are the request model's own descriptions (the same ones the JSON schema, the README
table and the chat help show), so they are msgids like every other human text: `field_texts` is the
extractor's list, and `request_fields` translates them. Field names and sections stay as they are: they
are what a client sends.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from service.i18n import Gettext
from service.models import RecommendationRequest


class FieldHelp(BaseModel):
    field: str = Field(description="The field's path in the request body, e.g. `requirements.hosts`.")
    name: str = Field(description="The field's name inside its section (what the body's JSON key is).")
    description: str = Field(description="What the field means, in the asked language (Markdown code spans).")


class SectionHelp(BaseModel):
    section: str = Field(description="`requirements` or `deployment`: the request body's top-level keys.")
    description: str = Field(description="What the section holds, in the asked language.")
    fields: list[FieldHelp] = Field(description="The section's fields, in the order the schema lists them.")


def _sections() -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(section, its description, [(field name, its description)]) in the request model's order."""
    out = []
    for section, info in RecommendationRequest.model_fields.items():
        model = info.annotation
        assert isinstance(model, type) and issubclass(model, BaseModel)
        described = model.model_json_schema().get("description", "")
        fields = [(name, field.description or "") for name, field in model.model_fields.items()]
        out.append((section, described, fields))
    return out


def field_texts() -> list[str]:
    """Every text `request_fields` shows (the extractor's list: they are translated in the .po)."""
    texts = []
    for _section, described, fields in _sections():
        texts.append(described)
        texts.extend(description for _name, description in fields)
    return [text for text in texts if text]


def request_fields(gettext: Gettext) -> list[SectionHelp]:
    """Each section of the request and each of its fields, with the help texts in `gettext`'s language."""

    def translated(text: str) -> str:
        return gettext(text) if text else ""

    return [
        SectionHelp(
            section=section,
            description=translated(described),
            fields=[
                FieldHelp(field=f"{section}.{name}", name=name, description=translated(description))
                for name, description in fields
            ],
        )
        for section, described, fields in _sections()
    ]
