"""The procrastinate engine beyond the contract: shutdown, silent workers, limits across
processes, and database trouble.

Two ``ProcrastinateJobs`` on one database stand in for worker processes;
``recover_stalled()`` runs one tending round by hand. procrastinate's own worker ends
when its fetch loop meets a database error; the engine runs it again after a pause, so an
outage costs a pause, not the process's worker. Cut connections heal by themselves (the
pool checks them, the listener reconnects).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from pydantic import BaseModel
from sqlalchemy import text
from structlog.testing import capture_logs

from concierge.adapters.procrastinate_jobs import ProcrastinateJobs
from concierge.core.jobs import JobContext, JobKind, JobState
from concierge.storage.db import Database
from tests.core.jobs_engines import EngineFactory, JobsHarness

pytestmark = pytest.mark.parametrize("jobs_engine_factory", ["procrastinate"], indirect=True)

_CUT = text(
    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
)


class Item(BaseModel):
    n: int


@pytest.fixture
def events() -> Iterator[list[dict[str, Any]]]:
    with capture_logs() as captured:
        yield captured


async def _sql(h: JobsHarness, statement: str) -> Any:
    db = h.jobs._db  # type: ignore[attr-defined]
    async with db.session() as s:
        result = await s.execute(text(statement))
        return result.scalar() if result.returns_rows else None


async def _until(check: Callable[[], Awaitable[Any]]) -> None:
    """Poll for work the engines' tasks do (a deadline, not a pause)."""
    async with asyncio.timeout(15):
        while True:
            if await check():
                return
            await asyncio.sleep(0.02)


async def _logged(events: list[dict[str, Any]], name: str) -> bool:
    return any(e["event"] == name for e in events)


def recorder() -> tuple[JobKind[Item], list[int]]:
    done: list[int] = []

    async def work(ctx: JobContext, payload: Item) -> None:
        done.append(payload.n)

    return JobKind("engine.item", Item, work), done


async def test_jobs_still_run_after_every_connection_was_cut(
    jobs_engine_factory: EngineFactory,
) -> None:
    kind, done = recorder()
    async with jobs_engine_factory(kind) as h:
        await h.wait_for(await h.jobs.enqueue(kind, Item(n=1)), JobState.SUCCEEDED)
        assert await _sql(h, str(_CUT)) >= 2  # the worker's listener and pool at least
        later = [await h.jobs.enqueue(kind, Item(n=n)) for n in range(2, 6)]
        await h.wait_all(later, JobState.SUCCEEDED)
    assert sorted(done) == [1, 2, 3, 4, 5]


async def test_a_worker_that_failed_on_the_database_is_run_again(
    jobs_engine_factory: EngineFactory, events: list[dict[str, Any]]
) -> None:
    kind, done = recorder()
    async with jobs_engine_factory(kind) as h:
        await h.wait_for(await h.jobs.enqueue(kind, Item(n=1)), JobState.SUCCEEDED)
        await _sql(h, "ALTER TABLE procrastinate_jobs RENAME TO procrastinate_jobs_away")
        try:
            # its next poll fails: the worker ends, and is run again after a pause
            await _until(lambda: _logged(events, "jobs.worker_restarting"))
        finally:
            await _sql(h, "ALTER TABLE procrastinate_jobs_away RENAME TO procrastinate_jobs")
        await h.wait_for(await h.jobs.enqueue(kind, Item(n=2)), JobState.SUCCEEDED, timeout=30)
    assert done == [1, 2]
    assert any(e["event"] == "jobs.worker_failed" for e in events)


class Blocking:
    """A handler that runs until released, remembering each attempt it saw."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.attempts: list[int] = []

    async def __call__(self, ctx: JobContext, payload: Item) -> None:
        self.attempts.append(ctx.attempt)
        self.started.set()
        async with asyncio.timeout(30):
            await self.release.wait()

    async def enqueued_and_running(self, h: JobsHarness, kind: JobKind[Item]) -> int:
        job_id = await h.jobs.enqueue(kind, Item(n=1))
        async with asyncio.timeout(10):
            await self.started.wait()
        return job_id


async def test_stop_hands_a_running_job_back_uncounted_and_a_restart_resumes_it(
    jobs_engine_factory: EngineFactory,
) -> None:
    blocking = Blocking()
    kind = JobKind("engine.block", Item, blocking)
    async with jobs_engine_factory(kind) as h:
        job_id = await blocking.enqueued_and_running(h, kind)
        await h.jobs.stop()  # the grace (0.5 s) runs out: the job is handed back
        info = await h.jobs.get(job_id)
        assert info is not None and (info.state, info.attempts) == (JobState.QUEUED, 0)
        blocking.release.set()
        await h.jobs.start()
        done = await h.wait_for(job_id, JobState.SUCCEEDED)
    assert blocking.attempts == [1, 1] and done.attempts == 1


def _second_worker(postgres_url: str, h: JobsHarness, kind: JobKind[Any]) -> ProcrastinateJobs:
    other = ProcrastinateJobs(
        Database(postgres_url), clock=h.clock, poll_interval=0.1, stale_after=3600, stop_grace=0.5
    )
    other.register(kind)
    return other


async def test_a_silent_workers_job_runs_again_and_its_late_end_changes_nothing(
    jobs_engine_factory: EngineFactory, postgres_url: str
) -> None:
    blocking = Blocking()
    kind = JobKind("engine.block", Item, blocking)
    async with jobs_engine_factory(kind) as h:
        job_id = await blocking.enqueued_and_running(h, kind)
        other = _second_worker(postgres_url, h, kind)
        try:
            await other.start()
            await _sql(  # the first worker falls silent (as if killed)
                h,
                "UPDATE procrastinate_workers SET last_heartbeat = now() - interval '2 hours'"
                " WHERE id = (SELECT worker_id FROM procrastinate_jobs WHERE status = 'doing')",
            )
            assert await other.recover_stalled() == 1
            await h.wait_for(job_id, JobState.RUNNING, where=lambda i: i.attempts == 2)
            blocking.release.set()  # both runs end; the silent one's end is not recorded
            info = await h.wait_for(job_id, JobState.SUCCEEDED)
        finally:
            await other.stop()
            await other._db.close()
    assert blocking.attempts == [1, 2]
    assert info.attempts == 2 and info.error is not None and "WorkerLost" in info.error
    assert info.state is JobState.SUCCEEDED


async def test_a_kind_limit_holds_across_worker_processes(
    jobs_engine_factory: EngineFactory, postgres_url: str
) -> None:
    blocking = Blocking()
    kind = JobKind("engine.block", Item, blocking, concurrency=1)
    async with jobs_engine_factory(kind) as h:
        other = _second_worker(postgres_url, h, kind)
        try:
            await other.start()
            ids = [await h.jobs.enqueue(kind, Item(n=n)) for n in range(2)]
            # the second was handed out and sent back (the kind was busy elsewhere)
            await _until(
                lambda: _sql(h, "SELECT count(*) FROM procrastinate_jobs WHERE attempts >= 1")
            )
            running = await h.jobs.list(kind=kind.name, states=[JobState.RUNNING])
            assert len(running) == 1 and blocking.attempts == [1]
            blocking.release.set()
            await h.wait_all(ids, JobState.SUCCEEDED)
        finally:
            await other.stop()
            await other._db.close()
    assert blocking.attempts == [1, 1]
