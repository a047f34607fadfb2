"""Strings that must never become shell syntax, YAML structure or a surprise in a command.

Shared by the hostile-input catalogue (over HTTP) and the property tests (on the engine).
"""

from __future__ import annotations

SHELL_METACHARACTERS: list[str] = [
    "; rm -rf /",
    "$(reboot)",
    "`id`",
    "a|b",
    "a && b",
    "a>b",
    "a<b",
    "$HOME",
    "${IFS}",
    "a b",
    "'",
    '"',
    "\\",
    "*",
    "~root",
    "{a,b}",
    "#comment",
    "!!",
    "-rf",
    "--privileged",
    "a\nb",
    "a'; docker run --privileged x; '",
]

# Control characters, look-alikes and YAML-significant strings, on top of the shell ones.
NASTY: list[str] = [
    *SHELL_METACHARACTERS,
    "a&&b",
    "?",
    "[a]",
    "~",
    "#",
    "!",
    "\n",
    "\r",
    "\t",
    "\x00",
    "\x1b[0m",
    "\u202e",
    "\u200b",
    "é",
    "\uff45",  # fullwidth e: looks like ASCII, is not
    ": x",
    "&anchor",
    "*alias",
    "!!python/object",
    "%",
    "@",
    "yes",
    "null",
    "0x1f",
]
