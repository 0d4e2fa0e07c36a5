"""Figures other skills report to /stats, without the admin skill knowing their tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Figures:
    """One skill's part of /stats: who was active, and named counters."""

    active_since_day: frozenset[int] = frozenset()  # user ids active in the last 24 h
    active_since_week: frozenset[int] = frozenset()
    counters: dict[str, float] = field(default_factory=dict)  # e.g. {"retros": 12}


class StatsSource(Protocol):
    async def figures(self, day_ago: datetime, week_ago: datetime) -> Figures: ...
