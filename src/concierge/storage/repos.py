"""Repositories for the core tables; one query serves SQLite and Postgres alike."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Select, Table, bindparam, delete, exists, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from concierge.core.access import Role
from concierge.core.messages import UserRef
from concierge.storage.batch import Batcher, Outcome
from concierge.storage.db import Database
from concierge.storage.history import HistoryRepo as HistoryRepo  # where callers import it
from concierge.storage.models import (
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
    _USERS.c.platform == bindparam("platform"),
    _USERS.c.platform_id.in_(bindparam("platform_ids", expanding=True)),
)
_FOLLOW = (
    update(_USERS)
    .where(_USERS.c.id == bindparam("user_id"))
    .values(
        display_name=bindparam("new_name"),
        platform_language=bindparam("new_language"),
        unreachable=bindparam("new_unreachable"),
    )
)


@dataclass(frozen=True, slots=True)
class _Arriving:
    ref: UserRef
    role: Role
    update_id: str | None


def _key(ref: UserRef) -> tuple[str, int]:
    return ref.platform, ref.id


async def _find_many(c: AsyncConnection, items: Sequence[_Arriving]) -> dict[tuple[str, int], Any]:
    """The users table's rows (with ``flows_open``) for these senders, by platform and id."""
    found: dict[tuple[str, int], Any] = {}
    for platform in sorted({a.ref.platform for a in items}):
        ids = sorted({a.ref.id for a in items if a.ref.platform == platform})
        result = await c.execute(_ARRIVING, {"platform": platform, "platform_ids": ids})
        found.update({(platform, row.platform_id): row for row in result})
    return found


def _new_user(a: _Arriving) -> dict[str, Any]:
    return {
        "platform": a.ref.platform,
        "platform_id": a.ref.id,
        "display_name": a.ref.display_name[:200],
        "platform_language": a.ref.language_code,
        "role": a.role.value,
    }


def _following(user: UserRecord, ref: UserRef) -> UserRecord:
    """Name and platform language follow the platform; whoever writes is reachable."""
    name = ref.display_name[:200] if ref.display_name else user.display_name
    language = ref.language_code or user.platform_language
    return replace(user, display_name=name, platform_language=language, unreachable=False)


def _follow_params(user: UserRecord) -> dict[str, Any]:
    return {
        "user_id": user.id,
        "new_name": user.display_name,
        "new_language": user.platform_language,
        "new_unreachable": user.unreachable,
    }


class UserRepo:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._arrivals: Batcher[_Arriving, Arrival] = Batcher(self._arrive_many)

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
        """:meth:`upsert`, also telling whether the user has a flow open (same query).

        Arrivals at the same moment share one transaction (storage/batch.py); if that
        fails (a redelivered update, a user created elsewhere meanwhile), each runs alone.
        """
        return await self._arrivals(_Arriving(ref, initial_role, update_id))

    async def _arrive_many(self, items: Sequence[_Arriving]) -> list[Outcome[Arrival]]:
        if len(items) == 1:
            return [await self._arrive_alone(items[0])]
        async with self._db.transaction() as c:
            claims = [
                {"platform": a.ref.platform, "update_id": a.update_id}
                for a in items
                if a.update_id is not None
            ]
            if claims:
                await c.execute(_CLAIM, claims)  # a repeated update fails the batch
            found = await _find_many(c, items)
            new = {_key(a.ref): a for a in reversed(items) if _key(a.ref) not in found}
            if new:
                await c.execute(insert(_USERS), [_new_user(a) for a in new.values()])
                found.update(await _find_many(c, list(new.values())))
            arrivals: list[Outcome[Arrival]] = []
            changed: dict[int, UserRecord] = {}
            for a in items:
                row = found[_key(a.ref)]
                user = changed.get(row.id) or _record(row)
                after = _following(user, a.ref)
                if after != user:
                    changed[row.id] = after
                arrivals.append(Arrival(after, flows_open=bool(row.flows_open)))
            if changed:
                await c.execute(_FOLLOW, [_follow_params(u) for u in changed.values()])
        return arrivals

    async def _arrive_alone(self, item: _Arriving) -> Arrival:
        ref = item.ref
        for _attempt in range(2):
            try:
                async with self._db.transaction() as c:
                    if item.update_id is not None:
                        await UpdateLog.claim(c, ref.platform, item.update_id)
                    found = (await _find_many(c, [item])).get(_key(ref))
                    if found is None:
                        await c.execute(insert(_USERS).values(**_new_user(item)))
                        found = (await _find_many(c, [item]))[_key(ref)]
                        return Arrival(_record(found), flows_open=bool(found.flows_open))
                    user = _record(found)
                    after = _following(user, ref)
                    if after != user:
                        await c.execute(_FOLLOW, _follow_params(after))
                    return Arrival(after, flows_open=bool(found.flows_open))
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


def expires_in(ttl: timedelta) -> datetime:
    return utcnow() + ttl
