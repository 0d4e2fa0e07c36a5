"""Outgoing Bot API calls paced to Telegram's limits, with retries that keep order.

Telegram allows about 30 messages a second overall, 20 a minute per group and
about one a second per chat (short bursts pass). The group limit is a sliding
window, not a bucket: a bucket would let 20 through at once and then 20 more
within the same minute. A 429 carries ``retry_after``:
the chat it came from waits that long and the same call is sent again, so a
burst is slowed down, never dropped. Calls to one chat are awaited one after
another by their sender, so retrying in place keeps them in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import warnings
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Protocol

import structlog
from aiolimiter import AsyncLimiter
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.ext import BaseRateLimiter

log = structlog.get_logger(__name__)

# Calls that put a message in a chat (what the per-chat and per-group limits count).
MESSAGE_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendVideo",
        "sendAudio",
        "sendVoice",
        "sendAnimation",
        "sendMediaGroup",
        "sendSticker",
        "sendLocation",
        "copyMessage",
        "forwardMessage",
        "editMessageText",
        "editMessageCaption",
        "editMessageReplyMarkup",
        "editMessageMedia",
    }
)
# Safe to repeat after a timeout: repeating them cannot duplicate a message.
IDEMPOTENT_METHODS = frozenset(
    {
        "getMe",
        "getFile",
        "getChat",
        "setMyCommands",
        "deleteMyCommands",
        "setWebhook",
        "deleteWebhook",
        "getWebhookInfo",
        "sendChatAction",
        "sendMessageDraft",
        "answerCallbackQuery",
        "editMessageText",
        "editMessageCaption",
        "editMessageReplyMarkup",
    }
)

Result = bool | dict[str, Any] | list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class RateLimits:
    overall_per_second: float = 30.0
    group_messages: int = 20  # per group within group_period seconds
    group_period: float = 60.0
    chat_per_second: float = 1.0
    chat_burst: int = 3
    max_retry_after: int = 10  # 429 answers honoured per call before giving up
    network_retries: int = 3  # 5xx / connection failures per call
    backoff_seconds: float = 0.5

    @classmethod
    def unlimited(cls) -> RateLimits:
        """No pacing (retries stay): for local Bot API servers in tests and benchmarks."""
        return cls(overall_per_second=0, group_messages=0, chat_per_second=0)


class SlidingWindow:
    """At most ``limit`` calls in any ``period`` seconds, as Telegram counts them.

    A slot is taken before the call and freed ``period`` after the call ends, so
    however long the request took to reach Telegram, no window it can see holds
    more than ``limit`` of them.
    """

    def __init__(self, limit: int, period: float) -> None:
        self._slots = asyncio.Semaphore(limit)
        self._period = period
        self._held = 0

    @property
    def idle(self) -> bool:
        return self._held == 0

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        await self._slots.acquire()
        self._held += 1
        try:
            yield
        finally:
            asyncio.get_running_loop().call_later(self._period, self._free)

    def _free(self) -> None:
        self._held -= 1
        self._slots.release()


class SharedPacer(Protocol):
    """Limits counted outside this process (``shared_pacing.RedisPacer``)."""

    async def rate(self, key: str, per_second: float, burst: int) -> None: ...

    async def window(self, key: str, limit: int, period: float) -> None: ...

    async def close(self) -> None: ...


class TelegramRateLimiter(BaseRateLimiter[int]):
    """``shared``: every replica's sends counted together (Redis); else this process's."""

    def __init__(self, limits: RateLimits, shared: SharedPacer | None = None) -> None:
        self._limits = limits
        self._shared = shared
        self._overall = (
            AsyncLimiter(limits.overall_per_second, 1) if limits.overall_per_second > 0 else None
        )
        self._chats: dict[int | str, AsyncLimiter] = {}
        self._groups: dict[int | str, SlidingWindow] = {}
        self._paused_until: dict[int | str | None, float] = {}

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        self._chats.clear()
        self._groups.clear()
        if self._shared is not None:
            await self._shared.close()

    def _chat_limiter(self, chat: int | str, rate: float, period: float) -> AsyncLimiter:
        table = self._chats
        if len(table) > 1024:  # forget idle chats
            for idle in [k for k, lim in table.items() if lim.has_capacity(lim.max_rate)]:
                del table[idle]
        limiter = table.get(chat)
        if limiter is None:
            limiter = table[chat] = AsyncLimiter(rate, period)
        return limiter

    def _group_window(self, endpoint: str, chat: int | str | None) -> SlidingWindow | None:
        limits = self._limits
        if chat is None or not _is_group(chat) or endpoint not in MESSAGE_METHODS:
            return None
        if limits.group_messages <= 0:
            return None
        table = self._groups
        if len(table) > 1024:  # forget idle groups
            for idle in [k for k, window in table.items() if window.idle]:
                del table[idle]
        window = table.get(chat)
        if window is None:
            window = table[chat] = SlidingWindow(limits.group_messages, limits.group_period)
        return window

    async def _pace(self, endpoint: str, chat: int | str | None) -> None:
        for key in (None, chat):
            wait = self._paused_until.get(key, 0.0) - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
        limits = self._limits
        if self._shared is not None:
            await self._pace_shared(self._shared, endpoint, chat)
            return
        if chat is not None and endpoint in MESSAGE_METHODS and limits.chat_per_second > 0:
            burst = max(1, limits.chat_burst)
            period = burst / limits.chat_per_second
            await self._chat_limiter(chat, burst, period).acquire()
        if chat is not None and self._overall is not None:
            await self._overall.acquire()

    async def _pace_shared(
        self, shared: SharedPacer, endpoint: str, chat: int | str | None
    ) -> None:
        limits = self._limits
        if chat is None:
            return
        if endpoint in MESSAGE_METHODS:
            if limits.chat_per_second > 0:
                await shared.rate(f"chat:{chat}", limits.chat_per_second, limits.chat_burst)
            if _is_group(chat) and limits.group_messages > 0:
                await shared.window(f"group:{chat}", limits.group_messages, limits.group_period)
        if limits.overall_per_second > 0:
            burst = max(1, int(limits.overall_per_second))
            await shared.rate("overall", limits.overall_per_second, burst)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        chat = _chat_key(data.get("chat_id"))
        retry_afters = 0
        failures = 0
        while True:
            await self._pace(endpoint, chat)
            window = None if self._shared else self._group_window(endpoint, chat)
            try:
                if window is None:
                    return await callback(*args, **kwargs)
                async with window.slot():
                    return await callback(*args, **kwargs)
            except RetryAfter as exc:
                retry_afters += 1
                if retry_afters > (rate_limit_args or self._limits.max_retry_after):
                    raise
                seconds = retry_seconds(exc)
                self._paused_until[chat] = time.monotonic() + seconds + 0.05
                log.info("telegram_retry_after", method=endpoint, chat=chat, seconds=seconds)
            except BadRequest:
                raise
            except NetworkError as exc:
                failures += 1
                repeatable = not isinstance(exc, TimedOut) or endpoint in IDEMPOTENT_METHODS
                if not repeatable or failures > self._limits.network_retries:
                    raise
                log.info("telegram_call_retried", method=endpoint, chat=chat, error=str(exc))
                await asyncio.sleep(self._limits.backoff_seconds * 2 ** (failures - 1))


def retry_seconds(exc: RetryAfter) -> float:
    """``retry_after`` in seconds, whichever form this PTB version returns."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PTB 22 warns that int periods are deprecated
        delay = exc.retry_after
    return float(delay) if isinstance(delay, int | float) else delay.total_seconds()


def _is_group(chat: int | str) -> bool:
    return isinstance(chat, str) or chat < 0


def _chat_key(raw: object) -> int | str | None:
    if raw is None:
        return None
    try:
        return int(str(raw))
    except ValueError:
        return str(raw)
