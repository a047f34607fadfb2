"""Prometheus metrics: HTTP traffic plus the domain hooks the adapters call. No FastAPI here.

Each app owns a `Metrics` with its own `CollectorRegistry`, so two apps in one process (tests) never see
each other's counts. The domain hooks (`record_recommendation`, `record_findings`) are plain functions the
routes call without an app at hand: they count into the `Metrics` of the request being served, which the
request middleware binds in a context variable. Outside a request (CLI) they do nothing.

Several worker processes (`netadvisor serve --workers N`): each process counts its own requests. When
`PROMETHEUS_MULTIPROC_DIR` names a directory (`netadvisor serve` sets up a fresh one itself when N > 1),
prometheus-client keeps the values in per-process files there and `/metrics` adds up every worker's, so
any worker answering a scrape reports the whole server. Without it, a scrape sees one worker's counts.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.gc_collector import GCCollector
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector

from service.models import Driver

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

# Requests take about a millisecond; the upper buckets catch a saturated or stalled server.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

# Label values must come from small, known sets: anything a client controls would let it mint series.
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
NONE_VIABLE = "none_viable"
_DRIVERS = frozenset(driver.value for driver in Driver)
_RULE_ID = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
MAX_RULE_LABELS = 512  # review rule IDs come from a catalogue; past this many, something is wrong
OTHER = "other"


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


@contextmanager
def multiprocess_metrics(workers: int) -> Iterator[str | None]:
    """Around a multi-worker server: give the workers a fresh shared directory for their metric files.

    Workers inherit the environment, so each one's prometheus-client writes its values there and any of
    them can answer `/metrics` for all. A directory the operator set in `PROMETHEUS_MULTIPROC_DIR` is used
    as is (prometheus-client wants it empty at start); one made here is removed afterwards.
    """
    if workers <= 1 or multiprocess_dir() is not None:
        yield multiprocess_dir()
        return
    path = tempfile.mkdtemp(prefix="netadvisor-metrics-")
    os.environ[MULTIPROC_ENV] = path
    try:
        yield path
    finally:
        os.environ.pop(MULTIPROC_ENV, None)
        shutil.rmtree(path, ignore_errors=True)


class Metrics:
    """The metrics of one app."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.multiprocess = multiprocess_dir() is not None
        self.http_requests = Counter(
            "netadvisor_http_requests",
            "HTTP requests by method, route template and status code.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.http_duration = Histogram(
            "netadvisor_http_request_duration_seconds",
            "Time from receiving a request to sending the end of its response, by method and route template.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.recommendations = Counter(
            "netadvisor_recommendations",
            f"Recommendations by top driver ({NONE_VIABLE} when no driver fits).",
            ["driver"],
            registry=self.registry,
        )
        self.findings = Counter(
            "netadvisor_review_findings",
            "Architecture review findings by rule ID.",
            ["rule"],
            registry=self.registry,
        )
        self.cache_lookups = Counter(
            "netadvisor_response_cache_lookups",
            "Recommendation answers looked up in the response cache, by result (hit or miss).",
            ["result"],
            registry=self.registry,
        )
        self.cache_entries = Gauge(
            "netadvisor_response_cache_entries",
            "Answers held in the response cache (summed over live workers).",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self.cache_capacity = Gauge(
            "netadvisor_response_cache_capacity",
            "The most answers the response cache holds per worker (NETADVISOR_RESPONSE_CACHE_SIZE).",
            registry=self.registry,
            multiprocess_mode="max",
        )
        self._cache_children = {
            hit: self.cache_lookups.labels("hit" if hit else "miss") for hit in (True, False)
        }
        self._rules_seen: set[str] = set()
        # `labels()` hashes and locks on every call; the children for a label set never change.
        self._request_children: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        if not self.multiprocess:
            # Process memory, CPU and GC figures describe this process only; in multiprocess mode they
            # would describe whichever worker answered, so they are left out there.
            ProcessCollector(registry=self.registry)
            PlatformCollector(registry=self.registry)
            GCCollector(registry=self.registry)

    # -- recording -----------------------------------------------------------------------------------------

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        children = self._request_children.get((method, route, status))
        if children is None:
            label = method if method in HTTP_METHODS else OTHER
            children = (
                self.http_requests.labels(label, route, str(status)),
                self.http_duration.labels(label, route),
            )
            if label != OTHER:  # a client's made-up methods must not grow this map
                self._request_children[(method, route, status)] = children
        requests, duration = children
        requests.inc()
        duration.observe(seconds)

    def count_recommendation(self, top_driver: str | None) -> None:
        label = top_driver if top_driver in _DRIVERS else OTHER
        if top_driver is None:
            label = NONE_VIABLE
        self.recommendations.labels(label).inc()

    def count_cache_lookup(self, hit: bool) -> None:
        self._cache_children[hit].inc()

    def count_findings(self, rule_ids: Iterable[str]) -> None:
        for rule_id in rule_ids:
            label = rule_id if _RULE_ID.fullmatch(rule_id) else OTHER
            if label not in self._rules_seen:
                if len(self._rules_seen) >= MAX_RULE_LABELS:
                    label = OTHER
                self._rules_seen.add(label)
            self.findings.labels(label).inc()

    # -- exposition ----------------------------------------------------------------------------------------

    def exposition(self) -> bytes:
        """The Prometheus text format: this app's registry, or every worker's files in multiprocess mode."""
        path = multiprocess_dir()
        if path is not None and self.multiprocess:
            registry = CollectorRegistry()
            MultiProcessCollector(registry, path=path)  # type: ignore[no-untyped-call]
            return generate_latest(registry)
        return generate_latest(self.registry)


_current: ContextVar[Metrics | None] = ContextVar("netadvisor_metrics", default=None)


def bind(metrics: Metrics) -> Token[Metrics | None]:
    """Make `metrics` the target of the hooks below for the current request (the middleware calls it)."""
    return _current.set(metrics)


def unbind(token: Token[Metrics | None]) -> None:
    _current.reset(token)


def record_recommendation(top_driver: str | None) -> None:
    """Count one recommendation by its top driver ("none_viable" when nothing fits)."""
    metrics = _current.get()
    if metrics is not None:
        metrics.count_recommendation(top_driver)


def record_cache_lookup(hit: bool) -> None:
    """Count one response-cache lookup, a hit or a miss."""
    metrics = _current.get()
    if metrics is not None:
        metrics.count_cache_lookup(hit)


def record_cache_entries(entries: int) -> None:
    """Publish how many answers the response cache holds (after it stored one)."""
    metrics = _current.get()
    if metrics is not None:
        metrics.cache_entries.set(entries)


def record_findings(rule_ids: Iterable[str]) -> None:
    """Count review findings by rule ID."""
    metrics = _current.get()
    if metrics is not None:
        metrics.count_findings(rule_ids)
