"""The job contract: what every engine behind ``concierge.core.jobs.Jobs`` guarantees.

Runs once per engine in ``tests/core/jobs_engines.py`` (embedded on SQLite and Postgres,
and any engine appended there). Time moves through the harness (the injected clock),
never by sleeping; waits are deadlines for work, not pauses.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from concierge.core.jobs import (
    JobCancelled,
    JobContext,
    JobKind,
    JobState,
    PermanentJobError,
    Retry,
)
from tests.core.jobs_engines import EngineFactory, JobsHarness

DONE = JobState.SUCCEEDED


class Empty(BaseModel):
    pass


class Text(BaseModel):
    text: str


class Step(BaseModel):
    lane: str
    seq: int


async def _noop(ctx: JobContext, payload: Empty) -> None:
    return None


NOOP = JobKind("contract.noop", Empty, _noop)


async def settle(h: JobsHarness) -> None:
    """Once a job enqueued now has run, the engine has passed over everything due before it."""
    await h.wait_for(await h.jobs.enqueue(NOOP, {}), DONE)


def recorder(name: str, **kind_options: Any) -> tuple[JobKind[Text], list[tuple[int, int, str]]]:
    """A kind whose handler records (job id, attempt, text) for each run."""
    runs: list[tuple[int, int, str]] = []

    async def handle(ctx: JobContext, payload: Text) -> None:
        runs.append((ctx.job_id, ctx.attempt, payload.text))

    return JobKind(name, Text, handle, **kind_options), runs


async def test_an_enqueued_job_runs_once_and_succeeds(jobs_engine_factory: EngineFactory) -> None:
    echo, runs = recorder("contract.echo")
    async with jobs_engine_factory(echo, NOOP) as h:
        job_id = await h.jobs.enqueue(echo, Text(text="hi"), user_id=7)
        info = await h.wait_for(job_id, DONE)
    assert runs == [(job_id, 1, "hi")]
    assert (info.kind, info.payload, info.user_id, info.attempts) == (
        "contract.echo",
        {"text": "hi"},
        7,
        1,
    )
    assert info.finished_at is not None


async def test_a_bad_payload_is_refused_and_nothing_is_queued(
    jobs_engine_factory: EngineFactory,
) -> None:
    echo, _ = recorder("contract.echo")
    async with jobs_engine_factory(echo, start=False) as h:
        with pytest.raises(ValidationError):
            await h.jobs.enqueue(echo, {"wrong": 1})
        with pytest.raises(ValidationError):
            await h.jobs.enqueue("contract.echo", {"text": ["not", "text"]})
        assert await h.jobs.list() == []


async def test_a_dedupe_key_is_a_no_op_while_pending_and_free_again_once_done(
    jobs_engine_factory: EngineFactory,
) -> None:
    echo, runs = recorder("contract.echo")
    async with jobs_engine_factory(echo, start=False) as h:
        first = await h.jobs.enqueue(echo, {"text": "a"}, dedupe_key="remind:1")
        racing = await asyncio.gather(
            *(h.jobs.enqueue(echo, {"text": "b"}, dedupe_key="remind:1") for _ in range(5))
        )
        assert set(racing) == {first}
        fresh = await asyncio.gather(
            *(h.jobs.enqueue(echo, {"text": "d"}, dedupe_key="remind:2") for _ in range(5))
        )
        assert len(set(fresh)) == 1  # racing enqueues of new work still make one job
        await h.start()
        await h.wait_for(first, DONE)
        again = await h.jobs.enqueue(echo, {"text": "c"}, dedupe_key="remind:1")
        await h.wait_for(again, DONE)
    assert again != first
    assert sorted(text for _, _, text in runs) == ["a", "c", "d"]


async def test_lanes_keep_enqueue_order_while_different_lanes_run_in_parallel(
    jobs_engine_factory: EngineFactory,
) -> None:
    lanes = ["user:1", "user:2", "user:3"]
    events: list[tuple[str, str, int]] = []
    first_started = {lane: asyncio.Event() for lane in lanes}
    overlapped: list[str] = []

    async def step(ctx: JobContext, payload: Step) -> None:
        events.append(("start", payload.lane, payload.seq))
        if payload.seq == 0:  # the first job of each lane waits for the other lanes' first
            first_started[payload.lane].set()
            async with asyncio.timeout(10):
                await asyncio.gather(*(e.wait() for e in first_started.values()))
            overlapped.append(payload.lane)
        await asyncio.sleep(0)
        events.append(("end", payload.lane, payload.seq))

    kind = JobKind("contract.step", Step, step)
    async with jobs_engine_factory(kind, concurrency=6, start=False) as h:
        ids = [
            await h.jobs.enqueue(kind, Step(lane=lane, seq=seq), lane=lane)
            for seq in range(10)
            for lane in lanes
        ]
        await h.start()
        await h.wait_all(ids, DONE)
    assert sorted(overlapped) == lanes  # all three lanes had a job running at the same time
    for lane in lanes:
        mine = [(what, seq) for what, ln, seq in events if ln == lane]
        expected = [(what, seq) for seq in range(10) for what in ("start", "end")]
        assert mine == expected, f"{lane} ran out of order or overlapped itself"


async def test_a_failing_job_retries_with_back_off_then_fails_with_its_reason(
    jobs_engine_factory: EngineFactory,
) -> None:
    attempts: list[int] = []

    async def flaky(ctx: JobContext, payload: Empty) -> None:
        attempts.append(ctx.attempt)
        raise RuntimeError(f"boom {ctx.attempt}")

    retry = Retry(max_attempts=3, base=timedelta(seconds=60), cap=timedelta(hours=1))
    kind = JobKind("contract.flaky", Empty, flaky, retry=retry)
    async with jobs_engine_factory(kind, NOOP) as h:
        job_id = await h.jobs.enqueue(kind, {})
        info = await h.wait_for(job_id, JobState.QUEUED, where=lambda i: i.attempts == 1)
        assert info.error is not None and "boom 1" in info.error
        wait = info.run_at - h.clock.now()
        assert timedelta(seconds=30) <= wait <= timedelta(seconds=60)

        await settle(h)  # the retry is not due yet: it must not have run early
        assert attempts == [1]

        await h.advance(60)
        info = await h.wait_for(job_id, JobState.QUEUED, where=lambda i: i.attempts == 2)
        assert timedelta(seconds=60) <= info.run_at - h.clock.now() <= timedelta(seconds=120)

        await h.advance(120)
        info = await h.wait_for(job_id, JobState.FAILED)
    assert attempts == [1, 2, 3]
    assert info.attempts == 3
    assert info.error is not None and "RuntimeError" in info.error and "boom 3" in info.error


async def test_a_permanent_error_fails_at_once(jobs_engine_factory: EngineFactory) -> None:
    attempts: list[int] = []

    async def gone(ctx: JobContext, payload: Empty) -> None:
        attempts.append(ctx.attempt)
        raise PermanentJobError("the release was removed")

    kind = JobKind("contract.gone", Empty, gone, retry=Retry(max_attempts=5))
    async with jobs_engine_factory(kind) as h:
        info = await h.wait_for(await h.jobs.enqueue(kind, {}), JobState.FAILED)
    assert attempts == [1]
    assert info.error is not None and "the release was removed" in info.error


async def test_an_attempt_over_its_timeout_counts_as_a_failure(
    jobs_engine_factory: EngineFactory,
) -> None:
    never = asyncio.Event()

    async def stuck(ctx: JobContext, payload: Empty) -> None:
        await never.wait()

    kind = JobKind("contract.stuck", Empty, stuck, retry=Retry(max_attempts=1), timeout=0.05)
    async with jobs_engine_factory(kind) as h:
        info = await h.wait_for(await h.jobs.enqueue(kind, {}), JobState.FAILED)
    assert info.error is not None and "Timeout" in info.error


async def test_cancelling_a_queued_job_ends_it_before_it_runs(
    jobs_engine_factory: EngineFactory,
) -> None:
    echo, runs = recorder("contract.echo")
    async with jobs_engine_factory(echo, NOOP, start=False) as h:
        job_id = await h.jobs.enqueue(echo, {"text": "never"})
        assert await h.jobs.cancel(job_id) is True
        await h.start()
        await settle(h)
        info = await h.jobs.get(job_id)
        assert await h.jobs.cancel(job_id) is False  # already over: nothing to cancel
    assert info is not None and info.state is JobState.CANCELLED
    assert runs == []


async def test_cancelling_a_running_job_tells_the_handler_and_it_ends_cancelled(
    jobs_engine_factory: EngineFactory,
) -> None:
    started = asyncio.Event()
    told: list[str] = []

    async def long(ctx: JobContext, payload: Empty) -> None:
        started.set()
        try:
            while True:
                await ctx.check_cancelled()
                await asyncio.sleep(0.01)
        except (asyncio.CancelledError, JobCancelled) as exc:
            told.append(type(exc).__name__)
            raise

    kind = JobKind("contract.long", Empty, long)
    async with jobs_engine_factory(kind) as h:
        job_id = await h.jobs.enqueue(kind, {})
        async with asyncio.timeout(10):
            await started.wait()
        assert await h.jobs.cancel(job_id) is True
        info = await h.wait_for(job_id, JobState.CANCELLED)
    assert told, "the handler was never told about the cancel"
    assert info.attempts == 1


async def test_progress_reported_by_a_handler_is_visible_through_get(
    jobs_engine_factory: EngineFactory,
) -> None:
    release = asyncio.Event()

    async def slow(ctx: JobContext, payload: Empty) -> None:
        await ctx.progress(0.5, "half way")
        async with asyncio.timeout(10):
            await release.wait()

    kind = JobKind("contract.slow", Empty, slow)
    async with jobs_engine_factory(kind) as h:
        job_id = await h.jobs.enqueue(kind, {})
        info = await h.wait_for(job_id, JobState.RUNNING, where=lambda i: i.progress == 0.5)
        release.set()
        await h.wait_for(job_id, DONE)
    assert info.note == "half way"


async def test_stats_count_jobs_per_kind_and_state_and_the_oldest_wait(
    jobs_engine_factory: EngineFactory,
) -> None:
    echo, _ = recorder("contract.echo")

    async def gone(ctx: JobContext, payload: Empty) -> None:
        raise PermanentJobError("no")

    bad = JobKind("contract.bad", Empty, gone)
    async with jobs_engine_factory(echo, bad, start=False) as h:
        due = [await h.jobs.enqueue(echo, {"text": str(n)}) for n in range(2)]
        later = await h.jobs.enqueue(
            echo, {"text": "later"}, run_at=h.clock.now() + timedelta(hours=1)
        )
        dropped = await h.jobs.enqueue(echo, {"text": "dropped"})
        await h.jobs.cancel(dropped)
        failing = await h.jobs.enqueue(bad, {})
        await h.advance(30)
        before = await h.jobs.stats()
        await h.start()
        await h.wait_all(due, DONE)
        await h.wait_for(failing, JobState.FAILED)
        after = await h.jobs.stats()
        assert (await h.jobs.get(later)) is not None
    assert before.depth == 4  # two due, one later, one of the failing kind
    assert before.oldest_due_seconds >= 30
    assert after.kinds["contract.echo"].succeeded == 2
    assert after.kinds["contract.echo"].queued == 1
    assert after.kinds["contract.echo"].cancelled == 1
    assert after.kinds["contract.bad"].failed == 1
    assert after.depth == 1 and after.oldest_due_seconds == 0


async def test_a_kind_concurrency_limit_is_honoured(jobs_engine_factory: EngineFactory) -> None:
    release = asyncio.Event()
    active = 0
    most = 0

    async def limited(ctx: JobContext, payload: Empty) -> None:
        nonlocal active, most
        active += 1
        most = max(most, active)
        try:
            async with asyncio.timeout(10):
                await release.wait()
        finally:
            active -= 1

    kind = JobKind("contract.limited", Empty, limited, concurrency=2)
    async with jobs_engine_factory(kind, NOOP, concurrency=6, start=False) as h:
        ids = [await h.jobs.enqueue(kind, {}) for _ in range(6)]
        await h.start()
        await settle(h)  # the engine passed over the other four limited jobs to reach this one
        running = await h.jobs.list(kind="contract.limited", states=[JobState.RUNNING])
        assert (active, len(running)) == (2, 2)
        release.set()
        await h.wait_all(ids, DONE)
    assert most == 2


async def test_higher_priority_runs_first_then_enqueue_order(
    jobs_engine_factory: EngineFactory,
) -> None:
    echo, runs = recorder("contract.echo")
    async with jobs_engine_factory(echo, concurrency=1, start=False) as h:
        ids = [
            await h.jobs.enqueue(echo, {"text": text}, priority=priority)
            for text, priority in [("normal", 0), ("urgent", 5), ("low", -1), ("urgent2", 5)]
        ]
        await h.start()
        await h.wait_all(ids, DONE)
    assert [text for _, _, text in runs] == ["urgent", "urgent2", "normal", "low"]


async def test_a_job_for_later_does_not_run_early(jobs_engine_factory: EngineFactory) -> None:
    echo, runs = recorder("contract.echo")
    async with jobs_engine_factory(echo, NOOP) as h:
        job_id = await h.jobs.enqueue(
            echo, {"text": "later"}, run_at=h.clock.now() + timedelta(minutes=10)
        )
        await settle(h)
        assert runs == []
        await h.advance(600)
        await h.wait_for(job_id, DONE)
    assert [text for _, _, text in runs] == ["later"]


async def test_list_filters_and_returns_newest_first(jobs_engine_factory: EngineFactory) -> None:
    echo, _ = recorder("contract.echo")
    async with jobs_engine_factory(echo, start=False) as h:
        a = await h.jobs.enqueue(echo, {"text": "a"}, user_id=1, lane="user:1")
        b = await h.jobs.enqueue(echo, {"text": "b"}, user_id=2)
        c = await h.jobs.enqueue(echo, {"text": "c"}, user_id=1, lane="user:1")
        await h.jobs.cancel(c)
        everything = [j.id for j in await h.jobs.list()]
        of_user = [j.id for j in await h.jobs.list(user_id=1)]
        queued = [j.id for j in await h.jobs.list(states=[JobState.QUEUED])]
        in_lane = [j.id for j in await h.jobs.list(lane="user:1", limit=1)]
    assert everything == [c, b, a]
    assert of_user == [c, a]
    assert queued == [b, a]
    assert in_lane == [c]
