"""The embedded job engine: the ``Jobs`` port on the application's own database.

Zero-config background work: jobs are rows in ``jobs`` (SQLite or Postgres), claimed by
one guarded UPDATE each, so several processes may share one database. A worker sends
heartbeats for what it runs; a job whose worker fell silent (killed, frozen) goes back to
the queue after ``stale_after`` seconds and runs again, so delivery is at-least-once.
Every stored time comes from the injected clock; real sleeps only pace the polling.
"""

from __future__ import annotations

import os
import random
import secrets
import socket
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from concierge.core.clock import SYSTEM_CLOCK, Clock
from concierge.core.jobs import JobKind, JobState, P
from concierge.storage import job_ledger
from concierge.storage.db import Database
from concierge.storage.job_context import Running
from concierge.storage.job_ledger import LedgerJobs
from concierge.storage.job_runner import JobRunner
from concierge.storage.models import JobRow

log = structlog.get_logger(__name__)


def default_worker_id() -> str:
    return f"{socket.gethostname()[:60]}-{os.getpid()}-{secrets.token_hex(3)}"


class EmbeddedJobs(LedgerJobs):
    """Jobs as database rows; ``start`` runs this process's workers until ``stop``."""

    def __init__(
        self,
        db: Database,
        *,
        clock: Clock = SYSTEM_CLOCK,
        worker_id: str | None = None,
        concurrency: int = 4,
        poll_interval: float = 0.5,
        heartbeat_interval: float = 2.0,
        stale_after: float = 10.0,
        stop_grace: float = 5.0,
        rng: random.Random | None = None,
    ) -> None:
        if stale_after <= 2 * heartbeat_interval:
            raise ValueError("stale_after must exceed two heartbeat intervals")
        super().__init__(db, clock)
        self._runner = JobRunner(
            db,
            self._kinds,
            clock=clock,
            worker_id=worker_id or default_worker_id(),
            concurrency=concurrency,
            poll_interval=poll_interval,
            heartbeat_interval=heartbeat_interval,
            stale_after=stale_after,
            stop_grace=stop_grace,
            rng=rng or random.Random(),
        )

    @property
    def worker_id(self) -> str:
        return self._runner.worker_id

    async def enqueue(
        self,
        kind: JobKind[P] | str,
        payload: P | Mapping[str, Any],
        *,
        dedupe_key: str | None = None,
        lane: str | None = None,
        run_at: datetime | None = None,
        priority: int = 0,
        user_id: int | None = None,
    ) -> int:
        job = self._check(kind, payload, run_at)
        for _ in range(3):  # a live duplicate may finish between our insert and our look-up
            if (
                dedupe_key is not None
                and (live := await job_ledger.live_id(self._db, dedupe_key)) is not None
            ):
                return live
            row = JobRow(
                kind=job.kind.name,
                payload=job.payload,
                state=JobState.QUEUED.value,
                lane=lane,
                dedupe_key=dedupe_key,
                user_id=user_id,
                priority=priority,
                attempts=0,
                run_at=job.due,
                cancel_requested=False,
                created_at=job.now,
            )
            try:
                async with self._db.session() as s:
                    s.add(row)
                    await s.flush()
                    job_id = row.id
            except IntegrityError:
                if dedupe_key is None:
                    raise
                continue  # the partial unique index saw a live twin: return its id
            self._runner.wake()
            return job_id
        raise RuntimeError(f"could not enqueue under dedupe key {dedupe_key!r}")

    async def cancel(self, job_id: int) -> bool:
        now = self._clock.now()
        async with self._db.session() as s:
            queued = await s.execute(
                update(JobRow)
                .where(JobRow.id == job_id, JobRow.state == JobState.QUEUED.value)
                .values(state=JobState.CANCELLED.value, finished_at=now)
            )
            if queued.rowcount:  # type: ignore[attr-defined]
                return True
            running = await s.execute(
                update(JobRow)
                .where(JobRow.id == job_id, JobRow.state == JobState.RUNNING.value)
                .values(cancel_requested=True)
            )
            asked = bool(running.rowcount)  # type: ignore[attr-defined]
        if asked:
            self._runner.stop_job(job_id, "cancel")  # ours: at once; others': next heartbeat
        return asked

    async def start(self) -> None:
        await self._runner.start()

    async def stop(self) -> None:
        await self._runner.stop()

    def wake(self) -> None:
        """Look for due jobs now rather than at the next poll (e.g. after moving a clock)."""
        self._runner.wake()

    async def tend(self) -> None:
        """One round of what the workers do every heartbeat: refresh this process's jobs
        (stopping those cancelled elsewhere or taken over) and recover stale ones."""
        await self._runner.tend_once()

    async def run_until_idle(self) -> int:
        """Run due jobs in this task until none is left; how many attempts ran (for tests)."""
        return await self._runner.run_until_idle()

    def running(self) -> tuple[Running, ...]:
        """The jobs this process is running now."""
        return tuple(self._runner.running())
