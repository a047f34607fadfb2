"""The `netadvisor` command line: a thin adapter over the service layer.

Errors print one line on stderr and exit non-zero (2), never a traceback. Recommendation flags are
generated from the request model, so every requirement and deployment field has a flag and a new field
gets one without touching this file.
"""

from __future__ import annotations

import argparse
import errno
import json
import re
import socket
import sys
import typing
from collections.abc import Callable, Sequence
from enum import Enum
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from service import __version__
from service.catalogue import DriverInfo
from service.cli.common import CliError, add_language_option, load_advisor
from service.errors import NetadvisorError
from service.i18n import gettext_for
from service.models import Deployment, Requirements, field_value_type
from service.render import render_recommendation
from service.settings import Settings
from service.suggest import closest

Handler = Callable[[argparse.Namespace], int]
# A feature's subcommand: (help, configure its parser, handler).
Subcommand = tuple[str, Callable[[argparse.ArgumentParser], None], Handler]


# -- recommend ---------------------------------------------------------------------------------------------


def _add_model_flags(parser: argparse.ArgumentParser, model: type[BaseModel], dest_prefix: str) -> None:
    group = parser.add_argument_group(f"{dest_prefix} (see `netadvisor recommend --help`)")
    for name, field in model.model_fields.items():
        flag = "--" + name.replace("_", "-")
        dest = f"{dest_prefix}.{name}"
        help_text = (field.description or "").replace("%", "%%")
        annotation = field_value_type(field.annotation)
        if annotation is bool:
            group.add_argument(flag, dest=dest, action=argparse.BooleanOptionalAction, help=help_text)
        elif isinstance(annotation, type) and issubclass(annotation, Enum):
            choices = [member.value for member in annotation]
            group.add_argument(flag, dest=dest, choices=choices, help=help_text)
        elif annotation is int:
            group.add_argument(flag, dest=dest, type=int, metavar="N", help=help_text)
        elif typing.get_origin(annotation) is list:
            group.add_argument(
                flag,
                dest=dest,
                action="append",
                metavar="SPEC",
                help=help_text + " Repeat or comma-separate.",
            )
        else:
            group.add_argument(flag, dest=dest, metavar=name.upper(), help=help_text)
    parser.set_defaults(**{f"{dest_prefix}.{name}": None for name in model.model_fields})


def _read_request_file(path: str) -> dict[str, Any]:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)  # YAML is a superset of JSON: one parser for both
    except yaml.YAMLError as exc:
        raise CliError(f"{path} is neither JSON nor YAML: {str(exc).splitlines()[0]}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise CliError(f"{path} must hold a mapping with `requirements` and/or `deployment`")
    if "requirements" not in data and "deployment" not in data:
        data = {"requirements": data}  # a bare requirements mapping is accepted too
    return data


def _request_from_args(args: argparse.Namespace) -> dict[str, Any]:
    payload: dict[str, Any] = _read_request_file(args.file) if args.file else {}
    for section in ("requirements", "deployment"):
        given = {
            key.split(".", 1)[1]: value
            for key, value in vars(args).items()
            if key.startswith(section + ".") and value is not None
        }
        if "ports" in given:
            given["ports"] = [
                part.strip() for item in given["ports"] for part in item.split(",") if part.strip()
            ]
        if given:
            base = payload.get(section) or {}
            if not isinstance(base, dict):
                raise CliError(f"`{section}` in {args.file} must be a mapping")
            payload[section] = {**base, **given}
    return payload


def _cmd_recommend(args: argparse.Namespace) -> int:
    rec = load_advisor(args).recommend_raw(_request_from_args(args), args.lang)
    if args.format == "json":
        print(rec.model_dump_json(indent=2))
    else:
        print(render_recommendation(rec, args.format, gettext=gettext_for(args.lang)), end="")
    return 0


# -- catalogue ---------------------------------------------------------------------------------------------


def _cmd_rules(args: argparse.Namespace) -> int:
    rules = load_advisor(args).rules(args.lang)
    if args.format == "json":
        print(json.dumps([rule.data.model_dump(mode="json") for rule in rules], indent=2, ensure_ascii=False))
    else:
        for rule in rules:
            print(f"{rule.id}  {rule.data.name}: {rule.data.summary}")
    return 0


def _driver_text(info: DriverInfo) -> str:
    """One driver for a terminal: what it is, when to use it, its facts and where they come from."""
    lines = [f"{info.driver.value}: {info.title}", "", info.what.strip()]
    sections = (
        ("When to use it", info.when_to_use),
        ("Pros", info.pros),
        ("Cons", info.cons),
        ("Hard limits", info.hard_limits),
    )
    for heading, items in sections:
        lines += ["", f"{heading}:", *(f"  - {item.strip()}" for item in items)]
    lines += ["", "The seed article, and where Docker's docs differ:", f"  {info.seed_article.strip()}"]
    lines += ["", f"Source: {info.docs}"]
    return "\n".join(lines)


def _cmd_drivers(args: argparse.Namespace) -> int:
    advisor = load_advisor(args)
    if args.name:
        info = advisor.driver(args.name, args.lang)
        print(info.model_dump_json(indent=2) if args.format == "json" else _driver_text(info))
        return 0
    drivers = advisor.drivers(args.lang)
    if args.format == "json":
        print(json.dumps([info.model_dump(mode="json") for info in drivers], indent=2, ensure_ascii=False))
    else:
        width = max(len(info.driver.value) for info in drivers)
        for info in drivers:
            print(f"{info.driver.value:{width}} {info.title}: {info.what}")
    return 0


def _stopped(signum: int, frame: object) -> None:
    raise SystemExit(0)


class PortInUse(Exception):
    pass


def listening_socket(host: str, port: int) -> socket.socket:
    """Bind the server's socket here rather than in uvicorn, which logs a traceback-like error and exits 1
    on a busy port: the one line a user needs is which port and how to pick another."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn: rebind past TIME_WAIT
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortInUse(f"port {port} on {host} is in use; set --port or NETADVISOR_PORT") from None
        raise CliError(f"cannot listen on {host} port {port}: {exc.strerror}") from None
    sock.set_inheritable(True)  # workers are child processes serving the same socket
    return sock


def _cmd_serve(args: argparse.Namespace) -> int:
    import signal

    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from service.observability.metrics import multiprocess_metrics

    settings = Settings()
    workers = args.workers or settings.workers
    host, port = args.host or settings.host, args.port or settings.port
    try:
        sock = listening_socket(host, port)
    except PortInUse as exc:
        print(f"netadvisor: {exc}", file=sys.stderr)
        return 2
    config = uvicorn.Config(
        "service.api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level,
        timeout_graceful_shutdown=10,
        # Slow and idle clients do not hold connections for ever (README, "Connections and timeouts").
        http=settings.http,
        timeout_keep_alive=settings.keep_alive_timeout,
        h11_max_incomplete_event_size=settings.max_incomplete_event_bytes,
        limit_concurrency=settings.limit_concurrency,
        backlog=settings.backlog,
    )
    # uvicorn finishes in-flight requests on SIGTERM, then raises SIGTERM again to die by it; a stop the
    # operator asked for is a clean exit, so that second SIGTERM exits 0.
    signal.signal(signal.SIGTERM, _stopped)
    with sock, multiprocess_metrics(workers):  # several workers: /metrics adds up all of them
        if workers > 1:
            Multiprocess(config, sockets=[sock]).run()
        else:
            uvicorn.Server(config).run(sockets=[sock])
    return 0


def _cmd_openapi(args: argparse.Namespace) -> int:
    from service.api.app import create_app

    text = json.dumps(create_app().openapi(), indent=2, sort_keys=False) + "\n"
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def _feature_commands() -> dict[str, Subcommand]:
    """Subcommands that live with their feature: `ask` (chat query language), `review` and `explain`."""
    from service.cli.ask import ask_command
    from service.review.cli import register as register_review

    commands: dict[str, Subcommand] = {"ask": ask_command()}
    register_review(commands)
    return commands


# -- entry point -------------------------------------------------------------------------------------------


class OneLineParser(argparse.ArgumentParser):
    """Usage errors in the CLI's one error shape: `netadvisor: error: ...`, a pointer to `--help`, exit 2.

    argparse's own prints the whole usage block first, which buries the one line that says what is wrong.
    Subcommand parsers are made by the same class, so `netadvisor recommend --hostz` gets it too.
    """

    def error(self, message: str) -> typing.NoReturn:
        choice = _INVALID_CHOICE.search(message)
        if choice:
            close = closest(choice["given"], _QUOTED.findall(choice["valid"]))
            if close:
                message += f"; did you mean {close!r}?"
        self.exit(2, f"netadvisor: error: {message} (see `{self.prog} --help`)\n")


_INVALID_CHOICE = re.compile(r"invalid choice: '(?P<given>[^']*)' \(choose from (?P<valid>.*)\)")
_QUOTED = re.compile(r"'([^']*)'")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="netadvisor",
        description="Which Docker network driver to use, why, and the commands to set it up.",
    )
    parser.add_argument("--version", action="version", version=f"netadvisor {__version__}")
    parser.add_argument("--rules-dir", help="Rule catalogue folder (default: the bundled rules/).")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    rec = sub.add_parser("recommend", help="Rank the drivers for your requirements, with commands.")
    rec.add_argument(
        "--file", "-f", help="Request as JSON or YAML ({requirements, deployment}); - for stdin."
    )
    rec.add_argument("--format", choices=["text", "markdown", "json"], default="text")
    add_language_option(rec)
    _add_model_flags(rec, Requirements, "requirements")
    _add_model_flags(rec, Deployment, "deployment")
    rec.set_defaults(handler=_cmd_recommend)

    listings: list[tuple[str, Handler, str]] = [
        ("rules", _cmd_rules, "List the selection rules."),
        ("drivers", _cmd_drivers, "Describe the drivers (Docker Engine's six, then Windows' four)."),
    ]
    for name, handler, help_text in listings:
        command = sub.add_parser(name, help=help_text)
        command.add_argument("--format", choices=["text", "json"], default="text")
        add_language_option(command)
        command.set_defaults(handler=handler)
        if name == "drivers":
            command.add_argument(
                "name", nargs="?", help="One driver (bridge, host, overlay, ipvlan, macvlan, none) in full."
            )

    serve = sub.add_parser("serve", help="Run the HTTP API (settings: NETADVISOR_* environment variables).")
    serve.add_argument("--host", help="Bind address (default 127.0.0.1).")
    serve.add_argument("--port", type=int, help="Port (default 8000).")
    serve.add_argument("--workers", type=int, help="Worker processes (default 1).")
    serve.set_defaults(handler=_cmd_serve)

    openapi = sub.add_parser("openapi", help="Print the OpenAPI document (or write it with --output).")
    openapi.add_argument("--output", "-o", help="File to write.")
    openapi.set_defaults(handler=_cmd_openapi)

    for name, (help_text, configure, handler) in _feature_commands().items():
        command = sub.add_parser(name, help=help_text)
        configure(command)
        command.set_defaults(handler=handler)
    for command in sub.choices.values():
        # Arguments no parser knows are found only once parsing ends; this says whose they were.
        command.set_defaults(command_parser=command)
    return parser


def _unrecognized(parser: argparse.ArgumentParser, extras: list[str]) -> typing.NoReturn:
    """`--hostz 3` after `recommend` is that subcommand's error, with the nearest of its own flags."""
    message = f"unrecognized arguments: {' '.join(extras)}"
    flags = [flag for action in parser._actions for flag in action.option_strings]
    first = extras[0].split("=", 1)[0]
    close = closest(first, flags) if first.startswith("--") else None
    parser.error(message + (f"; did you mean {close!r}?" if close else ""))


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, extras = parser.parse_known_args(argv)
    if extras:
        _unrecognized(getattr(args, "command_parser", parser), extras)
    try:
        result: int = args.handler(args)
        return result
    except NetadvisorError as exc:
        print(f"netadvisor: error: {exc.message}", file=sys.stderr)
        return 2
    except ValidationError as exc:  # settings from the environment
        print(f"netadvisor: error: invalid settings: {exc.errors()[0]['msg']}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
