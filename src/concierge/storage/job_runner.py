"""The embedded engine's workers: claim due rows, run handlers, send heartbeats, recover.

One dispatcher task claims while this process has room (``concurrency``); each claimed
job runs in its own task. A tending task refreshes heartbeats (and so learns of cancels
asked from any process) and hands jobs of silent workers back to the queue.
"""

from __future__ import annotations

import asyncio
import random
from contextlib import suppress
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from concierge.core.clock import Clock
from concierge.core.jobs import JobCancelled, JobKind, JobState
from concierge.storage import job_rows
from concierge.storage.db import Database
from concierge.storage.job_context import (
    JobRunContext,
    Running,
    StopReason,
    describe,
    judge_failure,
)

log = structlog.get_logger(__name__)


class JobRunner:
    def __init__(
        self,
        db: Database,
        kinds: dict[str, JobKind[Any]],
        *,
        clock: Clock,
        worker_id: str,
        concurrency: int,
        poll_interval: float,
        heartbeat_interval: float,
        stale_after: float,
        stop_grace: float,
        rng: random.Random,
    ) -> None:
        self.db = db
        self.worker_id = worker_id
        self._kinds = kinds
        self._clock = clock
        self._concurrency = concurrency
        self._poll = poll_interval
        self._beat = heartbeat_interval
        self._stale_after = timedelta(seconds=stale_after)
        self._grace = stop_grace
        self._rng = rng
        self._running: dict[int, Running] = {}
        self._wake = asyncio.Event()
        self._loops: list[asyncio.Task[None]] = []
        self._stopping = False

    def running(self) -> list[Running]:
        return list(self._running.values())

    def wake(self) -> None:
        self._wake.set()

    def stop_job(self, job_id: int, reason: StopReason) -> None:
        run = self._running.get(job_id)
        if run is None or run.settling or run.stop_reason is not None or run.task is None:
            return
        run.stop_reason = reason
        run.task.cancel()

    # --- lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        if self._loops:
            return
        self._stopping = False
        self._loops = [
            asyncio.create_task(self._dispatch_loop(), name="jobs-dispatch"),
            asyncio.create_task(self._tend_loop(), name="jobs-tend"),
        ]
        for loop in self._loops:
            loop.add_done_callback(self._loop_ended)
        log.info("jobs.started", worker=self.worker_id, kinds=sorted(self._kinds))

    def _loop_ended(self, task: asyncio.Task[None]) -> None:
        """A worker loop only ends at stop(); anything else is a bug the operator must see."""
        if not task.cancelled() and task.exception() is not None:
            log.error("jobs.loop_crashed", loop=task.get_name(), exc_info=task.exception())

    async def stop(self) -> None:
        if not self._loops:
            return
        dispatch, tend = self._loops
        self._stopping = True
        self.wake()
        await asyncio.wait([dispatch])  # a crashed loop was logged; stopping goes on
        tasks = [run.task for run in self._running.values() if run.task is not None]
        if tasks:
            await asyncio.wait(tasks, timeout=self._grace)
        for job_id in list(self._running):
            self.stop_job(job_id, "shutdown")
        await asyncio.gather(*tasks, return_exceptions=True)
        tend.cancel()
        await asyncio.wait([tend])
        self._loops = []
        log.info("jobs.stopped", worker=self.worker_id)

    async def run_until_idle(self) -> int:
        ran = 0
        while True:
            ran += len(await self._claim_more())
            tasks = [run.task for run in self._running.values() if run.task is not None]
            if not tasks:
                return ran
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)

    # --- claiming and running --------------------------------------------------------

    async def _dispatch_loop(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                await self._claim_more()
            except (SQLAlchemyError, OSError) as exc:
                log.warning("jobs.claim_failed", worker=self.worker_id, error=describe(exc))
            with suppress(TimeoutError):
                async with asyncio.timeout(self._poll):
                    await self._wake.wait()

    async def _claim_more(self) -> list[Running]:
        started: list[Running] = []
        limits = {name: kind.concurrency for name, kind in self._kinds.items()}
        while len(self._running) < self._concurrency and not self._stopping:
            async with self.db.session() as s:
                row = await job_rows.claim(
                    s,
                    now=self._clock.now(),
                    worker=self.worker_id,
                    limits=limits,
                    postgres=not self.db.is_sqlite,
                )
            if row is None:
                break
            run = Running(row.id, self._kinds[row.kind], row.attempts)
            self._running[row.id] = run
            run.task = asyncio.create_task(self._execute(run, row.payload), name=f"job-{row.id}")
            started.append(run)
        return started

    async def _execute(self, run: Running, raw: dict[str, Any]) -> None:
        kind = run.kind
        failure: BaseException | None = None
        budget = asyncio.timeout(kind.timeout)
        try:
            try:
                payload = kind.parse(raw)
                async with budget:
                    await kind.handler(JobRunContext(self.db, self.worker_id, run), payload)
            except asyncio.CancelledError:
                if run.stop_reason is None:
                    raise  # not ours (the loop is closing): the row goes stale and is recovered
                current = asyncio.current_task()
                if current is not None:
                    current.uncancel()
            except JobCancelled:
                run.stop_reason = run.stop_reason or "cancel"
            except Exception as exc:
                failure = exc
            run.settling = True
            await self._settle(run, failure, timed_out=budget.expired())
        finally:
            self._running.pop(run.job_id, None)
            self.wake()

    async def _settle(
        self, run: Running, failure: BaseException | None, *, timed_out: bool
    ) -> None:
        """Record how the attempt ended; a database error leaves it to stale recovery."""
        now = self._clock.now()
        try:
            async with self.db.session() as s:
                if run.stop_reason == "shutdown":
                    await job_rows.hand_back(s, [run.job_id], self.worker_id, now)
                elif run.stop_reason == "cancel":
                    await job_rows.finish(s, run.job_id, self.worker_id, JobState.CANCELLED, now)
                elif run.stop_reason == "lost":
                    log.warning("job.lost", job_id=run.job_id, kind=run.kind.name)
                elif failure is not None:
                    await self._record_failure(s, run, failure, now, timed_out=timed_out)
                else:
                    await job_rows.finish(s, run.job_id, self.worker_id, JobState.SUCCEEDED, now)
        except (SQLAlchemyError, OSError) as exc:
            log.error(
                "job.settle_failed", job_id=run.job_id, kind=run.kind.name, error=describe(exc)
            )

    async def _record_failure(
        self, s: AsyncSession, run: Running, exc: BaseException, now: datetime, *, timed_out: bool
    ) -> None:
        kind = run.kind
        verdict = judge_failure(kind, run.attempt, exc, timed_out=timed_out, rng=self._rng)
        context = {
            "job_id": run.job_id,
            "kind": kind.name,
            "attempt": run.attempt,
            "max_attempts": kind.retry.max_attempts,
            "error": verdict.error,
        }
        if verdict.retry_in is None:
            await job_rows.finish(
                s, run.job_id, self.worker_id, JobState.FAILED, now, verdict.error
            )
            log.warning("job.failed", permanent=verdict.permanent, **context)
            return
        delay = verdict.retry_in
        await job_rows.retry_later(s, run.job_id, self.worker_id, now + delay, verdict.error)
        log.warning("job.retrying", retry_in=round(delay.total_seconds(), 3), **context)

    # --- heartbeats and recovery -----------------------------------------------------

    async def _tend_loop(self) -> None:
        while True:
            await asyncio.sleep(self._beat)
            try:
                await self.tend_once()
            except (SQLAlchemyError, OSError) as exc:
                log.warning("jobs.tend_failed", worker=self.worker_id, error=describe(exc))

    async def tend_once(self) -> None:
        """Heartbeat our jobs (stopping those cancelled or taken over); recover stale ones."""
        mine = [job_id for job_id, run in self._running.items() if not run.settling]
        if mine:
            async with self.db.session() as s:
                owned = await job_rows.heartbeat(s, mine, self.worker_id, self._clock.now())
            for job_id in mine:
                if job_id not in owned:
                    self.stop_job(job_id, "lost")
                elif owned[job_id]:
                    self.stop_job(job_id, "cancel")
        if await self._recover_stale():
            self.wake()

    async def _recover_stale(self) -> int:
        now = self._clock.now()
        cutoff = now - self._stale_after
        async with self.db.session() as s:
            rows = await job_rows.stale(s, cutoff)
        recovered = 0
        for row in rows:
            kind = self._kinds.get(row.kind)
            beat = job_rows.aware(row.heartbeat_at)
            error = f"WorkerLost: worker {row.worker} sent no heartbeat since {beat:%H:%M:%S}"
            state = JobState.QUEUED
            if row.cancel_requested:
                state = JobState.CANCELLED
            elif kind is not None and row.attempts >= kind.retry.max_attempts:
                state = JobState.FAILED
            async with self.db.session() as s:
                if not await job_rows.recover(s, row, cutoff, state, now, error):
                    continue
            recovered += 1
            log.warning(
                "job.recovered",
                job_id=row.id,
                kind=row.kind,
                silent_worker=row.worker,
                attempt=row.attempts,
                state=state.value,
            )
        return recovered
