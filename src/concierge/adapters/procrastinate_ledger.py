"""The procrastinate engine's writes that must be one transaction with procrastinate's.

An enqueue inserts the ledger row (``jobs``) and defers the procrastinate job on the
same psycopg connection, in one transaction: a crash in between leaves neither, so no
ledger row waits for a job that does not exist, and no job runs without its row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from procrastinate import App
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.jobs import Job
from procrastinate.schema import SchemaManager
from psycopg import AsyncConnection
from psycopg.types.json import Json
from psycopg_pool import AsyncConnectionPool

from concierge.storage.db import Database

log = structlog.get_logger(__name__)

# a kind is a procrastinate queue; its NOTIFY channel "procrastinate_queue_v1#<kind>"
# must stay within Postgres's 63-character identifiers
MAX_KIND_NAME = 40
_SCHEMA_LOCK = "SELECT pg_advisory_xact_lock(740635382, 0)"

_INSERT = """
INSERT INTO jobs (kind, payload, state, lane, dedupe_key, user_id, priority, attempts,
                  run_at, cancel_requested, created_at)
VALUES (%(kind)s, %(payload)s, 'queued', %(lane)s, %(dedupe_key)s, %(user_id)s,
        %(priority)s, 0, %(run_at)s, false, %(created_at)s)
ON CONFLICT (dedupe_key) WHERE state IN ('queued', 'running') DO NOTHING
RETURNING id
"""
_LIVE_TWIN = "SELECT id FROM jobs WHERE dedupe_key = %s AND state IN ('queued', 'running')"
_LINK = "UPDATE jobs SET engine_ref = %s WHERE id = %s"


def libpq_url(db: Database) -> str:
    """The application's SQLAlchemy URL (``postgresql+asyncpg://…``) as libpq wants it."""
    url = db.engine.url.set(drivername="postgresql")
    query = dict(url.query)
    if "ssl" in query:  # asyncpg's spelling
        query["sslmode"] = query.pop("ssl")
    return url.set(query=query).render_as_string(hide_password=False)


async def ensure_schema(pool: AsyncConnectionPool[Any]) -> None:
    """Apply procrastinate's schema once when its tables are missing (processes starting
    together take turns on an advisory lock, so only the first one applies it)."""
    async with pool.connection() as conn, conn.transaction():
        await conn.execute(_SCHEMA_LOCK)
        found = await (await conn.execute("SELECT to_regclass('procrastinate_jobs')")).fetchone()
        if found is None or found[0] is None:
            await conn.execute(SchemaManager.get_schema())
            log.info("jobs.procrastinate_schema_applied")


@dataclass(frozen=True, slots=True)
class NewJob:
    kind: str
    payload: dict[str, Any]
    lane: str | None
    dedupe_key: str | None
    user_id: int | None
    priority: int
    run_at: datetime
    created_at: datetime


async def insert_and_defer(app: App, row: NewJob, scheduled_at: datetime | None) -> int:
    """The new job's id, or the live twin's under the same dedupe key."""
    pool: AsyncConnectionPool[Any] = app.connector.pool  # type: ignore[attr-defined]
    for _ in range(3):  # a twin may finish between our insert and our look-up
        try:
            async with pool.connection() as conn, conn.transaction():
                job_id = await _insert(conn, row)
                if job_id is None:
                    twin = await (await conn.execute(_LIVE_TWIN, (row.dedupe_key,))).fetchone()
                    if twin is None:
                        continue
                    return int(twin[0])
                job = Job(
                    queue=row.kind,
                    task_name=row.kind,
                    lock=row.lane,
                    queueing_lock=row.dedupe_key,
                    priority=row.priority,
                    scheduled_at=scheduled_at,
                    task_kwargs={"job_id": job_id},
                )
                deferred = await app.job_manager.defer_job_async(job, connection=conn)
                await conn.execute(_LINK, (deferred.id, job_id))
                return job_id
        except AlreadyEnqueued:
            # a waiting procrastinate job holds the key but its ledger row is over (it
            # would be skipped when run): retire it so the new work can be queued
            await _retire_orphan(app, row.dedupe_key)
    raise RuntimeError(f"could not enqueue under dedupe key {row.dedupe_key!r}")


async def _insert(conn: AsyncConnection[Any], row: NewJob) -> int | None:
    params = {
        "kind": row.kind,
        "payload": Json(row.payload),
        "lane": row.lane,
        "dedupe_key": row.dedupe_key,
        "user_id": row.user_id,
        "priority": row.priority,
        "run_at": row.run_at,
        "created_at": row.created_at,
    }
    found = await (await conn.execute(_INSERT, params)).fetchone()
    return None if found is None else int(found[0])


async def _retire_orphan(app: App, dedupe_key: str | None) -> None:
    manager = app.job_manager
    for orphan in await manager.list_jobs_async(queueing_lock=dedupe_key, status="todo"):
        assert orphan.id is not None
        await manager.cancel_job_by_id_async(orphan.id)
        log.warning("job.orphan_retired", engine_ref=orphan.id, dedupe_key=dedupe_key)
