"""Agent tools: thin over the flows, sending cards and returning short summaries."""

from __future__ import annotations

from typing import Literal

from pydantic_ai import RunContext, Tool

from concierge.core.skill import Context
from concierge.skills.movies.commands import MoviesFlows

Kind = Literal["movie", "tv", "any"]


def movie_tools(flows: MoviesFlows) -> list[Tool[Context]]:
    async def search_titles(
        ctx: RunContext[Context], query: str, kind: Kind = "any", year: int | None = None
    ) -> str:
        """Find films or series by title (any language); shows a numbered list with buttons.

        Returns each match as "title (year) [kind tmdb_id]".
        """
        return await flows.show_titles(ctx.deps, query, kind=kind, year=year)

    async def title_details(
        ctx: RunContext[Context], tmdb_id: int, kind: Literal["movie", "tv"] = "movie"
    ) -> str:
        """Show a film's or series' card (ratings, director, cast, overview) by TMDB id."""
        return await flows.show_title(ctx.deps, kind, tmdb_id)

    async def person(
        ctx: RunContext[Context], name: str | None = None, tmdb_id: int | None = None
    ) -> str:
        """Show a person's card (actor, director) by name or TMDB person id."""
        return await flows.show_person(ctx.deps, tmdb_id=tmdb_id, name=name)

    async def search_torrents(
        ctx: RunContext[Context],
        title: str | None = None,
        tmdb_id: int | None = None,
        kind: Kind = "any",
        year: int | None = None,
        quality: str | None = None,
        season: int | None = None,
        episode: int | None = None,
    ) -> str:
        """Find a film/series and its torrents on every tracker; sends the title card and the
        three best releases (Recommended, Fastest, Smallest) with Magnet buttons.

        quality: "2160p"/"4K", "1080p", "720p" (a hard filter). season/episode for series.
        """
        return await flows.find_torrents(
            ctx.deps,
            title=title,
            tmdb_id=tmdb_id,
            kind=None if kind == "any" else kind,
            year=year,
            quality=quality,
            season=season,
            episode=episode,
        )

    async def pick_result(ctx: RunContext[Context], number: int) -> str:
        """Pick entry `number` (1-based) from the user's last list: a torrent's magnet, or a
        title's torrents."""
        return await flows.pick(ctx.deps, number)

    return [
        Tool(search_titles, takes_ctx=True),
        Tool(title_details, takes_ctx=True),
        Tool(person, takes_ctx=True),
        Tool(search_torrents, takes_ctx=True),
        Tool(pick_result, takes_ctx=True),
    ]
