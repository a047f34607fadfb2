"""HTTP benchmark: requests/s of the service's routes as ratios to a bare FastAPI route, and cold start.

Two uvicorn servers started the way `netadvisor serve` starts one (uvloop + httptools, one worker), one
serving a bare FastAPI app (`GET /bare` and `POST /bare`, which reads the body; both return
`{"ok": true}`; no middleware), one the service, are loaded by wrk over loopback with the same
connections. Each route is measured alternately with the bare route of the same method (twice each, half
the seconds each time), sent by the same wrk script (a POST's baseline gets the same bodies, so wrk's own
work per request is the same on both sides); the ratio is of the mean requests/s. On a noisy machine the
baseline drifts; a ratio measured in alternation does not. Routes:

- `GET /healthz` through the full middleware stack (request ID, metrics, access log, API keys, body limit);
- `POST /v1/recommendations` with 1,000 distinct bodies (bench/distinct.py) on a server started with the
  response cache off (`NETADVISOR_RESPONSE_CACHE_SIZE=0`), so no answer comes from it;
- the same with four repeated bodies on a server with the default response cache: every answer after the
  first four is a hit;
- `GET /v1/recommendations?q=...`, also cached.

Cold start: `netadvisor serve` started as a user starts it, timed to its first `/healthz` answer and to
its first recommendation, three times.

    .venv/bin/python bench/http_bench.py [--seconds 8] [--connections 16]   (seconds per route and side)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from distinct import distinct_requests

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
REPEATED = [
    {"requirements": {"cross_host": True, "ports": ["80", "443"]}},
    {"requirements": {"own_ip": True, "cloud": "aws", "ports": ["8000-9000"]}},
    {"requirements": {"hosts": 3, "swarm": True, "encryption": True}},
    {"requirements": {"own_mac": True, "host_access": True}, "deployment": {"parent_interface": "enp3s0"}},
]
QUERY = "/v1/recommendations?q=cross-host%20swarm%20encrypted%20ports=80,443"
POST_LUA = """
local bodies = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, bodies[(i %% #bodies) + 1])
end
"""
TARGETS = {"healthz": 0.8, "distinct": 0.35, "repeated": 0.7}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def answers(url: str, body: bytes | None = None) -> bool:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=1) as response:
            response.read()
            return response.status == 200
    except OSError:
        return False


def wait_ready(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if answers(f"http://127.0.0.1:{port}/healthz"):
            return
        time.sleep(0.05)
    raise SystemExit("server did not start")


@contextmanager
def uvicorn_server(factory: str, env: dict[str, str] | None = None) -> Iterator[str]:
    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "uvicorn"), factory, "--factory", "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "warning", "--no-access-log"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,  # the JSON access log: one line a request
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        wait_ready(port) if "bare" not in factory else _wait_bare(base)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_bare(base: str) -> None:
    deadline = time.monotonic() + 30
    while not answers(base + "/bare"):
        if time.monotonic() > deadline:
            raise SystemExit("bare server did not start")
        time.sleep(0.05)


def run_wrk(url: str, seconds: int, connections: int, script: Path | None = None) -> dict[str, float]:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    command += ["-s", str(script)] if script else []
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    p99_ms = float(p99.group(1)) * scale[p99.group(2)] if p99 else float("nan")
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    failures = int(errors.group(1)) if errors else 0
    failures += sum(int(n) for n in socket_errors.groups()) if socket_errors else 0
    return {"rps": rps, "p99_ms": p99_ms, "errors": failures}


def _combined(runs: list[dict[str, float]]) -> dict[str, float]:
    return {
        "rps": statistics.mean(run["rps"] for run in runs),
        "p99_ms": max(run["p99_ms"] for run in runs),
        "errors": sum(run["errors"] for run in runs),
    }


def post_script(directory: Path, name: str, bodies: list[dict[str, Any]]) -> Path:
    script = directory / f"{name}.lua"
    script.write_text(POST_LUA % ", ".join(json.dumps(json.dumps(body)) for body in bodies))
    return script


def cold_start() -> tuple[float, float]:
    """Seconds from starting `netadvisor serve` to its first /healthz answer and its first recommendation."""
    port = free_port()
    env = {**os.environ, "NETADVISOR_PORT": str(port), "NETADVISOR_LOG_LEVEL": "warning"}
    started = time.perf_counter()
    server = subprocess.Popen(
        [str(BIN / "netadvisor"), "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        base = f"http://127.0.0.1:{port}"
        while not answers(base + "/healthz"):
            if time.perf_counter() - started > 30:
                raise SystemExit("netadvisor serve did not start")
            time.sleep(0.01)
        healthy = time.perf_counter() - started
        if not answers(base + "/v1/recommendations", json.dumps(REPEATED[0]).encode()):
            raise SystemExit("the first recommendation failed")
        return healthy, time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: apt-get install wrk (the Makefile's bench target does this)")
    seconds, connections = args.seconds, args.connections
    half = max(1, seconds // 2)
    results: dict[str, tuple[dict[str, float], dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp, uvicorn_server("bench.http_app:create_bare_app") as bare:
        distinct = post_script(Path(tmp), "distinct", distinct_requests(1000))
        repeated = post_script(Path(tmp), "repeated", REPEATED)

        def measure(name: str, url: str, script: Path | None = None) -> None:
            """The route and the bare route of the same method, same wrk script, alternated twice."""
            run_wrk(url, 2, connections, script)  # warm-up: caches, connections, the JIT-less interpreter
            runs = [
                (run_wrk(bare + "/bare", half, connections, script), run_wrk(url, half, connections, script))
                for _ in range(2)
            ]
            results[name] = (_combined([b for b, _ in runs]), _combined([r for _, r in runs]))

        run_wrk(bare + "/bare", 2, connections)
        run_wrk(bare + "/bare", 2, connections, repeated)
        with uvicorn_server(
            "bench.http_app:create_bench_app", {"NETADVISOR_RESPONSE_CACHE_SIZE": "0"}
        ) as app:
            measure("distinct", app + "/v1/recommendations", distinct)
        with uvicorn_server("bench.http_app:create_bench_app") as app:
            measure("healthz", app + "/healthz")
            measure("repeated", app + "/v1/recommendations", repeated)
            measure("query", app + QUERY)
    starts = [cold_start() for _ in range(3)]

    print(
        f"wrk: 1 thread, {connections} connections; per route, after a 2 s warm-up, bare and route "
        f"alternated twice, {half} s each; one worker"
    )
    print("| route | bare route requests/s | route requests/s | p99 ms | errors | ratio | target |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    labels = {
        "healthz": "GET /healthz",
        "distinct": "POST /v1/recommendations, 1,000 distinct bodies, no response cache",
        "repeated": "POST /v1/recommendations, 4 repeated bodies, response cache",
        "query": "GET /v1/recommendations?q=, response cache",
    }
    for name, (baseline, route) in results.items():
        ratio = route["rps"] / baseline["rps"]
        target = TARGETS.get(name)
        verdict = "" if target is None else f">= {target}: {'met' if ratio >= target else 'NOT met'}"
        print(
            f"| {labels[name]} | {baseline['rps']:.0f} | {route['rps']:.0f} | {route['p99_ms']:.1f} "
            f"| {route['errors']:.0f} | {ratio:.2f} | {verdict} |"
        )
    healthy = [start[0] for start in starts]
    first = [start[1] for start in starts]
    print(
        f"cold start, `netadvisor serve` to first /healthz: {' / '.join(f'{s:.2f}' for s in healthy)} s; "
        f"to first recommendation: {' / '.join(f'{s:.2f}' for s in first)} s "
        f"(median {statistics.median(first):.2f} s; target <= 1 s: "
        f"{'met' if statistics.median(first) <= 1 else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
