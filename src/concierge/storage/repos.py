"""Repositories for the core tables; one query serves SQLite and Postgres alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from concierge.core.access import Role
from concierge.core.messages import UserRef
from concierge.storage.db import Database
from concierge.storage.models import (
    ConversationMessageRow,
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


def _record(row: UserRow) -> UserRecord:
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
        for _attempt in range(2):
            try:
                async with self._db.session() as s:
                    if update_id is not None:
                        await UpdateLog.claim(s, ref.platform, update_id)
                    row = await s.scalar(_by_platform_id(ref.platform, ref.id))
                    if row is None:
                        row = UserRow(
                            platform=ref.platform,
                            platform_id=ref.id,
                            display_name=ref.display_name[:200],
                            platform_language=ref.language_code,
                            role=initial_role.value,
                        )
                        s.add(row)
                    else:
                        if ref.display_name and row.display_name != ref.display_name[:200]:
                            row.display_name = ref.display_name[:200]
                        if ref.language_code and row.platform_language != ref.language_code:
                            row.platform_language = ref.language_code
                        if row.unreachable:
                            row.unreachable = False  # they wrote to us, so they're reachable
                    await s.flush()
                    return _record(row)
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


class UpdateLog:
    """Remembers delivered platform updates so each is processed once."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def first_delivery(self, platform: str, update_id: str) -> bool:
        try:
            async with self._db.session() as s:
                await self.claim(s, platform, update_id)
        except DuplicateUpdate:
            return False
        return True

    @staticmethod
    async def claim(s: AsyncSession, platform: str, update_id: str) -> None:
        """Record the update in ``s``'s transaction; :class:`DuplicateUpdate` if seen before."""
        s.add(ProcessedUpdateRow(platform=platform, update_id=update_id))
        try:
            await s.flush()
        except IntegrityError:
            raise DuplicateUpdate(f"{platform}:{update_id}") from None

    async def release(self, platform: str, update_id: str) -> None:
        """Forget one update's claim: a job handling it died and runs it again."""
        async with self._db.session() as s:
            await s.execute(
                delete(ProcessedUpdateRow).where(
                    ProcessedUpdateRow.platform == platform,
                    ProcessedUpdateRow.update_id == update_id,
                )
            )

    async def prune(self, older_than: timedelta) -> int:
        async with self._db.session() as s:
            result = await s.execute(
                delete(ProcessedUpdateRow).where(
                    ProcessedUpdateRow.created_at < utcnow() - older_than
                )
            )
            return int(result.rowcount)  # type: ignore[attr-defined]


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
        async with self._db.session() as s:
            # one executemany, not the ORM's unit of work: this runs on every agent turn
            rows = [
                {"chat_key": chat_key, "user_id": user_id, "payload": p, "tokens": t}
                for p, t in messages
            ]
            if rows:
                await s.execute(insert(ConversationMessageRow), rows)
            cutoff = await s.scalar(
                select(ConversationMessageRow.id)
                .where(ConversationMessageRow.chat_key == chat_key)
                .order_by(ConversationMessageRow.id.desc())
                .offset(keep)
                .limit(1)
            )
            if cutoff is not None:
                await s.execute(
                    delete(ConversationMessageRow).where(
                        ConversationMessageRow.chat_key == chat_key,
                        ConversationMessageRow.id <= cutoff,
                    )
                )

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
