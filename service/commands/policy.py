"""Names and sets the advisor's commands and the review's fix-its share, so both say the same thing."""

from __future__ import annotations

from service.models import Driver

DEFAULT_IMAGE = "nginx:1.27-alpine"
DEFAULT_CONTAINER = "app"
DEFAULT_SHIM_NAME = "macvlan-shim"
MTU_OPTION = "com.docker.network.driver.mtu"

# The drivers whose containers take addresses on the physical LAN, as enum members and as the strings a
# Compose file spells them with.
LAN_DRIVERS = frozenset({Driver.macvlan, Driver.ipvlan})
LAN_DRIVER_NAMES = frozenset(driver.value for driver in LAN_DRIVERS)

DEFAULT_NETWORK_NAMES = {
    Driver.bridge: "app-net",
    Driver.overlay: "app-overlay",
    Driver.macvlan: "lan-macvlan",
    Driver.ipvlan: "lan-ipvlan",
}


def default_network_name(driver: Driver) -> str:
    """The network name used when the user gave none (drivers without a network use their own name)."""
    return DEFAULT_NETWORK_NAMES.get(driver, driver.value)


def is_lan_driver(driver: str | None) -> bool:
    """Whether a driver name (as Compose spells it, or a `Driver`) is macvlan or ipvlan."""
    return driver in LAN_DRIVER_NAMES


def mtu_options(mtu: int | str) -> dict[str, str]:
    """The `driver_opts` entry that sets a network's MTU."""
    return {MTU_OPTION: str(mtu)}
