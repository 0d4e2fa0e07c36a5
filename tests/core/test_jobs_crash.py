"""kill -9 a worker mid-run: nothing is lost, every effect lands once, work resumes.

Two worker processes (``tests/support/job_worker.py``) share one database and drain 200
jobs. One is killed with SIGKILL while it runs jobs, then started again. Its jobs stop
sending heartbeats, go stale after ``STALE_AFTER`` seconds and are run again by a live
worker. Runs the embedded engine on SQLite (two processes on one file) and on Postgres,
and the procrastinate engine (its tending task retries the jobs of silent workers).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Select, func, select

from concierge.adapters.procrastinate_jobs import ProcrastinateJobs
from concierge.core.jobs import JobKind, Jobs, JobState
from concierge.storage.db import Database
from concierge.storage.jobs import EmbeddedJobs
from concierge.storage.models import JobRow
from tests.core.jobs_engines import PROCRASTINATE_TABLES, reset_postgres
from tests.support.job_worker import Work, effect_kind, effects, executions, metadata

ROOT = Path(__file__).resolve().parents[2]
JOBS = 200
STALE_AFTER = 2.0
RESUME_DEADLINE = 30.0


@pytest.fixture(params=["sqlite", "postgres", "procrastinate"])
def engine(request: pytest.FixtureRequest) -> str:
    """The engine and database: embedded on SQLite or Postgres, or procrastinate."""
    return str(request.param)


@pytest.fixture
async def shared_db(
    engine: str, request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[Database]:
    """A database both worker processes and the test open, with the effect tables."""
    if engine == "sqlite":
        db = Database(f"sqlite+aiosqlite:///{tmp_path / 'crash.db'}")
        await db.upgrade()
    else:
        db = Database(request.getfixturevalue("postgres_url"))
    async with db.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    if engine == "procrastinate":
        opener = ProcrastinateJobs(db)
        await opener.open()  # procrastinate's tables, to be emptied too
        await opener.stop()
    if not db.is_sqlite:
        tables = PROCRASTINATE_TABLES if engine == "procrastinate" else ()
        await reset_postgres(db, effects.name, executions.name, *tables)
    try:
        yield db
    finally:
        if not db.is_sqlite:
            async with db.engine.begin() as conn:
                await conn.run_sync(metadata.drop_all)
        await db.close()


class Workers:
    """Worker processes of the test; each one started is ended by the test's teardown."""

    def __init__(self, url: str, logs: Path, engine: str) -> None:
        self.url = url
        self.logs = logs
        self.engine = "procrastinate" if engine == "procrastinate" else "embedded"
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, worker_id: str) -> None:
        log = (self.logs / f"{worker_id}.log").open("wb")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        cmd = [sys.executable, "-m", "tests.support.job_worker", "--url", self.url]
        cmd += ["--worker-id", worker_id, "--stale-after", str(STALE_AFTER)]
        cmd += ["--engine", self.engine]
        self.procs[worker_id] = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )

    async def ready(self, worker_id: str) -> None:
        """Wait until the worker says it is claiming (its imports can take a while)."""
        log = self.logs / f"{worker_id}.log"

        async def says_ready() -> bool:
            return b"ready" in log.read_bytes()

        await _poll_until(f"{worker_id} to start", 60, says_ready)

    def kill(self, worker_id: str) -> None:
        proc = self.procs[worker_id]
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture
def workers(shared_db: Database, engine: str, tmp_path: Path) -> Iterator[Workers]:
    url = shared_db.engine.url.render_as_string(hide_password=False)
    pool = Workers(url, tmp_path, engine)
    try:
        yield pool
    finally:
        pool.stop_all()


async def _scalar(db: Database, query: Select[Any]) -> int:
    async with db.session() as s:
        return int(await s.scalar(query) or 0)


async def _running_on(db: Database, worker: str) -> set[int]:
    async with db.session() as s:
        rows = await s.scalars(
            select(JobRow.id).where(JobRow.worker == worker, JobRow.state == "running")
        )
        return set(rows)


async def _poll_until(what: str, deadline: float, check: Callable[[], Awaitable[bool]]) -> None:
    """Poll for work done by the other processes (a deadline, not a pause)."""
    start = time.monotonic()
    while not await check():
        if time.monotonic() - start > deadline:
            pytest.fail(f"gave up waiting for {what} after {deadline:g} s")
        await asyncio.sleep(0.05)


async def test_a_killed_worker_loses_nothing_and_its_jobs_run_again(
    shared_db: Database, workers: Workers, engine: str
) -> None:
    db = shared_db
    enqueuer: Jobs = ProcrastinateJobs(db) if engine == "procrastinate" else EmbeddedJobs(db)
    kind = effect_kind(db, "test")
    enqueuer.register(kind)
    try:
        await _kill_one_mid_run(db, workers, enqueuer, kind, engine)
    finally:
        await enqueuer.stop()


async def _kill_one_mid_run(
    db: Database, workers: Workers, enqueuer: Jobs, kind: JobKind[Work], engine: str
) -> None:
    workers.start("A-1")
    workers.start("B-1")
    await workers.ready("A-1")
    await workers.ready("B-1")
    for n in range(JOBS):
        await enqueuer.enqueue(kind, {"n": n, "seconds": 0.1})

    async def mid_run() -> bool:
        done = await _scalar(db, select(func.count()).select_from(effects))
        return done >= JOBS // 4 and bool(await _running_on(db, "A-1"))

    await _poll_until("A-1 to be busy mid-run", 60, mid_run)
    workers.kill("A-1")
    killed_at = time.monotonic()
    orphans = await _running_on(db, "A-1")
    workers.start("A-2")
    resumed_at: dict[int, float] = {}

    async def orphans_resumed() -> bool:
        async with db.session() as s:
            rows = (
                await s.execute(
                    select(JobRow.id, JobRow.state, JobRow.worker).where(JobRow.id.in_(orphans))
                )
            ).all()
        for job_id, state, worker in rows:
            if worker != "A-1" and state in ("running", "succeeded"):
                resumed_at.setdefault(job_id, time.monotonic() - killed_at)
        return len(resumed_at) == len(orphans)

    await _poll_until("the killed worker's jobs to run again", RESUME_DEADLINE, orphans_resumed)
    succeeded = select(func.count()).where(JobRow.state == JobState.SUCCEEDED.value)

    async def all_done() -> bool:
        return await _scalar(db, succeeded) == JOBS

    await _poll_until("every job to succeed", 60, all_done)

    async with db.session() as s:
        effect_jobs = list(await s.scalars(select(effects.c.job_id)))
        runs = (
            await s.execute(select(executions.c.job_id, func.count()).group_by(executions.c.job_id))
        ).all()
    lost = JOBS - await _scalar(db, succeeded)
    twice = {job_id: n for job_id, n in runs if n > 1}
    print(
        f"\n[{engine}] jobs={JOBS} lost={lost} effects={len(effect_jobs)} "
        f"distinct_effects={len(set(effect_jobs))} killed_while_running={len(orphans)} "
        f"ran_twice={len(twice)} {sorted(twice.items())} "
        f"resumed_within_s={max(resumed_at.values()):.2f} stale_after_s={STALE_AFTER:g}"
    )
    assert lost == 0
    assert sorted(effect_jobs) == sorted(set(effect_jobs)) and len(effect_jobs) == JOBS
    assert orphans, "the kill landed while A-1 ran nothing"
    assert set(twice) <= orphans  # only the killed worker's jobs may have run twice
