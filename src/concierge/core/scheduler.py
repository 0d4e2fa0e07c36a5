"""The scheduler: turns due ticks into jobs, exactly once across every process.

Each process runs one; a tick is enqueued by whichever process claims it first in
the shared ``TickLedger``. A process that dies between claiming and enqueueing
leaves a claim without a job; any live process re-enqueues it after
``recover_after`` (under the same dedupe key, so a job that did get queued is not
doubled while it waits).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import structlog

from concierge.core.clock import SYSTEM_CLOCK, Clock
from concierge.core.jobs import Jobs
from concierge.core.schedules import (
    Cron,
    Schedule,
    ScheduleError,
    TickLedger,
    UserSchedule,
    UserScheduleStore,
    tick_key,
    validate_cron,
)
from concierge.storage.repos import UserRepo

log = structlog.get_logger(__name__)

USER_PREFIX = "user:"
DUE_BATCH = 500


class Scheduler:
    def __init__(
        self,
        *,
        jobs: Jobs,
        ledger: TickLedger,
        user_schedules: UserScheduleStore,
        users: UserRepo,
        default_zone: str = "UTC",
        clock: Clock = SYSTEM_CLOCK,
        resolution: float = 0.5,
        recover_after: timedelta = timedelta(seconds=30),
        user_catch_up: timedelta = timedelta(hours=2),
    ) -> None:
        self._jobs = jobs
        self._ledger = ledger
        self._user_schedules = user_schedules
        self._users = users
        self._default_zone = default_zone
        self._clock = clock
        self._resolution = resolution
        self._recover_after = recover_after
        self._user_catch_up = user_catch_up
        self._schedules: dict[str, Schedule] = {}
        self._seen: dict[str, datetime] = {}  # last tick this process looked at, per schedule
        self._task: asyncio.Task[None] | None = None
        self._recovered_at: datetime | None = None

    def add(self, schedules: Iterable[Schedule]) -> None:
        for schedule in schedules:
            if schedule.name in self._schedules or schedule.name.startswith(USER_PREFIX):
                raise ValueError(f"schedule {schedule.name!r} registered twice or misnamed")
            self._schedules[schedule.name] = schedule

    @property
    def schedules(self) -> list[Schedule]:
        return list(self._schedules.values())

    # --- users' own schedules -------------------------------------------------

    async def zone_of(self, user_id: int) -> str:
        user = await self._users.get(user_id)
        return (user.timezone if user is not None else None) or self._default_zone

    async def set_for_user(
        self, user_id: int, name: str, kind: str, cron: str, payload: dict[str, Any] | None = None
    ) -> UserSchedule:
        """Create or change a user's schedule; ``cron`` is read in their time zone."""
        validate_cron(cron)
        next_at = Cron(cron, await self.zone_of(user_id)).following(self._clock.now())
        return await self._user_schedules.put(user_id, name, kind, cron, payload or {}, next_at)

    async def remove_for_user(self, user_id: int, name: str) -> bool:
        return await self._user_schedules.remove(user_id, name)

    async def for_user(self, user_id: int) -> list[UserSchedule]:
        """The user's own schedules (e.g. to show when their reminder is)."""
        return await self._user_schedules.for_user(user_id)

    async def retime_user(self, user_id: int) -> None:
        """The user's zone changed: their schedules' next ticks follow it."""
        for schedule in await self._user_schedules.for_user(user_id):
            await self.set_for_user(
                user_id, schedule.name, schedule.kind, schedule.cron, schedule.payload
            )

    # --- ticking --------------------------------------------------------------

    async def tick(self) -> None:
        """Enqueue every tick due now (one pass; the loop calls this, tests call it)."""
        now = self._clock.now()
        for schedule in self._schedules.values():
            await self._tick_static(schedule, now)
        for due in await self._user_schedules.due(now, DUE_BATCH):
            await self._tick_user(due, now)
        # dead claims can only appear recover_after old: looking every half of that is enough
        if self._recovered_at is None or now - self._recovered_at >= self._recover_after / 2:
            self._recovered_at = now
            await self._recover(now)

    async def _tick_static(self, schedule: Schedule, now: datetime) -> None:
        tick = schedule.trigger.latest(now)
        if self._seen.get(schedule.name) == tick:
            return
        self._seen[schedule.name] = tick
        if schedule.catch_up is not None and now - tick > schedule.catch_up:
            return  # missed while nothing ran and no longer relevant
        if await self._ledger.claim(schedule.name, tick):
            await self._enqueue(
                schedule.name, tick, schedule.kind, schedule.payload, schedule.dedupe_key
            )

    async def _tick_user(self, due: UserSchedule, now: datetime) -> None:
        try:
            following = Cron(due.cron, await self.zone_of(due.user_id)).following(now)
        except ScheduleError:
            following = Cron(due.cron, self._default_zone).following(now)
        name = f"{USER_PREFIX}{due.id}"
        if now - due.next_at <= self._user_catch_up and await self._ledger.claim(name, due.next_at):
            await self._enqueue(name, due.next_at, due.kind, due.payload, None, due.user_id)
        await self._user_schedules.advance(due.id, due.next_at, following)

    async def _enqueue(
        self,
        name: str,
        tick: datetime,
        kind: str,
        payload: dict[str, Any],
        dedupe_key: str | None,
        user_id: int | None = None,
    ) -> None:
        try:
            job_id = await self._jobs.enqueue(
                kind, payload, dedupe_key=dedupe_key or tick_key(name, tick), user_id=user_id
            )
        except Exception:
            log.exception("schedule_enqueue_failed", schedule=name, tick=tick.isoformat())
            return  # the claim stays open; recovery tries again
        await self._ledger.enqueued(name, tick, job_id)
        log.debug("schedule_ticked", schedule=name, tick=tick.isoformat(), job_id=job_id)

    async def _recover(self, now: datetime) -> None:
        for name, tick in await self._ledger.unfinished(now - self._recover_after):
            if name.startswith(USER_PREFIX):
                schedule_id = int(name.removeprefix(USER_PREFIX))
                found = await self._user_schedules.get(schedule_id)
                if found is None:
                    await self._ledger.enqueued(name, tick, 0)  # the schedule is gone
                    continue
                await self._enqueue(name, tick, found.kind, found.payload, None, found.user_id)
            elif name in self._schedules:
                static = self._schedules[name]
                await self._enqueue(name, tick, static.kind, static.payload, static.dedupe_key)

    async def run_once(self, name: str) -> int:
        """Enqueue schedule ``name``'s job now (operators, tests); returns the job id."""
        schedule = self._schedules[name]
        key = schedule.dedupe_key or tick_key(name, self._clock.now())
        return await self._jobs.enqueue(schedule.kind, schedule.payload, dedupe_key=key)

    # --- lifecycle ------------------------------------------------------------

    async def start(self) -> None:
        if self._task is not None:
            raise RuntimeError("scheduler already started")
        self._task = asyncio.create_task(self._loop(), name="scheduler")
        log.info("scheduler_started", schedules=sorted(self._schedules))

    async def _loop(self) -> None:
        while True:
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("scheduler_tick_failed")
            await asyncio.sleep(self._resolution)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
