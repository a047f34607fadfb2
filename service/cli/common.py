"""What every `netadvisor` subcommand shares: the advisor it asks and the error it raises."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from service.errors import ErrorCode, NetadvisorError
from service.settings import Settings


class CliError(NetadvisorError):
    code = ErrorCode.cli_error


def load_advisor(args: argparse.Namespace) -> Any:
    from service.advisor import Advisor  # imported late: `netadvisor --help` should not load the catalogue

    settings = Settings()
    if getattr(args, "rules_dir", None):
        settings = settings.model_copy(update={"rules_dir": Path(args.rules_dir)})
    return Advisor.from_settings(settings)


def language_argument(value: str) -> str:
    """`--lang`: en, or zh / zh-CN / zh-Hans / zh-SG for Simplified Chinese; else a usage error."""
    from service.i18n import SUPPORTED_LANGUAGES, language_of

    language = language_of(value)
    if language is None:
        raise argparse.ArgumentTypeError(
            f"unsupported language {value!r}; use en or zh (supported: {', '.join(SUPPORTED_LANGUAGES)})"
        )
    return language


def add_language_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lang",
        type=language_argument,
        default="en",
        metavar="LANG",
        help="Language of the human texts: en (default) or zh (Simplified Chinese). Codes and JSON keys "
        "stay as they are.",
    )
