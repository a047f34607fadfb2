"""Why a review could not run. Each carries the file, line and column it is about, where there is one.

They are `NetadvisorError`s, so the HTTP layer answers with the one error envelope (422, or 413 for an
oversized file) and the CLI prints one line and exits 2, with no adapter-specific code in this package.
"""

from __future__ import annotations

from typing import Any

from service.errors import ErrorCode, NetadvisorError


class ReviewError(NetadvisorError):
    """The review could not run. `details` holds `file`, `line` and `column` (1-based) when known."""

    code = ErrorCode.review_failed

    def __init__(
        self,
        message: str,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        details: dict[str, Any] = {"file": file, "line": line, "column": column, **(extra or {})}
        where = ""
        if file is not None:
            where = file if line is None else f"{file}:{line}" + (f":{column}" if column else "")
            where += ": "
        super().__init__(where + message, details)
        self.file = file
        self.line = line
        self.column = column
        self.bare_message = message


class InvalidCompose(ReviewError):
    """Not YAML, not a mapping, or a value of the wrong shape where the review reads it."""

    code = ErrorCode.invalid_compose


class InvalidRequirements(ReviewError):
    """`x-network-requirements` or the requirements file is not a valid `Requirements` mapping."""

    code = ErrorCode.invalid_requirements


class ComposeTooComplex(ReviewError):
    """Alias bombs and absurd nesting: refused before they cost memory or time."""

    code = ErrorCode.compose_too_complex


class ComposeTooLarge(ReviewError):
    code = ErrorCode.compose_too_large


class MissingFile(ReviewError):
    """A file the review needs (`include`, `extends: file`) was not given or cannot be read."""

    code = ErrorCode.missing_file
