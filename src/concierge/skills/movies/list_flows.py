"""Watchlist, watched, ratings and blocklist: commands, card buttons, tools, suggestions.

Every way in (a /command, a button under a title card, an agent tool, an
offline intent) ends in one method here, which tells the user what changed and
returns a short note for the model.
"""

from __future__ import annotations

from typing import Any

from concierge.adapters.errors import ExternalServiceError
from concierge.core.messages import Button, Text, literal, rows
from concierge.core.skill import Context
from concierge.skills.movies.commands import PreferencesFor, default_preferences
from concierge.skills.movies.domain import Title, TitleHit
from concierge.skills.movies.genres import GENRES, label_key, slugs
from concierge.skills.movies.lists import ListEntry, ListName, TitleLists, title_key
from concierge.skills.movies.render import OPEN, heading, title_list
from concierge.skills.movies.service import MoviesService
from concierge.skills.movies.store import LastResults, hit_to_dict
from concierge.skills.movies.taste import Exclusions, genre_weights, suggest

LIST_PAGE = "movies.list.page"
LIST_REMOVE = "movies.list.remove"
RATE_SET = "movies.list.rate_set"
PAGE_SIZE = 8
SUGGESTIONS = 8


def entry_of(title: Title | TitleHit, rating: int | None = None) -> ListEntry:
    people = (
        (*title.directors, *(c.name for c in title.cast[:3])) if isinstance(title, Title) else ()
    )
    return ListEntry(
        key=title_key(title.kind, title.tmdb_id),
        title=title.title,
        year=title.year,
        genres=slugs(title.genre_ids),
        people=people,
        rating=rating,
    )


def entry_from_payload(payload: dict[str, Any], rating: int | None = None) -> ListEntry:
    year = payload.get("year")
    return ListEntry(
        key=title_key(str(payload.get("kind")), int(payload["id"])),
        title=str(payload.get("title") or ""),
        year=int(year) if isinstance(year, int) else None,
        genres=slugs(int(g) for g in payload.get("genre_ids") or []),
        people=tuple(str(p) for p in payload.get("people") or []),
        rating=rating,
    )


def valid_rating(value: object) -> int | None:
    try:
        number = int(str(value).strip().split("/")[0])
    except (TypeError, ValueError):
        return None
    return number if 1 <= number <= 10 else None


class ListFlows:
    def __init__(
        self,
        service: MoviesService,
        lists: TitleLists,
        last: LastResults,
        preferences: PreferencesFor = default_preferences,
    ) -> None:
        self.service = service
        self.lists = lists
        self.last = last
        self.preferences = preferences

    async def resolve(self, ctx: Context, query: str, year: int | None = None) -> TitleHit | None:
        """The title the words name (top TMDB match), or None after telling the user why."""
        if self.service.catalog is None:
            await ctx.reply(ctx.t("movies.metadata.not_configured"))
            return None
        try:
            hits = await self.service.find_titles(query, lang=ctx.lang, year=year)
        except ExternalServiceError as exc:
            await ctx.reply(
                ctx.t("movies.metadata.failed", reason=ctx.t(f"movies.reason.{exc.kind}"))
            )
            return None
        if not hits:
            await ctx.reply(ctx.t("movies.titles.none", query=query))
            return None
        return next((h for h in hits if year and h.year == year), hits[0])

    # --- changes ------------------------------------------------------------------

    async def add_to_watchlist(self, ctx: Context, entry: ListEntry) -> str:
        if await self.lists.get(ctx.user.id, "watched", entry.key) is not None:
            await ctx.reply(ctx.t("movies.lists.already_watched", title=literal(entry.label())))
            return f"{entry.label()} is already watched"
        await self.lists.add_to_watchlist(ctx.user.id, entry)
        await ctx.reply(await self._with_list(ctx, "movies.lists.added", entry, "watchlist"))
        return f"{entry.label()} added to the watchlist"

    async def mark_watched(self, ctx: Context, entry: ListEntry) -> str:
        await self.lists.mark_watched(ctx.user.id, entry)
        if entry.rating is not None:
            await ctx.reply(
                await self._with_list(ctx, "movies.lists.rated", entry, "watched", rated=True)
            )
            return f"{entry.label()} marked watched, rated {entry.rating}/10"
        payload: dict[str, Any] = {"kind": entry.kind, "id": entry.tmdb_id, "title": entry.title}
        payload |= {"year": entry.year, "genre_ids": _genre_ids(entry.genres)}
        payload["people"] = list(entry.people)
        await ctx.reply(
            Text(
                ctx.t("movies.lists.watched", title=literal(entry.label())),
                buttons=await self.rating_buttons(ctx, payload),
            )
        )
        return f"{entry.label()} marked watched (no rating yet)"

    async def block(self, ctx: Context, entry: ListEntry) -> str:
        await self.lists.block(ctx.user.id, entry)
        await ctx.reply(await self._with_list(ctx, "movies.lists.blocked", entry, "blocked"))
        return f"{entry.label()} blocked: never suggested again"

    async def block_genre(self, ctx: Context, slug: str) -> str:
        name = ctx.t(label_key(slug))
        return await self.block(ctx, ListEntry(key=f"genre:{slug}", title=name))

    async def _with_list(
        self, ctx: Context, key: str, entry: ListEntry, name: ListName, *, rated: bool = False
    ) -> Text:
        show = await ctx.button(
            ctx.t(f"movies.lists.show.{'rated' if rated else name}"),
            LIST_PAGE,
            {"list": name, "offset": 0, "rated": rated},
        )
        text = ctx.t(key, title=literal(entry.label()), rating=entry.rating or "")
        return Text(text, buttons=rows(show))

    async def rating_buttons(
        self, ctx: Context, payload: dict[str, Any]
    ) -> tuple[tuple[Button, ...], ...]:
        buttons = [
            await ctx.button(str(n), RATE_SET, {**payload, "rating": n}) for n in range(1, 11)
        ]
        return rows(*buttons, per_row=5)

    # --- lists --------------------------------------------------------------------

    async def show(self, ctx: Context, name: ListName, offset: int = 0, rated: bool = False) -> str:
        entries, total = await self.lists.page(ctx.user.id, name, offset, PAGE_SIZE, rated=rated)
        label = "rated" if rated else name
        if total == 0:
            await ctx.reply(ctx.t(f"movies.lists.empty.{label}"))
            return f"the {label} list is empty"
        lines = [ctx.t(f"movies.lists.header.{label}", count=total)]
        buttons: list[Button | None] = []
        for number, entry in enumerate(entries, offset + 1):
            lines.append(f"{number}. {literal(entry.label())}{_marks(entry)}")
            if entry.tmdb_id is not None and entry.kind in ("movie", "tv"):
                ref = {"kind": entry.kind, "id": entry.tmdb_id}
                buttons.append(await ctx.button(f"{number}. {entry.title[:30]}", OPEN, ref))
            remove = {"list": name, "key": entry.key, "rated": rated}
            buttons.append(await ctx.button(f"✕ {number}", LIST_REMOVE, remove))
        nav: list[Button | None] = []
        if offset > 0:
            back = {"list": name, "offset": max(0, offset - PAGE_SIZE), "rated": rated}
            nav.append(await ctx.button("‹", LIST_PAGE, back))
        if offset + PAGE_SIZE < total:
            ahead = {"list": name, "offset": offset + PAGE_SIZE, "rated": rated}
            nav.append(await ctx.button("›", LIST_PAGE, ahead))
        if nav:
            shown = f"{offset + 1}–{min(total, offset + PAGE_SIZE)}"
            lines.append(ctx.t("movies.lists.page", shown=shown, count=total))
        await ctx.reply(
            Text("\n".join(lines), buttons=rows(*buttons, per_row=2) + rows(*nav, per_row=2))
        )
        return f"{label}: " + "; ".join(e.label() for e in entries)

    # --- suggestions --------------------------------------------------------------

    async def like(self, ctx: Context, query: str) -> str:
        """ "Something like X": TMDB's recommendations and similar titles for X, minus what
        the user watched or blocked, best fit to their taste first."""
        hit = await self.resolve(ctx, query)
        if hit is None:
            return f"no title called {query!r}"
        try:
            title = await self.service.title(hit.kind, hit.tmdb_id, lang=ctx.lang)
        except (ExternalServiceError, LookupError):
            await ctx.reply(ctx.t("movies.metadata.failed", reason=ctx.t("movies.reason.error")))
            return "metadata unavailable"
        watched = await self.lists.entries(ctx.user.id, ("watched",))
        blocked = await self.lists.keys(ctx.user.id, "blocked")
        exclusions = Exclusions(
            keys=frozenset({e.key for e in watched} | blocked | {title_key(hit.kind, hit.tmdb_id)}),
            genres=frozenset(k.split(":", 1)[1] for k in blocked if k.startswith("genre:")),
        )
        prefs = await self.preferences(ctx)
        picks = suggest(
            title.recommendations, genre_weights(watched, prefs.favourite_genres), exclusions
        )[:SUGGESTIONS]
        if not picks:
            await ctx.reply(ctx.t("movies.similar.none", title=heading(title)))
            return f"nothing new like {heading(title)}"
        await self.last.save(ctx.user.id, "titles", title.title, [hit_to_dict(h) for h in picks])
        await ctx.reply(
            await title_list(ctx, ctx.t("movies.lists.like_header", title=heading(title)), picks)
        )
        return f"like {heading(title)}: " + "; ".join(
            f"{heading(h)} [{h.kind} {h.tmdb_id}]" for h in picks
        )


def _genre_ids(genres: tuple[str, ...]) -> list[int]:
    return [GENRES[g][0] for g in genres if g in GENRES]


def _marks(entry: ListEntry) -> str:
    parts = []
    if entry.rating is not None:
        parts.append(f"★ {entry.rating}/10")
    if entry.watched_on is not None:
        parts.append(entry.watched_on.isoformat())
    return (" — " + " · ".join(parts)) if parts else ""
