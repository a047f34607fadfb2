"""A minimal block-style YAML emitter for JSON-shaped data (dict, list, str, int, bool, None).

Why not `yaml.safe_dump`: it costs 220 µs (libyaml) to 1.3 ms (pure Python) per Compose snippet, more
than the whole engine budget for six drivers; this emitter takes about a seventh of libyaml's time
(bench/README.md). Its safety rule is
simple: a string is written plain only when it matches a conservative pattern and cannot be read back as
another type; everything else is double-quoted, with every character outside printable ASCII escaped
(YAML's hex escapes, never JSON's surrogate pairs, which YAML does not recombine).
`tests/test_yamlout.py` checks with Hypothesis that `yaml.safe_load(emit(x)) == x`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_./-]*$")
# YAML 1.1 (PyYAML) and 1.2 words that would load as booleans or null if written plain.
_RESERVED = frozenset(["y", "n", "yes", "no", "true", "false", "on", "off", "null"])


@lru_cache(maxsize=4096, typed=True)  # keys and values repeat across snippets and requests
def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        if _PLAIN.fullmatch(value) and value.lower() not in _RESERVED:
            return value
        return _double_quoted(value)
    raise TypeError(f"cannot emit {type(value).__name__} as YAML")


def _double_quoted(text: str) -> str:
    out = ['"']
    for char in text:
        code = ord(char)
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif 0x20 <= code < 0x7F:
            out.append(char)
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


def _lines(value: Any, indent: str, out: list[str]) -> None:
    # Hot path (one call per mapping or sequence in every snippet): exact type checks, no helper calls
    # for the common scalar case.
    if type(value) is dict:
        for key, item in value.items():
            kind = type(item)
            if kind is dict and item:
                out.append(f"{indent}{_scalar(key)}:")
                _lines(item, indent + "  ", out)
            elif kind is list and item:
                out.append(f"{indent}{_scalar(key)}:")
                _lines(item, indent, out)  # block sequences sit at the key's indentation, as Compose files do
            else:
                out.append(f"{indent}{_scalar(key)}: {_EMPTY.get(kind) or _scalar(item)}")
    elif type(value) is list:
        for item in value:
            kind = type(item)
            if kind is dict and item:
                nested: list[str] = []
                _lines(item, indent + "  ", nested)
                out.append(f"{indent}- {nested[0].lstrip()}")
                out.extend(nested[1:])
            elif kind is list and item:
                raise TypeError("nested sequences are not used in Compose snippets")
            else:
                out.append(f"{indent}- {_EMPTY.get(kind) or _scalar(item)}")
    else:
        out.append(indent + _scalar(value))


_EMPTY: dict[type, str] = {dict: "{}", list: "[]"}  # reached only for empty ones: non-empty recurse above


def emit(document: dict[str, Any]) -> str:
    out: list[str] = []
    _lines(document, "", out)
    return "\n".join(out) + "\n"
