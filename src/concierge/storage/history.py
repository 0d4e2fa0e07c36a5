"""Per-chat conversation history, kept trimmed to a message count.

Loads and appends go through a ``Batcher`` (storage/batch.py): under a burst, the turns
of many chats are read and written in one transaction each, not one per chat.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, insert, select

from concierge.storage.batch import Batcher, Outcome
from concierge.storage.db import Database
from concierge.storage.models import ConversationMessageRow

Rows = list[tuple[dict[str, Any], int]]  # (payload, token estimate), oldest first

_HISTORY = cast(Table, ConversationMessageRow.__table__)
# Built once (a statement memoizes its cache key). No row at that offset: NULL, nothing goes.
_TRIM = delete(_HISTORY).where(
    _HISTORY.c.chat_key == bindparam("chat_key"),
    _HISTORY.c.id
    <= select(_HISTORY.c.id)
    .where(_HISTORY.c.chat_key == bindparam("chat_key"))
    .order_by(_HISTORY.c.id.desc())
    .offset(bindparam("keep"))
    .limit(1)
    .scalar_subquery(),
)
_NEWEST = (
    select(
        _HISTORY.c.chat_key,
        _HISTORY.c.payload,
        _HISTORY.c.tokens,
        _HISTORY.c.id,
        func.row_number()
        .over(partition_by=_HISTORY.c.chat_key, order_by=_HISTORY.c.id.desc())
        .label("newness"),
    )
    .where(_HISTORY.c.chat_key.in_(bindparam("chat_keys", expanding=True)))
    .subquery()
)
_LOAD = (
    select(_NEWEST.c.chat_key, _NEWEST.c.payload, _NEWEST.c.tokens)
    .where(_NEWEST.c.newness <= bindparam("limit"))
    .order_by(_NEWEST.c.chat_key, _NEWEST.c.id)
)


@dataclass(frozen=True, slots=True)
class _Turn:
    chat_key: str
    user_id: int
    messages: Rows
    keep: int


class HistoryRepo:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._loads: Batcher[tuple[str, int], Rows] = Batcher(self._load_many)
        self._appends: Batcher[_Turn, None] = Batcher(self._append_many)

    async def load(self, chat_key: str, limit: int) -> Rows:
        """The newest ``limit`` messages, oldest first, with their token estimates."""
        return await self._loads((chat_key, limit))

    async def append(self, chat_key: str, user_id: int, messages: Rows, keep: int) -> None:
        """Add ``messages`` and forget all but the newest ``keep``; returns once committed."""
        await self._appends(_Turn(chat_key, user_id, messages, keep))

    async def _load_many(self, wanted: Sequence[tuple[str, int]]) -> list[Outcome[Rows]]:
        found: dict[tuple[str, int], Rows] = {}
        async with self._db.transaction() as c:
            for limit in sorted({limit for _, limit in wanted}):
                keys = sorted({key for key, lim in wanted if lim == limit})
                if limit <= 0:
                    found.update({(key, limit): [] for key in keys})
                    continue
                result = await c.execute(_LOAD, {"chat_keys": keys, "limit": limit})
                for key in keys:
                    found[(key, limit)] = []
                for key, payload, tokens in result:
                    found[(key, limit)].append((payload, tokens))
        return [found[w] for w in wanted]

    async def _append_many(self, turns: Sequence[_Turn]) -> list[Outcome[None]]:
        async with self._db.transaction() as c:
            # executemany, not the ORM's unit of work: this runs on every agent turn
            rows = [
                {"chat_key": t.chat_key, "user_id": t.user_id, "payload": p, "tokens": n}
                for t in turns
                for p, n in t.messages
            ]
            if rows:
                await c.execute(insert(_HISTORY), rows)
            await c.execute(_TRIM, [{"chat_key": t.chat_key, "keep": t.keep} for t in turns])
        return [None] * len(turns)

    async def clear(self, chat_key: str) -> None:
        async with self._db.transaction() as c:
            await c.execute(delete(_HISTORY).where(_HISTORY.c.chat_key == chat_key))

    async def count(self, chat_key: str) -> int:
        async with self._db.transaction() as c:
            counted = await c.scalar(
                select(func.count()).select_from(_HISTORY).where(_HISTORY.c.chat_key == chat_key)
            )
            return int(counted or 0)
