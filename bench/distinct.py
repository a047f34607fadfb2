"""Distinct, valid recommendation requests generated deterministically from the request model's fields.

Each request sets a few fields (as a user does: most are left at their defaults), each to a value drawn
from what the field's type allows: both booleans, every enum member, integers within their bounds, and
for the string fields (ports, deployment values) a small pool of valid examples. Requests are validated
with the real model; an invalid combination (a gateway outside its subnet) is drawn again, and a request
whose canonical form was already produced is skipped, so every request in the list is distinct.

A field added to the models without a generator here fails loudly, rather than being left out silently.
"""

from __future__ import annotations

import json
import random
import types
import typing
from collections.abc import Callable
from enum import Enum
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from service.models import Deployment, RecommendationRequest, Requirements

Draw = Callable[[random.Random], Any]

PORT_SPECS = ["80", "443", "8080", "53/udp", "8000-9000", "30000-32767/udp", "127.0.0.1:5432", "5353/udp"]
# Pools for fields whose valid values a type cannot enumerate.
STRING_POOLS: dict[str, list[Any]] = {
    "network_name": ["shop", "backend", "lan0", "edge.net", "db_net"],
    "parent_interface": ["eth0", "enp3s0", "eth0.20", "bond0"],
    "windows_adapter": ["Ethernet 2", "vEthernet (External)", "以太网 2"],
    "subnet": ["10.40.0.0/24", "192.168.50.0/24", "172.20.0.0/16"],
    "gateway": ["10.40.0.1", "192.168.50.1", "172.20.0.1"],
    "ip_range": ["10.40.0.128/26", "192.168.50.64/26", "172.20.8.0/22"],
    "ipv6_subnet": ["fd00:40::/64", "fd12:3456:789a::/48"],
    "image": ["registry.example.com/shop/web:2.1", "nginx:1.27", "postgres:16"],
    "container_name": ["web", "db", "api-1"],
    "advertise_addr": ["10.0.0.5", "192.168.1.10", "fd00::5"],
}
INT_POOLS: dict[str, list[int]] = {
    "hosts": [1, 2, 3, 5, 12, 40],
    "vlan": [10, 20, 100, 4094],
    "containers_per_host": [1, 10, 50, 300, 5000],
    "mtu": [1400, 1450, 9000],
}


def _plain_annotation(info: FieldInfo) -> Any:
    annotation = info.annotation
    if typing.get_origin(annotation) in (types.UnionType, typing.Union):  # `int | None`
        annotation = next(arg for arg in typing.get_args(annotation) if arg is not type(None))
    if typing.get_origin(annotation) is typing.Annotated:  # `DockerName`: a constrained str
        annotation = typing.get_args(annotation)[0]
    return annotation


def field_draw(name: str, info: FieldInfo) -> Draw:
    """How to draw a value for one model field, from its type (or its pool when the type cannot say)."""
    annotation = _plain_annotation(info)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        members = [member.value for member in annotation]
        return lambda rng: rng.choice(members)
    if annotation is bool:
        return lambda rng: rng.random() < 0.5
    if name == "ports":
        return lambda rng: rng.sample(PORT_SPECS, rng.randint(1, 3))
    if annotation is int and name in INT_POOLS:
        pool = INT_POOLS[name]
        return lambda rng: rng.choice(pool)
    if annotation is str and name in STRING_POOLS:
        pool = STRING_POOLS[name]
        return lambda rng: rng.choice(pool)
    raise TypeError(f"bench/distinct.py: no generator for field {name!r} ({annotation!r}); add one")


def _draws(model: type[BaseModel]) -> dict[str, Draw]:
    return {name: field_draw(name, info) for name, info in model.model_fields.items()}


def distinct_requests(count: int = 1000, seed: int = 11, fields_per_request: int = 4) -> list[dict[str, Any]]:
    """`count` distinct valid request bodies; the same arguments always give the same list."""
    rng = random.Random(seed)
    requirement_draws, deployment_draws = _draws(Requirements), _draws(Deployment)
    seen: set[str] = set()
    bodies: list[dict[str, Any]] = []
    attempts = 0
    while len(bodies) < count:
        attempts += 1
        if attempts > count * 50:
            raise RuntimeError("cannot generate enough distinct valid requests; widen the pools")
        picked = rng.sample(sorted(requirement_draws), rng.randint(1, fields_per_request))
        requirements = {name: requirement_draws[name](rng) for name in picked}
        deployment: dict[str, Any] = {}
        if rng.random() < 0.5:
            names = rng.sample(sorted(deployment_draws), rng.randint(1, 3))
            deployment = {name: deployment_draws[name](rng) for name in names}
        body = {"requirements": requirements, "deployment": deployment}
        try:
            request = RecommendationRequest.model_validate(body)
        except ValidationError:
            continue
        canonical = json.dumps(request.model_dump(mode="json"), sort_keys=True)
        if canonical in seen:
            continue
        seen.add(canonical)
        bodies.append(body)
    return bodies
