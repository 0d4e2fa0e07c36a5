"""What the procrastinate engine adds beyond the contract: its worker outlives database
trouble.

procrastinate's own worker ends when its fetch loop meets a database error; the engine
runs it again after a pause, so an outage costs a pause, not the process's worker. Cut
connections heal by themselves (the pool checks them, the listener reconnects).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel
from sqlalchemy import text
from structlog.testing import capture_logs

from concierge.core.jobs import JobContext, JobKind, JobState
from tests.core.jobs_engines import EngineFactory, JobsHarness

pytestmark = pytest.mark.parametrize("jobs_engine_factory", ["procrastinate"], indirect=True)

_CUT = text(
    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
)


class Item(BaseModel):
    n: int


@pytest.fixture
def events() -> Iterator[list[dict[str, Any]]]:
    with capture_logs() as captured:
        yield captured


async def _sql(h: JobsHarness, statement: str) -> Any:
    db = h.jobs._db  # type: ignore[attr-defined]
    async with db.session() as s:
        result = await s.execute(text(statement))
        return result.scalar() if result.returns_rows else None


async def _logged(events: list[dict[str, Any]], name: str) -> None:
    """Returns once ``name`` was logged (polls the captured events)."""
    while True:
        if any(e["event"] == name for e in events):
            return
        await asyncio.sleep(0.02)


def recorder() -> tuple[JobKind[Item], list[int]]:
    done: list[int] = []

    async def work(ctx: JobContext, payload: Item) -> None:
        done.append(payload.n)

    return JobKind("engine.item", Item, work), done


async def test_jobs_still_run_after_every_connection_was_cut(
    jobs_engine_factory: EngineFactory,
) -> None:
    kind, done = recorder()
    async with jobs_engine_factory(kind) as h:
        await h.wait_for(await h.jobs.enqueue(kind, Item(n=1)), JobState.SUCCEEDED)
        assert await _sql(h, str(_CUT)) >= 2  # the worker's listener and pool at least
        later = [await h.jobs.enqueue(kind, Item(n=n)) for n in range(2, 6)]
        await h.wait_all(later, JobState.SUCCEEDED)
    assert sorted(done) == [1, 2, 3, 4, 5]


async def test_a_worker_that_failed_on_the_database_is_run_again(
    jobs_engine_factory: EngineFactory, events: list[dict[str, Any]]
) -> None:
    kind, done = recorder()
    async with jobs_engine_factory(kind) as h:
        await h.wait_for(await h.jobs.enqueue(kind, Item(n=1)), JobState.SUCCEEDED)
        await _sql(h, "ALTER TABLE procrastinate_jobs RENAME TO procrastinate_jobs_away")
        try:
            async with asyncio.timeout(15):  # its next poll fails: the worker ends
                await _logged(events, "jobs.worker_restarting")
        finally:
            await _sql(h, "ALTER TABLE procrastinate_jobs_away RENAME TO procrastinate_jobs")
        await h.wait_for(await h.jobs.enqueue(kind, Item(n=2)), JobState.SUCCEEDED, timeout=30)
    assert done == [1, 2]
    assert any(e["event"] == "jobs.worker_failed" for e in events)
