"""The title side of the movies flows: cards for films, series and people.

Search results, a title's card, its similar titles and cast, a person's card,
and the deep links that open them. The torrent side (commands.py) builds on
these: it shows the title card above the torrents it finds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from concierge.adapters.errors import ExternalServiceError
from concierge.core.messages import Card, Text, rows
from concierge.core.skill import Context
from concierge.skills.movies.domain import MediaKind, Title, TitleHit
from concierge.skills.movies.render import (
    CardButtonFactory,
    heading,
    person_card,
    ratings_line,
    title_card,
    title_list,
)
from concierge.skills.movies.service import MoviesService
from concierge.skills.movies.store import LastResults, hit_to_dict


def media_kind(value: object) -> MediaKind:
    return "tv" if value == "tv" else "movie"


class TitleFlows:
    """Title-side flows; each sends its cards and returns a short summary for the model."""

    def __init__(
        self,
        service: MoviesService,
        last: LastResults,
        card_buttons: Sequence[CardButtonFactory] = (),
    ) -> None:
        self.service = service
        self.last = last
        self.card_buttons = list(card_buttons)

    async def _metadata_failed(self, ctx: Context, exc: ExternalServiceError) -> None:
        await ctx.reply(ctx.t("movies.metadata.failed", reason=ctx.t(f"movies.reason.{exc.kind}")))

    async def _metadata_unavailable(
        self, ctx: Context, exc: ExternalServiceError | LookupError
    ) -> str:
        """Tells the user why no card came (source down, or none set up); returns the model's note."""
        if isinstance(exc, ExternalServiceError):
            await self._metadata_failed(ctx, exc)
            return f"metadata unavailable: {exc.kind}"
        await ctx.reply(ctx.t("movies.metadata.not_configured"))
        return "no metadata source configured"

    async def _title_card(self, ctx: Context, title: Title) -> Card:
        return await title_card(
            ctx,
            title,
            in_library=await self.service.in_library(title),
            extra_buttons=self.card_buttons,
        )

    async def _payload_title(self, ctx: Context, payload: dict[str, Any]) -> Title | None:
        """The title a button names; None (the user told why) when metadata fails."""
        try:
            return await self.service.title(
                media_kind(payload.get("kind")), int(payload["id"]), lang=ctx.lang
            )
        except ExternalServiceError as exc:
            await self._metadata_failed(ctx, exc)
            return None

    async def show_title(self, ctx: Context, kind: MediaKind, tmdb_id: int) -> str:
        try:
            title = await self.service.title(kind, tmdb_id, lang=ctx.lang)
        except (ExternalServiceError, LookupError) as exc:
            return await self._metadata_unavailable(ctx, exc)
        await ctx.reply(await self._title_card(ctx, title))
        return title_summary(title)

    async def show_titles(
        self, ctx: Context, query: str, *, kind: str = "multi", year: int | None = None
    ) -> str:
        if self.service.catalog is None:
            await ctx.reply(ctx.t("movies.metadata.not_configured"))
            return "no metadata source configured"
        search_kind = kind if kind in ("movie", "tv") else "multi"
        try:
            hits = await self.service.find_titles(query, lang=ctx.lang, kind=search_kind, year=year)  # type: ignore[arg-type]
        except ExternalServiceError as exc:
            await self._metadata_failed(ctx, exc)
            return f"metadata unavailable: {exc.kind}"
        if not hits:
            await ctx.reply(ctx.t("movies.titles.none", query=query))
            return f"nothing found for {query!r}"
        hits = hits[:8]
        await self.last.save(ctx.user.id, "titles", query, [hit_to_dict(h) for h in hits])
        await ctx.reply(await title_list(ctx, ctx.t("movies.titles.header", query=query), hits))
        return "; ".join(f"{n}. {_hit_summary(h)}" for n, h in enumerate(hits, 1))

    async def show_person(
        self, ctx: Context, *, tmdb_id: int | None = None, name: str | None = None
    ) -> str:
        try:
            if tmdb_id is None and name:
                people = await self.service.find_people(name, lang=ctx.lang)
                if not people:
                    await ctx.reply(ctx.t("movies.person.none", name=name))
                    return f"no person called {name!r}"
                tmdb_id = people[0].tmdb_id
            if tmdb_id is None:
                return "give a name or an id"
            person = await self.service.person(tmdb_id, lang=ctx.lang)
        except (ExternalServiceError, LookupError) as exc:
            return await self._metadata_unavailable(ctx, exc)
        await ctx.reply(await person_card(ctx, person))
        known = ", ".join(f"{heading(k)} [{k.kind} {k.tmdb_id}]" for k in person.known_for[:5])
        return f"{person.name} (person {person.tmdb_id}); known for: {known}"

    # --- buttons and deep links ---------------------------------------------------

    async def on_open(self, ctx: Context, payload: dict[str, Any]) -> None:
        await self.show_title(ctx, media_kind(payload.get("kind")), int(payload["id"]))

    async def on_similar(self, ctx: Context, payload: dict[str, Any]) -> None:
        title = await self._payload_title(ctx, payload)
        if title is None:
            return
        hits: list[TitleHit] = list(title.recommendations[:8])
        if not hits:
            await ctx.reply(ctx.t("movies.similar.none", title=heading(title)))
            return
        await self.last.save(ctx.user.id, "titles", title.title, [hit_to_dict(h) for h in hits])
        await ctx.reply(
            await title_list(ctx, ctx.t("movies.similar.header", title=heading(title)), hits)
        )

    async def on_cast(self, ctx: Context, payload: dict[str, Any]) -> None:
        title = await self._payload_title(ctx, payload)
        if title is None:
            return
        buttons = [
            await ctx.button(
                f"{c.name}" + (f" — {c.character}" if c.character else ""),
                "movies.person",
                {"id": c.tmdb_id},
            )
            for c in title.cast[:10]
        ]
        await ctx.reply(
            Text(
                ctx.t("movies.cast.header", title=heading(title)), buttons=rows(*buttons, per_row=2)
            )
        )

    async def on_person(self, ctx: Context, payload: dict[str, Any]) -> None:
        await self.show_person(ctx, tmdb_id=int(payload["id"]))

    async def link_movie(self, ctx: Context, rest: str) -> None:
        if await self._link_ok(ctx, rest):
            await self.show_title(ctx, "movie", int(rest))

    async def link_tv(self, ctx: Context, rest: str) -> None:
        if await self._link_ok(ctx, rest):
            await self.show_title(ctx, "tv", int(rest))

    async def link_person(self, ctx: Context, rest: str) -> None:
        if await self._link_ok(ctx, rest):
            await self.show_person(ctx, tmdb_id=int(rest))

    async def _link_ok(self, ctx: Context, rest: str) -> bool:
        """A deep link carries a TMDB id; a mangled one gets a word, not silence."""
        if rest.isascii() and rest.isdigit() and len(rest) < 12:
            return True
        await ctx.reply(ctx.t("movies.link.broken"))
        return False


def _hit_summary(hit: TitleHit) -> str:
    original = f" / {hit.original_title}" if hit.original_title != hit.title else ""
    return f"{heading(hit)}{original} [{hit.kind} {hit.tmdb_id}]"


def title_summary(title: Title) -> str:
    parts = [f"{heading(title)} [{title.kind} {title.tmdb_id}, imdb {title.imdb_id or '?'}]"]
    ratings = ratings_line(title)
    if ratings:
        parts.append(ratings)
    if title.directors:
        parts.append("by " + ", ".join(title.directors))
    return "; ".join(parts) + " — card sent"
