"""`netadvisor ask "cross-host swarm encrypted"`: the chat query language on the command line."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from service.cli.common import add_language_option, load_advisor
from service.i18n import gettext_for
from service.query.grammar import parse_query
from service.query.help import help_text
from service.render import render_recommendation

HELP = 'Ask in the chat query language, e.g. netadvisor ask "cross-host swarm encrypted" (ask help).'


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "query",
        nargs="+",
        help='Tokens, quoted or not: "cross-host swarm encrypted ports=80,443"; `help` lists them all.',
    )
    parser.add_argument("--format", choices=["text", "markdown", "json"], default="text")
    add_language_option(parser)


def handle(args: argparse.Namespace) -> int:
    query = parse_query(" ".join(args.query))  # QueryError: one line on stderr, exit 2 (service.cli.main)
    if query.help:
        markdown = args.format == "markdown"
        print(
            help_text("netadvisor ask", markdown=markdown, can_share=False, gettext=gettext_for(args.lang)),
            end="",
        )
        return 0
    rec = load_advisor(args).recommend(query.request, args.lang)  # the catalogue loads only now
    if args.format == "json":
        print(rec.model_dump_json(indent=2))
    else:
        print(render_recommendation(rec, args.format, gettext=gettext_for(args.lang)), end="")
    return 0


def ask_command() -> tuple[
    str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]
]:
    """The `ask` subcommand: (help, configure the parser, handler)."""
    return HELP, configure, handle
