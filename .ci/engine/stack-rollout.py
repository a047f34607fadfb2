"""Scale-out, proven on a real engine: docker-stack.yml on a single-node swarm, 3 replicas healthy, then a
rolling update under bounded load with 0 failed requests.

    eval "$(bash .ci/engine/start.sh)"; bash .ci/engine/image-test.sh   # builds netadvisor/service:test
    .venv/bin/python .ci/engine/stack-rollout.py                       # `make stack-test`

What is deployed is docker-stack.yml itself (replicas, update and rollback policy, health check, grace
period, resources), with three changes this engine needs, each printed: the image is the one image-test.sh
built; the service has no published port and uses DNS round-robin (`endpoint_mode: dnsrr`), because this
kernel has no IPVS, which the routing mesh and service VIPs are made of (.ci/engine/README.md); and the
overlay network is attachable, so the load client can join it. The load therefore runs in a container on
the stack's own network (addresses of this engine, nothing leaves the machine), not on 127.0.0.1:8000.

The client does what a load balancer does: it resolves `tasks.<service>` for every request and sends it to
the next address. A connection refused before anything was sent (a task that just stopped listening) is
tried on the next task; that is a retry, counted and shown. A request that was sent and not answered 200
is a failure. Bounded: one request at a time, at most RATE a second, MAX_REQUESTS in all, DEADLINE_S
seconds.

Leaves the engine as it found it: the stack and the client container are removed, and the swarm is left
again (and its docker_gwbridge removed) if this script initialised it. Exit 0 on success, 1 with the
reason otherwise.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
STACK_FILE = ROOT / "docker-stack.yml"
IMAGE = os.environ.get("NETADVISOR_SERVICE_IMAGE", "netadvisor/service:test")
STACK = f"na-stack-{os.getpid()}"
SERVICE = f"{STACK}_api"
CLIENT = f"{STACK}-load"
REPLICAS = 3
MAX_REQUESTS = 50_000
DEADLINE_S = 400
RATE = 100  # requests per second at most
DOCKER = os.environ.get("NETADVISOR_DOCKER_CLI", "docker")

# Runs inside the service image (Python, no third-party packages) on the stack's network.
LOAD_CLIENT = r"""
import http.client, json, os, socket, sys, time
service, max_requests = sys.argv[1], int(sys.argv[2])
deadline_s, rate = float(sys.argv[3]), float(sys.argv[4])
body = json.dumps({"requirements": {"hosts": 3, "swarm": True, "encryption": True}})
ok = failed = retried = 0
seen, errors = set(), []
turn = 0
started = time.monotonic()
while ok + failed < max_requests and time.monotonic() - started < deadline_s:
    if os.path.exists("/tmp/stop"):
        break
    time.sleep(max(0.0, started + (ok + failed) / rate - time.monotonic()))  # at most `rate` a second
    try:
        found = socket.getaddrinfo(f"tasks.{service}", 8000, socket.AF_INET)
        addresses = sorted({info[4][0] for info in found})
    except socket.gaierror:
        addresses = []
    if not addresses:
        failed += 1
        errors.append("no task address in DNS")
        time.sleep(0.05)
        continue
    sent = False
    for attempt in range(len(addresses)):
        address = addresses[(turn + attempt) % len(addresses)]
        connection = http.client.HTTPConnection(address, 8000, timeout=10)
        try:
            connection.connect()
        except OSError:
            retried += 1  # nothing was sent: a load balancer tries the next task
            continue
        sent = True
        try:
            connection.request("POST", "/v1/recommendations", body, {"Content-Type": "application/json"})
            response = connection.getresponse()
            answer = response.read()
            if response.status == 200 and json.loads(answer)["recommendation"] == "overlay":
                ok += 1
                seen.add(address)
            else:
                failed += 1
                errors.append(f"{address}: HTTP {response.status} {answer[:200]!r}")
        except (OSError, http.client.HTTPException, ValueError) as exc:
            failed += 1
            errors.append(f"{address}: {exc!r}")
        finally:
            connection.close()
        break
    if not sent:
        failed += 1
        errors.append(f"every task refused the connection: {addresses}")
    turn += 1
print(json.dumps({"ok": ok, "failed": failed, "retried": retried, "addresses": sorted(seen),
                  "errors": errors[:20], "seconds": round(time.monotonic() - started, 1)}), flush=True)
"""


def log(message: str) -> None:
    print(f"[stack-rollout] {message}", file=sys.stderr, flush=True)


def docker(*args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([DOCKER, *args], capture_output=True, text=True, timeout=timeout, check=False)
    if check and result.returncode != 0:
        raise RuntimeError(f"docker {' '.join(args)}: {result.stderr.strip() or result.stdout.strip()}")
    return result


def engine_stack_file(directory: Path) -> Path:
    """docker-stack.yml with the three changes this engine needs (module docstring); the rest as is."""
    document: dict[str, Any] = yaml.safe_load(STACK_FILE.read_text())
    api = document["services"]["api"]
    api["image"] = IMAGE
    api.pop("ports", None)
    api["deploy"]["endpoint_mode"] = "dnsrr"
    document["networks"]["netadvisor"]["attachable"] = True
    log(f"deploying {STACK_FILE.name} with image {IMAGE}, no published port, endpoint_mode dnsrr, attachable")
    path = directory / "docker-stack.engine.yml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def tasks(state: str = "running") -> list[dict[str, str]]:
    shown = docker(
        "service", "ps", SERVICE, "--filter", f"desired-state={state}", "--no-trunc",
        "--format", "{{.ID}}|{{.CurrentState}}|{{.Error}}",
    ).stdout  # fmt: skip
    rows = [line.split("|", 2) for line in shown.splitlines() if line.strip()]
    return [{"id": row[0], "state": row[1], "error": row[2]} for row in rows]


def healthy_containers() -> set[str]:
    ids = docker("ps", "-q", "--filter", f"label=com.docker.swarm.service.name={SERVICE}").stdout.split()
    healthy = set()
    for container in ids:
        status = docker("inspect", "--format", "{{.State.Health.Status}}", container, check=False).stdout
        if status.strip() == "healthy":
            healthy.add(container)
    return healthy


def wait_healthy(within: float) -> float:
    started = time.monotonic()
    while len(healthy_containers()) < REPLICAS:
        if time.monotonic() - started > within:
            raise RuntimeError(f"{REPLICAS} healthy replicas not reached within {within:.0f} s: {tasks()}")
        time.sleep(1)
    return time.monotonic() - started


def wait_update(within: float) -> tuple[float, dict[str, Any]]:
    started = time.monotonic()
    while True:
        shown = docker("service", "inspect", "--format", "{{json .UpdateStatus}}", SERVICE).stdout
        status = json.loads(shown)
        if status and status.get("State") == "completed":
            return time.monotonic() - started, status
        if status and status.get("State") in ("paused", "rollback_started", "rollback_completed"):
            raise RuntimeError(f"the rolling update did not complete: {status}")
        if time.monotonic() - started > within:
            raise RuntimeError(f"the rolling update did not complete within {within:.0f} s: {status}")
        time.sleep(1)


def rollout() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as directory:
        stack_file = engine_stack_file(Path(directory))
        docker("stack", "deploy", "--compose-file", str(stack_file), STACK)
    ready_s = wait_healthy(within=180)
    before = {task["id"] for task in tasks()}
    log(f"{REPLICAS} replicas healthy after {ready_s:.1f} s: tasks {sorted(before)}")

    network = f"{STACK}_netadvisor"
    docker(
        "run", "--detach", "--name", CLIENT, "--network", network, "--entrypoint", "python", IMAGE,
        "-c", LOAD_CLIENT, SERVICE, str(MAX_REQUESTS), str(DEADLINE_S), str(RATE),
    )  # fmt: skip
    time.sleep(5)  # load before the update, too
    log("rolling update: docker service update --force (one task at a time, start-first)")
    docker("service", "update", "--force", "--detach", SERVICE)
    update_s, status = wait_update(within=DEADLINE_S - 60)
    after = {task["id"] for task in tasks()}
    wait_healthy(within=60)
    time.sleep(3)  # load after the update, too
    # (The client may have stopped by itself at its bounds; its summary is in its log either way.)
    docker("exec", CLIENT, "touch", "/tmp/stop", check=False)  # noqa: S108 - the client's own container
    docker("wait", CLIENT, timeout=60)
    summary: dict[str, Any] = json.loads(docker("logs", CLIENT).stdout.strip().splitlines()[-1])
    summary.update(
        ready_s=round(ready_s, 1),
        update_s=round(update_s, 1),
        update=status.get("Message"),
        replaced=len(before - after),
    )
    return summary


def remove_stack(initialised: bool, had_gwbridge: bool) -> None:
    docker("rm", "-f", CLIENT, check=False)
    docker("stack", "rm", STACK, check=False)
    label = f"label=com.docker.stack.namespace={STACK}"
    deadline = time.monotonic() + 60  # tasks stop within their grace period; then the network can go
    while time.monotonic() < deadline and (
        docker("ps", "-aq", "--filter", label).stdout.strip()
        or docker("network", "ls", "-q", "--filter", label).stdout.strip()
    ):
        time.sleep(1)
    if initialised:
        docker("swarm", "leave", "--force", check=False)
        if not had_gwbridge:  # `swarm init` made it; leaving the swarm keeps it
            docker("network", "rm", "docker_gwbridge", check=False)


def problems_with(summary: dict[str, Any]) -> list[str]:
    problems = []
    if summary["failed"]:
        problems.append(f"{summary['failed']} failed requests: {summary['errors']}")
    if summary["replaced"] != REPLICAS:
        problems.append(f"the update replaced {summary['replaced']} of {REPLICAS} tasks")
    if len(summary["addresses"]) < REPLICAS + 1:
        problems.append(f"answers came from {summary['addresses']}: not the old and the new tasks")
    if summary["ok"] < 100:
        problems.append(f"only {summary['ok']} requests answered: the load did not run")
    return problems


def main() -> int:
    if shutil.which(DOCKER) is None or "DOCKER_HOST" not in os.environ:
        log('no engine: eval "$(bash .ci/engine/start.sh)" first')
        return 1
    if docker("image", "inspect", IMAGE, check=False).returncode != 0:
        log(f"image {IMAGE} is missing: run `make image-test` first")
        return 1
    initialised = False
    had_gwbridge = "docker_gwbridge" in docker("network", "ls", "--format", "{{.Name}}").stdout.split()
    if docker("info", "--format", "{{.Swarm.LocalNodeState}}").stdout.strip() != "active":
        docker("swarm", "init", "--advertise-addr", "127.0.0.1")
        initialised = True
    try:
        summary = rollout()
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        log(f"FAIL: {exc}")
        return 1
    finally:
        remove_stack(initialised, had_gwbridge)
    log(f"result: {json.dumps(summary)}")
    problems = problems_with(summary)
    for problem in problems:
        log(f"FAIL: {problem}")
    if not problems:
        log(
            f"ok: {summary['ok']} requests, 0 failed, {summary['retried']} connection(s) retried on another "
            f"task, across {len(summary['addresses'])} task addresses; update {summary['update_s']} s"
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
