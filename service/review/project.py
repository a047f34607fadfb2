"""The merged Compose tree read into the services and networks the checks look at, every value located.

Only what the review reads is interpreted here, and each of those values is checked for the shape
Compose requires (a wrong shape is an `InvalidCompose` error with its line, never a skipped check).
Unknown keys at the top level, in services, in networks and in network attachments are refused as
Compose refuses them (see `spec.py`). Everything else in the file is left alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from service.commands import MTU_OPTION
from service.review import spec
from service.review.errors import InvalidCompose
from service.review.ports import PortBinding, parse_port
from service.review.yamltree import Entry, Mark, Node
from service.suggest import closest

T = TypeVar("T")

DEFAULT_NETWORK = "default"
# `deploy` settings `docker compose up` ignores and only `docker stack deploy` uses: a file with them is a
# stack file, whose networks default to overlay and whose services attach to overlays without --attachable.
SWARM_ONLY_DEPLOY = frozenset({"update_config", "rollback_config", "placement", "endpoint_mode"})


@dataclass(frozen=True, slots=True)
class Located(Generic[T]):
    """A value and where it was written: `mark` is the key (`driver:`), `value_mark` the value."""

    value: T
    mark: Mark
    value_mark: Mark
    unresolved: bool = False


@dataclass(frozen=True, slots=True)
class RequirementsSpec:
    """An `x-network-requirements` mapping: its values, where it is, and where each field is."""

    values: dict[str, Any]
    mark: Mark
    field_marks: dict[str, Mark]


@dataclass(frozen=True, slots=True)
class Suppression:
    """One `x-netadvisor-ignore` entry. `problem` says why it is not honoured (None: it is)."""

    rule: str | None
    reason: str | None
    mark: Mark
    problem: str | None = None


@dataclass(slots=True)
class Attachment:
    network: str
    mark: Mark  # where the service names the network; the service's key for the implicit default
    implicit: bool = False
    ipv4_address: Located[str] | None = None
    ipv6_address: Located[str] | None = None
    mac_address: Located[str] | None = None


@dataclass(slots=True)
class Service:
    name: str
    mark: Mark
    network_mode: Located[str] | None = None
    networks_key: Mark | None = None
    attachments: list[Attachment] = field(default_factory=list)
    ports_key: Mark | None = None
    ports: list[PortBinding] = field(default_factory=list)
    mac_address: Located[str] | None = None
    depends_on: list[Located[str]] = field(default_factory=list)
    links: list[Located[str]] = field(default_factory=list)
    environment: list[tuple[str, Located[str]]] = field(default_factory=list)
    container_name: str | None = None
    image: str | None = None
    requirements: RequirementsSpec | None = None
    ignores: list[Suppression] = field(default_factory=list)
    swarm_only: list[Located[str]] = field(default_factory=list)  # deploy settings only Swarm reads

    @property
    def mode(self) -> str | None:
        """`host`, `none`, `bridge`, `service`, `container`, another name, or None (uses `networks`)."""
        if self.network_mode is None or self.network_mode.unresolved:
            return None
        value = self.network_mode.value
        return value.split(":", 1)[0] if value.startswith(("service:", "container:")) else value


@dataclass(slots=True)
class Pool:
    mark: Mark
    subnet: Located[str] | None = None
    gateway: Located[str] | None = None
    ip_range: Located[str] | None = None
    aux_addresses: list[tuple[str, Located[str]]] = field(default_factory=list)


@dataclass(slots=True)
class Network:
    name: str
    mark: Mark | None  # the key under top-level `networks:`; None for an undeclared `default`
    declared: bool = True
    driver: Located[str] | None = None
    driver_opts: dict[str, Located[str]] = field(default_factory=dict)
    driver_opts_key: Mark | None = None
    external: bool = False
    external_name: str | None = None
    internal: Located[bool] | None = None
    attachable: Located[bool] | None = None
    enable_ipv6: Located[bool] | None = None
    ipam_key: Mark | None = None
    ipam_driver: str | None = None
    pools: list[Pool] = field(default_factory=list)
    ignores: list[Suppression] = field(default_factory=list)

    def effective_driver(self, swarm: bool, windows: bool = False) -> str | None:
        """The driver Docker will use; None when the file cannot tell (external, or `${DRIVER}`).

        Windows engines create networks with `nat` where Linux ones use `bridge` ("The 'nat' network is
        the default network for containers running on Windows", Microsoft's container networking page).
        """
        if self.external:
            return self.external_name if self.external_name in ("host", "none", "bridge") else None
        if self.driver is not None:
            return None if self.driver.unresolved else self.driver.value.lower()
        return "overlay" if swarm else ("nat" if windows else "bridge")

    @property
    def is_default_bridge(self) -> bool:
        """An external network named `bridge` is Docker's default bridge (no DNS by name)."""
        return self.external and self.external_name == "bridge"

    @property
    def anchor(self) -> Mark | None:
        """Where a finding about the network's driver points: `driver:`, else the network's key."""
        return self.driver.mark if self.driver is not None else self.mark

    @property
    def is_internal(self) -> bool:
        return self.internal is not None and self.internal.value

    @property
    def mtu(self) -> Located[str] | None:
        return self.driver_opts.get(MTU_OPTION)

    def subnets(self) -> list[Located[str]]:
        return [pool.subnet for pool in self.pools if pool.subnet is not None and not pool.subnet.unresolved]


@dataclass(slots=True)
class Project:
    files: list[str]
    services: dict[str, Service]
    networks: dict[str, Network]
    requirements: RequirementsSpec | None = None
    _attached: dict[str, list[Service]] | None = None

    @property
    def stack_hints(self) -> list[Located[str]]:
        return [hint for service in self.services.values() for hint in service.swarm_only]

    def attached(self, network: str) -> list[Service]:
        """The services on `network`, in file order (indexed once: checks ask for every network)."""
        if self._attached is None:
            index: dict[str, list[Service]] = {}
            for service in self.services.values():
                for name in dict.fromkeys(a.network for a in service.attachments):
                    index.setdefault(name, []).append(service)
            self._attached = index
        return self._attached.get(network, [])

    def network_of(self, attachment: Attachment) -> Network | None:
        return self.networks.get(attachment.network)


# -- reading ---------------------------------------------------------------------------------------------


def read_project(root: Node, files: list[str]) -> Project:
    _check_keys(root, spec.TOP_LEVEL, "the top level")
    services_node = root.get("services")
    networks_node = root.get("networks")
    services: dict[str, Service] = {}
    if services_node is not None and services_node.value is not None:
        _expect_map(services_node, "`services`")
        for name, entry in services_node.entries().items():
            services[name] = _service(name, entry)
    networks: dict[str, Network] = {}
    if networks_node is not None and networks_node.value is not None:
        _expect_map(networks_node, "`networks`")
        for name, entry in networks_node.entries().items():
            networks[name] = _network(name, entry)
    if DEFAULT_NETWORK not in networks and any(
        a.network == DEFAULT_NETWORK for s in services.values() for a in s.attachments
    ):
        networks[DEFAULT_NETWORK] = Network(DEFAULT_NETWORK, None, declared=False)
    requirements = _requirements(root.entry(spec.REQUIREMENTS_KEY))
    return Project(files, services, networks, requirements)


def _service(name: str, entry: Entry) -> Service:
    node = entry.node
    if not node.is_map:
        raise InvalidCompose(f"service {name!r} must be a mapping (image:, ports: ...)", *_where(node.mark))
    _check_keys(node, spec.SERVICE, f"service {name!r}")
    service = Service(name, entry.key_mark)
    service.network_mode = _string(node.entry("network_mode"), f"services.{name}.network_mode")
    service.mac_address = _string(node.entry("mac_address"), f"services.{name}.mac_address")
    container_name = _string(node.entry("container_name"), f"services.{name}.container_name")
    service.container_name = container_name.value if container_name is not None else None
    image = _string(node.entry("image"), f"services.{name}.image")
    service.image = image.value if image is not None and not image.unresolved else None
    networks = node.entry("networks")
    if networks is not None and networks.node.value is not None:
        service.networks_key = networks.key_mark
        service.attachments = _attachments(name, networks.node)
    if service.network_mode is None and not service.attachments:
        service.attachments = [Attachment(DEFAULT_NETWORK, entry.key_mark, implicit=True)]
    _read_ports(service, node.entry("ports"))
    service.depends_on = _names(node.entry("depends_on"), f"services.{name}.depends_on")
    service.links = _names(node.entry("links"), f"services.{name}.links")
    service.environment = _key_values(node.entry("environment"), f"services.{name}.environment")
    service.requirements = _requirements(node.entry(spec.REQUIREMENTS_KEY))
    service.swarm_only = _swarm_only(node.get("deploy"))
    service.ignores = _ignores(node.entry(spec.IGNORE_KEY))
    return service


def _read_ports(service: Service, ports: Entry | None) -> None:
    if ports is None or ports.node.value is None:
        return
    if not ports.node.is_seq:
        raise InvalidCompose(f"services.{service.name}.ports must be a list", *_where(ports.node.mark))
    service.ports_key = ports.key_mark
    for item in ports.node.items():
        if item.is_map:
            _check_keys(item, spec.PORT_LONG, f"a port of service {service.name!r}")
        service.ports.append(parse_port(item))


def _swarm_only(deploy: Node | None) -> list[Located[str]]:
    """The `deploy` settings only `docker stack deploy` reads (a hint that the file is a Swarm stack)."""
    if deploy is None or not deploy.is_map:
        return []
    return [
        Located(f"deploy.{key}", setting.key_mark, setting.node.mark)
        for key, setting in deploy.entries().items()
        if key in SWARM_ONLY_DEPLOY or (key == "mode" and setting.node.text() == "global")
    ]


def _attachments(service: str, node: Node) -> list[Attachment]:
    where = f"services.{service}.networks"
    if node.is_seq:
        result = []
        for item in node.items():
            name = item.text()
            if not item.is_scalar or name is None:
                raise InvalidCompose(f"{where} lists network names", *_where(item.mark))
            result.append(Attachment(name, item.mark))
        return result
    if not node.is_map:
        raise InvalidCompose(
            f"{where} is a list of names or a mapping of name to settings", *_where(node.mark)
        )
    result = []
    for name, entry in node.entries().items():
        attachment = Attachment(name, entry.key_mark)
        settings = entry.node
        if settings.is_map:
            _check_keys(settings, spec.ATTACHMENT, f"{where}.{name}")
            attachment.ipv4_address = _string(settings.entry("ipv4_address"), f"{where}.{name}.ipv4_address")
            attachment.ipv6_address = _string(settings.entry("ipv6_address"), f"{where}.{name}.ipv6_address")
            attachment.mac_address = _string(settings.entry("mac_address"), f"{where}.{name}.mac_address")
        elif settings.value is not None:
            raise InvalidCompose(
                f"{where}.{name} must be a mapping of settings or empty", *_where(settings.mark)
            )
        result.append(attachment)
    return result


def _network(name: str, entry: Entry) -> Network:
    node = entry.node
    network = Network(name, entry.key_mark)
    if node.value is None:
        return network
    if not node.is_map:
        raise InvalidCompose(f"network {name!r} must be a mapping (driver:, ipam: ...)", *_where(node.mark))
    _check_keys(node, spec.NETWORK, f"network {name!r}")
    where = f"networks.{name}"
    network.driver = _string(node.entry("driver"), f"{where}.driver")
    _read_driver_opts(network, node.entry("driver_opts"), where)
    _read_external(network, node.entry("external"), where)
    name_entry = _string(node.entry("name"), f"{where}.name")
    if network.external:
        network.external_name = network.external_name or (name_entry.value if name_entry else name)
    network.internal = _bool(node.entry("internal"), f"{where}.internal")
    network.attachable = _bool(node.entry("attachable"), f"{where}.attachable")
    network.enable_ipv6 = _bool(node.entry("enable_ipv6"), f"{where}.enable_ipv6")
    _read_ipam(network, node.entry("ipam"), where)
    network.ignores = _ignores(node.entry(spec.IGNORE_KEY))
    return network


def _read_driver_opts(network: Network, options: Entry | None, where: str) -> None:
    if options is None or options.node.value is None:
        return
    _expect_map(options.node, f"{where}.driver_opts")
    network.driver_opts_key = options.key_mark
    for key, option in options.node.entries().items():
        value = _string(option, f"{where}.driver_opts.{key}")
        if value is not None:
            network.driver_opts[key] = value


def _read_external(network: Network, external: Entry | None, where: str) -> None:
    if external is None:
        return
    if external.node.is_map:  # legacy `external: {name: x}`
        network.external = True
        legacy_name = _string(external.node.entry("name"), f"{where}.external.name")
        network.external_name = legacy_name.value if legacy_name is not None else None
    else:
        flag = _bool(external, f"{where}.external")
        network.external = bool(flag is not None and flag.value)


def _read_ipam(network: Network, ipam: Entry | None, where: str) -> None:
    if ipam is None or ipam.node.value is None:
        return
    _expect_map(ipam.node, f"{where}.ipam")
    _check_keys(ipam.node, spec.IPAM, f"{where}.ipam")
    network.ipam_key = ipam.key_mark
    ipam_driver = _string(ipam.node.entry("driver"), f"{where}.ipam.driver")
    network.ipam_driver = ipam_driver.value if ipam_driver is not None else None
    config = ipam.node.entry("config")
    if config is not None and config.node.value is not None:
        if not config.node.is_seq:
            raise InvalidCompose(f"{where}.ipam.config must be a list", *_where(config.node.mark))
        network.pools = [
            _pool(item, f"{where}.ipam.config[{i}]") for i, item in enumerate(config.node.items())
        ]


def _pool(node: Node, where: str) -> Pool:
    _expect_map(node, where)
    _check_keys(node, spec.IPAM_POOL, where)
    pool = Pool(node.mark)
    pool.subnet = _string(node.entry("subnet"), f"{where}.subnet")
    pool.gateway = _string(node.entry("gateway"), f"{where}.gateway")
    pool.ip_range = _string(node.entry("ip_range"), f"{where}.ip_range")
    aux = node.entry("aux_addresses")
    if aux is not None and aux.node.value is not None:
        _expect_map(aux.node, f"{where}.aux_addresses")
        for key, item in aux.node.entries().items():
            value = _string(item, f"{where}.aux_addresses.{key}")
            if value is not None:
                pool.aux_addresses.append((key, value))
    return pool


def _requirements(entry: Entry | None) -> RequirementsSpec | None:
    if entry is None or entry.node.value is None:
        return None
    if not entry.node.is_map:
        raise InvalidCompose(
            f"`{spec.REQUIREMENTS_KEY}` is a mapping of requirements (cloud: aws, cross_host: true ...)",
            *_where(entry.node.mark),
        )
    marks = {key: item.key_mark for key, item in entry.node.entries().items()}
    return RequirementsSpec(entry.node.plain(), entry.key_mark, marks)


def _ignores(entry: Entry | None) -> list[Suppression]:
    if entry is None or entry.node.value is None:
        return []
    if not entry.node.is_seq:
        return [Suppression(None, None, entry.key_mark, "must be a list of {rule: NR###, reason: ...}")]
    result = []
    for item in entry.node.items():
        if not item.is_map:
            result.append(
                Suppression(None, None, item.mark, "each entry is a mapping {rule: NR###, reason: ...}")
            )
            continue
        rule, reason = item.get("rule"), item.get("reason")
        rule_text = rule.text() if rule is not None else None
        reason_text = (reason.text() or "").strip() if reason is not None else ""
        unknown = sorted(set(item.entries()) - {"rule", "reason"})
        problem = None
        if not rule_text:
            problem = "names no `rule`"
        elif not reason_text:
            problem = f"suppresses {rule_text} without a `reason`; say why it does not apply"
        elif unknown:
            problem = f"has unknown keys {unknown}; an entry has `rule` and `reason`"
        result.append(
            Suppression(rule_text.upper() if rule_text else None, reason_text or None, item.mark, problem)
        )
    return result


# -- value helpers ---------------------------------------------------------------------------------------


def _where(mark: Mark) -> tuple[str, int, int]:
    return mark.file, mark.line, mark.column


def _expect_map(node: Node, what: str) -> None:
    if not node.is_map:
        raise InvalidCompose(f"{what} must be a mapping", *_where(node.mark))


def _check_keys(node: Node, allowed: frozenset[str], what: str) -> None:
    for key, entry in node.entries().items():
        if key in allowed or key.startswith("x-"):
            continue
        close = closest(key, sorted(allowed))
        hint = f"; did you mean `{close}`?" if close else ""
        raise InvalidCompose(
            f"unknown key `{key}` in {what}{hint} (Compose rejects it too)", *_where(entry.key_mark)
        )


def _string(entry: Entry | None, what: str) -> Located[str] | None:
    """A text value (numbers count as their text, as Compose casts them); null means absent."""
    if entry is None or entry.node.value is None:
        return None
    node = entry.node
    if not node.is_scalar:
        raise InvalidCompose(f"{what} must be text, not a list or mapping", *_where(node.mark))
    return Located(node.text() or "", entry.key_mark, node.mark, node.unresolved)


def _bool(entry: Entry | None, what: str) -> Located[bool] | None:
    if entry is None or entry.node.value is None:
        return None
    node = entry.node
    value = node.value
    if isinstance(value, bool):
        return Located(value, entry.key_mark, node.mark)
    if isinstance(value, str):
        if node.unresolved:
            return None  # `${FLAG}`: unknown, so no check relies on it
        lowered = value.strip().lower()
        if lowered in ("true", "false"):
            return Located(lowered == "true", entry.key_mark, node.mark)
    raise InvalidCompose(f"{what} must be true or false", *_where(node.mark))


def _names(entry: Entry | None, what: str) -> list[Located[str]]:
    """`depends_on` / `links`: a list of names (links: `name[:alias]`) or a mapping keyed by name."""
    if entry is None or entry.node.value is None:
        return []
    node = entry.node
    if node.is_map:
        return [Located(key, item.key_mark, item.key_mark) for key, item in node.entries().items()]
    if node.is_seq:
        result = []
        for item in node.items():
            text = item.text()
            if text is None or not item.is_scalar:
                raise InvalidCompose(f"{what} lists service names", *_where(item.mark))
            result.append(Located(text, item.mark, item.mark, item.unresolved))
        return result
    raise InvalidCompose(f"{what} is a list or a mapping", *_where(node.mark))


def _key_values(entry: Entry | None, what: str) -> list[tuple[str, Located[str]]]:
    if entry is None or entry.node.value is None:
        return []
    node = entry.node
    result = []
    if node.is_map:
        for key, pair in node.entries().items():
            text = pair.node.text()
            if text is not None:
                result.append((key, Located(text, pair.key_mark, pair.node.mark, pair.node.unresolved)))
        return result
    if node.is_seq:
        for item in node.items():
            text = item.text()
            if text is None:
                raise InvalidCompose(f"{what} entries are KEY=VALUE text", *_where(item.mark))
            key, _, value = text.partition("=")
            result.append((key, Located(value, item.mark, item.mark, item.unresolved)))
        return result
    raise InvalidCompose(f"{what} is a mapping or a list of KEY=VALUE", *_where(node.mark))
