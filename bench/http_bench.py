"""HTTP benchmark: requests/s of POST /v1/recommendations as a ratio to a trivial JSON endpoint.

Both are served in the same run by one uvicorn server started the way `netadvisor serve` starts it
(uvloop + httptools, one worker unless --workers), and loaded by wrk over loopback with the same body,
connections and duration. The ratio is the figure to track: absolute requests/s depend on the machine.

    .venv/bin/python bench/http_bench.py [--seconds 10] [--connections 16] [--workers 1]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BODIES = [
    {"requirements": {"cross_host": True, "ports": ["80", "443"]}},
    {"requirements": {"own_ip": True, "cloud": "aws", "ports": ["8000-9000"]}},
    {"requirements": {"hosts": 3, "swarm": True, "encryption": True}},
    {"requirements": {"own_mac": True, "host_access": True}, "deployment": {"parent_interface": "enp3s0"}},
]
LUA = """
local bodies = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, bodies[(i %% #bodies) + 1])
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("server did not start")


def run_wrk(url: str, script: Path, seconds: int, connections: int) -> tuple[float, float, int]:
    result = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    out = result.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    p99_ms = float(p99.group(1)) * scale[p99.group(2)] if p99 else float("nan")
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    failures = int(errors.group(1)) if errors else 0
    failures += sum(int(n) for n in socket_errors.groups()) if socket_errors else 0
    return rps, p99_ms, failures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: apt-get install wrk (the Makefile's bench target does this)")
    port = free_port()
    uvicorn = Path(sys.executable).with_name("uvicorn")
    server = subprocess.Popen(
        [str(uvicorn), "bench.http_app:create_bench_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--workers", str(args.workers), "--log-level", "warning", "--no-access-log"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,  # the JSON access log: one line a request
    )  # fmt: skip
    try:
        wait_ready(port)
        with tempfile.TemporaryDirectory() as tmp:
            script = Path(tmp) / "post.lua"
            quoted = ", ".join(json.dumps(json.dumps(body)) for body in BODIES)
            script.write_text(LUA % quoted)
            base = f"http://127.0.0.1:{port}"
            run_wrk(base + "/bench/trivial", script, 2, args.connections)  # warm-up
            run_wrk(base + "/v1/recommendations", script, 2, args.connections)
            trivial = run_wrk(base + "/bench/trivial", script, args.seconds, args.connections)
            advisor = run_wrk(base + "/v1/recommendations", script, args.seconds, args.connections)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(
        f"wrk: 1 thread, {args.connections} connections, {args.seconds}s each; uvicorn workers={args.workers}"
    )
    print("| endpoint | requests/s | p99 ms | errors |")
    print("| --- | --- | --- | --- |")
    print(f"| POST /bench/trivial (baseline) | {trivial[0]:.0f} | {trivial[1]:.1f} | {trivial[2]} |")
    print(f"| POST /v1/recommendations | {advisor[0]:.0f} | {advisor[1]:.1f} | {advisor[2]} |")
    ratio = advisor[0] / trivial[0]
    verdict = "met" if ratio >= 0.7 else "NOT met"
    print(f"ratio recommendations / trivial: {ratio:.2f} (target >= 0.7: {verdict})")


if __name__ == "__main__":
    main()
