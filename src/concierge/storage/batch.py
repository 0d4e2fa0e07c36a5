"""Group commit: calls that arrive while one batch is being written go together in the next.

Under a burst (a hundred users writing at once) every update stores the same kinds of
rows; written one transaction each, the SQLite connection is taken in turn a hundred
times and each statement costs several trips to aiosqlite's thread (issue 15, P8). A
``Batcher`` sends whatever queued up meanwhile as one call, so one transaction serves
them all. Each caller still returns only once its own item is written, with its own
result or error: the calling code sees the same contract as a call of its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeAlias, TypeVar

T = TypeVar("T")
R = TypeVar("R")

Outcome: TypeAlias = R | BaseException  # per item: its result, or the error it alone met


@dataclass(slots=True)
class _Waiting(Generic[T, R]):
    item: T
    done: asyncio.Future[R]


class Batcher(Generic[T, R]):
    """``await batcher(item)``: ``run_many`` gets every item queued since the last run.

    ``run_many`` returns one outcome per item, in order. If it raises, each item of that
    batch is run again alone, so one bad item cannot fail the others. Nothing waits to
    collect a batch: an idle batcher starts writing at the next turn of the event loop.
    """

    def __init__(self, run_many: Callable[[Sequence[T]], Awaitable[Sequence[Outcome[R]]]]) -> None:
        self._run_many = run_many
        self._queue: list[_Waiting[T, R]] = []
        self._writer: asyncio.Task[None] | None = None

    async def __call__(self, item: T) -> R:
        done: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._queue.append(_Waiting(item, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write(), name="storage-batch")
        return await done  # cancelling the caller leaves the write to go ahead

    async def _write(self) -> None:
        while self._queue:
            batch, self._queue = self._queue, []
            try:
                outcomes = await self._run_many([w.item for w in batch])
            except asyncio.CancelledError:  # shutting down: no caller waits forever
                for waiting in (*batch, *self._queue):
                    waiting.done.cancel()
                raise
            except Exception as exc:
                if len(batch) == 1:
                    _settle(batch[0], exc)
                    continue
                for waiting in batch:  # alone: only the item that fails sees its error
                    try:
                        (outcome,) = await self._run_many([waiting.item])
                    except Exception as alone:
                        outcome = alone
                    _settle(waiting, outcome)
                continue
            for waiting, outcome in zip(batch, outcomes, strict=True):
                _settle(waiting, outcome)


def _settle(waiting: _Waiting[T, R], outcome: Outcome[R]) -> None:
    if waiting.done.done():  # its caller was cancelled
        return
    if isinstance(outcome, BaseException):
        waiting.done.set_exception(outcome)
    else:
        waiting.done.set_result(outcome)
