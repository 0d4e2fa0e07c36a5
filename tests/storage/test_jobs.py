"""The embedded engine beyond the contract: shutdown, stale recovery, several workers.

Several ``EmbeddedJobs`` on one database stand in for worker processes; ``tend()`` runs
one heartbeat round by hand, so nothing waits for a heartbeat interval.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import update
from structlog.testing import capture_logs

from concierge.core.jobs import JobContext, JobKind, JobState, Retry
from concierge.storage.db import Database
from concierge.storage.jobs import EmbeddedJobs
from concierge.storage.models import JobRow
from tests.fakes.clock import FakeClock


class Empty(BaseModel):
    pass


class Blocking:
    """A handler that runs until released, remembering how it was stopped."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.attempts: list[int] = []
        self.stopped_by: list[str] = []

    async def __call__(self, ctx: JobContext, payload: Empty) -> None:
        self.attempts.append(ctx.attempt)
        self.started.set()
        try:
            async with asyncio.timeout(30):
                await self.release.wait()
        except asyncio.CancelledError:
            self.stopped_by.append("cancelled")
            raise


def engine(db: Database, clock: FakeClock, *kinds: JobKind[Any], **options: Any) -> EmbeddedJobs:
    settings: dict[str, Any] = {
        "poll_interval": 0.02,
        "heartbeat_interval": 4.0,  # the tests call tend() themselves rather than wait for it
        "stale_after": 10.0,
        "stop_grace": 0.05,
    }
    jobs = EmbeddedJobs(db, clock=clock, **{**settings, **options})
    for kind in kinds:
        jobs.register(kind)
    return jobs


async def _until(check: Any) -> None:
    """Poll for work the engine's tasks do (a deadline, not a pause)."""
    async with asyncio.timeout(10):
        while True:
            if await check():
                return
            await asyncio.sleep(0.01)


async def _state(jobs: EmbeddedJobs, job_id: int) -> JobState:
    info = await jobs.get(job_id)
    assert info is not None
    return info.state


async def test_stop_hands_a_running_job_back_uncounted_and_a_restart_resumes_it(
    db: Database,
) -> None:
    clock = FakeClock()
    blocking = Blocking()
    kind = JobKind("t.block", Empty, blocking)
    first = engine(db, clock, kind)
    await first.start()
    job_id = await first.enqueue(kind, {})
    await asyncio.wait_for(blocking.started.wait(), 10)
    await first.stop()
    info = await first.get(job_id)
    assert info is not None and (info.state, info.attempts) == (JobState.QUEUED, 0)
    assert blocking.stopped_by == ["cancelled"]

    blocking.release.set()
    again = engine(db, clock, kind)
    assert await again.run_until_idle() == 1
    assert await _state(again, job_id) is JobState.SUCCEEDED
    assert blocking.attempts == [1, 1]  # the interrupted run did not use up an attempt


async def test_stop_lets_a_job_that_ends_within_the_grace_finish(db: Database) -> None:
    blocking = Blocking()
    kind = JobKind("t.block", Empty, blocking)
    jobs = engine(db, FakeClock(), kind, stop_grace=10.0)
    await jobs.start()
    job_id = await jobs.enqueue(kind, {})
    await asyncio.wait_for(blocking.started.wait(), 10)
    stopping = asyncio.create_task(jobs.stop())
    await asyncio.sleep(0)
    blocking.release.set()
    await stopping
    assert await _state(jobs, job_id) is JobState.SUCCEEDED


async def _silent_job(db: Database, clock: FakeClock, **values: Any) -> int:
    """A job a worker claimed and then went silent on (killed) 30 s ago."""
    now = clock.now()
    fields: dict[str, Any] = {
        "kind": "t.echo",
        "payload": {},
        "state": "running",
        "worker": "dead-worker",
        "attempts": 1,
        "priority": 0,
        "cancel_requested": False,
        "run_at": now - timedelta(seconds=31),
        "created_at": now - timedelta(seconds=31),
        "started_at": now - timedelta(seconds=30),
        "heartbeat_at": now - timedelta(seconds=30),
    }
    row = JobRow(**{**fields, **values})
    async with db.session() as s:
        s.add(row)
        await s.flush()
        return row.id


async def test_a_silent_workers_job_goes_back_to_the_queue_and_runs_again(db: Database) -> None:
    clock = FakeClock()
    seen: list[int] = []

    async def echo(ctx: JobContext, payload: Empty) -> None:
        seen.append(ctx.attempt)

    jobs = engine(db, clock, JobKind("t.echo", Empty, echo, retry=Retry(max_attempts=3)))
    fresh = await _silent_job(db, clock, heartbeat_at=clock.now() - timedelta(seconds=5))
    stale = await _silent_job(db, clock)
    with capture_logs() as logs:
        await jobs.tend()
    assert await _state(jobs, fresh) is JobState.RUNNING  # 5 s of silence is within bounds
    info = await jobs.get(stale)
    assert info is not None and info.state is JobState.QUEUED
    assert info.error is not None and "dead-worker" in info.error
    assert [e["job_id"] for e in logs if e["event"] == "job.recovered"] == [stale]
    assert await jobs.run_until_idle() == 1
    assert seen == [2]  # the lost run counted as an attempt


async def test_a_stale_job_out_of_attempts_fails_and_a_cancelled_one_ends_cancelled(
    db: Database,
) -> None:
    clock = FakeClock()
    jobs = engine(db, clock, JobKind("t.echo", Empty, Blocking(), retry=Retry(max_attempts=1)))
    spent = await _silent_job(db, clock)
    asked = await _silent_job(db, clock, cancel_requested=True)
    await jobs.tend()
    assert await _state(jobs, spent) is JobState.FAILED
    assert await _state(jobs, asked) is JobState.CANCELLED


async def test_a_worker_that_lost_its_job_stops_it_and_leaves_the_new_owners_row(
    db: Database,
) -> None:
    clock = FakeClock()
    blocking = Blocking()
    kind = JobKind("t.block", Empty, blocking)
    jobs = engine(db, clock, kind)
    await jobs.start()
    try:
        job_id = await jobs.enqueue(kind, {})
        await asyncio.wait_for(blocking.started.wait(), 10)
        async with db.session() as s:  # another worker took it over (we looked stale)
            await s.execute(update(JobRow).where(JobRow.id == job_id).values(worker="other"))
        await jobs.tend()

        async def idle() -> bool:
            return not jobs.running()

        await _until(idle)
    finally:
        await jobs.stop()
    info = await jobs.get(job_id)
    assert info is not None and (info.state, info.attempts) == (JobState.RUNNING, 1)
    assert blocking.stopped_by == ["cancelled"]


async def test_a_cancel_asked_by_another_process_stops_the_job_at_the_next_heartbeat(
    db: Database,
) -> None:
    clock = FakeClock()
    blocking = Blocking()
    kind = JobKind("t.block", Empty, blocking)
    worker, web = engine(db, clock, kind), engine(db, clock, kind)
    await worker.start()
    try:
        job_id = await web.enqueue(kind, {})
        await asyncio.wait_for(blocking.started.wait(), 10)
        assert await web.cancel(job_id) is True
        await worker.tend()

        async def cancelled() -> bool:
            return await _state(web, job_id) is JobState.CANCELLED

        await _until(cancelled)
    finally:
        await worker.stop()
    assert blocking.stopped_by == ["cancelled"]


async def test_a_kind_limit_counts_jobs_running_on_other_workers(db: Database) -> None:
    clock = FakeClock()
    blocking = Blocking()
    limited = JobKind("t.block", Empty, blocking, concurrency=1)
    ran: list[str] = []

    async def other(ctx: JobContext, payload: Empty) -> None:
        ran.append("other")

    unlimited = JobKind("t.other", Empty, other)
    first, second = engine(db, clock, limited), engine(db, clock, limited, unlimited)
    await first.start()
    try:
        ids = [await first.enqueue(limited, {}) for _ in range(3)]
        await asyncio.wait_for(blocking.started.wait(), 10)
        await second.enqueue(unlimited, {})
        assert await second.run_until_idle() == 1  # only the unlimited job: the limit is full
        assert ran == ["other"]
        blocking.release.set()

        async def all_done() -> bool:
            return all([await _state(first, i) is JobState.SUCCEEDED for i in ids])

        await _until(all_done)
    finally:
        await first.stop()


async def test_each_failure_is_logged_once_with_its_context(db: Database) -> None:
    async def broken(ctx: JobContext, payload: Empty) -> None:
        raise ValueError("disk full")

    kind = JobKind("t.broken", Empty, broken, retry=Retry(max_attempts=2, base=timedelta(0)))
    jobs = engine(db, FakeClock(), kind)
    job_id = await jobs.enqueue(kind, {})
    with capture_logs() as logs:
        await jobs.run_until_idle()
    failures = [e for e in logs if e["event"] in ("job.retrying", "job.failed")]
    assert [(e["event"], e["attempt"]) for e in failures] == [
        ("job.retrying", 1),
        ("job.failed", 2),
    ]
    assert all(e["job_id"] == job_id and e["error"] == "ValueError: disk full" for e in failures)


async def test_a_stored_payload_that_no_longer_validates_fails_at_once(db: Database) -> None:
    class Strict(BaseModel):
        name: str

    async def handle(ctx: JobContext, payload: Strict) -> None:
        return None

    jobs = engine(db, FakeClock(), JobKind("t.strict", Strict, handle))
    job_id = await jobs.enqueue("t.strict", {"name": "x"})
    async with db.session() as s:  # written by an older version of the skill
        await s.execute(update(JobRow).where(JobRow.id == job_id).values(payload={"title": "x"}))
    await jobs.run_until_idle()
    info = await jobs.get(job_id)
    assert info is not None and (info.state, info.attempts) == (JobState.FAILED, 1)
