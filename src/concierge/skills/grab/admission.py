"""Whether a link may join the queue, and where: limits checked against our own rows.

Checked at enqueue time, before anything is written, so a refused link leaves nothing
behind and the user is told which limit it hit:

- ``queue``: at most ``max_waiting`` downloads waiting (all users);
- ``daily_count`` / ``daily_bytes``: a user's links and delivered bytes since 00:00 UTC.

Running limits are the engine's: ``max_running`` is the job kind's concurrency, and a
user's links go round-robin into ``per_user`` lanes (one job at a time per lane), so at
most that many of theirs run at once. Fair order: a link's priority is minus the
number of that user's links already live, so every user's first link runs before
anyone's second.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import func, select

from concierge.core.clock import Clock
from concierge.core.jobs import LIVE_STATES, JobInfo, Jobs, JobState
from concierge.skills.grab.models import GrabRow
from concierge.skills.grab.settings import Limits
from concierge.storage.db import Database

KIND = "grab.download"


@dataclass(frozen=True, slots=True)
class Slot:
    lane: str
    priority: int
    position: int  # 1 = next to start


@dataclass(frozen=True, slots=True)
class Refused:
    limit: str  # "queue" | "daily_count" | "daily_bytes"
    value: int


class Admission:
    def __init__(self, db: Database, jobs: Jobs, clock: Clock, limits: Limits) -> None:
        self._db = db
        self._jobs = jobs
        self._clock = clock
        self.limits = limits

    async def waiting(self) -> list[JobInfo]:
        return await self._jobs.list(
            kind=KIND, states=[JobState.QUEUED], limit=self.limits.max_waiting + 1
        )

    async def today(self, user_id: int) -> tuple[int, int]:
        """(links accepted, bytes delivered) for this user since 00:00 UTC."""
        now = self._clock.now()
        midnight = datetime.combine(now.date(), time(0), tzinfo=now.tzinfo)
        async with self._db.session() as s:
            row = (
                await s.execute(
                    select(func.count(), func.coalesce(func.sum(GrabRow.size_bytes), 0)).where(
                        GrabRow.user_id == user_id, GrabRow.created_at >= midnight
                    )
                )
            ).one()
        return int(row[0]), int(row[1])

    async def check(self, user_id: int) -> Slot | Refused:
        limits = self.limits
        waiting = await self.waiting()
        if len(waiting) >= limits.max_waiting:
            return Refused("queue", limits.max_waiting)
        count, size = await self.today(user_id)
        if count >= limits.daily_count:
            return Refused("daily_count", limits.daily_count)
        if size >= limits.daily_bytes:
            return Refused("daily_bytes", limits.daily_bytes)
        live = await self._jobs.list(kind=KIND, states=LIVE_STATES, user_id=user_id, limit=1000)
        per_lane = Counter(job.lane for job in live)
        lanes = [f"grab:{user_id}:{n}" for n in range(limits.per_user)]
        lane = min(lanes, key=lambda name: (per_lane[name], lanes.index(name)))
        priority = -len(live)
        ahead = sum(1 for job in waiting if job.priority >= priority)
        return Slot(lane=lane, priority=priority, position=ahead + 1)

    async def position(self, job_id: int) -> int | None:
        """Where a waiting job stands now (1 = next), or None when it is not waiting."""
        waiting = sorted(await self.waiting(), key=lambda j: (-j.priority, j.id))
        for n, job in enumerate(waiting, 1):
            if job.id == job_id:
                return n
        return None
