"""The distributed job engine: the ``Jobs`` port on procrastinate (Postgres).

procrastinate does the distributed part: workers in any number of processes fetch with
``SKIP LOCKED``, hear of new jobs and aborts by LISTEN/NOTIFY (polling as a fallback),
serialize a lane with ``lock=``, refuse a second waiting job per ``queueing_lock``, order
by ``priority`` and wait for ``scheduled_at``. Each job also has its row in ``jobs`` (the
ledger, written in the same transaction as procrastinate's): attempts, progress, the
last failure, cancel requests and per-kind limits across workers live there, and
``get``/``list``/``stats`` read it, so they answer the same as on the embedded engine.

A killed worker's jobs stay "doing" in procrastinate; a tending task in every worker
process retries the jobs of workers silent for ``stale_after`` seconds (procrastinate's
stalled-jobs recipe: ``get_stalled_jobs`` + ``retry_job``), so they run again within
seconds. One queue per kind: a process only fetches the kinds it registered.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import structlog
from procrastinate import App, PsycopgConnector
from sqlalchemy import update

from concierge.adapters import procrastinate_ledger as ledger
from concierge.adapters.procrastinate_run import JobExecutor, LedgerRetry, wall_now
from concierge.adapters.procrastinate_worker import WorkerLoop
from concierge.core.clock import SYSTEM_CLOCK, Clock
from concierge.core.jobs import JobKind, JobState, P
from concierge.storage.db import Database
from concierge.storage.job_ledger import LedgerJobs
from concierge.storage.jobs import default_worker_id
from concierge.storage.models import JobRow

log = structlog.get_logger(__name__)


class ProcrastinateJobs(LedgerJobs):
    """Jobs run by procrastinate workers; ``start`` runs this process's worker until ``stop``."""

    def __init__(
        self,
        db: Database,
        *,
        clock: Clock = SYSTEM_CLOCK,
        worker_id: str | None = None,
        concurrency: int = 4,
        poll_interval: float = 0.5,
        stale_after: float = 10.0,
        stop_grace: float = 5.0,
        rng: random.Random | None = None,
    ) -> None:
        if db.is_sqlite:
            raise ValueError("the procrastinate job engine needs Postgres")
        super().__init__(db, clock)
        self._concurrency = concurrency
        self._poll = poll_interval
        self._stale_after = stale_after
        self._grace = stop_grace
        self._executor = JobExecutor(
            db,
            self._kinds,
            clock=clock,
            worker_id=worker_id or default_worker_id(),
            busy_wait=poll_interval,
            rng=rng or random.Random(),
        )
        self._connector = PsycopgConnector(
            conninfo=ledger.libpq_url(db), min_size=1, max_size=concurrency + 4
        )
        self._app = App(connector=self._connector)
        self._open_lock = asyncio.Lock()
        self._opened = False
        self._loop = WorkerLoop(
            self._app, self._executor, stale_after=stale_after, stop_grace=stop_grace
        )

    @property
    def worker_id(self) -> str:
        return self._executor.worker_id

    def register(self, kind: JobKind[Any]) -> None:
        """Before ``start``: the worker listens to the queues of the kinds it knows."""
        if len(kind.name) > ledger.MAX_KIND_NAME:  # its queue's NOTIFY channel name
            raise ValueError(f"job kind name {kind.name!r} is over {ledger.MAX_KIND_NAME} chars")
        super().register(kind)
        if kind.name not in self._app.tasks:
            self._app.task(name=kind.name, queue=kind.name, pass_context=True, retry=LedgerRetry())(
                self._executor.run
            )

    async def open(self) -> None:
        """Connect and make sure procrastinate's tables exist (first use does it too)."""
        async with self._open_lock:
            if not self._opened:
                await self._connector.open_async()
                await ledger.ensure_schema(self._connector.pool)
                self._opened = True

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
        # procrastinate waits on the database clock: keep the delay our clock asked for
        scheduled_at = wall_now() + (job.due - job.now) if job.due > job.now else None
        row = ledger.NewJob(
            job.kind.name, job.payload, lane, dedupe_key, user_id, priority, job.due, job.now
        )
        await self.open()
        return await ledger.insert_and_defer(self._app, row, scheduled_at)

    async def cancel(self, job_id: int) -> bool:
        now = self._clock.now()
        async with self._db.session() as s:
            ref = await s.scalar(
                update(JobRow)
                .where(JobRow.id == job_id, JobRow.state == JobState.QUEUED.value)
                .values(state=JobState.CANCELLED.value, finished_at=now)
                .returning(JobRow.engine_ref)
            )
            asked = ref is not None
            if not asked:
                ref = await s.scalar(
                    update(JobRow)
                    .where(JobRow.id == job_id, JobRow.state == JobState.RUNNING.value)
                    .values(cancel_requested=True)
                    .returning(JobRow.engine_ref)
                )
                asked = ref is not None
        if ref is not None:  # waiting: cancelled there too; running: its worker is told
            await self.open()
            await self._app.job_manager.cancel_job_by_id_async(ref, abort=True)
        return asked

    # --- the worker ------------------------------------------------------------------

    async def start(self) -> None:
        await self.open()
        self._loop.start(
            queues=sorted(self._kinds),
            name=self.worker_id,
            concurrency=self._concurrency,
            fetch_job_polling_interval=self._poll,
            abort_job_polling_interval=max(self._poll, 1.0),
            shutdown_graceful_timeout=self._grace,
            install_signal_handlers=False,
            update_heartbeat_interval=self._stale_after / 4,
            stalled_worker_timeout=self._stale_after,
            delete_jobs="successful",  # the ledger keeps the history
        )
        log.info("jobs.started", engine="procrastinate", worker=self.worker_id)

    async def stop(self) -> None:
        """Stop fetching, give running jobs ``stop_grace`` seconds, hand back the rest."""
        await self._loop.stop()
        async with self._open_lock:
            if self._opened:
                await self._connector.close_async()
                self._opened = False
                log.info("jobs.stopped", engine="procrastinate", worker=self.worker_id)

    async def recover_stalled(self) -> int:
        """One tending round: the jobs of silent workers go out again; how many."""
        return await self._loop.recover_stalled()
