"""What the embedded engine keeps about a job it runs, and the context its handler gets."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from pydantic import ValidationError
from sqlalchemy import select, update

from concierge.core.jobs import JobCancelled, JobKind, PermanentJobError
from concierge.storage.db import Database
from concierge.storage.models import JobRow

StopReason = Literal["cancel", "shutdown", "lost"]
ERROR_LIMIT = 2000  # characters of a failure kept on the row


def describe(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return text if len(text) <= ERROR_LIMIT else text[: ERROR_LIMIT - 1] + "…"


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a failed attempt leads to: another try after ``retry_in``, or the end."""

    error: str
    retry_in: timedelta | None  # None: the job ends failed
    permanent: bool


def judge_failure(
    kind: JobKind[Any],
    attempt: int,
    exc: BaseException,
    *,
    timed_out: bool,
    rng: random.Random,
) -> Verdict:
    """Both engines' rule: a permanent error or the last attempt ends it, else back off."""
    if timed_out and kind.timeout is not None:
        error = f"TimeoutError: attempt took longer than {kind.timeout:g} s"
    else:
        error = describe(exc)
    permanent = isinstance(exc, PermanentJobError | ValidationError)
    if permanent or attempt >= kind.retry.max_attempts:
        return Verdict(error, None, permanent)
    return Verdict(error, kind.retry.delay(attempt, rng), permanent)


@dataclass(slots=True)
class Running:
    """A job this process runs; ``stop_reason`` says why its task was (or will be) stopped."""

    job_id: int
    kind: JobKind[Any]
    attempt: int
    task: asyncio.Task[None] | None = None
    stop_reason: StopReason | None = None
    settling: bool = False  # the outcome is being written: no more interruptions


class JobRunContext:
    """The ``JobContext`` a handler gets: progress on the row, cancel from any process."""

    def __init__(self, db: Database, worker_id: str, run: Running) -> None:
        self._db = db
        self._worker_id = worker_id
        self._run = run

    @property
    def job_id(self) -> int:
        return self._run.job_id

    @property
    def attempt(self) -> int:
        return self._run.attempt

    async def progress(self, fraction: float | None = None, note: str | None = None) -> None:
        values: dict[str, Any] = {}
        if fraction is not None:
            values["progress"] = min(max(fraction, 0.0), 1.0)
        if note is not None:
            values["note"] = note[:300]
        if values:
            async with self._db.session() as s:
                await s.execute(
                    update(JobRow)
                    .where(JobRow.id == self.job_id, JobRow.worker == self._worker_id)
                    .values(**values)
                )
        await self.check_cancelled()

    async def cancel_requested(self) -> bool:
        if self._run.stop_reason == "cancel":
            return True
        async with self._db.session() as s:
            flag = await s.scalar(select(JobRow.cancel_requested).where(JobRow.id == self.job_id))
        return bool(flag)

    async def check_cancelled(self) -> None:
        if await self.cancel_requested():
            raise JobCancelled(f"job {self.job_id} was cancelled")
