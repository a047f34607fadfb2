"""Load test: `netadvisor serve` started as users start it, under bounded load on 127.0.0.1.

For each worker count (default 1 and 2) it starts `.venv/bin/netadvisor serve --port FREE --workers N`,
warms it up, then runs each concurrency level (default 1, 8, 32, 64 keep-alive connections) for a fixed
time (default 5 s, and at most --max-requests requests), sending a round-robin mix of
POST /v1/recommendations bodies (every driver wins at least once, one request has no viable driver, some
ask for Markdown). It reports requests/s, p50/p99 latency and errors per level, checks that the server's
own `/metrics` counted exactly the requests sent, and reads the resident memory (VmRSS) of the server and
every worker process before the load, after each level and at the end: zero errors and flat memory are
the bar. The server is stopped with SIGTERM at the end; nothing outside 127.0.0.1 is contacted, and every
run stops by itself.

The client is asyncio with hand-written HTTP/1.1 keep-alive (no dependency, and light enough that on a
small machine the server, not the client, is what gets measured). It shares the CPU with the server, so
read the figures as "this machine, client included".

    .venv/bin/python bench/load.py [--seconds 5] [--levels 1,8,32,64] [--workers 1,2] [--max-requests 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"  # never anything else: this script only loads a server it started itself

MIX: list[tuple[str, dict[str, object]]] = [
    ("/v1/recommendations", {}),
    ("/v1/recommendations", {"requirements": {"cross_host": True, "ports": ["80", "443"]}}),
    ("/v1/recommendations", {"requirements": {"hosts": 3, "swarm": True, "encryption": True}}),
    ("/v1/recommendations", {"requirements": {"own_ip": True, "cloud": "aws", "ports": ["8000-9000"]}}),
    (
        "/v1/recommendations",
        {
            "requirements": {"own_mac": True, "host_access": True, "vlan": 20},
            "deployment": {"parent_interface": "enp3s0", "subnet": "192.168.20.0/24"},
        },
    ),
    ("/v1/recommendations", {"requirements": {"performance": "high", "host_isolation": "not_needed"}}),
    ("/v1/recommendations", {"requirements": {"network_access": "none"}}),
    ("/v1/recommendations", {"requirements": {"own_mac": True, "cloud": "gcp"}}),  # nothing viable
    (
        "/v1/recommendations?format=markdown",
        {"requirements": {"ipv6": True, "ports": ["53/udp"]}, "deployment": {"network_name": "edge"}},
    ),
    ("/v1/recommendations?format=text", {"requirements": {"multicast": True, "hosts": 2, "own_ip": True}}),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never through a proxy


def http_get(port: int, path: str) -> str:
    with DIRECT.open(f"http://{HOST}:{port}{path}", timeout=5) as response:
        return response.read().decode()


# -- memory ----------------------------------------------------------------------------------------------


def descendants(pid: int) -> list[int]:
    """The process and all its descendants (uvicorn's workers, multiprocessing helpers)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        queue.extend(children.get(current, []))
    return found


def rss_kib(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) if match else 0


def memory(pid: int) -> dict[int, int]:
    return {process: rss_kib(process) for process in descendants(pid)}


def mib(kib: int) -> str:
    return f"{kib / 1024:.1f}"


# -- client ----------------------------------------------------------------------------------------------


@dataclass
class Level:
    concurrency: int
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    elapsed: float = 0.0

    @property
    def requests(self) -> int:
        return len(self.latencies) + self.errors

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


def encoded_requests(port: int) -> list[bytes]:
    requests = []
    for path, body in MIX:
        payload = json.dumps(body).encode()
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\n\r\n"
        )
        requests.append(head.encode() + payload)
    return requests


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("server closed the connection")
    status = int(status_line.split()[1])
    length, keep_alive = 0, True
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "connection" and value.strip().lower() == "close":
            keep_alive = False
    await reader.readexactly(length)
    return status, keep_alive


async def connection(
    port: int, requests: list[bytes], offset: int, deadline: float, budget: list[int], level: Level
) -> None:
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    index = offset
    while time.perf_counter() < deadline and budget[0] > 0:
        budget[0] -= 1
        request = requests[index % len(requests)]
        index += 1
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(HOST, port)
            assert reader is not None
            started = time.perf_counter()
            writer.write(request)
            await writer.drain()
            status, keep_alive = await read_response(reader)
            took = time.perf_counter() - started
        except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError, IndexError):
            level.errors += 1
            if writer is not None:
                writer.close()
            reader = writer = None
            continue
        level.statuses[status] = level.statuses.get(status, 0) + 1
        if status == 200:
            level.latencies.append(took)
        else:
            level.errors += 1
        if not keep_alive:
            writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


async def run_level(port: int, concurrency: int, seconds: float, max_requests: int) -> Level:
    level = Level(concurrency)
    requests = encoded_requests(port)
    budget = [max_requests]
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(
        *(connection(port, requests, index, deadline, budget, level) for index in range(concurrency))
    )
    level.elapsed = time.perf_counter() - started
    return level


# -- server ----------------------------------------------------------------------------------------------


def netadvisor() -> list[str]:
    script = Path(sys.executable).with_name("netadvisor")
    return [str(script)] if script.exists() else [sys.executable, "-m", "service.cli"]


def start_server(workers: int) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("NETADVISOR_") and k != "PROMETHEUS_MULTIPROC_DIR"
    }
    server = subprocess.Popen(
        [*netadvisor(), "serve", "--host", HOST, "--port", str(port), "--workers", str(workers)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,  # one JSON access line per request: written, then discarded
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            http_get(port, "/healthz")
            return server, port
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise SystemExit("the server did not start") from None
            time.sleep(0.1)


def counted_by_server(port: int) -> int:
    text = http_get(port, "/metrics")
    pattern = r'^netadvisor_http_requests_total\{[^}]*route="/v1/recommendations"[^}]*\} ([0-9.e+]+)$'
    return int(sum(float(value) for value in re.findall(pattern, text, re.MULTILINE)))


@dataclass
class Run:
    workers: int
    levels: list[Level]
    memory_before: dict[int, int]
    memory_after_level: list[int]
    memory_after: dict[int, int]
    sent: int
    counted: int
    exit_code: int | None


def run_workers(workers: int, levels: list[int], seconds: float, max_requests: int) -> Run:
    server, port = start_server(workers)
    try:
        asyncio.run(run_level(port, max(levels), 1.0, max_requests))  # warm-up: imports, caches, pools
        before = memory(server.pid)
        baseline = counted_by_server(port)
        results, after_level = [], []
        for concurrency in levels:
            results.append(asyncio.run(run_level(port, concurrency, seconds, max_requests)))
            after_level.append(sum(memory(server.pid).values()))
        after = memory(server.pid)
        sent = sum(level.requests for level in results)
        counted = counted_by_server(port) - baseline
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            exit_code: int | None = server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            exit_code = None
    return Run(workers, results, before, after_level, after, sent, counted, exit_code)


def report(runs: list[Run], seconds: float) -> None:
    cpus = os.cpu_count()
    print(
        f"## Load: POST /v1/recommendations mix ({len(MIX)} bodies), {seconds:g} s per level, {cpus} CPUs\n"
    )
    print(
        "| workers | connections | requests | requests/s | p50 ms | p99 ms | errors | server RSS MiB after |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for run in runs:
        for level, rss in zip(run.levels, run.memory_after_level, strict=True):
            rate = level.requests / level.elapsed
            p50, p99 = level.percentile(0.50), level.percentile(0.99)
            print(
                f"| {run.workers} | {level.concurrency} | {level.requests} | {rate:.0f} "
                f"| {p50:.2f} | {p99:.2f} | {level.errors} | {mib(rss)} |"
            )
    print("\n| workers | processes | RSS MiB before (after warm-up) | RSS MiB after | change | "
          "sent | counted by /metrics | exit code on SIGTERM |")  # fmt: skip
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for run in runs:
        before, after = sum(run.memory_before.values()), sum(run.memory_after.values())
        per_process = " + ".join(mib(kib) for kib in run.memory_after.values() if kib)
        print(
            f"| {run.workers} | {len([k for k in run.memory_after.values() if k])} | {mib(before)} "
            f"| {mib(after)} ({per_process}) | {(after - before) / 1024:+.1f} | {run.sent} | {run.counted} "
            f"| {run.exit_code} |"
        )
    errors = sum(level.errors for run in runs for level in run.levels)
    mismatched = [run.workers for run in runs if run.sent != run.counted]
    print(f"\nerrors: {errors}; server count matches client count: {'yes' if not mismatched else 'NO'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per concurrency level (max 60)")
    parser.add_argument("--levels", default="1,8,32,64", help="concurrent connections, comma-separated")
    parser.add_argument("--workers", default="1,2", help="worker counts to run, comma-separated")
    parser.add_argument("--max-requests", type=int, default=100_000, help="cap per level")
    args = parser.parse_args()
    seconds = min(max(args.seconds, 0.5), 60.0)
    levels = [min(max(int(level), 1), 256) for level in args.levels.split(",")]
    workers = [min(max(int(count), 1), 8) for count in args.workers.split(",")]
    runs = [run_workers(count, levels, seconds, max(1, args.max_requests)) for count in workers]
    report(runs, seconds)
    failed = any(level.errors for run in runs for level in run.levels) or any(
        r.sent != r.counted for r in runs
    )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
