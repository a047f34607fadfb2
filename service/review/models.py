"""The review's input and output contract: pydantic only (no FastAPI), shared by the CLI and HTTP API.

The JSON envelope (`ReviewReport`) is what `netadvisor review --format json` prints and what
`POST /v1/reviews` answers; its `schema_version` changes only with an incompatible change.
"""

from __future__ import annotations

import posixpath
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from service.models import Command, Driver, Requirements
from service.review.catalogue import Severity
from service.review.yamltree import MAX_BYTES

SCHEMA_VERSION: Literal["1"] = "1"
MAX_FILES = 32


class Fix(BaseModel):
    description: str = Field(description="What to change.")
    compose: str | None = Field(None, description="The Compose change, as a YAML snippet.")
    commands: list[Command] = Field(
        default_factory=list,
        description="Where a network must be made: the advisor's commands for that driver, in order.",
    )
    driver: Driver | None = Field(
        None, description="The driver the advisor recommends, when that is the fix."
    )


class SuppressionInfo(BaseModel):
    reason: str = Field(description="The `reason` of the `x-netadvisor-ignore` entry.")
    file: str
    line: int
    column: int


class Finding(BaseModel):
    rule: str = Field(description="Review rule code, e.g. `NR003`; `netadvisor explain NR003` documents it.")
    name: str = Field(description="The rule's kebab-case name.")
    severity: Severity
    file: str = Field(description="The file that defines the offending key (after merging: its origin).")
    line: int = Field(ge=1)
    column: int = Field(ge=1)
    service: str | None = Field(None, description="The service the finding is about, when it is one.")
    network: str | None = Field(None, description="The network the finding is about, when it is one.")
    services: list[str] = Field(default_factory=list, description="Every service involved.")
    message: str = Field(description="What is wrong, naming what was expected and what was found.")
    expected: str
    found: str
    fix: Fix
    docs_url: str = Field(description="Where the rule's fact comes from.")
    selection_rules: list[str] = Field(
        default_factory=list, description="Selection rules (NA###) behind the finding, with their facts."
    )
    requirements: dict[str, Any] = Field(
        default_factory=dict, description="The requirement values that decided it (requirement rules only)."
    )
    suppressed: SuppressionInfo | None = Field(
        None, description="Set when an `x-netadvisor-ignore` entry accepts the finding; it then never fails."
    )
    fingerprint: str = Field(
        description="Stable across runs and line moves: rule, file, service, network and what was found."
    )


class ReviewIssue(BaseModel):
    """Why the review could not run (the review then has no findings)."""

    code: str = Field(description="`invalid_compose`, `invalid_requirements`, `compose_too_complex`, ...")
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None


class Summary(BaseModel):
    error: int = Field(0, description="Unsuppressed findings of severity error.")
    warning: int = 0
    info: int = 0
    suppressed: int = Field(0, description="Findings accepted by `x-netadvisor-ignore`; never fail a run.")
    total: int = Field(0, description="All findings, suppressed included.")


class ToolInfo(BaseModel):
    name: Literal["netadvisor"] = "netadvisor"
    version: str
    catalogue_version: str = Field(description="Version (content hash) of the selection rules.")
    review_catalogue_version: str = Field(description="Version (content hash) of the review rules.")
    information_uri: str = "https://docs.docker.com/engine/network/drivers/"


class ReviewReport(BaseModel):
    schema_version: Literal["1"] = SCHEMA_VERSION
    tool: ToolInfo
    files: list[str] = Field(description="Every file read, in merge order (includes and extends too).")
    requirements_given: bool = Field(description="Whether any requirements applied (file, body or x-).")
    findings: list[Finding]
    errors: list[ReviewIssue] = Field(default_factory=list)
    summary: Summary


# -- HTTP input -------------------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReviewFile(_Strict):
    name: str = Field(
        min_length=1,
        max_length=255,
        description="Path relative to the project root, as findings and SARIF show it (`compose.yaml`).",
        examples=["compose.yaml"],
        # What `_relative` refuses without normalising: control characters, backslashes, a leading `/`.
        json_schema_extra={"pattern": r"^[^/\x00-\x1f\\][^\x00-\x1f\\]*$"},
    )
    content: str = Field(
        min_length=1,
        description=f"The file's text (YAML); at most {MAX_BYTES} bytes (UTF-8), or the review answers 413.",
    )

    @field_validator("name")
    @classmethod
    def _relative(cls, value: str) -> str:
        if any(ord(char) < 32 for char in value) or "\\" in value:
            raise ValueError("a relative path with forward slashes and no control characters")
        normal = posixpath.normpath(value)
        if normal.startswith(("/", "../")) or normal in ("..", "."):
            raise ValueError("a path inside the project: relative, and not above it (no leading / or ..)")
        return normal


class ReviewRequest(_Strict):
    """Compose files in override order (later ones override earlier ones), and optional requirements."""

    files: list[ReviewFile] = Field(
        min_length=1,
        max_length=MAX_FILES,
        description="The files `docker compose -f` would get, in order. Files named by `include` or "
        "`extends: file:` are looked up among these by path; every file is read, the first ones are "
        "reviewed as the project.",
    )
    main: list[str] | None = Field(
        None,
        description="Names of the files that make up the project, in order; default: every file. List "
        "them when the request also carries files only reached through include or extends.",
    )
    requirements: Requirements | None = Field(
        None, description="Project-wide requirements; they override the files' `x-network-requirements`."
    )

    @model_validator(mode="after")
    def _unique_and_known(self) -> ReviewRequest:
        names = [file.name for file in self.files]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"file names must be unique: {duplicates}")
        for name in self.main or []:
            if posixpath.normpath(name) not in names:
                raise ValueError(f"main names {name!r}, which is not among the files")
        return self


ReviewFormat = Literal["json", "sarif", "markdown", "github", "text"]
FailOn = Literal["error", "warning", "info", "none"]
