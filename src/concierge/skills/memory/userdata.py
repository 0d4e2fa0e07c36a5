"""Your data: everything stored about a user, as an export and as one deletion.

The export reads the memory skill's own repositories, the movies lists and the
chat history. The deletion goes over every table with a ``user_id`` (or
``owner_user_id``) column, so a skill added later is covered without an edit
here; the ``users`` row stays (access control needs it), stripped of the
preferences it held. Live background jobs are left to finish; finished ones go.
"""

from __future__ import annotations

from typing import Any

import structlog
from sqlalchemy import Table, delete, select
from sqlalchemy.exc import DBAPIError

from concierge.skills.memory.blocks import MemoryBlocks
from concierge.skills.memory.notes import Notes
from concierge.skills.memory.profile import ProfileStore
from concierge.skills.movies.lists import ListEntry, TitleLists
from concierge.storage.db import Database
from concierge.storage.models import Base, ConversationMessageRow
from concierge.storage.repos import UserRecord, UserRepo

log = structlog.get_logger(__name__)

LIVE_JOB_STATES = ("queued", "running")
KEPT_TABLES = frozenset({"users"})


def _user_column(table: Table) -> str | None:
    for name in ("user_id", "owner_user_id"):
        if name in table.columns:
            return name
    return None


class UserData:
    def __init__(
        self,
        db: Database,
        users: UserRepo,
        profiles: ProfileStore,
        blocks: MemoryBlocks,
        notes: Notes,
        lists: TitleLists,
    ) -> None:
        self._db = db
        self._users = users
        self.profiles = profiles
        self.blocks = blocks
        self.notes = notes
        self.lists = lists

    async def export(self, user: UserRecord) -> dict[str, Any]:
        profile = await self.profiles.get(user.id)
        entries = await self.lists.entries(user.id)
        async with self._db.session() as s:
            history = list(
                await s.scalars(
                    select(ConversationMessageRow.payload)
                    .where(ConversationMessageRow.user_id == user.id)
                    .order_by(ConversationMessageRow.id)
                )
            )
        return {
            "user": {
                "name": user.display_name,
                "platform": user.key,
                "language": user.language,
                "timezone": user.timezone,
                "model": user.model,
            },
            "profile": profile.as_dict(),
            "memory": await self.blocks.all(user.id),
            "notes": [
                {"text": n.text, "created_at": n.created_at.isoformat()}
                for n in reversed(await self.notes.recent(user.id))
            ],
            "lists": {
                name: [_entry_dict(e) for e in entries if e.on == name]
                for name in ("watchlist", "watched", "blocked")
            },
            "history": history,
        }

    async def forget(self, user: UserRecord) -> dict[str, int]:
        """Delete every row about ``user`` but the ``users`` row; counts per table."""
        removed: dict[str, int] = {}
        for table in reversed(Base.metadata.sorted_tables):
            column = _user_column(table)
            if column is None or table.name in KEPT_TABLES:
                continue
            where = [table.c[column] == user.id]
            if table.name == "jobs":
                where.append(table.c.state.not_in(LIVE_JOB_STATES))
            try:
                async with self._db.session() as s:
                    result = await s.execute(delete(table).where(*where))
            except DBAPIError as exc:  # a table a skill declares but this database lacks
                log.warning("forget_table_skipped", table=table.name, error=type(exc).__name__)
                continue
            if result.rowcount:  # type: ignore[attr-defined]
                removed[table.name] = int(result.rowcount)  # type: ignore[attr-defined]
        await self._users.set_language(user.id, None)
        await self._users.set_timezone(user.id, None)
        await self._users.set_model(user.id, None, "off")
        log.info("user_data_forgotten", user=user.key, tables=len(removed))
        return removed


def _entry_dict(entry: ListEntry) -> dict[str, Any]:
    return {
        "key": entry.key,
        "title": entry.title,
        "year": entry.year,
        "rating": entry.rating,
        "watched_on": entry.watched_on.isoformat() if entry.watched_on else None,
        "genres": list(entry.genres),
        "people": list(entry.people),
        "source": entry.source,
    }
