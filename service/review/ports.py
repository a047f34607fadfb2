"""A service's `ports:` entries, short and long syntax, as Compose and Docker read them.

Short syntax is `[[HOST_IP:]HOST:]CONTAINER[/PROTOCOL]` (compose-spec `05-services.md#ports`), split the way
Docker's own parser does: the protocol after the last `/`, the container port after the last `:`, the
host port before it, and whatever comes first is the host IP (IPv6 addresses may be bracketed).

How many host ports an entry occupies, which is what costs one docker-proxy process and NAT rules each:
a container range of N ports with a host range of N, or with no host port (Docker picks N), is N ports; a
host range with a single container port (`8000-9000:80`) is ONE port, the first free one in the range.
"""

from __future__ import annotations

from dataclasses import dataclass

from service.review.yamltree import Mark, Node


@dataclass(frozen=True, slots=True)
class PortBinding:
    mark: Mark
    raw: str
    host_ip: str | None = None
    published: tuple[int, int] | None = None  # host port range (start, end)
    target: tuple[int, int] | None = None  # container port range
    protocol: str = "tcp"
    mode: str | None = None
    error: str | None = None  # why it could not be read (unresolved `${VAR}`, malformed)

    @property
    def host_port_count(self) -> int:
        if self.error is not None or self.target is None:
            return 0
        target_count = self.target[1] - self.target[0] + 1
        if self.published is None:
            return target_count
        published_count = self.published[1] - self.published[0] + 1
        return target_count if target_count == published_count else 1

    def describe(self) -> str:
        return self.raw


def _range(text: str) -> tuple[int, int] | None:
    start, dash, end = text.strip().partition("-")
    if not start.isdigit() or (dash and not end.isdigit()):
        return None
    low, high = int(start), int(end) if dash else int(start)
    if not (0 <= low <= 65535 and 0 <= high <= 65535) or high < low:
        return None
    return low, high


def parse_port(node: Node) -> PortBinding:
    if node.is_map:
        return _long(node)
    text = node.text()
    if text is None:
        return PortBinding(node.mark, repr(node.value), error="a port is a number, text or mapping")
    if node.unresolved:
        return PortBinding(node.mark, text, error="holds an unresolved ${VARIABLE}")
    return parse_short(text, node.mark)


def parse_short(text: str, mark: Mark) -> PortBinding:
    spec, slash, protocol = text.rpartition("/") if "/" in text else (text, "", "tcp")
    if not slash:
        spec = text
    protocol = protocol.lower() or "tcp"
    parts = spec.split(":")
    if len(parts) == 1:
        host_ip, host, container = None, "", parts[0]
    elif len(parts) == 2:
        host_ip, host, container = None, parts[0], parts[1]
    else:
        host_ip, host, container = ":".join(parts[:-2]), parts[-2], parts[-1]
        host_ip = host_ip.strip("[]") or None
    target = _range(container)
    published = _range(host) if host else None
    if target is None or (host and published is None):
        return PortBinding(mark, text, host_ip, protocol=protocol, error="not a port or port range")
    return PortBinding(mark, text, host_ip, published, target, protocol)


def _long(node: Node) -> PortBinding:
    target_node, published_node = node.get("target"), node.get("published")
    raw = ", ".join(f"{key}: {entry.node.text()}" for key, entry in node.entries().items())
    protocol = (_child_text(node, "protocol") or "tcp").lower()
    host_ip = _child_text(node, "host_ip")
    mode = _child_text(node, "mode")
    if any(part is not None and part.unresolved for part in (target_node, published_node)):
        return PortBinding(
            node.mark, raw, host_ip, protocol=protocol, mode=mode, error="holds an unresolved ${VARIABLE}"
        )
    target = _range(target_node.text() or "") if target_node is not None else None
    published_text = published_node.text() if published_node is not None else None
    published = _range(published_text) if published_text else None
    if target is None or (published_text and published is None):
        return PortBinding(
            node.mark, raw, host_ip, protocol=protocol, mode=mode, error="not a port or port range"
        )
    return PortBinding(node.mark, raw, host_ip, published, target, protocol, mode)


def _child_text(node: Node, key: str) -> str | None:
    child = node.get(key)
    return child.text() if child is not None else None


def port_merge_key(node: Node) -> tuple[object, ...]:
    """Compose's unique key for merging `ports`: {host_ip, target, published, protocol}."""
    binding = parse_port(node)
    if binding.error is not None:
        return ("raw", binding.raw)
    return (binding.host_ip, binding.target, binding.published, binding.protocol)
