"""Two processes run the same 2-second schedule for 20 s: every tick runs exactly once.

Both processes (``tests/support/schedule_worker.py``) tick the scheduler on the real
clock against one database (SQLite file, and Postgres when configured); the tick
ledger lets only one of them enqueue each tick.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from concierge.storage.db import Database
from concierge.storage.models import JobRow
from tests.support.schedule_worker import metadata, tick_runs

ROOT = Path(__file__).resolve().parents[2]
EVERY = 2.0
SECONDS = 20.0


@pytest.fixture(params=["sqlite", "postgres"])
async def shared_db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        db = Database(f"sqlite+aiosqlite:///{tmp_path / 'ticks.db'}")
        await db.upgrade()
    else:
        db = Database(request.getfixturevalue("postgres_url"))
    async with db.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        if not db.is_sqlite:
            await conn.execute(text("TRUNCATE jobs, schedule_ticks, trial_tick_runs"))
    try:
        yield db
    finally:
        if not db.is_sqlite:
            async with db.engine.begin() as conn:
                await conn.run_sync(metadata.drop_all)
        await db.close()


async def _run_two(url: str, logs: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = []
    for worker in ("A", "B"):
        cmd = [sys.executable, "-m", "tests.support.schedule_worker", "--url", url]
        cmd += ["--worker-id", worker, "--every", str(EVERY), "--seconds", str(SECONDS)]
        log = (logs / f"{worker}.log").open("wb")
        procs.append(
            await asyncio.create_subprocess_exec(
                *cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        )
    for proc in procs:
        assert await asyncio.wait_for(proc.wait(), SECONDS + 60) == 0, (logs / "A.log").read_text()


async def test_each_tick_of_a_two_second_schedule_runs_once_on_two_processes(
    shared_db: Database, tmp_path: Path
) -> None:
    url = shared_db.engine.url.render_as_string(hide_password=False)
    await _run_two(url, tmp_path)
    async with shared_db.session() as s:
        keys = list(await s.scalars(select(JobRow.dedupe_key).where(JobRow.kind == "trial.tick")))
        runs = (
            await s.execute(select(tick_runs.c.job_id, func.count()).group_by(tick_runs.c.job_id))
        ).all()
        workers = set(await s.scalars(select(tick_runs.c.worker)))
    twice = [job for job, n in runs if n > 1]
    print(
        f"\n[{shared_db.backend}] ticks={len(keys)} distinct={len(set(keys))} ran_twice={len(twice)} workers={sorted(workers)}"
    )
    assert len(keys) == len(set(keys)), "a tick was enqueued twice"
    assert not twice, "a tick ran twice"
    assert len(runs) == len(keys)  # every tick ran
    # both processes lived ~20 s: about ten 2-s ticks, none skipped in between
    assert len(keys) >= (SECONDS / EVERY) - 3
    assert _gaps(keys) == {timedelta(seconds=EVERY)}


def _gaps(keys: list[str | None]) -> set[timedelta]:
    moments = sorted(datetime.fromisoformat(key.split(":", 2)[2]) for key in keys if key)
    return {b - a for a, b in itertools.pairwise(moments)}
