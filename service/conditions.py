"""Rule conditions: a small, typed boolean language over facts, compiled once into Python functions.

A condition is a mapping:

    {all: [COND, ...]}   every sub-condition holds
    {any: [COND, ...]}   at least one holds
    {not: COND}          the sub-condition does not hold
    {fact: NAME, OP: VALUE}   OP is one of eq, ne, in, not_in, gt, ge, lt, le

Compilation checks every fact name, operator and value type against `FACT_TYPES`, so mistakes surface when
the catalogue loads. Each checked condition is then turned into one Python expression and compiled into
a single function: fact names are validated identifiers from `FACT_TYPES`, values are bools, ints and
strings checked against the fact schema and embedded with `repr`, and sets are passed in as constants.
This costs a fraction of a microsecond per rule, which a tree of closures did not (4 µs per rule here),
and keeps the rules declarative YAML rather than code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from service.facts import FACT_TYPES, Facts, FactType

Predicate = Callable[[Facts], bool]

_OPERATORS = {"eq": "==", "ne": "!=", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}
_ORDERED = {"gt", "ge", "lt", "le"}


class ConditionError(ValueError):
    """A condition that does not fit the fact schema; the message names the path inside the condition."""


@dataclass(frozen=True, slots=True)
class CompiledCondition:
    predicate: Predicate
    facts: tuple[str, ...]  # fact names read, in first-use order: what a conflict report quotes
    source: str  # the generated expression, for error messages and debugging

    def __call__(self, facts: Facts) -> bool:
        return self.predicate(facts)


def compile_condition(raw: object) -> CompiledCondition:
    names: list[str] = []
    constants: dict[str, Any] = {}
    expression = _compile(raw, "when", names, constants)
    namespace: dict[str, Any] = {"__builtins__": {}, **constants}
    predicate = eval(f"lambda f: {expression}", namespace)  # noqa: S307 - built from checked parts only
    return CompiledCondition(predicate, tuple(dict.fromkeys(names)), expression)


def _compile(raw: object, path: str, names: list[str], constants: dict[str, Any]) -> str:
    if not isinstance(raw, Mapping) or not raw:
        raise ConditionError(f"{path}: expected a mapping with all/any/not or fact, got {raw!r}")
    keys = set(raw)
    if keys in ({"all"}, {"any"}):
        (combinator,) = keys
        parts = raw[combinator]
        if not isinstance(parts, list) or not parts:
            raise ConditionError(f"{path}.{combinator}: expected a non-empty list of conditions")
        compiled = [
            _compile(part, f"{path}.{combinator}[{i}]", names, constants) for i, part in enumerate(parts)
        ]
        joiner = " and " if combinator == "all" else " or "
        return "(" + joiner.join(compiled) + ")"
    if keys == {"not"}:
        return f"(not {_compile(raw['not'], f'{path}.not', names, constants)})"
    if "fact" in keys:
        return _compile_comparison(raw, path, names, constants)
    raise ConditionError(f"{path}: unknown keys {sorted(map(str, keys))}; use all, any, not or fact")


def _compile_comparison(
    raw: Mapping[str, Any], path: str, names: list[str], constants: dict[str, Any]
) -> str:
    name = raw["fact"]
    ops = [key for key in raw if key != "fact"]
    if name not in FACT_TYPES:
        raise ConditionError(f"{path}: unknown fact {name!r}; known facts: {', '.join(sorted(FACT_TYPES))}")
    if len(ops) != 1:
        raise ConditionError(f"{path}: fact {name!r} needs exactly one operator, got {ops}")
    (op,) = ops
    value = raw[op]
    fact_type = FACT_TYPES[name]
    names.append(name)
    subject = f"f[{name!r}]"
    if op in ("in", "not_in"):
        if not isinstance(value, list) or not value:
            raise ConditionError(f"{path}: {op} needs a non-empty list")
        for item in value:
            _check_value(item, fact_type, f"{path}.{op}", name)
        constant = f"_set{len(constants)}"
        constants[constant] = frozenset(value)
        return f"({subject} {'in' if op == 'in' else 'not in'} {constant})"
    if op not in _OPERATORS:
        known = sorted([*_OPERATORS, "in", "not_in"])
        raise ConditionError(f"{path}: unknown operator {op!r}; use one of {known}")
    if op in _ORDERED and fact_type.kind is not int:
        raise ConditionError(
            f"{path}: {op} only applies to numeric facts; {name!r} is {fact_type.kind.__name__}"
        )
    _check_value(value, fact_type, f"{path}.{op}", name)
    if fact_type.kind is bool:  # `is` keeps 1 == True from matching a bool fact
        return f"({subject} is {value!r})" if op == "eq" else f"({subject} is not {value!r})"
    return f"({subject} {_OPERATORS[op]} {value!r})"


def _check_value(value: object, fact_type: FactType, path: str, name: str) -> None:
    if fact_type.kind is list:
        raise ConditionError(f"{path}: list fact {name!r} cannot be compared; use a derived fact")
    # bool is a subclass of int in Python: keep `hosts: {ge: true}` from slipping through.
    if type(value) is not fact_type.kind:
        raise ConditionError(
            f"{path}: fact {name!r} is {fact_type.kind.__name__}, got {type(value).__name__} {value!r}"
        )
    if fact_type.choices is not None and value not in fact_type.choices:
        raise ConditionError(
            f"{path}: {value!r} is not a value of {name!r}; choose from {sorted(fact_type.choices)}"
        )
