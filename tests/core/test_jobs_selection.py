"""``JOBS_BACKEND`` picks the job engine, and ``concierge worker`` runs the one picked.

``auto`` means procrastinate when the database is Postgres and the embedded engine on
SQLite; either can be named outright (procrastinate refuses SQLite, saying why).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import text

from concierge.adapters.procrastinate_jobs import ProcrastinateJobs
from concierge.bootstrap import build_jobs
from concierge.core.jobs import JobContext, JobKind, JobState
from concierge.serve import run_worker
from concierge.skills.downloads.monitor import POLL_KIND, PollPayload
from concierge.storage.db import Database
from concierge.storage.jobs import EmbeddedJobs
from tests.core.jobs_engines import PROCRASTINATE_TABLES, reset_postgres
from tests.support.app import test_settings as make_settings

PG_URL = "postgresql+asyncpg://concierge:secret@127.0.0.1:5432/concierge"


@pytest.mark.parametrize(
    ("backend", "url", "engine"),
    [
        ("auto", None, EmbeddedJobs),  # SQLite in the data directory
        ("auto", PG_URL, ProcrastinateJobs),
        ("embedded", PG_URL, EmbeddedJobs),
        ("procrastinate", PG_URL, ProcrastinateJobs),
    ],
)
async def test_jobs_backend_picks_the_engine(
    tmp_path: Path, backend: str, url: str | None, engine: type
) -> None:
    settings = make_settings(
        tmp_path, jobs_backend=backend, database_url=SecretStr(url) if url else None
    )
    db = Database(settings.effective_database_url())  # nothing connects yet
    try:
        jobs = build_jobs(settings, db)
        assert isinstance(jobs, engine)
        assert settings.effective_jobs_backend() == engine.__name__.removesuffix("Jobs").lower()
    finally:
        await db.close()


async def test_procrastinate_on_sqlite_is_refused_with_the_reason(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, jobs_backend="procrastinate")
    db = Database(settings.effective_database_url())
    try:
        with pytest.raises(ValueError, match="needs a Postgres DATABASE_URL"):
            build_jobs(settings, db)
    finally:
        await db.close()


async def _ignored(ctx: JobContext, payload: PollPayload) -> None:
    raise AssertionError("only the worker runs this kind")


async def test_concierge_worker_on_postgres_runs_jobs_enqueued_elsewhere(
    tmp_path: Path, postgres_url: str
) -> None:
    """``auto`` on Postgres: the worker runs procrastinate and takes a job another
    process (here: an enqueue-only engine) queued for one of the app's kinds."""
    db = Database(postgres_url)
    web = ProcrastinateJobs(db)  # the web process's engine: enqueues, runs nothing
    web.register(JobKind(POLL_KIND, PollPayload, _ignored))
    await web.open()
    await reset_postgres(db, *PROCRASTINATE_TABLES)
    stop = asyncio.Event()
    settings = make_settings(tmp_path, database_url=SecretStr(postgres_url))
    worker = asyncio.create_task(run_worker(settings, stop=stop), name="concierge-worker")
    try:
        job_id = await web.enqueue(POLL_KIND, PollPayload())
        async with asyncio.timeout(30):
            while (info := await web.get(job_id)) is None or info.state is not JobState.SUCCEEDED:
                assert not worker.done(), "the worker stopped early"
                await asyncio.sleep(0.05)
        async with db.session() as s:
            workers = await s.scalar(text("SELECT count(*) FROM procrastinate_workers"))
        assert workers == 1  # the worker registered with procrastinate
        assert info.attempts == 1 and info.error is None
    finally:
        stop.set()
        async with asyncio.timeout(30):
            await worker
        await web.stop()
    try:
        async with db.session() as s:  # it unregistered on its way out
            assert await s.scalar(text("SELECT count(*) FROM procrastinate_workers")) == 0
    finally:
        await db.close()
