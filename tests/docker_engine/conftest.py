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
import os
import secrets
import shlex
import subprocess
import sys
import time
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from service.advisor import Advisor
from service.models import Command, Commands, Driver, DriverResult, Recommendation
from tests.conftest import ask
from tests.docker_engine.harness import (
    DEFAULT_TIMEOUT,
    IMAGE,
    NO_ENGINE,
    Engine,
    EngineRejected,
    Result,
    dns_guard_problem,
    existing_subnets,
    find_engine,
    http_get,
    link_names,
    probe_kernel,
    remove_network,
    run_argv,
)

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
    found = find_engine()
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
        problem = dns_guard_problem(docker, os.environ["DOCKER_HOST"])
    if problem is not None:
        if required:
            pytest.fail(f"engine at {os.environ['DOCKER_HOST']} unusable: {problem}", pytrace=False)
        pytest.skip(f"{_UNUSABLE}{os.environ['DOCKER_HOST']} unusable: {problem}")
    session = secrets.token_hex(2)
    taken_v4, taken_v6 = existing_subnets(docker)
    networks = docker("network", "ls", "--format", "{{.Name}}").stdout.split()
    eng = Engine(
        docker=docker,
        version=version,
        session=session,
        kernel=probe_kernel(session),
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
            problem = remove_network(d, network)
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
