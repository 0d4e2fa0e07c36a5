"""Shared requests fetched once per run for every user: a TMDB list, a feed.

Keyed by the request (endpoint and parameters, language included), kept in the
database so every process and every user's digest job in the same hour reads the one
answer; a per-process lock makes concurrent jobs wait for the first fetch instead of
repeating it. A request that failed is not repeated for five minutes (each user's digest
names the source as missing instead of asking it again).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from concierge.adapters.errors import ExternalServiceError
from concierge.core.clock import Clock
from concierge.skills.digests.models import DigestFetchRow
from concierge.storage.db import Database

M = TypeVar("M", bound=BaseModel)
FAILURE_TTL = timedelta(minutes=5)


class SharedFetches:
    def __init__(self, db: Database, clock: Clock, ttl: timedelta = timedelta(hours=1)) -> None:
        self._db = db
        self._clock = clock
        self._ttl = ttl
        self._locks: dict[str, asyncio.Lock] = {}
        # a source that just failed is not asked again for every other user's digest
        self._failed: dict[str, tuple[datetime, ExternalServiceError]] = {}

    async def get(
        self, request: str, model: type[M], fetch: Callable[[], Awaitable[list[M]]]
    ) -> list[M]:
        """The cached answer to ``request`` while fresh, else ``fetch()``'s (then kept)."""
        key = hashlib.sha256(request.encode()).hexdigest()
        adapter = TypeAdapter(list[model])  # type: ignore[valid-type]
        async with self._locks.setdefault(key, asyncio.Lock()):
            now = self._clock.now()
            async with self._db.session() as s:
                row = await s.get(DigestFetchRow, key)
                if row is not None and now - _utc(row.fetched_at) < self._ttl:
                    return list(adapter.validate_python(row.body.get("items") or []))
            failed = self._failed.get(key)
            if failed is not None and now - failed[0] < FAILURE_TTL:
                raise failed[1]
            try:
                found = await fetch()
            except ExternalServiceError as exc:
                self._failed[key] = (now, exc)
                raise
            self._failed.pop(key, None)
            await self._keep(key, request, {"items": adapter.dump_python(found, mode="json")}, now)
            return found

    async def _keep(self, key: str, request: str, body: dict[str, Any], now: datetime) -> None:
        try:
            async with self._db.session() as s:
                row = await s.get(DigestFetchRow, key)
                if row is None:
                    s.add(DigestFetchRow(key=key, request=request[:500], body=body, fetched_at=now))
                else:
                    row.body, row.fetched_at = body, now
        except IntegrityError:
            pass  # another process stored the same request's answer a moment ago

    async def prune(self) -> int:
        """Drop answers older than a day (housekeeping)."""
        cutoff = self._clock.now() - max(self._ttl, timedelta(days=1))
        async with self._db.session() as s:
            result = await s.execute(
                delete(DigestFetchRow).where(DigestFetchRow.fetched_at < cutoff)
            )
            return int(result.rowcount)  # type: ignore[attr-defined]


def _utc(moment: datetime) -> datetime:
    """SQLite hands back naive UTC datetimes."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
