"""Turn pydantic validation errors into messages that name the field and say how to fix it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from service.errors import InvalidRequest
from service.suggest import closest


def _field_path(loc: Sequence[int | str]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "(body)"


def _model_at(root: type[BaseModel], loc: Sequence[int | str]) -> type[BaseModel] | None:
    """The pydantic model that owns the field at `loc` (for listing valid sibling fields)."""
    model: type[BaseModel] | None = root
    for part in loc:
        if model is None or isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        if field is None:
            return model
        annotation = field.annotation
        model = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
    return model


def describe_errors(
    errors: Iterable[Mapping[str, Any]], root: type[BaseModel] | None = None
) -> list[dict[str, str]]:
    details = []
    for error in errors:
        loc = tuple(error.get("loc", ()))
        if loc and loc[0] in ("body", "query", "path", "header"):
            loc = loc[1:]
        field = _field_path(loc)
        kind = str(error.get("type", "value_error"))
        message = str(error.get("msg", "invalid value"))
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        if kind == "extra_forbidden" and root is not None:
            owner = _model_at(root, loc[:-1])
            known = sorted(owner.model_fields) if owner else []
            name = str(loc[-1]) if loc else field
            close = closest(name, known)
            hint = f"did you mean '{close}'? " if close else ""
            message = f"unknown field; {hint}valid fields here: {', '.join(known)}"
        elif kind == "missing":
            message = "required field is missing"
        elif kind == "json_invalid":
            field = "(body)"
            position = f" near character {loc[-1]}" if loc and isinstance(loc[-1], int) else ""
            reason = (error.get("ctx") or {}).get("error", "")
            message = f"the body is not valid JSON{position}: {reason or message}"
        elif kind in ("model_attributes_type", "dict_type", "model_type") and not loc:
            message = f"the body must be a JSON object: {message}"
        details.append({"field": field, "type": kind, "message": f"{field}: {message}"})
    return details


def invalid_request(
    errors: Iterable[Mapping[str, Any]], root: type[BaseModel] | None = None
) -> InvalidRequest:
    details = describe_errors(errors, root)
    first = details[0]["message"] if details else "invalid request"
    more = f" (and {len(details) - 1} more)" if len(details) > 1 else ""
    return InvalidRequest(first + more, details)
