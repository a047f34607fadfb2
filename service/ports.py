"""Published-port specifications: `80`, `8000-9000`, `53/udp`, `30000-32767/tcp`, `127.0.0.1:5432:5432`."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import lru_cache

# Docker's `-p [ip:]hostPort[-range][:containerPort[-range]][/proto]`; an IPv6 host IP is written in
# brackets (`[::1]:8080:80`), as in Docker's port-publishing page.
_RANGE = r"[0-9]{1,5}(?:-[0-9]{1,5})?"
_SPEC = re.compile(
    rf"^(?:(?P<ip>[0-9]+(?:\.[0-9]+){{3}}|\[[0-9a-f:.]+\]):)?(?P<host>{_RANGE})(?::(?P<target>{_RANGE}))?"
    r"(?:/(?P<proto>tcp|udp|sctp))?$"
)

# The same grammar for the OpenAPI document (ECMA-262 regex, no flags), on the text as sent: blanks around it
# and upper-case protocols or IPv6 digits are accepted because parsing strips and lower-cases. It says the
# shape; the numbers (1-65535, ranges upwards and of equal length) are checked when parsing.
_SPEC_RANGE = "[0-9]{1,5}(?:-[0-9]{1,5})?"
PORT_SPEC_PATTERN = (
    rf"^\s*(?:(?:[0-9]+(?:\.[0-9]+){{3}}|\[[0-9a-fA-F:.]+\]):)?{_SPEC_RANGE}(?::{_SPEC_RANGE})?"
    r"(?:/(?:[tT][cC][pP]|[uU][dD][pP]|[sS][cC][tT][pP]))?\s*$"
)


@dataclass(frozen=True, slots=True)
class PortSpec:
    start: int
    end: int
    protocol: str
    host_ip: str | None = None  # None: every host address (Docker's default)
    target_start: int | None = None  # None: the same port(s) inside the container

    @property
    def count(self) -> int:
        return self.end - self.start + 1

    @property
    def range_text(self) -> str:
        return str(self.start) if self.start == self.end else f"{self.start}-{self.end}"

    @property
    def target_text(self) -> str:
        if self.target_start is None:
            return self.range_text
        target_end = self.target_start + self.count - 1
        return str(self.target_start) if self.count == 1 else f"{self.target_start}-{target_end}"

    @property
    def loopback_only(self) -> bool:
        return self.host_ip is not None and ipaddress.ip_address(self.host_ip.strip("[]")).is_loopback

    def covers(self, port: int, protocol: str) -> bool:
        return self.protocol == protocol and self.start <= port <= self.end

    def publish_arg(self) -> str:
        """The `-p` value: `8000-9000:8000-9000/udp`, or `127.0.0.1:5432:5432` with a host IP."""
        suffix = "" if self.protocol == "tcp" else f"/{self.protocol}"
        prefix = f"{self.host_ip}:" if self.host_ip is not None else ""
        return f"{prefix}{self.range_text}:{self.target_text}{suffix}"

    def service_arg(self) -> str:
        """`docker service create --publish` takes no host IP: published:target only."""
        suffix = "" if self.protocol == "tcp" else f"/{self.protocol}"
        return f"{self.range_text}:{self.target_text}{suffix}"

    def compose_entry(self) -> str:
        return self.publish_arg()


def _range(text: str, raw: str) -> tuple[int, int]:
    start_text, _, end_text = text.partition("-")
    start, end = int(start_text), int(end_text or start_text)
    if not 1 <= start <= 65535 or not 1 <= end <= 65535:
        raise ValueError(f"{raw!r}: ports must be between 1 and 65535")
    if end < start:
        raise ValueError(f"{raw!r}: the range must go upwards (write {end}-{start})")
    return start, end


def _host_ip(text: str | None, raw: str) -> str | None:
    if text is None:
        return None
    try:
        address = ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        raise ValueError(f"{raw!r}: {text!r} is not an IP address of the host") from None
    if address.version == 6 and not text.startswith("["):
        raise ValueError(f"{raw!r}: write an IPv6 host address in brackets, e.g. '[::1]:8080:80'")
    return f"[{address}]" if address.version == 6 else str(address)


@lru_cache(maxsize=4096)  # PortSpec is immutable; the same specs arrive again and again
def parse_port_spec(raw: str) -> PortSpec:
    """Parse one port spec; ValueError says what is wrong and what a valid one looks like."""
    match = _SPEC.fullmatch(raw.strip().lower())
    if match is None:
        raise ValueError(
            f"{raw!r} is not a port spec: use [IP:]PORT[-END][:CONTAINER_PORT[-END]], optionally /tcp, "
            "/udp or /sctp (e.g. '80', '8000-9000', '53/udp', '127.0.0.1:5432:5432')"
        )
    start, end = _range(match["host"], raw)
    target_start = None
    if match["target"] is not None:
        target_start, target_end = _range(match["target"], raw)
        if target_end - target_start != end - start:
            raise ValueError(f"{raw!r}: the host and container ranges must hold the same number of ports")
        if target_start == start:
            target_start = None
    host_ip = _host_ip(match["ip"], raw)
    return PortSpec(start, end, match["proto"] or "tcp", host_ip, target_start)
