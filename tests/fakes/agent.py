"""Stand-ins for the language model, one per port.

- ``FakeAgent``: the dispatcher's ``AgentRunner`` (``run(ctx, text)``). Records what
  reached it; answers ``agent: <text>``, or streams fixed ``parts`` like a model
  generating an answer. ``gate`` holds it "thinking" until a test releases it.
- ``FakeModels``: ``PydanticAgentRunner``'s ``ModelSource`` (``for_user(ctx)``). Hands
  the real runner a pydantic-ai ``FunctionModel``, labelled like a provider model.
- ``Script``: the scripted model most tests give ``FakeModels``: calls tools, then
  says what they returned.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic_ai.messages import ModelMessage, ModelRequest, ToolReturnPart, UserPromptPart
from pydantic_ai.models.function import AgentInfo, DeltaToolCall, DeltaToolCalls, FunctionModel

from concierge.core.agent import RunModel
from concierge.core.skill import Context


@dataclass
class FakeAgent:
    """Answers every message without a model.

    ``parts`` None: one reply ``agent: <text>``; otherwise typing, then the parts as
    stream deltas with ``pause`` seconds before each (pacing tests need real gaps).
    """

    parts: Sequence[str] | None = None
    pause: float = 0.0
    gate: asyncio.Event | None = None  # set by the test: until then the agent "thinks"
    seen: list[tuple[str, str]] = field(default_factory=list)  # (user key, text)
    started: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self, ctx: Context, text: str) -> None:
        self.seen.append((ctx.user.key, text))
        self.started.set()
        if self.gate is not None:
            await self.gate.wait()
        if self.parts is None:
            if self.pause:
                await asyncio.sleep(self.pause)
            await ctx.reply(f"agent: {text}")
            return
        await ctx.outbox.typing()
        stream = ctx.outbox.stream()
        for part in self.parts:
            await asyncio.sleep(self.pause)
            await stream.delta(part)
        await stream.finish("".join(self.parts))


@dataclass
class FakeModels:
    """Every user gets ``model``; metrics and logs see it as ``label``."""

    model: FunctionModel
    label: str = "test:fake"

    @classmethod
    def scripted(cls, script: Script, label: str = "test:fake") -> FakeModels:
        return cls(FunctionModel(stream_function=script.stream), label)

    async def for_user(self, ctx: Context) -> RunModel:
        return RunModel(self.label, self.model)


@dataclass
class Script:
    """A scripted model; records every request it was sent (``seen``).

    After tool returns it says ``Done: name=result, …``. Otherwise it calls the
    ``calls`` it was given (name → arguments), or the tools a prompt of the form
    ``call a b`` names, or answers ``Hello`` in two deltas.
    """

    calls: Mapping[str, Mapping[str, Any]] | None = None
    seen: list[list[ModelMessage]] = field(default_factory=list)

    async def stream(
        self, messages: list[ModelMessage], info: AgentInfo
    ) -> AsyncIterator[str | DeltaToolCalls]:
        self.seen.append(list(messages))
        last = messages[-1]
        assert isinstance(last, ModelRequest)
        returns = [p for p in last.parts if isinstance(p, ToolReturnPart)]
        if returns:
            yield "Done: "
            yield ", ".join(f"{p.tool_name}={p.content}" for p in returns)
            return
        calls = dict(self.calls or {})
        if not calls:
            prompt = next(p.content for p in last.parts if isinstance(p, UserPromptPart))
            assert isinstance(prompt, str)
            if prompt.startswith("call "):
                calls = {name: {} for name in prompt.removeprefix("call ").split()}
        if calls:
            yield {
                i: DeltaToolCall(name=name, json_args=json.dumps(args), tool_call_id=f"c{i}")
                for i, (name, args) in enumerate(calls.items())
            }
            return
        yield "Hel"
        yield "lo"
