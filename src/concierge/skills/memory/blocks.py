"""Core memory blocks (MemGPT-style): named, size-limited texts always shown to the agent.

A block is a list of entries, one a line, newest last. When a write takes a
block past 70 % of its limit it is compacted back to about half: summarised by
the configured language model when there is one, otherwise its oldest entries
are merged into one shortened line. Nothing is ever silently cut at the limit:
a write that cannot fit even after compaction is refused with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import structlog
from sqlalchemy import delete, select

from concierge.core.clock import SYSTEM_CLOCK, Clock
from concierge.skills.memory.models import BlockRow
from concierge.storage.db import Database

log = structlog.get_logger(__name__)

LIMITS: dict[str, int] = {
    "identity": 500,
    "preferences": 1000,
    "watch_context": 800,
    "active_context": 600,
    "style": 400,
    "instructions": 600,
    "blocklist": 600,
    "learnings": 800,
}
COMPACT_AT = 0.7
COMPACT_TO = 0.5


class Summarizer(Protocol):
    """Shortens a block's text to at most ``limit`` characters, keeping what matters."""

    async def summarize(self, block: str, text: str, limit: int) -> str: ...


@dataclass(frozen=True, slots=True)
class WriteOutcome:
    block: str
    content: str
    compacted: str | None = None  # "model" | "merged" when the write triggered compaction

    @property
    def limit(self) -> int:
        return LIMITS[self.block]


def merge_oldest(text: str, target: int) -> str:
    """The oldest half of the entries merged into one line, shortened until ``text`` fits."""
    entries = [line.strip() for line in text.splitlines() if line.strip()]
    while len("\n".join(entries)) > target and len(entries) > 1:
        half = max(2, len(entries) // 2)
        entries = ["; ".join(entries[:half]), *entries[half:]]
        room = target - len("\n".join(entries[1:])) - 1
        if room >= 20 and len(entries[0]) > room:  # merging alone saves only separators
            entries[0] = entries[0][: room - 1].rstrip() + "…"
    merged = "\n".join(entries)
    return merged if len(merged) <= target else merged[: target - 1].rstrip() + "…"


class BlockTooLong(ValueError):
    pass


class MemoryBlocks:
    def __init__(
        self, db: Database, summarizer: Summarizer | None = None, clock: Clock = SYSTEM_CLOCK
    ) -> None:
        self._db = db
        self._summarizer = summarizer
        self._clock = clock

    async def all(self, user_id: int) -> dict[str, str]:
        """Every block that has content, in the canonical order."""
        async with self._db.session() as s:
            rows = await s.scalars(select(BlockRow).where(BlockRow.user_id == user_id))
            found = {r.name: r.content for r in rows if r.content}
        return {name: found[name] for name in LIMITS if name in found}

    async def read(self, user_id: int, name: str) -> str:
        async with self._db.session() as s:
            row = await s.get(BlockRow, (user_id, name))
            return row.content if row is not None else ""

    async def write(
        self, user_id: int, name: str, text: str, *, replace: bool = False
    ) -> WriteOutcome:
        """Append ``text`` as an entry (or replace the block), compacting past 70 %."""
        if name not in LIMITS:
            raise KeyError(name)
        limit = LIMITS[name]
        entry = "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())
        if len(entry) > limit * COMPACT_TO:
            raise BlockTooLong(f"{name} takes entries up to {int(limit * COMPACT_TO)} characters")
        current = "" if replace else await self.read(user_id, name)
        content = "\n".join(x for x in (current, entry) if x)
        compacted: str | None = None
        if len(content) > limit * COMPACT_AT:
            content, compacted = await self._compact(name, content, int(limit * COMPACT_TO))
        await self._store(user_id, name, content)
        return WriteOutcome(name, content, compacted)

    async def _compact(self, name: str, content: str, target: int) -> tuple[str, str]:
        if self._summarizer is not None:
            try:
                summary = (await self._summarizer.summarize(name, content, target)).strip()
            except Exception as exc:  # any provider failure: fall back to merging, say so once
                log.warning("memory_summary_failed", block=name, error=type(exc).__name__)
            else:
                if summary and len(summary) <= target:
                    return summary, "model"
                log.warning("memory_summary_too_long", block=name, chars=len(summary))
        return merge_oldest(content, target), "merged"

    async def _store(self, user_id: int, name: str, content: str) -> None:
        async with self._db.session() as s:
            row = await s.get(BlockRow, (user_id, name))
            if row is None:
                s.add(BlockRow(user_id=user_id, name=name, content=content))
            else:
                row.content, row.updated_at = content, self._clock.now()

    async def forget(self, user_id: int) -> int:
        async with self._db.session() as s:
            result = await s.execute(delete(BlockRow).where(BlockRow.user_id == user_id))
            return int(result.rowcount)  # type: ignore[attr-defined]
