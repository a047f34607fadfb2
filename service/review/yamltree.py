"""Load Compose YAML into a tree that remembers where every key and value was written.

Why not `yaml.safe_load`: the review must point at the offending key's line and column in the file that
defined it, after several files were merged; it must read YAML the way Compose does (YAML 1.2, where
`22:22` is a string and `yes` is not a boolean), keep Compose's own tags (`!reset`, `!override`); and it
must refuse hostile input quickly. So the tree is built here from the parser's event stream, with an
explicit stack (no recursion), counting as it goes:

- more than `max_bytes` of input is refused before parsing;
- nesting deeper than `max_depth` is refused at the event that opens the level;
- every node counts once, and every alias counts the whole node it points at (its *expanded* size), so
  an alias bomb ("billion laughs") is refused as soon as the expanded document would exceed `max_nodes`,
  long before anything walks it. Aliased nodes are shared, never copied, so memory stays linear too.

Merge keys (`<<: *base`, `<<: [*a, *b]`) are applied while building, as YAML and Compose define them:
keys written in the mapping win, then the merged mappings in order. Duplicate keys are an error, as in
Compose. `${VAR:-default}` and `${VAR-default}` become their default (the review never reads the
environment: it must give the same answer on every machine); every other reference (`${VAR}`, `$VAR`,
`${VAR:?err}`, `${VAR:+alt}`) stays as written and the node is flagged `unresolved`, so checks that need
the value skip it rather than guess. `$$` is a literal `$`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

import yaml
from yaml.resolver import BaseResolver

from service.review.errors import ComposeTooComplex, ComposeTooLarge, InvalidCompose

MAX_BYTES: Final = 1024 * 1024
MAX_DEPTH: Final = 64
MAX_NODES: Final = 250_000

MAP: Final = "map"
SEQ: Final = "seq"
SCALAR: Final = "scalar"

_MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass(frozen=True, slots=True)
class Mark:
    """A position in a source file; line and column count from 1, as editors and SARIF do."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class Node:
    """One YAML node. `value` is a dict of `Entry` (map), a list of `Node` (seq) or a Python scalar."""

    __slots__ = ("kind", "mark", "raw", "size", "tag", "unresolved", "value")

    def __init__(self, kind: str, value: Any, mark: Mark, tag: str | None = None, raw: str = "") -> None:
        self.kind = kind
        self.value = value
        self.mark = mark
        self.tag = tag  # an explicit local tag (`!reset`, `!override`), else None
        self.raw = raw  # a scalar's text as written (keys are compared as text)
        self.size = 1  # nodes in the expanded subtree, aliases counted in full
        self.unresolved = False  # a scalar still holding a `${VAR}` the review cannot know

    def __repr__(self) -> str:
        return f"Node({self.kind}, {self.value!r}, {self.mark})"

    # -- typed access (None when the node is not of that kind) ---------------------------------------------

    @property
    def is_map(self) -> bool:
        return self.kind == MAP

    @property
    def is_seq(self) -> bool:
        return self.kind == SEQ

    @property
    def is_scalar(self) -> bool:
        return self.kind == SCALAR

    def entries(self) -> dict[str, Entry]:
        result: dict[str, Entry] = self.value if self.kind == MAP else {}
        return result

    def items(self) -> list[Node]:
        result: list[Node] = self.value if self.kind == SEQ else []
        return result

    def get(self, key: str) -> Node | None:
        if self.kind != MAP:
            return None
        entry = self.value.get(key)
        return entry.node if entry is not None else None

    def entry(self, key: str) -> Entry | None:
        return self.value.get(key) if self.kind == MAP else None

    def text(self) -> str | None:
        """A scalar as Compose text: strings as is, numbers and booleans the way YAML 1.2 writes them."""
        if self.kind != SCALAR or self.value is None:
            return None
        if isinstance(self.value, bool):
            return "true" if self.value else "false"
        return str(self.value)

    def plain(self, budget: int = MAX_NODES) -> Any:
        """Plain Python data (dicts, lists, scalars); bounded, since a node's size is known."""
        if self.size > budget:
            raise ComposeTooComplex(f"a value expands to more than {budget} nodes", *_where(self.mark))
        if self.kind == MAP:
            return {key: entry.node.plain(budget) for key, entry in self.value.items()}
        if self.kind == SEQ:
            return [item.plain(budget) for item in self.value]
        return self.value


class Entry:
    """A mapping entry: the key as text, where the key was written, and the value."""

    __slots__ = ("key", "key_mark", "node")

    def __init__(self, key: str, key_mark: Mark, node: Node) -> None:
        self.key = key
        self.key_mark = key_mark
        self.node = node

    def __repr__(self) -> str:
        return f"Entry({self.key!r} @ {self.key_mark}: {self.node!r})"


def _where(mark: Mark) -> tuple[str, int, int]:
    return mark.file, mark.line, mark.column


# -- YAML 1.2 core schema for plain scalars --------------------------------------------------------------

_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})
_INT = re.compile(r"^[-+]?[0-9]+$")
_OCT = re.compile(r"^0o[0-7]+$")
_HEX = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_SPECIAL_FLOATS = {
    ".inf": float("inf"),
    "+.inf": float("inf"),
    "-.inf": float("-inf"),
    ".nan": float("nan"),
}


def resolve_plain(text: str) -> Any:
    """What a plain (unquoted) scalar means under the YAML 1.2 core schema, which Compose uses."""
    if text in _NULLS:
        return None
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    number = _number(text)
    return number if number is not None else text


def _number(text: str) -> int | float | None:
    if _INT.match(text):
        return int(text)
    if _OCT.match(text):
        return int(text[2:], 8)
    if _HEX.match(text):
        return int(text[2:], 16)
    if _FLOAT.match(text):
        return float(text)
    return _SPECIAL_FLOATS.get(text.lower())


def _resolve_tagged(text: str, tag: str) -> Any:
    short = tag.rsplit(":", 1)[-1] if tag.startswith("tag:yaml.org,2002:") else None
    if short == "str":
        return text
    if short in ("int", "float", "bool", "null"):
        value = resolve_plain(text)
        return text if isinstance(value, str) else value
    return resolve_plain(text)  # local tags (!reset, !override, others): the text decides


# -- interpolation ---------------------------------------------------------------------------------------

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def interpolate(text: str) -> tuple[str, bool]:
    """Apply Compose interpolation with every variable unset; return (text, whether any stayed unknown)."""
    if "$" not in text:
        return text, False
    out: list[str] = []
    unresolved = False
    i = 0
    n = len(text)
    while i < n:
        char = text[i]
        if char != "$" or i + 1 >= n:
            out.append(char)
            i += 1
            continue
        nxt = text[i + 1]
        if nxt == "$":
            out.append("$")
            i += 2
            continue
        if nxt == "{":
            end = _closing_brace(text, i + 2)
            if end < 0:  # not a reference Compose can parse; keep the text
                out.append(text[i:])
                unresolved = True
                break
            inner = text[i + 2 : end]
            replaced, inner_unresolved = _expand(inner)
            if replaced is None:
                out.append(text[i : end + 1])
                unresolved = True
            else:
                out.append(replaced)
                unresolved = unresolved or inner_unresolved
            i = end + 1
            continue
        match = _NAME.match(text, i + 1)
        if match is not None:
            out.append(text[i : match.end()])
            unresolved = True
            i = match.end()
            continue
        out.append(char)
        i += 1
    return "".join(out), unresolved


def _closing_brace(text: str, start: int) -> int:
    depth = 1
    for index in range(start, len(text)):
        if text[index] == "{" and text[index - 1] == "$":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return index
    return -1


def _expand(inner: str) -> tuple[str | None, bool]:
    """`NAME:-default` / `NAME-default` give the (interpolated) default; anything else is unknown."""
    match = _NAME.match(inner)
    if match is None:
        return None, True
    rest = inner[match.end() :]
    for operator in (":-", "-"):
        if rest.startswith(operator):
            return interpolate(rest[len(operator) :])
    return None, True


# -- the loader ------------------------------------------------------------------------------------------


def _parser_class() -> type[Any]:
    try:
        from yaml._yaml import CParser  # libyaml: ~2 µs per event

        base: type[Any] = CParser
    except ImportError:  # pragma: no cover - PyYAML built without libyaml
        from yaml.parser import Parser
        from yaml.reader import Reader
        from yaml.scanner import Scanner

        class _PurePython(Reader, Scanner, Parser):
            def __init__(self, stream: str) -> None:
                Reader.__init__(self, stream)
                Scanner.__init__(self)
                Parser.__init__(self)

        base = _PurePython

    class _EventSource(base, BaseResolver):  # type: ignore[misc]
        """Only events: the tree, tags and types are ours."""

        def __init__(self, stream: str) -> None:
            base.__init__(self, stream)
            BaseResolver.__init__(self)

    return _EventSource


_EVENT_SOURCE = _parser_class()


@dataclass(frozen=True, slots=True)
class Limits:
    max_bytes: int = MAX_BYTES
    max_depth: int = MAX_DEPTH
    max_nodes: int = MAX_NODES


DEFAULT_LIMITS: Final = Limits()


def decode(data: bytes | str, file: str, limits: Limits = DEFAULT_LIMITS) -> str:
    size = len(data.encode("utf-8")) if isinstance(data, str) else len(data)
    if size > limits.max_bytes:
        raise ComposeTooLarge(
            f"the file is {size} bytes; the review reads Compose files up to {limits.max_bytes} bytes",
            file,
            extra={"max_bytes": limits.max_bytes, "bytes": size},
        )
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidCompose(f"not UTF-8 text (byte {exc.start})", file) from None


def load_documents(data: bytes | str, file: str, limits: Limits = DEFAULT_LIMITS) -> list[Node]:
    """Every document in the stream, each a mapping; refuses what Compose refuses and what is hostile."""
    text = decode(data, file, limits)
    builder = _Builder(file, limits)
    source = _EVENT_SOURCE(text)
    try:
        for event in _events(source):
            builder.feed(event)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        reason = " ".join(part for part in (exc.context, exc.problem) if part) or "invalid YAML"
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
        if "nesting depth" in reason:  # libyaml's own limit, met while scanning ahead of our check
            raise ComposeTooComplex(f"nesting too deep: {reason}", file, line, column) from None
        raise InvalidCompose(f"not valid YAML: {reason}", file, line, column) from None
    except yaml.YAMLError as exc:
        raise InvalidCompose(f"not valid YAML: {exc}", file) from None
    finally:
        dispose = getattr(source, "dispose", None)
        if dispose is not None:
            dispose()
    documents = [doc for doc in builder.documents if not (doc.is_scalar and doc.value is None)]
    if not documents:
        raise InvalidCompose("the file is empty; a Compose file is a mapping with `services:`", file, 1, 1)
    for doc in documents:
        if not doc.is_map:
            what = "a list" if doc.is_seq else f"the scalar {doc.raw!r}"
            raise InvalidCompose(
                f"a Compose file is a mapping (`services:`, `networks:` ...), this document is {what}",
                *_where(doc.mark),
            )
    return documents


def _events(source: Any) -> Iterator[Any]:
    while source.check_event():
        yield source.get_event()


class _Frame:
    __slots__ = ("anchor", "key", "key_is_merge", "key_mark", "merges", "node")

    def __init__(self, node: Node, anchor: str | None) -> None:
        self.node = node
        self.anchor = anchor
        self.key: str | None = None
        self.key_mark: Mark | None = None
        self.key_is_merge = False
        self.merges: list[Node] = []


class _Builder:
    def __init__(self, file: str, limits: Limits) -> None:
        self.file = file
        self.limits = limits
        self.stack: list[_Frame] = []
        self.anchors: dict[str, Node | None] = {}  # None while the anchored node is still open
        self.documents: list[Node] = []
        self.total = 0  # expanded nodes so far, aliases counted in full
        self.max_nodes = limits.max_nodes

    def mark(self, event: Any) -> Mark:
        return Mark(self.file, event.start_mark.line + 1, event.start_mark.column + 1)

    def count(self, nodes: int, mark: Mark) -> None:
        self.total += nodes
        if self.total > self.max_nodes:
            raise ComposeTooComplex(
                f"the document expands to more than {self.limits.max_nodes} nodes (an alias bomb, or far "
                "larger than any Compose file); refused",
                *_where(mark),
                extra={"max_nodes": self.limits.max_nodes},
            )

    def feed(self, event: Any) -> None:
        kind = type(event).__name__
        if kind == "ScalarEvent":
            self.scalar(event)
        elif kind in ("MappingStartEvent", "SequenceStartEvent"):
            self.start(event, kind == "MappingStartEvent")
        elif kind in ("MappingEndEvent", "SequenceEndEvent"):
            frame = self.stack.pop()
            if frame.merges:
                self.apply_merges(frame)
            if frame.anchor is not None:
                self.anchors[frame.anchor] = frame.node
            self.add(frame.node)
        elif kind == "AliasEvent":
            self.alias(event)
        elif kind == "DocumentStartEvent":
            self.anchors = {}  # anchors do not cross documents
        # StreamStart, StreamEnd, DocumentEnd: nothing to build

    def start(self, event: Any, mapping: bool) -> None:
        mark = self.mark(event)
        if len(self.stack) >= self.limits.max_depth:
            raise ComposeTooComplex(
                f"nesting deeper than {self.limits.max_depth} levels; refused",
                *_where(mark),
                extra={"max_depth": self.limits.max_depth},
            )
        self.count(1, mark)
        node = Node(MAP, {}, mark) if mapping else Node(SEQ, [], mark)
        node.tag = _local_tag(event.tag)
        if event.anchor is not None:
            self.anchors[event.anchor] = None
        self.stack.append(_Frame(node, event.anchor))

    def alias(self, event: Any) -> None:
        mark = self.mark(event)
        if event.anchor not in self.anchors:
            raise InvalidCompose(f"alias *{event.anchor} names no anchor defined before it", *_where(mark))
        target = self.anchors[event.anchor]
        if target is None:
            raise InvalidCompose(f"alias *{event.anchor} refers to the node that contains it", *_where(mark))
        self.count(target.size, mark)
        self.add(target, alias=True)

    def scalar(self, event: Any) -> None:
        mark = self.mark(event)
        self.count(1, mark)
        text: str = event.value
        plain = event.style in (None, "") and event.implicit[0]
        tag = event.tag
        if tag is None or tag == "!":
            value: Any = resolve_plain(text) if plain else text
        else:
            value = _resolve_tagged(text, tag)
        node = Node(SCALAR, value, mark, _local_tag(tag), text)
        if isinstance(value, str) and "$" in value:
            node.value, node.unresolved = interpolate(value)
        if event.anchor is not None:
            self.anchors[event.anchor] = node
        if (plain and text == "<<") or tag == _MERGE_TAG:
            node.tag = "<<"
        self.add(node)

    def add(self, node: Node, alias: bool = False) -> None:
        if not self.stack:
            self.documents.append(node)
            return
        frame = self.stack[-1]
        parent = frame.node
        parent.size += node.size
        if parent.is_seq:
            parent.value.append(node)
            return
        if frame.key_mark is None:  # this node is a key
            if not node.is_scalar:
                raise InvalidCompose(
                    "mapping keys must be plain text, not a list or mapping", *_where(node.mark)
                )
            frame.key = "" if node.value is None and node.raw in _NULLS else node.raw
            frame.key_mark = node.mark
            frame.key_is_merge = node.tag == "<<" and not alias
            return
        key, key_mark = frame.key or "", frame.key_mark
        frame.key, frame.key_mark = None, None
        if frame.key_is_merge:
            frame.key_is_merge = False
            self.collect_merge(frame, node)
            return
        existing = parent.value.get(key)
        if existing is not None:
            raise InvalidCompose(
                f"key {key!r} is defined twice in this mapping (first at line {existing.key_mark.line}); "
                "Compose rejects duplicate keys",
                *_where(key_mark),
            )
        parent.value[key] = Entry(key, key_mark, node)

    def collect_merge(self, frame: _Frame, node: Node) -> None:
        sources = node.value if node.is_seq else [node]
        for source in sources:
            if not source.is_map:
                raise InvalidCompose(
                    "`<<` merges mappings: give an alias to a mapping (<<: *base) or a list of them",
                    *_where(source.mark),
                )
            frame.merges.append(source)

    def apply_merges(self, frame: _Frame) -> None:
        if not frame.merges:
            return
        entries: dict[str, Entry] = frame.node.value
        for source in frame.merges:
            for key, entry in source.value.items():
                if key not in entries:
                    entries[key] = entry


def _local_tag(tag: str | None) -> str | None:
    """Keep the tags Compose gives meaning to; standard `!!` tags were applied to the value already."""
    if tag in ("!reset", "!override"):
        return tag
    return None


def scalar_text(node: Node | None) -> str | None:
    return node.text() if node is not None else None


__all__ = [
    "DEFAULT_LIMITS",
    "MAP",
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_NODES",
    "SCALAR",
    "SEQ",
    "Entry",
    "Limits",
    "Mark",
    "Node",
    "decode",
    "interpolate",
    "load_documents",
    "resolve_plain",
    "scalar_text",
]
