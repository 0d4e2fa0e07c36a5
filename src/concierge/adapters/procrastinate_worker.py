"""This process's procrastinate worker, kept alive, and the tending of dead workers' jobs.

procrastinate's ``Worker`` ends when its fetch loop meets a database error, and its
heartbeat task dies unnoticed on one (its side-task monitor is gone once the periodic
deferrer, idle without periodic tasks, returns). So a supervisor runs the worker again
after a back-off, and the tending loop sends heartbeats too: a live worker never looks
dead to the others. Each tending round also retries the jobs of workers silent for
``stale_after`` seconds (procrastinate's stalled-jobs recipe), writing the ledger first.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress
from typing import Any

import structlog
from procrastinate import App
from procrastinate.exceptions import ProcrastinateException
from procrastinate.jobs import Status
from procrastinate.worker import Worker
from sqlalchemy.exc import SQLAlchemyError

from concierge.adapters.procrastinate_run import JobExecutor
from concierge.core.jobs import JobState

log = structlog.get_logger(__name__)

# the ledger's end states as procrastinate's, for a stalled job that was in fact over
_FINAL = {
    JobState.SUCCEEDED: Status.SUCCEEDED,
    JobState.FAILED: Status.FAILED,
    JobState.CANCELLED: Status.ABORTED,
}
_RESTART_CAP = 30.0  # seconds between attempts to bring a failed worker back


class WorkerLoop:
    """Owns the worker and tending tasks of one ``ProcrastinateJobs`` between start and stop."""

    def __init__(
        self, app: App, executor: JobExecutor, *, stale_after: float, stop_grace: float
    ) -> None:
        self._app = app
        self._executor = executor
        self._stale_after = stale_after
        self._grace = stop_grace
        self._worker: Worker | None = None
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def start(self, **worker_options: Any) -> None:
        if self._tasks:
            return
        self._stopping.clear()
        self._tasks = [
            asyncio.create_task(self._supervise(worker_options), name="procrastinate-worker"),
            asyncio.create_task(self._tend_loop(), name="procrastinate-tend"),
        ]
        for task in self._tasks:
            task.add_done_callback(_loop_ended)

    async def stop(self) -> None:
        """Stop fetching, give running jobs ``stop_grace`` seconds, hand back the rest."""
        if not self._tasks:
            return
        supervisor, tend = self._tasks
        self._stopping.set()
        if self._worker is not None:
            self._worker.stop()  # type: ignore[no-untyped-call]
        try:
            async with asyncio.timeout(self._grace + 10):
                await asyncio.wait([supervisor])
        except TimeoutError:
            log.error("jobs.stop_timeout", worker=self._executor.worker_id)
            supervisor.cancel()
            await asyncio.wait([supervisor])
        tend.cancel()
        await asyncio.wait([tend])
        self._tasks = []

    async def _supervise(self, options: dict[str, Any]) -> None:
        pause = 1.0
        while not self._stopping.is_set():
            self._worker = Worker(self._app, **options)
            try:
                await self._worker.run()  # type: ignore[no-untyped-call]
            except Exception:  # kept alive: logged, then run again after a pause
                log.exception("jobs.worker_failed", worker=self._executor.worker_id)
            if self._stopping.is_set():
                break
            log.warning("jobs.worker_restarting", worker=self._executor.worker_id, in_s=pause)
            with suppress(TimeoutError):
                async with asyncio.timeout(pause):
                    await self._stopping.wait()
            pause = min(pause * 2, _RESTART_CAP)
        self._worker = None

    async def _tend_loop(self) -> None:
        while True:
            await asyncio.sleep(self._stale_after / 4)
            try:
                worker_id = self._worker.worker_id if self._worker is not None else None
                if worker_id is not None:
                    await self._app.job_manager.update_heartbeat(worker_id)
                await self.recover_stalled()
            except (ProcrastinateException, SQLAlchemyError, OSError) as exc:
                log.warning("jobs.tend_failed", worker=self._executor.worker_id, error=str(exc))

    async def recover_stalled(self) -> int:
        """Hand the jobs of silent workers out again (or end them, as the ledger says)."""
        manager = self._app.job_manager
        stalled = await manager.get_stalled_jobs(seconds_since_heartbeat=self._stale_after)
        recovered = 0
        for job in stalled:
            assert job.id is not None
            state = await self._executor.recover(job, silent_for=self._stale_after)
            try:
                if state in _FINAL:
                    await manager.finish_job_by_id_async(job.id, _FINAL[state], delete_job=False)
                else:
                    await manager.retry_job(job)
            except ProcrastinateException:  # another worker took it back first
                continue
            recovered += 1
            log.warning(
                "job.recovered",
                job_id=job.task_kwargs.get("job_id"),
                kind=job.task_name,
                engine_worker=job.worker_id,
                state=state.value if state else None,
            )
        return recovered


def _loop_ended(task: asyncio.Task[None]) -> None:
    """The worker and the tending loop end only at stop(); anything else is a bug."""
    if not task.cancelled() and task.exception() is not None:
        log.error("jobs.loop_crashed", loop=task.get_name(), exc_info=task.exception())
