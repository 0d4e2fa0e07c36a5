"""/watchlist, /watched, /rate, /blocklist and the list buttons: thin over ``ListFlows``.

Without arguments a command shows its list; with a title it changes it:
``/watched Arrival 9`` marks Arrival watched and rates it 9/10,
``/blocklist horror`` blocks a genre, ``/blocklist person Name`` a person.
"""

from __future__ import annotations

import re
from typing import Any

from concierge.adapters.errors import ExternalServiceError
from concierge.core.messages import Text, literal
from concierge.core.skill import Context
from concierge.skills.movies.genres import GENRES, label_key
from concierge.skills.movies.list_flows import (
    ListFlows,
    entry_from_payload,
    entry_of,
    valid_rating,
)
from concierge.skills.movies.lists import ListEntry, ListName

_TRAILING_RATING = re.compile(r"^(?P<title>.+?)[\s,]+(?P<rating>\d{1,2})(?:\s*/\s*10|\s+из\s+10)?$")


def split_rating(text: str) -> tuple[str, int | None]:
    """ "Arrival 9/10" → ("Arrival", 9); a title ending in a number keeps it if it is > 10."""
    found = _TRAILING_RATING.match(text.strip())
    if found is not None and valid_rating(found.group("rating")) is not None:
        return found.group("title").strip(" ,"), int(found.group("rating"))
    return text.strip(), None


def genre_slug(ctx: Context, text: str) -> str | None:
    wanted = text.strip().lower()
    for slug in GENRES:
        names = {slug, ctx.catalog.t(label_key(slug), "en"), ctx.catalog.t(label_key(slug), "ru")}
        if wanted in {n.lower() for n in names}:
            return slug
    return None


class ListCommands:
    def __init__(self, flows: ListFlows) -> None:
        self.flows = flows

    async def _titled(self, ctx: Context, text: str, rating: int | None = None) -> ListEntry | None:
        hit = await self.flows.resolve(ctx, text)
        return entry_of(hit, rating) if hit is not None else None

    async def watchlist(self, ctx: Context) -> None:
        if not ctx.inbound.args:
            await self.flows.show(ctx, "watchlist")
            return
        entry = await self._titled(ctx, ctx.inbound.args)
        if entry is not None:
            await self.flows.add_to_watchlist(ctx, entry)

    async def watched(self, ctx: Context) -> None:
        if not ctx.inbound.args:
            await self.flows.show(ctx, "watched")
            return
        title, rating = split_rating(ctx.inbound.args)
        entry = await self._titled(ctx, title, rating)
        if entry is not None:
            await self.flows.mark_watched(ctx, entry)

    async def rate(self, ctx: Context) -> None:
        if not ctx.inbound.args:
            await self.flows.show(ctx, "watched", rated=True)
            return
        title, rating = split_rating(ctx.inbound.args)
        if rating is None:
            await ctx.reply(ctx.t("movies.lists.rate_usage"))
            return
        entry = await self._titled(ctx, title, rating)
        if entry is not None:
            await self.flows.mark_watched(ctx, entry)

    async def blocklist(self, ctx: Context) -> None:
        args = ctx.inbound.args.strip()
        if not args:
            await self.flows.show(ctx, "blocked")
            return
        await self.block_words(ctx, args)

    async def block_words(self, ctx: Context, words: str, kind: str = "auto") -> str:
        """A genre by name, a person ("person Name"), or else a title."""
        head, _, rest = words.partition(" ")
        if kind == "person" or (head.lower() in ("person", "человек", "актёр", "актер") and rest):
            return await self._block_person(ctx, rest if kind != "person" else words)
        slug = genre_slug(ctx, words) if kind in ("auto", "genre") else None
        if slug is not None:
            return await self.flows.block_genre(ctx, slug)
        entry = await self._titled(ctx, words)
        if entry is None:
            return f"nothing called {words!r}"
        return await self.flows.block(ctx, entry)

    async def _block_person(self, ctx: Context, name: str) -> str:
        try:
            people = await self.flows.service.find_people(name, lang=ctx.lang)
        except ExternalServiceError:
            people = []
        if not people:
            await ctx.reply(ctx.t("movies.person.none", name=name))
            return f"no person called {name!r}"
        person = people[0]
        return await self.flows.block(
            ctx, ListEntry(key=f"person:{person.tmdb_id}", title=person.name)
        )

    # --- buttons ------------------------------------------------------------------

    async def on_add(self, ctx: Context, payload: dict[str, Any]) -> None:
        await self.flows.add_to_watchlist(ctx, entry_from_payload(payload))

    async def on_watched(self, ctx: Context, payload: dict[str, Any]) -> None:
        await self.flows.mark_watched(ctx, entry_from_payload(payload))

    async def on_rate(self, ctx: Context, payload: dict[str, Any]) -> None:
        entry = entry_from_payload(payload)
        await ctx.reply(
            Text(
                ctx.t("movies.lists.rate_prompt", title=literal(entry.label())),
                buttons=await self.flows.rating_buttons(ctx, payload),
            )
        )

    async def on_rate_set(self, ctx: Context, payload: dict[str, Any]) -> None:
        rating = valid_rating(payload.get("rating"))
        await self.flows.mark_watched(ctx, entry_from_payload(payload, rating))

    async def on_never(self, ctx: Context, payload: dict[str, Any]) -> None:
        await self.flows.block(ctx, entry_from_payload(payload))

    async def on_page(self, ctx: Context, payload: dict[str, Any]) -> None:
        name: ListName = _list_name(payload.get("list"))
        await self.flows.show(
            ctx, name, int(payload.get("offset") or 0), rated=bool(payload.get("rated"))
        )

    async def on_remove(self, ctx: Context, payload: dict[str, Any]) -> None:
        name = _list_name(payload.get("list"))
        key = str(payload.get("key"))
        removed = await self.flows.lists.remove(ctx.user.id, name, key)
        await ctx.reply(ctx.t("movies.lists.removed" if removed else "movies.lists.not_there"))
        await self.flows.show(ctx, name, rated=bool(payload.get("rated")))


def _list_name(value: object) -> ListName:
    return value if value in ("watchlist", "watched", "blocked") else "watchlist"
