"""Several Compose files (and `include`d / `extends`-ed ones) into one tree, as Compose merges them.

The rules follow compose-spec `13-merge.md`, applied to the located tree so every value keeps the file,
line and column it came from:

- mappings merge key by key, the later file winning; a service's `networks` and `depends_on` given as a
  list count as a mapping of those names, and `environment`, `labels`, `extra_hosts`, `sysctls` and
  `annotations` given as `KEY=VALUE` lists count as mappings, so list and mapping forms merge by key;
- sequences concatenate, except `ports`, where an entry with the same {host_ip, target, published,
  protocol} as an earlier one replaces it, and `command`, `entrypoint` and `healthcheck.test`, which the
  later file replaces (volumes, secrets and configs simply concatenate: the review does not read them);
- `!reset` removes a value, `!override` replaces it without merging;
- a mapping's key keeps the position of its first definition; a replaced value takes the later file's.

Then `include` (compose-spec `14-include.md`): each included file set is loaded and merged on its own and
its services, networks, volumes, secrets and configs are added; a name defined on both sides is an
error, as in Compose. Then `extends` (`service:` in the same project, `file:` + `service:` elsewhere): the
base service is merged under the extending one. Both resolve files through a `FileSource`, so the CLI
reads from disk and the HTTP API only from the files in the request; a missing file is an error, never
a silently smaller review.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass

from service.review.errors import InvalidCompose, MissingFile
from service.review.ports import port_merge_key
from service.review.spec import REPLACED_ON_MERGE
from service.review.yamltree import MAP, SCALAR, SEQ, Entry, Limits, Mark, Node, load_documents

MAX_INCLUDED_FILES = 64
MAX_EXTENDS_DEPTH = 16

_NAME_LISTS = frozenset({"networks", "depends_on"})
_KEY_VALUE_LISTS = frozenset({"environment", "labels", "extra_hosts", "sysctls", "annotations"})
_INCLUDED_SECTIONS = ("services", "networks", "volumes", "secrets", "configs", "models")


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A Compose file to review: the name findings show (a relative path) and its bytes or text."""

    name: str
    content: bytes | str


# (path as written, the file it is written in) -> the file; raises MissingFile
FileSource = Callable[[str, str], SourceFile]


def no_other_files(path: str, relative_to: str) -> SourceFile:
    raise MissingFile(
        f"{path!r} is not among the files given; pass it too (include and extends need the file)",
        relative_to,
    )


def joined_name(path: str, relative_to: str) -> str:
    """The name a referenced file gets: relative to the directory of the file that references it."""
    if posixpath.isabs(path):
        return posixpath.normpath(path)
    return posixpath.normpath(posixpath.join(posixpath.dirname(relative_to), path))


# -- merging two trees -----------------------------------------------------------------------------------


def merge(base: Node, over: Node, path: tuple[str, ...] = ()) -> Node | None:
    """`over` merged onto `base` (neither is modified: aliased nodes may be shared). None = removed."""
    if over.tag == "!reset":
        return None
    if over.tag == "!override":
        return over
    if over.is_scalar and over.value is None and base.is_map:
        return base  # `web:` or `front:` with nothing under it adds nothing
    if _is_service_attr(path, _NAME_LISTS | _KEY_VALUE_LISTS) and (base.is_seq or over.is_seq):
        base, over = _as_mapping(base, path[-1]), _as_mapping(over, path[-1])
    if base.is_map and over.is_map:
        return _merge_maps(base, over, path)
    if base.is_seq and over.is_seq:
        return _merge_seqs(base, over, path)
    return over


def _merge_seqs(base: Node, over: Node, path: tuple[str, ...]) -> Node:
    if _is_service_attr(path, REPLACED_ON_MERGE) or path[-2:] == ("healthcheck", "test"):
        return over
    if _is_service_attr(path, frozenset({"ports"})):
        return _merge_ports(base, over)
    merged = Node(SEQ, [*base.value, *over.value], base.mark)
    merged.size = base.size + over.size - 1
    return merged


def _is_service_attr(path: tuple[str, ...], names: frozenset[str]) -> bool:
    return len(path) == 3 and path[0] == "services" and path[2] in names


def _merge_maps(base: Node, over: Node, path: tuple[str, ...]) -> Node:
    entries: dict[str, Entry] = dict(base.value)
    for key, entry in over.value.items():
        previous = entries.get(key)
        if previous is None:
            if entry.node.tag != "!reset":
                entries[key] = entry
            continue
        merged = merge(previous.node, entry.node, (*path, key))
        if merged is None:
            del entries[key]
        elif merged is entry.node:
            entries[key] = entry
        else:
            entries[key] = Entry(key, previous.key_mark, merged)
    result = Node(MAP, entries, base.mark)
    result.size = 1 + sum(entry.node.size + 1 for entry in entries.values())
    return result


def _merge_ports(base: Node, over: Node) -> Node:
    items = list(base.value)
    index = {port_merge_key(item): position for position, item in enumerate(items)}
    for item in over.value:
        key = port_merge_key(item)
        if key in index:
            items[index[key]] = item
        else:
            index[key] = len(items)
            items.append(item)
    merged = Node(SEQ, items, base.mark)
    merged.size = 1 + sum(item.size for item in items)
    return merged


def _as_mapping(node: Node, attribute: str) -> Node:
    """The list form of `networks`/`depends_on` (names) or `environment`-like (`K=V`) as a mapping."""
    if not node.is_seq:
        return node
    entries: dict[str, Entry] = {}
    for item in node.value:
        text = item.text()
        if text is None:
            raise InvalidCompose(f"`{attribute}` entries are text", *_where(item.mark))
        if attribute in _NAME_LISTS:
            key, value = text, Node(SCALAR, None, item.mark)
        else:
            key, sep, rest = text.partition("=")
            value = Node(SCALAR, rest if sep else None, item.mark, raw=rest)
            value.unresolved = item.unresolved
        entries[key] = Entry(key, item.mark, value)
    mapping = Node(MAP, entries, node.mark)
    mapping.size = node.size + len(entries)
    return mapping


def normalise_lists(root: Node) -> Node:
    """Give every service's `networks`/`depends_on`/environment-like lists their mapping form."""
    services = root.get("services")
    if services is None or not services.is_map:
        return root
    changed: dict[str, Entry] = {}
    for name, entry in services.value.items():
        service = entry.node
        if not service.is_map:
            continue
        updates = {
            key: Entry(key, attr.key_mark, _as_mapping(attr.node, key))
            for key, attr in service.value.items()
            if key in _NAME_LISTS | _KEY_VALUE_LISTS and attr.node.is_seq
        }
        if updates:
            new_service = Node(MAP, {**service.value, **updates}, service.mark)
            new_service.size = service.size
            changed[name] = Entry(name, entry.key_mark, new_service)
    if not changed:
        return root
    new_services = Node(MAP, {**services.value, **changed}, services.mark)
    new_services.size = services.size
    services_entry = root.value["services"]
    new_root = Node(
        MAP, {**root.value, "services": Entry("services", services_entry.key_mark, new_services)}, root.mark
    )
    new_root.size = root.size
    return new_root


# -- loading a project -----------------------------------------------------------------------------------


class _Loader:
    def __init__(self, source: FileSource, limits: Limits) -> None:
        self.source = source
        self.limits = limits
        self.loaded: dict[str, list[Node]] = {}
        self.file_names: list[str] = []

    def documents(self, file: SourceFile) -> list[Node]:
        cached = self.loaded.get(file.name)
        if cached is None:
            if len(self.loaded) >= MAX_INCLUDED_FILES:
                raise InvalidCompose(
                    f"more than {MAX_INCLUDED_FILES} files through include/extends", file.name
                )
            cached = load_documents(file.content, file.name, self.limits)
            self.loaded[file.name] = cached
            self.file_names.append(file.name)
        return cached

    def fetch(self, path: str, relative_to: str, mark: Mark) -> SourceFile:
        try:
            return self.source(path, relative_to)
        except MissingFile as exc:
            raise MissingFile(exc.bare_message, *_where(mark)) from None

    def merged(self, files: list[SourceFile], depth: int = 0) -> Node:
        documents = [doc for file in files for doc in self.documents(file)]
        root = documents[0]
        for document in documents[1:]:
            root = merge(root, document) or root
        root = normalise_lists(root)
        return self.apply_includes(root, depth)

    def apply_includes(self, root: Node, depth: int) -> Node:
        include = root.entry("include")
        if include is None:
            return root
        if depth > MAX_EXTENDS_DEPTH:
            raise InvalidCompose("include nests too deeply (a cycle?)", *_where(include.key_mark))
        if not include.node.is_seq:
            raise InvalidCompose("`include` is a list of files", *_where(include.node.mark))
        entries = dict(root.value)
        del entries["include"]
        for item in include.node.value:
            paths = _include_paths(item)
            files = [self.fetch(path, mark.file, mark) for path, mark in paths]
            included = self.merged(files, depth + 1)
            for section in _INCLUDED_SECTIONS:
                _add_section(entries, included, section)
        result = Node(MAP, entries, root.mark)
        result.size = root.size
        return result


def _include_paths(item: Node) -> list[tuple[str, Mark]]:
    if item.is_scalar and isinstance(item.value, str):
        return [(item.value, item.mark)]
    if item.is_map:
        path = item.get("path")
        if path is not None and path.is_scalar and isinstance(path.value, str):
            return [(path.value, path.mark)]
        if (
            path is not None
            and path.is_seq
            and all(p.is_scalar and isinstance(p.value, str) for p in path.value)
        ):
            return [(p.value, p.mark) for p in path.value]
    raise InvalidCompose("an `include` entry is a path or a mapping with `path:`", *_where(item.mark))


def _add_section(entries: dict[str, Entry], included: Node, section: str) -> None:
    theirs = included.entry(section)
    if theirs is None or not theirs.node.is_map:
        return
    ours = entries.get(section)
    if ours is None:
        entries[section] = theirs
        return
    if not ours.node.is_map:
        return
    combined = dict(ours.node.value)
    for name, entry in theirs.node.value.items():
        if name in combined:
            raise InvalidCompose(
                f"{section}.{name} is defined here and in the included file {entry.key_mark.file}; Compose "
                "refuses such conflicts",
                *_where(combined[name].key_mark),
            )
        combined[name] = entry
    node = Node(MAP, combined, ours.node.mark)
    node.size = ours.node.size + theirs.node.size
    entries[section] = Entry(section, ours.key_mark, node)


def apply_extends(root: Node, loader: _Loader) -> Node:
    services = root.get("services")
    if services is None or not services.is_map:
        return root
    if not any(entry.node.is_map and "extends" in entry.node.value for entry in services.value.values()):
        return root
    resolved: dict[str, Entry] = {}
    for name, entry in services.value.items():
        resolved[name] = Entry(name, entry.key_mark, _extended(services, entry.node, loader, ()))
    new_services = Node(MAP, resolved, services.mark)
    new_services.size = services.size
    entries = dict(root.value)
    entries["services"] = Entry("services", root.value["services"].key_mark, new_services)
    result = Node(MAP, entries, root.mark)
    result.size = root.size
    return result


def _extended(services: Node, service: Node, loader: _Loader, chain: tuple[str, ...]) -> Node:
    extends = service.entry("extends") if service.is_map else None
    if extends is None:
        return service
    spec = extends.node
    if spec.is_scalar and isinstance(spec.value, str):
        base_name, file_path = spec.value, None
    elif spec.is_map and isinstance((spec.get("service") or Node(SCALAR, None, spec.mark)).value, str):
        base_name = spec.get("service").value  # type: ignore[union-attr]
        file_node = spec.get("file")
        file_path = file_node.value if file_node is not None and isinstance(file_node.value, str) else None
    else:
        raise InvalidCompose("`extends` is a service name or {service:, file:}", *_where(spec.mark))
    key = f"{file_path or extends.key_mark.file}#{base_name}"
    if key in chain or len(chain) > MAX_EXTENDS_DEPTH:
        raise InvalidCompose(f"`extends` loops back to {base_name!r}", *_where(extends.key_mark))
    if file_path is None:
        pool = services
    else:
        file = loader.fetch(file_path, extends.key_mark.file, spec.mark)
        pool = loader.merged([file]).get("services") or Node(MAP, {}, spec.mark)
    base = pool.get(base_name) if pool.is_map else None
    if base is None or not base.is_map:
        raise InvalidCompose(
            f"`extends` names the service {base_name!r}, which is not defined", *_where(spec.mark)
        )
    base = _extended(pool, base, loader, (*chain, key))
    own = Node(MAP, {k: v for k, v in service.value.items() if k != "extends"}, service.mark)
    own.size = service.size
    base_without = Node(MAP, {k: v for k, v in base.value.items() if k != "extends"}, base.mark)
    base_without.size = base.size
    return merge(base_without, own, ("services", "_")) or own


def load_project(
    files: list[SourceFile], source: FileSource = no_other_files, limits: Limits | None = None
) -> tuple[Node, list[str]]:
    """The merged Compose tree of `files` (in override order) and the names of every file it read."""
    if not files:
        raise InvalidCompose("give at least one Compose file")
    loader = _Loader(source, limits or Limits())
    root = loader.merged(files)
    root = apply_extends(root, loader)
    return root, loader.file_names


def _where(mark: Mark) -> tuple[str, int, int]:
    return mark.file, mark.line, mark.column
