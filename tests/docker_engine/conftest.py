"""Fixtures for the engine tests: run the advisor's commands on a real Docker engine.

The tests ask the in-process `Advisor` and run exactly the commands it returns (`docker ...` through the
client named by NETADVISOR_DOCKER_CLI, `ip ...` on the host, as root), then look at what the engine made.

Where they run: `make engine-test` (.ci/engine/run-engine-tests.sh) starts a private dockerd and runs them.
Without an engine every test here skips with one line; NETADVISOR_REQUIRE_ENGINE=1 (CI) makes that a
failure instead.

Network safety: every address a test uses lies on links, bridges or namespaces the test creates
(10.213.0.0/16, fd6e:6574:7465::/48, swarm on 127.0.0.1), and the engine must run behind the DNS guard of
.ci/engine/start.sh (the daemon and its containers resolve through 127.0.0.1 only): checked once per
session, the tests refuse to run against an engine that could send a DNS query off this machine.

Clean-up: everything a test creates (containers, services, networks, links, network namespaces, listener
processes, swarm membership) is recorded before the command runs and removed by the fixture's finalizer,
also when the test fails; whatever the finalizer cannot remove fails the test's teardown. A session
finalizer sweeps anything still carrying the session's name prefix.
"""

from __future__ import annotations

import ipaddress
import itertools
import json
import os
import re
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from service.advisor import Advisor
from service.models import Command, Commands, Driver, DriverResult, Recommendation
from tests.conftest import ask

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


def _probe_kernel(session: str) -> Kernel:
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


def _dns_guard_problem(docker: Docker, docker_host: str) -> str | None:
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
                _remove_network(d, name)
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


def _remove_network(docker: Docker, name: str, *, within: float = 30.0) -> str | None:
    """Remove a network, waiting while swarm tasks still hold it; the error if it is still there."""
    deadline = time.monotonic() + within
    while True:
        result = docker("network", "rm", name, check=False)
        if result.ok or "No such network" in result.stderr or "not found" in result.stderr:
            return None
        if time.monotonic() >= deadline:
            return f"network {name}: {result.stderr.strip()}"
        time.sleep(0.5)


def _existing_subnets(docker: Docker) -> tuple[list[ipaddress.IPv4Network], list[ipaddress.IPv6Network]]:
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


def _find_engine() -> tuple[Docker, str] | str:
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


_UNUSABLE = "engine at "  # how the other session-wide skip reasons start
_ENGINE_LINE = next(  # where the summary points for those skips: the `engine` fixture below
    n for n, line in enumerate(Path(__file__).read_text().splitlines(), 1) if line.startswith("def engine(")
)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Report the engine fixture's skip at one place, so `-ra` folds it into ONE summary line instead of
    one per test (pytest puts a fixture's skip at each test's own location)."""
    report = yield
    longrepr = report.longrepr
    if (
        report.skipped
        and isinstance(longrepr, tuple)
        and (NO_ENGINE in longrepr[2] or _UNUSABLE in longrepr[2])
    ):
        report.longrepr = (__file__, _ENGINE_LINE, longrepr[2])
    return report


@pytest.fixture(scope="session")
def engine() -> Iterator[Engine]:
    """The Docker engine at DOCKER_HOST, checked for the DNS guard and the test image; skips without one."""
    required = os.environ.get("NETADVISOR_REQUIRE_ENGINE") == "1"
    found = _find_engine()
    if isinstance(found, str):
        if required:
            pytest.fail(f"{NO_ENGINE} [NETADVISOR_REQUIRE_ENGINE=1; {found}]", pytrace=False)
        pytest.skip(NO_ENGINE)
    docker, version = found
    problem: str | None = None
    if os.geteuid() != 0:
        problem = "the engine tests create links and routes on the host: run them as root"
    elif not docker("image", "inspect", IMAGE, check=False).ok:
        problem = f"test image {IMAGE} is missing: run `bash .ci/engine/image.sh`"
    else:
        problem = _dns_guard_problem(docker, os.environ["DOCKER_HOST"])
    if problem is not None:
        if required:
            pytest.fail(f"engine at {os.environ['DOCKER_HOST']} unusable: {problem}", pytrace=False)
        pytest.skip(f"{_UNUSABLE}{os.environ['DOCKER_HOST']} unusable: {problem}")
    session = secrets.token_hex(2)
    taken_v4, taken_v6 = _existing_subnets(docker)
    networks = docker("network", "ls", "--format", "{{.Name}}").stdout.split()
    eng = Engine(
        docker=docker,
        version=version,
        session=session,
        kernel=_probe_kernel(session),
        taken_v4=taken_v4,
        taken_v6=taken_v6,
        had_gwbridge="docker_gwbridge" in networks,
    )
    yield eng
    left = eng.sweep()
    assert not left, f"engine objects left behind after the session: {left}"


# --------------------------------------------------------------------------------------------- per test


class Lab:
    """One test's sandbox: unique names and subnets, the advisor, and everything it must clean up."""

    def __init__(self, engine: Engine, advisor: Advisor, tmp: Path) -> None:
        self.engine = engine
        self.docker = engine.docker
        self.advisor = advisor
        self.tmp = tmp
        self.prefix = f"{engine.prefix}{engine.next_id():02d}"
        self._links = itertools.count()
        self.containers: list[str] = []
        self.services: list[str] = []
        self.networks: list[str] = []
        self.links: list[str] = []
        self.netns: list[str] = []
        self.processes: list[subprocess.Popen[bytes]] = []
        self.swarm_init = False

    # -- names and addresses -------------------------------------------------------------------------------

    def name(self, role: str) -> str:
        """A Docker object name unique to this test (also its DNS name on the network)."""
        return f"{self.prefix}-{role}"

    def link_name(self) -> str:
        """A host interface name unique to this test, at most 11 characters (room for `.NNNN` and `p`)."""
        return f"{self.engine.prefix}{self.prefix[-2:]}{next(self._links):x}"

    def subnet(self) -> ipaddress.IPv4Network:
        return self.engine.subnet()

    def ipv6_subnet(self) -> ipaddress.IPv6Network:
        return self.engine.ipv6_subnet()

    # -- the advisor ---------------------------------------------------------------------------------------

    def ask(self, requirements: dict[str, Any], **deployment: Any) -> Recommendation:
        deployment.setdefault("image", IMAGE)
        return ask(self.advisor, requirements, **deployment)

    @staticmethod
    def result(rec: Recommendation, driver: Driver) -> DriverResult:
        found = next(r for r in rec.ranking if r.driver is driver)
        assert found.viable, f"{driver.value} not viable: {found.summary}"
        return found

    @classmethod
    def commands(cls, rec: Recommendation, driver: Driver) -> Commands:
        commands = cls.result(rec, driver).commands
        assert commands is not None, f"{driver.value} is viable but has no commands"
        return commands

    # -- running the advisor's commands --------------------------------------------------------------------

    def run(self, command: Command, *, timeout: float = DEFAULT_TIMEOUT) -> Result:
        """Run exactly `command.argv` (`docker` through the configured client, `ip` on the host)."""
        argv = list(command.argv)
        self._track(argv)
        if argv[0] == "docker":
            real = self.docker.argv(argv)
        elif argv[0] == "ip":
            real = argv
        else:
            raise AssertionError(f"unexpected program in an advisor command: {command.command}")
        if argv[:3] == ["docker", "swarm", "init"] and self.docker.swarm_state() != "inactive":
            raise AssertionError("the engine is already in a swarm; an earlier run did not leave it")
        result = run_argv(real, timeout=timeout, check=False)
        if argv[:3] == ["ip", "link", "add"] and result.ok:
            self.links.append(argv[3])  # only what this command made: never delete a pre-existing link
        if not result.ok:
            raise EngineRejected(command, result)
        return result

    def run_all(self, commands: Commands, *parts: str) -> list[Result]:
        """Run the commands of the given parts (`prerequisites`, `network`, `run`, `service`) in order."""
        results = []
        for part in parts:
            for command in getattr(commands, part):
                results.append(self.run(command))
        return results

    def _track(self, argv: list[str]) -> None:
        def option(name: str) -> str:
            return argv[argv.index(name) + 1]

        if argv[:2] == ["docker", "run"] and "--name" in argv:
            self.containers.append(option("--name"))
        elif argv[:3] == ["docker", "network", "create"]:
            self.networks.append(argv[-1])
        elif argv[:3] == ["docker", "service", "create"] and "--name" in argv:
            self.services.append(option("--name"))
        elif argv[:3] == ["docker", "swarm", "init"]:
            self.swarm_init = self.engine.swarm_used = True

    # -- the test's own objects ----------------------------------------------------------------------------

    def docker_own(self, *args: str) -> Result:
        """A docker command of the test itself (not the advisor's), tracked for clean-up like the others."""
        self._track(["docker", *args])
        return self.docker(*args)

    def veth(self) -> str:
        """A veth pair (both ends up) as a macvlan/ipvlan parent; returns the parent's name."""
        name = self.link_name()
        self.links.append(name)  # deleting one end deletes the pair and every macvlan/vlan child on it
        run_argv(["ip", "link", "add", name, "type", "veth", "peer", "name", f"{name}p"])
        run_argv(["ip", "link", "set", name, "up"])
        run_argv(["ip", "link", "set", f"{name}p", "up"])
        return name

    def outside_listener(self) -> str:
        """An HTTP server outside every Docker network: in a network namespace of its own behind a veth
        whose host end routes to it (what "the outside world" is to a container). Returns its URL, checked
        to answer from the host."""
        ns, host_end = f"{self.prefix}-out", self.link_name()
        net = self.subnet()
        host_ip, far_ip = str(net.network_address + 1), str(net.network_address + 2)
        self.netns.append(ns)
        run_argv(["ip", "netns", "add", ns])
        self.links.append(host_end)
        run_argv(["ip", "link", "add", host_end, "type", "veth", "peer", "name", f"{host_end}p"])
        run_argv(["ip", "link", "set", f"{host_end}p", "netns", ns])
        run_argv(["ip", "addr", "add", f"{host_ip}/{net.prefixlen}", "dev", host_end])
        run_argv(["ip", "link", "set", host_end, "up"])
        run_argv(["ip", "-n", ns, "addr", "add", f"{far_ip}/{net.prefixlen}", "dev", f"{host_end}p"])
        run_argv(["ip", "-n", ns, "link", "set", f"{host_end}p", "up"])
        run_argv(["ip", "-n", ns, "link", "set", "lo", "up"])
        www = self.tmp / "outside"
        www.mkdir()
        (www / "index.html").write_text("outside-ok\n")
        argv = ["ip", "netns", "exec", ns, sys.executable, "-m", "http.server", "--bind", far_ip]
        argv += ["--directory", str(www), "8080"]
        self.processes.append(
            subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
        )
        url = f"http://{far_ip}:8080/"
        assert http_get(url) == "outside-ok"
        return url

    # -- looking at containers -----------------------------------------------------------------------------

    def networks_of(self, container: str) -> dict[str, Any]:
        settings: dict[str, Any] = self.docker.json(
            "inspect", "--format", "{{json .NetworkSettings}}", container
        )
        return dict(settings["Networks"])

    def wait_running(self, container: str, *, within: float = 20.0) -> None:
        deadline = time.monotonic() + within
        while True:
            state = self.docker.json("inspect", "--format", "{{json .State}}", container)
            if state["Running"]:
                return
            if state["Status"] in ("exited", "dead") or time.monotonic() >= deadline:
                logs = self.docker("logs", "--tail", "20", container, check=False)
                raise AssertionError(
                    f"container {container} is {state['Status']} (exit {state['ExitCode']}, "
                    f"{state['Error']!r}); logs: {(logs.stdout + logs.stderr).strip()}"
                )
            time.sleep(0.2)

    def fetch_from(self, container: str, url: str, *, attempts: int = 15) -> str:
        """GET url from inside a container (busybox wget; retried while the target starts)."""
        script = (
            f"for i in $(seq {attempts}); do timeout 3 wget -qO- {shlex.quote(url)} && exit 0; "
            "sleep 0.3; done; exit 1"
        )
        result = self.docker.sh(container, script, timeout=attempts * 4 + 10, check=False)
        assert result.ok, f"{container} cannot GET {url}: {result.stderr.strip()}"
        return result.stdout.strip()

    def cannot_fetch_from(self, container: str, url: str, *, seconds: int = 4) -> bool:
        """True when one GET of url from inside the container gets no answer within `seconds`."""
        result = self.docker.sh(
            container, f"timeout {seconds} wget -qO- {shlex.quote(url)}", timeout=seconds + 15, check=False
        )
        return not result.ok

    def wait_service(self, service: str, replicas: int, *, within: float = 60.0) -> None:
        """Poll `docker service ps` until `replicas` tasks are Running; fails after `within` seconds, or
        as soon as Swarm has given up on three tasks (it would go on replacing them forever)."""
        deadline = time.monotonic() + within
        while True:
            ps = self.docker(
                "service", "ps", service, "--no-trunc", "--format", "{{.CurrentState}}|{{.Error}}"
            )
            states = [line for line in ps.stdout.splitlines() if line.strip()]
            if sum(state.startswith("Running") for state in states) >= replicas:
                return
            failed = [state for state in states if state.startswith(("Rejected", "Failed"))]
            if len(failed) >= 3 or time.monotonic() >= deadline:
                raise AssertionError(
                    f"service {service}: {replicas} task(s) not Running "
                    f"({len(failed)} rejected/failed); task states:\n" + "\n".join(states)
                )
            time.sleep(0.5)

    # -- clean-up ------------------------------------------------------------------------------------------

    def cleanup(self) -> list[str]:
        """Remove everything this test made, in dependency order; return what could not be removed."""
        d, problems = self.docker, []
        for service in self.services:
            d("service", "rm", service, check=False)
        if self.containers:
            d("rm", "-f", *self.containers, check=False)
        for service in self.services:
            # Its tasks would stop with SIGTERM and a 10 s grace period (httpd as PID 1 ignores SIGTERM).
            deadline = time.monotonic() + 30
            label = f"label=com.docker.swarm.service.name={service}"
            while tasks := d("ps", "-aq", "--filter", label, check=False).stdout.split():
                d("rm", "-f", *tasks, check=False)
                if time.monotonic() >= deadline:
                    problems.append(f"tasks of service {service} still there")
                    break
                time.sleep(0.2)
        for network in reversed(self.networks):  # config-from networks before their config-only networks
            problem = _remove_network(d, network)
            if problem:
                problems.append(problem)
        for process in self.processes:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        for link in reversed(self.links):
            run_argv(["ip", "link", "del", link], check=False)
        for ns in self.netns:
            run_argv(["ip", "netns", "del", ns], check=False)
        if self.swarm_init:
            result = d("swarm", "leave", "--force", check=False)
            if not result.ok and "not part of a swarm" not in result.stderr:
                problems.append(f"swarm leave: {result.stderr.strip()}")
        existing = link_names(run_argv(["ip", "-o", "link"], check=False).stdout)
        problems += [f"link {link} still there" for link in self.links if link in existing]
        return problems


@pytest.fixture
def lab(engine: Engine, advisor: Advisor, tmp_path: Path) -> Iterator[Lab]:
    sandbox = Lab(engine, advisor, tmp_path)
    yield sandbox
    problems = sandbox.cleanup()
    assert not problems, "clean-up failed: " + "; ".join(problems)
