"""Pacing and retries: bursts slow down under 429s but every reply arrives, in order."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from telegram.error import BadRequest, RetryAfter

from concierge.frontends.telegram.ratelimit import RateLimits, TelegramRateLimiter
from concierge.storage.db import Database
from tests.frontends.telegram.conftest import OWNER, STRANGER, Stack, build_stack, running
from tests.support.fake_telegram import FakeTelegram


async def test_burst_of_60_replies_survives_429s_in_order(fake: FakeTelegram, stack: Stack) -> None:
    fake.fail("sendMessage", status=429, retry_after=1, after=10)
    fake.fail("sendMessage", status=429, retry_after=1, times=2, after=25)
    fake.fail("sendMessage", status=502, after=10)
    started = time.monotonic()
    async with running(stack.frontend(fake)):
        fake.push(fake.text_update(OWNER, "/burst 60"))
        await fake.wait_for(lambda: len(fake.sent_texts(OWNER)) == 60, seconds=20, what="burst")
    assert fake.sent_texts(OWNER) == [f"burst {i}" for i in range(60)]
    refused = [c for c in fake.calls_to("sendMessage") if not c.ok]
    assert [c.status for c in refused] == [429, 429, 429, 502]
    assert time.monotonic() - started >= 2.0  # each retry_after=1 was waited out
    retried_at = [c.at for c in fake.calls_to("sendMessage")]
    first_429 = next(i for i, c in enumerate(fake.calls_to("sendMessage")) if c.status == 429)
    assert retried_at[first_429 + 1] - retried_at[first_429] >= 1.0


class Clock:
    """Records when each fake call ran; answers 429 for the chats told to."""

    def __init__(self) -> None:
        self.calls: list[tuple[object, float]] = []
        self.flood: dict[object, int] = {}

    def callback(self, chat: object) -> Any:
        async def call() -> dict[str, Any]:
            if self.flood.get(chat, 0) > 0:
                self.flood[chat] -= 1
                raise RetryAfter(1)
            self.calls.append((chat, time.monotonic()))
            return {"ok": True}

        return call


async def send(
    limiter: TelegramRateLimiter, clock: Clock, chat: int, method: str = "sendMessage"
) -> None:
    await limiter.process_request(clock.callback(chat), (), {}, method, {"chat_id": chat}, None)


async def test_one_chat_is_paced_and_others_are_not_held_up() -> None:
    limiter = TelegramRateLimiter(
        RateLimits(chat_per_second=20, chat_burst=1, overall_per_second=0)
    )
    clock = Clock()
    started = time.monotonic()
    await asyncio.gather(
        *(send(limiter, clock, 1) for _ in range(6)),
        *(send(limiter, clock, c) for c in range(2, 7)),
    )
    one_chat = [at for chat, at in clock.calls if chat == 1]
    others = [at for chat, at in clock.calls if chat != 1]
    assert one_chat[-1] - started >= 0.2  # 6 messages at 20/s with no burst: ≥ 5 gaps of 50 ms
    assert max(others) < one_chat[-1] - 0.1  # the other chats were done long before


async def test_chat_actions_and_callback_answers_skip_the_chat_pace() -> None:
    limiter = TelegramRateLimiter(RateLimits(chat_per_second=1, chat_burst=1, overall_per_second=0))
    clock = Clock()
    started = time.monotonic()
    await send(limiter, clock, 1)
    await send(limiter, clock, 1, "sendChatAction")
    await send(limiter, clock, 1, "sendMessageDraft")
    assert time.monotonic() - started < 1.0  # paced at 1/s these three would take >= 2 s


async def test_overall_limit_spreads_many_chats() -> None:
    limiter = TelegramRateLimiter(RateLimits(overall_per_second=20, chat_per_second=0))
    clock = Clock()
    started = time.monotonic()
    await asyncio.gather(*(send(limiter, clock, chat) for chat in range(30)))
    assert time.monotonic() - started >= 0.4  # 20 at once, then 10 more at 20/s


async def test_retry_after_pauses_only_that_chat() -> None:
    limiter = TelegramRateLimiter(RateLimits(chat_per_second=0, overall_per_second=0))
    clock = Clock()
    clock.flood[1] = 1
    started = time.monotonic()
    await asyncio.gather(send(limiter, clock, 1), send(limiter, clock, 2))
    at = dict(clock.calls)
    assert at[1] - started >= 1.0
    assert at[2] < at[1] - 0.5  # chat 2 went through while chat 1 waited


async def test_bad_requests_are_not_retried() -> None:
    limiter = TelegramRateLimiter(RateLimits())
    attempts = 0

    async def refused() -> bool:
        nonlocal attempts
        attempts += 1
        raise BadRequest("Bad Request: message text is empty")

    with pytest.raises(BadRequest):
        await limiter.process_request(refused, (), {}, "sendMessage", {"chat_id": 5}, None)
    assert attempts == 1


async def test_group_burst_keeps_to_the_group_limit_while_a_private_chat_flows(
    sqlite_db: Database,
) -> None:
    """Telegram's 20 a minute per group, scaled down to 5 per 2 s and enforced by the fake."""
    fake = FakeTelegram(group_limit=(5, 2.0)).start()
    try:
        stack = build_stack(sqlite_db, mode="open")
        limits = RateLimits(
            overall_per_second=0, chat_per_second=0, group_messages=5, group_period=2.0
        )
        group = -100800
        started = time.perf_counter()
        async with running(stack.frontend(fake, limits=limits)):
            fake.push_many(
                [
                    fake.text_update(OWNER, "/burst 8", chat_id=group, kind="supergroup"),
                    fake.text_update(STRANGER, "/burst 5", name="Bob"),
                ]
            )
            await fake.wait_for(lambda: len(fake.sent_texts(group)) == 8, what="group burst")
            await fake.wait_for(lambda: len(fake.sent_texts(STRANGER)) == 5, what="private")
    finally:
        fake.stop()

    group_calls = fake.calls_to("sendMessage", chat_id=group)
    assert all(c.ok for c in group_calls), [c.status for c in group_calls]  # never over the limit
    assert fake.sent_texts(group) == [f"burst {i}" for i in range(8)]  # nothing dropped, in order
    at = [c.at for c in group_calls]
    assert all(later - earlier >= 2.0 for earlier, later in zip(at, at[5:], strict=False))
    assert at[-1] - started >= 2.0  # the sixth had to wait for the window
    private = [c.at for c in fake.calls_to("sendMessage", chat_id=STRANGER)]
    assert fake.sent_texts(STRANGER) == [f"burst {i}" for i in range(5)]
    assert max(private) < at[5] - 1.0  # the private chat was done long before
