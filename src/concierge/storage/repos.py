"""Repositories for the core tables; one query serves SQLite and Postgres alike."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Select, Table, bindparam, delete, exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from concierge.core.access import Role
from concierge.core.messages import UserRef
from concierge.storage.db import Database
from concierge.storage.models import (
    ConversationMessageRow,
    OpenFlowRow,
    ProcessedUpdateRow,
    UserRow,
    utcnow,
)


@dataclass(frozen=True, slots=True)
class UserRecord:
    id: int
    platform: str
    platform_id: int
    display_name: str
    role: Role
    language: str | None  # chosen with /language
    platform_language: str | None
    model: str | None
    thinking: str
    unreachable: bool
    timezone: str | None = None  # IANA name set by /timezone; None: the default zone

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.platform_id}"


@dataclass(frozen=True, slots=True)
class Arrival:
    """The sender of an update as stored, read in the update's one transaction."""

    user: UserRecord
    # whether any flow row exists for them (expired ones too): without one, the
    # dispatcher need not ask the flow store who takes the text (one query saved)
    flows_open: bool


def _record(row: UserRow | Any) -> UserRecord:
    """A record from a mapped row or a result row with the users table's columns."""
    return UserRecord(
        id=row.id,
        platform=row.platform,
        platform_id=row.platform_id,
        display_name=row.display_name,
        role=Role(row.role),
        language=row.language,
        platform_language=row.platform_language,
        model=row.model,
        thinking=row.thinking,
        unreachable=row.unreachable,
        timezone=row.timezone,
    )


def _by_platform_id(platform: str, platform_id: int) -> Select[UserRow]:
    return select(UserRow).where(UserRow.platform == platform, UserRow.platform_id == platform_id)


_USERS = cast(Table, UserRow.__table__)
# Built once: a statement object memoizes its cache key, so SQLAlchemy skips building
# and keying it on every update (issue 15).
_ARRIVING = select(
    _USERS,
    exists().where(OpenFlowRow.user_id == _USERS.c.id).correlate(_USERS).label("flows_open"),
).where(
    _USERS.c.platform == bindparam("platform"), _USERS.c.platform_id == bindparam("platform_id")
)


class UserRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def upsert(
        self, ref: UserRef, initial_role: Role, *, update_id: str | None = None
    ) -> UserRecord:
        """The stored user for ``ref``, created with ``initial_role`` when new.

        Name and platform language follow the platform; the role never changes here.
        With ``update_id``, the update is recorded as delivered in the same transaction
        (one round trip per update, issue 15); :class:`DuplicateUpdate` if it was before.
        """
        return (await self.arrive(ref, initial_role, update_id=update_id)).user

    async def arrive(
        self, ref: UserRef, initial_role: Role, *, update_id: str | None = None
    ) -> Arrival:
        """:meth:`upsert`, also telling whether the user has a flow open (same query)."""
        name = ref.display_name[:200]
        params = {"platform": ref.platform, "platform_id": ref.id}
        for _attempt in range(2):
            try:
                async with self._db.transaction() as c:
                    if update_id is not None:
                        await UpdateLog.claim(c, ref.platform, update_id)
                    found = (await c.execute(_ARRIVING, params)).one_or_none()
                    if found is None:
                        await c.execute(
                            insert(_USERS).values(
                                platform=ref.platform,
                                platform_id=ref.id,
                                display_name=name,
                                platform_language=ref.language_code,
                                role=initial_role.value,
                            )
                        )
                        found = (await c.execute(_ARRIVING, params)).one()
                        return Arrival(_record(found), flows_open=bool(found.flows_open))
                    changes: dict[str, Any] = {}
                    if ref.display_name and found.display_name != name:
                        changes["display_name"] = name
                    if ref.language_code and found.platform_language != ref.language_code:
                        changes["platform_language"] = ref.language_code
                    if found.unreachable:
                        changes["unreachable"] = False  # they wrote to us, so they're reachable
                    user = _record(found)
                    if changes:
                        await c.execute(
                            update(_USERS).where(_USERS.c.id == found.id).values(**changes)
                        )
                        user = replace(user, **changes)
                    return Arrival(user, flows_open=bool(found.flows_open))
            except IntegrityError:
                continue  # a concurrent first message created it; read it back
        raise RuntimeError(f"could not upsert user {ref.key}")

    async def get(self, user_id: int) -> UserRecord | None:
        async with self._db.session() as s:
            row = await s.get(UserRow, user_id)
            return None if row is None else _record(row)

    async def find(self, platform: str, platform_id: int) -> UserRecord | None:
        async with self._db.session() as s:
            row = await s.scalar(_by_platform_id(platform, platform_id))
            return None if row is None else _record(row)

    async def list(self, role: Role | None = None) -> list[UserRecord]:
        async with self._db.session() as s:
            query = select(UserRow).order_by(UserRow.id)
            if role is not None:
                query = query.where(UserRow.role == role.value)
            return [_record(r) for r in (await s.scalars(query)).all()]

    async def _set(self, user_id: int, **values: Any) -> UserRecord | None:
        async with self._db.session() as s:
            await s.execute(
                update(UserRow).where(UserRow.id == user_id).values(updated_at=utcnow(), **values)
            )
            row = await s.get(UserRow, user_id, populate_existing=True)
            return None if row is None else _record(row)

    async def set_role(self, user_id: int, role: Role) -> UserRecord | None:
        return await self._set(user_id, role=role.value)

    async def set_language(self, user_id: int, language: str | None) -> UserRecord | None:
        return await self._set(user_id, language=language)

    async def set_model(self, user_id: int, model: str | None, thinking: str) -> UserRecord | None:
        return await self._set(user_id, model=model, thinking=thinking)

    async def set_timezone(self, user_id: int, zone: str | None) -> UserRecord | None:
        return await self._set(user_id, timezone=zone)

    async def set_unreachable(self, user_id: int, unreachable: bool = True) -> None:
        await self._set(user_id, unreachable=unreachable)

    async def claim_approval_prompt(self, user_id: int) -> bool:
        """True exactly once per user: whoever flips the flag sends the prompt."""
        async with self._db.session() as s:
            result = await s.execute(
                update(UserRow)
                .where(UserRow.id == user_id, UserRow.approval_requested.is_(False))
                .values(approval_requested=True)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def claim_refusal(self, user_id: int, every: timedelta) -> bool:
        """True at most once per ``every`` per user, across processes (a guarded update)."""
        now = utcnow()
        async with self._db.session() as s:
            result = await s.execute(
                update(UserRow)
                .where(
                    UserRow.id == user_id,
                    (UserRow.refused_at.is_(None)) | (UserRow.refused_at < now - every),
                )
                .values(refused_at=now)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]


class DuplicateUpdate(Exception):
    """The platform delivered this update before; it was handled then."""


_CLAIM = insert(cast(Table, ProcessedUpdateRow.__table__)).values(
    platform=bindparam("platform"), update_id=bindparam("update_id")
)


class UpdateLog:
    """Remembers delivered platform updates so each is processed once."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def first_delivery(self, platform: str, update_id: str) -> bool:
        try:
            async with self._db.transaction() as c:
                await self.claim(c, platform, update_id)
        except DuplicateUpdate:
            return False
        return True

    @staticmethod
    async def claim(c: AsyncConnection | AsyncSession, platform: str, update_id: str) -> None:
        """Record the update in ``c``'s transaction; :class:`DuplicateUpdate` if seen before."""
        try:
            await c.execute(_CLAIM, {"platform": platform, "update_id": update_id})
        except IntegrityError:
            raise DuplicateUpdate(f"{platform}:{update_id}") from None

    async def prune(self, older_than: timedelta) -> int:
        async with self._db.session() as s:
            result = await s.execute(
                delete(ProcessedUpdateRow).where(
                    ProcessedUpdateRow.created_at < utcnow() - older_than
                )
            )
            return int(result.rowcount)  # type: ignore[attr-defined]


_HISTORY = cast(Table, ConversationMessageRow.__table__)
_TRIM = delete(_HISTORY).where(
    _HISTORY.c.chat_key == bindparam("chat_key"),
    _HISTORY.c.id
    <= select(_HISTORY.c.id)
    .where(_HISTORY.c.chat_key == bindparam("chat_key"))
    .order_by(_HISTORY.c.id.desc())
    .offset(bindparam("keep"))
    .limit(1)
    .scalar_subquery(),
)  # no row at that offset: NULL, nothing deleted


class HistoryRepo:
    """Per-chat conversation history, kept trimmed to a message count."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def load(self, chat_key: str, limit: int) -> list[tuple[dict[str, Any], int]]:
        """The newest ``limit`` messages, oldest first, with their token estimates."""
        async with self._db.session() as s:
            rows = (
                await s.execute(
                    select(ConversationMessageRow.payload, ConversationMessageRow.tokens)
                    .where(ConversationMessageRow.chat_key == chat_key)
                    .order_by(ConversationMessageRow.id.desc())
                    .limit(limit)
                )
            ).all()
        return [(payload, tokens) for payload, tokens in reversed(rows)]

    async def append(
        self, chat_key: str, user_id: int, messages: list[tuple[dict[str, Any], int]], keep: int
    ) -> None:
        """Add ``messages`` and forget all but the newest ``keep`` (two statements)."""
        async with self._db.transaction() as c:
            # one executemany, not the ORM's unit of work: this runs on every agent turn
            rows = [
                {"chat_key": chat_key, "user_id": user_id, "payload": p, "tokens": t}
                for p, t in messages
            ]
            if rows:
                await c.execute(insert(_HISTORY), rows)
            await c.execute(_TRIM, {"chat_key": chat_key, "keep": keep})

    async def clear(self, chat_key: str) -> None:
        async with self._db.session() as s:
            await s.execute(
                delete(ConversationMessageRow).where(ConversationMessageRow.chat_key == chat_key)
            )

    async def count(self, chat_key: str) -> int:
        async with self._db.session() as s:
            return int(
                await s.scalar(
                    select(func.count()).where(ConversationMessageRow.chat_key == chat_key)
                )
                or 0
            )


def expires_in(ttl: timedelta) -> datetime:
    return utcnow() + ttl
