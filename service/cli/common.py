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
