"""A job worker process for the crash test (``python -m tests.support.job_worker``).

Runs the embedded or the procrastinate engine (``--engine``) with one kind, ``crash.effect``, until SIGTERM (or kill -9).
Each run first records an execution (so the test can count runs that happened twice),
then does its "work", then writes its effect under the job's id, once whatever happens.
"""

from __future__ import annotations

import argparse
import asyncio
import signal

from pydantic import BaseModel
from sqlalchemy import Column, Integer, MetaData, String, Table, insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from concierge.adapters.procrastinate_jobs import ProcrastinateJobs
from concierge.core.jobs import JobContext, JobKind, Jobs
from concierge.storage.db import Database
from concierge.storage.jobs import EmbeddedJobs

metadata = MetaData()
effects = Table(
    "crash_effects",
    metadata,
    Column("job_id", Integer, primary_key=True),
    Column("n", Integer, nullable=False),
    Column("worker", String(100), nullable=False),
)
executions = Table(
    "crash_executions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job_id", Integer, nullable=False, index=True),
    Column("worker", String(100), nullable=False),
)


class Work(BaseModel):
    n: int
    seconds: float


def effect_kind(db: Database, worker: str) -> JobKind[Work]:
    """The kind under test: its effect is keyed by job id, so a rerun cannot double it."""

    async def handle(ctx: JobContext, payload: Work) -> None:
        async with db.session() as s:
            await s.execute(insert(executions).values(job_id=ctx.job_id, worker=worker))
        await asyncio.sleep(payload.seconds)  # the work (a download, a transcode…)
        dialect_insert = sqlite_insert if db.is_sqlite else pg_insert
        row = dialect_insert(effects).values(job_id=ctx.job_id, n=payload.n, worker=worker)
        async with db.session() as s:
            await s.execute(row.on_conflict_do_nothing(index_elements=["job_id"]))

    return JobKind("crash.effect", Work, handle)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--worker-id", required=True)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--heartbeat", type=float, default=0.25)
    parser.add_argument("--stale-after", type=float, default=2.0)
    parser.add_argument("--engine", choices=["embedded", "procrastinate"], default="embedded")
    args = parser.parse_args()
    db = Database(args.url)
    jobs: Jobs
    if args.engine == "procrastinate":  # heartbeats every stale_after/4 s, polls as deployed
        jobs = ProcrastinateJobs(
            db,
            worker_id=args.worker_id,
            concurrency=args.concurrency,
            poll_interval=0.5,
            stale_after=args.stale_after,
            stop_grace=1.0,
        )
    else:
        jobs = EmbeddedJobs(
            db,
            worker_id=args.worker_id,
            concurrency=args.concurrency,
            poll_interval=0.05,
            heartbeat_interval=args.heartbeat,
            stale_after=args.stale_after,
            stop_grace=1.0,
        )
    jobs.register(effect_kind(db, args.worker_id))
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await jobs.start()
    print("ready", args.worker_id, flush=True)
    await stop.wait()
    await jobs.stop()
    await db.close()


if __name__ == "__main__":
    asyncio.run(main())
