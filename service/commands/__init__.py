"""The shared command policy: what the advisor's commands and the review's fix-its both build.

- `policy`: default names (image, container, network, shim), the MTU option, the LAN driver sets;
- `addressing`: LAN address planning (subnet, gateway, ip_range, first static address, the macvlan shim
  address at the top of ip_range) and the per-node blocks of a Swarm LAN network;
- `compose`: the Compose snippet emitter and the network pieces both write;
- `builder`: the argv commands and Compose snippet for one driver of a recommendation (Linux engines);
- `windows`: the same for Windows containers, and `build_platform_commands`, which picks the builder.

Everything importable from here; new driver families add a module beside these.
"""

from service.commands.addressing import (
    DEFAULT_IPV6_SUBNET,
    DEFAULT_LAN_SUBNET,
    DEFAULT_OVERLAY_V4_SUBNET,
    DEFAULT_PARENT,
    Lan,
    NodeRanges,
    plan_lan,
    split_range,
    suggested_gateway,
    suggested_ip_range,
)
from service.commands.builder import (
    ALTERNATIVES_NOTE,
    COMMAND_PLACEHOLDERS,
    MAX_LISTED_NODES,
    AssumptionLog,
    CommandData,
    CommandsData,
    build_commands,
    command,
    host_ip_note,
    service_publish_args,
)
from service.commands.compose import SHIM_AUX_NAME, lan_pool, snippet
from service.commands.policy import (
    DEFAULT_CONTAINER,
    DEFAULT_IMAGE,
    DEFAULT_NETWORK_NAMES,
    DEFAULT_SHIM_NAME,
    LAN_DRIVER_NAMES,
    LAN_DRIVERS,
    MTU_OPTION,
    default_network_name,
    is_lan_driver,
    mtu_options,
)
from service.commands.windows import UNSUPPORTED_OPTIONS, WINDOWS_IMAGE, build_platform_commands

__all__ = [
    "ALTERNATIVES_NOTE",
    "COMMAND_PLACEHOLDERS",
    "DEFAULT_CONTAINER",
    "DEFAULT_IMAGE",
    "DEFAULT_IPV6_SUBNET",
    "DEFAULT_LAN_SUBNET",
    "DEFAULT_NETWORK_NAMES",
    "DEFAULT_OVERLAY_V4_SUBNET",
    "DEFAULT_PARENT",
    "DEFAULT_SHIM_NAME",
    "LAN_DRIVERS",
    "LAN_DRIVER_NAMES",
    "MAX_LISTED_NODES",
    "MTU_OPTION",
    "SHIM_AUX_NAME",
    "UNSUPPORTED_OPTIONS",
    "WINDOWS_IMAGE",
    "AssumptionLog",
    "CommandData",
    "CommandsData",
    "Lan",
    "NodeRanges",
    "build_commands",
    "build_platform_commands",
    "command",
    "default_network_name",
    "host_ip_note",
    "is_lan_driver",
    "lan_pool",
    "mtu_options",
    "plan_lan",
    "service_publish_args",
    "snippet",
    "split_range",
    "suggested_gateway",
    "suggested_ip_range",
]
