"""Periodic jobs: the scheduler owns every background task and stops them all."""

from __future__ import annotations

import asyncio
import contextlib

import structlog

from concierge.core.skill import PeriodicJob

log = structlog.get_logger(__name__)


class Scheduler:
    def __init__(self, jobs: list[PeriodicJob]) -> None:
        self._jobs = list(jobs)
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        if self._tasks:
            raise RuntimeError("scheduler already started")
        for job in self._jobs:
            self._tasks.append(asyncio.create_task(self._loop(job), name=f"job:{job.name}"))
        log.info("scheduler_started", jobs=[job.name for job in self._jobs])

    async def run_once(self, name: str) -> None:
        """Run one job now (operators' `--once`, tests)."""
        for job in self._jobs:
            if job.name == name:
                await job.run()
                return
        raise KeyError(name)

    async def _loop(self, job: PeriodicJob) -> None:
        while True:
            try:
                await job.run()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("job_failed", job=job.name)
            await asyncio.sleep(job.interval_seconds)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
