"""The layout of service/: no import cycles, HTTP frameworks only in service/api, no stdlib-named module.

The import graph is read with `ast`, not by importing, so it sees imports inside functions too (the late
imports that keep `netadvisor --help` fast are still dependencies).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from tests.paths import SERVICE

WEB_FRAMEWORKS = ("fastapi", "starlette")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SERVICE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES: dict[str, Path] = {_module_name(path): path for path in sorted(SERVICE.rglob("*.py"))}


def _imported_names(name: str, path: Path) -> set[str]:
    """Every dotted name `name` imports, at module level or inside functions (relative ones resolved)."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)  # `from pkg import module`
    return names


def _internal(imported: str) -> str | None:
    """The service module an imported dotted name lives in (`service.x.func` -> `service.x`), if any."""
    while imported and imported not in MODULES:
        imported = imported.rpartition(".")[0]
    return imported or None


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        targets = {_internal(imported) for imported in _imported_names(name, path)}
        graph[name] = {target for target in targets if target is not None and target != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = stack[stack.index(node) :]
            del stack[stack.index(node) :]
            on_stack.difference_update(component)
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_graph_sees_function_level_imports() -> None:
    graph = _graph()
    assert "service.cli.ask" in graph["service.cli"]  # imported inside _feature_commands
    assert "service.review.docs" in graph["service.docs.catalogue"]  # imported inside render_catalogue


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycles() -> None:
    assert _cycles(_graph()) == []


def test_only_service_api_imports_web_frameworks() -> None:
    offenders = sorted(
        f"{name} imports {imported}"
        for name, path in MODULES.items()
        if not (name == "service.api" or name.startswith("service.api."))
        for imported in _imported_names(name, path)
        if imported.split(".")[0] in WEB_FRAMEWORKS
    )
    assert offenders == []


def test_no_module_shadows_the_standard_library() -> None:
    shadowing = sorted(
        name for name in MODULES if name != "service" and name.rpartition(".")[2] in sys.stdlib_module_names
    )
    assert shadowing == []
