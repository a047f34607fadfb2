"""Published-port specifications: `80`, `8000-9000`, `53/udp`, `30000-32767/tcp`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_SPEC = re.compile(r"^(?P<start>[0-9]{1,5})(?:-(?P<end>[0-9]{1,5}))?(?:/(?P<proto>tcp|udp|sctp))?$")


@dataclass(frozen=True, slots=True)
class PortSpec:
    start: int
    end: int
    protocol: str

    @property
    def count(self) -> int:
        return self.end - self.start + 1

    @property
    def range_text(self) -> str:
        return str(self.start) if self.start == self.end else f"{self.start}-{self.end}"

    def publish_arg(self) -> str:
        """The `-p` value that publishes the same port(s) on the host: `8000-9000:8000-9000/udp`."""
        suffix = "" if self.protocol == "tcp" else f"/{self.protocol}"
        return f"{self.range_text}:{self.range_text}{suffix}"

    def compose_entry(self) -> str:
        return self.publish_arg()


@lru_cache(maxsize=4096)  # PortSpec is immutable; the same specs arrive again and again
def parse_port_spec(raw: str) -> PortSpec:
    """Parse one port spec; ValueError says what is wrong and what a valid one looks like."""
    match = _SPEC.fullmatch(raw.strip().lower())
    if match is None:
        raise ValueError(
            f"{raw!r} is not a port spec: use PORT, START-END, optionally /tcp, /udp or /sctp "
            "(e.g. '80', '8000-9000', '53/udp')"
        )
    start = int(match["start"])
    end = int(match["end"] or start)
    if not 1 <= start <= 65535 or not 1 <= end <= 65535:
        raise ValueError(f"{raw!r}: ports must be between 1 and 65535")
    if end < start:
        raise ValueError(f"{raw!r}: the range must go upwards (write {end}-{start})")
    return PortSpec(start=start, end=end, protocol=match["proto"] or "tcp")
