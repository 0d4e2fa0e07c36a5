"""Throttled previews of a streamed answer, shared by the chat front-ends.

A stream asks for a preview on every delta; the platform should see at most one update
per ``interval``. ``Previews`` runs ``flush`` once the interval since the last one has
passed, never twice at once; ``cancel`` drops a scheduled preview but lets one already
on its way finish, so the final message never races a half-sent preview.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable

import structlog

log = structlog.get_logger(__name__)


class Previews:
    def __init__(
        self,
        flush: Callable[[], Awaitable[None]],
        *,
        interval: float,
        tolerated: tuple[type[BaseException], ...],
        name: str,
    ) -> None:
        self._flush = flush
        self._interval = interval
        self._tolerated = tolerated  # a failed preview is logged: the final text still follows
        self._name = name
        self._last = -1e9
        self._pending: asyncio.Task[None] | None = None
        self._flushing = False

    def request(self) -> None:
        """A preview is due: schedule one unless one is already scheduled."""
        if self._pending is None or self._pending.done():
            self._pending = asyncio.create_task(self._later(), name=self._name)

    async def cancel(self) -> None:
        task, self._pending = self._pending, None
        if task is None or task.done():
            return
        if not self._flushing:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def _later(self) -> None:
        wait = self._interval - (time.monotonic() - self._last)
        if wait > 0:
            await asyncio.sleep(wait)
        self._flushing = True
        try:
            await self._flush()
        except self._tolerated as exc:
            log.warning("stream_preview_failed", stream=self._name, error=str(exc))
        finally:
            self._flushing = False
            self._last = time.monotonic()
