"""What the engine tests run on: the docker CLI and `ip` as argv lists, the engine found at DOCKER_HOST
and checked (DNS guard, kernel features, subnets already taken), and small network probes.

Fixtures and the per-test `Lab` live in conftest.py; see its docstring for where these tests run and how
they stay off the real network.
"""

from __future__ import annotations

import ipaddress
import itertools
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from service.models import Command

NO_ENGINE = "no Docker engine (set DOCKER_HOST); run `make engine-test` to start a private one"
IMAGE = os.environ.get("NETADVISOR_IMAGE", "netadvisor/busybox:test")
IMAGE_PAGE = "netadvisor-ok"  # what the image's default CMD (busybox httpd on port 80) serves
SWARM_ADDR = "127.0.0.1"
V4_POOL = ipaddress.IPv4Network("10.213.0.0/16")
V6_POOL = ipaddress.IPv6Network("fd6e:6574:7465::/48")  # "netadvisor test", a ULA nobody routes
DEFAULT_TIMEOUT = 90.0

# urllib must never go through a proxy from the environment: every request here is to a local address.
_HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))


# --------------------------------------------------------------------------------------- running commands


class CommandError(AssertionError):
    """A command the test needed failed or timed out (an AssertionError so it reads as a test failure)."""


class EngineRejected(AssertionError):
    """The engine (or the host) refused a command exactly as the advisor generated it."""

    def __init__(self, command: Command, result: Result) -> None:
        super().__init__(
            "the engine rejected a command the advisor generated\n"
            f"  $ {command.command}\n"
            f"  exit {result.returncode}: {(result.stderr or result.stdout).strip()}"
        )
        self.command = command
        self.result = result


@dataclass(frozen=True, slots=True)
class Result:
    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def describe(self) -> str:
        return (
            f"$ {shlex.join(self.argv)}\nexit {self.returncode}\n"
            f"stdout: {self.stdout.strip()}\nstderr: {self.stderr.strip()}"
        )


def run_argv(argv: Sequence[str], *, timeout: float = DEFAULT_TIMEOUT, check: bool = True) -> Result:
    """Run argv (no shell), with a timeout; `check` raises CommandError on a non-zero exit."""
    try:
        proc = subprocess.run(
            list(argv), capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL, check=False
        )
    except subprocess.TimeoutExpired:
        raise CommandError(f"timed out after {timeout:g}s: {shlex.join(argv)}") from None
    except FileNotFoundError:
        raise CommandError(f"program not found: {argv[0]}") from None
    result = Result(tuple(argv), proc.returncode, proc.stdout, proc.stderr)
    if check and not result.ok:
        raise CommandError(result.describe())
    return result


class Docker:
    """The docker client from NETADVISOR_DOCKER_CLI (fallback `docker`); DOCKER_HOST comes from the env.

    `.ci/engine/start.sh` exports NETADVISOR_DOCKER_CLI=/usr/bin/docker, the 20.10 client of the 20.10
    daemon: a newer client (28.x) refuses `docker run --mac-address` against API 1.41.
    """

    def __init__(self, cli: str) -> None:
        self.cli = cli

    def argv(self, docker_argv: Sequence[str]) -> list[str]:
        """`["docker", ...]` as the advisor writes it, run with this client."""
        assert docker_argv[0] == "docker", docker_argv
        return [self.cli, *docker_argv[1:]]

    def __call__(self, *args: str, timeout: float = DEFAULT_TIMEOUT, check: bool = True) -> Result:
        return run_argv([self.cli, *args], timeout=timeout, check=check)

    def sh(self, container: str, script: str, *, timeout: float = 30, check: bool = True) -> Result:
        """Run a busybox shell script inside a running container."""
        return self("exec", container, "sh", "-c", script, timeout=timeout, check=check)

    def json(self, *args: str) -> Any:
        return json.loads(self(*args).stdout)

    def swarm_state(self) -> str:
        return self("info", "--format", "{{.Swarm.LocalNodeState}}").stdout.strip()


def http_get(url: str, *, within: float = 10.0) -> str:
    """GET url from the test process (no proxy), retrying until `within` seconds have passed."""
    deadline = time.monotonic() + within
    last: Exception | None = None
    while True:
        try:
            with _HTTP.open(url, timeout=3) as response:
                return str(response.read().decode().strip())
        except (OSError, urllib.error.URLError) as exc:
            last = exc
        if time.monotonic() >= deadline:
            raise AssertionError(f"GET {url} from the host: no answer within {within:g}s ({last})")
        time.sleep(0.2)


def link_names(ip_o_link: str) -> set[str]:
    """Interface names from `ip -o link` output (iproute2 or busybox), without the `@peer` suffix."""
    return {m.group(1) for m in re.finditer(r"^\d+:\s+([^:@\s]+)", ip_o_link, re.MULTILINE)}


def port_is_free(port: int, wait: float = 10.0) -> bool:
    """Whether `port` can be bound on all addresses, waiting up to `wait` seconds for a container that an
    earlier test removed to let go of it (its process can outlive `docker rm` by a moment)."""
    deadline = time.monotonic() + wait
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("0.0.0.0", port))  # a bind test on all addresses, as docker-proxy binds
            except OSError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(0.25)
                continue
        return True


# ------------------------------------------------------------------------------------------ the engine


@dataclass(frozen=True, slots=True)
class Kernel:
    """Link types this kernel can make; each field is None when supported, else the reason it is not."""

    ipvlan: str | None
    vlan: str | None
    dummy: str | None


def probe_kernel(session: str) -> Kernel:
    """Try each link type on a scratch veth pair (`ip link add ...`, deleted again)."""
    base = f"na-{session}-kp"
    run_argv(["ip", "link", "add", base, "type", "veth", "peer", "name", f"na-{session}-kq"])
    probes = {  # kind: (the link it makes, the `ip link add` arguments after the name)
        "ipvlan": (f"na-{session}-ki", ["link", base, "type", "ipvlan", "mode", "l2"]),
        "vlan": (f"{base}.10", ["link", base, "type", "vlan", "id", "10"]),
        "dummy": (f"na-{session}-kd", ["type", "dummy"]),
    }
    reasons: dict[str, str | None] = {}
    try:
        for kind, (name, args) in probes.items():
            result = run_argv(["ip", "link", "add", name, *args], check=False)
            run_argv(["ip", "link", "del", name], check=False)
            shown = shlex.join(["ip", "link", "add", "NAME", *args]).replace(base, "PARENT")
            reasons[kind] = (
                None
                if result.ok
                else f"this kernel cannot make {kind} links (`{shown}`: {result.stderr.strip()})"
            )
    finally:
        run_argv(["ip", "link", "del", base], check=False)
    return Kernel(ipvlan=reasons["ipvlan"], vlan=reasons["vlan"], dummy=reasons["dummy"])


def _nameservers(resolv_conf: str) -> list[str]:
    return re.findall(r"^\s*nameserver\s+(\S+)", resolv_conf, re.MULTILINE)


def _loopback_only(servers: list[str]) -> bool:
    return bool(servers) and all(ipaddress.ip_address(s.split("%")[0]).is_loopback for s in servers)


def dns_guard_problem(docker: Docker, docker_host: str) -> str | None:
    """Why the engine could send a DNS query off this machine, or None when its DNS is guarded."""
    if not docker_host.startswith("unix://"):
        return f"DOCKER_HOST={docker_host} is not a local socket, so its DNS guard cannot be checked"
    sock = docker_host.removeprefix("unix://")
    listing = run_argv(["ss", "-xlpnH"], check=False).stdout
    owner = next(
        (re.search(r"pid=(\d+)", line) for line in listing.splitlines() if f" {sock} " in f" {line} "), None
    )
    if owner is None:
        return f"cannot find the process listening on {sock}"
    pid = owner.group(1)
    try:
        servers = _nameservers(Path(f"/proc/{pid}/root/etc/resolv.conf").read_text())
    except OSError as exc:
        return f"cannot read dockerd's resolv.conf ({exc})"
    if not _loopback_only(servers):
        return (
            f"dockerd (pid {pid}) resolves names through {servers}: the tests would make it query DNS off "
            "this machine; start it with .ci/engine/start.sh (DNS guard)"
        )
    inside = docker("run", "--rm", "--network", "none", IMAGE, "cat", "/etc/resolv.conf", check=False)
    if not inside.ok or not _loopback_only(_nameservers(inside.stdout)):
        return (
            "containers of this engine do not resolve through 127.0.0.1 only (daemon.json needs "
            f'"dns": ["127.0.0.1"]): {inside.stdout.strip() or inside.stderr.strip()}'
        )
    return None


@dataclass
class Engine:
    docker: Docker
    version: str
    session: str
    kernel: Kernel
    taken_v4: list[ipaddress.IPv4Network]
    taken_v6: list[ipaddress.IPv6Network]
    had_gwbridge: bool
    swarm_used: bool = False
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _v4: Iterator[ipaddress.IPv4Network] = field(default_factory=lambda: V4_POOL.subnets(new_prefix=24))
    _v6: Iterator[ipaddress.IPv6Network] = field(default_factory=lambda: V6_POOL.subnets(new_prefix=64))

    @property
    def prefix(self) -> str:
        return f"na-{self.session}-"

    def next_id(self) -> int:
        return next(self._ids)

    def subnet(self) -> ipaddress.IPv4Network:
        for net in self._v4:
            if net.network_address.packed[2] != 0 and not any(net.overlaps(t) for t in self.taken_v4):
                self.taken_v4.append(net)
                return net
        raise AssertionError(f"no free /24 left in {V4_POOL}")

    def ipv6_subnet(self) -> ipaddress.IPv6Network:
        for net in self._v6:
            if net != next(V6_POOL.subnets(new_prefix=64)) and not any(
                net.overlaps(t) for t in self.taken_v6
            ):
                self.taken_v6.append(net)
                return net
        raise AssertionError(f"no free /64 left in {V6_POOL}")

    def sweep(self) -> list[str]:
        """Remove whatever still carries this session's prefix; return what could not be removed."""
        d, prefix = self.docker, self.prefix
        names = d("service", "ls", "--format", "{{.Name}}", check=False).stdout.split()
        for name in (n for n in names if n.startswith(prefix)):
            d("service", "rm", name, check=False)
        names = d("ps", "-a", "--format", "{{.Names}}", check=False).stdout.split()
        mine = [n for n in names if n.startswith(prefix)]
        if mine:
            d("rm", "-f", *mine, check=False)
        for name in d("network", "ls", "--format", "{{.Name}}", check=False).stdout.split():
            if name.startswith(prefix):
                remove_network(d, name)
        for link in link_names(run_argv(["ip", "-o", "link"], check=False).stdout):
            if link.startswith(prefix):
                run_argv(["ip", "link", "del", link], check=False)
        for ns in run_argv(["ip", "netns", "list"], check=False).stdout.split():
            if ns.startswith(prefix):
                run_argv(["ip", "netns", "del", ns], check=False)
        if self.swarm_used and d.swarm_state() != "inactive":
            d("swarm", "leave", "--force", check=False)
        if not self.had_gwbridge and d.swarm_state() == "inactive":
            d("network", "rm", "docker_gwbridge", check=False)
        left = [
            n
            for n in d("ps", "-a", "--format", "{{.Names}}", check=False).stdout.split()
            if n.startswith(prefix)
        ]
        left += [
            n
            for n in d("network", "ls", "--format", "{{.Name}}", check=False).stdout.split()
            if n.startswith(prefix)
        ]
        return left


def remove_network(docker: Docker, name: str, *, within: float = 30.0) -> str | None:
    """Remove a network, waiting while swarm tasks still hold it; the error if it is still there."""
    deadline = time.monotonic() + within
    while True:
        result = docker("network", "rm", name, check=False)
        if result.ok or "No such network" in result.stderr or "not found" in result.stderr:
            return None
        if time.monotonic() >= deadline:
            return f"network {name}: {result.stderr.strip()}"
        time.sleep(0.5)


def existing_subnets(docker: Docker) -> tuple[list[ipaddress.IPv4Network], list[ipaddress.IPv6Network]]:
    """Subnets the host routes and the engine's networks already use: test subnets must not overlap them."""
    v4: list[ipaddress.IPv4Network] = []
    v6: list[ipaddress.IPv6Network] = []
    texts = run_argv(["ip", "-o", "route", "show", "table", "all"], check=False).stdout.split()
    texts += run_argv(["ip", "-o", "-6", "route", "show", "table", "all"], check=False).stdout.split()
    ids = docker("network", "ls", "-q").stdout.split()
    if ids:
        for net in docker.json("network", "inspect", *ids):
            texts += [cfg.get("Subnet", "") for cfg in (net.get("IPAM") or {}).get("Config") or []]
    for text in texts:
        try:
            net = ipaddress.ip_network(text, strict=False)
        except ValueError:
            continue
        if net.prefixlen == 0:
            continue
        if isinstance(net, ipaddress.IPv4Network):
            v4.append(net)
        else:
            v6.append(net)
    return v4, v6


def find_engine() -> tuple[Docker, str] | str:
    """The engine's client and version, or why there is none."""
    host = os.environ.get("DOCKER_HOST", "")
    if not host:
        return "DOCKER_HOST is not set"
    cli = os.environ.get("NETADVISOR_DOCKER_CLI") or "docker"
    if shutil.which(cli) is None:
        return f"docker client {cli!r} not found"
    docker = Docker(cli)
    try:
        info = docker("info", "--format", "{{.ServerVersion}}", timeout=20, check=False)
    except CommandError as exc:
        return str(exc)
    if not info.ok or not info.stdout.strip():
        return f"`{cli} info` failed: {info.stderr.strip().splitlines()[-1:] or info.stdout.strip()}"
    return docker, info.stdout.strip()
