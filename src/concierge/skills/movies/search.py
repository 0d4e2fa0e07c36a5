"""Fan-out torrent search: every source at once, each cut at its deadline.

A failing or slow source never fails the search; it is named in the outcome so
the reply can say who did not answer. Results are merged by info-hash (or by
normalized name and size when a tracker gives no hash), so one release listed
by two trackers appears once.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import structlog

from concierge.adapters.errors import ExternalServiceError
from concierge.skills.movies.domain import TorrentQuery, TorrentResult
from concierge.skills.movies.ports import TorrentSource

log = structlog.get_logger(__name__)

DEADLINE = "deadline"
_SIZE_BUCKET = 16 * 1024**2  # trackers round sizes differently


@dataclass(frozen=True, slots=True)
class SourceFailure:
    source: str
    reason: str  # "deadline", or an ExternalServiceError kind ("timeout", "blocked"…)


@dataclass(frozen=True, slots=True)
class FanOutResult:
    results: list[TorrentResult]
    failures: list[SourceFailure] = field(default_factory=list)
    answered: list[str] = field(default_factory=list)
    elapsed: float = 0.0


def dedupe_key(result: TorrentResult) -> str:
    if result.info_hash:
        return result.info_hash
    name = re.sub(r"[\W_]+", "", result.name.lower())
    return f"{name}:{round(result.size / _SIZE_BUCKET)}"


def merge(results: Sequence[TorrentResult]) -> list[TorrentResult]:
    """One entry per release: the best-described copy, the highest seeders, every tracker."""
    merged: dict[str, TorrentResult] = {}
    for result in results:
        key = dedupe_key(result)
        kept = merged.get(key)
        if kept is None:
            merged[key] = result
            continue
        better = result if (result.magnet and not kept.magnet) else kept
        trackers = list(dict.fromkeys([*kept.tracker.split(", "), *result.tracker.split(", ")]))
        merged[key] = replace(
            better,
            tracker=", ".join(trackers),
            seeders=max(kept.seeders, result.seeders),
            leechers=max(kept.leechers, result.leechers),
            size=better.size or kept.size or result.size,
            torrent_url=better.torrent_url or kept.torrent_url or result.torrent_url,
        )
    return list(merged.values())


class FanOut:
    """Queries every configured source concurrently with a per-source deadline."""

    def __init__(self, sources: Sequence[TorrentSource], *, deadline: float = 6.0) -> None:
        self.sources = list(sources)
        self.deadline = deadline

    def source(self, name: str) -> TorrentSource | None:
        return next((s for s in self.sources if s.name == name), None)

    async def _one(
        self, source: TorrentSource, query: TorrentQuery
    ) -> list[TorrentResult] | SourceFailure:
        try:
            async with asyncio.timeout(self.deadline):
                return await source.search(query)
        except TimeoutError:
            log.warning("torrent_source_deadline", source=source.name, deadline=self.deadline)
            return SourceFailure(source.name, DEADLINE)
        except ExternalServiceError as exc:  # already logged once by the HTTP client
            return SourceFailure(source.name, exc.kind)
        except Exception:  # a broken adapter must not take the whole search down
            log.exception("torrent_source_crashed", source=source.name)
            return SourceFailure(source.name, "error")

    async def search(self, query: TorrentQuery) -> FanOutResult:
        started = time.monotonic()
        outcomes = await asyncio.gather(*(self._one(s, query) for s in self.sources))
        found: list[TorrentResult] = []
        failures: list[SourceFailure] = []
        answered: list[str] = []
        for source, outcome in zip(self.sources, outcomes, strict=True):
            if isinstance(outcome, SourceFailure):
                failures.append(outcome)
            else:
                answered.append(source.name)
                found.extend(outcome)
        return FanOutResult(merge(found), failures, answered, time.monotonic() - started)
