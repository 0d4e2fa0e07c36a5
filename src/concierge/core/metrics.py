"""Prometheus metrics on a per-app registry (no module-level globals)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info, generate_latest


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.updates = Counter(
            "concierge_updates_total",
            "Updates handled",
            ["platform", "kind"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "concierge_update_seconds",
            "Time to handle one update",
            ["kind"],
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
            registry=self.registry,
        )
        self.agent_runs = Counter(
            "concierge_agent_runs_total",
            "Agent runs",
            ["model", "outcome"],
            registry=self.registry,
        )
        self.tool_calls = Counter(
            "concierge_tool_calls_total", "Agent tool calls", ["tool"], registry=self.registry
        )
        self.tool_failures = Counter(
            "concierge_tool_failures_total",
            "Agent tool calls that failed",
            ["tool"],
            registry=self.registry,
        )
        self.tokens = Counter(
            "concierge_llm_tokens_total",
            "LLM tokens",
            ["model", "direction"],
            registry=self.registry,
        )
        self.transcriptions = Counter(
            "concierge_transcriptions_total",
            "Voice transcriptions",
            ["provider", "outcome"],
            registry=self.registry,
        )
        self.transcribed_seconds = Counter(
            "concierge_transcribed_audio_seconds_total",
            "Seconds of audio transcribed",
            ["provider"],
            registry=self.registry,
        )
        self.transcription_cost = Counter(
            "concierge_transcription_cost_total",
            "Cost of transcriptions (audio minutes x STT_PRICE_PER_MINUTE)",
            ["provider"],
            registry=self.registry,
        )

        self.replica = Info(
            "concierge_replica", "This process among replicas", registry=self.registry
        )
        self.lane_wait = Histogram(
            "concierge_lane_wait_seconds",
            "Time an update waited behind the same user's earlier ones",
            buckets=(0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )
        self.lease_held = Gauge(
            "concierge_lease_held",
            "1 while this replica holds the lease (Telegram polling, Discord gateway)",
            ["lease"],
            registry=self.registry,
        )
        self.queue_depth = Gauge(
            "concierge_jobs_queued", "Jobs waiting in the queue", registry=self.registry
        )
        self.queue_running = Gauge(
            "concierge_jobs_running", "Jobs running (all replicas)", registry=self.registry
        )
        self.queue_lag = Gauge(
            "concierge_jobs_lag_seconds",
            "How long the oldest due job has waited to start",
            registry=self.registry,
        )
        # refreshed when /metrics is scraped: figures that live in the database
        self.before_scrape: list[Callable[[], Awaitable[None]]] = []

    def set_replica(self, name: str, role: str) -> None:
        self.replica.info({"replica": name, "role": role})

    async def scrape(self) -> bytes:
        """The text for Prometheus, after refreshing what lives in the database."""
        for refresh in self.before_scrape:
            await refresh()
        return self.render()

    def render(self) -> bytes:
        return generate_latest(self.registry)
