"""The job port: work that outlives a message and a restart.

A skill declares ``JobKind``s (a name, a typed pydantic payload, a handler, retry and
concurrency rules); the core hands them to one engine: the embedded one on the
application's own database (``storage/jobs.py``) or procrastinate on Postgres
(``adapters/procrastinate_jobs.py``). Both pass the same contract suite
(``tests/core/test_jobs_contract.py``).

Delivery is at-least-once: a handler may run again after a crash, so every kind writes
its effect under a unique key (each kind's docstring says which).
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel

P = TypeVar("P", bound=BaseModel)


class JobState(StrEnum):
    QUEUED = "queued"  # waiting (also: waiting for a retry at ``run_at``)
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # attempts used up, or a ``PermanentJobError``
    CANCELLED = "cancelled"


LIVE_STATES = (JobState.QUEUED, JobState.RUNNING)


class JobCancelled(Exception):
    """Raised inside a handler (by ``JobContext.check_cancelled``) once cancel was asked."""


class PermanentJobError(Exception):
    """A failure retrying cannot fix (bad input, gone for good): the job ends failed now."""


class QueueFull(Exception):
    """An enqueue-time limit refused the job; ``limit`` names which one."""

    def __init__(self, limit: str, value: int) -> None:
        super().__init__(f"{limit} limit reached ({value})")
        self.limit = limit
        self.value = value


class JobContext(Protocol):
    """What a running handler may ask of its engine."""

    @property
    def job_id(self) -> int: ...

    @property
    def attempt(self) -> int:
        """1 on the first run, 2 on the first retry, …"""
        ...

    async def progress(self, fraction: float | None = None, note: str | None = None) -> None:
        """Record progress (0..1) for ``/queue`` and admin views; also checks for cancel."""
        ...

    async def cancel_requested(self) -> bool: ...

    async def check_cancelled(self) -> None:
        """Raise ``JobCancelled`` when someone cancelled this job."""
        ...


JobHandler = Callable[[JobContext, P], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Retry:
    """Exponential back-off with full jitter: attempt n waits up to base·2ⁿ⁻¹, capped."""

    max_attempts: int = 5
    base: timedelta = timedelta(seconds=5)
    cap: timedelta = timedelta(hours=1)

    def delay(self, attempt: int, rng: random.Random | None = None) -> timedelta:
        """The wait after failed ``attempt`` (1-based): between half and all of the step."""
        step: timedelta = min(self.base * 2 ** max(attempt - 1, 0), self.cap)
        share = 0.5 + 0.5 * (rng or random).random()
        return step * share


@dataclass(frozen=True, slots=True)
class JobKind(Generic[P]):
    """One kind of background work a skill registers."""

    name: str
    payload: type[P]
    handler: JobHandler[P]
    retry: Retry = field(default_factory=Retry)
    concurrency: int | None = None  # at most this many of this kind run at once (all workers)
    timeout: float | None = None  # seconds per attempt; a timeout counts as a failure

    def parse(self, raw: Mapping[str, Any]) -> P:
        return self.payload.model_validate(raw)


@dataclass(frozen=True, slots=True)
class JobInfo:
    id: int
    kind: str
    state: JobState
    payload: dict[str, Any]
    lane: str | None
    dedupe_key: str | None
    user_id: int | None
    priority: int
    attempts: int
    run_at: datetime
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    progress: float | None
    note: str | None
    error: str | None  # the last failure's reason (kept when the job ends failed)


@dataclass(frozen=True, slots=True)
class KindStats:
    queued: int = 0
    running: int = 0
    succeeded: int = 0
    failed: int = 0
    cancelled: int = 0


@dataclass(frozen=True, slots=True)
class QueueStats:
    kinds: dict[str, KindStats]
    oldest_due_seconds: float  # lag: how long the oldest due, unstarted job has waited

    @property
    def depth(self) -> int:
        return sum(k.queued for k in self.kinds.values())

    @property
    def running(self) -> int:
        return sum(k.running for k in self.kinds.values())


class Jobs(Protocol):
    """The engine-neutral job API every skill uses."""

    def register(self, kind: JobKind[Any]) -> None: ...

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
        """The new job's id; with a live job under ``dedupe_key``, that job's id instead."""
        ...

    async def cancel(self, job_id: int) -> bool:
        """Queued: ends cancelled now. Running: asked to stop (the handler is told)."""
        ...

    async def get(self, job_id: int) -> JobInfo | None: ...

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
        ...

    async def stats(self) -> QueueStats: ...

    async def start(self) -> None:
        """Run workers in this process until ``stop``."""
        ...

    async def stop(self) -> None:
        """Stop taking jobs, let running ones finish briefly, hand back the rest."""
        ...
