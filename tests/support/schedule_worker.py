"""A process running jobs and the scheduler (``python -m tests.support.schedule_worker``).

For the two-process schedule trial: one schedule every ``--every`` seconds enqueues
``trial.tick``; each run records (job id, worker) so the test can count ticks that
ran twice. Exits by itself after ``--seconds``.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import timedelta

from pydantic import BaseModel
from sqlalchemy import Column, Integer, MetaData, String, Table, insert

from concierge.core.jobs import JobContext, JobKind
from concierge.core.scheduler import Scheduler
from concierge.core.schedules import Every, Schedule
from concierge.storage.db import Database
from concierge.storage.jobs import EmbeddedJobs
from concierge.storage.repos import UserRepo
from concierge.storage.schedules import SqlTickLedger, SqlUserSchedules

metadata = MetaData()
tick_runs = Table(
    "trial_tick_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job_id", Integer, nullable=False),
    Column("worker", String(100), nullable=False),
)

SCHEDULE = "trial.every"


class Nothing(BaseModel):
    """The tick needs no arguments."""


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--worker-id", required=True)
    parser.add_argument("--every", type=float, default=2.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    db = Database(args.url)
    jobs = EmbeddedJobs(db, worker_id=args.worker_id, poll_interval=0.05, stop_grace=1.0)

    async def record(ctx: JobContext, _payload: Nothing) -> None:
        async with db.session() as s:
            await s.execute(insert(tick_runs).values(job_id=ctx.job_id, worker=args.worker_id))

    jobs.register(JobKind("trial.tick", Nothing, record))
    scheduler = Scheduler(
        jobs=jobs,
        ledger=SqlTickLedger(db),
        user_schedules=SqlUserSchedules(db),
        users=UserRepo(db),
        resolution=0.1,
    )
    scheduler.add([Schedule(SCHEDULE, "trial.tick", Every(timedelta(seconds=args.every)))])
    await jobs.start()
    await scheduler.start()
    print("ready", args.worker_id, flush=True)
    await asyncio.sleep(args.seconds)  # the trial's length: this process's whole life
    await scheduler.stop()
    await jobs.stop()
    await db.close()


if __name__ == "__main__":
    asyncio.run(main())
