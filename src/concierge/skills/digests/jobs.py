"""Digests on time, exactly once: per-user schedules → ``digests.build`` jobs → one notice.

Each local 09:00 (or the chosen hour and weekday) is a user schedule tick, claimed once
across processes. The job works out which local date the tick belongs to, waits out
quiet hours (re-enqueued for their end under a key per user, kind and date), builds or
re-reads the stored digest, and queues it with ``Notifier.enqueue`` under
``digest:<user>:<kind>:<date>``: restarts, kill -9 and replicas send it once; a push
that fails is retried by ``notify.send``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Literal

import structlog
from pydantic import BaseModel

from concierge.core.buttons import ButtonStore
from concierge.core.deps import CoreServices
from concierge.core.jobs import JobContext, JobKind
from concierge.core.messages import Button, Text
from concierge.core.schedules import Cron
from concierge.skills.digests.quiet import quiet_until
from concierge.skills.digests.render import digest_reply
from concierge.skills.digests.service import DigestService
from concierge.skills.digests.store import Digest, Prefs
from concierge.storage.repos import UserRecord

log = structlog.get_logger(__name__)

BUILD = "digests.build"
SCHEDULES = {"daily": "digests.daily", "weekly": "digests.weekly"}
BUTTON_TTL = timedelta(days=14)


class DigestPayload(BaseModel):
    user_id: int
    kind: Literal["daily", "weekly"]
    day: str | None = None  # set once known (a digest waiting out quiet hours)


def notice_key(user_id: int, kind: str, day: str) -> str:
    return f"digest:{user_id}:{kind}:{day}"


def crons(prefs: Prefs) -> dict[str, str]:
    """The schedules these preferences ask for (cron weekday 0 is Sunday)."""
    found: dict[str, str] = {}
    if prefs.daily:
        found["daily"] = f"0 {prefs.hour} * * *"
    if prefs.weekly:
        found["weekly"] = f"0 {prefs.hour} * * {prefs.weekday % 7}"
    return found


class DigestJobs:
    def __init__(self, core: CoreServices, service: DigestService, buttons: ButtonStore) -> None:
        self._core = core
        self._service = service
        self._buttons = buttons

    async def apply(self, prefs: Prefs) -> None:
        """Make the user's schedules match ``prefs`` (set, moved or removed)."""
        wanted = crons(prefs)
        for kind, name in SCHEDULES.items():
            if kind in wanted:
                payload = DigestPayload(user_id=prefs.user_id, kind=kind).model_dump()
                await self._core.scheduler.set_for_user(
                    prefs.user_id, name, BUILD, wanted[kind], payload
                )
            else:
                await self._core.scheduler.remove_for_user(prefs.user_id, name)

    def job_kind(self) -> JobKind[DigestPayload]:
        return JobKind(BUILD, DigestPayload, self.run, timeout=300.0)

    async def _tick_day(self, user_id: int, kind: str) -> date | None:
        """The local date of the schedule tick this job belongs to (not of "now": a
        catch-up after midnight still belongs to yesterday's tick)."""
        name = SCHEDULES[kind]
        found = next(
            (s for s in await self._core.scheduler.for_user(user_id) if s.name == name), None
        )
        if found is None:
            return None
        zone = await self._core.scheduler.zone_of(user_id)
        tick = Cron(found.cron, zone).latest(self._core.clock.now())
        return tick.astimezone(await self._service.zone(user_id)).date()

    async def run(self, _ctx: JobContext, payload: DigestPayload) -> None:
        core, user_id, kind = self._core, payload.user_id, payload.kind
        user = await core.users.get(user_id)
        prefs = await self._service.store.prefs(user_id)
        if user is None or user.unreachable or not getattr(prefs, kind):
            log.info("digest_skipped", user_id=user_id, kind=kind, reason="unsubscribed")
            return
        day = (
            date.fromisoformat(payload.day) if payload.day else await self._tick_day(user_id, kind)
        )
        if day is None:
            log.info("digest_skipped", user_id=user_id, kind=kind, reason="no schedule")
            return
        until = quiet_until(prefs.quiet, core.clock.now(), await self._service.zone(user_id))
        if until is not None:
            await core.jobs.enqueue(
                BUILD,
                DigestPayload(user_id=user_id, kind=kind, day=day.isoformat()),
                run_at=until,
                dedupe_key=f"digests.wait:{user_id}:{kind}:{day.isoformat()}",
                user_id=user_id,
            )
            log.info(
                "digest_waits", user_id=user_id, kind=kind, day=day.isoformat(), until=str(until)
            )
            return
        key = notice_key(user_id, kind, day.isoformat())
        if await core.notifier.sent(key) is not None:
            return  # this run is a repeat: the digest went out
        digest = await self._service.digest(user, kind, day)
        reply = await self.reply(user, digest)
        await core.notifier.enqueue(user, reply, key=key)

    async def reply(self, user: UserRecord, digest: Digest) -> Text:
        lang = self._service.language.of(user)
        catalog = self._core.catalog

        def t(key: str, **values: object) -> str:
            return catalog.t(key, lang, **values)

        async def button(label: str, action: str, payload: Any) -> Button:
            button_id = await self._buttons.create(
                owner_user_id=user.id, action=action, payload=dict(payload), ttl=BUTTON_TTL
            )
            return Button(label=label, id=button_id)

        return await digest_reply(t, digest, date.fromisoformat(digest.local_date), button)
