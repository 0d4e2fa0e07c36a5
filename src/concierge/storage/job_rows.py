"""The embedded job engine's SQL: each state change is one guarded statement on ``jobs``.

Guards (``state = 'running' AND worker = :me``) make every write safe when several
processes share the database: a worker that lost its job (it went stale and another
worker took it over) can no longer overwrite what the new owner records.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from concierge.core.jobs import LIVE_STATES, JobInfo, JobState
from concierge.storage.models import JobRow, as_utc

RUNNING = JobState.RUNNING.value
QUEUED = JobState.QUEUED.value
LIVE = [s.value for s in LIVE_STATES]
# Postgres runs claims one at a time (a transaction-scoped advisory lock), so the lane and
# per-kind checks inside the claim see every other worker's committed claims; SQLite gets
# the same from its single writer lock.
_CLAIM_LOCK = text("SELECT pg_advisory_xact_lock(7406353820114)")


def aware(moment: datetime | None) -> datetime | None:
    """SQLite hands datetimes back without their zone; every stored time is UTC."""
    return None if moment is None else as_utc(moment)


def to_info(row: JobRow) -> JobInfo:
    return JobInfo(
        id=row.id,
        kind=row.kind,
        state=JobState(row.state),
        payload=dict(row.payload),
        lane=row.lane,
        dedupe_key=row.dedupe_key,
        user_id=row.user_id,
        priority=row.priority,
        attempts=row.attempts,
        run_at=aware(row.run_at) or row.run_at,
        created_at=aware(row.created_at) or row.created_at,
        started_at=aware(row.started_at),
        finished_at=aware(row.finished_at),
        progress=row.progress,
        note=row.note,
        error=row.error,
    )


async def claim(
    session: AsyncSession,
    *,
    now: datetime,
    worker: str,
    limits: Mapping[str, int | None],
    postgres: bool,
) -> JobRow | None:
    """Take the best due job this worker can run, or None. One UPDATE: atomic.

    Due, of a kind this worker knows, first of its lane with nothing of the lane running,
    and its kind under its concurrency limit; best = highest priority, then oldest.
    """
    if not limits:
        return None
    if postgres:
        await session.execute(_CLAIM_LOCK)
    cand = aliased(JobRow, name="cand")
    other = aliased(JobRow, name="other")
    lane_busy = exists().where(
        other.lane == cand.lane,
        other.state.in_(LIVE),
        or_(other.id < cand.id, other.state == RUNNING),
    )
    conditions = [
        cand.state == QUEUED,
        cand.run_at <= now,
        cand.kind.in_(list(limits)),
        or_(cand.lane.is_(None), ~lane_busy),
    ]
    limited = {name: n for name, n in limits.items() if n is not None}
    if limited:
        same_kind = aliased(JobRow, name="same_kind")
        running_of_kind = (
            select(func.count())
            .where(same_kind.kind == cand.kind, same_kind.state == RUNNING)
            .scalar_subquery()
        )
        conditions.append(
            or_(
                cand.kind.not_in(list(limited)),
                running_of_kind < case(limited, value=cand.kind),
            )
        )
    best = (
        select(cand.id)
        .where(and_(*conditions))
        .order_by(cand.priority.desc(), cand.id)
        .limit(1)
        .scalar_subquery()
    )
    return await take(session, and_(JobRow.id == best, JobRow.state == QUEUED), worker, now)


async def take(session: AsyncSession, which: Any, worker: str, now: datetime) -> JobRow | None:
    """Mark the job ``which`` selects as running on ``worker``, one more attempt counted."""
    stmt = (
        update(JobRow)
        .where(which)
        .values(
            state=RUNNING,
            worker=worker,
            attempts=JobRow.attempts + 1,
            heartbeat_at=now,
            started_at=now,
        )
        .returning(JobRow)
        .execution_options(synchronize_session=False)
    )
    return (await session.scalars(stmt)).one_or_none()


def _mine(job_id: int, worker: str) -> Any:
    return and_(JobRow.id == job_id, JobRow.worker == worker, JobRow.state == RUNNING)


async def finish(
    session: AsyncSession,
    job_id: int,
    worker: str,
    state: JobState,
    now: datetime,
    error: str | None = None,
) -> bool:
    """End a job this worker runs (succeeded, failed, cancelled); False if it lost it."""
    values: dict[str, Any] = {"state": state.value, "finished_at": now, "heartbeat_at": None}
    if error is not None:
        values["error"] = error
    if state is JobState.SUCCEEDED:
        values["progress"] = 1.0
    result = await session.execute(update(JobRow).where(_mine(job_id, worker)).values(**values))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def retry_later(
    session: AsyncSession, job_id: int, worker: str, run_at: datetime, error: str
) -> bool:
    """Back to the queue until ``run_at``, keeping why the attempt failed."""
    result = await session.execute(
        update(JobRow)
        .where(_mine(job_id, worker))
        .values(state=QUEUED, run_at=run_at, error=error, worker=None, heartbeat_at=None)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def hand_back(
    session: AsyncSession, job_ids: Iterable[int], worker: str, now: datetime
) -> int:
    """Shutdown: the interrupted attempt does not count; another start resumes the job
    (unless a cancel was asked meanwhile: then it ends cancelled). How many were ours."""
    ids = list(job_ids)
    if not ids:
        return 0
    result = await session.execute(
        update(JobRow)
        .where(JobRow.id.in_(ids), JobRow.worker == worker, JobRow.state == RUNNING)
        .values(
            state=case((JobRow.cancel_requested, JobState.CANCELLED.value), else_=QUEUED),
            finished_at=case((JobRow.cancel_requested, now), else_=None),
            attempts=JobRow.attempts - 1,
            worker=None,
            heartbeat_at=None,
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def heartbeat(
    session: AsyncSession, job_ids: Iterable[int], worker: str, now: datetime
) -> dict[int, bool]:
    """Refresh this worker's running jobs; {id: cancel_requested} for those it still owns."""
    ids = list(job_ids)
    if not ids:
        return {}
    rows = await session.execute(
        update(JobRow)
        .where(JobRow.id.in_(ids), JobRow.worker == worker, JobRow.state == RUNNING)
        .values(heartbeat_at=now)
        .returning(JobRow.id, JobRow.cancel_requested)
    )
    return {job_id: bool(flag) for job_id, flag in rows.all()}


async def stale(session: AsyncSession, cutoff: datetime) -> list[JobRow]:
    """Running jobs whose worker has not sent a heartbeat since ``cutoff``."""
    rows = await session.scalars(
        select(JobRow).where(JobRow.state == RUNNING, JobRow.heartbeat_at < cutoff)
    )
    return list(rows)


async def recover(
    session: AsyncSession,
    row: JobRow,
    cutoff: datetime,
    state: JobState,
    now: datetime,
    error: str,
) -> bool:
    """Take a stale job off its silent worker (guarded: only if it is still stale)."""
    values: dict[str, Any] = {"state": state.value, "worker": None, "heartbeat_at": None}
    values["error"] = error
    if state is JobState.QUEUED:
        values["run_at"] = now
    else:
        values["finished_at"] = now
    result = await session.execute(
        update(JobRow)
        .where(
            JobRow.id == row.id,
            JobRow.state == RUNNING,
            JobRow.worker == row.worker,
            JobRow.heartbeat_at < cutoff,
        )
        .values(**values)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
