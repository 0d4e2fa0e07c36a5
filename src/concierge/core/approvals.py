"""Asking the owners about strangers: as jobs, capped, summed up.

Each prompt is a ``notify.send`` job (stored, so a shutdown or crash loses none and
the dispatcher never waits on Telegram's pacing). An owner gets at most
``PER_HOUR`` individual prompts an hour; past that one summary job per owner and hour
says how many more people are waiting, with a button that lists them.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import structlog
from pydantic import BaseModel

from concierge.core.access import Role
from concierge.core.buttons import ButtonStore
from concierge.core.clock import SYSTEM_CLOCK, Clock
from concierge.core.i18n import Catalog, resolve_language
from concierge.core.jobs import LIVE_STATES, JobContext, JobKind
from concierge.core.messages import Button, Text
from concierge.core.notify import NOTIFY_SEND, DeliveryFailed, Notifier
from concierge.core.skill import Context
from concierge.storage.repos import UserRecord, UserRepo

log = structlog.get_logger(__name__)

PER_HOUR = 10
SHOWN = 20  # pending people listed by the summary's button
APPROVE_ACTION = "access.approve"
BLOCK_ACTION = "access.block"
LIST_ACTION = "access.list"
SUMMARY_KIND = "access.summary"


class SummaryPayload(BaseModel):
    owner_id: int


def prompt_key(stranger_id: int, owner_id: int) -> str:
    return f"access.prompt:{stranger_id}:{owner_id}"


class Approvals:
    def __init__(
        self,
        *,
        users: UserRepo,
        notifier: Notifier,
        buttons: ButtonStore,
        catalog: Catalog,
        default_language: str,
        clock: Clock = SYSTEM_CLOCK,
        per_hour: int = PER_HOUR,
    ) -> None:
        self._users = users
        self._notifier = notifier
        self._buttons = buttons
        self._catalog = catalog
        self._default_language = default_language
        self._clock = clock
        self._per_hour = per_hour
        # count-then-queue must not interleave, or a burst slips past the cap
        self._lock = asyncio.Lock()

    def _lang(self, user: UserRecord) -> str:
        return resolve_language(user.language, user.platform_language, self._default_language)

    def job_kind(self) -> JobKind[SummaryPayload]:
        return JobKind(SUMMARY_KIND, SummaryPayload, self._send_summary)

    async def prompt_owners(self, stranger: UserRecord) -> None:
        """Queue a prompt for each reachable owner, or count the stranger into a summary."""
        queued = 0
        for owner in await self._users.list(Role.OWNER):
            if not self._notifier.can_queue_for(owner):
                continue
            try:
                async with self._lock:
                    if await self._prompted_last_hour(owner) < self._per_hour:
                        await self._queue_prompt(owner, stranger)
                    else:
                        await self._queue_summary(owner)
                queued += 1
            except DeliveryFailed as exc:
                log.warning("approval_prompt_failed", owner=owner.key, reason=str(exc))
        if not queued:
            log.warning(
                "approval_prompt_undelivered",
                stranger=stranger.key,
                hint="approve with `concierge users approve`",
            )

    async def _prompted_last_hour(self, owner: UserRecord) -> int:
        if not self._notifier.has_jobs:
            return 0
        since = self._clock.now() - timedelta(hours=1)
        jobs = await self._notifier.jobs.list(
            kind=NOTIFY_SEND, user_id=owner.id, limit=self._per_hour * 4
        )
        return sum(
            1
            for job in jobs
            if (job.dedupe_key or "").startswith("access.prompt:") and job.created_at >= since
        )

    async def _queue_prompt(self, owner: UserRecord, stranger: UserRecord) -> None:
        prompt = await self._prompt(owner, stranger)
        if self._notifier.has_jobs:
            await self._notifier.enqueue(owner, prompt, key=prompt_key(stranger.id, owner.id))
        else:  # a notifier without a job engine (some tests): straight out
            await self._notifier.send(owner, prompt)

    async def _prompt(self, owner: UserRecord, stranger: UserRecord) -> Text:
        lang = self._lang(owner)
        payload = {"user_id": stranger.id}
        approve = await self._buttons.create(
            owner_user_id=owner.id, action=APPROVE_ACTION, payload=payload
        )
        block = await self._buttons.create(
            owner_user_id=owner.id, action=BLOCK_ACTION, payload=payload
        )
        return Text(
            self._catalog.t(
                "access.approval_prompt", lang, name=stranger.display_name or "?", user=stranger.key
            ),
            buttons=(
                (
                    Button(self._catalog.t("access.approve", lang), id=approve),
                    Button(self._catalog.t("access.block", lang), id=block),
                ),
            ),
        )

    async def _queue_summary(self, owner: UserRecord) -> None:
        """One summary per owner per hour, sent when that hour ends."""
        now = self._clock.now()
        hour_end = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        await self._notifier.jobs.enqueue(
            SUMMARY_KIND,
            SummaryPayload(owner_id=owner.id),
            dedupe_key=f"access.summary:{owner.id}:{hour_end.isoformat()}",
            run_at=hour_end,
            user_id=owner.id,
        )

    async def _unprompted(self, owner: UserRecord) -> list[UserRecord]:
        """Pending people this owner has no prompt for: neither sent nor still queued."""
        waiting = await self._users.list(Role.PENDING)
        queued = {
            job.dedupe_key
            for job in await self._notifier.jobs.list(
                kind=NOTIFY_SEND, states=LIVE_STATES, user_id=owner.id, limit=500
            )
        }
        return [
            u
            for u in waiting
            if prompt_key(u.id, owner.id) not in queued
            and await self._notifier.sent(prompt_key(u.id, owner.id)) is None
        ]

    async def _send_summary(self, _ctx: JobContext, payload: SummaryPayload) -> None:
        owner = await self._users.get(payload.owner_id)
        if owner is None:
            return
        waiting = await self._unprompted(owner)
        if not waiting:
            return  # all decided meanwhile
        lang = self._lang(owner)
        show = await self._buttons.create(owner_user_id=owner.id, action=LIST_ACTION, payload={})
        text = Text(
            self._catalog.t("access.summary", lang, count=len(waiting)),
            buttons=((Button(self._catalog.t("access.show_waiting", lang), id=show),),),
        )
        hour = self._clock.now().replace(minute=0, second=0, microsecond=0)
        await self._notifier.enqueue(owner, text, key=f"access.summary:{owner.id}:{_iso(hour)}")

    async def list_waiting(self, ctx: Context, _payload: dict[str, Any]) -> None:
        """The summary's button: everyone still waiting, each with Approve / Block."""
        if not ctx.user.role.allows(Role.ADMIN):
            await ctx.reply(ctx.t("access.forbidden"))
            return
        waiting = (await self._users.list(Role.PENDING))[:SHOWN]
        if not waiting:
            await ctx.reply(ctx.t("access.none_waiting"))
            return
        for stranger in waiting:
            await ctx.reply(await self._prompt(ctx.user, stranger))


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="minutes")
