"""Prometheus metrics of link downloads, on the app's registry (``/metrics``)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from concierge.core.metrics import Metrics


class GrabMetrics:
    def __init__(self, metrics: Metrics | None) -> None:
        registry = metrics.registry if metrics is not None else CollectorRegistry()
        self.queue_depth = Gauge(
            "concierge_grab_queue_depth", "Link downloads waiting", registry=registry
        )
        self.active = Gauge(
            "concierge_grab_active", "Link downloads running in this process", registry=registry
        )
        self.bytes = Counter(
            "concierge_grab_bytes_total", "Bytes delivered by link downloads", registry=registry
        )
        self.speed = Histogram(
            "concierge_grab_download_speed_bytes",
            "Average speed of one download, bytes per second",
            buckets=(1e4, 1e5, 5e5, 1e6, 5e6, 1e7, 5e7, 1e8, 5e8),
            registry=registry,
        )
        self.failures = Counter(
            "concierge_grab_failures_total",
            "Link downloads that failed, by reason",
            ["reason"],
            registry=registry,
        )
