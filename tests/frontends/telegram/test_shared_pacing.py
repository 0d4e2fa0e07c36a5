"""Telegram's send limits shared through Redis: two replicas count as one bot.

Each replica's ``TelegramRateLimiter`` would let one chat have a message a second, so
two would let it have two. The shared pacer reserves slots in Redis; these tests read
the waits it hands out (no sleeping, no wall-clock assertions): the reservations of two
pacers together follow one schedule, a group's window holds 20 for both, and another
bot's counts are its own. Needs ``TEST_REDIS_URL``; skipped without it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest

from concierge.frontends.telegram.shared_pacing import RedisPacer, connect

REDIS_URL = os.environ.get("TEST_REDIS_URL")
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="Redis not configured (TEST_REDIS_URL)")


@pytest.fixture
async def pair() -> AsyncIterator[tuple[RedisPacer, RedisPacer]]:
    assert REDIS_URL is not None
    token = f"test-{uuid.uuid4().hex}"  # keys of their own
    first, second = connect(REDIS_URL, token), connect(REDIS_URL, token)
    yield first, second
    await first.close()
    await second.close()


async def test_two_replicas_share_one_chat_schedule(pair: tuple[RedisPacer, RedisPacer]) -> None:
    first, second = pair
    waits = [
        await (first if n % 2 else second).reserve("chat:7", per_second=1.0, burst=3)
        for n in range(8)
    ]
    assert waits[:3] == [0.0, 0.0, 0.0]  # the burst goes at once
    for n in range(3, 8):  # then one a second, whichever replica asks (less the time asking took)
        assert n - 2 - 1.0 < waits[n] <= n - 2 + 1e-6, waits
        assert waits[n] > waits[n - 1], waits


async def test_another_chat_and_another_bot_are_not_slowed(
    pair: tuple[RedisPacer, RedisPacer],
) -> None:
    assert REDIS_URL is not None
    first, _ = pair
    for _ in range(5):
        await first.reserve("chat:1", per_second=1.0, burst=1)
    assert await first.reserve("chat:2", per_second=1.0, burst=1) == 0.0
    other = connect(REDIS_URL, f"test-{uuid.uuid4().hex}")
    try:
        assert await other.reserve("chat:1", per_second=1.0, burst=1) == 0.0
    finally:
        await other.close()


async def test_a_group_window_holds_its_limit_across_replicas(
    pair: tuple[RedisPacer, RedisPacer],
) -> None:
    first, second = pair
    waits = [
        await (first if n % 2 else second).admit("group:-5", limit=20, period=60.0)
        for n in range(21)
    ]
    assert waits[:20] == [0.0] * 20
    assert 50.0 < waits[20] <= 60.0 + 1e-6  # the 21st waits for the first to leave the minute
