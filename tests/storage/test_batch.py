"""Group commit: calls made together run as one batch; each caller keeps its own outcome."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from concierge.storage.batch import Batcher, Outcome


class Recorder:
    """A ``run_many`` that doubles numbers, refuses negative ones and records its batches."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.gate: asyncio.Event | None = None

    async def run_many(self, items: Sequence[int]) -> list[Outcome[int]]:
        self.batches.append(list(items))
        if self.gate is not None:
            await self.gate.wait()
        if any(i < 0 for i in items):
            raise ValueError(f"negative among {list(items)}")
        return [2 * i for i in items]


async def test_calls_made_together_share_one_batch_and_get_their_own_results() -> None:
    recorder = Recorder()
    batcher = Batcher(recorder.run_many)
    assert await asyncio.gather(*(batcher(i) for i in range(5))) == [0, 2, 4, 6, 8]
    assert recorder.batches == [[0, 1, 2, 3, 4]]


async def test_calls_made_while_a_batch_is_written_go_in_the_next_one() -> None:
    recorder = Recorder()
    recorder.gate = asyncio.Event()
    batcher = Batcher(recorder.run_many)
    first = asyncio.create_task(batcher(1))
    await asyncio.sleep(0)
    await asyncio.sleep(0)  # the writer took [1] and waits on the gate
    later = [asyncio.create_task(batcher(i)) for i in (2, 3)]
    await asyncio.sleep(0)
    recorder.gate.set()
    assert await first == 2
    assert [await t for t in later] == [4, 6]
    assert recorder.batches == [[1], [2, 3]]


async def test_one_failing_item_fails_only_its_own_caller() -> None:
    recorder = Recorder()
    batcher = Batcher(recorder.run_many)
    results = await asyncio.gather(*(batcher(i) for i in (1, -1, 3)), return_exceptions=True)
    assert results[0] == 2 and results[2] == 6
    assert isinstance(results[1], ValueError)
    assert recorder.batches == [[1, -1, 3], [1], [-1], [3]]  # the batch, then each alone


async def test_a_cancelled_caller_leaves_the_others_and_the_write_alone() -> None:
    recorder = Recorder()
    recorder.gate = asyncio.Event()
    batcher = Batcher(recorder.run_many)
    cancelled = asyncio.create_task(batcher(1))
    kept = asyncio.create_task(batcher(2))
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    cancelled.cancel()
    recorder.gate.set()
    assert await kept == 4
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    assert recorder.batches == [[1, 2]]  # written all the same


async def test_an_idle_batcher_starts_again_for_the_next_call() -> None:
    recorder = Recorder()
    batcher = Batcher(recorder.run_many)
    assert await batcher(1) == 2
    assert await batcher(2) == 4
    assert recorder.batches == [[1], [2]]
