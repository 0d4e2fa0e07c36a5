"""What the user sees while the agent works: "typing…" and the answer as it streams.

The runner (agent.py) owns the run; these two turn its events into chat
output, pausing the typing indicator while text is streaming and closing the
streamed text before each tool call so tool cards appear below it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, Iterable

import structlog
from pydantic_ai import RunContext
from pydantic_ai.messages import (
    AgentStreamEvent,
    FunctionToolCallEvent,
    PartDeltaEvent,
    PartStartEvent,
    TextPart,
    TextPartDelta,
)

from concierge.core.messages import Stream
from concierge.core.skill import Context

log = structlog.get_logger(__name__)

TYPING_INTERVAL = 4.0  # chat apps show "typing…" for about five seconds


class TypingIndicator:
    """Keeps "typing…" visible while the model thinks or tools work, paused while text streams."""

    def __init__(self, ctx: Context, interval: float) -> None:
        self.ctx = ctx
        self.interval = interval
        self._wanted = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._wanted.set()
        self._task = asyncio.create_task(self._loop())

    def resume(self) -> None:
        self._wanted.set()

    def pause(self) -> None:
        self._wanted.clear()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _loop(self) -> None:
        while True:
            await self._wanted.wait()
            try:
                await self.ctx.outbox.typing()
            except Exception:
                log.warning("typing_indicator_failed", user=self.ctx.user.key, exc_info=True)
                return
            await asyncio.sleep(self.interval)


class ReplyStreamer:
    """Turns the agent's events into chat output: text streams, finished before each tool call."""

    def __init__(self, ctx: Context, typing: TypingIndicator) -> None:
        self.ctx = ctx
        self.typing = typing
        self.stream: Stream | None = None
        self.text = ""

    async def handle(
        self, _run: RunContext[Context], events: AsyncIterable[AgentStreamEvent]
    ) -> None:
        async for event in events:
            if isinstance(event, PartStartEvent) and isinstance(event.part, TextPart):
                await self._delta(event.part.content)
            elif isinstance(event, PartDeltaEvent) and isinstance(event.delta, TextPartDelta):
                await self._delta(event.delta.content_delta)
            elif isinstance(event, FunctionToolCallEvent):
                await self._close_interim()
                self.typing.resume()

    async def relay(self, deltas: Iterable[str]) -> None:
        """Stream text known in advance (the offline model's answer) like a model's.

        Each delta yields to the loop once, as a model's event stream does, so the
        front-end's preview (a Telegram draft) gets its turn before the final message.
        """
        for text in deltas:
            await self._delta(text)
            await asyncio.sleep(0)

    async def _delta(self, text: str) -> None:
        if not text:
            return
        self.typing.pause()
        if self.stream is None:
            self.stream = self.ctx.outbox.stream()
        self.text += text
        await self.stream.delta(text)

    async def _close_interim(self) -> None:
        """Text before a tool call stays as its own message, above the tool's cards."""
        if self.stream is not None and self.text.strip():
            await self.stream.finish(self.text.strip())
        self.stream, self.text = None, ""

    async def finish(self, final_text: str) -> None:
        text = final_text.strip() or self.text.strip()
        if not text:
            return
        stream = self.stream or self.ctx.outbox.stream()
        await stream.finish(text)
        self.stream, self.text = None, ""
