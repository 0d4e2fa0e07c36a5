"""/stats figures and broadcasts, shared by the chat commands and the HTTP API.

A broadcast is one row plus one ``admin.broadcast.send`` job per recipient. Each job
writes a delivery row (sent or failed) under (broadcast, user), so a rerun after a crash
skips who already got it; sends go through the platform sender, which paces them to
Telegram's limits. Users already known unreachable are counted failed without a try.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import structlog
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from concierge.core.access import Role
from concierge.core.deps import CoreServices
from concierge.core.i18n import resolve_language
from concierge.core.jobs import JobContext, JobKind, Retry
from concierge.core.messages import Text, literal
from concierge.core.notify import DeliveryFailed, RecipientUnreachable
from concierge.skills.admin.models import FAILED, SENT, BroadcastDeliveryRow, BroadcastRow
from concierge.skills.admin.ports import StatsSource
from concierge.storage.models import ConversationMessageRow, UserRow

log = structlog.get_logger(__name__)

SEND_KIND = "admin.broadcast.send"
SEND_RETRY = Retry(max_attempts=4)
RECIPIENT_ROLES = (Role.OWNER, Role.ADMIN, Role.USER)
MAX_TEXT = 3500


class SendPayload(BaseModel):
    broadcast_id: int
    user_id: int


@dataclass(frozen=True, slots=True)
class Progress:
    id: int
    recipients: int
    delivered: int
    failed: int

    @property
    def pending(self) -> int:
        return self.recipients - self.delivered - self.failed

    def as_dict(self) -> dict[str, int]:
        return {
            "id": self.id,
            "recipients": self.recipients,
            "delivered": self.delivered,
            "failed": self.failed,
            "pending": self.pending,
        }


class AdminService:
    def __init__(self, core: CoreServices, sources: list[StatsSource]) -> None:
        self._core = core
        self._sources = sources

    # --- stats ----------------------------------------------------------------------

    async def stats(self) -> dict[str, Any]:
        now = self._core.clock.now()
        day_ago, week_ago = now - timedelta(days=1), now - timedelta(days=7)
        async with self._core.db.session() as s:
            by_role = dict(
                (await s.execute(select(UserRow.role, func.count()).group_by(UserRow.role))).all()
            )

            async def chatted(since: Any) -> set[int]:
                rows = await s.scalars(
                    select(ConversationMessageRow.user_id)
                    .where(ConversationMessageRow.created_at >= since)
                    .distinct()
                )
                return set(rows)

            day, week = await chatted(day_ago), await chatted(week_ago)
        counters: dict[str, float] = {}
        for source in self._sources:
            figures = await source.figures(day_ago, week_ago)
            day |= figures.active_since_day
            week |= figures.active_since_week
            counters.update(figures.counters)
        queue = await self._core.jobs.stats()
        return {
            "users": sum(by_role.values()),
            "users_by_role": {str(k): int(v) for k, v in sorted(by_role.items())},
            "active_today": len(day),
            "active_week": len(week),
            "failed_jobs": sum(k.failed for k in queue.kinds.values()),
            "queued_jobs": queue.depth,
            **counters,
        }

    # --- broadcasts -------------------------------------------------------------------

    async def recipients(self) -> int:
        async with self._core.db.session() as s:
            count = await s.scalar(
                select(func.count())
                .select_from(UserRow)
                .where(UserRow.role.in_([r.value for r in RECIPIENT_ROLES]))
            )
            return int(count or 0)

    async def broadcast(
        self, text: str, created_by: int | None, token: str | None = None
    ) -> Progress | None:
        """Start sending ``text`` to every user; None if ``token`` was already used (a
        confirmation pressed twice sends once)."""
        async with self._core.db.session() as s:
            if token is not None and await s.scalar(
                select(BroadcastRow.id).where(BroadcastRow.token == token)
            ):
                return None
            ids = list(
                await s.scalars(
                    select(UserRow.id).where(UserRow.role.in_([r.value for r in RECIPIENT_ROLES]))
                )
            )
            row = BroadcastRow(
                text=text[:MAX_TEXT], created_by=created_by, recipients=len(ids), token=token,
                created_at=self._core.clock.now(),
            )  # fmt: skip
            s.add(row)
            await s.flush()
            broadcast_id = row.id
        for user_id in ids:
            await self._core.jobs.enqueue(
                SEND_KIND,
                SendPayload(broadcast_id=broadcast_id, user_id=user_id),
                dedupe_key=f"{SEND_KIND}:{broadcast_id}:{user_id}",
                user_id=user_id,
            )
        log.info("broadcast_started", broadcast=broadcast_id, recipients=len(ids), by=created_by)
        return Progress(broadcast_id, len(ids), 0, 0)

    async def progress(self, broadcast_id: int) -> Progress | None:
        async with self._core.db.session() as s:
            row = await s.get(BroadcastRow, broadcast_id)
            if row is None:
                return None
            counts = dict(
                (
                    await s.execute(
                        select(BroadcastDeliveryRow.status, func.count())
                        .where(BroadcastDeliveryRow.broadcast_id == broadcast_id)
                        .group_by(BroadcastDeliveryRow.status)
                    )
                ).all()
            )
            return Progress(row.id, row.recipients, counts.get(SENT, 0), counts.get(FAILED, 0))

    def job_kind(self) -> JobKind[SendPayload]:
        return JobKind(SEND_KIND, SendPayload, self.send_one, retry=SEND_RETRY, concurrency=4)

    async def send_one(self, ctx: JobContext, payload: SendPayload) -> None:
        core = self._core
        async with core.db.session() as s:
            done = await s.get(BroadcastDeliveryRow, (payload.broadcast_id, payload.user_id))
            broadcast = await s.get(BroadcastRow, payload.broadcast_id)
        if done is not None or broadcast is None:
            return
        user = await core.users.get(payload.user_id)
        if user is None or not core.notifier.can_reach(user):
            await self._record(payload, FAILED, "unreachable")
            return
        try:
            await core.notifier.send(user, Text(literal(broadcast.text)))
        except RecipientUnreachable:
            await self._record(payload, FAILED, "blocked the bot")
            return
        except DeliveryFailed as exc:
            if ctx.attempt < SEND_RETRY.max_attempts:
                raise  # retried with back-off
            await self._record(payload, FAILED, str(exc)[:200])
            return
        await self._record(payload, SENT, "")

    async def _record(self, payload: SendPayload, status: str, reason: str) -> None:
        insert = sqlite_insert if self._core.db.is_sqlite else pg_insert
        values = {
            "broadcast_id": payload.broadcast_id, "user_id": payload.user_id, "status": status,
            "reason": reason, "at": self._core.clock.now(),
        }  # fmt: skip
        async with self._core.db.session() as s:
            await s.execute(insert(BroadcastDeliveryRow).values(**values).on_conflict_do_nothing())
        await self._report_when_done(payload.broadcast_id)

    async def _report_when_done(self, broadcast_id: int) -> None:
        progress = await self.progress(broadcast_id)
        if progress is None or progress.pending > 0:
            return
        async with self._core.db.session() as s:
            row = await s.get(BroadcastRow, broadcast_id)
            by = row.created_by if row is not None else None
        log.info("broadcast_done", broadcast=broadcast_id, **progress.as_dict())
        admin = await self._core.users.get(by) if by is not None else None
        if admin is None or not self._core.notifier.can_reach(admin):
            return
        lang = resolve_language(
            admin.language, admin.platform_language, self._core.default_language
        )
        text = self._core.catalog.t(
            "admin.broadcast.report", lang, delivered=progress.delivered, failed=progress.failed
        )
        await self._core.notifier.enqueue(
            admin, Text(text), key=f"admin.broadcast:{broadcast_id}:report"
        )


__all__ = ["AdminService", "Progress"]
