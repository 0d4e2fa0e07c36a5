"""How the procrastinate engine runs one of our jobs, and takes back a dead worker's jobs.

procrastinate fetches, locks (lanes), orders and re-queues; the ``jobs`` row is the
ledger: before the handler runs, the row is claimed (attempt counted, kind limit checked
across every worker); after it, the outcome is written there first and then told to
procrastinate, as a ``RetryIn`` (back-off, busy kind, shutdown), a ``JobAborted``
(cancelled), a ``JobFailed`` (over) or a plain return (succeeded).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, TypeVar

import structlog
from procrastinate import BaseRetryStrategy, JobContext, RetryDecision
from procrastinate.exceptions import JobAborted
from procrastinate.job_context import AbortReason
from procrastinate.jobs import Job
from sqlalchemy import and_, case, func, or_, select, text, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from concierge.core.clock import Clock
from concierge.core.jobs import LIVE_STATES, JobCancelled, JobKind, JobState
from concierge.storage import job_rows
from concierge.storage.db import Database
from concierge.storage.job_context import JobRunContext, Running, describe, judge_failure
from concierge.storage.models import JobRow

log = structlog.get_logger(__name__)

T = TypeVar("T")
LIVE = [s.value for s in LIVE_STATES]
RUNNING = JobState.RUNNING.value
BUSY: Literal["busy"] = "busy"
# one advisory lock per limited kind: claims of that kind take turns, so the count of
# running rows they check is exact across every worker process
_KIND_LOCK = text("SELECT pg_advisory_xact_lock(740635382, hashtext(:kind))")


def wall_now() -> datetime:
    """procrastinate schedules on the database's wall clock, not on our injected one."""
    return datetime.now(UTC)


class RetryIn(Exception):
    """Tells procrastinate to hand the job out again after ``delay``."""

    def __init__(self, delay: timedelta, why: str) -> None:
        super().__init__(f"{why}; again in {delay.total_seconds():.3g} s")
        self.delay = delay


class JobFailed(Exception):
    """The job is over as failed (the ledger keeps the reason)."""


class LedgerRetry(BaseRetryStrategy):
    """Only ``RetryIn`` re-queues: every other decision was taken (and written) by us."""

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        if isinstance(exception, RetryIn):
            return RetryDecision(retry_at=wall_now() + exception.delay)
        return None


class JobExecutor:
    """Runs one procrastinate job of ours: claim the ledger row, run, record the outcome."""

    def __init__(
        self,
        db: Database,
        kinds: dict[str, JobKind[Any]],
        *,
        clock: Clock,
        worker_id: str,
        busy_wait: float,
        rng: random.Random,
    ) -> None:
        self._db = db
        self._kinds = kinds
        self._clock = clock
        self.worker_id = worker_id
        self._busy_wait = timedelta(seconds=busy_wait)
        self._rng = rng

    async def run(self, context: JobContext, job_id: int) -> None:
        """The procrastinate task function of every kind (the task's name is the kind)."""
        kind = self._kinds[context.job.task_name]
        claim = await _unbroken(self._claim(job_id, kind))
        if claim is None:
            return  # over in the ledger (cancelled, done by a worker thought dead)
        if claim == BUSY:
            raise RetryIn(self._busy_wait, f"{kind.name} is at its concurrency limit")
        run = Running(job_id, kind, claim.attempts)
        run.task = asyncio.current_task()
        failure, timed_out = await self._execute(run, claim.payload, context)
        outcome = await _unbroken(self._settle(run, failure, timed_out=timed_out))
        if outcome is not None:
            raise outcome

    async def _claim(self, job_id: int, kind: JobKind[Any]) -> JobRow | Literal["busy"] | None:
        now = self._clock.now()
        async with self._db.session() as s:
            if kind.concurrency is not None:
                await s.execute(_KIND_LOCK, {"kind": kind.name})
                running = await s.scalar(
                    select(func.count()).where(
                        JobRow.kind == kind.name, JobRow.state == RUNNING, JobRow.id != job_id
                    )
                )
                if (running or 0) >= kind.concurrency:
                    live = await s.scalar(select(JobRow.state).where(JobRow.id == job_id))
                    return BUSY if live in LIVE else None
            # "running" too: procrastinate handed it to us, so its last worker is gone
            ours = and_(JobRow.id == job_id, JobRow.state.in_(LIVE))
            return await job_rows.take(s, ours, self.worker_id, now)

    async def _execute(
        self, run: Running, raw: dict[str, Any], context: JobContext
    ) -> tuple[Exception | None, bool]:
        """Run the handler; an abort sets ``run.stop_reason``. The failure, if any."""
        kind = run.kind
        budget = asyncio.timeout(kind.timeout)
        try:
            if context.should_abort():  # asked while we were claiming
                run.stop_reason = _stop_reason(context)
                return None, False
            payload = kind.parse(raw)
            async with budget:
                await kind.handler(JobRunContext(self._db, self.worker_id, run), payload)
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None:
                current.uncancel()
            run.stop_reason = _stop_reason(context)
        except JobCancelled:
            run.stop_reason = "cancel"
        except Exception as exc:
            return exc, budget.expired()
        return None, False

    async def _settle(
        self, run: Running, failure: Exception | None, *, timed_out: bool
    ) -> Exception | None:
        """Write the outcome to the ledger; what procrastinate is to be told."""
        now = self._clock.now()
        me, job_id = self.worker_id, run.job_id
        try:
            async with self._db.session() as s:
                if run.stop_reason == "shutdown":
                    written = bool(await job_rows.hand_back(s, [job_id], me, now))
                    told: Exception | None = RetryIn(timedelta(0), "the worker is stopping")
                elif run.stop_reason == "cancel":
                    written = await job_rows.finish(s, job_id, me, JobState.CANCELLED, now)
                    told = JobAborted(f"job {job_id} was cancelled")
                elif failure is None:
                    written = await job_rows.finish(s, job_id, me, JobState.SUCCEEDED, now)
                    told = None
                else:
                    written, told = await self._failed(s, run, failure, now, timed_out=timed_out)
                return told if written else await self._lost(s, run)
        except SQLAlchemyError as exc:  # it runs again: at-least-once, effects are keyed
            log.error("job.settle_failed", job_id=job_id, kind=run.kind.name, error=describe(exc))
            return RetryIn(self._busy_wait, "its outcome could not be recorded")

    async def _failed(
        self, s: AsyncSession, run: Running, exc: Exception, now: datetime, *, timed_out: bool
    ) -> tuple[bool, Exception]:
        verdict = judge_failure(run.kind, run.attempt, exc, timed_out=timed_out, rng=self._rng)
        me, job_id = self.worker_id, run.job_id
        fields = {"job_id": job_id, "kind": run.kind.name, "attempt": run.attempt}
        if verdict.retry_in is None:
            written = await job_rows.finish(s, job_id, me, JobState.FAILED, now, verdict.error)
            log.warning("job.failed", permanent=verdict.permanent, error=verdict.error, **fields)
            return written, JobFailed(verdict.error)
        delay = verdict.retry_in
        written = await job_rows.retry_later(s, job_id, me, now + delay, verdict.error)
        log.warning(
            "job.retrying", retry_in=round(delay.total_seconds(), 3), error=verdict.error, **fields
        )
        return written, RetryIn(delay, verdict.error)

    async def _lost(self, s: AsyncSession, run: Running) -> Exception | None:
        """The row was taken back while we ran (we looked dead): leave it to its new
        owner. Waiting again means procrastinate has it queued already; a re-queue
        from us only fails there and changes nothing."""
        state = await s.scalar(select(JobRow.state).where(JobRow.id == run.job_id))
        log.warning("job.lost", job_id=run.job_id, kind=run.kind.name, now=state)
        return RetryIn(timedelta(0), "taken back") if state == JobState.QUEUED.value else None

    async def recover(self, stalled: Job, *, silent_for: float) -> JobState | None:
        """A job of a worker that stopped sending heartbeats: back to the queue in the
        ledger (or over, when its attempts are used up or a cancel was asked). The
        ledger's state afterwards; None when the row is gone."""
        job_id = stalled.task_kwargs.get("job_id")
        if not isinstance(job_id, int):
            return None
        kind = self._kinds.get(stalled.task_name)
        limit = kind.retry.max_attempts if kind is not None else 1 << 30
        now = self._clock.now()
        error = f"WorkerLost: its worker sent no heartbeat for {silent_for:g} s"
        async with self._db.session() as s:
            await s.execute(
                update(JobRow)
                .where(JobRow.id == job_id, JobRow.state == RUNNING)
                .values(
                    state=_lost_state(limit),
                    worker=None,
                    heartbeat_at=None,
                    error=error,
                    run_at=now,
                    finished_at=_if_over(limit, now),
                )
                .execution_options(synchronize_session=False)
            )
            state = await s.scalar(select(JobRow.state).where(JobRow.id == job_id))
        return JobState(state) if state is not None else None


def _lost_state(limit: int) -> Any:
    return case(
        (JobRow.cancel_requested, JobState.CANCELLED.value),
        (JobRow.attempts >= limit, JobState.FAILED.value),
        else_=JobState.QUEUED.value,
    )


def _if_over(limit: int, now: datetime) -> Any:
    return case((or_(JobRow.cancel_requested, JobRow.attempts >= limit), now), else_=None)


def _stop_reason(context: JobContext) -> Literal["cancel", "shutdown"]:
    """An abort asked by a user is a cancel; any other interruption hands the job back."""
    return "cancel" if context.abort_reason() is AbortReason.USER_REQUEST else "shutdown"


async def _unbroken(step: Coroutine[Any, Any, T]) -> T:
    """Finish a ledger write even if procrastinate aborts the job meanwhile (the abort is
    then seen by the next step), so the ledger never misses what the database did."""
    task = asyncio.ensure_future(step)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if current is not None:
            current.uncancel()
        return await task
