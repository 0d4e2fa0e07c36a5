"""The job engines the contract suite runs against, behind one harness.

``jobs_engine_factory`` is parametrized over ``ENGINES``: each entry builds an engine with
the given kinds registered and hands back a ``JobsHarness``. Another engine joins the
suite by appending one ``EngineSpec`` to ``ENGINES`` (its ``build`` is an async context
manager over an ``EngineRequest``).

Usage::

    async with jobs_engine_factory(kind_a, kind_b, concurrency=4) as h:
        job_id = await h.jobs.enqueue(kind_a, {...})
        info = await h.wait_for(job_id, JobState.SUCCEEDED)
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pytest
from sqlalchemy import text

from concierge.adapters.procrastinate_jobs import ProcrastinateJobs
from concierge.core.jobs import JobInfo, JobKind, Jobs, JobState
from concierge.storage.db import Database
from concierge.storage.jobs import EmbeddedJobs
from tests.fakes.clock import FakeClock


@dataclass
class JobsHarness:
    """An engine under test plus the means to drive it engine-neutrally."""

    jobs: Jobs
    clock: FakeClock
    # after the clock moved by the given seconds: make the engine see it (the embedded
    # engine is woken; an engine on its own clock may shift its rows' times instead)
    on_advance: Callable[[float], Awaitable[None]] | None = None
    started: bool = False

    async def start(self) -> None:
        if not self.started:
            await self.jobs.start()
            self.started = True

    async def advance(self, seconds: float) -> None:
        """Let ``seconds`` pass for the engine (the injected clock; no real waiting)."""
        self.clock.advance(seconds)
        if self.on_advance is not None:
            await self.on_advance(seconds)

    async def wait_for(
        self,
        job_id: int,
        *states: JobState,
        where: Callable[[JobInfo], bool] | None = None,
        timeout: float = 15.0,
    ) -> JobInfo:
        """The job once it is in one of ``states`` and ``where`` holds (a deadline, not a
        pause: it returns as soon as the engine gets there, and fails the test after)."""
        wanted = set(states)
        info: JobInfo | None = None
        try:
            async with asyncio.timeout(timeout):
                while True:
                    info = await self.jobs.get(job_id)
                    if info is not None and info.state in wanted and (where is None or where(info)):
                        return info
                    await asyncio.sleep(0.01)
        except TimeoutError:
            pytest.fail(f"job {job_id} never reached {sorted(wanted)} (as wanted); last: {info}")

    async def wait_all(self, job_ids: Iterable[int], *states: JobState) -> list[JobInfo]:
        return [await self.wait_for(job_id, *states) for job_id in job_ids]


@dataclass
class EngineRequest:
    """What an engine builder gets: the test's request and what the harness should hold."""

    pytest_request: pytest.FixtureRequest
    tmp_path: Path
    clock: FakeClock
    kinds: tuple[JobKind[Any], ...]
    concurrency: int
    options: dict[str, Any] = field(default_factory=dict)


EngineBuilder = Callable[[EngineRequest], AbstractAsyncContextManager[JobsHarness]]


@dataclass(frozen=True)
class EngineSpec:
    name: str
    build: EngineBuilder
    needs_postgres: bool = False


async def reset_postgres(db: Database, *tables: str) -> None:
    """The session's shared Postgres database, emptied of what an earlier test left."""
    names = ", ".join(f'"{t}"' for t in ("jobs", *tables))
    async with db.session() as s:
        await s.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@asynccontextmanager
async def embedded(req: EngineRequest, db: Database) -> AsyncIterator[JobsHarness]:
    engine = EmbeddedJobs(
        db,
        clock=req.clock,
        concurrency=req.concurrency,
        poll_interval=0.05,
        heartbeat_interval=0.1,
        stale_after=3600,  # tests move the fake clock; only the crash test wants staleness
        stop_grace=0.5,
        **req.options,
    )
    for kind in req.kinds:
        engine.register(kind)

    async def wake(seconds: float) -> None:
        engine.wake()

    harness = JobsHarness(jobs=engine, clock=req.clock, on_advance=wake)
    try:
        yield harness
    finally:
        await engine.stop()


@asynccontextmanager
async def embedded_sqlite(req: EngineRequest) -> AsyncIterator[JobsHarness]:
    db = Database(f"sqlite+aiosqlite:///{req.tmp_path / 'jobs.db'}")
    await db.upgrade()
    try:
        async with embedded(req, db) as harness:
            yield harness
    finally:
        await db.close()


@asynccontextmanager
async def embedded_postgres(req: EngineRequest) -> AsyncIterator[JobsHarness]:
    db = Database(req.pytest_request.getfixturevalue("postgres_url"))
    await reset_postgres(db)
    try:
        async with embedded(req, db) as harness:
            yield harness
    finally:
        await db.close()


PROCRASTINATE_TABLES = (
    "procrastinate_jobs",
    "procrastinate_events",
    "procrastinate_periodic_defers",
    "procrastinate_workers",
)
# a job procrastinate runs whose outcome the ledger shows but procrastinate has not
# recorded yet (its new time after a failure is written a moment after the ledger's)
_UNSETTLED = text(
    "SELECT count(*) FROM procrastinate_jobs p JOIN jobs j ON j.engine_ref = p.id"
    " WHERE p.status = 'doing' AND j.state <> 'running'"
)
_SHIFT = text(
    "UPDATE procrastinate_jobs SET scheduled_at = scheduled_at - make_interval(secs => :s)"
    " WHERE status = 'todo' AND scheduled_at IS NOT NULL"
)


@asynccontextmanager
async def procrastinate(req: EngineRequest) -> AsyncIterator[JobsHarness]:
    db = Database(req.pytest_request.getfixturevalue("postgres_url"))
    options = {"poll_interval": 0.1, "stale_after": 3600, "stop_grace": 0.5, **req.options}
    engine = ProcrastinateJobs(db, clock=req.clock, concurrency=req.concurrency, **options)
    for kind in req.kinds:
        engine.register(kind)

    async def shift(seconds: float) -> None:
        """procrastinate waits on the database clock: move its waiting jobs' times back."""
        async with asyncio.timeout(10):
            while True:
                async with db.session() as s:
                    if not await s.scalar(_UNSETTLED):
                        await s.execute(_SHIFT, {"s": seconds})
                        return
                await asyncio.sleep(0.01)

    try:
        await engine.open()  # procrastinate's tables exist from here on
        await reset_postgres(db, *PROCRASTINATE_TABLES)
        yield JobsHarness(jobs=engine, clock=req.clock, on_advance=shift)
    finally:
        await engine.stop()
        await db.close()


ENGINES: list[EngineSpec] = [
    EngineSpec("embedded-sqlite", embedded_sqlite),
    EngineSpec("embedded-postgres", embedded_postgres, needs_postgres=True),
    EngineSpec("procrastinate", procrastinate, needs_postgres=True),
]


class EngineFactory(Protocol):
    name: str

    def __call__(
        self, *kinds: JobKind[Any], concurrency: int = 4, start: bool = True, **options: Any
    ) -> AbstractAsyncContextManager[JobsHarness]: ...


@dataclass
class _Factory:
    name: str
    spec: EngineSpec
    request: pytest.FixtureRequest
    tmp_path: Path

    @asynccontextmanager
    async def __call__(
        self, *kinds: JobKind[Any], concurrency: int = 4, start: bool = True, **options: Any
    ) -> AsyncIterator[JobsHarness]:
        req = EngineRequest(self.request, self.tmp_path, FakeClock(), kinds, concurrency, options)
        async with self.spec.build(req) as harness:
            if start:
                await harness.start()
            yield harness


def _require_postgres() -> None:
    if not os.environ.get("TEST_DATABASE_URL"):
        if os.environ.get("CI"):
            pytest.fail("CI must run the Postgres job engines: TEST_DATABASE_URL is not set")
        pytest.skip("Postgres not configured (set TEST_DATABASE_URL to run these)")


@pytest.fixture(params=[spec.name for spec in ENGINES])
def jobs_engine_factory(request: pytest.FixtureRequest, tmp_path: Path) -> EngineFactory:
    """Builds the parametrized engine: ``async with jobs_engine_factory(*kinds) as h``."""
    spec = next(s for s in ENGINES if s.name == request.param)
    if spec.needs_postgres:
        _require_postgres()
    return _Factory(spec.name, spec, request, tmp_path)
