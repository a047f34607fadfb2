"""`netadvisor review` and `netadvisor explain`, registered by `service.cli`.

Exit codes of `review` (the convention of compose-lint, hadolint and kube-score):

    0  nothing unsuppressed at or above --fail-on (default: error)
    1  at least one unsuppressed finding at or above --fail-on
    2  the review could not run: unreadable or invalid file, invalid requirements, unknown option

With --format json or sarif a failed review still writes a well-formed report (its `errors` say why), so
a CI step that uploads the SARIF file always has one; the reason is also printed on stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from service.cli.common import add_language_option
from service.review.errors import InvalidRequirements, MissingFile, ReviewError

FORMATS = ("text", "json", "sarif", "markdown", "github")
FAIL_ON = ("error", "warning", "info", "none")


def configure_review(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Review Compose files for network design problems. Several files merge as `docker compose -f` "
        "merges them; requirements come from x-network-requirements in the files and/or --requirements."
    )
    parser.add_argument(
        "files", nargs="+", metavar="FILE", help="Compose files in override order; - for stdin."
    )
    parser.add_argument(
        "--requirements",
        "-r",
        metavar="FILE",
        help="Requirements as JSON or YAML: a requirements mapping, or {requirements: ..., deployment: ...}.",
    )
    parser.add_argument(
        "--format", "-f", choices=FORMATS, default="text", help="Output format (default text)."
    )
    parser.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        default="error",
        help="Exit 1 when an unsuppressed finding is at or above this severity (default error; none: never).",
    )
    parser.add_argument("--output", "-o", metavar="FILE", help="Write the report here instead of stdout.")
    add_language_option(parser)


def configure_explain(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rule", metavar="RULE", help="A review rule (NR001) or selection rule (NA013) code.")
    parser.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    add_language_option(parser)


def _advisor(args: argparse.Namespace) -> Any:
    from service.advisor import Advisor
    from service.settings import Settings

    settings = Settings()
    if getattr(args, "rules_dir", None):
        settings = settings.model_copy(update={"rules_dir": Path(args.rules_dir)})
    return Advisor.from_settings(settings)


def display_name(path: str) -> str:
    """A path as findings and SARIF show it: relative to the working directory if inside it, '/'-separated."""
    if path == "-":
        return "stdin"
    absolute = Path(path).resolve()
    try:
        return absolute.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return Path(path).as_posix()


def _read(path: str, name: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise MissingFile(f"cannot read the file: {exc.strerror or exc}", name) from None


def _disk_source(path: str, relative_to: str) -> Any:
    from service.review.merge import SourceFile, joined_name

    base = Path.cwd() if relative_to == "stdin" else Path(relative_to).parent
    target = Path(path) if Path(path).is_absolute() else base / path
    name = display_name(str(target)) if relative_to != "stdin" else joined_name(path, "stdin")
    return SourceFile(name, _read(str(target), name))


def read_requirements(path: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(requirements, deployment) from a JSON or YAML file; a bare mapping is the requirements."""
    from service.review.yamltree import load_documents

    name = display_name(path)
    documents = load_documents(_read(path, name), name)
    root = documents[0]
    data = root.plain()
    if not isinstance(data, dict):
        raise InvalidRequirements("the requirements file is a mapping", name)
    if "requirements" in data or "deployment" in data:
        unknown = sorted(set(data) - {"requirements", "deployment"})
        if unknown:
            raise InvalidRequirements(f"unknown keys {unknown}: use `requirements` and `deployment`", name)
        requirements, deployment = data.get("requirements") or {}, data.get("deployment")
    else:
        requirements, deployment = data, None
    if not isinstance(requirements, dict) or not (deployment is None or isinstance(deployment, dict)):
        raise InvalidRequirements("`requirements` and `deployment` are mappings", name)
    from service.review.context import validate_requirements
    from service.review.yamltree import Mark

    section = root.get("requirements") if "requirements" in data else root
    marks = {key: entry.key_mark for key, entry in section.entries().items()} if section is not None else {}
    validate_requirements(requirements, name, marks, Mark(name, 1, 1))
    if deployment is not None:
        from pydantic import ValidationError

        from service.models import Deployment

        try:
            Deployment.model_validate(deployment)
        except ValidationError as exc:
            raise InvalidRequirements(f"deployment: {exc.errors()[0]['msg']}", name) from None
    return requirements, deployment


def run_review(args: argparse.Namespace) -> int:
    from service.review.merge import SourceFile
    from service.review.render import render
    from service.review.reviewer import Reviewer, failing

    reviewer = Reviewer.for_advisor(_advisor(args))
    names = [display_name(path) for path in args.files]
    status = 0
    try:
        files = [SourceFile(name, _read(path, name)) for path, name in zip(args.files, names, strict=True)]
        requirements, deployment = read_requirements(args.requirements) if args.requirements else (None, None)
        report = reviewer.review(
            files,
            requirements,
            requirements_source=display_name(args.requirements) if args.requirements else "requirements",
            deployment=deployment,
            source=_disk_source,
            language=args.lang,
        )
        status = 1 if failing(report, args.fail_on) else 0
    except ReviewError as exc:
        print(f"netadvisor: error: {exc.message}", file=sys.stderr)
        report = reviewer.failed_report(exc, names)
        status = 2
    from service.i18n import gettext_for

    output = render(report, args.format, reviewer.catalogues[args.lang], gettext_for(args.lang))
    if args.output:
        try:
            Path(args.output).write_text(output, encoding="utf-8")
        except OSError as exc:
            print(f"netadvisor: error: cannot write {args.output}: {exc.strerror}", file=sys.stderr)
            return 2
    else:
        sys.stdout.write(output)
    return status


def run_explain(args: argparse.Namespace) -> int:
    from service.review.docs import explain

    sys.stdout.write(explain(args.rule, _advisor(args).catalogue_for(args.lang), args.format))
    return 0


def register(commands: dict[str, Any]) -> None:
    """Add `review` and `explain` to the CLI's feature subcommands."""
    commands["review"] = (
        "Review Compose files for network design problems (CI and PRs).",
        configure_review,
        run_review,
    )
    commands["explain"] = (
        "Print a rule's documentation (NR### review or NA### selection rule).",
        configure_explain,
        run_explain,
    )


__all__ = [
    "configure_explain",
    "configure_review",
    "display_name",
    "read_requirements",
    "register",
    "run_explain",
    "run_review",
]
