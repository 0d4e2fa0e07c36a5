"""Schedules on the injected clock: each tick once across schedulers, users' local times."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import BaseModel

from concierge.core.access import Role
from concierge.core.jobs import JobContext, JobKind, JobState
from concierge.core.messages import UserRef
from concierge.core.scheduler import Scheduler
from concierge.core.schedules import Cron, Every, Schedule, ScheduleError
from concierge.storage.db import Database
from concierge.storage.jobs import EmbeddedJobs
from concierge.storage.repos import UserRepo
from concierge.storage.schedules import SqlTickLedger, SqlUserSchedules
from tests.fakes.clock import FakeClock


class Tick(BaseModel):
    label: str = ""


@dataclass
class Rig:
    """One database, a fake clock, and any number of schedulers ("processes") on it."""

    db: Database
    clock: FakeClock
    jobs: EmbeddedJobs
    runs: list[tuple[datetime, int | None, str]] = field(default_factory=list)

    def scheduler(
        self, *schedules: Schedule, catch_up: timedelta = timedelta(hours=2)
    ) -> Scheduler:
        scheduler = Scheduler(
            jobs=self.jobs,
            ledger=SqlTickLedger(self.db, self.clock),
            user_schedules=SqlUserSchedules(self.db),
            users=UserRepo(self.db),
            clock=self.clock,
            user_catch_up=catch_up,
        )
        scheduler.add(schedules)
        return scheduler

    async def step(self, *schedulers: Scheduler, by: timedelta) -> None:
        self.clock.advance(by)
        for scheduler in schedulers:
            await scheduler.tick()
        await self.jobs.run_until_idle()


@pytest.fixture
async def rig(db: Database) -> Rig:
    clock = FakeClock(datetime(2026, 3, 6, 12, 0, tzinfo=UTC))
    jobs = EmbeddedJobs(db, clock=clock, poll_interval=0.05)
    rig = Rig(db, clock, jobs)

    async def record(ctx: JobContext, payload: Tick) -> None:
        info = await jobs.get(ctx.job_id)
        rig.runs.append((clock.now(), info.user_id if info else None, payload.label))

    jobs.register(JobKind("test.tick", Tick, record))
    return rig


EVERY_MINUTE = Schedule("test.every", "test.tick", Every(timedelta(minutes=1)))


async def test_two_schedulers_enqueue_each_tick_once_and_downtime_runs_it_once(rig: Rig) -> None:
    a, b = rig.scheduler(EVERY_MINUTE), rig.scheduler(EVERY_MINUTE)
    for _ in range(12):
        await rig.step(a, b, by=timedelta(seconds=20))
    # 4 minutes: the 12:00 tick (due at start) and :01 … :04, none doubled
    assert [when.minute for when, _, _ in rig.runs] == [0, 1, 2, 3, 4]
    await rig.step(a, b, by=timedelta(hours=3))  # nothing ran for three hours
    assert len(rig.runs) == 6  # the missed ticks run once, not 180 times
    jobs = await rig.jobs.list(kind="test.tick", limit=100)
    assert len({job.dedupe_key for job in jobs}) == 6


async def test_a_tick_missed_beyond_its_catch_up_window_is_skipped(rig: Rig) -> None:
    nightly = Schedule(
        "test.nightly",
        "test.tick",
        Cron("0 3 * * *"),
        catch_up=timedelta(hours=1),
    )
    scheduler = rig.scheduler(nightly)
    await rig.step(scheduler, by=timedelta(hours=14))  # 02:00 next day: the 03:00 is not yet
    assert rig.runs == []
    await rig.step(scheduler, by=timedelta(minutes=61))  # 03:01
    await rig.step(scheduler, by=timedelta(days=1, hours=2))  # back at 05:01 a day later
    assert [when.hour for when, _, _ in rig.runs] == [3]  # 03:00 of day 2 was too old to run


async def test_a_claim_whose_process_died_before_enqueueing_is_enqueued_by_another(
    rig: Rig,
) -> None:
    dead_ledger = SqlTickLedger(rig.db, rig.clock)
    tick = EVERY_MINUTE.trigger.latest(rig.clock.now())
    assert await dead_ledger.claim(EVERY_MINUTE.name, tick)  # …and then kill -9
    survivor = rig.scheduler(EVERY_MINUTE)
    await rig.step(survivor, by=timedelta(seconds=1))
    assert rig.runs == []  # the claim is the dead process's; it may still enqueue
    await rig.step(survivor, by=timedelta(seconds=31))
    assert len(rig.runs) == 1
    await rig.step(survivor, by=timedelta(seconds=31))
    assert len(rig.runs) == 2  # the next minute's tick, and the recovered one not again


async def _user(db: Database, platform_id: int, zone: str | None) -> int:
    users = UserRepo(db)
    user = await users.upsert(UserRef("telegram", platform_id), Role.USER)
    await users.set_timezone(user.id, zone)
    return user.id


async def test_users_nine_oclock_fires_at_their_local_nine_across_a_dst_change(rig: Rig) -> None:
    """Los Angeles moves its clocks on 8 March 2026; Tokyo never does."""
    tokyo = await _user(rig.db, 1, "Asia/Tokyo")
    la = await _user(rig.db, 2, "America/Los_Angeles")
    scheduler = rig.scheduler()
    for user_id in (tokyo, la):
        await scheduler.set_for_user(user_id, "morning", "test.tick", "0 9 * * *")
    for _ in range(4 * 24 * 2):  # four days in half-hour steps
        await rig.step(scheduler, by=timedelta(minutes=30))
    by_user: dict[int | None, list[datetime]] = {}
    for when, user_id, _ in rig.runs:
        by_user.setdefault(user_id, []).append(when)
    zones = {tokyo: ZoneInfo("Asia/Tokyo"), la: ZoneInfo("America/Los_Angeles")}
    for user_id, zone in zones.items():
        local = [when.astimezone(zone) for when in by_user[user_id]]
        assert [(t.hour, t.minute) for t in local] == [(9, 0)] * 4  # once a day, at 09:00
        assert len({t.date() for t in local}) == 4
    la_utc = [when.hour for when in by_user[la]]
    assert la_utc == [17, 17, 16, 16]  # 09:00 PST is 17:00 UTC, 09:00 PDT is 16:00 UTC


async def test_a_users_new_time_zone_moves_their_schedules(rig: Rig) -> None:
    user_id = await _user(rig.db, 3, None)  # the default zone, UTC
    scheduler = rig.scheduler()
    await scheduler.set_for_user(user_id, "digest", "test.tick", "30 21 * * *", {"label": "d"})
    await UserRepo(rig.db).set_timezone(user_id, "Europe/Moscow")
    await scheduler.retime_user(user_id)
    for _ in range(24 * 4):
        await rig.step(scheduler, by=timedelta(minutes=15))
    assert [(when.hour, when.minute, label) for when, _, label in rig.runs] == [(18, 30, "d")]
    assert await scheduler.remove_for_user(user_id, "digest")
    with pytest.raises(ScheduleError):
        await scheduler.set_for_user(user_id, "bad", "test.tick", "every day at nine")


async def test_a_schedule_whose_job_still_waits_adds_no_second_job(rig: Rig) -> None:
    poll = Schedule("test.poll", "test.tick", Every(timedelta(seconds=10)), dedupe_key="poll")
    scheduler = rig.scheduler(poll)
    for _ in range(3):  # three ticks, no worker running in between
        rig.clock.advance(10)
        await scheduler.tick()
    waiting = await rig.jobs.list(kind="test.tick", states=[JobState.QUEUED])
    assert len(waiting) == 1
