"""`netadvisor serve` as users start it: a real process on a free 127.0.0.1 port, stopped with SIGTERM.

What is checked is what a supervisor (Docker, Swarm, systemd) relies on: a request already in flight when
SIGTERM arrives is answered in full, the listening port closes, the process exits 0, every log line is
JSON, and with several workers `/metrics` adds up all of them.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.slow

# Straight to 127.0.0.1, whatever proxy the environment names.
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))
BODY = json.dumps({"requirements": {"hosts": 3, "swarm": True, "ports": ["80", "443"]}}).encode()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve_command() -> list[str]:
    script = Path(sys.executable).with_name("netadvisor")
    return [str(script)] if script.exists() else [sys.executable, "-m", "service.cli"]


class Server:
    def __init__(self, process: subprocess.Popen[bytes], port: int) -> None:
        self.process = process
        self.port = port
        self.url = f"http://127.0.0.1:{port}"

    def get(self, path: str) -> tuple[int, str]:
        with DIRECT.open(self.url + path, timeout=10) as response:
            return response.status, response.read().decode()

    def post(self, path: str, body: bytes) -> tuple[int, dict[str, Any]]:
        request = urllib.request.Request(
            self.url + path, data=body, headers={"Content-Type": "application/json"}
        )
        with DIRECT.open(request, timeout=10) as response:
            return response.status, json.loads(response.read())


@contextmanager
def running(*args: str, env: dict[str, str] | None = None) -> Iterator[Server]:
    port = free_port()
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("NETADVISOR_") and key != "PROMETHEUS_MULTIPROC_DIR"
    }
    environment.update(env or {})
    process = subprocess.Popen(
        [*serve_command(), "serve", "--host", "127.0.0.1", "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=environment,
    )
    server = Server(process, port)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                server.get("/healthz")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"server did not start: {process.stdout.read()!r}") from None  # type: ignore[union-attr]
                time.sleep(0.1)
        yield server
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def port_refuses(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return False
    except OSError:
        return True


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed before the response: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    while len(body) < int(headers["content-length"]):
        chunk = sock.recv(65536)
        assert chunk, "connection closed mid-body"
        body += chunk
    return status, headers, body


def test_sigterm_finishes_the_request_in_flight_closes_the_port_and_exits_0() -> None:
    with running() as server:
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=15)
        head = (
            f"POST /v1/recommendations HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"X-Request-ID: inflight-1\r\nContent-Length: {len(BODY)}\r\n\r\n"
        ).encode()
        half = len(BODY) // 2
        sock.sendall(head + BODY[:half])  # the request is in flight: its body is still arriving
        time.sleep(0.3)

        server.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        while not port_refuses(server.port):  # new connections are refused once shutdown starts
            assert time.monotonic() < deadline, "the port still accepts connections after SIGTERM"
            time.sleep(0.05)
        assert server.process.poll() is None, "the server quit with a request half received"

        sock.sendall(BODY[half:])
        status, headers, body = read_response(sock)
        sock.close()
        assert status == 200
        assert headers["x-request-id"] == "inflight-1"
        assert json.loads(body)["recommendation"] == "overlay"

        assert server.process.wait(20) == 0
        assert port_refuses(server.port)
        output = server.process.stdout.read().decode()  # type: ignore[union-attr]

    lines = [json.loads(line) for line in output.splitlines() if line.strip()]  # every line is JSON
    access = [line for line in lines if line.get("logger") == "netadvisor.access"]
    assert any(
        line["request_id"] == "inflight-1"
        and line["status"] == 200
        and line["route"] == "/v1/recommendations"
        for line in access
    )
    assert any("Shutting down" in line.get("msg", "") for line in lines)


def metric(text: str, name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return 0.0


def test_with_two_workers_every_scrape_reports_the_whole_server(tmp_path: Path) -> None:
    requests = 24
    with running("--workers", "2", env={"TMPDIR": str(tmp_path)}) as server:
        for _ in range(requests):  # urllib opens a connection per request: the kernel spreads them
            status, body = server.post("/v1/recommendations", BODY)
            assert status == 200 and body["recommendation"] == "overlay"
        assert [path.name for path in tmp_path.iterdir() if path.name.startswith("netadvisor-metrics-")]
        for _ in range(6):  # whichever worker answers the scrape, it counts both workers' requests
            _, text = server.get("/metrics")
            assert metric(text, "netadvisor_recommendations_total", driver="overlay") == requests
            count = metric(
                text,
                "netadvisor_http_requests_total",
                method="POST",
                route="/v1/recommendations",
                status="200",
            )
            assert count == requests
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(30) == 0
    assert not [path for path in tmp_path.iterdir() if path.name.startswith("netadvisor-metrics-")]
