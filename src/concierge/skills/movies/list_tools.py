"""Agent tools for the lists and suggestions, thin over ``ListFlows``/``ListCommands``."""

from __future__ import annotations

from typing import Literal

from pydantic_ai import RunContext, Tool

from concierge.core.skill import Context
from concierge.skills.movies.list_commands import ListCommands
from concierge.skills.movies.list_flows import entry_of, valid_rating

ListChoice = Literal["watchlist", "watched", "ratings", "blocklist"]


def list_tools(commands: ListCommands) -> list[Tool[Context]]:
    flows = commands.flows

    async def add_to_watchlist(
        ctx: RunContext[Context], title: str, year: int | None = None
    ) -> str:
        """Put a film or series (any language) on the user's watchlist."""
        hit = await flows.resolve(ctx.deps, title, year)
        return await flows.add_to_watchlist(ctx.deps, entry_of(hit)) if hit else "not found"

    async def mark_watched(
        ctx: RunContext[Context], title: str, rating: int | None = None, year: int | None = None
    ) -> str:
        """Record that the user watched a title, optionally with their rating 1–10."""
        hit = await flows.resolve(ctx.deps, title, year)
        if hit is None:
            return "not found"
        return await flows.mark_watched(ctx.deps, entry_of(hit, valid_rating(rating)))

    async def block(
        ctx: RunContext[Context],
        what: str,
        kind: Literal["title", "person", "genre", "auto"] = "auto",
    ) -> str:
        """Never suggest this title, person or genre to the user again."""
        return await commands.block_words(ctx.deps, what, kind)

    async def show_list(ctx: RunContext[Context], which: ListChoice = "watchlist") -> str:
        """Show one of the user's lists (paginated, with buttons)."""
        if which == "ratings":
            return await flows.show(ctx.deps, "watched", rated=True)
        return await flows.show(ctx.deps, "blocked" if which == "blocklist" else which)

    async def something_like(ctx: RunContext[Context], title: str) -> str:
        """Suggest titles like this one, leaving out what the user watched or blocked, ordered
        by their taste; sends a list with buttons."""
        return await flows.like(ctx.deps, title)

    return [
        Tool(add_to_watchlist, takes_ctx=True),
        Tool(mark_watched, takes_ctx=True),
        Tool(block, takes_ctx=True),
        Tool(show_list, takes_ctx=True),
        Tool(something_like, takes_ctx=True),
    ]
