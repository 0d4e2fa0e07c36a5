"""Prometheus metrics on a per-app registry (no module-level globals)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest


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

    def render(self) -> bytes:
        return generate_latest(self.registry)
