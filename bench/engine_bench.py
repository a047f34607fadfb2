"""Engine benchmark: time per recommendation over a fixed set of varied requests.

Reports median and p99 per request, and the ratio of the engine's median to a baseline measured in the
same run on the same requests: validating the request with pydantic (the least work any request costs).
Absolute times on shared CI machines drift by 2-3x between runs; the ratio does not.

    .venv/bin/python bench/engine_bench.py [--rounds N]
"""

from __future__ import annotations

import argparse
import gc
import itertools
import statistics
import time
from collections.abc import Callable
from typing import Any

from service.catalogue import load_catalogue
from service.engine import recommend, recommend_data
from service.models import RecommendationRequest


def varied_requests() -> list[dict[str, Any]]:
    """48 requests: every driver wins somewhere, conflicts included, with and without deployment values."""
    shapes: list[dict[str, Any]] = [
        {},
        {"ports": ["80", "443"]},
        {"cross_host": True, "hosts": 3},
        {"swarm": True, "hosts": 5, "encryption": True, "ports": ["443"]},
        {"own_ip": True, "cloud": "aws", "cross_host": True, "ports": ["8000-9000"]},
        {"own_mac": True, "host_access": True, "vlan": 20},
        {"own_mac": True, "cloud": "gcp"},
        {"network_access": "none"},
        {"network_access": "internal", "ports": ["80"]},
        {"ports": ["30000-32767/udp"], "host_isolation": "not_needed", "performance": "high"},
        {"multicast": True, "ipv6": True, "platform": "docker-desktop"},
        {"own_ip": True, "swarm": True, "hosts": 12, "mac_limit": True, "wireless_parent": True},
    ]
    deployments: list[dict[str, Any]] = [
        {},
        {"network_name": "shop", "image": "registry.example.com/shop/web:2.1", "container_name": "web"},
        {"subnet": "10.40.0.0/24", "gateway": "10.40.0.1", "ip_range": "10.40.0.128/26", "mtu": 1400},
        {"parent_interface": "enp3s0", "ipv6_subnet": "fd00:40::/64", "advertise_addr": "10.0.0.5"},
    ]
    return [{"requirements": r, "deployment": d} for r, d in itertools.product(shapes, deployments)]


def measure(work: Callable[[Any], Any], items: list[Any], rounds: int) -> list[float]:
    samples = []
    gc.disable()  # a collection landing in one sample is noise, not the engine's cost
    try:
        for _ in range(rounds):
            for item in items:
                start = time.perf_counter_ns()
                work(item)
                samples.append((time.perf_counter_ns() - start) / 1000)
    finally:
        gc.enable()
    return samples


def p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=60)
    args = parser.parse_args()
    catalogue = load_catalogue()
    payloads = varied_requests()
    requests = [RecommendationRequest.model_validate(payload) for payload in payloads]
    for request in requests:  # warm caches the way a running service has them
        recommend(catalogue, request)

    engine = measure(lambda request: recommend_data(catalogue, request), requests, args.rounds)
    typed = measure(lambda request: recommend(catalogue, request), requests, args.rounds)
    baseline = measure(RecommendationRequest.model_validate, payloads, args.rounds)
    engine_median, base_median = statistics.median(engine), statistics.median(baseline)
    rows = [
        ("engine: recommend_data(), all six drivers ranked, commands for every viable one", engine),
        ("typed: recommend(), the same validated into the Recommendation model", typed),
        ("baseline: pydantic validation of the same requests", baseline),
    ]
    print(f"requests: {len(requests)} varied x {args.rounds} rounds = {len(engine)} samples each")
    print("| measure | median µs | p99 µs | median / baseline |")
    print("| --- | --- | --- | --- |")
    for label, samples in rows:
        median = statistics.median(samples)
        print(f"| {label} | {median:.0f} | {p(samples, 0.99):.0f} | {median / base_median:.1f}x |")
    print(f"target median < 200 µs: {'met' if engine_median < 200 else 'NOT met'}")


if __name__ == "__main__":
    main()
