"""Compose snippets: the one emitter and the pieces of a network definition the advisor's Compose and the
review's fix-its both write (a LAN's IPAM pool, the MTU option)."""

from __future__ import annotations

from typing import Any

from service.commands.addressing import Lan
from service.yamlout import emit

SHIM_AUX_NAME = "host-shim"  # the --aux-address / aux_addresses key reserving the shim address


def snippet(document: dict[str, Any]) -> str:
    """A Compose document (or fragment) as YAML, keys in the order given."""
    return emit(document)


def lan_pool(lan: Lan, shim: bool = False) -> dict[str, object]:
    """A LAN network's `ipam.config` entry: subnet, gateway, container range, and the shim's reservation."""
    pool: dict[str, object] = {"subnet": lan.subnet, "gateway": lan.gateway, "ip_range": lan.ip_range}
    if shim:
        pool["aux_addresses"] = {SHIM_AUX_NAME: lan.shim_address}
    return pool
