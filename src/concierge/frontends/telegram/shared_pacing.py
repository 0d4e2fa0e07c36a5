"""Telegram's send limits counted in Redis, so every replica and worker shares them.

Telegram counts a bot's messages, not a process's: two workers each pacing a chat to
one message a second send two. With ``REDIS_URL`` set, ``TelegramRateLimiter`` asks
here instead of its in-process limiters. Both limits are one Lua script each, so a
check and its reservation are atomic, and both read Redis's own clock (``TIME``), so
replicas whose clocks differ still agree.

- ``rate``: a generic cell rate algorithm (GCRA). Each call reserves the next slot and
  is told how long to wait for it; ``burst`` calls may go at once, then one per
  ``1/per_second``. Reserving (rather than "try again later") keeps callers in order.
- ``window``: a sliding window (a sorted set of send times): at most ``limit`` in any
  ``period``, as Telegram counts a group's 20 a minute; a caller over it waits until the
  oldest entry leaves the window and asks again.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from redis.asyncio import Redis

_RATE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local next_tat = tat + interval
local wait = next_tat - now - burst * interval
if wait < 0 then wait = 0 end
redis.call('SET', KEYS[1], tostring(next_tat), 'PX', math.ceil(next_tat - now) + 1000)
return tostring(wait)
"""

_WINDOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local period = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - period)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], math.ceil(period) + 1000)
  return '0'
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return tostring(tonumber(oldest[2]) + period - now)
"""


class RedisPacer:
    """Shared waits for ``TelegramRateLimiter``; keys are per bot (the token's hash)."""

    def __init__(self, client: Redis, bot_token: str, timeout: float = 5.0) -> None:
        self._client = client
        self._prefix = "concierge:telegram:" + hashlib.sha256(bot_token.encode()).hexdigest()[:16]
        self._rate: Any = client.register_script(_RATE)
        self._window: Any = client.register_script(_WINDOW)
        self._timeout = timeout

    async def _call(self, script: Any, key: str, *args: object) -> float:
        async with asyncio.timeout(self._timeout):
            reply = await script(keys=[f"{self._prefix}:{key}"], args=list(args))
        return float(reply.decode() if isinstance(reply, bytes) else reply) / 1000

    async def reserve(self, key: str, per_second: float, burst: int) -> float:
        """Take the next slot under ``key``; the seconds until it comes."""
        return await self._call(self._rate, key, 1000 / per_second, max(1, burst))

    async def rate(self, key: str, per_second: float, burst: int) -> None:
        """Wait for this call's slot: ``burst`` at once, then ``per_second``."""
        wait = await self.reserve(key, per_second, burst)
        if wait > 0:
            await asyncio.sleep(wait)

    async def admit(self, key: str, limit: int, period: float, member: str | None = None) -> float:
        """Enter the window under ``key`` if it has room (0.0), else the seconds to wait."""
        member = member or uuid.uuid4().hex
        return await self._call(self._window, key, period * 1000, limit, member)

    async def window(self, key: str, limit: int, period: float) -> None:
        """Wait until fewer than ``limit`` calls were made in the last ``period`` seconds."""
        member = uuid.uuid4().hex
        for _ in range(1000):  # another process's sends: poll Redis, there is no event to wait on
            wait = await self.admit(key, limit, period, member)
            if wait <= 0:
                return
            await asyncio.sleep(wait)
        raise TimeoutError(f"no send slot in {key}")

    async def close(self) -> None:
        await self._client.aclose()


def connect(url: str, bot_token: str) -> RedisPacer:
    """A pacer on ``url`` (``redis://host:port/db``); connects on first use."""
    from redis.asyncio import Redis

    client = Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
    return RedisPacer(client, bot_token)
