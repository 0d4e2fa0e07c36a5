"""Agent tools over the user's long-term memory: read/update core blocks, add/search notes."""

from __future__ import annotations

from typing import Literal

from pydantic_ai import RunContext, Tool

from concierge.core.messages import Text, literal
from concierge.core.skill import Context
from concierge.skills.memory.blocks import LIMITS, BlockTooLong
from concierge.skills.memory.service import MemoryService

BlockName = Literal[
    "identity",
    "preferences",
    "watch_context",
    "active_context",
    "style",
    "instructions",
    "blocklist",
    "learnings",
]


def memory_tools(service: MemoryService) -> list[Tool[Context]]:
    async def memory_read(ctx: RunContext[Context], block: BlockName | None = None) -> str:
        """Read one core memory block (or all of them, when no block is named)."""
        if block is not None:
            content = await service.blocks.read(ctx.deps.user.id, block)
            return f"{block} ({len(content)}/{LIMITS[block]}): {content or '(empty)'}"
        stored = await service.blocks.all(ctx.deps.user.id)
        return "\n".join(f"{n}: {c}" for n, c in stored.items()) or "all blocks are empty"

    async def memory_write(
        ctx: RunContext[Context],
        block: BlockName,
        text: str,
        mode: Literal["append", "replace"] = "append",
    ) -> str:
        """Save a durable fact about the user into a core block: append an entry, or replace
        the whole block. Blocks past 70 % of their limit are compacted automatically."""
        try:
            outcome = await service.blocks.write(
                ctx.deps.user.id, block, text, replace=mode == "replace"
            )
        except BlockTooLong as exc:
            return f"not saved: {exc}"
        note = f" (compacted: {outcome.compacted})" if outcome.compacted else ""
        return f"saved to {block}, now {len(outcome.content)}/{outcome.limit} characters{note}"

    async def note_add(ctx: RunContext[Context], text: str) -> str:
        """Keep a note about the user (searchable later, not shown in every prompt)."""
        note = await service.notes.add(ctx.deps.user.id, text)
        await ctx.deps.reply(ctx.deps.t("memory.notes.saved"))
        return f"note {note.id} saved"

    async def note_search(ctx: RunContext[Context], query: str) -> str:
        """Find the user's notes containing these words (any language)."""
        found = await service.notes.search(ctx.deps.user.id, query)
        if not found:
            await ctx.deps.reply(ctx.deps.t("memory.notes.none", query=query))
            return f"no note matches {query!r}"
        listed = "\n".join(f"[{n.created_at.date().isoformat()}] {n.text}" for n in found)
        await ctx.deps.reply(Text(ctx.deps.t("memory.notes.found") + "\n" + literal(listed)))
        return listed + "\n(shown to the user)"

    return [
        Tool(memory_read, takes_ctx=True),
        Tool(memory_write, takes_ctx=True),
        Tool(note_add, takes_ctx=True),
        Tool(note_search, takes_ctx=True),
    ]
