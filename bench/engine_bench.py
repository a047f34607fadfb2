"""Engine benchmark: time per recommendation, over a fixed set of varied requests and over distinct ones.

Reports median and p99 per request, and the ratio of the engine's median to a baseline measured in the
same run on the same requests: validating the request with pydantic (the least work any request costs).
Absolute times on shared CI machines drift by 2-3x between runs; the ratio does not.

Two modes (both by default):

- `varied`: 48 hand-picked requests x N rounds, after a warm-up on the same requests;
- `distinct`: 1,000 distinct requests generated from the request model's fields (bench/distinct.py), each
  timed once, after a warm-up on 1,000 *other* distinct requests: the engine's command memo holds what a
  running service would have built for earlier traffic, never these requests' answers. A second pass over
  the same requests shows the memo fully warm.

    .venv/bin/python bench/engine_bench.py [--rounds N] [--mode varied|distinct|both]
"""

from __future__ import annotations

import argparse
import gc
import itertools
import statistics
import time
from collections.abc import Callable
from typing import Any

from distinct import distinct_requests

from service.catalogue import Catalogue, load_catalogue
from service.command_memo import memo_stats
from service.engine import recommend, recommend_data
from service.models import RecommendationRequest

TARGET_US = 100


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


def table(rows: list[tuple[str, list[float]]], base_median: float) -> None:
    print("| measure | median µs | p99 µs | median / baseline |")
    print("| --- | --- | --- | --- |")
    for label, samples in rows:
        median = statistics.median(samples)
        print(f"| {label} | {median:.0f} | {p(samples, 0.99):.0f} | {median / base_median:.1f}x |")


def varied(catalogue: Catalogue, rounds: int) -> None:
    payloads = varied_requests()
    requests = [RecommendationRequest.model_validate(payload) for payload in payloads]
    for request in requests:  # warm caches the way a running service has them
        recommend(catalogue, request)
    engine = measure(lambda request: recommend_data(catalogue, request), requests, rounds)
    typed = measure(lambda request: recommend(catalogue, request), requests, rounds)
    baseline = measure(RecommendationRequest.model_validate, payloads, rounds)
    print(f"varied: {len(requests)} requests x {rounds} rounds = {len(engine)} samples each")
    table(
        [
            ("engine: recommend_data(), all six drivers ranked, commands for every viable one", engine),
            ("typed: recommend(), the same validated into the Recommendation model", typed),
            ("baseline: pydantic validation of the same requests", baseline),
        ],
        statistics.median(baseline),
    )


def distinct(catalogue: Catalogue) -> None:
    for payload in distinct_requests(1000, seed=12):  # other traffic, earlier
        recommend_data(catalogue, RecommendationRequest.model_validate(payload))
    payloads = distinct_requests(1000)
    requests = [RecommendationRequest.model_validate(payload) for payload in payloads]
    hits, misses, _ = memo_stats()
    first = measure(lambda request: recommend_data(catalogue, request), requests, 1)
    after_hits, after_misses, entries = memo_stats()
    second = measure(lambda request: recommend_data(catalogue, request), requests, 1)
    baseline = measure(RecommendationRequest.model_validate, payloads, 1)
    print(
        f"distinct: {len(requests)} requests, each timed once per pass; command memo in the first pass: "
        f"{after_hits - hits} hits, {after_misses - misses} misses ({entries} entries)"
    )
    table(
        [
            ("engine, first pass (memo warmed by 1,000 other requests)", first),
            ("engine, second pass (memo holds these requests' commands)", second),
            ("baseline: pydantic validation of the same requests", baseline),
        ],
        statistics.median(baseline),
    )
    median = statistics.median(first)
    print(f"target first-pass median <= {TARGET_US} µs: {'met' if median <= TARGET_US else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--mode", choices=["varied", "distinct", "both"], default="both")
    args = parser.parse_args()
    catalogue = load_catalogue()
    if args.mode in ("distinct", "both"):  # first, so the varied set's warm-up does not help it
        distinct(catalogue)
    if args.mode in ("varied", "both"):
        varied(catalogue, args.rounds)


if __name__ == "__main__":
    main()
