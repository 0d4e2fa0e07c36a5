"""Reading the ``jobs`` table: status, history and stats, the same for every engine.

The embedded engine runs its jobs on these rows; the procrastinate engine keeps one row
per job here as its ledger. Either way ``get``, ``list`` and ``stats`` answer from here,
so ``/queue``, admin views and metrics do not depend on the engine.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select

from concierge.core.clock import Clock
from concierge.core.jobs import (
    LIVE_STATES,
    JobInfo,
    JobKind,
    JobState,
    KindStats,
    QueueStats,
)
from concierge.storage import job_rows
from concierge.storage.db import Database
from concierge.storage.models import JobRow


async def live_id(db: Database, dedupe_key: str) -> int | None:
    """The queued or running job holding ``dedupe_key``, if any."""
    async with db.session() as s:
        found: int | None = await s.scalar(
            select(JobRow.id).where(
                JobRow.dedupe_key == dedupe_key,
                JobRow.state.in_([st.value for st in LIVE_STATES]),
            )
        )
        return found


@dataclass(frozen=True, slots=True)
class Checked:
    """An enqueue's arguments, checked: the kind, its payload as stored, when it is due."""

    kind: JobKind[Any]
    payload: dict[str, Any]
    now: datetime
    due: datetime  # UTC


class LedgerJobs:
    """What both engines share: their registered kinds, the enqueue checks, and the
    reads (``get``, ``list``, ``stats``) on the ``jobs`` table."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._kinds: dict[str, JobKind[Any]] = {}

    def register(self, kind: JobKind[Any]) -> None:
        known = self._kinds.get(kind.name)
        if known is not None and known is not kind:
            raise ValueError(f"job kind {kind.name!r} is registered twice")
        self._kinds[kind.name] = kind

    def _check(
        self,
        kind: JobKind[Any] | str,
        payload: BaseModel | Mapping[str, Any],
        run_at: datetime | None,
    ) -> Checked:
        name = kind.name if isinstance(kind, JobKind) else kind
        job_kind = self._kinds.get(name)
        if job_kind is None:
            if not isinstance(kind, JobKind):
                raise ValueError(f"unknown job kind {name!r}")
            job_kind = kind
        raw = payload.model_dump(mode="json") if isinstance(payload, BaseModel) else payload
        data = job_kind.parse(raw).model_dump(mode="json")  # a bad payload raises here
        if run_at is not None and run_at.tzinfo is None:
            raise ValueError("run_at must carry a time zone")
        now = self._clock.now()
        # SQLite keeps the digits, not the zone: every stored time is UTC
        return Checked(job_kind, data, now, (run_at or now).astimezone(UTC))

    async def get(self, job_id: int) -> JobInfo | None:
        async with self._db.session() as s:
            row = await s.get(JobRow, job_id)
            return job_rows.to_info(row) if row is not None else None

    async def list(
        self,
        *,
        kind: str | None = None,
        states: Iterable[JobState] | None = None,
        user_id: int | None = None,
        lane: str | None = None,
        limit: int = 50,
    ) -> list[JobInfo]:
        """Newest first."""
        query = select(JobRow).order_by(JobRow.id.desc()).limit(limit)
        if kind is not None:
            query = query.where(JobRow.kind == kind)
        if states is not None:
            query = query.where(JobRow.state.in_([JobState(st).value for st in states]))
        if user_id is not None:
            query = query.where(JobRow.user_id == user_id)
        if lane is not None:
            query = query.where(JobRow.lane == lane)
        async with self._db.session() as s:
            return [job_rows.to_info(row) for row in await s.scalars(query)]

    async def stats(self) -> QueueStats:
        """Counts per kind and state, and how long the oldest due, unstarted job waited."""
        now = self._clock.now()
        async with self._db.session() as s:
            counts = await s.execute(
                select(JobRow.kind, JobRow.state, func.count()).group_by(JobRow.kind, JobRow.state)
            )
            oldest = await s.scalar(
                select(func.min(JobRow.run_at)).where(
                    JobRow.state == JobState.QUEUED.value, JobRow.run_at <= now
                )
            )
        per_kind: dict[str, dict[str, int]] = {}
        for kind, state, n in counts.all():
            per_kind.setdefault(kind, {})[state] = n
        lag = now - (job_rows.aware(oldest) or now)
        return QueueStats(
            kinds={kind: KindStats(**by_state) for kind, by_state in per_kind.items()},
            oldest_due_seconds=max(lag, timedelta(0)).total_seconds(),
        )
