"""One replica among several runs what Telegram or Discord allow only once.

Telegram's long polling and Discord's gateway take one connection per bot: two replicas
polling would steal each other's updates. A ``Lease`` keeps a named row in the shared
database: the holder renews it every third of its time to live and runs the thing
(``on_gain``); the others try again at the same pace. When the holder dies, its lease
runs out and another replica takes over within one time to live plus one renewal.
A holder that cannot renew in time (database down) stops the thing itself (``on_loss``)
before anyone else may start it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Protocol

import structlog

from concierge.core.clock import SYSTEM_CLOCK, Clock
from concierge.core.metrics import Metrics

log = structlog.get_logger(__name__)

DEFAULT_TTL = timedelta(seconds=15)


class LeaseStore(Protocol):
    async def acquire(self, name: str, holder: str, ttl: timedelta) -> bool:
        """Take or renew ``name`` for ``ttl``; False while another holder's lease runs."""
        ...

    async def release(self, name: str, holder: str) -> None: ...

    async def holder(self, name: str) -> str | None: ...


Hook = Callable[[], Awaitable[None]]


class Lease:
    """Holds ``name`` for ``holder`` while running; ``on_gain``/``on_loss`` start and stop
    the thing it guards. ``start`` returns at once; ``stop`` releases the lease."""

    def __init__(
        self,
        store: LeaseStore,
        name: str,
        holder: str,
        *,
        on_gain: Hook,
        on_loss: Hook,
        ttl: timedelta = DEFAULT_TTL,
        clock: Clock = SYSTEM_CLOCK,
        metrics: Metrics | None = None,
    ) -> None:
        self._store = store
        self.name = name
        self.holder = holder
        self._on_gain = on_gain
        self._on_loss = on_loss
        self._ttl = ttl
        self._clock = clock
        self.held = False
        self._renewed_at = clock.now()
        self._task: asyncio.Task[None] | None = None
        self._gauge = metrics.lease_held.labels(name) if metrics is not None else None
        if self._gauge is not None:
            self._gauge.set(0)

    def _set_held(self, held: bool) -> None:
        self.held = held
        if self._gauge is not None:
            self._gauge.set(1 if held else 0)

    async def start(self) -> None:
        await self.step()  # the first replica up starts at once
        self._task = asyncio.create_task(self._run(), name=f"lease:{self.name}")

    async def step(self) -> None:
        """One renewal or attempt (the loop calls it every ttl/3; tests call it directly)."""
        try:
            ok = await self._store.acquire(self.name, self.holder, self._ttl)
        except Exception as exc:  # database unreachable: keep trying, but never overstay
            log.warning("lease_renew_failed", lease=self.name, error=str(exc))
            ok = False
            if self.held and self._clock.now() - self._renewed_at < self._ttl * 2 / 3:
                return  # still safely inside our own time to live
        if ok:
            self._renewed_at = self._clock.now()
        if ok and not self.held:
            log.info("lease_gained", lease=self.name, holder=self.holder)
            try:
                await self._on_gain()
            except Exception as exc:  # could not start: let another replica try
                log.error("lease_start_failed", lease=self.name, error=str(exc))
                await self._store.release(self.name, self.holder)
                return
            self._set_held(True)
        elif not ok and self.held:
            self._set_held(False)
            log.warning("lease_lost", lease=self.name, holder=self.holder)
            await self._on_loss()

    async def _run(self) -> None:
        pause = self._ttl.total_seconds() / 3
        while True:
            await asyncio.sleep(pause)
            await self.step()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self.held:
            self._set_held(False)
            await self._on_loss()
            try:
                await self._store.release(self.name, self.holder)
            except Exception as exc:  # it runs out by itself then
                log.warning("lease_release_failed", lease=self.name, error=str(exc))
